//! The acting stamp ([`Storage::acting_stamp`]): the district as stored now, the acting
//! user's version and whether their password is temporary, as every other read of the same
//! rows says, also right after another handle wrote them.

use super::support::*;
use crate::clock::SequentialIds;
use crate::model::District;
use crate::password::{Password, PasswordCredential};
use crate::storage::{ActingStamp, ActorStamp};

fn temporary(must_change: bool) -> PasswordCredential {
    let password = Password::new("temporary-stamp-1").unwrap();
    PasswordCredential::new(
        &password,
        must_change,
        &SequentialIds::new(98),
        Fixture::time(1),
    )
    .unwrap()
}

async fn stamp(
    store: &dyn Storage,
    district: DistrictId,
    actor: Option<UserId>,
) -> Option<ActingStamp> {
    store.acting_stamp(district, actor).await.unwrap()
}

fn actor(version: Version, must_change: bool) -> Option<ActorStamp> {
    Some(ActorStamp {
        version,
        must_change,
    })
}

fn bumped(district: &District) -> Op {
    Op::UpdateDistrict {
        district: District {
            version: district.version.next(),
            name: format!("{} (renamed)", district.name),
            ..district.clone()
        },
        expected: district.version,
    }
}

/// The stamp carries the stored district and the actor's version and temporary-password flag;
/// no district reads `None`; an actor who is unknown, or lives in another district, reads as
/// absent.
pub(super) async fn acting_stamp_reads_the_district_and_the_actor(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*store, "Maple Valley").await;
    let other = fx.seed_district(&*store, "Cedar Falls").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    let edsger = fx.user(other.id, "Edsger", "Dijkstra");
    seed_users(&*store, [&ada, &edsger]).await;

    assert_eq!(stamp(&*store, fx.district("Nowhere").id, None).await, None);
    assert_eq!(
        stamp(&*store, d.id, None).await,
        Some(ActingStamp {
            district: d.clone(),
            actor: None,
        })
    );
    let read = stamp(&*store, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(read.district, d);
    assert_eq!(read.actor, actor(ada.version, false));
    let elsewhere = stamp(&*store, d.id, Some(edsger.id)).await.unwrap();
    assert_eq!(
        elsewhere.actor, None,
        "a user of another district is no actor here"
    );
    let nobody = stamp(&*store, d.id, Some(fx.user_id())).await.unwrap();
    assert_eq!(nobody.actor, None);

    let set = |must_change| Op::SetPassword {
        district: d.id,
        user: ada.id,
        credential: temporary(must_change),
    };
    seed(&*store, [set(true)]).await;
    let read = stamp(&*store, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(read.actor, actor(ada.version, true), "a temporary password");
    seed(&*store, [set(false)]).await;
    let read = stamp(&*store, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(read.actor, actor(ada.version, false), "a chosen password");

    let suspended = User {
        access: Access::Suspended,
        version: ada.version.next(),
        ..ada.clone()
    };
    seed(&*store, [update(&ada, &suspended), bumped(&d)]).await;
    let read = stamp(&*store, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(read.actor, actor(suspended.version, false));
    assert_eq!(read.district.version, d.version.next());
    assert_eq!(
        Some(read.district),
        store.district(d.id).await.unwrap(),
        "the stamp's district is the stored row"
    );
}

/// A write through one handle is in the very next stamp read through another (another
/// replica of the service on the same database).
pub(super) async fn acting_stamp_sees_the_writes_of_another_handle(replicas: Replicas) {
    let Replicas { a, b } = replicas;
    let mut fx = Fixture::new();
    let d = fx.seed_district(&*b, "Maple Valley").await;
    let ada = fx.user(d.id, "Ada", "Lovelace");
    seed_users(&*b, [&ada]).await;
    let first = stamp(&*a, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(first.actor, actor(ada.version, false));

    let locked = User {
        access: Access::Suspended,
        version: ada.version.next(),
        ..ada.clone()
    };
    let set = Op::SetPassword {
        district: d.id,
        user: ada.id,
        credential: temporary(true),
    };
    seed(&*b, [update(&ada, &locked), set, bumped(&d)]).await;
    let next = stamp(&*a, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(next.actor, actor(locked.version, true));
    assert_eq!(next.district.version, d.version.next());

    seed(&*b, [delete(&locked)]).await;
    let gone = stamp(&*a, d.id, Some(ada.id)).await.unwrap();
    assert_eq!(gone.actor, None, "a deleted actor is gone at once");
}
