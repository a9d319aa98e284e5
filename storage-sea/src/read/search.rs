//! User search: every filter of a [`UserQuery`] as SQL over indexed columns, the total and the
//! page read in one snapshot, pages cut by `(sort_key, id)`.
//!
//! - text: `id IN (SELECT user_id FROM hr_user_terms WHERE district = ? AND term >= ? AND
//!   term < ?)`, a range of the terms table's primary key (see [`crate::prefix`]);
//! - org units and scope: `id IN (SELECT user_id FROM hr_user_org_units WHERE district = ? AND
//!   org_unit_id IN (...))`, primary-key lookups; beside a text prefix, `EXISTS (... AND
//!   user_id = hr_users.id)` instead, one primary-key probe per match of the text, so the text
//!   leads (given two lists, SQLite may walk every member of a building instead);
//! - kind, grade, status, access: columns of `hr_users` (status and grade indexed with the
//!   listing order);
//! - order and cursor: `(sort_key, id) > (?, ?) ORDER BY sort_key, id`, the listing index.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use homeroom::{DistrictId, OrgUnitId, Page, StorageError, User, UserCursor, UserQuery};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Select, StreamTrait,
};

use super::{counted_rows, trimmed};
use crate::entity::{membership, user, user_term};
use crate::error::storage;
use crate::prefix::upper_bound;
use crate::user_json::{CountedUserRow, UserRow, select_user_row, user_of_row};

/// One page of the users of `district` that match `query`, with the total count, in one
/// statement (the total a scalar subquery evaluated once): one round trip, one snapshot.
pub(crate) async fn search_users<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    query: &UserQuery,
) -> Result<Page<User, UserCursor>, StorageError> {
    let (Some(counting), Some(page)) =
        (count_select(district, query), page_select(district, query))
    else {
        return Ok(Page::empty());
    };
    let (rows, total) = counted_rows(
        db,
        page,
        counting,
        "cannot read users",
        |row: &CountedUserRow| row.6,
    )
    .await?;
    let users = rows
        .into_iter()
        .map(|(id, district, version, managed, print, data, _)| {
            user_of_row((id, district, version, managed, print, data))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(trimmed(users, query.page_size(), total, UserCursor::after))
}

/// `SELECT COUNT(*)` of every match, cursor and limit aside (`None`: nothing can match).
pub(crate) fn count_select(
    district: DistrictId,
    query: &UserQuery,
) -> Option<Select<user::Entity>> {
    let filter = condition(district, query)?;
    Some(
        user::Entity::find()
            .filter(filter)
            .select_only()
            .column_as(Expr::col((user::Entity, user::Column::Id)).count(), "n"),
    )
}

/// The rows of the page's users, one more than the page size to tell whether more follow
/// (`None`: nothing can match).
pub(crate) fn page_select(district: DistrictId, query: &UserQuery) -> Option<Select<user::Entity>> {
    let mut page = user::Entity::find().filter(condition(district, query)?);
    if let Some(after) = &query.after {
        page = page.filter(after_cursor(after));
    }
    Some(in_listing_order(page).limit(u64::try_from(query.page_size() + 1).unwrap_or(u64::MAX)))
}

/// Every user of `district` matching `query`, in listing order, the cursor and the limit
/// ignored: one statement, no count, streamed and decoded row by row.
pub(crate) async fn matching_users<C: ConnectionTrait + StreamTrait>(
    db: &C,
    district: DistrictId,
    query: &UserQuery,
) -> Result<Vec<User>, StorageError> {
    let Some(condition) = condition(district, query) else {
        return Ok(Vec::new());
    };
    let mut rows = in_listing_order(user::Entity::find().filter(condition))
        .into_tuple::<UserRow>()
        .stream(db)
        .await
        .map_err(storage("cannot read rows"))?;
    let mut users = Vec::new();
    while let Some(row) = rows.try_next().await.map_err(storage("cannot read rows"))? {
        users.push(user_of_row(row)?);
    }
    Ok(users)
}

/// The user rows of what `select` finds, in `(sort_key, id)` order.
fn in_listing_order(select: Select<user::Entity>) -> Select<user::Entity> {
    select_user_row(
        select
            .order_by(user::Column::SortKey, Order::Asc)
            .order_by(user::Column::Id, Order::Asc),
    )
}

/// The query's filters as one condition, or `None` when a filter is an empty set (nothing can
/// match it).
fn condition(district: DistrictId, query: &UserQuery) -> Option<Condition> {
    let mut all = Condition::all();
    let mut candidates = false;
    if let Some(prefix) = &query.text {
        all = all.add(user::Column::Id.in_subquery(term_range(district, prefix)));
        candidates = true;
    }
    for units in [&query.org_units, &query.scope].into_iter().flatten() {
        if units.is_empty() {
            return None;
        }
        all = all.add(if query.text.is_some() {
            // The text's matches lead; each is checked by one primary-key probe. (As a list,
            // the planner may walk every member of the units instead: a whole building.)
            Expr::exists(member_of(district, units))
        } else {
            user::Column::Id.in_subquery(members_of(district, units))
        });
        candidates = true;
    }
    if !candidates {
        all = all.add(user::Column::District.eq(district.as_uuid()));
    }
    if let Some(kind) = query.kind {
        all = all.add(user::Column::Kind.eq(kind.as_str()));
    }
    if let Some(grade) = &query.grade {
        all = all.add(user::Column::Grade.eq(grade.code()));
    }
    if let Some(statuses) = &query.statuses {
        if statuses.is_empty() {
            return None;
        }
        all = all.add(user::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(access) = query.access {
        all = all.add(user::Column::Access.eq(access.as_str()));
    }
    Some(all)
}

/// The ids of the users of `district` with a term that starts with `prefix`.
fn term_range(district: DistrictId, prefix: &str) -> SelectStatement {
    let mut select = Query::select();
    select
        .column(user_term::Column::UserId)
        .from(user_term::Entity)
        .and_where(user_term::Column::District.eq(district.as_uuid()))
        .and_where(user_term::Column::Term.gte(prefix));
    if let Some(upper) = upper_bound(prefix) {
        select.and_where(user_term::Column::Term.lt(upper));
    }
    select
}

/// The ids of the users of `district` that belong to one of `units`.
fn members_of(district: DistrictId, units: &BTreeSet<OrgUnitId>) -> SelectStatement {
    Query::select()
        .column(membership::Column::UserId)
        .from(membership::Entity)
        .and_where(membership::Column::District.eq(district.as_uuid()))
        .and_where(membership::Column::OrgUnitId.is_in(units.iter().map(|u| u.as_uuid())))
        .take()
}

/// A row when the outer user belongs to one of `units` (for `EXISTS`).
fn member_of(district: DistrictId, units: &BTreeSet<OrgUnitId>) -> SelectStatement {
    members_of(district, units)
        .and_where(
            Expr::col((membership::Entity, membership::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .take()
}

/// `(sort_key, id) > (cursor.sort_key, cursor.id)`.
fn after_cursor(cursor: &UserCursor) -> sea_orm::sea_query::Expr {
    Expr::tuple([
        Expr::col((user::Entity, user::Column::SortKey)),
        Expr::col((user::Entity, user::Column::Id)),
    ])
    .gt(Expr::tuple([
        Expr::val(cursor.sort_key.clone()),
        Expr::val(cursor.id.as_uuid()),
    ]))
}
