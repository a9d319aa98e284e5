//! The schema, as sea-orm-migration migrations that [`SeaStorage`](crate::SeaStorage) applies
//! on connect.
//!
//! The applied migrations are recorded in their own table, `hr_seaql_migrations`, so a host
//! that keeps its own SeaORM migrations in the same database (in `seaql_migrations`) never
//! sees ours, nor we theirs.

mod m0001_initial;
mod m0002_records;
mod m0003_passwords;
mod m0004_leases;
mod m0005_items;
mod m0006_import_fingerprints;
mod m0007_record_devices;
mod m0008_import_stamps;
mod schema;

use sea_orm::DynIden;
use sea_orm_migration::prelude::*;

/// Every migration of the crate, in order.
pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_records::Migration),
            Box::new(m0003_passwords::Migration),
            Box::new(m0004_leases::Migration),
            Box::new(m0005_items::Migration),
            Box::new(m0006_import_fingerprints::Migration),
            Box::new(m0007_record_devices::Migration),
            Box::new(m0008_import_stamps::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "hr_seaql_migrations".into_iden()
    }
}
