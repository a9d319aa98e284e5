//! A subject's activity log, newest first by `(at, id)`, paged by cursor over the
//! `(district, subject, at_secs, at_nanos, id)` index.

use homeroom::{ActivityCursor, ActivityEntry, ActivityQuery, DistrictId, Page, StorageError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::trimmed;
use crate::activity_json::{EntryColumns, entry_of_row};
use crate::codec::subject_key;
use crate::entity::activity;

/// One page of the log of `query.subject` in `district`, with the subject's total (read in
/// the same statement, as a scalar subquery: one snapshot).
pub(crate) async fn activity_page<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    query: &ActivityQuery,
) -> Result<Page<ActivityEntry, ActivityCursor>, StorageError> {
    let (rows, total) = super::counted_rows(
        db,
        page_select(district, query)?,
        count_select(district, query)?,
        "cannot read the activity log",
        |row: &(Uuid, i64, i64, String, i64)| row.4,
    )
    .await?;
    let entries = rows
        .into_iter()
        .map(|(id, at_secs, at_nanos, data, _)| {
            let columns = EntryColumns {
                id,
                district,
                subject: query.subject,
                at_secs,
                at_nanos,
            };
            entry_of_row(columns, &data)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(trimmed(
        entries,
        query.page_size(),
        total,
        ActivityCursor::after,
    ))
}

fn of_subject(
    district: DistrictId,
    query: &ActivityQuery,
) -> Result<Select<activity::Entity>, StorageError> {
    Ok(activity::Entity::find()
        .filter(activity::Column::District.eq(district.as_uuid()))
        .filter(activity::Column::Subject.eq(subject_key(&query.subject)?)))
}

/// `SELECT COUNT(*)` of the subject's entries.
pub(crate) fn count_select(
    district: DistrictId,
    query: &ActivityQuery,
) -> Result<Select<activity::Entity>, StorageError> {
    Ok(of_subject(district, query)?.select_only().column_as(
        Expr::col((activity::Entity, activity::Column::Id)).count(),
        "n",
    ))
}

/// The page's entries (one more than the page size): their id, time and `data`; the district
/// and subject are the query's.
pub(crate) fn page_select(
    district: DistrictId,
    query: &ActivityQuery,
) -> Result<Select<activity::Entity>, StorageError> {
    let mut page = of_subject(district, query)?;
    if let Some(after) = &query.after {
        page = page.filter(
            Expr::tuple([
                Expr::col((activity::Entity, activity::Column::AtSecs)),
                Expr::col((activity::Entity, activity::Column::AtNanos)),
                Expr::col((activity::Entity, activity::Column::Id)),
            ])
            .lt(Expr::tuple([
                Expr::val(after.at.timestamp()),
                Expr::val(i64::from(after.at.timestamp_subsec_nanos())),
                Expr::val(after.id.as_uuid()),
            ])),
        );
    }
    Ok(page
        .order_by(activity::Column::AtSecs, Order::Desc)
        .order_by(activity::Column::AtNanos, Order::Desc)
        .order_by(activity::Column::Id, Order::Desc)
        .limit(u64::try_from(query.page_size() + 1).unwrap_or(u64::MAX))
        .select_only()
        .column(activity::Column::Id)
        .column(activity::Column::AtSecs)
        .column(activity::Column::AtNanos)
        .column(activity::Column::Data))
}
