//! Rewriting stored user rows. Each row sets only the columns whose values change (the
//! version and the JSON always do), so the database maintains only the indexes over those
//! columns (an archive touches the status index, not the e-mail, username, Local ID, grade and
//! listing ones), and names the version it expects: one statement per row, in the order of
//! the ops, its SQL text the same for every row that changes the same columns (the driver
//! prepares it once). Then the search terms and memberships each row drops are deleted, and
//! those it adds gathered for a multi-row insert.
//!
//! (A multi-row `UPDATE ... FROM (VALUES ...)` was tried for runs of rows changing the same
//! columns: on SQLite it made a 50 000-row archive twice as slow, so rows go one by one.)

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
use crate::codec::{USER_COLUMNS, stored_terms, user_columns};
use crate::options::Backend;

/// The index of the version in [`USER_COLUMNS`].
const VERSION: usize = 2;

/// One row's rewrite: `new` over `old`, stored at `expected`.
pub(super) struct Rewrite<'a> {
    pub(super) old: User,
    pub(super) new: &'a User,
    pub(super) expected: Version,
}

/// The search terms and memberships rewritten rows add, inserted together afterwards.
#[derive(Default)]
pub(super) struct Added {
    /// `(district, term, user)`.
    terms: Vec<[Value; 3]>,
    /// `(district, org unit, user)`.
    members: Vec<[Value; 3]>,
}

/// One row as its `UPDATE` binds it: which columns change, and the values.
struct Row {
    /// The changed columns (indexes in [`USER_COLUMNS`], the JSON left out: always set).
    changed: Vec<usize>,
    /// The values: id, district, expected version, the changed columns, the JSON.
    values: Vec<Value>,
}

/// Writes every rewrite of `rows`, in order, then the terms and memberships they drop; what
/// they add is left in `added`. `Conflict` when a row is no longer at its expected version.
pub(super) async fn rewrite_all(
    tx: &Tx<'_>,
    rows: &[Rewrite<'_>],
    added: &mut Added,
) -> Result<(), StorageError> {
    for rewrite in rows {
        update(tx, rewrite, bound(rewrite)?).await?;
    }
    for rewrite in rows {
        follow(tx, rewrite, added).await?;
    }
    Ok(())
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

/// What `rewrite`'s `UPDATE` binds.
fn bound(rewrite: &Rewrite<'_>) -> Result<Row, StorageError> {
    let (before, after) = (user_columns(&rewrite.old)?, user_columns(rewrite.new)?);
    // The id and district are what the row is found by; they are never rewritten.
    let changed: Vec<usize> = (VERSION..after.len())
        .filter(|&i| i == VERSION || before[i] != after[i])
        .collect();
    let mut values = Vec::with_capacity(changed.len() + 4);
    values.extend([
        after[0].clone(),
        after[1].clone(),
        crate::codec::version(rewrite.expected)?.into(),
    ]);
    values.extend(changed.iter().map(|&i| after[i].clone()));
    values.push(crate::user_json::user_data(rewrite.new)?.into());
    Ok(Row { changed, values })
}

/// The one-row `UPDATE` of `rewrite`, bound as `row`.
async fn update(tx: &Tx<'_>, rewrite: &Rewrite<'_>, row: Row) -> Result<(), StorageError> {
    let blame = || Blame::user(rewrite.new).expecting(rewrite.expected);
    let sql = update_text(tx.backend, &row.changed);
    let mut values = row.values;
    // The statement names the row after what it sets.
    values.rotate_left(3);
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
    Ok(())
}

/// Deletes the terms and memberships `rewrite` drops and gathers those it adds.
async fn follow(tx: &Tx<'_>, rewrite: &Rewrite<'_>, added: &mut Added) -> Result<(), StorageError> {
    let (old, u) = (&rewrite.old, rewrite.new);
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

/// Numbers placeholders in the backend's style.
struct Placeholders {
    backend: Backend,
    n: usize,
}

impl Placeholders {
    fn push(&mut self, sql: &mut String) {
        self.n += 1;
        match self.backend {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                let _ = write!(sql, "${}", self.n);
            }
        }
    }
}

/// The columns a rewrite sets: the changed ones, then the JSON.
fn set_columns(changed: &[usize]) -> impl Iterator<Item = &'static str> + '_ {
    changed
        .iter()
        .map(|&i| USER_COLUMNS[i])
        .chain([USER_COLUMNS[USER_COLUMNS.len() - 1]])
}

/// `UPDATE "hr_users" SET <changed>, "data" = ? WHERE "id" = ? AND "district" = ? AND
/// "version" = ?`.
fn update_text(backend: Backend, changed: &[usize]) -> String {
    let mut p = Placeholders { backend, n: 0 };
    let mut sql = String::from("UPDATE \"hr_users\" SET ");
    for (i, column) in set_columns(changed).enumerate() {
        let _ = write!(sql, "{}\"{column}\" = ", if i == 0 { "" } else { ", " });
        p.push(&mut sql);
    }
    for (i, column) in ["id", "district", "version"].iter().enumerate() {
        let _ = write!(
            sql,
            "{} \"{column}\" = ",
            if i == 0 { " WHERE" } else { " AND" }
        );
        p.push(&mut sql);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_sets_only_the_changed_columns_and_names_the_version() {
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
