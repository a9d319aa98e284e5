//! The stamp a command reads first ([`Storage::acting_stamp`](homeroom::Storage::acting_stamp)):
//! the district row, the actor's version and whether their password is temporary, in one
//! statement (one round trip on PostgreSQL), each table through its primary key.

use homeroom::storage::{ActingStamp, ActorStamp};
use homeroom::{District, DistrictId, StorageError, UserId, Version};
use sea_orm::{ConnectionTrait, Statement, Value};
use serde::Deserialize;

use crate::codec::{from_json, stored_version};
use crate::error::storage;
use crate::options::Backend;

/// The part of a stored password credential the stamp needs (the hash is not decoded).
#[derive(Deserialize)]
struct Temporary {
    #[serde(default)]
    must_change: bool,
}

pub(crate) async fn acting_stamp<C: ConnectionTrait>(
    db: &C,
    backend: Backend,
    district: DistrictId,
    actor: Option<UserId>,
) -> Result<Option<ActingStamp>, StorageError> {
    let (p1, p2) = match backend {
        Backend::Sqlite => ("?1", "?2"),
        Backend::Postgres => ("$1", "$2"),
    };
    // Without an actor the user join matches nothing (`u.id = NULL` is never true).
    let sql = format!(
        "SELECT d.data AS district, u.version AS user_version, p.data AS password \
         FROM hr_districts d \
         LEFT JOIN hr_users u ON u.id = {p2} AND u.district = d.id \
         LEFT JOIN hr_passwords p ON p.user_id = u.id AND p.district = d.id \
         WHERE d.id = {p1}"
    );
    let values: Vec<Value> = vec![
        district.as_uuid().into(),
        Value::Uuid(actor.map(|a| a.as_uuid())),
    ];
    let statement = Statement::from_sql_and_values(backend.db_backend(), sql, values);
    let what = "cannot read the acting stamp";
    let Some(row) = db.query_one_raw(statement).await.map_err(storage(what))? else {
        return Ok(None);
    };
    let district: String = row.try_get("", "district").map_err(storage(what))?;
    let district: District = from_json(&district)?;
    let user_version: Option<i64> = row.try_get("", "user_version").map_err(storage(what))?;
    let password: Option<String> = row.try_get("", "password").map_err(storage(what))?;
    let actor = match user_version {
        Some(raw) => Some(ActorStamp {
            version: Version::new(stored_version(raw)),
            must_change: match password {
                Some(data) => from_json::<Temporary>(&data)?.must_change,
                None => false,
            },
        }),
        None => None,
    };
    Ok(Some(ActingStamp { district, actor }))
}
