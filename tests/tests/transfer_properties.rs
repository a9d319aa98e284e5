//! Property tests of data transfer: a transfer then its reverse gives every record back its
//! owner and every record the source wrote about others back its author, and nothing is lost
//! or duplicated, whichever write fails on the way (a storage that fails on purpose).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use homeroom::records::*;
use homeroom::storage::{ItemKind, ItemQuery};
use homeroom::transfer::TransferOptions;
use homeroom::*;
use homeroom_tests::race::{BeforeApply, Hooked};
use homeroom_tests::{Backend, Harness, run_case};
use proptest::prelude::*;

/// Fails the next write once armed, as if the store went away mid-command.
#[derive(Default)]
struct Fault {
    armed: AtomicBool,
}

#[async_trait]
impl BeforeApply for Fault {
    async fn before_apply(&self) -> Result<(), StorageError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            return Err(StorageError::Unavailable {
                message: "injected fault".into(),
                source: None,
            });
        }
        Ok(())
    }
}

/// What a user starts with: how many of each kind.
#[derive(Clone, Debug)]
struct Holdings {
    notes: usize,
    tickets: usize,
    incidents: usize,
    checkouts: usize,
    /// Notes this user writes about the bystander.
    written: usize,
}

fn holdings() -> impl Strategy<Value = Holdings> {
    (0..4usize, 0..3usize, 0..3usize, 0..3usize, 0..3usize).prop_map(
        |(notes, tickets, incidents, checkouts, written)| Holdings {
            notes,
            tickets,
            incidents,
            checkouts,
            written,
        },
    )
}

/// The note author's user, for a note; `None` for other records and system-written notes.
fn author(record: &Record) -> Option<UserId> {
    match &record.body {
        RecordBody::Note(note) => note.author.user,
        _ => None,
    }
}

/// How many `authored_record` index items `user` owns.
async fn index_of(h: &Harness, district: DistrictId, user: UserId) -> usize {
    let query = ItemQuery::of(ItemKind::from_stored("authored_record")).with_owner(user);
    h.directory
        .storage()
        .items(district, &query)
        .await
        .unwrap()
        .items
        .len()
}

async fn give(h: &Harness, district: DistrictId, user: UserId, what: &Holdings, tag: &str) {
    let d = &h.directory;
    for i in 0..what.notes {
        d.add_note(&h.admin, district, user, &format!("note {i}"))
            .await
            .unwrap();
    }
    for i in 0..what.tickets {
        d.open_ticket(&h.admin, district, user, &format!("ticket {i}"), None)
            .await
            .unwrap();
    }
    for i in 0..what.incidents {
        let incident = NewIncident {
            kind: IncidentKind::Loss,
            description: format!("incident {i}"),
            occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            device: None,
            repair_cost: None,
        };
        d.record_incident(&h.admin, district, user, incident)
            .await
            .unwrap();
    }
    for i in 0..what.checkouts {
        let checkout = NewCheckout {
            device: Device::tagged(format!("{tag}-{i}")),
            loaner: false,
            condition: None,
        };
        let out = d
            .checkout_device(&h.admin, district, user, checkout)
            .await
            .unwrap();
        if i > 0 {
            // One device out at a time; the rest came back.
            d.check_in_device(&h.admin, district, out.record.id, out.record.version, None)
                .await
                .unwrap();
        }
    }
}

/// Every record of the district's three users, by id: its owner and (for a note) its author.
async fn owners(
    h: &Harness,
    district: DistrictId,
    users: &[UserId],
) -> BTreeMap<RecordId, (UserId, Option<UserId>)> {
    let mut all = BTreeMap::new();
    for user in users {
        for kind in RecordKind::ALL {
            let page = h
                .directory
                .storage()
                .records(
                    district,
                    &query::RecordQuery {
                        user: *user,
                        kind,
                        open_only: false,
                        after: None,
                        limit: 500,
                    },
                )
                .await
                .unwrap();
            for record in page.items {
                assert!(
                    all.insert(record.id, (record.user, author(&record)))
                        .is_none(),
                    "a record listed twice"
                );
            }
        }
    }
    all
}

/// Plans and applies `from` → `to`, first with a fault on the write (nothing may change),
/// then for real.
async fn transfer_through_a_fault(
    h: &Harness,
    fault: &Fault,
    district: DistrictId,
    (from, to): (UserId, UserId),
    everyone: &[UserId],
) -> Result<(), TestCaseError> {
    let d = &h.directory;
    let options = TransferOptions::default();
    let before = owners(h, district, everyone).await;
    let plan = d
        .plan_transfer(&h.admin, district, from, to, options)
        .await
        .unwrap();
    fault.armed.store(true, Ordering::SeqCst);
    let failed = d.apply_transfer(&h.admin, &plan).await;
    prop_assert_eq!(failed.map_err(|e| e.kind()), Err(ErrorKind::Unavailable));
    prop_assert_eq!(
        &owners(h, district, everyone).await,
        &before,
        "a failed write moved something"
    );
    // The same plan still applies: nothing it read has changed.
    let index = (
        index_of(h, district, from).await,
        index_of(h, district, to).await,
    );
    let report = d.apply_transfer(&h.admin, &plan).await.unwrap();
    let after = owners(h, district, everyone).await;
    prop_assert_eq!(after.len(), before.len(), "records lost or duplicated");
    let moved = before
        .iter()
        .filter(|(_, (owner, _))| *owner == from)
        .count() as u64;
    prop_assert_eq!(report.moved, moved);
    let written = before
        .values()
        .filter(|(_, author)| *author == Some(from))
        .count();
    prop_assert_eq!(report.authored, written as u64);
    let swap = |user: UserId| if user == from { to } else { user };
    for (id, (owner, author)) in &before {
        let expected = (swap(*owner), author.map(swap));
        prop_assert_eq!(after.get(id), Some(&expected));
    }
    // The authorship index went with it: nothing left with the source, none duplicated.
    prop_assert_eq!(index_of(h, district, from).await, 0);
    prop_assert_eq!(index_of(h, district, to).await, index.0 + index.1);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_transfer_and_its_reverse_restore_every_owner(
        source in holdings(),
        bystander in holdings(),
    ) {
        run_case(async move {
            let fault = Arc::new(Fault::default());
            let storage = Backend::Memory.storage().await;
            let hooked = Arc::new(Hooked::new(storage, SharedFault(fault.clone())));
            let h = Harness::over(Backend::Memory, hooked).await;
            let (district, units) = h.district_with_schools(&["Lincoln"]).await;
            let mut people = Vec::new();
            for first in ["Lee", "Ari", "Sam"] {
                let mut details = UserDetails::new(UserKind::Staff, first, "T").in_org_unit(units[0].id);
                details.aup_signed = true;
                details.fee_paid = true;
                people.push(h.member(district, details).await.id);
            }
            let (a, b, c) = (people[0], people[1], people[2]);
            give(&h, district, a, &source, "A").await;
            give(&h, district, c, &bystander, "C").await;
            // A wrote about the bystander, as a technician.
            h.grant(district, a, Preset::Technician, Scope::District).await;
            for i in 0..source.written {
                h.directory.add_note(&Actor::user(district, a), district, c, &format!("about C {i}")).await.unwrap();
            }
            let start = owners(&h, district, &people).await;

            transfer_through_a_fault(&h, &fault, district, (a, b), &people).await?;
            transfer_through_a_fault(&h, &fault, district, (b, a), &people).await?;
            prop_assert_eq!(owners(&h, district, &people).await, start);
            Ok(())
        })?;
    }
}

/// The fault, shared between the test and the store.
struct SharedFault(Arc<Fault>);

#[async_trait]
impl BeforeApply for SharedFault {
    async fn before_apply(&self) -> Result<(), StorageError> {
        self.0.before_apply().await
    }
}
