//! Column and table helpers that spell the same schema for SQLite and PostgreSQL.
//!
//! - Ids are PostgreSQL `uuid` and SQLite 16-byte blobs: both compare byte by byte, which is the
//!   order of [`uuid::Uuid`], so `(sort_key, id)` pages agree with the memory backend.
//! - Text that is ordered or range-scanned (listing keys, search terms) uses PostgreSQL's `"C"`
//!   collation, which compares UTF-8 bytes like Rust's `str` and SQLite's `BINARY`; a locale
//!   collation would ignore the separators inside sort keys and change the order.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

/// A non-null id column.
pub(super) fn id(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::Postgres => column.uuid(),
        _ => column.blob(),
    };
    column.not_null().take()
}

/// A text column compared byte by byte.
pub(super) fn text(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.text();
    if backend == DbBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

/// A non-null 64-bit integer column.
pub(super) fn big(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

/// A foreign key from `table.district` to the districts table.
pub(super) fn district_fk(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_district"))
        .from(Alias::new(table), Alias::new("district"))
        .to(Alias::new("hr_districts"), Alias::new("id"))
        .take()
}

/// Makes a table that is only ever reached through its primary key clustered on it (SQLite's
/// `WITHOUT ROWID`); PostgreSQL has no such option and needs none.
pub(super) fn clustered(backend: DbBackend, table: &mut TableCreateStatement) {
    if backend == DbBackend::Sqlite {
        table.extra("WITHOUT ROWID");
    }
}

/// An index named `name` on `table(columns)`.
pub(super) fn index(
    name: &str,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    index.take()
}
