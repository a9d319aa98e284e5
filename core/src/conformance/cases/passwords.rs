//! Password credentials: stored apart from users, replaced whole, gone with their user, never
//! visible from another district, and written all-or-nothing with the rest of a set.

use super::support::*;
use crate::clock::SequentialIds;
use crate::password::{Password, PasswordCredential};

/// A credential for `secret`, set at minute `minute`.
fn credential(secret: &str, must_change: bool, minute: i64) -> PasswordCredential {
    let password = Password::new(secret).unwrap();
    PasswordCredential::new(
        &password,
        must_change,
        &SequentialIds::new(99),
        Fixture::time(minute),
    )
    .unwrap()
}

/// The credential `store` holds for `user` in `district`.
async fn stored(
    store: &dyn Storage,
    district: DistrictId,
    user: UserId,
) -> Option<PasswordCredential> {
    store.password_credential(district, user).await.unwrap()
}

fn set(district: DistrictId, user: UserId, credential: &PasswordCredential) -> Op {
    Op::SetPassword {
        district,
        user,
        credential: credential.clone(),
    }
}

/// A credential reads back exactly; setting another replaces it; a user without one reads
/// `None`.
pub(super) async fn password_is_read_back_and_replaced(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let grace = fx.user(d.id, "Grace", "Hopper");
    seed_users(&*store, [&ada, &grace]).await;

    let temporary = credential("temporary-1", true, 1);
    seed(&*store, [set(d.id, ada.id, &temporary)]).await;
    let read = store.password_credential(d.id, ada.id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&temporary));
    assert!(read.unwrap().hash.verify("temporary-1"));
    assert_eq!(
        store.password_credential(d.id, grace.id).await.unwrap(),
        None
    );

    let chosen = credential("chosen-by-ada", false, 2);
    seed(&*store, [set(d.id, ada.id, &chosen)]).await;
    assert_eq!(
        store.password_credential(d.id, ada.id).await.unwrap(),
        Some(chosen)
    );
    assert_eq!(
        user(&*store, d.id, ada.id).await.as_ref(),
        Some(&ada),
        "setting a password leaves the user row as it was"
    );
}

/// Setting a password for a user that does not exist (or lives in another district) is
/// `NotFound`, and the set it was in leaves nothing behind.
pub(super) async fn password_for_a_missing_user_is_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let other = fx.seed_district(&*store, "Cedar Falls").await;
    let elsewhere = fx.user(other.id, "Edsger", "Dijkstra");
    seed_users(&*store, [&elsewhere]).await;
    let cred = credential("temporary-1", true, 1);

    let nobody = fx.user_id();
    assert_not_found(&refused(&*store, [set(d.id, nobody, &cred)]).await);
    assert_not_found(&refused(&*store, [set(d.id, elsewhere.id, &cred)]).await);

    let ada = fx.user(d.id, "Ada", "Lovelace");
    let error = refused(
        &*store,
        [
            Op::InsertUser(Box::new(ada.clone())),
            set(d.id, ada.id, &cred),
            set(d.id, nobody, &cred),
        ],
    )
    .await;
    assert_not_found(&error);
    assert_eq!(user(&*store, d.id, ada.id).await, None);
    assert_eq!(store.password_credential(d.id, ada.id).await.unwrap(), None);
}

/// Deleting a user deletes their credential; a failed set that would have replaced one keeps
/// the old one.
pub(super) async fn password_goes_with_its_user_and_survives_a_failed_set(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    seed_users(&*store, [&ada]).await;
    let first = credential("first-password", false, 1);
    seed(&*store, [set(d.id, ada.id, &first)]).await;

    let second = credential("second-password", false, 2);
    let stale = ada.revised(|u| u.details.name.first = "Augusta".into());
    let error = refused(
        &*store,
        [
            set(d.id, ada.id, &second),
            Op::UpdateUser {
                user: Box::new(stale),
                expected: Version::new(7),
            },
        ],
    )
    .await;
    assert_conflict(&error, Entity::User);
    assert_eq!(
        store.password_credential(d.id, ada.id).await.unwrap(),
        Some(first)
    );

    seed(&*store, [delete(&ada)]).await;
    assert_eq!(store.password_credential(d.id, ada.id).await.unwrap(), None);
    // The same id in another district never sees it either.
    let other = fx.seed_district(&*store, "Cedar Falls").await;
    assert_eq!(
        store.password_credential(other.id, ada.id).await.unwrap(),
        None
    );
}

/// A credential is read only in its user's district: naming the user under another district
/// reads `None` and cannot replace it, and changes in one district leave the other's alone.
pub(super) async fn passwords_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let a = fx.seed_district(&*store, "Maple Valley").await;
    let b = fx.seed_district(&*store, "Cedar Springs").await;
    let ada = fx.user(a.id, "Ada", "A");
    let bo = fx.user(b.id, "Bo", "B");
    seed_users(&*store, [&ada]).await;
    seed_users(&*store, [&bo]).await;
    let adas = credential("ada-password", false, 1);
    let bos = credential("bo-password", true, 2);
    seed(&*store, [set(a.id, ada.id, &adas)]).await;
    seed(&*store, [set(b.id, bo.id, &bos)]).await;

    assert_eq!(stored(&*store, b.id, ada.id).await, None);
    assert_eq!(stored(&*store, a.id, bo.id).await, None);
    assert_eq!(stored(&*store, a.id, ada.id).await.as_ref(), Some(&adas));
    assert_eq!(stored(&*store, b.id, bo.id).await.as_ref(), Some(&bos));

    // B naming A's user finds no such user, and A's credential stays.
    assert_not_found(&refused(&*store, [set(b.id, ada.id, &bos)]).await);
    assert_eq!(stored(&*store, a.id, ada.id).await.as_ref(), Some(&adas));

    // Deleting B's user takes only B's credential.
    seed(&*store, [delete(&bo)]).await;
    assert_eq!(stored(&*store, b.id, bo.id).await, None);
    assert_eq!(stored(&*store, a.id, ada.id).await, Some(adas));
}
