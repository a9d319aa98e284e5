//! User search: the page and the query both it and the API read, with keyset paging (the
//! position after the last user shown travels in the next page's link).
//!
//! The filter facets and their counts come with the admin-workflow work: they join here, in
//! [`SearchQuery::search`] and the page's values.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use homeroom::{Page as Listing, User, UserCursor, UserKind, UserSearch};
use serde::Deserialize;

use super::pages::{Page, UserRow, fail};
use super::session::Session;
use super::{App, signed_in};

/// The most users one page lists.
pub const MAX_LIMIT: u32 = 100;
/// Users per page when not asked.
pub const DEFAULT_LIMIT: u32 = 50;

/// The search's query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// Text (name, e-mail, Local ID prefix).
    #[serde(default)]
    pub q: String,
    /// `student`, `staff` or empty.
    #[serde(default)]
    pub kind: String,
    /// Users per page (at most [`MAX_LIMIT`]).
    pub limit: Option<u32>,
    /// The sort key of the last user of the previous page.
    pub after_key: Option<String>,
    /// The id of the last user of the previous page.
    pub after_id: Option<String>,
}

impl SearchQuery {
    /// The directory's search for it.
    pub fn search(&self) -> UserSearch {
        let mut search = if self.q.trim().is_empty() {
            UserSearch::default()
        } else {
            UserSearch::text(self.q.trim())
        };
        match self.kind.as_str() {
            "student" => search = search.kind(UserKind::Student),
            "staff" => search = search.kind(UserKind::Staff),
            _ => {}
        }
        let after = match (&self.after_key, &self.after_id) {
            (Some(key), Some(id)) => id.parse().ok().map(|id| UserCursor {
                sort_key: key.clone(),
                id,
            }),
            _ => None,
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        search.limit(limit).after(after)
    }

    /// The query string of the page after `cursor`, with the same filters.
    pub fn next(&self, cursor: &UserCursor) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", &self.q);
        query.append_pair("kind", &self.kind);
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        query.append_pair("after_key", &cursor.sort_key);
        query.append_pair("after_id", &cursor.id.to_string());
        query.finish()
    }
}

/// One page of results, as the page and the API show it.
pub fn results(query: &SearchQuery, page: &Listing<User, UserCursor>) -> serde_json::Value {
    let users: Vec<UserRow> = page.items.iter().map(UserRow::from).collect();
    let next = page.next.as_ref().map(|c| query.next(c));
    serde_json::json!({ "total": page.total, "users": users, "next": next })
}

/// `GET /users`.
pub async fn users(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    Query(query): Query<SearchQuery>,
) -> Page {
    let fail = fail(&app, &s);
    let actor = signed_in(&s).map_err(&fail)?;
    let page = app
        .directory
        .search_users(&actor, app.district, &query.search())
        .await
        .map_err(|e| fail(e.into()))?;
    let found = results(&query, &page);
    let values = serde_json::json!({
        "q": query.q, "kind": query.kind, "kinds": ["student", "staff"],
        "total": page.total, "users": found["users"],
        "next": found["next"].as_str().map(|q| format!("/users?{q}")),
    });
    Ok(app
        .views
        .page(StatusCode::OK, &s, "Users", "users.html", values))
}
