//! Leases (see [`Leases`] for the rules): one holder at a time, fencing tokens that only grow,
//! renewal, release, takeover after expiry, lost leases, the least ttl, and one winner among
//! racing acquirers. Each case takes the leases of two handles on one database (`a`, `b`), so
//! what one process does the other sees.
//!
//! Expiry is decided by the backend's clock (the database server's for a SQL backend), so the
//! cases that need a lease to run out give it a short ttl and wait a little longer, and never
//! compare a lease's expiry with the local clock.

use std::time::Duration as StdDuration;

use chrono::Duration;

use super::support::*;

/// A ttl no case outlives.
const TTL: Duration = Duration::seconds(60);

/// A ttl that runs out while the case sleeps [`PAST_SHORT`].
const SHORT: Duration = Duration::milliseconds(100);

/// Long enough for a [`SHORT`] lease to have run out, whatever the clock's resolution.
const PAST_SHORT: StdDuration = StdDuration::from_millis(300);

/// Takes `name` for `holder`, failing the case when the backend errs or refuses.
async fn acquired(leases: &dyn Leases, name: &str, holder: &str, ttl: Duration) -> Lease {
    match leases.try_acquire(name, holder, ttl).await {
        Ok(Some(lease)) => lease,
        Ok(None) => panic!("'{holder}' was refused the lease '{name}', which must be free"),
        Err(error) => panic!("try_acquire('{name}', '{holder}') failed: {error:?}"),
    }
}

/// Fails unless `holder` is refused `name`, because another holder's lease is running.
async fn assert_refused(leases: &dyn Leases, name: &str, holder: &str) {
    let answer = leases
        .try_acquire(name, holder, TTL)
        .await
        .expect("try_acquire failed");
    assert!(
        answer.is_none(),
        "'{holder}' was given the lease '{name}' while another holder's runs: {answer:?}"
    );
}

/// Fails unless renewing `lease` fails with `LeaseLost`.
async fn assert_renewal_lost(leases: &dyn Leases, lease: &Lease) {
    match leases.renew(lease, TTL).await {
        Ok(renewed) => panic!("a lost lease was renewed: {lease} became {renewed}"),
        Err(error) => assert_kind(&error, StorageErrorKind::LeaseLost),
    }
}

/// Fails unless releasing `lease` fails with `LeaseLost`.
async fn assert_release_lost(leases: &dyn Leases, lease: &Lease) {
    match leases.release(lease).await {
        Ok(()) => panic!("a lost lease was released: {lease}"),
        Err(error) => assert_kind(&error, StorageErrorKind::LeaseLost),
    }
}

/// A free lease is given to the first who asks, as asked; another name is another lease.
pub(super) async fn a_free_lease_is_acquired(leases: LeasePair) {
    let name = Lease::sync_name(DistrictId::from_uuid(uuid::Uuid::from_u128(7)));
    let held = acquired(&*leases.a, &name, "replica-a", TTL).await;
    assert_eq!(
        (held.name.as_str(), held.holder.as_str()),
        (name.as_str(), "replica-a"),
        "{held}"
    );
    // Another name is free, from either handle.
    let other = acquired(&*leases.b, "other", "replica-b", TTL).await;
    assert_eq!(other.holder, "replica-b");
    leases.a.release(&held).await.expect("release");
    leases.b.release(&other).await.expect("release");
}

/// While a lease runs, nobody else gets it, from either handle, and asking changes nothing.
pub(super) async fn a_held_lease_is_refused_to_others(leases: LeasePair) {
    let held = acquired(&*leases.a, "guarded", "a", TTL).await;
    for _ in 0..3 {
        assert_refused(&*leases.b, "guarded", "b").await;
        assert_refused(&*leases.a, "guarded", "c").await;
    }
    // The holder still holds it, with its token.
    let renewed = leases.a.renew(&held, TTL).await.expect("renew");
    assert_eq!(renewed.token, held.token);
    leases.a.release(&renewed).await.expect("release");
}

/// The holder may take its own lease again, from any handle: a fresh lease with a greater
/// token, and the old one is lost.
pub(super) async fn the_holder_reacquires_with_a_greater_token(leases: LeasePair) {
    let first = acquired(&*leases.a, "n", "a", TTL).await;
    let second = acquired(&*leases.b, "n", "a", TTL).await;
    assert!(second.token > first.token, "{first} then {second}");
    assert_renewal_lost(&*leases.a, &first).await;
    assert_release_lost(&*leases.a, &first).await;
    assert_refused(&*leases.b, "n", "b").await;
    leases.a.release(&second).await.expect("release");
}

/// Every acquisition of a name gets a greater token than any before it: after a release,
/// after a takeover, by either handle.
pub(super) async fn lease_tokens_always_increase(leases: LeasePair) {
    let mut tokens = Vec::new();
    for round in 0..6 {
        let (mine, holder) = if round % 2 == 0 {
            (&leases.a, "a")
        } else {
            (&leases.b, "b")
        };
        let lease = acquired(&**mine, "counted", holder, TTL).await;
        tokens.push(lease.token);
        mine.release(&lease).await.expect("release");
    }
    // A takeover after expiry counts too.
    let again = acquired(&*leases.a, "counted", "a", SHORT).await;
    tokens.push(again.token);
    tokio::time::sleep(PAST_SHORT).await;
    let taken = acquired(&*leases.b, "counted", "b", TTL).await;
    tokens.push(taken.token);
    assert!(
        tokens.windows(2).all(|pair| pair[0] < pair[1]),
        "tokens must grow with every acquisition: {tokens:?}"
    );
    leases.b.release(&taken).await.expect("release");
}

/// Renewing a running lease keeps its holder and token and sets its expiry to the new ttl
/// from now, from either handle (the lease is in the database, not the handle).
pub(super) async fn renewal_extends_the_lease_and_keeps_its_token(leases: LeasePair) {
    let held = acquired(&*leases.a, "renewed", "a", Duration::seconds(5)).await;
    let renewed = leases.a.renew(&held, TTL).await.expect("renew");
    assert_eq!(
        (&renewed.name, &renewed.holder, renewed.token),
        (&held.name, &held.holder, held.token)
    );
    assert!(
        renewed.expires_at > held.expires_at,
        "renewing for {TTL} did not push the expiry on: {held} became {renewed}"
    );
    let again = leases.b.renew(&renewed, TTL).await.expect("renew");
    assert_eq!(again.token, held.token);
    assert!(
        again.expires_at >= renewed.expires_at,
        "{renewed} became {again}"
    );
    assert_refused(&*leases.b, "renewed", "b").await;
    // Renewed for a short ttl, it runs out after that ttl, however long it had left.
    let shortened = leases.a.renew(&again, SHORT).await.expect("renew");
    assert_eq!(shortened.token, held.token);
    tokio::time::sleep(PAST_SHORT).await;
    assert_renewal_lost(&*leases.a, &shortened).await;
    let taken = acquired(&*leases.b, "renewed", "b", TTL).await;
    assert!(taken.token > held.token, "{held} then {taken}");
    leases.b.release(&taken).await.expect("release");
}

/// Once a lease has run out, its holder can no longer renew it and another holder takes it
/// over, with a greater token; the old holder has lost it.
pub(super) async fn an_expired_lease_is_taken_over(leases: LeasePair) {
    let held = acquired(&*leases.a, "expiring", "a", SHORT).await;
    tokio::time::sleep(PAST_SHORT).await;
    assert_renewal_lost(&*leases.a, &held).await;
    let taken = acquired(&*leases.b, "expiring", "b", TTL).await;
    assert!(taken.token > held.token, "{held} then {taken}");
    assert_renewal_lost(&*leases.a, &held).await;
    assert_release_lost(&*leases.a, &held).await;
    assert_refused(&*leases.a, "expiring", "a").await;
    leases.b.renew(&taken, TTL).await.expect("renew");
    leases.b.release(&taken).await.expect("release");
}

/// A lease its caller does not hold (another holder, another token, a name never taken, or
/// one taken over) can neither be renewed nor released, and trying changes nothing.
pub(super) async fn a_lost_lease_can_neither_be_renewed_nor_released(leases: LeasePair) {
    let held = acquired(&*leases.a, "guarded", "a", TTL).await;
    let forged = [
        Lease {
            holder: "mallory".into(),
            ..held.clone()
        },
        Lease {
            token: held.token + 1,
            ..held.clone()
        },
        Lease {
            token: held.token.saturating_sub(1),
            ..held.clone()
        },
        Lease {
            name: "never-taken".into(),
            ..held.clone()
        },
    ];
    for lease in &forged {
        for handle in [&leases.a, &leases.b] {
            assert_renewal_lost(&**handle, lease).await;
            assert_release_lost(&**handle, lease).await;
        }
    }
    // Nothing changed: A still holds it, with its token, and nobody else gets it.
    assert_refused(&*leases.b, "guarded", "b").await;
    let renewed = leases.a.renew(&held, TTL).await.expect("renew");
    assert_eq!(renewed.token, held.token);
    // A release lets B in; A's lease, taken over, is lost for good.
    leases.a.release(&renewed).await.expect("release");
    let taken = acquired(&*leases.b, "guarded", "b", TTL).await;
    assert_renewal_lost(&*leases.a, &renewed).await;
    assert_release_lost(&*leases.a, &renewed).await;
    assert_refused(&*leases.a, "guarded", "a").await;
    leases.b.release(&taken).await.expect("release");
}

/// Releasing is harmless to repeat; a released lease cannot be renewed and is free at once.
/// A lease that ran out without being taken over may still be released.
pub(super) async fn releasing_twice_is_harmless(leases: LeasePair) {
    let held = acquired(&*leases.a, "released", "a", TTL).await;
    leases.a.release(&held).await.expect("release");
    leases.a.release(&held).await.expect("a second release");
    leases
        .b
        .release(&held)
        .await
        .expect("a release from the other handle");
    assert_renewal_lost(&*leases.a, &held).await;
    let taken = acquired(&*leases.b, "released", "b", TTL).await;
    assert!(taken.token > held.token, "{held} then {taken}");

    let lapsed = acquired(&*leases.a, "lapsed", "a", SHORT).await;
    tokio::time::sleep(PAST_SHORT).await;
    leases
        .a
        .release(&lapsed)
        .await
        .expect("releasing a lapsed lease nobody took over");
    leases.b.release(&taken).await.expect("release");
}

/// A ttl below a millisecond counts as one: such a lease is still given (not born expired
/// long ago), and runs out almost at once.
pub(super) async fn ttls_below_a_millisecond_are_clamped(leases: LeasePair) {
    let long = acquired(&*leases.a, "long", "a", TTL).await;
    for (name, ttl) in [
        ("zero", Duration::zero()),
        ("negative", Duration::seconds(-60)),
        ("very-negative", Duration::days(-365)),
    ] {
        let lease = acquired(&*leases.a, name, "a", ttl).await;
        // `long` was taken first with a minute to run: a clamped lease, taken after it, runs
        // out no earlier than a minute before it does (unclamped, a negative ttl would).
        assert!(
            lease.expires_at > long.expires_at - TTL - Duration::seconds(30),
            "a ttl of {ttl} was not clamped to a millisecond: {lease}, taken after {long}"
        );
        tokio::time::sleep(PAST_SHORT).await;
        let taken = acquired(&*leases.b, name, "b", TTL).await;
        assert!(taken.token > lease.token);
        leases.b.release(&taken).await.expect("release");
    }
    leases.a.release(&long).await.expect("release");
}

/// Of many acquirers racing on one handle for a free lease, exactly one gets it; after its
/// release, the next race has one winner again, with a greater token.
pub(super) async fn of_many_racing_acquirers_exactly_one_wins(leases: LeasePair) {
    let mut last: Option<Lease> = None;
    for round in 0..3 {
        let won = race_for(&[Arc::clone(&leases.a)], "contested", 16).await;
        assert_eq!(won.len(), 1, "round {round}: {won:?}");
        if let Some(last) = &last {
            assert!(won[0].token > last.token, "{last} then {}", won[0]);
        }
        assert_refused(&*leases.b, "contested", "late").await;
        leases.a.release(&won[0]).await.expect("release");
        last = Some(won[0].clone());
    }
}

/// `per_handle` acquirers on each of `handles`, released together, racing for `name`; the
/// leases they won.
pub(super) async fn race_for(
    handles: &[Arc<dyn Leases>],
    name: &str,
    per_handle: usize,
) -> Vec<Lease> {
    let acquirers = handles
        .iter()
        .enumerate()
        .flat_map(|(h, handle)| {
            (0..per_handle).map(move |i| {
                let (handle, name) = (Arc::clone(handle), name.to_owned());
                async move {
                    handle
                        .try_acquire(&name, &format!("handle{h}-acquirer{i}"), TTL)
                        .await
                }
            })
        })
        .collect();
    race(acquirers)
        .await
        .into_iter()
        .filter_map(|answer| answer.expect("try_acquire failed"))
        .collect()
}
