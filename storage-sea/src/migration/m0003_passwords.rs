//! Password credentials: one row per user, keyed by the user, holding the credential (hash,
//! must-change flag, when set) as JSON.

use sea_orm_migration::prelude::*;

use super::schema::{district_fk, id};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table("hr_passwords")
                    .col(id(b, "user_id").primary_key())
                    .col(id(b, "district"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_passwords"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("hr_passwords").if_exists().take())
            .await
    }
}
