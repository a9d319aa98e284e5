//! Users: rows read back exactly, lookups by id and by unique key, and the unique keys
//! themselves (Local ID exactly; e-mail and username regardless of case; per district).

use super::support::*;
use crate::model::{Guardian, NotificationPreferences, Phones};

/// A user with every field set reads back equal, by id, by each key and in a batch; so does a
/// user with every optional field empty.
pub(super) async fn insert_user_then_read_every_field(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let lincoln = fx.org_unit(d.id, "Lincoln", None);
    let annex = fx.org_unit(d.id, "Annex", Some(lincoln.id));
    seed(
        &*store,
        [
            Op::InsertOrgUnit(lincoln.clone()),
            Op::InsertOrgUnit(annex.clone()),
        ],
    )
    .await;

    let mut full = fx
        .user(d.id, "Robert", "Tables")
        .middle("Drop")
        .preferred("Bobby")
        .local_id("00123")
        .email("Bobby.Tables@Example.ORG")
        .username("BTables")
        .grade("TK")
        .member_of(lincoln.id)
        .member_of(annex.id)
        .status(RecordStatus::Inactive)
        .access(Access::Locked {
            until: Some(Fixture::time(90)),
            reason: "5 failed sign-ins; 'quoted' \"text\"".into(),
        });
    let details = &mut full.details;
    details.name.prefix = Some("Mr.".into());
    details.name.suffix = Some("Jr.".into());
    details.job_title = Some("Student helper".into());
    details.description = Some("Line one\nLine two, with ünïcödé ✓".into());
    details.state_educator_id = Some("SE-77".into());
    details.phones = Phones {
        home: Some("+1 555 0100".into()),
        mobile: Some("+1 555 0101".into()),
        fax: None,
        pager: Some("555-0199".into()),
    };
    details.guardians = vec![
        Guardian {
            name: "Alice Tables".into(),
            relation: Some("Mother".into()),
            email: Some("alice@example.org".into()),
            phone: Some("+1 555 0102".into()),
        },
        Guardian {
            name: "Grandpa Tables".into(),
            relation: None,
            email: None,
            phone: None,
        },
    ];
    details
        .custom_fields
        .insert("bus_route".into(), "12B".into());
    details.custom_fields.insert("locker".into(), String::new());
    details.time_zone = Some("America/Chicago".into());
    details.notifications = NotificationPreferences {
        message_emails: false,
        digests: true,
    };
    details.aup_signed = true;
    details.fee_paid = true;
    details.sso_subject = Some("google-oauth2|1234567890".into());
    full.import_managed = true;
    full.import_fingerprint = Some(crate::model::ImportFingerprint {
        row: crate::model::FingerprintHash::of([b"row".as_slice()]),
        context: crate::model::FingerprintHash::of([b"context".as_slice()]),
        version: Version::FIRST,
    });
    full.created_at = Fixture::time(-60 * 24 * 30);
    full.updated_at = Fixture::time(5);

    let mut bare = fx.user(d.id, "Ann", "Empty").staff();
    bare.access = Access::Locked {
        until: None,
        reason: String::new(),
    };

    seed_users(&*store, [&full, &bare]).await;

    assert_eq!(user(&*store, d.id, full.id).await, Some(full.clone()));
    assert_eq!(user(&*store, d.id, bare.id).await, Some(bare.clone()));
    assert_eq!(
        by_key(&*store, d.id, local_id_key("00123")).await,
        Some(full.clone())
    );
    assert_eq!(
        by_key(&*store, d.id, email_key("bobby.tables@example.org")).await,
        Some(full.clone())
    );
    assert_eq!(
        by_key(&*store, d.id, username_key("btables")).await,
        Some(full.clone())
    );
    let batch = store.users(d.id, &[full.id, bare.id]).await.unwrap();
    assert_eq!(
        sorted_by_id(&batch, |u| u.id),
        sorted_by_id(&[full.clone(), bare.clone()], |u| u.id)
    );
    let page = search(&*store, d.id, &everyone()).await;
    assert_eq!(page.items, in_listing_order(&[full, bare]));
}

/// `users(ids)` returns the users with those ids, leaving out ids no user has.
pub(super) async fn users_batch_read_leaves_out_unknown_ids(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let grace = fx.user(d.id, "Grace", "Hopper");
    let alan = fx.user(d.id, "Alan", "Turing");
    seed_users(&*store, [&ada, &grace, &alan]).await;
    let ghost = fx.user_id();

    let batch = store.users(d.id, &[alan.id, ghost, ada.id]).await.unwrap();
    assert_eq!(
        sorted_by_id(&batch, |u| u.id),
        sorted_by_id(&[ada.clone(), alan.clone()], |u| u.id)
    );
    assert!(store.users(d.id, &[]).await.unwrap().is_empty());
    assert!(store.users(d.id, &[ghost]).await.unwrap().is_empty());
    assert_eq!(user(&*store, d.id, ghost).await, None);

    let all = store
        .users(d.id, &[ada.id, grace.id, alan.id])
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

/// `district_users` returns every user of the district, whatever their status, and nobody
/// from another district.
pub(super) async fn district_users_lists_everyone_in_the_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let other = fx.seed_district(&*store, "Cedar Falls").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").local_id("1");
    let grace = fx
        .user(d.id, "Grace", "Hopper")
        .status(RecordStatus::Inactive);
    let alan = fx
        .user(d.id, "Alan", "Turing")
        .status(RecordStatus::Archived);
    let elsewhere = fx.user(other.id, "Edsger", "Dijkstra").local_id("1");
    seed_users(&*store, [&ada, &grace, &alan, &elsewhere]).await;

    let listed = store.district_users(d.id).await.unwrap();
    let listed: Vec<User> = listed.iter().map(|u| (**u).clone()).collect();
    assert_eq!(
        sorted_by_id(&listed, |u| u.id),
        sorted_by_id(&[ada, grace, alan], |u| u.id)
    );
    let empty = fx.seed_district(&*store, "Empty Valley").await;
    assert!(store.district_users(empty.id).await.unwrap().is_empty());
}

/// A Local ID is looked up exactly: `"00123"` is not `"123"`, and case and padding count.
pub(super) async fn local_id_lookup_is_exact(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let padded = fx.user(d.id, "Ada", "Lovelace").local_id("00123");
    let lettered = fx.user(d.id, "Grace", "Hopper").local_id("AB-7");
    seed_users(&*store, [&padded, &lettered]).await;

    assert_eq!(
        by_key(&*store, d.id, local_id_key("00123")).await,
        Some(padded.clone())
    );
    for miss in [
        "123", "0123", "000123", " 00123", "00123 ", "ab-7", "AB-", "AB-77",
    ] {
        assert_eq!(
            by_key(&*store, d.id, local_id_key(miss)).await,
            None,
            "Local ID '{miss}' matched a user"
        );
    }

    // Being different values, they may be taken by other users.
    let short = fx.user(d.id, "Alan", "Turing").local_id("123");
    let lower = fx.user(d.id, "Edsger", "Dijkstra").local_id("ab-7");
    seed_users(&*store, [&short, &lower]).await;
    assert_eq!(
        by_key(&*store, d.id, local_id_key("123")).await,
        Some(short)
    );
    assert_eq!(
        by_key(&*store, d.id, local_id_key("ab-7")).await,
        Some(lower)
    );
    assert_eq!(
        by_key(&*store, d.id, local_id_key("AB-7")).await,
        Some(lettered)
    );
    assert_eq!(
        by_key(&*store, d.id, local_id_key("00123")).await,
        Some(padded)
    );
}

/// E-mail and username lookups take the lower-case key and return the value as it was typed;
/// each key kind is looked up only among its own values.
pub(super) async fn email_and_username_lookups_use_lower_case_keys(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("Ada.Lovelace@Example.ORG")
        .username("ALovelace")
        .local_id("alovelace");
    let grace = fx
        .user(d.id, "Grace", "Hopper")
        .username("ada.lovelace@example.org");
    seed_users(&*store, [&ada, &grace]).await;

    let found = by_key(&*store, d.id, email_key("Ada.Lovelace@Example.ORG"))
        .await
        .expect("no user for the e-mail key");
    assert_eq!(found, ada);
    assert_eq!(
        found.details.email.as_ref().map(|e| e.as_str()),
        Some("Ada.Lovelace@Example.ORG")
    );
    assert_eq!(
        by_key(&*store, d.id, username_key("ALovelace")).await,
        Some(ada.clone())
    );
    assert_eq!(
        by_key(&*store, d.id, local_id_key("alovelace")).await,
        Some(ada.clone())
    );

    // Grace's username happens to read like Ada's address: keys of different kinds never mix.
    assert_eq!(
        by_key(&*store, d.id, username_key("ada.lovelace@example.org")).await,
        Some(grace)
    );
    assert_eq!(by_key(&*store, d.id, email_key("alovelace")).await, None);
    assert_eq!(by_key(&*store, d.id, email_key("ada")).await, None);
    assert_eq!(by_key(&*store, d.id, username_key("alove")).await, None);
}

/// Inserting a row whose id is taken fails with `AlreadyExists` on the id, for districts,
/// org units and users alike, and leaves the stored row as it was.
pub(super) async fn duplicate_ids_already_exist(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    let ada = fx.user(d.id, "Ada", "Lovelace").email("ada@example.org");
    seed(&*store, [Op::InsertOrgUnit(unit.clone()), insert(&ada)]).await;

    let district_twin = crate::model::District {
        id: d.id,
        ..fx.district("Other Name")
    };
    let err = refused(&*store, [Op::InsertDistrict(district_twin)]).await;
    assert_already_exists(&err, Entity::District, UniqueKey::Id);

    let unit_twin = OrgUnit {
        id: unit.id,
        ..fx.org_unit(d.id, "Other Unit", None)
    };
    let err = refused(&*store, [Op::InsertOrgUnit(unit_twin)]).await;
    assert_already_exists(&err, Entity::OrgUnit, UniqueKey::Id);

    let user_twin = User {
        id: ada.id,
        ..fx.user(d.id, "Grace", "Hopper").email("grace@example.org")
    };
    let err = refused(&*store, [insert(&user_twin)]).await;
    assert_already_exists(&err, Entity::User, UniqueKey::Id);

    assert_eq!(store.district(d.id).await.unwrap(), Some(d.clone()));
    assert_eq!(org_units(&*store, d.id).await, vec![unit]);
    assert_eq!(user(&*store, d.id, ada.id).await, Some(ada));
    assert_eq!(
        by_key(&*store, d.id, email_key("grace@example.org")).await,
        None
    );
}

/// Two users of a district may not share a Local ID.
pub(super) async fn local_id_is_unique_per_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").local_id("S-1");
    seed_users(&*store, [&ada]).await;

    let twin = fx.user(d.id, "Grace", "Hopper").local_id("S-1");
    let err = refused(&*store, [insert(&twin)]).await;
    assert_already_exists(&err, Entity::User, UniqueKey::LocalId);
    assert_eq!(user(&*store, d.id, twin.id).await, None);
    assert_eq!(by_key(&*store, d.id, local_id_key("S-1")).await, Some(ada));
}

/// Two users of a district may not share an e-mail address, whatever its case.
pub(super) async fn email_is_unique_regardless_of_case(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").email("Ada@X.org");
    seed_users(&*store, [&ada]).await;

    for address in ["ada@x.org", "ADA@X.ORG", "Ada@X.org"] {
        let twin = fx.user(d.id, "Grace", "Hopper").email(address);
        let err = refused(&*store, [insert(&twin)]).await;
        assert_already_exists(&err, Entity::User, UniqueKey::Email);
        assert_eq!(user(&*store, d.id, twin.id).await, None);
    }
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await,
        Some(ada)
    );
}

/// Two users of a district may not share a username, whatever its case.
pub(super) async fn username_is_unique_regardless_of_case(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let john = fx.user(d.id, "John", "Smith").username("JSmith");
    seed_users(&*store, [&john]).await;

    for name in ["jsmith", "JSMITH", "JSmith"] {
        let twin = fx.user(d.id, "Jane", "Smith").username(name);
        let err = refused(&*store, [insert(&twin)]).await;
        assert_already_exists(&err, Entity::User, UniqueKey::Username);
        assert_eq!(user(&*store, d.id, twin.id).await, None);
    }
    assert_eq!(
        by_key(&*store, d.id, username_key("jsmith")).await,
        Some(john)
    );
}

/// Users without a Local ID, e-mail or username never collide on the missing value.
pub(super) async fn missing_identifiers_never_collide(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let bare: Vec<User> = (0..4)
        .map(|i| fx.user(d.id, "Anon", &format!("Ymous{i}")))
        .collect();
    seed_users(&*store, &bare[..2]).await;
    seed_users(&*store, &bare[2..3]).await;
    seed_users(&*store, &bare[3..]).await;

    let partial = [
        fx.user(d.id, "Only", "Email").email("only@example.org"),
        fx.user(d.id, "Only", "Username").username("only"),
        fx.user(d.id, "Only", "LocalId").local_id("only"),
    ];
    seed_users(&*store, &partial).await;
    // And one with every key empty again, in a set of its own.
    let last = fx.user(d.id, "Anon", "Last");
    seed_users(&*store, [&last]).await;

    assert_eq!(search(&*store, d.id, &everyone()).await.total, 8);
}

/// The same Local ID, e-mail and username may be used in two districts; each district finds
/// its own user by them.
pub(super) async fn identifiers_may_repeat_across_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let maple = fx.seed_district(&*store, "Maple Valley").await;
    let cedar = fx.seed_district(&*store, "Cedar Hills").await;
    let in_maple = fx
        .user(maple.id, "Ada", "Lovelace")
        .local_id("00123")
        .email("ada@example.org")
        .username("ada");
    let in_cedar = fx
        .user(cedar.id, "Ada", "King")
        .local_id("00123")
        .email("ADA@example.org")
        .username("ADA");
    seed_users(&*store, [&in_maple]).await;
    seed_users(&*store, [&in_cedar]).await;

    for (district, expected) in [(maple.id, &in_maple), (cedar.id, &in_cedar)] {
        for key in [
            local_id_key("00123"),
            email_key("ada@example.org"),
            username_key("ada"),
        ] {
            assert_eq!(
                by_key(&*store, district, key).await.as_ref(),
                Some(expected)
            );
        }
    }
}

/// An update may not take a key another user holds (`AlreadyExists`), but a user never
/// collides with its own keys.
pub(super) async fn update_that_takes_another_users_key_already_exists(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@x.org")
        .username("ada")
        .local_id("S-1");
    let grace = fx
        .user(d.id, "Grace", "Hopper")
        .email("grace@x.org")
        .username("grace")
        .local_id("S-2");
    seed_users(&*store, [&ada, &grace]).await;

    let attempts: [(UniqueKey, User); 3] = [
        (
            UniqueKey::Email,
            grace.revised(|u| *u = u.clone().email("Ada@X.org")),
        ),
        (
            UniqueKey::Username,
            grace.revised(|u| *u = u.clone().username("ADA")),
        ),
        (
            UniqueKey::LocalId,
            grace.revised(|u| *u = u.clone().local_id("S-1")),
        ),
    ];
    for (key, taking) in attempts {
        let err = refused(&*store, [update(&grace, &taking)]).await;
        assert_already_exists(&err, Entity::User, key);
    }
    assert_eq!(user(&*store, d.id, grace.id).await, Some(grace.clone()));
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await,
        Some(ada.clone())
    );

    // Keeping its own keys (even re-cased) is fine.
    let own = grace.revised(|u| {
        u.details.name.last = "Murray Hopper".into();
        *u = u.clone().email("Grace@X.org").username("Grace");
    });
    seed(&*store, [update(&grace, &own)]).await;
    assert_eq!(user(&*store, d.id, grace.id).await, Some(own.clone()));
    assert_eq!(
        by_key(&*store, d.id, email_key("grace@x.org")).await,
        Some(own)
    );
}

/// After an update changes a user's keys, the old keys find nobody (and are free for another
/// user) and the new keys find the user.
pub(super) async fn keys_follow_updates(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@old.org")
        .username("alovelace")
        .local_id("L-1");
    seed_users(&*store, [&ada]).await;

    let moved = ada.revised(|u| {
        u.details.name.last = "King".into();
        *u = u
            .clone()
            .email("ada@new.org")
            .username("aking")
            .local_id("L-2");
    });
    seed(&*store, [update(&ada, &moved)]).await;

    for old in [
        email_key("ada@old.org"),
        username_key("alovelace"),
        local_id_key("L-1"),
    ] {
        assert_eq!(by_key(&*store, d.id, old.clone()).await, None, "{old:?}");
    }
    for new in [
        email_key("ada@new.org"),
        username_key("aking"),
        local_id_key("L-2"),
    ] {
        assert_eq!(
            by_key(&*store, d.id, new.clone()).await,
            Some(moved.clone()),
            "{new:?}"
        );
    }

    // A key can also be cleared, which frees it.
    let cleared = moved.revised(|u| u.details.username = None);
    seed(&*store, [update(&moved, &cleared)]).await;
    assert_eq!(by_key(&*store, d.id, username_key("aking")).await, None);

    let newcomer = fx
        .user(d.id, "Augusta", "Byron")
        .email("Ada@Old.org")
        .username("ALovelace")
        .local_id("L-1");
    let other = fx.user(d.id, "Alan", "King").username("aking");
    seed_users(&*store, [&newcomer, &other]).await;
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@old.org")).await,
        Some(newcomer)
    );
    assert_eq!(
        by_key(&*store, d.id, username_key("aking")).await,
        Some(other)
    );
}

/// One change set may not insert two users with the same key; neither is stored.
pub(super) async fn one_set_cannot_insert_the_same_key_twice(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    for key in [UniqueKey::Email, UniqueKey::Username, UniqueKey::LocalId] {
        let (first, second) = match key {
            UniqueKey::Email => (
                fx.user(d.id, "Ada", "One").email("twin@x.org"),
                fx.user(d.id, "Ada", "Two").email("Twin@X.org"),
            ),
            UniqueKey::Username => (
                fx.user(d.id, "Ada", "One").username("twin"),
                fx.user(d.id, "Ada", "Two").username("TWIN"),
            ),
            _ => (
                fx.user(d.id, "Ada", "One").local_id("T-1"),
                fx.user(d.id, "Ada", "Two").local_id("T-1"),
            ),
        };
        let err = refused(&*store, [insert(&first), insert(&second)]).await;
        assert_already_exists(&err, Entity::User, key);
        assert_eq!(user(&*store, d.id, first.id).await, None);
        assert_eq!(user(&*store, d.id, second.id).await, None);
    }
    assert_eq!(search(&*store, d.id, &everyone()).await.total, 0);
}
