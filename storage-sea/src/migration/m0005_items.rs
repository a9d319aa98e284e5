//! The generic item store: one table for every kind, listed by kind in id order, narrowed by
//! owner, status and due time, with a key unique per district and kind.

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
                    .table("hr_items")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(text(b, "kind").not_null())
                    .col(id(b, "owner").null())
                    .col(text(b, "status").null())
                    .col(ColumnDef::new("due_secs").big_integer().null())
                    .col(ColumnDef::new("due_nanos").big_integer().null())
                    .col(text(b, "item_key").null())
                    .col(big("version"))
                    .col(ColumnDef::new("body").text().not_null())
                    .foreign_key(&mut district_fk("hr_items"))
                    .take(),
            )
            .await?;
        for (name, columns, unique) in [
            ("ix_hr_items_kind", &["district", "kind", "id"][..], false),
            (
                "ix_hr_items_owner",
                &["district", "owner", "kind", "id"][..],
                false,
            ),
            (
                "ux_hr_items_item_key",
                &["district", "kind", "item_key"][..],
                true,
            ),
        ] {
            manager
                .create_index(index(name, "hr_items", columns, unique))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("hr_items").if_exists().take())
            .await
    }
}
