//! Optimistic concurrency on users: updates and deletes name the version they expect.

use super::support::*;

/// An update at the stored version stores the row exactly as given, and the next update
/// follows from it.
pub(super) async fn update_with_expected_version_stores_the_row(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .email("ada@x.org")
        .grade("6");
    seed_users(&*store, [&ada]).await;

    let v2 = ada.revised(|u| {
        u.details.name.preferred = Some("Countess".into());
        u.details.org_units.insert(unit.id);
        u.details
            .custom_fields
            .insert("house".into(), "Byron".into());
        u.details.grade = Some(Grade::Numbered(7));
        u.status = RecordStatus::Inactive;
        u.access = Access::Suspended;
    });
    assert_eq!(v2.version, Version::new(2));
    seed(&*store, [update(&ada, &v2)]).await;
    assert_eq!(user(&*store, d.id, ada.id).await, Some(v2.clone()));

    let v3 = v2.revised(|u| {
        u.details.name.preferred = None;
        u.details.org_units.clear();
        u.details.custom_fields.clear();
        u.details.grade = None;
        u.status = RecordStatus::Active;
        u.access = Access::Allowed;
    });
    seed(&*store, [update(&v2, &v3)]).await;
    assert_eq!(user(&*store, d.id, ada.id).await, Some(v3.clone()));
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await,
        Some(v3)
    );
}

/// An update that expects any version but the stored one is a `Conflict`, and changes nothing.
pub(super) async fn stale_update_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    seed_users(&*store, [&ada]).await;
    let v2 = ada.revised(|u| u.details.name.last = "King".into());
    seed(&*store, [update(&ada, &v2)]).await;

    // A writer that read version 1 and lost the race.
    let late = ada.revised(|u| u.details.name.last = "Byron".into());
    let err = refused(&*store, [update(&ada, &late)]).await;
    assert_conflict(&err, Entity::User);

    // A version from the future is just as wrong.
    let ahead = User {
        version: Version::new(10),
        ..v2.clone()
    };
    let from_ahead = ahead.revised(|u| u.details.name.last = "Ahead".into());
    let err = refused(&*store, [update(&ahead, &from_ahead)]).await;
    assert_conflict(&err, Entity::User);

    assert_eq!(user(&*store, d.id, ada.id).await, Some(v2));
}

/// Updating a user that was never stored is `NotFound`, and stores nothing.
pub(super) async fn update_of_missing_user_is_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ghost = fx.user(d.id, "Casper", "Friendly").email("casper@x.org");
    let err = refused(
        &*store,
        [update(
            &ghost,
            &ghost.revised(|u| u.details.name.last = "Ghost".into()),
        )],
    )
    .await;
    assert_not_found(&err);
    assert_eq!(user(&*store, d.id, ghost.id).await, None);
    assert_eq!(by_key(&*store, d.id, email_key("casper@x.org")).await, None);
}

/// Deleting a user that does not exist (never stored, or already deleted) is `NotFound`.
pub(super) async fn delete_of_missing_user_is_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ghost = fx.user(d.id, "Casper", "Friendly");
    let err = refused(&*store, [delete(&ghost)]).await;
    assert_not_found(&err);

    let ada = fx.user(d.id, "Ada", "Lovelace");
    seed_users(&*store, [&ada]).await;
    seed(&*store, [delete(&ada)]).await;
    let err = refused(&*store, [delete(&ada)]).await;
    assert_not_found(&err);
}

/// A delete that expects another version than the stored one is a `Conflict`, and the user
/// stays.
pub(super) async fn stale_delete_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace").email("ada@x.org");
    seed_users(&*store, [&ada]).await;
    let v2 = ada.revised(|u| u.status = RecordStatus::Archived);
    seed(&*store, [update(&ada, &v2)]).await;

    let err = refused(&*store, [delete(&ada)]).await;
    assert_conflict(&err, Entity::User);
    assert_eq!(user(&*store, d.id, ada.id).await, Some(v2.clone()));
    assert_eq!(
        by_key(&*store, d.id, email_key("ada@x.org")).await,
        Some(v2.clone())
    );

    seed(&*store, [delete(&v2)]).await;
    assert_eq!(user(&*store, d.id, ada.id).await, None);
}

/// A deleted user is gone from every read, and its Local ID, e-mail and username are free for
/// a new user.
pub(super) async fn deleted_user_is_gone_and_its_keys_are_free(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let unit = fx.org_unit(d.id, "Lincoln", None);
    seed(&*store, [Op::InsertOrgUnit(unit.clone())]).await;
    let ada = fx
        .user(d.id, "Ada", "Lovelace")
        .local_id("00123")
        .email("Ada@X.org")
        .username("ada")
        .member_of(unit.id);
    let grace = fx.user(d.id, "Grace", "Hopper");
    seed_users(&*store, [&ada, &grace]).await;

    seed(&*store, [delete(&ada)]).await;
    assert_eq!(user(&*store, d.id, ada.id).await, None);
    assert!(store.users(d.id, &[ada.id]).await.unwrap().is_empty());
    for key in [
        local_id_key("00123"),
        email_key("ada@x.org"),
        username_key("ada"),
    ] {
        assert_eq!(by_key(&*store, d.id, key).await, None);
    }
    assert_eq!(found(&*store, d.id, &everyone()).await, vec![grace.id]);
    assert!(found(&*store, d.id, &text("ada")).await.is_empty());
    let members = UserQuery {
        org_units: units(&[unit.id]),
        ..everyone()
    };
    assert!(found(&*store, d.id, &members).await.is_empty());

    let successor = fx
        .user(d.id, "Augusta", "Byron")
        .local_id("00123")
        .email("ada@x.org")
        .username("ADA");
    seed_users(&*store, [&successor]).await;
    for key in [
        local_id_key("00123"),
        email_key("ada@x.org"),
        username_key("ada"),
    ] {
        assert_eq!(by_key(&*store, d.id, key).await, Some(successor.clone()));
    }
}
