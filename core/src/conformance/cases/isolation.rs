//! Districts are tenants: no read or write crosses from one to another.

use super::support::*;

/// Two districts with look-alike rows: the same names, keys and org unit codes.
struct TwoDistricts {
    a: DistrictId,
    b: DistrictId,
    a_unit: OrgUnit,
    b_unit: OrgUnit,
    a_users: Vec<User>,
    b_users: Vec<User>,
}

async fn two_districts(store: &dyn Storage, fx: &mut Fixture) -> TwoDistricts {
    let a = fx.seed_district(store, "Maple Valley").await.id;
    let b = fx.seed_district(store, "Cedar Hills").await.id;
    let a_unit = fx.coded_org_unit(a, "Lincoln", "LMS", None);
    let b_unit = fx.coded_org_unit(b, "Lincoln", "LMS", None);
    seed(
        store,
        [
            Op::InsertOrgUnit(a_unit.clone()),
            Op::InsertOrgUnit(b_unit.clone()),
        ],
    )
    .await;
    let a_users = vec![
        fx.user(a, "Ada", "Lovelace")
            .local_id("00123")
            .email("ada@x.org")
            .username("ada")
            .member_of(a_unit.id),
        fx.user(a, "Adam", "Smith").member_of(a_unit.id),
        fx.user(a, "Grace", "Hopper").staff(),
    ];
    let b_users = vec![
        fx.user(b, "Ada", "Byron")
            .local_id("00999")
            .email("ada.b@x.org")
            .username("adab")
            .member_of(b_unit.id),
    ];
    seed_users(store, &a_users).await;
    seed_users(store, &b_users).await;
    TwoDistricts {
        a,
        b,
        a_unit,
        b_unit,
        a_users,
        b_users,
    }
}

/// A user of district A is not found from district B: not by id, not by key, not in a batch.
pub(super) async fn users_are_invisible_from_other_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let t = two_districts(&*store, &mut fx).await;
    let ada = &t.a_users[0];

    assert_eq!(user(&*store, t.a, ada.id).await.as_ref(), Some(ada));
    assert_eq!(user(&*store, t.b, ada.id).await, None);
    for key in [
        local_id_key("00123"),
        email_key("ada@x.org"),
        username_key("ada"),
    ] {
        assert_eq!(by_key(&*store, t.b, key.clone()).await, None, "{key:?}");
        assert_eq!(by_key(&*store, t.a, key).await.as_ref(), Some(ada));
    }
    let a_ids = ids(&t.a_users);
    assert!(store.users(t.b, &a_ids).await.unwrap().is_empty());
    let mixed = [a_ids[0], t.b_users[0].id];
    assert_eq!(store.users(t.b, &mixed).await.unwrap(), t.b_users);
    assert_eq!(
        store.users(t.a, &mixed).await.unwrap(),
        vec![t.a_users[0].clone()]
    );
}

/// A search in district B never returns district A's users, whatever the filter.
pub(super) async fn search_never_crosses_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let t = two_districts(&*store, &mut fx).await;
    let b_ids = ids(&t.b_users);

    assert_eq!(found(&*store, t.b, &everyone()).await, b_ids);
    assert_eq!(found(&*store, t.b, &text("ada")).await, b_ids);
    assert!(found(&*store, t.b, &text("lovelace")).await.is_empty());
    assert!(found(&*store, t.b, &text("00123")).await.is_empty());
    let staff = UserQuery {
        kind: Some(UserKind::Staff),
        ..everyone()
    };
    assert!(found(&*store, t.b, &staff).await.is_empty());
    // A's org unit id, asked of B (as a filter and as a scope), matches nobody there.
    let a_members = UserQuery {
        org_units: units(&[t.a_unit.id]),
        ..everyone()
    };
    assert!(found(&*store, t.b, &a_members).await.is_empty());
    let a_scope = UserQuery {
        scope: units(&[t.a_unit.id]),
        ..everyone()
    };
    assert!(found(&*store, t.b, &a_scope).await.is_empty());

    // And A sees its own, all of them.
    let a_all = search_all(&*store, t.a, &everyone()).await;
    assert_eq!(a_all, in_listing_order(&t.a_users));
    assert_eq!(found(&*store, t.a, &text("ada")).await.len(), 2);
}

/// District B's activity log never shows district A's entries, even for A's subjects.
pub(super) async fn activity_never_crosses_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let t = two_districts(&*store, &mut fx).await;
    let ada = &t.a_users[0];
    let a_entries = [
        fx.activity(t.a, ada.id, 1),
        fx.activity(t.a, ada.id, 2),
        fx.activity_about(t.a, Subject::District, 3),
        fx.activity_about(t.a, Subject::OrgUnit(t.a_unit.id), 4),
    ];
    let b_district = fx.activity_about(t.b, Subject::District, 5);
    seed(&*store, a_entries.iter().cloned().map(Op::AppendActivity)).await;
    seed(&*store, [Op::AppendActivity(b_district.clone())]).await;

    assert!(
        activity_of(&*store, t.b, Subject::User(ada.id))
            .await
            .is_empty()
    );
    assert!(
        activity_of(&*store, t.b, Subject::OrgUnit(t.a_unit.id))
            .await
            .is_empty()
    );
    assert_eq!(
        activity_of(&*store, t.b, Subject::District).await,
        vec![b_district]
    );
    assert_eq!(
        activity_of(&*store, t.a, Subject::District).await,
        vec![a_entries[2].clone()]
    );
    assert_eq!(
        activity_of(&*store, t.a, Subject::User(ada.id)).await,
        newest_first(&a_entries[..2])
    );
}

/// `org_units(B)` lists B's units only.
pub(super) async fn org_units_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let t = two_districts(&*store, &mut fx).await;
    let a_more = fx.org_unit(t.a, "Annex", Some(t.a_unit.id));
    seed(&*store, [Op::InsertOrgUnit(a_more.clone())]).await;

    assert_eq!(org_units(&*store, t.b).await, vec![t.b_unit.clone()]);
    assert_eq!(
        org_units(&*store, t.a).await,
        sorted_by_id(&[t.a_unit.clone(), a_more], |u| u.id)
    );
    let empty = fx.seed_district(&*store, "Empty Hollow").await;
    assert!(org_units(&*store, empty.id).await.is_empty());
}

/// An update or delete that names district B cannot touch a row of district A: it is
/// `NotFound`, and A's row is unchanged.
pub(super) async fn writes_cannot_reach_into_another_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let t = two_districts(&*store, &mut fx).await;
    let ada = t.a_users[0].clone();

    let moved = ada.revised(|u| {
        u.district = t.b;
        u.details.name.last = "Hijacked".into();
    });
    let err = refused(&*store, [update(&ada, &moved)]).await;
    assert_not_found(&err);

    let err = refused(
        &*store,
        [Op::DeleteUser {
            district: t.b,
            id: ada.id,
            expected: ada.version,
        }],
    )
    .await;
    assert_not_found(&err);

    let unit_moved = OrgUnit {
        district: t.b,
        name: "Hijacked".into(),
        version: t.a_unit.version.next(),
        ..t.a_unit.clone()
    };
    let err = refused(
        &*store,
        [Op::UpdateOrgUnit {
            org_unit: unit_moved,
            expected: t.a_unit.version,
        }],
    )
    .await;
    assert_not_found(&err);

    assert_eq!(user(&*store, t.a, ada.id).await, Some(ada.clone()));
    assert_eq!(user(&*store, t.b, ada.id).await, None);
    assert_eq!(org_units(&*store, t.a).await, vec![t.a_unit.clone()]);
    assert_eq!(org_units(&*store, t.b).await, vec![t.b_unit.clone()]);
    assert_eq!(found(&*store, t.b, &everyone()).await, ids(&t.b_users));
}
