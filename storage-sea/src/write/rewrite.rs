//! Rewriting a stored user row: one `UPDATE` that names the version it expects and sets only
//! the columns whose values change (the version and the JSON always do), so the database
//! maintains only the indexes over those columns (an archive touches the status index, not
//! the e-mail, username, Local ID, grade and listing ones); then the search terms and
//! memberships the row drops are deleted, and those it adds are gathered for a multi-row
//! insert.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use homeroom::{StorageError, User, Version};
use sea_orm::sea_query::Values;
use sea_orm::{ConnectionTrait, Statement, Value};
use uuid::Uuid;

use super::blame::Blame;
use super::rows::insert_rows;
use super::tx::Tx;
use super::users::{delete_members, delete_terms};
use crate::codec::{USER_COLUMNS, stored_terms, to_json, user_columns};
use crate::options::Backend;

/// The search terms and memberships rewritten rows add, inserted together afterwards.
#[derive(Default)]
pub(super) struct Added {
    /// `(district, term, user)`.
    terms: Vec<[Value; 3]>,
    /// `(district, org unit, user)`.
    members: Vec<[Value; 3]>,
}

impl Added {
    /// Inserts what was gathered; `blame` names the row an error is reported against.
    pub(super) async fn flush(&mut self, tx: &Tx<'_>, blame: &Blame) -> Result<(), StorageError> {
        let terms = std::mem::take(&mut self.terms);
        let members = std::mem::take(&mut self.members);
        let error = |e| blame.clone().error(e);
        insert_rows(
            tx.txn,
            tx.backend,
            "hr_user_terms",
            ["district", "term", "user_id"],
            terms,
        )
        .await
        .map_err(error)?;
        insert_rows(
            tx.txn,
            tx.backend,
            "hr_user_org_units",
            ["district", "org_unit_id", "user_id"],
            members,
        )
        .await
        .map_err(error)
    }
}

/// Writes `u` over `old`, which the caller read stored at `expected`: `Conflict` when the
/// row is no longer at `expected` when the update runs.
pub(super) async fn rewrite(
    tx: &Tx<'_>,
    old: &User,
    u: &User,
    expected: Version,
    added: &mut Added,
) -> Result<(), StorageError> {
    let blame = || Blame::user(u).expecting(expected);
    let (before, after) = (user_columns(old)?, user_columns(u)?);
    // The id and district are what the row is found by; they are never rewritten.
    let changed: Vec<usize> = (2..after.len())
        .filter(|&i| i == VERSION || before[i] != after[i])
        .collect();
    let mut values: Vec<Value> = changed.iter().map(|&i| after[i].clone()).collect();
    values.push(to_json(u)?.into());
    let [id, district, ..] = after;
    values.extend([id, district, crate::codec::version(expected)?.into()]);
    let sql = update_text(tx.backend, &changed);
    let updated = tx
        .txn
        .execute_raw(Statement::from_sql_and_values(
            tx.backend.db_backend(),
            sql,
            Values(values),
        ))
        .await
        .map_err(|e| blame().error(e))?;
    if updated.rows_affected() != 1 {
        return Err(blame().conflict(0));
    }

    let (d, uid) = (u.district.as_uuid(), u.id.as_uuid());
    let old_terms: BTreeSet<String> = stored_terms(old).into_iter().collect();
    let new_terms: BTreeSet<String> = stored_terms(u).into_iter().collect();
    delete_terms(
        tx,
        u.district,
        u.id,
        old_terms.difference(&new_terms).collect(),
    )
    .await?;
    added.terms.extend(
        new_terms
            .difference(&old_terms)
            .map(|t| [d.into(), t.clone().into(), uid.into()]),
    );
    let (old_units, new_units) = (&old.details.org_units, &u.details.org_units);
    let left: Vec<Uuid> = old_units
        .difference(new_units)
        .map(|o| o.as_uuid())
        .collect();
    delete_members(tx, u.district, u.id, left).await?;
    added.members.extend(
        new_units
            .difference(old_units)
            .map(|o| [d.into(), o.as_uuid().into(), uid.into()]),
    );
    Ok(())
}

/// The index of the version in [`USER_COLUMNS`].
const VERSION: usize = 2;

/// `UPDATE "hr_users" SET <changed columns>, "data" = ? WHERE "id" = ? AND "district" = ? AND
/// "version" = ?`, with the backend's placeholders.
fn update_text(backend: Backend, changed: &[usize]) -> String {
    let mut sql = String::with_capacity(160);
    sql.push_str("UPDATE \"hr_users\" SET ");
    let mut n = 0;
    let mut placeholder = |sql: &mut String| {
        n += 1;
        match backend {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                let _ = write!(sql, "${n}");
            }
        }
    };
    let data = USER_COLUMNS.len() - 1;
    for &column in changed.iter().chain([&data]) {
        let _ = write!(sql, "\"{}\" = ", USER_COLUMNS[column]);
        placeholder(&mut sql);
        sql.push_str(", ");
    }
    sql.truncate(sql.len() - 2);
    for (i, column) in ["id", "district", "version"].iter().enumerate() {
        let _ = write!(
            sql,
            "{} \"{column}\" = ",
            if i == 0 { " WHERE" } else { " AND" }
        );
        placeholder(&mut sql);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_set_only_the_changed_columns_and_name_the_version() {
        assert_eq!(
            update_text(Backend::Sqlite, &[2, 9]),
            r#"UPDATE "hr_users" SET "version" = ?, "status" = ?, "data" = ? WHERE "id" = ? AND "district" = ? AND "version" = ?"#
        );
        assert_eq!(
            update_text(Backend::Postgres, &[2]),
            r#"UPDATE "hr_users" SET "version" = $1, "data" = $2 WHERE "id" = $3 AND "district" = $4 AND "version" = $5"#
        );
    }
}
