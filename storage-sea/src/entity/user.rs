//! `hr_users`: one row per user, with its unique keys, listing key and filter columns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: Uuid,
    pub version: i64,
    /// The Local ID, exactly.
    pub local_id: Option<String>,
    /// The e-mail key (lower case).
    pub email_key: Option<String>,
    /// The username key (lower case).
    pub username_key: Option<String>,
    /// `User::sort_key`, the listing order (ties broken by id).
    pub sort_key: String,
    /// `UserKind::as_str`.
    pub kind: String,
    /// `Grade::code`.
    pub grade: Option<String>,
    /// `RecordStatus::as_str`.
    pub status: String,
    /// `AccessKind::as_str`.
    pub access: String,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
