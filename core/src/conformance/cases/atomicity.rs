//! Change sets: ops apply in order, all or nothing, and the first failing op names the error.

use super::support::*;

/// A later op sees what an earlier op of the same set wrote: a user inserted and then updated,
/// or inserted and then deleted, in one set.
pub(super) async fn ops_apply_in_order_within_a_set(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.district("Maple Valley");
    let unit = fx.org_unit(d.id, "Lincoln", None);
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@x.org")
        .member_of(unit.id);
    let ada_v2 = ada.revised(|u| u.details.name.last = "King".into());
    let ada_v3 = ada_v2.revised(|u| *u = u.clone().email("countess@x.org"));
    let entry = fx.activity(d.id, ada.id, 1);
    seed(
        &*store,
        [
            Op::InsertDistrict(d.clone()),
            Op::InsertOrgUnit(unit.clone()),
            insert(&ada),
            update(&ada, &ada_v2),
            update(&ada_v2, &ada_v3),
            Op::AppendActivity(entry.clone()),
        ],
    )
    .await;
    assert_eq!(user(&*store, d.id, ada.id).await, Some(ada_v3.clone()));
    assert_eq!(by_key(&*store, d.id, email_key("ada@x.org")).await, None);
    assert_eq!(
        by_key(&*store, d.id, email_key("countess@x.org")).await,
        Some(ada_v3)
    );
    assert_eq!(
        activity_of(&*store, d.id, Subject::User(ada.id)).await,
        vec![entry]
    );

    // Inserted and deleted in one set: nothing remains, and the keys are free.
    let brief = fx.user(d.id, "Brief", "Visit").email("brief@x.org");
    seed(&*store, [insert(&brief), delete(&brief)]).await;
    assert_eq!(user(&*store, d.id, brief.id).await, None);
    let again = fx.user(d.id, "Second", "Visit").email("brief@x.org");
    seed_users(&*store, [&again]).await;
}

/// Within one set a user may give up an e-mail that a later op gives to another user; in the
/// opposite order the set fails, since the address is still taken when it is given.
pub(super) async fn email_can_move_between_users_in_one_set(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").email("office@x.org");
    let grace = fx.user(d.id, "Grace", "Hopper");
    seed_users(&*store, [&ada, &grace]).await;

    let ada_v2 = ada.revised(|u| *u = u.clone().email("ada@x.org"));
    let grace_v2 = grace.revised(|u| *u = u.clone().email("Office@X.org"));
    seed(&*store, [update(&ada, &ada_v2), update(&grace, &grace_v2)]).await;
    assert_eq!(
        by_key(&*store, d.id, email_key("office@x.org")).await,
        Some(grace_v2.clone())
    );
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await,
        Some(ada_v2.clone())
    );

    // Back again, but taking before giving up: Ada asks for the address while Grace holds it.
    let ada_v3 = ada_v2.revised(|u| *u = u.clone().email("office@x.org"));
    let grace_v3 = grace_v2.revised(|u| u.details.email = None);
    let err = refused(
        &*store,
        [update(&ada_v2, &ada_v3), update(&grace_v2, &grace_v3)],
    )
    .await;
    assert_already_exists(&err, Entity::User, UniqueKey::Email);
    assert_eq!(user(&*store, d.id, ada.id).await, Some(ada_v2));
    assert_eq!(user(&*store, d.id, grace.id).await, Some(grace_v2));
}

/// A set whose last op collides on a key leaves nothing of its earlier ops: inserted rows
/// absent, updated rows unchanged, deleted rows present, activity not appended, keys free.
pub(super) async fn failed_set_leaves_nothing_behind_on_duplicate_key(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.coded_org_unit(d.id, "Lincoln", "LMS", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let bea = fx
        .user(d.id, "Bea", "Before")
        .email("bea@x.org")
        .local_id("B-1");
    let dan = fx.user(d.id, "Dan", "Doomed").email("dan@x.org");
    let zed = fx.user(d.id, "Zed", "Holder").email("zed@x.org");
    seed_users(&*store, [&bea, &dan, &zed]).await;

    let ann = fx
        .user(d.id, "Ann", "Added")
        .email("ann@x.org")
        .local_id("A-1")
        .member_of(unit.id);
    let bea_v2 = bea.revised(|u| {
        u.details.name.last = "Changed".into();
        *u = u.clone().email("bea.new@x.org").local_id("B-2");
    });
    let new_unit = fx.coded_org_unit(d.id, "Annex", "ANX", Some(unit.id));
    let unit_v2 = OrgUnit {
        name: "Renamed".into(),
        version: unit.version.next(),
        ..unit.clone()
    };
    let entry = fx.activity(d.id, bea.id, 3);
    let clash = fx.user(d.id, "Cal", "Clash").email("ZED@x.org");
    let err = refused(
        &*store,
        [
            insert(&ann),
            update(&bea, &bea_v2),
            delete(&dan),
            Op::InsertOrgUnit(new_unit.clone()),
            Op::UpdateOrgUnit {
                org_unit: unit_v2,
                expected: unit.version,
            },
            Op::AppendActivity(entry),
            insert(&clash),
        ],
    )
    .await;
    assert_already_exists(&err, Entity::User, UniqueKey::Email);

    assert_nothing_changed(&*store, &snapshot(d.id, &unit, &bea, &dan, &zed)).await;
    assert_eq!(user(&*store, d.id, ann.id).await, None);
    assert_eq!(user(&*store, d.id, clash.id).await, None);
    for gone in [
        email_key("ann@x.org"),
        local_id_key("A-1"),
        email_key("bea.new@x.org"),
        local_id_key("B-2"),
    ] {
        assert_eq!(by_key(&*store, d.id, gone).await, None);
    }
    let members = UserQuery {
        org_units: units(&[unit.id]),
        ..everyone()
    };
    assert!(found(&*store, d.id, &members).await.is_empty());
    assert!(found(&*store, d.id, &text("changed")).await.is_empty());

    // Every key the failed set would have taken is still free.
    let ann_again = fx
        .user(d.id, "Ann", "Again")
        .email("ann@x.org")
        .local_id("A-1");
    let takes_bea_new = fx
        .user(d.id, "Other", "Person")
        .email("bea.new@x.org")
        .local_id("B-2");
    seed_users(&*store, [&ann_again, &takes_bea_new]).await;
    seed(
        &*store,
        [Op::InsertOrgUnit(
            fx.coded_org_unit(d.id, "Annex", "anx", None),
        )],
    )
    .await;
}

/// A set whose last op expects a stale version leaves nothing of its earlier ops.
pub(super) async fn failed_set_leaves_nothing_behind_on_stale_version(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let bea = fx.user(d.id, "Bea", "Before").email("bea@x.org");
    let dan = fx.user(d.id, "Dan", "Doomed").email("dan@x.org");
    let zed = fx.user(d.id, "Zed", "Holder").email("zed@x.org");
    seed_users(&*store, [&bea, &dan, &zed]).await;
    // Zed moves on to version 2; the failing op below still expects version 1.
    let zed_v2 = zed.revised(|u| u.status = RecordStatus::Inactive);
    seed(&*store, [update(&zed, &zed_v2)]).await;

    let ann = fx.user(d.id, "Ann", "Added").email("ann@x.org");
    let bea_v2 = bea.revised(|u| *u = u.clone().email("bea.new@x.org"));
    let entry = fx.activity(d.id, bea.id, 3);
    let zed_late = zed.revised(|u| u.details.name.last = "Late".into());
    let err = refused(
        &*store,
        [
            insert(&ann),
            update(&bea, &bea_v2),
            delete(&dan),
            Op::AppendActivity(entry),
            update(&zed, &zed_late),
        ],
    )
    .await;
    assert_conflict(&err, Entity::User);

    assert_nothing_changed(&*store, &snapshot(d.id, &unit, &bea, &dan, &zed_v2)).await;
    assert_eq!(user(&*store, d.id, ann.id).await, None);
    assert_eq!(by_key(&*store, d.id, email_key("ann@x.org")).await, None);
    assert_eq!(
        by_key(&*store, d.id, email_key("bea.new@x.org")).await,
        None
    );
    let ann_again = fx.user(d.id, "Ann", "Again").email("ann@x.org");
    seed_users(&*store, [&ann_again]).await;
}

/// A set that creates a district and fails later leaves no district behind: not by id, not by
/// name, and the name is free.
pub(super) async fn failed_set_does_not_create_its_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let fresh = fx.district("Fresh Start");
    let unit = fx.org_unit(fresh.id, "First School", None);
    let ada = fx.user(fresh.id, "Ada", "Lovelace").email("ada@x.org");
    let ghost = fx.district("Ghost");
    let lost = fx.user(ghost.id, "Lost", "Soul");
    let err = refused(
        &*store,
        [
            Op::InsertDistrict(fresh.clone()),
            Op::InsertOrgUnit(unit.clone()),
            insert(&ada),
            insert(&lost),
        ],
    )
    .await;
    assert_not_found(&err);

    assert_eq!(store.district(fresh.id).await.unwrap(), None);
    assert_eq!(store.district_by_name("fresh start").await.unwrap(), None);
    assert!(org_units(&*store, fresh.id).await.is_empty());
    assert_eq!(user(&*store, fresh.id, ada.id).await, None);

    // Now it can be created for real, and is empty.
    seed(&*store, [Op::InsertDistrict(fresh.clone())]).await;
    assert!(org_units(&*store, fresh.id).await.is_empty());
    assert_eq!(user(&*store, fresh.id, ada.id).await, None);
    assert_eq!(
        by_key(&*store, fresh.id, email_key("ada@x.org")).await,
        None
    );
    assert_eq!(search(&*store, fresh.id, &everyone()).await.total, 0);
}

/// When several ops of a set would fail, the error is the first one's.
pub(super) async fn first_failing_op_decides_the_error(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").email("ada@x.org");
    seed_users(&*store, [&ada]).await;

    let stale = User {
        version: Version::new(5),
        ..ada.clone()
    };
    let conflicting = update(&stale, &stale.revised(|u| u.details.name.last = "X".into()));
    let duplicate = insert(&fx.user(d.id, "Dup", "Licate").email("ADA@x.org"));
    let ghost = fx.user(d.id, "Casper", "Friendly");
    let missing = delete(&ghost);

    let err = refused(&*store, [conflicting.clone(), duplicate.clone()]).await;
    assert_conflict(&err, Entity::User);
    let err = refused(&*store, [duplicate.clone(), conflicting.clone()]).await;
    assert_already_exists(&err, Entity::User, UniqueKey::Email);
    let err = refused(&*store, [missing.clone(), conflicting.clone()]).await;
    assert_not_found(&err);
    let err = refused(&*store, [conflicting, missing]).await;
    assert_conflict(&err, Entity::User);

    assert_eq!(user(&*store, d.id, ada.id).await, Some(ada));
}

/// What a district looked like before a failed set.
struct Before {
    district: DistrictId,
    unit: OrgUnit,
    users: Vec<User>,
}

fn snapshot(district: DistrictId, unit: &OrgUnit, bea: &User, dan: &User, zed: &User) -> Before {
    Before {
        district,
        unit: unit.clone(),
        users: vec![bea.clone(), dan.clone(), zed.clone()],
    }
}

/// Fails unless the district reads exactly as `before`: the same org units, the same users
/// (by id, key and search) and no activity about any of them.
async fn assert_nothing_changed(store: &dyn Storage, before: &Before) {
    let d = before.district;
    assert_eq!(org_units(store, d).await, vec![before.unit.clone()]);
    for u in &before.users {
        assert_eq!(user(store, d, u.id).await.as_ref(), Some(u));
        if let Some(email) = &u.details.email {
            assert_eq!(
                by_key(store, d, UserKey::Email(email.key())).await.as_ref(),
                Some(u)
            );
        }
        if let Some(local_id) = &u.details.local_id {
            assert_eq!(
                by_key(store, d, local_id_key(local_id.as_str()))
                    .await
                    .as_ref(),
                Some(u)
            );
        }
        assert!(activity_of(store, d, Subject::User(u.id)).await.is_empty());
    }
    let listed = search_all(store, d, &everyone()).await;
    assert_eq!(listed, in_listing_order(&before.users));
}
