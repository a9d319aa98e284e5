//! The built-in tabs of a profile. What they need is worked out first and read at once (the
//! reads are independent, so they run side by side rather than one round trip after another),
//! each at most once: a record kind the user has none of is not read, and a history whose
//! records another tab needs in full (open incidents, the billing balance) takes its first
//! page from them.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::activity::{ActivityEntry, Subject};
use crate::authz::PermissionSet;
use crate::error::Error;
use crate::model::{Modules, User};
use crate::query::{ActivityCursor, ActivityQuery, Page, RecordCursor, RecordQuery};
use crate::records::{Record, RecordBody, RecordCounts, RecordKind};
use crate::storage::Storage;

use super::Directory;
use super::profile::{Tab, TabKind, UserInformation, balance};

/// One read a profile needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// Every record of a kind.
    All(RecordKind),
    /// The first page of a kind.
    Page(RecordKind),
    /// The open checkouts.
    OpenCheckouts,
    /// The first page of the activity log.
    Activity,
}

/// What one read gave.
enum Loaded {
    Records(Vec<Record>),
    Page(Page<Record, RecordCursor>),
    Activity(Page<ActivityEntry, ActivityCursor>),
}

type Load<'a> = Pin<Box<dyn Future<Output = Result<(Need, Loaded), Error>> + Send + 'a>>;

/// Runs every load at once from the caller's task (no runtime needed) and returns their
/// results; the first error wins.
async fn all_at_once(mut loads: Vec<Load<'_>>) -> Result<BTreeMap<Need, Loaded>, Error> {
    let mut done = BTreeMap::new();
    std::future::poll_fn(|cx| {
        let mut i = 0;
        while i < loads.len() {
            match loads[i].as_mut().poll(cx) {
                Poll::Ready(Ok((need, loaded))) => {
                    done.insert(need, loaded);
                    drop(loads.swap_remove(i));
                }
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => i += 1,
            }
        }
        if loads.is_empty() {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    })
    .await?;
    Ok(done)
}

/// The first page of `size` of `all` (newest first), as the storage pages them.
fn first_page(all: &[Record], size: usize) -> Page<Record, RecordCursor> {
    let items: Vec<Record> = all.iter().take(size).cloned().collect();
    let next = match (all.len() > size, items.last()) {
        (true, Some(last)) => Some(RecordCursor::after(last)),
        _ => None,
    };
    Page {
        items,
        total: all.len() as u64,
        next,
    }
}

/// The tabs to show and the reads they need.
fn plan(
    actions: PermissionSet,
    modules: Modules,
    counts: &RecordCounts,
) -> (Vec<TabKind>, Vec<Need>) {
    let shown: Vec<TabKind> = TabKind::ALL
        .into_iter()
        .filter(|kind| {
            let has_data = kind.record_kind().is_none_or(|k| counts.of(k) > 0);
            kind.visible(actions, modules, has_data)
        })
        .collect();
    let has = |kind: RecordKind| counts.of(kind) > 0;
    let mut needs = Vec::new();
    for tab in &shown {
        match tab {
            TabKind::UserInformation => {
                if modules.checkouts && has(RecordKind::Checkout) {
                    needs.push(Need::OpenCheckouts);
                }
                if TabKind::IncidentHistory.visible(actions, modules, true)
                    && has(RecordKind::Incident)
                {
                    needs.push(Need::All(RecordKind::Incident));
                }
            }
            TabKind::BillingHistory => {
                if has(RecordKind::Invoice) {
                    needs.push(Need::All(RecordKind::Invoice));
                }
            }
            TabKind::ActivityLog => needs.push(Need::Activity),
            other => {
                if let Some(kind) = other.record_kind()
                    && has(kind)
                {
                    needs.push(Need::Page(kind));
                }
            }
        }
    }
    // A page of a kind read in full comes from those records.
    let full: Vec<RecordKind> = needs
        .iter()
        .filter_map(|n| match n {
            Need::All(kind) => Some(*kind),
            _ => None,
        })
        .collect();
    needs.retain(|n| !matches!(n, Need::Page(kind) if full.contains(kind)));
    needs.sort();
    needs.dedup();
    (shown, needs)
}

impl<S: Storage + ?Sized> Directory<S> {
    /// The built-in tabs `actions` and `modules` show for `user`, in order.
    pub(super) async fn built_in_tabs(
        &self,
        user: &User,
        actions: PermissionSet,
        modules: Modules,
        counts: &RecordCounts,
        page_size: u32,
    ) -> Result<Vec<Tab>, Error> {
        let (shown, needs) = plan(actions, modules, counts);
        let loads: Vec<Load<'_>> = needs
            .into_iter()
            .map(|need| Box::pin(self.load(user, need, page_size)) as Load<'_>)
            .collect();
        let mut loaded = all_at_once(loads).await?;
        let size = RecordQuery {
            user: user.id,
            kind: RecordKind::Note,
            open_only: false,
            after: None,
            limit: page_size,
        }
        .page_size();
        let mut tabs = Vec::with_capacity(shown.len());
        for kind in shown {
            tabs.push(tab(kind, user, actions, &mut loaded, size));
        }
        Ok(tabs)
    }

    async fn load(&self, user: &User, need: Need, page_size: u32) -> Result<(Need, Loaded), Error> {
        let district = user.district;
        let loaded = match need {
            Need::All(kind) => {
                Loaded::Records(self.all_records(district, user.id, kind, false).await?)
            }
            Need::OpenCheckouts => Loaded::Records(
                self.all_records(district, user.id, RecordKind::Checkout, true)
                    .await?,
            ),
            Need::Page(kind) => {
                let query = RecordQuery {
                    user: user.id,
                    kind,
                    open_only: false,
                    after: None,
                    limit: page_size,
                };
                Loaded::Page(self.storage.records(district, &query).await?)
            }
            Need::Activity => {
                let query = ActivityQuery {
                    subject: Subject::User(user.id),
                    after: None,
                    limit: page_size,
                };
                Loaded::Activity(self.storage.activity(district, &query).await?)
            }
        };
        Ok((need, loaded))
    }
}

/// The records a read gave, or none when it was not needed.
fn records(loaded: &BTreeMap<Need, Loaded>, need: Need) -> &[Record] {
    match loaded.get(&need) {
        Some(Loaded::Records(records)) => records,
        _ => &[],
    }
}

/// The first page of `kind`: from its records read in full, from its page, or empty (the user
/// has none).
fn history_page(
    loaded: &mut BTreeMap<Need, Loaded>,
    kind: RecordKind,
    size: usize,
) -> Page<Record, RecordCursor> {
    if let Some(Loaded::Records(all)) = loaded.get(&Need::All(kind)) {
        return first_page(all, size);
    }
    match loaded.remove(&Need::Page(kind)) {
        Some(Loaded::Page(page)) => page,
        _ => Page::empty(),
    }
}

fn tab(
    kind: TabKind,
    user: &User,
    actions: PermissionSet,
    loaded: &mut BTreeMap<Need, Loaded>,
    size: usize,
) -> Tab {
    match kind {
        TabKind::UserInformation => {
            let open_incidents = records(loaded, Need::All(RecordKind::Incident))
                .iter()
                .filter(|r| matches!(&r.body, RecordBody::Incident(i) if i.is_open()))
                .cloned()
                .collect();
            Tab::UserInformation(UserInformation {
                current_checkouts: records(loaded, Need::OpenCheckouts).to_vec(),
                open_incidents,
                guardians: user.details.guardians.clone(),
                aup_signed: user.details.aup_signed,
                fee_paid: user.details.fee_paid,
                actions,
            })
        }
        TabKind::BillingHistory => Tab::Billing {
            balance: balance(records(loaded, Need::All(RecordKind::Invoice))),
            page: history_page(loaded, RecordKind::Invoice, size),
        },
        TabKind::ActivityLog => match loaded.remove(&Need::Activity) {
            Some(Loaded::Activity(page)) => Tab::ActivityLog(page),
            _ => Tab::ActivityLog(Page::empty()),
        },
        other => {
            let record_kind = other.record_kind().unwrap_or(RecordKind::Note);
            Tab::History {
                kind: other,
                page: history_page(loaded, record_kind, size),
            }
        }
    }
}
