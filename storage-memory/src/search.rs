//! User search: the listing order and the search terms of a district, and the pages cut from
//! them.
//!
//! Both indexes hold the users themselves (the same `Arc` as the tenant's table) and their
//! sort keys, so a text search walks one range of the terms map and reads each candidate once,
//! without a hash lookup, and never builds a sort key or a term list: the page is the first
//! `limit` candidates by `(sort_key, id)`, chosen in linear time, and the total is the number of
//! distinct candidates that pass the other filters.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use homeroom::query::prefix_upper_bound;
use homeroom::{OrgUnitId, Page, User, UserCursor, UserId, UserQuery};

use crate::tenant::{HashMap, HashSet};

/// A user as an index holds them: their sort key and the row.
#[derive(Debug)]
struct Listed {
    sort_key: Arc<str>,
    user: Arc<User>,
}

/// The indexes a listing or text search walks. Kept up to date by single changes once built;
/// a bulk change (an import of thousands) drops it instead, and the next search builds it in
/// one sorted pass, which costs a fraction of keeping two trees in step user by user.
#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    /// Every user in listing order.
    order: BTreeMap<(Arc<str>, UserId), Arc<User>>,
    /// `(search term, user)`, walked from a prefix for text search.
    terms: BTreeMap<(String, UserId), Listed>,
}

/// A candidate for a page: its sort key, id and row.
type Candidate<'a> = (Cow<'a, str>, UserId, &'a User);

impl SearchIndex {
    pub(crate) fn build<'u>(users: impl Iterator<Item = &'u Arc<User>>) -> Self {
        let mut order = Vec::new();
        let mut terms = Vec::new();
        for user in users {
            let sort_key: Arc<str> = user.sort_key().into();
            terms.extend(user.search_terms().into_iter().map(|t| {
                let listed = Listed {
                    sort_key: Arc::clone(&sort_key),
                    user: Arc::clone(user),
                };
                ((t, user.id), listed)
            }));
            order.push(((sort_key, user.id), Arc::clone(user)));
        }
        // Sorted input lets the trees be built in bulk.
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Self {
            order: order.into_iter().collect(),
            terms: terms.into_iter().collect(),
        }
    }

    pub(crate) fn remove(&mut self, user: &User) {
        let sort_key: Arc<str> = user.sort_key().into();
        self.order.remove(&(sort_key, user.id));
        for term in user.search_terms() {
            self.terms.remove(&(term, user.id));
        }
    }

    pub(crate) fn insert(&mut self, user: &Arc<User>) {
        let sort_key: Arc<str> = user.sort_key().into();
        for term in user.search_terms() {
            let listed = Listed {
                sort_key: Arc::clone(&sort_key),
                user: Arc::clone(user),
            };
            self.terms.insert((term, user.id), listed);
        }
        self.order.insert((sort_key, user.id), Arc::clone(user));
    }

    /// The distinct users with a term that starts with `prefix` and that pass the query's
    /// other filters, in no particular order.
    fn with_prefix<'a>(&'a self, prefix: &str, query: &UserQuery) -> Vec<Candidate<'a>> {
        let start = (prefix.to_owned(), UserId::from_uuid(uuid::Uuid::nil()));
        let in_range = |((_, _), listed): (&(String, UserId), &'a Listed)| {
            query.matches_besides_text(&listed.user).then(|| {
                (
                    Cow::Borrowed(&*listed.sort_key),
                    listed.user.id,
                    &*listed.user,
                )
            })
        };
        let mut found: Vec<Candidate<'a>> = match prefix_upper_bound(prefix) {
            Some(upper) => {
                let end = (upper, UserId::from_uuid(uuid::Uuid::nil()));
                self.terms.range(start..end).filter_map(in_range).collect()
            }
            None => self.terms.range(start..).filter_map(in_range).collect(),
        };
        // A user with two terms in the range is one match.
        found.sort_unstable_by_key(|c| c.1);
        found.dedup_by_key(|c| c.1);
        found
    }
}

/// One page of the users matching `query`, with the total (the cursor aside).
pub(crate) fn page<'a>(
    index: &'a SearchIndex,
    users: &impl Fn(UserId) -> Option<&'a User>,
    members: &'a HashMap<OrgUnitId, HashSet<UserId>>,
    query: &UserQuery,
) -> Page<User, UserCursor> {
    let Some(mut found) = candidates(index, users, members, query) else {
        // Walk the listing order: every user of the district is a candidate.
        let mut matching = index
            .order
            .values()
            .filter(|u| query.matches_besides_text(u) && query.is_after_cursor(u));
        let size = query.page_size();
        let items: Vec<User> = matching
            .by_ref()
            .take(size)
            .map(|u| (**u).clone())
            .collect();
        let more = matching.next().is_some();
        let total = index
            .order
            .values()
            .filter(|u| query.matches_besides_text(u))
            .count() as u64;
        return cut(items, more, total);
    };
    let total = found.len() as u64;
    if let Some(after) = &query.after {
        found.retain(|(key, id, _)| (key.as_ref(), *id) > (after.sort_key.as_str(), after.id));
    }
    let size = query.page_size();
    let more = found.len() > size;
    if more {
        found.select_nth_unstable_by(size, |a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        found.truncate(size);
    }
    found.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let items = found.into_iter().map(|(_, _, u)| u.clone()).collect();
    cut(items, more, total)
}

/// Every user matching `query`, in listing order (cursor and limit aside).
pub(crate) fn matching<'a>(
    index: &'a SearchIndex,
    users: &impl Fn(UserId) -> Option<&'a User>,
    members: &'a HashMap<OrgUnitId, HashSet<UserId>>,
    query: &UserQuery,
) -> Vec<&'a User> {
    match candidates(index, users, members, query) {
        Some(mut found) => {
            found.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            found.into_iter().map(|(_, _, u)| u).collect()
        }
        None => index
            .order
            .values()
            .filter(|u| query.matches_besides_text(u))
            .map(|u| &**u)
            .collect(),
    }
}

/// The users matching `query` from the narrowest index it allows (text prefix, then org
/// membership), in no particular order; `None` when it allows none (every user is a candidate).
fn candidates<'a>(
    index: &'a SearchIndex,
    users: &impl Fn(UserId) -> Option<&'a User>,
    members: &'a HashMap<OrgUnitId, HashSet<UserId>>,
    query: &UserQuery,
) -> Option<Vec<Candidate<'a>>> {
    if let Some(prefix) = &query.text {
        return Some(index.with_prefix(prefix, query));
    }
    let units = query.org_units.as_ref().or(query.scope.as_ref())?;
    let ids: HashSet<UserId> = units
        .iter()
        .filter_map(|unit| members.get(unit))
        .flatten()
        .copied()
        .collect();
    Some(
        ids.into_iter()
            .filter_map(users)
            .filter(|u| query.matches_besides_text(u))
            .map(|u| (Cow::Owned(u.sort_key()), u.id, u))
            .collect(),
    )
}

/// A page of `items`, with a cursor after the last when `more` follow.
fn cut(items: Vec<User>, more: bool, total: u64) -> Page<User, UserCursor> {
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(UserCursor::after(last)),
        _ => None,
    };
    Page { items, total, next }
}
