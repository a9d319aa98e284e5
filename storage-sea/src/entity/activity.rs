//! `hr_activity`: the append-only activity log, indexed by subject and time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hr_activity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub district: Uuid,
    /// The subject, encoded by `codec::subject_key`.
    pub subject: String,
    /// Whole seconds of `at` since the Unix epoch.
    pub at_secs: i64,
    /// Nanoseconds of `at` within its second.
    pub at_nanos: i64,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
