//! Prefix search as a range: see [`homeroom::query::prefix_upper_bound`] (shared with the
//! memory backend).

pub(crate) use homeroom::query::prefix_upper_bound as upper_bound;
