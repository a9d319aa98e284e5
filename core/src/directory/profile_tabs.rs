//! The built-in tabs of a profile, each read once: a tab whose record kind the user has none
//! of is shown empty without a read, and a history whose records another tab already read in
//! full (open incidents, the billing balance) takes its first page from them.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::activity::Subject;
use crate::authz::PermissionSet;
use crate::error::Error;
use crate::model::{Modules, User};
use crate::query::{ActivityQuery, Page, RecordCursor, RecordQuery};
use crate::records::{Record, RecordBody, RecordCounts, RecordKind};
use crate::storage::Storage;

use super::Directory;
use super::profile::{Tab, TabKind, UserInformation, balance};

/// A user with at most this many records has them all read at once for their profile (one
/// statement instead of a count and a read per tab); a longer history is read kind by kind.
const READ_AT_ONCE: usize = 500;

/// Every record of a kind, read once per profile and shared by the tabs that need them all,
/// newest first by `(at, id)` as the storage pages them.
#[derive(Default)]
pub(super) struct Everything {
    kinds: BTreeMap<RecordKind, Vec<Record>>,
    /// Every record of the user is in `kinds` (a kind absent has none).
    whole: bool,
}

impl Everything {
    /// Every record of a user, grouped by kind and put in newest-first order, with the counts.
    fn of(records: Vec<Record>) -> (RecordCounts, Self) {
        let mut by_kind: BTreeMap<RecordKind, Vec<Record>> = BTreeMap::new();
        for record in records {
            by_kind.entry(record.kind()).or_default().push(record);
        }
        for list in by_kind.values_mut() {
            list.sort_unstable_by_key(|r| std::cmp::Reverse((r.at(), r.id)));
        }
        let counts = by_kind
            .iter()
            .map(|(kind, list)| (*kind, list.len() as u64))
            .collect();
        let everything = Self {
            kinds: by_kind,
            whole: true,
        };
        (RecordCounts(counts), everything)
    }

    /// Every record of `kind`, if they were read.
    fn get(&self, kind: RecordKind) -> Option<&[Record]> {
        match self.kinds.get(&kind) {
            Some(all) => Some(all),
            None if self.whole => Some(&[]),
            None => None,
        }
    }
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

impl<S: Storage + ?Sized> Directory<S> {
    /// How many records of each kind `user` has and, unless their history is long, every one
    /// of them, in one read.
    pub(super) async fn profile_records(
        &self,
        user: &User,
    ) -> Result<(RecordCounts, Everything), Error> {
        match self
            .storage
            .user_records(user.district, user.id, READ_AT_ONCE)
            .await?
        {
            Some(all) => Ok(Everything::of(all)),
            None => Ok((
                self.storage.record_counts(user.district, user.id).await?,
                Everything::default(),
            )),
        }
    }

    /// The built-in tabs `actions` and `modules` show for `user`, in order.
    pub(super) async fn built_in_tabs(
        &self,
        user: &User,
        actions: PermissionSet,
        modules: Modules,
        counts: &RecordCounts,
        page_size: u32,
        everything: &mut Everything,
    ) -> Result<Vec<Tab>, Error> {
        let mut tabs = Vec::new();
        for kind in TabKind::ALL {
            let has_data = kind.record_kind().is_none_or(|k| counts.of(k) > 0);
            if !kind.visible(actions, modules, has_data) {
                continue;
            }
            let tab = self
                .tab(kind, user, actions, modules, counts, page_size, everything)
                .await?;
            tabs.push(tab);
        }
        Ok(tabs)
    }

    /// Every record of `kind` of `user`, read at most once per profile.
    async fn everything<'a>(
        &self,
        user: &User,
        kind: RecordKind,
        everything: &'a mut Everything,
    ) -> Result<&'a [Record], Error> {
        if everything.whole {
            return Ok(everything.get(kind).unwrap_or_default());
        }
        Ok(match everything.kinds.entry(kind) {
            Entry::Occupied(kept) => kept.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                self.all_records(user.district, user.id, kind, false)
                    .await?,
            ),
        })
    }

    /// The first page of a history tab: empty without a read when the user has no such
    /// records, from the records already read in full when another tab read them.
    async fn history_page(
        &self,
        user: &User,
        kind: RecordKind,
        counts: &RecordCounts,
        page_size: u32,
        everything: &Everything,
    ) -> Result<Page<Record, RecordCursor>, Error> {
        let query = RecordQuery {
            user: user.id,
            kind,
            open_only: false,
            after: None,
            limit: page_size,
        };
        if let Some(all) = everything.get(kind) {
            return Ok(first_page(all, query.page_size()));
        }
        if counts.of(kind) == 0 {
            return Ok(Page::empty());
        }
        Ok(self.storage.records(user.district, &query).await?)
    }

    #[allow(clippy::too_many_arguments)] // the tab, whom it shows, and what the profile already read
    async fn tab(
        &self,
        kind: TabKind,
        user: &User,
        actions: PermissionSet,
        modules: Modules,
        counts: &RecordCounts,
        page_size: u32,
        everything: &mut Everything,
    ) -> Result<Tab, Error> {
        Ok(match kind {
            TabKind::UserInformation => {
                let current_checkouts =
                    if !modules.checkouts || counts.of(RecordKind::Checkout) == 0 {
                        Vec::new()
                    } else if let Some(all) = everything.get(RecordKind::Checkout) {
                        let open = RecordQuery {
                            user: user.id,
                            kind: RecordKind::Checkout,
                            open_only: true,
                            after: None,
                            limit: page_size,
                        };
                        all.iter().filter(|r| open.matches(r)).cloned().collect()
                    } else {
                        self.all_records(user.district, user.id, RecordKind::Checkout, true)
                            .await?
                    };
                let open_incidents = if TabKind::IncidentHistory.visible(actions, modules, true) {
                    let all = self
                        .everything(user, RecordKind::Incident, everything)
                        .await?;
                    all.iter()
                        .filter(|r| matches!(&r.body, RecordBody::Incident(i) if i.is_open()))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                Tab::UserInformation(UserInformation {
                    current_checkouts,
                    open_incidents,
                    guardians: user.details.guardians.clone(),
                    aup_signed: user.details.aup_signed,
                    fee_paid: user.details.fee_paid,
                    actions,
                })
            }
            TabKind::BillingHistory => {
                let all = self
                    .everything(user, RecordKind::Invoice, everything)
                    .await?;
                let balance = balance(all);
                let page = self
                    .history_page(user, RecordKind::Invoice, counts, page_size, everything)
                    .await?;
                Tab::Billing { page, balance }
            }
            TabKind::ActivityLog => {
                let query = ActivityQuery {
                    subject: Subject::User(user.id),
                    after: None,
                    limit: page_size,
                };
                let mut page = self.storage.activity(user.district, &query).await?;
                self.resolve_import_rows(user.district, &mut page.items)
                    .await?;
                Tab::ActivityLog(page)
            }
            other => {
                let record_kind = other.record_kind().unwrap_or(RecordKind::Note);
                Tab::History {
                    kind: other,
                    page: self
                        .history_page(user, record_kind, counts, page_size, everything)
                        .await?,
                }
            }
        })
    }
}
