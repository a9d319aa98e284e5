//! Generic items: by id, by key, and one kind's page in id order through the kind or owner
//! index.

use homeroom::storage::{Item, ItemKind, ItemQuery};
use homeroom::{DistrictId, ItemId, Page, StorageError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::count;
use crate::codec::item_from_row;
use crate::entity::item;
use crate::error::storage;

async fn one<C: ConnectionTrait>(
    db: &C,
    select: Select<item::Entity>,
) -> Result<Option<Item>, StorageError> {
    select
        .one(db)
        .await
        .map_err(storage("cannot read an item"))?
        .map(item_from_row)
        .transpose()
}

pub(crate) async fn item<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    id: ItemId,
) -> Result<Option<Item>, StorageError> {
    let select = item::Entity::find_by_id(id.as_uuid())
        .filter(item::Column::District.eq(district.as_uuid()));
    one(db, select).await
}

pub(crate) async fn item_by_key<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    kind: &ItemKind,
    key: &str,
) -> Result<Option<Item>, StorageError> {
    let select = item::Entity::find()
        .filter(item::Column::District.eq(district.as_uuid()))
        .filter(item::Column::Kind.eq(kind.as_str()))
        .filter(item::Column::ItemKey.eq(key));
    one(db, select).await
}

/// The items `query` matches (paging aside): [`ItemQuery::matches`] in SQL.
fn matching(district: DistrictId, query: &ItemQuery) -> Select<item::Entity> {
    let mut select = item::Entity::find()
        .filter(item::Column::District.eq(district.as_uuid()))
        .filter(item::Column::Kind.eq(query.kind.as_str()));
    if let Some(owner) = query.owner {
        select = select.filter(item::Column::Owner.eq(owner.as_uuid()));
    }
    if let Some(status) = &query.status {
        select = select.filter(item::Column::Status.eq(status.as_str()));
    }
    if let Some(by) = query.due_by {
        // `(due_secs, due_nanos) <= (by)`; a NULL due time never compares true.
        select = select.filter(
            Expr::tuple([
                Expr::col((item::Entity, item::Column::DueSecs)),
                Expr::col((item::Entity, item::Column::DueNanos)),
            ])
            .lte(Expr::tuple([
                Expr::val(by.timestamp()),
                Expr::val(i64::from(by.timestamp_subsec_nanos())),
            ])),
        );
    }
    select
}

/// One page of the items `query` matches, in id order, with their total.
pub(crate) async fn items_page<C: ConnectionTrait>(
    db: &C,
    district: DistrictId,
    query: &ItemQuery,
) -> Result<Page<Item, ItemId>, StorageError> {
    let counted = matching(district, query)
        .select_only()
        .column_as(Expr::col((item::Entity, item::Column::Id)).count(), "n");
    let total = count(db, counted).await?;
    let mut page = matching(district, query);
    if let Some(after) = query.after {
        page = page.filter(item::Column::Id.gt(after.as_uuid()));
    }
    let size = query.page_size();
    let rows = page
        .order_by_asc(item::Column::Id)
        .limit(u64::try_from(size + 1).unwrap_or(u64::MAX))
        .all(db)
        .await
        .map_err(storage("cannot read items"))?;
    let more = rows.len() > size;
    let items: Vec<Item> = rows
        .into_iter()
        .take(size)
        .map(item_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(last.id),
        _ => None,
    };
    Ok(Page { items, total, next })
}
