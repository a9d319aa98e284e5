//! The first schema: districts, org units, users with their search terms and memberships, the
//! activity log, roles and grants, and an index for every lookup and filter of the `Storage`
//! trait.

use sea_orm_migration::prelude::*;

use super::schema::{big, clustered, district_fk, id, index, text};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let b = backend;

        manager
            .create_table(
                Table::create()
                    .table("hr_districts")
                    .col(id(b, "id").primary_key())
                    .col(text(b, "name_key").not_null())
                    .col(big("version"))
                    .col(ColumnDef::new("data").text().not_null())
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("hr_org_units")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(text(b, "code_key").null())
                    .col(big("version"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_org_units"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("hr_users")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(big("version"))
                    .col(text(b, "local_id").null())
                    .col(text(b, "email_key").null())
                    .col(text(b, "username_key").null())
                    .col(text(b, "sort_key").not_null())
                    .col(text(b, "kind").not_null())
                    .col(text(b, "grade").null())
                    .col(text(b, "status").not_null())
                    .col(text(b, "access").not_null())
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_users"))
                    .take(),
            )
            .await?;

        let mut terms = Table::create()
            .table("hr_user_terms")
            .col(id(b, "district"))
            .col(text(b, "term").not_null())
            .col(id(b, "user_id"))
            .primary_key(Index::create().col("district").col("term").col("user_id"))
            .take();
        clustered(backend, &mut terms);
        manager.create_table(terms).await?;

        let mut members = Table::create()
            .table("hr_user_org_units")
            .col(id(b, "district"))
            .col(id(b, "org_unit_id"))
            .col(id(b, "user_id"))
            .primary_key(
                Index::create()
                    .col("district")
                    .col("org_unit_id")
                    .col("user_id"),
            )
            .take();
        clustered(backend, &mut members);
        manager.create_table(members).await?;

        manager
            .create_table(
                Table::create()
                    .table("hr_activity")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(text(b, "subject").not_null())
                    .col(big("at_secs"))
                    .col(big("at_nanos"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_activity"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("hr_roles")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(text(b, "name_key").not_null())
                    .col(big("version"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_roles"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("hr_grants")
                    .col(id(b, "id").primary_key())
                    .col(id(b, "district"))
                    .col(id(b, "holder"))
                    .col(id(b, "role"))
                    .col(big("version"))
                    .col(ColumnDef::new("data").text().not_null())
                    .foreign_key(&mut district_fk("hr_grants"))
                    .take(),
            )
            .await?;

        // The unique keys of the contract. Their names carry the key's column, which is how a
        // unique violation is mapped back to its `UniqueKey` (see `crate::error`).
        let indexes = [
            index(
                "ux_hr_districts_name_key",
                "hr_districts",
                &["name_key"],
                true,
            ),
            index(
                "ux_hr_org_units_code_key",
                "hr_org_units",
                &["district", "code_key"],
                true,
            ),
            index(
                "ux_hr_users_local_id",
                "hr_users",
                &["district", "local_id"],
                true,
            ),
            index(
                "ux_hr_users_email_key",
                "hr_users",
                &["district", "email_key"],
                true,
            ),
            index(
                "ux_hr_users_username_key",
                "hr_users",
                &["district", "username_key"],
                true,
            ),
            index(
                "ux_hr_roles_name_key",
                "hr_roles",
                &["district", "name_key"],
                true,
            ),
            // Listing order, and the status filter in listing order.
            index(
                "ix_hr_users_order",
                "hr_users",
                &["district", "sort_key", "id"],
                false,
            ),
            index(
                "ix_hr_users_status",
                "hr_users",
                &["district", "status", "sort_key", "id"],
                false,
            ),
            index(
                "ix_hr_users_grade",
                "hr_users",
                &["district", "grade", "sort_key", "id"],
                false,
            ),
            index(
                "ix_hr_activity_subject",
                "hr_activity",
                &["district", "subject", "at_secs", "at_nanos", "id"],
                false,
            ),
            index(
                "ix_hr_grants_holder",
                "hr_grants",
                &["district", "holder"],
                false,
            ),
        ];
        for statement in indexes {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "hr_grants",
            "hr_roles",
            "hr_activity",
            "hr_user_org_units",
            "hr_user_terms",
            "hr_users",
            "hr_org_units",
            "hr_districts",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
