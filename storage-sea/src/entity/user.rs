//! `hr_users`: one row per user, with its unique keys, listing key and filter columns.

use sea_orm::entity::prelude::*;

/// A user row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_users")]
pub struct Model {
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user's district.
    pub district: Uuid,
    /// The stored version.
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
    /// `User::import_managed`.
    pub import_managed: bool,
    /// `User::import_fingerprint`, as `ImportFingerprint`'s `Display` writes it.
    pub import_fingerprint: Option<String>,
    /// The user, whole, as JSON (last: an update sets it with whichever columns changed).
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
