//! The four redb tables and the reads every other module shares.
//!
//! - `rows`: `(tag, id) → JSON`, every row of every kind (ids are unique database-wide).
//! - `index`: `(district, listing, order, id) → ()`, the listings reads walk in order.
//! - `unique`: `(scope, namespace, value) → id`, one entry per unique key held.
//! - `leases`: `name → JSON`, see [`RedbLeases`](super::RedbLeases).

use homeroom::{DistrictId, StorageError};
use redb::{ReadOnlyTable, ReadableTable, Table, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::rows::Row;

pub(super) type RowKey = (&'static str, u128);
pub(super) type IndexKey = (u128, &'static str, &'static str, u128);
pub(super) type ClaimKey = (u128, &'static str, &'static str);
type Json = &'static [u8];

pub(super) const ROWS: TableDefinition<RowKey, Json> = TableDefinition::new("rows");
pub(super) const INDEX: TableDefinition<IndexKey, ()> = TableDefinition::new("index");
pub(super) const UNIQUE: TableDefinition<ClaimKey, u128> = TableDefinition::new("unique");
pub(super) const LEASES: TableDefinition<&str, Json> = TableDefinition::new("leases");

/// The tag of password credentials in `rows`, keyed by their user's id.
pub(super) const PASSWORD: &str = "password";

/// A redb failure, as Homeroom's catch-all backend error.
pub(super) fn db(error: impl Into<redb::Error>) -> StorageError {
    StorageError::backend("redb", error.into())
}

pub(super) fn to_json(value: &impl Serialize) -> Result<Vec<u8>, StorageError> {
    serde_json::to_vec(value).map_err(|e| StorageError::backend("a row cannot be written", e))
}

pub(super) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StorageError::backend("a stored row is unreadable", e))
}

/// A district's key in `index` and `unique`; `None` (database-wide keys) is 0.
pub(super) fn scope(district: Option<DistrictId>) -> u128 {
    district.map_or(0, |d| d.as_uuid().as_u128())
}

/// The three data tables, read-only or inside a write transaction.
pub(super) struct Tables<R, I, U> {
    pub(super) rows: R,
    pub(super) index: I,
    pub(super) unique: U,
}

/// The tables as a read transaction sees them: one committed snapshot.
pub(super) type ReadTables =
    Tables<ReadOnlyTable<RowKey, Json>, ReadOnlyTable<IndexKey, ()>, ReadOnlyTable<ClaimKey, u128>>;

/// The tables inside a write transaction.
pub(super) type WriteTables<'t> =
    Tables<Table<'t, RowKey, Json>, Table<'t, IndexKey, ()>, Table<'t, ClaimKey, u128>>;

impl<R, I, U> Tables<R, I, U>
where
    R: ReadableTable<RowKey, Json>,
    I: ReadableTable<IndexKey, ()>,
    U: ReadableTable<ClaimKey, u128>,
{
    /// The JSON row stored under `(tag, id)`.
    pub(super) fn json<T: DeserializeOwned>(
        &self,
        tag: &str,
        id: u128,
    ) -> Result<Option<T>, StorageError> {
        match self.rows.get((tag, id)).map_err(db)? {
            Some(bytes) => from_json(bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// The row with this id, in any district.
    pub(super) fn get<T: Row>(&self, id: Uuid) -> Result<Option<T>, StorageError> {
        self.json(T::TAG, id.as_u128())
    }

    /// The row with this id, if it belongs to `district`: the isolation rule in one place.
    pub(super) fn get_in<T: Row>(
        &self,
        district: DistrictId,
        id: Uuid,
    ) -> Result<Option<T>, StorageError> {
        Ok(self.get::<T>(id)?.filter(|row| row.district() == district))
    }

    /// True when the district exists.
    pub(super) fn has_district(&self, district: DistrictId) -> Result<bool, StorageError> {
        let key = (
            <homeroom::District as Row>::TAG,
            district.as_uuid().as_u128(),
        );
        Ok(self.rows.get(key).map_err(db)?.is_some())
    }

    /// The ids in one of a district's listings, in `(order, id)` order.
    pub(super) fn ids(&self, district: DistrictId, list: &str) -> Result<Vec<u128>, StorageError> {
        let d = scope(Some(district));
        let mut ids = Vec::new();
        for entry in self.index.range((d, list, "", 0u128)..).map_err(db)? {
            let (key, _) = entry.map_err(db)?;
            let (in_district, in_list, _, id) = key.value();
            if in_district != d || in_list != list {
                break;
            }
            ids.push(id);
        }
        Ok(ids)
    }

    /// The rows of one of a district's listings, in `(order, id)` order.
    pub(super) fn list<T: Row>(
        &self,
        district: DistrictId,
        list: &str,
    ) -> Result<Vec<T>, StorageError> {
        let mut rows = Vec::new();
        for id in self.ids(district, list)? {
            rows.extend(self.json::<T>(T::TAG, id)?);
        }
        Ok(rows)
    }

    /// The id holding a unique key, if any.
    pub(super) fn holder(
        &self,
        scope: u128,
        namespace: &str,
        value: &str,
    ) -> Result<Option<u128>, StorageError> {
        Ok(self
            .unique
            .get((scope, namespace, value))
            .map_err(db)?
            .map(|id| id.value()))
    }

    /// The district's row of kind `T` holding a unique key.
    pub(super) fn by_claim<T: Row>(
        &self,
        district: DistrictId,
        namespace: &str,
        value: &str,
    ) -> Result<Option<T>, StorageError> {
        match self.holder(scope(Some(district)), namespace, value)? {
            Some(id) => Ok(self
                .json::<T>(T::TAG, id)?
                .filter(|row| row.district() == district)),
            None => Ok(None),
        }
    }
}
