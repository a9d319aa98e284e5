//! Import fingerprints: `hr_users.import_managed` (backfilled from each row's JSON) and
//! `hr_users.import_fingerprint`, so a sync reads who it manages and what their last import
//! left from columns, never decoding a user.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::schema::text;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new("import_managed")
                .boolean()
                .not_null()
                .default(false)
                .take(),
            text(b, "import_fingerprint").null().take(),
        ] {
            manager
                .alter_table(Table::alter().table("hr_users").add_column(column).take())
                .await?;
        }
        let backfill = match b {
            DbBackend::Postgres => {
                "UPDATE hr_users SET import_managed = TRUE \
                 WHERE (data::jsonb ->> 'import_managed') = 'true'"
            }
            _ => {
                "UPDATE hr_users SET import_managed = 1 \
                 WHERE json_extract(data, '$.import_managed') = 1"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["import_fingerprint", "import_managed"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("hr_users")
                        .drop_column(Alias::new(column))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
