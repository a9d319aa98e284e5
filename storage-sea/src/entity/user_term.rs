//! `hr_user_terms`: one row per search term of a user (`User::search_terms`), keyed
//! `(district, term, user_id)` so a prefix search is one range of the primary key.

use sea_orm::entity::prelude::*;

/// One search term of a user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_user_terms")]
pub struct Model {
    /// The user's district.
    #[sea_orm(primary_key, auto_increment = false)]
    pub district: Uuid,
    /// The term.
    #[sea_orm(primary_key, auto_increment = false)]
    pub term: String,
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
