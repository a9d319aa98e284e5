//! Profile records: one table for every kind, read by user, kind and time, with the open
//! checkout of a device unique per district.

use sea_orm_migration::prelude::*;

use super::schema::{big, district_fk, id, index, text};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table("hr_records")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(id(b, "user_id"))
                    .col(text(b, "kind").not_null())
                    .col(big("at_secs"))
                    .col(big("at_nanos"))
                    .col(text(b, "open_device_key").null())
                    .col(big("version"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_records"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_hr_records_user",
                "hr_records",
                &["district", "user_id", "kind", "at_secs", "at_nanos", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_hr_records_open_device_key",
                "hr_records",
                &["district", "open_device_key"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("hr_records").if_exists().take())
            .await
    }
}
