//! The reads of the `Storage` trait. Each (but `import_stamps`, which reads five narrow
//! columns) reads only the `data` column, through the index
//! that covers its filter, and decodes the domain rows from it.

pub(crate) mod activity;
pub(crate) mod items;
pub(crate) mod records;
pub(crate) mod search;
pub(crate) mod stamp;
pub(crate) mod stamps;

pub(crate) use activity::activity_page;
pub(crate) use items::{item, item_by_key, items_page};
pub(crate) use records::{
    device_records, open_checkout, record, record_counts, records_page, user_records,
};
pub(crate) use search::{matching_users, search_users};
pub(crate) use stamp::acting_stamp;
pub(crate) use stamps::import_stamps;

use std::sync::Arc;

use futures::TryStreamExt;
use homeroom::password::PasswordCredential;
use homeroom::{
    District, DistrictId, Grant, OrgUnit, Page, Role, StorageError, User, UserId, UserKey,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select, StreamTrait,
};

use crate::codec::from_json;
use crate::entity::{district, grant, org_unit, password, role, user};
use crate::error::storage;
use crate::limits::rows_per_statement;
use crate::options::Backend;
use crate::user_json::{UserRow, select_user_row, user_of_row};

/// The number a `SELECT COUNT(*)` select finds.
async fn count<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    select: Select<E>,
) -> Result<u64, StorageError> {
    let n = select
        .into_tuple::<i64>()
        .one(db)
        .await
        .map_err(storage("cannot count rows"))?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// `items` (up to `size + 1` read) as a page of `size`: the extra one only says more follow.
fn trimmed<T, K>(
    mut items: Vec<T>,
    size: usize,
    total: u64,
    cursor: impl Fn(&T) -> K,
) -> Page<T, K> {
    let more = items.len() > size;
    items.truncate(size);
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(cursor(last)),
        _ => None,
    };
    Page { items, total, next }
}

/// A page of rows in the order `select` lists them (the `data` of up to `size + 1` rows;
/// the extra one only says that more follow), with its `total` as [`counted_rows`] reads it.
async fn counted_page_of<E, T, K, C>(
    db: &C,
    select: Select<E>,
    count_select: Select<E>,
    size: usize,
    cursor: impl Fn(&T) -> K,
) -> Result<Page<T, K>, StorageError>
where
    E: EntityTrait,
    T: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    let (rows, total) = counted_rows(
        db,
        select,
        count_select,
        "cannot read rows",
        |row: &(String, i64)| row.1,
    )
    .await?;
    let items = rows
        .iter()
        .map(|(data, _)| from_json::<T>(data))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(trimmed(items, size, total, cursor))
}

/// The rows `select` finds, each a tuple whose last column is `total`: the number of rows
/// `count_select` (a `SELECT COUNT(*)` of every matching row, cursor or not) counts, read in
/// the same statement as a scalar subquery. One round trip, and rows and total from one
/// snapshot without a transaction around them. When no row comes back (rare: past the end,
/// or nothing matches) the total is counted on its own. `what` is the error's message.
async fn counted_rows<E, R, C>(
    db: &C,
    select: Select<E>,
    count_select: Select<E>,
    what: &str,
    total_of: impl Fn(&R) -> i64,
) -> Result<(Vec<R>, u64), StorageError>
where
    E: EntityTrait,
    R: sea_orm::TryGetableMany,
    C: ConnectionTrait,
{
    use sea_orm::QueryTrait;
    let total = sea_orm::sea_query::Expr::SubQuery(
        None,
        Box::new(count_select.clone().into_query().into()),
    );
    let rows: Vec<R> = select
        .expr_as(total, "total")
        .into_tuple::<R>()
        .all(db)
        .await
        .map_err(storage(what))?;
    let total = match rows.first() {
        Some(row) => u64::try_from(total_of(row)).unwrap_or(0),
        None => count(db, count_select).await?,
    };
    Ok((rows, total))
}

/// The `data` of every row a select finds, decoded.
async fn decode_all<E, T, C>(
    db: &C,
    select: Select<E>,
    data: E::Column,
) -> Result<Vec<T>, StorageError>
where
    E: EntityTrait,
    T: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    select
        .select_only()
        .column(data)
        .into_tuple::<String>()
        .all(db)
        .await
        .map_err(storage("cannot read rows"))?
        .iter()
        .map(|d| from_json(d))
        .collect()
}

/// The `data` of the one row a select finds, decoded.
async fn decode_one<E, T, C>(
    db: &C,
    select: Select<E>,
    data: E::Column,
) -> Result<Option<T>, StorageError>
where
    E: EntityTrait,
    T: serde::de::DeserializeOwned,
    C: ConnectionTrait,
{
    select
        .select_only()
        .column(data)
        .into_tuple::<String>()
        .one(db)
        .await
        .map_err(storage("cannot read a row"))?
        .map(|d| from_json(&d))
        .transpose()
}

pub(crate) async fn district<C: ConnectionTrait>(
    db: &C,
    id: DistrictId,
) -> Result<Option<District>, StorageError> {
    decode_one(
        db,
        district::Entity::find_by_id(id.as_uuid()),
        district::Column::Data,
    )
    .await
}

pub(crate) async fn district_by_name<C: ConnectionTrait>(
    db: &C,
    name_key: &str,
) -> Result<Option<District>, StorageError> {
    let select = district::Entity::find().filter(district::Column::NameKey.eq(name_key));
    decode_one(db, select, district::Column::Data).await
}

pub(crate) async fn org_units<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<OrgUnit>, StorageError> {
    let select = org_unit::Entity::find().filter(org_unit::Column::District.eq(d.as_uuid()));
    decode_all(db, select, org_unit::Column::Data).await
}

pub(crate) async fn user<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
    id: UserId,
) -> Result<Option<User>, StorageError> {
    let select =
        user::Entity::find_by_id(id.as_uuid()).filter(user::Column::District.eq(d.as_uuid()));
    one_user(db, select).await
}

pub(crate) async fn user_by_key<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
    key: &UserKey,
) -> Result<Option<User>, StorageError> {
    one_user(db, user_by_key_select(d, key)).await
}

/// The one user `select` finds, if any.
async fn one_user<C: ConnectionTrait>(
    db: &C,
    select: Select<user::Entity>,
) -> Result<Option<User>, StorageError> {
    select_user_row(select)
        .into_tuple::<UserRow>()
        .one(db)
        .await
        .map_err(storage("cannot read a user"))?
        .map(user_of_row)
        .transpose()
}

/// The user a unique key names, through that key's unique index.
pub(crate) fn user_by_key_select(d: DistrictId, key: &UserKey) -> Select<user::Entity> {
    let (column, value) = match key {
        UserKey::LocalId(v) => (user::Column::LocalId, v),
        UserKey::Email(v) => (user::Column::EmailKey, v),
        UserKey::Username(v) => (user::Column::UsernameKey, v),
    };
    user::Entity::find()
        .filter(user::Column::District.eq(d.as_uuid()))
        .filter(column.eq(value.as_str()))
}

pub(crate) async fn users<C: ConnectionTrait>(
    db: &C,
    backend: Backend,
    d: DistrictId,
    ids: &[UserId],
) -> Result<Vec<User>, StorageError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(rows_per_statement(backend, 1, 1)) {
        let select = user::Entity::find()
            .filter(user::Column::District.eq(d.as_uuid()))
            .filter(user::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())));
        let rows: Vec<UserRow> = select_user_row(select)
            .into_tuple()
            .all(db)
            .await
            .map_err(storage("cannot read users"))?;
        for row in rows {
            found.push(user_of_row(row)?);
        }
    }
    Ok(found)
}

/// Every user of a district, any status, through the district's listing index.
pub(crate) async fn district_users<C: ConnectionTrait + StreamTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<Arc<User>>, StorageError> {
    // Streamed and decoded row by row: a district's users as JSON text would otherwise all be
    // held at once beside the decoded users (80 MB more at 100 000 users).
    let mut rows =
        select_user_row(user::Entity::find().filter(user::Column::District.eq(d.as_uuid())))
            .into_tuple::<UserRow>()
            .stream(db)
            .await
            .map_err(storage("cannot read rows"))?;
    let mut users = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(storage("cannot read rows"))? {
        users.push(Arc::new(user_of_row(row)?));
    }
    Ok(users)
}

/// A user's password credential, by its key.
pub(crate) async fn password<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
    user: UserId,
) -> Result<Option<PasswordCredential>, StorageError> {
    let select = password::Entity::find_by_id(user.as_uuid())
        .filter(password::Column::District.eq(d.as_uuid()));
    decode_one(db, select, password::Column::Data).await
}

pub(crate) async fn roles<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
) -> Result<Vec<Role>, StorageError> {
    let select = role::Entity::find().filter(role::Column::District.eq(d.as_uuid()));
    decode_all(db, select, role::Column::Data).await
}

pub(crate) async fn grants<C: ConnectionTrait>(
    db: &C,
    d: DistrictId,
    holder: Option<UserId>,
) -> Result<Vec<Grant>, StorageError> {
    let mut select = grant::Entity::find().filter(grant::Column::District.eq(d.as_uuid()));
    if let Some(holder) = holder {
        select = select.filter(grant::Column::Holder.eq(holder.as_uuid()));
    }
    decode_all(db, select, grant::Column::Data).await
}
