//! Records by device: the asset-tag key and the serial key of the device a record names
//! (`Device::key`, `Device::serial_key`), indexed with the listing order, so a device's history
//! is one index range. Rows written before are filled in from their JSON.

use homeroom::records::Record;
use sea_orm::{ConnectionTrait, Statement, Value, Values};
use sea_orm_migration::prelude::*;

use super::schema::{index, text};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// The two columns, and the index each is read through.
const COLUMNS: [(&str, &str); 2] = [
    ("device_key", "ix_hr_records_device_key"),
    ("device_serial", "ix_hr_records_device_serial"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        for (column, name) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("hr_records")
                        .add_column(text(b, column).null())
                        .take(),
                )
                .await?;
            manager
                .create_index(index(
                    name,
                    "hr_records",
                    &["district", column, "at_secs", "at_nanos", "id"],
                    false,
                ))
                .await?;
        }
        fill_in(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, name) in COLUMNS {
            manager
                .drop_index(Index::drop().name(name).table("hr_records").to_owned())
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table("hr_records")
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Sets both columns on every record stored before them that names a device.
async fn fill_in(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let b = manager.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            b,
            "SELECT \"id\", \"data\" FROM \"hr_records\"",
        ))
        .await?;
    let sql = match b {
        sea_orm::DbBackend::Postgres => {
            "UPDATE \"hr_records\" SET \"device_key\" = $1, \"device_serial\" = $2 WHERE \"id\" = $3"
        }
        _ => "UPDATE \"hr_records\" SET \"device_key\" = ?, \"device_serial\" = ? WHERE \"id\" = ?",
    };
    for row in rows {
        let id: uuid::Uuid = row.try_get("", "id")?;
        let data: String = row.try_get("", "data")?;
        let record: Record =
            serde_json::from_str(&data).map_err(|e| DbErr::Custom(e.to_string()))?;
        let Some(device) = record.device() else {
            continue;
        };
        let values: Vec<Value> = vec![
            Some(device.key()).into(),
            device.serial_key().into(),
            id.into(),
        ];
        db.execute_raw(Statement::from_sql_and_values(b, sql, Values(values)))
            .await?;
    }
    Ok(())
}
