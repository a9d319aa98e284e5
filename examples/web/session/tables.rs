//! The host's own tables, beside Homeroom's `hr_` tables on the same database and connection:
//! `web_sessions` (one row per browser session), `web_session_work` (the import or bulk action
//! a session is reviewing, as the input to plan it again), `web_signin_failures` (the
//! sign-in rate limit) and `web_secrets` (the key of anonymous sessions' CSRF tokens). Created with SeaORM from the entities below when missing.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Schema};

/// `web_sessions`: who is signed in, the CSRF token, the expiry. The id is stored hashed.
pub mod session {
    use sea_orm::entity::prelude::*;

    /// One session.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_sessions")]
    pub struct Model {
        /// SHA-256 (hex) of the session id: a stolen table opens no session.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        /// The CSRF token.
        pub csrf: String,
        /// The signed-in user, if any.
        pub user_id: Option<String>,
        /// Their display name, for the page header.
        pub name: String,
        /// They must choose their own password first.
        pub must_change: bool,
        /// Seconds since the Unix epoch after which the session is gone.
        #[sea_orm(indexed)]
        pub expires_at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `web_session_work`: the work a session is reviewing, one row per kind (`import`, `bulk`).
pub mod work {
    use sea_orm::entity::prelude::*;

    /// One piece of pending work.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_session_work")]
    pub struct Model {
        /// The session's `id_hash`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub session: String,
        /// `import` or `bulk`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        /// The uploaded file's name, or the bulk action's.
        pub name: String,
        /// The uploaded file's bytes, or the bulk preview (JSON).
        pub input: Vec<u8>,
        /// The import options (JSON), empty for a bulk action.
        pub options: String,
        /// The fingerprint of the plan (or preview) last shown.
        pub fingerprint: String,
        /// What applying it did (JSON), once applied.
        pub result: Option<String>,
        /// The import's CSV report as applied.
        pub report: Option<Vec<u8>>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `web_signin_failures`: one row per failed sign-in, by account and client (hashed).
pub mod failure {
    use sea_orm::entity::prelude::*;

    /// One failed sign-in.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_signin_failures")]
    pub struct Model {
        /// A random id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// SHA-256 (hex) of the account (as typed, lower case) and the client address.
        #[sea_orm(indexed)]
        pub key_hash: String,
        /// Seconds since the Unix epoch.
        pub at: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `web_secrets`: the host's secrets, shared by every instance (the key anonymous sessions'
/// CSRF tokens are derived with).
pub mod secret {
    use sea_orm::entity::prelude::*;

    /// One secret.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_secrets")]
    pub struct Model {
        /// What it is for.
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// Its value (hex).
        pub value: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the tables (and their indexes) that are missing. Instances starting together may
/// race on PostgreSQL's catalog: a creation that fails while the table is there after all is
/// fine.
pub async fn create(db: &DatabaseConnection) -> Result<(), DbErr> {
    create_one(db, session::Entity).await?;
    create_one(db, work::Entity).await?;
    create_one(db, failure::Entity).await?;
    create_one(db, secret::Entity).await
}

async fn create_one<E: EntityTrait + Copy>(
    db: &DatabaseConnection,
    entity: E,
) -> Result<(), DbErr> {
    let schema = Schema::new(db.get_database_backend());
    let mut table = schema.create_table_from_entity(entity);
    let created = db.execute(table.if_not_exists()).await;
    if let Err(e) = created {
        // Someone else created it meanwhile?
        if E::find().one(db).await.is_err() {
            return Err(e);
        }
    }
    for mut index in schema.create_index_from_entity(entity) {
        // Either it is made, or another instance made it.
        let _ = db.execute(index.if_not_exists()).await;
    }
    Ok(())
}
