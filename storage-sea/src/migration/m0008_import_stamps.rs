//! The import's light read (`Storage::import_stamps`) from an index alone: every column it
//! reads, after the two it filters on, so a no-change sync walks one narrow index range instead
//! of every user row of the district (each about a kilobyte with its JSON, and the two import
//! columns stored after it).

use sea_orm_migration::prelude::*;

use super::schema::index;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// The index's name.
const NAME: &str = "ix_hr_users_import_stamps";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                NAME,
                "hr_users",
                &[
                    "district",
                    "import_managed",
                    "local_id",
                    "id",
                    "status",
                    "version",
                    "import_fingerprint",
                ],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table("hr_users").to_owned())
            .await
    }
}
