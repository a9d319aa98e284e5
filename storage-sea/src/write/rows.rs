//! Multi-row `INSERT` statements, chunked under the bind-parameter limit: from SeaORM active
//! models, or built straight from values for the bulk path (no per-cell expression tree, one
//! SQL text per chunk size, the values bound as they are).

use std::fmt::Write as _;

use sea_orm::sea_query::{Value, Values};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, Statement};

use crate::limits::rows_per_statement;
use crate::options::Backend;

/// Inserts `rows` in as few statements as the bind limit allows.
pub(super) async fn insert_models<A, C>(
    db: &C,
    backend: Backend,
    rows: impl IntoIterator<Item = A>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count();
    let per_statement = rows_per_statement(backend, columns, 0);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Inserts `rows` into `table(columns)`, as many rows per statement as the bind limit allows.
pub(super) async fn insert_rows<C, const N: usize>(
    db: &C,
    backend: Backend,
    table: &str,
    columns: [&str; N],
    rows: Vec<[Value; N]>,
) -> Result<(), DbErr>
where
    C: ConnectionTrait,
{
    let per_statement = rows_per_statement(backend, N, 0);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut values = Vec::with_capacity(per_statement * N);
        for row in rows.by_ref().take(per_statement) {
            values.extend(row);
        }
        let sql = statement_text(backend, table, &columns, values.len() / N);
        db.execute_raw(Statement::from_sql_and_values(
            backend.db_backend(),
            sql,
            Values(values),
        ))
        .await?;
    }
    Ok(())
}

/// `INSERT INTO "table" ("a", "b") VALUES (?, ?), ...` with the backend's placeholders.
fn statement_text(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = String::with_capacity(64 + rows * columns.len() * 8);
    let _ = write!(sql, "INSERT INTO \"{table}\" (");
    for (i, column) in columns.iter().enumerate() {
        let _ = write!(sql, "{}\"{column}\"", if i == 0 { "" } else { ", " });
    }
    sql.push_str(") VALUES ");
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${n}");
                }
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_use_each_backends_placeholders() {
        assert_eq!(
            statement_text(Backend::Sqlite, "t", &["a", "b"], 2),
            r#"INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)"#
        );
        assert_eq!(
            statement_text(Backend::Postgres, "t", &["a", "b"], 2),
            r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4)"#
        );
    }
}
