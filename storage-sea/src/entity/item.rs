//! `hr_items`: the generic item store (invitations, outbox messages, ...). Unlike the other
//! tables the indexed attributes are the item's own fields, not copies: only the body is JSON.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: Uuid,
    /// `ItemKind::as_str`.
    pub kind: String,
    pub owner: Option<Uuid>,
    pub status: Option<String>,
    /// Whole seconds of `Item::due` since the Unix epoch.
    pub due_secs: Option<i64>,
    /// Nanoseconds of `Item::due` within its second.
    pub due_nanos: Option<i64>,
    /// `Item::key`: unique per district and kind.
    pub item_key: Option<String>,
    pub version: i64,
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
