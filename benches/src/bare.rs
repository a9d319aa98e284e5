//! The raw limit the SQLite benches compare against: the users written with a bare SeaORM
//! `insert_many`, into a table with the twelve columns `homeroom-sea` keeps per user, a primary
//! key and nothing else ([`open`]), or with the secondary indexes `homeroom-sea` keeps on those
//! columns as well ([`open_with`] and [`INDEXES`]): how much of an import's cost is the indexes alone.

use std::path::Path;

use homeroom::{Email, Grade, User, Username};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, TransactionTrait,
};

use crate::files::sqlite_url;

/// The bare table's entity.
pub mod table {
    #![allow(missing_docs, reason = "the derive macros generate undocumented items")]
    use sea_orm::entity::prelude::*;

    /// One user row: the columns `homeroom-sea` stores per user.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bare_users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub district: Uuid,
        pub version: i64,
        pub local_id: Option<String>,
        pub email_key: Option<String>,
        pub username_key: Option<String>,
        pub sort_key: String,
        pub kind: String,
        pub grade: Option<String>,
        pub status: String,
        pub access: String,
        pub data: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// The table's DDL.
    pub const CREATE: &str = "CREATE TABLE bare_users (id blob NOT NULL PRIMARY KEY, \
        district blob NOT NULL, version bigint NOT NULL, local_id text, email_key text, \
        username_key text, sort_key text NOT NULL, kind text NOT NULL, grade text, \
        status text NOT NULL, access text NOT NULL, data text NOT NULL)";
}

/// The secondary indexes `homeroom-sea` keeps on its user table's columns (all but the import
/// stamps', whose columns the bare table lacks).
pub const INDEXES: [&str; 6] = [
    "CREATE UNIQUE INDEX bare_local_id ON bare_users (district, local_id)",
    "CREATE UNIQUE INDEX bare_email ON bare_users (district, email_key)",
    "CREATE UNIQUE INDEX bare_username ON bare_users (district, username_key)",
    "CREATE INDEX bare_order ON bare_users (district, sort_key, id)",
    "CREATE INDEX bare_status ON bare_users (district, status, sort_key, id)",
    "CREATE INDEX bare_grade ON bare_users (district, grade, sort_key, id)",
];

/// Opens a fresh SQLite file at `path` with the bare table and the pragmas `homeroom-sea` uses
/// for files (WAL, `synchronous=NORMAL`).
pub async fn open(path: &Path) -> Result<DatabaseConnection, DbErr> {
    open_with(path, &[]).await
}

/// [`open`], then `indexes` created on the table (e.g. [`INDEXES`]).
pub async fn open_with(path: &Path, indexes: &[&str]) -> Result<DatabaseConnection, DbErr> {
    let db = Database::connect(sqlite_url(path).as_str()).await?;
    let setup = [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        table::CREATE,
    ];
    for statement in setup.iter().chain(indexes) {
        db.execute_unprepared(statement).await?;
    }
    Ok(db)
}

/// The bare row of a user (its JSON `data` included, as `homeroom-sea` stores it).
pub fn row(u: &User) -> Result<table::ActiveModel, serde_json::Error> {
    use sea_orm::ActiveValue::Set;
    let d = &u.details;
    Ok(table::ActiveModel {
        id: Set(u.id.as_uuid()),
        district: Set(u.district.as_uuid()),
        version: Set(i64::try_from(u.version.get()).unwrap_or(i64::MAX)),
        local_id: Set(d.local_id.as_ref().map(|l| l.as_str().to_owned())),
        email_key: Set(d.email.as_ref().map(Email::key)),
        username_key: Set(d.username.as_ref().map(Username::key)),
        sort_key: Set(u.sort_key()),
        kind: Set(d.kind.as_str().to_owned()),
        grade: Set(d.grade.as_ref().map(Grade::code)),
        status: Set(u.status.as_str().to_owned()),
        access: Set(u.access.kind().as_str().to_owned()),
        data: Set(serde_json::to_string(u)?),
    })
}

/// The bare write: rows built from the users and inserted 2 730 per statement (SQLite's bind
/// limit over twelve columns), in one transaction.
pub async fn insert(db: &DatabaseConnection, users: &[User]) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    for chunk in users.chunks(32_766 / 12) {
        let rows = chunk
            .iter()
            .map(row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        table::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}
