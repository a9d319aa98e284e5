//! User search: the page and the query both it and the API read, with keyset paging (the
//! position after the last user shown travels in the next page's link).
//!
//! Beside each filter the page shows its facet counts ([`facet_links`]): "Suspended (12)" is
//! how many the list shows once Suspended is picked (`Directory::user_facets`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use homeroom::onboarding::InvitationStatus;
use homeroom::{
    AccessKind, Page as Listing, RecordStatus, User, UserCursor, UserFacets, UserKind, UserSearch,
};
use serde::{Deserialize, Serialize};

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
    /// `active`, `inactive`, `archived` or empty (active and inactive).
    #[serde(default)]
    pub status: String,
    /// `allowed`, `suspended`, `locked` or empty.
    #[serde(default)]
    pub access: String,
    /// The invitation's status: `not_sent`, `scheduled`, `sent`, `accepted`, `expired` or
    /// empty.
    #[serde(default)]
    pub invitation: String,
    /// `yes` (managed by an import), `no`, or empty.
    #[serde(default)]
    pub managed: String,
    /// Users per page (at most [`MAX_LIMIT`]).
    pub limit: Option<u32>,
    /// The sort key of the last user of the previous page.
    pub after_key: Option<String>,
    /// The id of the last user of the previous page.
    pub after_id: Option<String>,
}

impl SearchQuery {
    /// The directory's search for it (its filters, no paging).
    pub fn filters(&self) -> UserSearch {
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
        if let Some(status) = RecordStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == self.status)
        {
            search = search.status(status);
        }
        if let Some(access) = ACCESS.into_iter().find(|a| a.as_str() == self.access) {
            search = search.access(access);
        }
        if let Some(invitation) = InvitationStatus::ALL
            .into_iter()
            .find(|i| i.as_str() == self.invitation)
        {
            search = search.invitation(invitation);
        }
        match self.managed.as_str() {
            "yes" => search = search.import_managed(true),
            "no" => search = search.import_managed(false),
            _ => {}
        }
        search
    }

    /// The directory's search for it, with this page's position.
    pub fn search(&self) -> UserSearch {
        let after = match (&self.after_key, &self.after_id) {
            (Some(key), Some(id)) => id.parse().ok().map(|id| UserCursor {
                sort_key: key.clone(),
                id,
            }),
            _ => None,
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        self.filters().limit(limit).after(after)
    }

    /// The query string of these filters (no paging).
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            ("kind", self.kind.clone()),
            ("status", self.status.clone()),
            ("access", self.access.clone()),
            ("invitation", self.invitation.clone()),
            ("managed", self.managed.clone()),
        ]
    }

    /// The query string of the page after `cursor`, with the same filters.
    pub fn next(&self, cursor: &UserCursor) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.filter_pairs() {
            query.append_pair(name, &value);
        }
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        query.append_pair("after_key", &cursor.sort_key);
        query.append_pair("after_id", &cursor.id.to_string());
        query.finish()
    }
}

/// Every kind of access, as the access filter offers them.
const ACCESS: [AccessKind; 3] = [
    AccessKind::Allowed,
    AccessKind::Suspended,
    AccessKind::Locked,
];

/// One value of a filter as the page offers it: a link that picks it, with its count.
#[derive(Clone, Debug, Serialize)]
pub struct FacetLink {
    /// The value (`suspended`).
    pub value: String,
    /// How many users the list shows once it is picked.
    pub count: u64,
    /// The search with it picked (picking the picked value drops it).
    pub href: String,
    /// Whether it is picked now.
    pub picked: bool,
}

/// The filters' values with their counts, as links: `{kind: [...], status: [...], access:
/// [...], invitation: [...], managed: [...]}`.
pub fn facet_links(query: &SearchQuery, facets: &UserFacets) -> serde_json::Value {
    let link = |field: &str, value: &str, count: u64| {
        let picked = query
            .filter_pairs()
            .iter()
            .any(|(name, v)| *name == field && v == value);
        let mut href = form_urlencoded::Serializer::new(String::new());
        for (name, v) in query.filter_pairs() {
            let v = if name == field {
                if picked {
                    String::new()
                } else {
                    value.to_string()
                }
            } else {
                v
            };
            href.append_pair(name, &v);
        }
        FacetLink {
            value: value.to_string(),
            count,
            href: format!("/users?{}", href.finish()),
            picked,
        }
    };
    let kind: Vec<FacetLink> = [UserKind::Student, UserKind::Staff]
        .into_iter()
        .map(|k| {
            let count = facets.kind.get(&k).copied().unwrap_or(0);
            link("kind", &k.to_string(), count)
        })
        .collect();
    let status: Vec<FacetLink> = RecordStatus::ALL
        .into_iter()
        .map(|s| {
            link(
                "status",
                s.as_str(),
                facets.status.get(&s).copied().unwrap_or(0),
            )
        })
        .collect();
    let access: Vec<FacetLink> = ACCESS
        .into_iter()
        .map(|a| {
            link(
                "access",
                a.as_str(),
                facets.access.get(&a).copied().unwrap_or(0),
            )
        })
        .collect();
    let invitation: Vec<FacetLink> = InvitationStatus::ALL
        .into_iter()
        .map(|i| {
            link(
                "invitation",
                i.as_str(),
                facets.invitation.get(&i).copied().unwrap_or(0),
            )
        })
        .collect();
    let managed: Vec<FacetLink> = [("yes", true), ("no", false)]
        .into_iter()
        .map(|(name, managed)| {
            let count = facets.import_managed.get(&managed).copied().unwrap_or(0);
            link("managed", name, count)
        })
        .collect();
    serde_json::json!({
        "kind": kind, "status": status, "access": access, "invitation": invitation,
        "managed": managed,
    })
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
    let facets = app
        .directory
        .user_facets(&actor, app.district, &query.filters())
        .await
        .map_err(|e| fail(e.into()))?;
    let found = results(&query, &page);
    let choices = super::bulk_actions::choices(&app, &actor)
        .await
        .map_err(&fail)?;
    let values = serde_json::json!({
        "q": query.q, "kind": query.kind, "status": query.status, "access": query.access,
        "invitation": query.invitation, "managed": query.managed,
        "kinds": ["student", "staff"], "facets": facet_links(&query, &facets),
        "choices": choices,
        "total": page.total, "users": found["users"],
        "next": found["next"].as_str().map(|q| format!("/users?{q}")),
    });
    Ok(app
        .views
        .page(StatusCode::OK, &s, "Users", "users.html", values))
}
