//! Bind-parameter limits: how many rows one multi-row statement may carry.

use crate::options::Backend;

/// The most bind parameters one statement may carry: SQLite's `SQLITE_MAX_VARIABLE_NUMBER`
/// (32,766 since 3.32) and PostgreSQL's wire-protocol limit (65,535).
pub(crate) fn max_parameters(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 32_766,
        Backend::Postgres => 65_535,
    }
}

/// How many rows of `columns` columns fit in one statement, leaving `reserved` parameters for
/// the rest of it.
pub(crate) fn rows_per_statement(backend: Backend, columns: usize, reserved: usize) -> usize {
    (max_parameters(backend).saturating_sub(reserved) / columns.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stay_under_the_limits() {
        assert_eq!(rows_per_statement(Backend::Sqlite, 12, 0), 2730);
        assert_eq!(rows_per_statement(Backend::Postgres, 12, 0), 5461);
        assert_eq!(rows_per_statement(Backend::Sqlite, 3, 0), 10_922);
        assert!(rows_per_statement(Backend::Sqlite, 1, 2) + 2 <= 32_766);
        assert_eq!(rows_per_statement(Backend::Sqlite, 100_000, 0), 1);
    }
}
