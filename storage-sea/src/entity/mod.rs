//! The tables, as SeaORM entities: one module per table.
//!
//! Every row keeps its domain value whole as JSON in `data`, so a read gives back exactly what
//! was written; the other columns are copies of the fields that lookups, uniqueness, filters and
//! ordering need, each covered by an index (see [`crate::migration`]).

pub(crate) mod activity;
pub(crate) mod district;
pub(crate) mod grant;
pub(crate) mod item;
pub(crate) mod membership;
pub(crate) mod org_unit;
pub(crate) mod password;
pub(crate) mod record;
pub(crate) mod role;
pub(crate) mod user;
pub(crate) mod user_term;
