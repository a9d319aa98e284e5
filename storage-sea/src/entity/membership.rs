//! `hr_user_org_units`: one row per org unit a user belongs to, keyed
//! `(district, org_unit_id, user_id)` so "members of these units" is a primary-key range.

use sea_orm::entity::prelude::*;

/// A user's membership of one org unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_user_org_units")]
pub struct Model {
    /// The district of both.
    #[sea_orm(primary_key, auto_increment = false)]
    pub district: Uuid,
    /// The org unit's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_unit_id: Uuid,
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
