//! Profile records: one user's records of one kind newest first, counts by kind, and the open
//! checkout of a device, each through an index.

use std::collections::BTreeMap;

use homeroom::records::{DeviceKey, Record, RecordCounts, RecordKind};
use homeroom::{DistrictId, Page, RecordCursor, RecordId, RecordQuery, StorageError, UserId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::{counted_page_of, decode_all, decode_one};
use crate::entity::record;
use crate::error::storage;

pub(crate) async fn record<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    id: RecordId,
) -> Result<Option<Record>, StorageError> {
    let select = record::Entity::find_by_id(id.as_uuid())
        .filter(record::Column::District.eq(district.as_uuid()));
    decode_one(db, select, record::Column::Data).await
}

/// One page of `query.user`'s records of `query.kind`, newest first by `(at, id)`.
pub(crate) async fn records_page<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    query: &RecordQuery,
) -> Result<Page<Record, RecordCursor>, StorageError> {
    counted_page_of(
        db,
        page_select(district, query),
        count_select(district, query),
        query.page_size(),
        RecordCursor::after,
    )
    .await
}

fn matching(district: DistrictId, query: &RecordQuery) -> Select<record::Entity> {
    let mut select = record::Entity::find()
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(record::Column::UserId.eq(query.user.as_uuid()))
        .filter(record::Column::Kind.eq(query.kind.as_str()));
    if query.open_only && query.kind == RecordKind::Checkout {
        // Written so no planner takes it for a reason to walk the open-device index of the
        // whole district: the user's index already narrows the rows to a handful.
        select = select.filter(
            Expr::expr(Expr::col((record::Entity, record::Column::OpenDeviceKey)).is_not_null())
                .eq(true),
        );
    }
    select
}

/// `SELECT COUNT(*)` of the matching records.
pub(crate) fn count_select(district: DistrictId, query: &RecordQuery) -> Select<record::Entity> {
    matching(district, query)
        .select_only()
        .column_as(Expr::col((record::Entity, record::Column::Id)).count(), "n")
}

/// The `data` of the page's records (one more than the page size).
pub(crate) fn page_select(district: DistrictId, query: &RecordQuery) -> Select<record::Entity> {
    let mut page = matching(district, query);
    if let Some(after) = &query.after {
        page = page.filter(
            Expr::tuple([
                Expr::col((record::Entity, record::Column::AtSecs)),
                Expr::col((record::Entity, record::Column::AtNanos)),
                Expr::col((record::Entity, record::Column::Id)),
            ])
            .lt(Expr::tuple([
                Expr::val(after.at.timestamp()),
                Expr::val(i64::from(after.at.timestamp_subsec_nanos())),
                Expr::val(after.id.as_uuid()),
            ])),
        );
    }
    page.order_by(record::Column::AtSecs, Order::Desc)
        .order_by(record::Column::AtNanos, Order::Desc)
        .order_by(record::Column::Id, Order::Desc)
        .limit(u64::try_from(query.page_size() + 1).unwrap_or(u64::MAX))
        .select_only()
        .column(record::Column::Data)
}

/// How many records of each kind `user` has.
pub(crate) async fn record_counts<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    user: UserId,
) -> Result<RecordCounts, StorageError> {
    let rows: Vec<(String, i64)> = record::Entity::find()
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(record::Column::UserId.eq(user.as_uuid()))
        .select_only()
        .column(record::Column::Kind)
        .column_as(record::Column::Id.count(), "n")
        .group_by(record::Column::Kind)
        .into_tuple()
        .all(db)
        .await
        .map_err(storage("cannot count records"))?;
    let mut counts = BTreeMap::new();
    for (kind, n) in rows {
        if let Some(kind) = RecordKind::ALL.into_iter().find(|k| k.as_str() == kind) {
            counts.insert(kind, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(RecordCounts(counts))
}

/// Every record of `user`, or `None` when they have more than `limit`: one statement through
/// the user index, at most `limit + 1` rows.
pub(crate) async fn user_records<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    user: UserId,
    limit: usize,
) -> Result<Option<Vec<Record>>, StorageError> {
    let select = user_records_select(district, user, limit);
    let all: Vec<Record> = decode_all(db, select, record::Column::Data).await?;
    Ok((all.len() <= limit).then_some(all))
}

/// The `SELECT` of [`user_records`].
pub(crate) fn user_records_select(
    district: DistrictId,
    user: UserId,
    limit: usize,
) -> Select<record::Entity> {
    record::Entity::find()
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(record::Column::UserId.eq(user.as_uuid()))
        .limit(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
}

/// The checkout of the district whose device with this key is out.
pub(crate) async fn open_checkout<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    device_key: &str,
) -> Result<Option<Record>, StorageError> {
    let select = record::Entity::find()
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(record::Column::OpenDeviceKey.eq(device_key));
    decode_one(db, select, record::Column::Data).await
}

/// Every record of the district naming the device `key` names, newest first, through the
/// index on that key.
pub(crate) async fn device_records<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    key: &DeviceKey,
) -> Result<Vec<Record>, StorageError> {
    let (column, value) = match key {
        DeviceKey::AssetTag(tag) => (record::Column::DeviceKey, tag),
        DeviceKey::Serial(serial) => (record::Column::DeviceSerial, serial),
    };
    let select = record::Entity::find()
        .filter(record::Column::District.eq(district.as_uuid()))
        .filter(column.eq(value.as_str()))
        .order_by(record::Column::AtSecs, Order::Desc)
        .order_by(record::Column::AtNanos, Order::Desc)
        .order_by(record::Column::Id, Order::Desc);
    decode_all(db, select, record::Column::Data).await
}
