//! Leases: one row per lease name, with its holder, fencing token and expiry (milliseconds
//! since the Unix epoch by the database server's clock). Rows are never deleted, so tokens keep
//! growing after a release.

use sea_orm_migration::prelude::*;

use super::schema::{big, text};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table("hr_leases")
                    .col(text(b, "name").not_null().primary_key())
                    .col(text(b, "holder").not_null())
                    .col(big("token"))
                    .col(big("expires_ms"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("hr_leases").if_exists().take())
            .await
    }
}
