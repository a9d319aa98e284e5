//! Search filters: kind, grade, org units, scope, statuses and access, alone and together,
//! and agreement with [`UserQuery::matches`] as the reference.

use std::collections::BTreeSet;

use super::support::*;

/// Kind and grade filters match exactly, and combine with AND.
pub(super) async fn search_filters_by_kind_and_grade(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let sixth = fx.user(d.id, "Sam", "Sixth").grade("6");
    let twelfth = fx.user(d.id, "Tia", "Twelfth").grade("12");
    let kinder = fx.user(d.id, "Kim", "Kinder").grade("K");
    let tk = fx.user(d.id, "Tom", "Transitional").grade("TK");
    let ungraded = fx.user(d.id, "Una", "Graded");
    let teacher = fx.user(d.id, "Tess", "Teacher").staff();
    let graded_staff = fx.user(d.id, "Gus", "Aide").staff().grade("6");
    seed_users(
        &*store,
        [
            &sixth,
            &twelfth,
            &kinder,
            &tk,
            &ungraded,
            &teacher,
            &graded_staff,
        ],
    )
    .await;
    let s = &*store;
    let kind = |kind| UserQuery {
        kind: Some(kind),
        ..everyone()
    };
    let grade = |grade: Grade| UserQuery {
        grade: Some(grade),
        ..everyone()
    };

    assert_finds(s, d.id, &kind(UserKind::Staff), &[&teacher, &graded_staff]).await;
    assert_finds(
        s,
        d.id,
        &kind(UserKind::Student),
        &[&sixth, &twelfth, &kinder, &tk, &ungraded],
    )
    .await;
    assert_finds(
        s,
        d.id,
        &grade(Grade::Numbered(6)),
        &[&sixth, &graded_staff],
    )
    .await;
    assert_finds(s, d.id, &grade(Grade::Numbered(12)), &[&twelfth]).await;
    assert_finds(s, d.id, &grade(Grade::Numbered(1)), &[]).await;
    assert_finds(s, d.id, &grade(Grade::Kindergarten), &[&kinder]).await;
    assert_finds(s, d.id, &grade(Grade::PreKindergarten), &[]).await;
    assert_finds(s, d.id, &grade(Grade::Other("TK".into())), &[&tk]).await;
    let staff_sixth = UserQuery {
        kind: Some(UserKind::Staff),
        grade: Some(Grade::Numbered(6)),
        ..everyone()
    };
    assert_finds(s, d.id, &staff_sixth, &[&graded_staff]).await;
    let student_sixth = UserQuery {
        kind: Some(UserKind::Student),
        ..staff_sixth.clone()
    };
    assert_finds(s, d.id, &student_sixth, &[&sixth]).await;
    let text_and_kind = UserQuery {
        kind: Some(UserKind::Staff),
        ..text("t")
    };
    assert_finds(s, d.id, &text_and_kind, &[&teacher]).await;
}

/// Three org units and users in none, one or several of them.
struct Memberships {
    north: OrgUnitId,
    south: OrgUnitId,
    east: OrgUnitId,
    empty: OrgUnitId,
    n: User,
    s: User,
    ns: User,
    e: User,
    none: User,
}

async fn memberships(store: &dyn Storage, fx: &mut Fixture, d: DistrictId) -> Memberships {
    let north = fx.org_unit(d, "North", None);
    let south = fx.org_unit(d, "South", None);
    let east = fx.org_unit(d, "East", None);
    let empty = fx.org_unit(d, "Empty", None);
    seed(
        store,
        [&north, &south, &east, &empty].map(|u| Op::InsertOrgUnit(u.clone())),
    )
    .await;
    let m = Memberships {
        north: north.id,
        south: south.id,
        east: east.id,
        empty: empty.id,
        n: fx.user(d, "Nora", "North").member_of(north.id),
        s: fx.user(d, "Sam", "South").member_of(south.id),
        ns: fx
            .user(d, "Nico", "Both")
            .member_of(north.id)
            .member_of(south.id),
        e: fx.user(d, "Eve", "East").member_of(east.id).staff(),
        none: fx.user(d, "Ned", "Nowhere"),
    };
    seed_users(store, [&m.n, &m.s, &m.ns, &m.e, &m.none]).await;
    m
}

/// The org units filter matches members of any of the units, each user once; an empty set
/// matches nobody.
pub(super) async fn search_filters_by_org_units_any_of(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let m = memberships(&*store, &mut fx, d.id).await;
    let s = &*store;
    let of = |ids: &[OrgUnitId]| UserQuery {
        org_units: units(ids),
        ..everyone()
    };

    assert_finds(s, d.id, &of(&[m.north]), &[&m.n, &m.ns]).await;
    assert_finds(s, d.id, &of(&[m.south]), &[&m.s, &m.ns]).await;
    assert_finds(s, d.id, &of(&[m.north, m.south]), &[&m.n, &m.s, &m.ns]).await;
    assert_finds(
        s,
        d.id,
        &of(&[m.north, m.south, m.east]),
        &[&m.n, &m.s, &m.ns, &m.e],
    )
    .await;
    assert_finds(s, d.id, &of(&[m.empty]), &[]).await;
    assert_finds(s, d.id, &of(&[]), &[]).await;
    let north_staff = UserQuery {
        kind: Some(UserKind::Staff),
        ..of(&[m.north, m.east])
    };
    assert_finds(s, d.id, &north_staff, &[&m.e]).await;
    let north_text = UserQuery {
        text: Some("n".into()),
        ..of(&[m.north, m.south])
    };
    assert_finds(s, d.id, &north_text, &[&m.n, &m.ns]).await;
}

/// The scope matches members of any of its units; with an org units filter too, a user must
/// be in both (AND), each by any of its units (OR).
pub(super) async fn search_filters_by_scope_alone_and_with_org_units(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let m = memberships(&*store, &mut fx, d.id).await;
    let s = &*store;
    let scoped = |scope: &[OrgUnitId], filter: Option<&[OrgUnitId]>| UserQuery {
        scope: units(scope),
        org_units: filter.and_then(units),
        ..everyone()
    };

    assert_finds(s, d.id, &scoped(&[m.north], None), &[&m.n, &m.ns]).await;
    assert_finds(
        s,
        d.id,
        &scoped(&[m.north, m.east], None),
        &[&m.n, &m.ns, &m.e],
    )
    .await;
    assert_finds(s, d.id, &scoped(&[], None), &[]).await;
    assert_finds(s, d.id, &scoped(&[m.empty], None), &[]).await;
    assert_finds(s, d.id, &scoped(&[m.north], Some(&[m.south])), &[&m.ns]).await;
    assert_finds(s, d.id, &scoped(&[m.south], Some(&[m.north])), &[&m.ns]).await;
    assert_finds(s, d.id, &scoped(&[m.east], Some(&[m.north])), &[]).await;
    assert_finds(
        s,
        d.id,
        &scoped(&[m.north, m.south], Some(&[m.south, m.east])),
        &[&m.s, &m.ns],
    )
    .await;
    assert_finds(s, d.id, &scoped(&[m.north], Some(&[])), &[]).await;
    let everyone_but_scope = UserQuery {
        scope: None,
        ..everyone()
    };
    assert_finds(
        s,
        d.id,
        &everyone_but_scope,
        &[&m.n, &m.s, &m.ns, &m.e, &m.none],
    )
    .await;
}

/// The statuses filter matches any status of its set (an empty set matches nobody); the
/// access filter matches the kind of access, whatever a lock's details.
pub(super) async fn search_filters_by_status_and_access(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let active = fx.user(d.id, "Ava", "Active");
    let inactive = fx
        .user(d.id, "Ian", "Inactive")
        .status(RecordStatus::Inactive);
    let archived = fx
        .user(d.id, "Archie", "Archived")
        .status(RecordStatus::Archived);
    let suspended = fx.user(d.id, "Sue", "Suspended").access(Access::Suspended);
    let locked_until = fx
        .user(d.id, "Lou", "Locked")
        .status(RecordStatus::Inactive)
        .access(Access::Locked {
            until: Some(Fixture::time(60)),
            reason: "failed sign-ins".into(),
        });
    let locked = fx.user(d.id, "Lee", "Locked").access(Access::Locked {
        until: None,
        reason: "admin".into(),
    });
    seed_users(
        &*store,
        [
            &active,
            &inactive,
            &archived,
            &suspended,
            &locked_until,
            &locked,
        ],
    )
    .await;
    let s = &*store;
    let statuses = |set: &[RecordStatus]| UserQuery {
        statuses: Some(set.iter().copied().collect()),
        ..everyone()
    };
    let access = |kind| UserQuery {
        access: Some(kind),
        ..everyone()
    };

    assert_finds(
        s,
        d.id,
        &statuses(&[RecordStatus::Active]),
        &[&active, &suspended, &locked],
    )
    .await;
    assert_finds(
        s,
        d.id,
        &statuses(&[RecordStatus::Inactive, RecordStatus::Archived]),
        &[&inactive, &archived, &locked_until],
    )
    .await;
    assert_finds(s, d.id, &statuses(&[RecordStatus::Archived]), &[&archived]).await;
    assert_finds(
        s,
        d.id,
        &statuses(&RecordStatus::ALL),
        &[
            &active,
            &inactive,
            &archived,
            &suspended,
            &locked_until,
            &locked,
        ],
    )
    .await;
    assert_finds(s, d.id, &statuses(&[]), &[]).await;
    assert_finds(
        s,
        d.id,
        &access(AccessKind::Allowed),
        &[&active, &inactive, &archived],
    )
    .await;
    assert_finds(s, d.id, &access(AccessKind::Suspended), &[&suspended]).await;
    assert_finds(
        s,
        d.id,
        &access(AccessKind::Locked),
        &[&locked_until, &locked],
    )
    .await;
    let active_locked = UserQuery {
        access: Some(AccessKind::Locked),
        ..statuses(&[RecordStatus::Active])
    };
    assert_finds(s, d.id, &active_locked, &[&locked]).await;
}

/// Search agrees with [`UserQuery::matches`] and `(sort_key, id)` order over a varied
/// population and a spread of queries, in one page, page by page and all at once
/// ([`Storage::matching_users`]).
pub(super) async fn search_agrees_with_reference_matching(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit_rows: Vec<OrgUnit> = ["North", "South", "East", "West"]
        .iter()
        .map(|name| fx.org_unit(d.id, name, None))
        .collect();
    seed(&*store, unit_rows.iter().cloned().map(Op::InsertOrgUnit)).await;
    let unit_ids: Vec<OrgUnitId> = unit_rows.iter().map(|u| u.id).collect();

    const FIRST: [&str; 8] = ["Ada", "Adam", "Grace", "Alan", "Émile", "Bo", "Li", "Ana"];
    const LAST: [&str; 7] = [
        "Lovelace", "Hopper", "Turing", "Lee", "Leeds", "de Vries", "Öz",
    ];
    const GRADES: [Option<&str>; 5] = [None, Some("K"), Some("6"), Some("12"), Some("TK")];
    let mut seed_state: u64 = 0x5eed;
    let mut roll = move |n: usize| {
        seed_state = seed_state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed_state >> 33) as usize) % n
    };
    let mut users = Vec::new();
    for i in 0..40 {
        let mut u = fx.user(d.id, FIRST[roll(FIRST.len())], LAST[roll(LAST.len())]);
        if roll(3) == 0 {
            u = u.staff();
        }
        if let Some(grade) = GRADES[roll(GRADES.len())] {
            u = u.grade(grade);
        }
        if roll(4) == 0 {
            u = u.preferred(["Bobby", "Al", "Gee"][roll(3)]);
        }
        if roll(2) == 0 {
            u = u.email(&format!("user{i}@school{}.org", roll(3)));
        }
        if roll(2) == 0 {
            u = u.local_id(&format!("{:05}", i * 7));
        }
        if roll(3) == 0 {
            u = u.username(&format!("u{i}"));
        }
        for unit in &unit_ids {
            if roll(3) == 0 {
                u = u.member_of(*unit);
            }
        }
        u = u.status(RecordStatus::ALL[roll(3)]);
        u = u.access(match roll(4) {
            0 => Access::Suspended,
            1 => Access::Locked {
                until: Some(Fixture::time(5)),
                reason: "test".into(),
            },
            _ => Access::Allowed,
        });
        users.push(u);
    }
    seed_users(&*store, &users).await;

    let set = |picks: &[usize]| units(&picks.iter().map(|&i| unit_ids[i]).collect::<Vec<_>>());
    let statuses = |s: &[RecordStatus]| Some(s.iter().copied().collect::<BTreeSet<_>>());
    let queries = vec![
        UserQuery::default(),
        UserQuery {
            text: Some("a".into()),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("ada".into()),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("le".into()),
            kind: Some(UserKind::Student),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("user1".into()),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("000".into()),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("é".into()),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some(String::new()),
            ..UserQuery::default()
        },
        UserQuery {
            kind: Some(UserKind::Staff),
            statuses: statuses(&[RecordStatus::Active]),
            ..UserQuery::default()
        },
        UserQuery {
            grade: Some(Grade::Numbered(6)),
            ..UserQuery::default()
        },
        UserQuery {
            org_units: set(&[0, 2]),
            ..UserQuery::default()
        },
        UserQuery {
            org_units: set(&[1]),
            scope: set(&[0, 3]),
            access: Some(AccessKind::Allowed),
            ..UserQuery::default()
        },
        UserQuery {
            scope: set(&[2]),
            statuses: statuses(&[RecordStatus::Inactive, RecordStatus::Archived]),
            ..UserQuery::default()
        },
        UserQuery {
            text: Some("l".into()),
            scope: set(&[0, 1, 2, 3]),
            access: Some(AccessKind::Locked),
            ..UserQuery::default()
        },
    ];
    for query in queries {
        let expected = reference(&users, &query);
        let whole = search(
            &*store,
            d.id,
            &UserQuery {
                limit: 1000,
                ..query.clone()
            },
        )
        .await;
        assert_eq!(ids(&whole.items), ids(&expected), "{query:?}");
        assert_eq!(whole.items, expected, "{query:?}");
        assert_eq!(whole.total, expected.len() as u64, "{query:?}");
        for limit in [1, 7] {
            let paged = search_all(
                &*store,
                d.id,
                &UserQuery {
                    limit,
                    ..query.clone()
                },
            )
            .await;
            assert_eq!(ids(&paged), ids(&expected), "{query:?} with limit {limit}");
        }
        // All at once: the cursor and the limit are ignored.
        let after = expected.first().map(UserCursor::after);
        let all = UserQuery {
            limit: 1,
            after,
            ..query.clone()
        };
        let read = store.matching_users(d.id, &all).await.unwrap();
        assert_eq!(read, expected, "matching_users {query:?}");
    }
}
