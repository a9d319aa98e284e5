//! Districts and org units: rows read back exactly, unique names and codes, versioned updates,
//! and rows that name a district that does not exist.

use super::support::*;
use crate::model::{District, OrgUnitKind};

/// A district reads back by id and by its name key.
pub(super) async fn insert_district_then_read(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.district("Maple Valley");
    store
        .apply(ChangeSet::new().with(Op::InsertDistrict(district.clone())))
        .await
        .unwrap();
    assert_eq!(
        store.district(district.id).await.unwrap(),
        Some(district.clone())
    );
    assert_eq!(
        store.district_by_name("maple valley").await.unwrap(),
        Some(district)
    );
    assert_eq!(
        store.district(fx.district("Nowhere").id).await.unwrap(),
        None
    );
    assert_eq!(store.district_by_name("nowhere").await.unwrap(), None);
}

/// A district name is unique across the installation by its name key (trimmed, any case).
pub(super) async fn district_name_is_unique_regardless_of_case(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;

    for name in ["MAPLE VALLEY", "maple valley", "  Maple Valley "] {
        let twin = fx.district(name);
        let err = refused(&*store, [Op::InsertDistrict(twin.clone())]).await;
        assert_already_exists(&err, Entity::District, UniqueKey::DistrictName);
        assert_eq!(store.district(twin.id).await.unwrap(), None);
    }
    assert_eq!(
        store.district_by_name("maple valley").await.unwrap(),
        Some(maple)
    );

    // A different name is fine, and so is a rename onto a free name but not onto a taken one.
    let cedar = fx.seed_district(&*store, "Cedar Hills").await;
    let onto_maple = District {
        name: "Maple valley".into(),
        version: cedar.version.next(),
        ..cedar.clone()
    };
    let err = refused(
        &*store,
        [Op::UpdateDistrict {
            district: onto_maple,
            expected: cedar.version,
        }],
    )
    .await;
    assert_already_exists(&err, Entity::District, UniqueKey::DistrictName);
    assert_eq!(store.district(cedar.id).await.unwrap(), Some(cedar));
}

/// After a rename the district is found by its new name only, and the old name is free.
pub(super) async fn renamed_district_is_found_by_its_new_name_only(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;
    let renamed = District {
        name: "Maple Valley Unified".into(),
        version: maple.version.next(),
        ..maple.clone()
    };
    seed(
        &*store,
        [Op::UpdateDistrict {
            district: renamed.clone(),
            expected: maple.version,
        }],
    )
    .await;

    assert_eq!(
        store.district(maple.id).await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(
        store
            .district_by_name("maple valley unified")
            .await
            .unwrap(),
        Some(renamed)
    );
    assert_eq!(store.district_by_name("maple valley").await.unwrap(), None);

    let newcomer = fx.seed_district(&*store, "Maple Valley").await;
    assert_eq!(
        store.district_by_name("maple valley").await.unwrap(),
        Some(newcomer)
    );
}

/// District updates are checked against the stored version and need the district to exist.
pub(super) async fn stale_district_update_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;
    let mut v2 = maple.clone();
    v2.settings.custom_grades.insert("TK".into());
    v2.version = maple.version.next();
    seed(
        &*store,
        [Op::UpdateDistrict {
            district: v2.clone(),
            expected: maple.version,
        }],
    )
    .await;

    // From the version read before the update, and from a version never stored.
    for expected in [Version::FIRST, Version::new(7)] {
        let mut stale = v2.clone();
        stale.name = "Stale Name".into();
        stale.version = expected.next();
        let err = refused(
            &*store,
            [Op::UpdateDistrict {
                district: stale,
                expected,
            }],
        )
        .await;
        assert_conflict(&err, Entity::District);
    }
    assert_eq!(store.district(maple.id).await.unwrap(), Some(v2));

    let ghost = fx.district("Ghost");
    let err = refused(
        &*store,
        [Op::UpdateDistrict {
            district: District {
                version: ghost.version.next(),
                ..ghost.clone()
            },
            expected: ghost.version,
        }],
    )
    .await;
    assert_not_found(&err);
    assert_eq!(store.district(ghost.id).await.unwrap(), None);
}

/// `org_units` returns exactly the rows written, and after a rename, recode and move, exactly
/// the new rows.
pub(super) async fn org_units_read_back_exactly_after_rename_and_move(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let north = fx.org_unit(d.id, "North Region", None);
    let lincoln = fx.coded_org_unit(d.id, "Lincoln Middle", "LMS", Some(north.id));
    let mut science = fx.org_unit(d.id, "Science", Some(lincoln.id));
    science.kind = OrgUnitKind::Department;
    let south = fx.org_unit(d.id, "South Region", None);
    seed(
        &*store,
        [&north, &lincoln, &science, &south].map(|u| Op::InsertOrgUnit(u.clone())),
    )
    .await;
    assert_eq!(
        org_units(&*store, d.id).await,
        sorted_by_id(
            &[
                north.clone(),
                lincoln.clone(),
                science.clone(),
                south.clone()
            ],
            |u| u.id
        )
    );

    // Rename and recode Lincoln and move it under South; move Science to the top.
    let lincoln_v2 = OrgUnit {
        name: "Lincoln Middle School".into(),
        code: Some("LINC".into()),
        parent: Some(south.id),
        kind: OrgUnitKind::Local,
        version: lincoln.version.next(),
        ..lincoln.clone()
    };
    let science_v2 = OrgUnit {
        parent: None,
        version: science.version.next(),
        ..science.clone()
    };
    seed(
        &*store,
        [
            Op::UpdateOrgUnit {
                org_unit: lincoln_v2.clone(),
                expected: lincoln.version,
            },
            Op::UpdateOrgUnit {
                org_unit: science_v2.clone(),
                expected: science.version,
            },
        ],
    )
    .await;
    assert_eq!(
        org_units(&*store, d.id).await,
        sorted_by_id(
            &[north.clone(), lincoln_v2, science_v2, south.clone()],
            |u| u.id
        )
    );

    // The old code is free again; the new one is taken.
    let reuse = fx.coded_org_unit(d.id, "Lakeside", "lms", None);
    seed(&*store, [Op::InsertOrgUnit(reuse)]).await;
    let taken = fx.coded_org_unit(d.id, "Another", "linc", None);
    let err = refused(&*store, [Op::InsertOrgUnit(taken)]).await;
    assert_already_exists(&err, Entity::OrgUnit, UniqueKey::OrgUnitCode);
}

/// An org unit code is unique within its district regardless of case; units without a code
/// never collide, and another district may use the same code.
pub(super) async fn org_unit_code_is_unique_per_district_regardless_of_case(
    store: Arc<dyn Storage>,
) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;
    let cedar = fx.seed_district(&*store, "Cedar Hills").await;
    let lincoln = fx.coded_org_unit(maple.id, "Lincoln", "LMS", None);
    seed(&*store, [Op::InsertOrgUnit(lincoln.clone())]).await;

    for code in ["lms", "Lms", " LMS "] {
        let twin = fx.coded_org_unit(maple.id, "Twin", code, None);
        let err = refused(&*store, [Op::InsertOrgUnit(twin)]).await;
        assert_already_exists(&err, Entity::OrgUnit, UniqueKey::OrgUnitCode);
    }

    let plain_a = fx.org_unit(maple.id, "Annex", None);
    let plain_b = fx.org_unit(maple.id, "Portable", None);
    seed(
        &*store,
        [
            Op::InsertOrgUnit(plain_a.clone()),
            Op::InsertOrgUnit(plain_b.clone()),
        ],
    )
    .await;

    let elsewhere = fx.coded_org_unit(cedar.id, "Lincoln", "LMS", None);
    seed(&*store, [Op::InsertOrgUnit(elsewhere.clone())]).await;

    // An update may not take a code another unit holds.
    let grab = OrgUnit {
        code: Some("lMs".into()),
        version: plain_a.version.next(),
        ..plain_a.clone()
    };
    let err = refused(
        &*store,
        [Op::UpdateOrgUnit {
            org_unit: grab,
            expected: plain_a.version,
        }],
    )
    .await;
    assert_already_exists(&err, Entity::OrgUnit, UniqueKey::OrgUnitCode);

    assert_eq!(
        org_units(&*store, maple.id).await,
        sorted_by_id(&[lincoln, plain_a, plain_b], |u| u.id)
    );
    assert_eq!(org_units(&*store, cedar.id).await, vec![elsewhere]);
}

/// Org unit updates are checked against the stored version and need the unit to exist in the
/// district they name.
pub(super) async fn stale_org_unit_update_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let v2 = OrgUnit {
        name: "Lincoln Middle".into(),
        version: unit.version.next(),
        ..unit.clone()
    };
    seed(
        &*store,
        [Op::UpdateOrgUnit {
            org_unit: v2.clone(),
            expected: unit.version,
        }],
    )
    .await;

    let stale = OrgUnit {
        name: "Stale".into(),
        version: unit.version.next(),
        ..unit.clone()
    };
    let err = refused(
        &*store,
        [Op::UpdateOrgUnit {
            org_unit: stale,
            expected: unit.version,
        }],
    )
    .await;
    assert_conflict(&err, Entity::OrgUnit);

    let missing = fx.org_unit(d.id, "Never Inserted", None);
    let err = refused(
        &*store,
        [Op::UpdateOrgUnit {
            org_unit: OrgUnit {
                version: missing.version.next(),
                ..missing.clone()
            },
            expected: missing.version,
        }],
    )
    .await;
    assert_not_found(&err);

    assert_eq!(org_units(&*store, d.id).await, vec![v2]);
}

/// Rows that name a district that does not exist are refused with `NotFound`, and nothing of
/// them is stored.
pub(super) async fn rows_naming_a_missing_district_are_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let real = fx.seed_district(&*store, "Maple Valley").await;
    let ghost = fx.district("Ghost District");
    let unit = fx.org_unit(ghost.id, "Haunted Hall", None);
    let casper = fx
        .user(ghost.id, "Casper", "Friendly")
        .email("casper@ghost.org");
    let entry = fx.activity(ghost.id, casper.id, 0);

    let attempts = [
        Op::InsertOrgUnit(unit.clone()),
        Op::InsertUser(Box::new(casper.clone())),
        Op::AppendActivity(entry),
        Op::UpdateUser {
            user: Box::new(casper.revised(|_| {})),
            expected: casper.version,
        },
        delete(&casper),
    ];
    for op in attempts {
        let err = refused(&*store, [op]).await;
        assert_not_found(&err);
    }

    assert_eq!(store.district(ghost.id).await.unwrap(), None);
    assert!(org_units(&*store, ghost.id).await.is_empty());
    assert_eq!(user(&*store, ghost.id, casper.id).await, None);
    assert!(
        activity_of(&*store, ghost.id, Subject::User(casper.id))
            .await
            .is_empty()
    );
    // The real district is untouched and a user there does not see the ghost's rows.
    assert!(org_units(&*store, real.id).await.is_empty());
    assert_eq!(search(&*store, real.id, &everyone()).await.total, 0);
}
