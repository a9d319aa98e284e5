//! Two authorization changes decided at the same moment never both win: every role or grant
//! change moves the district's version, so of two changes decided on the same state the second
//! to write conflicts and writes nothing. The store holds both writes until both commands have
//! decided (what "two admins at the same moment" means, made repeatable). Run over memory,
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use homeroom::*;
use homeroom_tests::race::{Gate, Hooked, at_once};
use homeroom_tests::{Harness, across_backends};

struct Race {
    h: Harness,
    gate: Arc<Hooked<Gate>>,
    id: DistrictId,
    kid: User,
    /// Two System Administrators, the district's only ones, and their grants.
    ann: Actor,
    ben: Actor,
    ann_grant: Grant,
    ben_grant: Grant,
    /// Two custom roles holding View Users.
    one: Role,
    two: Role,
}

/// A district on a store of `h`'s backend whose writes can be held, with two System
/// Administrators and two custom roles.
async fn race(h: Harness) -> Race {
    let gate = Arc::new(Hooked::new(h.backend.storage().await, Gate::default()));
    let h = Harness::over(h.backend, gate.clone()).await;
    let (id, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let lincoln = schools[0].id;
    let kid = UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln);
    let kid = h.member(id, kid).await;
    let mut admins = Vec::new();
    for name in ["Ann", "Ben"] {
        let details = UserDetails::new(UserKind::Staff, name, "Admin").in_org_unit(lincoln);
        let user = h.member(id, details).await;
        h.grant(id, user.id, Preset::SystemAdministrator, Scope::District)
            .await;
        let grant = h.directory.grants_of(&h.admin, id, user.id).await.unwrap();
        admins.push((Actor::user(id, user.id), grant[0].clone()));
    }
    let (ben, ben_grant) = admins.pop().unwrap();
    let (ann, ann_grant) = admins.pop().unwrap();
    let viewers = PermissionSet::EMPTY.with(Permission::ViewUsers);
    let d = &h.directory;
    let one = d.create_role(&h.admin, id, "One", viewers).await.unwrap();
    let two = d.create_role(&h.admin, id, "Two", viewers).await.unwrap();
    Race {
        h,
        gate,
        id,
        kid,
        ann,
        ben,
        ann_grant,
        ben_grant,
        one,
        two,
    }
}

/// Exactly one of the two outcomes is a success and the other a version conflict.
fn exactly_one_wins<A: std::fmt::Debug, B: std::fmt::Debug>(
    x: &Result<A, Error>,
    y: &Result<B, Error>,
) -> bool {
    let kinds = [
        x.as_ref().err().map(Error::kind),
        y.as_ref().err().map(Error::kind),
    ];
    assert!(
        kinds.contains(&None) && kinds.contains(&Some(ErrorKind::Conflict)),
        "exactly one of two racing changes wins, the other conflicts: {x:?} / {y:?}"
    );
    x.is_ok()
}

fn with_notes() -> PermissionSet {
    PermissionSet::EMPTY
        .with(Permission::ViewUsers)
        .with(Permission::UserNotes)
}

async fn stored_role(r: &Race, id: RoleId) -> Role {
    let roles = r.h.directory.roles(&r.h.admin, r.id).await.unwrap();
    roles.into_iter().find(|role| role.id == id).unwrap()
}

across_backends! {
    async fn the_last_two_administrators_revoking_each_other_at_once_leave_one(h: Harness) {
        let r = race(h).await;
        let d = &r.h.directory;
        r.gate.hook().hold_next_applies(2);
        let (x, y) = at_once(
            d.revoke_grant(&r.ann, r.id, r.ben_grant.id),
            d.revoke_grant(&r.ben, r.id, r.ann_grant.id),
        ).await;
        let ann_won = exactly_one_wins(&x, &y);
        let mut left: Vec<GrantId> = Vec::new();
        for admin in [&r.ann, &r.ben] {
            let grants = d.grants_of(&r.h.admin, r.id, admin.user_id().unwrap()).await.unwrap();
            left.extend(grants.into_iter().map(|g| g.id));
        }
        let survivor = if ann_won { r.ann_grant.id } else { r.ben_grant.id };
        let revoked = if ann_won { r.ben_grant.id } else { r.ann_grant.id };
        assert!(left.contains(&survivor) && !left.contains(&revoked), "{left:?}");
    }

    async fn a_bulk_suspension_of_one_administrator_racing_the_others_revocation_leaves_one(h: Harness) {
        let r = race(h).await;
        let d = &r.h.directory;
        let ben = r.ben.user_id().unwrap();
        let selection = Selection::Users([ben].into_iter().collect());
        let preview = d.preview_bulk(&r.ann, r.id, selection, BulkAction::Suspend).await.unwrap();
        r.gate.hook().hold_next_applies(2);
        let (x, y) = at_once(
            d.apply_bulk(&r.ann, r.id, &preview),
            d.revoke_grant(&r.ben, r.id, r.ann_grant.id),
        ).await;
        let ann_won = exactly_one_wins(&x, &y);
        let ben_access = d.user(&r.h.admin, r.id, ben).await.unwrap().access;
        let ann_grants = d.grants_of(&r.h.admin, r.id, r.ann.user_id().unwrap()).await.unwrap();
        if ann_won {
            assert_eq!((ben_access, ann_grants.len()), (Access::Suspended, 1));
        } else {
            assert_eq!((ben_access, ann_grants.len()), (Access::Allowed, 0));
        }
    }

    async fn two_grants_decided_at_once_do_not_both_land(h: Harness) {
        let r = race(h).await;
        let d = &r.h.directory;
        r.gate.hook().hold_next_applies(2);
        let (x, y) = at_once(
            d.grant_role(&r.ann, r.id, r.kid.id, r.one.id, Scope::District),
            d.grant_role(&r.ben, r.id, r.kid.id, r.two.id, Scope::District),
        ).await;
        let ann_won = exactly_one_wins(&x, &y);
        let held: Vec<RoleId> = d.grants_of(&r.h.admin, r.id, r.kid.id).await.unwrap().into_iter().map(|g| g.role).collect();
        assert_eq!(held, [if ann_won { r.one.id } else { r.two.id }]);
    }

    async fn two_role_edits_decided_at_once_do_not_both_land(h: Harness) {
        let r = race(h).await;
        let d = &r.h.directory;
        r.gate.hook().hold_next_applies(2);
        let (x, y) = at_once(
            d.set_role_permissions(&r.ann, r.id, r.one.id, r.one.version, with_notes()),
            d.set_role_permissions(&r.ben, r.id, r.two.id, r.two.version, with_notes()),
        ).await;
        let ann_won = exactly_one_wins(&x, &y);
        let (winner, loser) = if ann_won { (&r.one, &r.two) } else { (&r.two, &r.one) };
        let (winner, loser) = (stored_role(&r, winner.id).await, stored_role(&r, loser.id).await);
        assert_eq!((winner.permissions, winner.version), (with_notes(), r.one.version.next()));
        assert_eq!((loser.permissions, loser.version), (r.one.permissions, r.one.version));
    }

    async fn a_role_edit_racing_a_grant_of_that_role_does_not_both_land(h: Harness) {
        // Ann widens role One while Ben hands the kid role One as it was: had both landed, the
        // kid would hold a permission Ben never decided to give.
        let r = race(h).await;
        let d = &r.h.directory;
        r.gate.hook().hold_next_applies(2);
        let (x, y) = at_once(
            d.set_role_permissions(&r.ann, r.id, r.one.id, r.one.version, with_notes()),
            d.grant_role(&r.ben, r.id, r.kid.id, r.one.id, Scope::District),
        ).await;
        let edit_won = exactly_one_wins(&x, &y);
        let held = d.grants_of(&r.h.admin, r.id, r.kid.id).await.unwrap();
        let one = stored_role(&r, r.one.id).await;
        if edit_won {
            assert!(held.is_empty() && one.permissions == with_notes(), "{held:?} {one:?}");
        } else {
            assert_eq!((held.len(), one.permissions), (1, r.one.permissions));
        }
    }
}
