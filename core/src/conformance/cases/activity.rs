//! The activity log: entries read back exactly, newest first by `(at, id)`, paged by cursor,
//! one subject at a time.

use super::support::*;
use crate::activity::{ActivityAction, ActorRef, FieldChange};

/// Entries read back exactly as appended, newest first by `(at, id)` (equal times ordered by
/// id, highest first), whatever order they were appended in.
pub(super) async fn activity_is_read_back_newest_first(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let admin = fx.user(d.id, "Alan", "Admin").staff();
    seed_users(&*store, [&ada, &admin]).await;

    let mut detailed = fx.activity(d.id, ada.id, 4);
    detailed.actor = ActorRef {
        user: Some(admin.id),
        name: "Alan Admin".into(),
        acting_as: None,
    };
    detailed.on_behalf_of = Some(ActorRef {
        user: None,
        name: "Nightly SIS sync".into(),
        acting_as: None,
    });
    detailed.action = ActivityAction::StatusChanged;
    detailed.changes = vec![
        FieldChange {
            field: "status".into(),
            old: Some("active".into()),
            new: Some("inactive".into()),
        },
        FieldChange {
            field: "email".into(),
            old: None,
            new: Some("ada@x.org".into()),
        },
        FieldChange {
            field: "name.preferred".into(),
            old: Some("Countess ✓".into()),
            new: None,
        },
    ];
    let mut entries = vec![
        fx.activity(d.id, ada.id, 5),
        fx.activity(d.id, ada.id, 1),
        detailed,
        fx.activity(d.id, ada.id, 9),
        fx.activity(d.id, ada.id, 7),
        fx.activity(d.id, ada.id, 7),
        fx.activity(d.id, ada.id, 7),
        fx.activity(d.id, ada.id, -30),
    ];
    entries[1].action = ActivityAction::Created;
    // Appended in three sets, out of time order.
    seed(
        &*store,
        entries[..3].iter().cloned().map(Op::AppendActivity),
    )
    .await;
    seed(&*store, [Op::AppendActivity(entries[6].clone())]).await;
    seed(
        &*store,
        [3, 5, 4, 7].map(|i| Op::AppendActivity(entries[i].clone())),
    )
    .await;

    let log = activity_of(&*store, d.id, Subject::User(ada.id)).await;
    assert_eq!(log, newest_first(&entries));
    assert_eq!(log.first().map(|e| e.at), Some(Fixture::time(9)));
    assert!(
        log.windows(2)
            .all(|w| (w[0].at, w[0].id) > (w[1].at, w[1].id))
    );
    assert!(
        activity_of(&*store, d.id, Subject::User(admin.id))
            .await
            .is_empty()
    );
}

/// Pages of the log continue strictly after their cursor, `total` counts every entry of the
/// subject, and entries appended between pages never repeat or hide an existing one.
pub(super) async fn activity_pages_with_cursor_and_total(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    seed_users(&*store, [&ada]).await;
    let subject = Subject::User(ada.id);
    // Eleven entries, with ties on time so that pages end inside a tie.
    let entries: Vec<ActivityEntry> = (0..11).map(|i| fx.activity(d.id, ada.id, i / 2)).collect();
    seed(&*store, entries.iter().cloned().map(Op::AppendActivity)).await;
    let expected = newest_first(&entries);

    for limit in [0_u32, 1, 2, 3, 5, 10, 11, 12, u32::MAX] {
        let mut query = ActivityQuery {
            subject,
            after: None,
            limit,
        };
        let size = query.page_size();
        let mut seen = Vec::new();
        for _ in 0..=expected.len() {
            let page = activity(&*store, d.id, &query).await;
            assert_eq!(page.total, 11, "limit {limit}");
            assert_eq!(
                page.items.len(),
                size.min(expected.len() - seen.len()),
                "page length with limit {limit}"
            );
            seen.extend(page.items);
            match page.next {
                Some(next) => {
                    assert!(seen.len() < expected.len(), "next cursor on the last page");
                    query.after = Some(next);
                }
                None => break,
            }
        }
        assert_eq!(seen, expected, "limit {limit}");
    }

    // Read a first page, then append one entry newer than everything and one older than the
    // cursor: the next pages hold exactly the entries after the cursor, the older one included.
    let mut query = ActivityQuery {
        subject,
        after: None,
        limit: 4,
    };
    let first = activity(&*store, d.id, &query).await;
    assert_eq!(first.items, expected[..4]);
    query.after = first.next;
    assert!(query.after.is_some());
    let newer = fx.activity(d.id, ada.id, 100);
    let older = fx.activity(d.id, ada.id, -100);
    seed(
        &*store,
        [
            Op::AppendActivity(newer.clone()),
            Op::AppendActivity(older.clone()),
        ],
    )
    .await;
    let mut rest = Vec::new();
    for _ in 0..20 {
        let page = activity(&*store, d.id, &query).await;
        assert_eq!(page.total, 13);
        rest.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let mut after_cursor = expected[4..].to_vec();
    after_cursor.push(older);
    assert_eq!(rest, after_cursor);
    assert!(!rest.contains(&newer));

    // A cursor past the oldest entry gives an empty last page, with the total still counted.
    let oldest = rest.last().cloned().expect("the log is not empty");
    let past_end = activity(
        &*store,
        d.id,
        &ActivityQuery {
            subject,
            after: Some(ActivityCursor::after(&oldest)),
            limit: 5,
        },
    )
    .await;
    assert!(past_end.items.is_empty());
    assert!(past_end.next.is_none());
    assert_eq!(past_end.total, 13);
}

/// A subject's log holds its own entries only: other users', an org unit's and the district's
/// entries are left out, and a subject with no entries has an empty log.
pub(super) async fn activity_is_filtered_by_subject(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let grace = fx.user(d.id, "Grace", "Hopper");
    let quiet = fx.user(d.id, "Quinn", "Quiet");
    seed_users(&*store, [&ada, &grace, &quiet]).await;

    let ada_entries = vec![fx.activity(d.id, ada.id, 1), fx.activity(d.id, ada.id, 3)];
    let grace_entries = vec![
        fx.activity(d.id, grace.id, 2),
        fx.activity(d.id, grace.id, 3),
        fx.activity(d.id, grace.id, 4),
    ];
    let unit_entries = vec![fx.activity_about(d.id, Subject::OrgUnit(unit.id), 3)];
    let district_entries = vec![
        fx.activity_about(d.id, Subject::District, 0),
        fx.activity_about(d.id, Subject::District, 3),
    ];
    let all: Vec<ActivityEntry> = ada_entries
        .iter()
        .chain(&grace_entries)
        .chain(&unit_entries)
        .chain(&district_entries)
        .cloned()
        .collect();
    // Interleaved, in one set.
    let mut interleaved = all.clone();
    interleaved.sort_by_key(|e| (e.at, std::cmp::Reverse(e.id)));
    seed(&*store, interleaved.into_iter().map(Op::AppendActivity)).await;

    let s = &*store;
    assert_eq!(
        activity_of(s, d.id, Subject::User(ada.id)).await,
        newest_first(&ada_entries)
    );
    assert_eq!(
        activity_of(s, d.id, Subject::User(grace.id)).await,
        newest_first(&grace_entries)
    );
    assert_eq!(
        activity_of(s, d.id, Subject::OrgUnit(unit.id)).await,
        unit_entries
    );
    assert_eq!(
        activity_of(s, d.id, Subject::District).await,
        newest_first(&district_entries)
    );
    assert!(
        activity_of(s, d.id, Subject::User(quiet.id))
            .await
            .is_empty()
    );
    assert!(
        activity_of(s, d.id, Subject::User(fx.user_id()))
            .await
            .is_empty()
    );
    // The total of a small page still counts only the subject's entries.
    let page = activity(
        s,
        d.id,
        &ActivityQuery {
            subject: Subject::User(grace.id),
            after: None,
            limit: 1,
        },
    )
    .await;
    assert_eq!(page.total, 3);
    assert_eq!(page.items, newest_first(&grace_entries)[..1]);
}
