//! Attacks through data transfer: reaching users out of reach, taking data off someone more
//! powerful, replaying a plan as a weaker actor, a host kind that names the directory's own
//! rows, giving grants and org units the actor could not give, and naming what the source
//! wrote about users out of reach. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use homeroom::records::RecordKind;
use homeroom::storage::{Item, ItemKind};
use homeroom::transfer::{ConflictReason, TransferKind, TransferOptions, TransferableKind};
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnitId,
    roosevelt: OrgUnitId,
    /// Holds View Users and Transfer Data over Lincoln only.
    clerk: Actor,
    kid: User,
    other_kid: User,
    elsewhere: User,
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, units) = h.district_with_schools(&["Lincoln", "Roosevelt"]).await;
    let (lincoln, roosevelt) = (units[0].id, units[1].id);
    let kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln),
        )
        .await;
    let other_kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Oli", "Kid").in_org_unit(lincoln),
        )
        .await;
    let elsewhere = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Eve", "Far").in_org_unit(roosevelt),
        )
        .await;
    let role = d
        .create_role(
            &h.admin,
            id,
            "Transfers",
            [Permission::ViewUsers, Permission::TransferData]
                .into_iter()
                .collect::<homeroom::PermissionSet>(),
        )
        .await
        .unwrap();
    let clerk = h
        .member(
            id,
            UserDetails::new(UserKind::Staff, "Cam", "Clerk").in_org_unit(lincoln),
        )
        .await;
    d.grant_role(&h.admin, id, clerk.id, role.id, Scope::unit(lincoln))
        .await
        .unwrap();
    d.add_note(&h.admin, id, kid.id, "private note")
        .await
        .unwrap();
    d.add_note(&h.admin, id, elsewhere.id, "far note")
        .await
        .unwrap();
    Scene {
        id,
        lincoln,
        roosevelt,
        clerk: Actor::user(id, clerk.id),
        kid,
        other_kid,
        elsewhere,
    }
}

fn counts(c: &homeroom::records::RecordCounts) -> u64 {
    RecordKind::ALL.iter().map(|k| c.of(*k)).sum()
}

async fn total(h: &Harness, s: &Scene, user: UserId) -> u64 {
    counts(
        &h.directory
            .storage()
            .record_counts(s.id, user)
            .await
            .unwrap(),
    )
}

across_backends! {
    async fn attack_transfer_to_or_from_a_user_out_of_reach_is_not_found(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let options = TransferOptions::default();
        let ghost = UserId::from_uuid(uuid::Uuid::from_u128(0xdead));
        let to_far = d.plan_transfer(&s.clerk, s.id, s.kid.id, s.elsewhere.id, options).await.unwrap_err();
        let to_ghost = d.plan_transfer(&s.clerk, s.id, s.kid.id, ghost, options).await.unwrap_err();
        let from_far = d.plan_transfer(&s.clerk, s.id, s.elsewhere.id, s.kid.id, options).await.unwrap_err();
        assert_eq!(to_far.kind(), ErrorKind::NotFound);
        assert_eq!(from_far.kind(), ErrorKind::NotFound);
        // Out of reach reads exactly like no such user (only the id differs).
        assert_eq!(
            to_far.to_string().replace(&s.elsewhere.id.to_string(), "?"),
            to_ghost.to_string().replace(&ghost.to_string(), "?")
        );
        assert_eq!(total(&h, &s, s.elsewhere.id).await, 1);
    }

    async fn attack_taking_data_off_someone_more_powerful_is_forbidden(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // A Lincoln teacher who is also a district administrator.
        let boss = h.member(s.id, UserDetails::new(UserKind::Staff, "Bo", "Boss").in_org_unit(s.lincoln)).await;
        h.grant(s.id, boss.id, Preset::DistrictAdministrator, Scope::District).await;
        d.add_note(&h.admin, s.id, boss.id, "boss note").await.unwrap();
        let options = TransferOptions::default();
        let from_boss = d.plan_transfer(&s.clerk, s.id, boss.id, s.kid.id, options).await.unwrap_err();
        assert_eq!(from_boss.kind(), ErrorKind::Forbidden);
        let to_boss = d.plan_transfer(&s.clerk, s.id, s.kid.id, boss.id, options).await.unwrap_err();
        assert_eq!(to_boss.kind(), ErrorKind::Forbidden);
        assert_eq!(total(&h, &s, boss.id).await, 1);
    }

    async fn attack_plan_replayed_by_a_weaker_actor_is_checked_again(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // The administrator plans a transfer the clerk could not: to a user out of the clerk's reach.
        let plan = d.plan_transfer(&h.admin, s.id, s.kid.id, s.elsewhere.id, TransferOptions::default()).await.unwrap();
        let error = d.apply_transfer(&s.clerk, &plan).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotFound);
        // And one the clerk could plan, but with the source's deletion, which needs Delete Users.
        let deleting = TransferOptions { delete_source: true, ..TransferOptions::default() };
        let plan = d.plan_transfer(&h.admin, s.id, s.kid.id, s.other_kid.id, deleting).await.unwrap();
        let error = d.apply_transfer(&s.clerk, &plan).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);
        assert_eq!(total(&h, &s, s.kid.id).await, 1, "nothing moved");
        assert!(d.user(&h.admin, s.id, s.kid.id).await.is_ok(), "nobody deleted");
    }

    async fn attack_host_kind_naming_directory_rows_moves_nothing(h: Harness) {
        let s = scene(&h).await;
        struct Invitations;
        impl TransferableKind for Invitations {
            fn kind(&self) -> ItemKind { ItemKind::from_static("invitation") }
            fn title(&self) -> &str { "invitations" }
            fn permission(&self) -> Permission { Permission::ViewUsers }
            fn describe(&self, item: &Item) -> String { item.id.to_string() }
        }
        let d = h.directory.clone().with_transferable(Arc::new(Invitations));
        h.with_links(s.id).await;
        let invited = UserDetails::new(UserKind::Staff, "Ivy", "Invited").with_email("ivy@maple.example").unwrap();
        let invited = h.member(s.id, invited).await;
        d.invite_user(&h.admin, s.id, invited.id).await.unwrap();
        let plan = d.plan_transfer(&h.admin, s.id, invited.id, s.other_kid.id, TransferOptions::default()).await.unwrap();
        assert_eq!(plan.moving(), 0);
        assert!(plan.groups.is_empty());
    }

    async fn attack_grants_escalation_via_transfer_is_refused(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let roosevelt = s.roosevelt;
        // Lee holds a role over Lincoln and belongs to Roosevelt too; Ari only to Lincoln.
        let lee = h.member(s.id, UserDetails::new(UserKind::Staff, "Lee", "Leaving").in_org_unit(s.lincoln).in_org_unit(roosevelt)).await;
        h.grant(s.id, lee.id, Preset::User, Scope::unit(s.lincoln)).await;
        let ari = h.member(s.id, UserDetails::new(UserKind::Staff, "Ari", "Arriving").in_org_unit(s.lincoln)).await;
        let options = TransferOptions { delete_source: false, org_units: true, grants: true };

        // The clerk holds neither Manage Roles nor Edit Users: both are conflicts, nothing given.
        let plan = d.plan_transfer(&s.clerk, s.id, lee.id, ari.id, options).await.unwrap();
        let reasons: Vec<ConflictReason> = plan.conflicts.iter().map(|c| c.reason).collect();
        assert_eq!(reasons, vec![ConflictReason::OrgUnitOutOfReach, ConflictReason::GrantEscalates]);
        assert_eq!(plan.access_given(), 0);
        // The access section still shows each, as staying.
        let groups: Vec<(TransferKind, u64, u64)> = plan.access.iter().map(|g| (g.kind.clone(), g.moving, g.staying)).collect();
        assert_eq!(groups, vec![(TransferKind::OrgUnits, 0, 1), (TransferKind::Grants, 0, 1)]);
        let report = d.apply_transfer(&s.clerk, &plan).await.unwrap();
        assert_eq!(report.access, 0);
        assert!(d.grants_of(&h.admin, s.id, ari.id).await.unwrap().is_empty());
        let ari = d.user(&h.admin, s.id, ari.id).await.unwrap();
        assert!(!ari.details.org_units.contains(&roosevelt));

        // Plans the administrator made, giving the grant or the org unit, are checked again for
        // the clerk, each on its own.
        for (org_units, grants) in [(false, true), (true, false)] {
            let options = TransferOptions { delete_source: false, org_units, grants };
            let plan = d.plan_transfer(&h.admin, s.id, lee.id, ari.id, options).await.unwrap();
            assert_eq!(plan.access_given(), 1);
            let error = d.apply_transfer(&s.clerk, &plan).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Forbidden, "{error}");
        }
        assert!(d.grants_of(&h.admin, s.id, ari.id).await.unwrap().is_empty(), "nothing written");
        let ari = d.user(&h.admin, s.id, ari.id).await.unwrap();
        assert!(!ari.details.org_units.contains(&roosevelt), "nothing written");
    }

    async fn attack_grants_are_not_given_by_a_transfer_made_while_impersonating(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        // Two System Administrators: Ann may impersonate Ben, who holds no more than she does.
        let admin = |first: &str| UserDetails::new(UserKind::Staff, first, "Admin").in_org_unit(s.lincoln);
        let ann = h.member(s.id, admin("Ann")).await;
        let ben = h.member(s.id, admin("Ben")).await;
        for who in [ann.id, ben.id] {
            h.grant(s.id, who, Preset::SystemAdministrator, Scope::District).await;
        }
        let lee = h.member(s.id, UserDetails::new(UserKind::Staff, "Lee", "Leaving").in_org_unit(s.lincoln)).await;
        h.grant(s.id, lee.id, Preset::User, Scope::unit(s.lincoln)).await;
        let ari = h.member(s.id, UserDetails::new(UserKind::Staff, "Ari", "Arriving").in_org_unit(s.lincoln)).await;
        let options = TransferOptions { delete_source: false, org_units: false, grants: true };

        // Ben himself could give Lee's grant to Ari...
        let as_ben = Actor::user(s.id, ben.id);
        let own = d.plan_transfer(&as_ben, s.id, lee.id, ari.id, options).await.unwrap();
        assert_eq!(own.access_given(), 1);
        // ...but Ann acting as Ben may not: grants are never given under impersonation.
        let session = d.start_impersonation(&Actor::user(s.id, ann.id), s.id, ben.id, chrono::Duration::minutes(30)).await.unwrap();
        let plan = d.plan_transfer(&session.actor, s.id, lee.id, ari.id, options).await.unwrap();
        assert_eq!(plan.access_given(), 0);
        let reasons: Vec<ConflictReason> = plan.conflicts.iter().map(|c| c.reason).collect();
        assert_eq!(reasons, vec![ConflictReason::GrantEscalates]);
        // Ben's own plan, applied by Ann acting as Ben, is refused (not while impersonating)
        // and writes nothing.
        let error = d.apply_transfer(&session.actor, &own).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Refused, "{error}");
        assert!(d.grants_of(&h.admin, s.id, ari.id).await.unwrap().is_empty(), "nothing written");
    }

    async fn attack_authored_records_about_users_out_of_reach_are_counted_not_named(h: Harness) {
        let d = &h.directory;
        let s = scene(&h).await;
        let roosevelt = s.roosevelt;
        // Lee, a technician in both schools, wrote about Kim (Lincoln) and Eve (Roosevelt),
        // then lost both roles.
        let lee = h.member(s.id, UserDetails::new(UserKind::Staff, "Lee", "Leaving").in_org_unit(s.lincoln)).await;
        h.grant(s.id, lee.id, Preset::Technician, Scope::unit(s.lincoln)).await;
        h.grant(s.id, lee.id, Preset::Technician, Scope::unit(roosevelt)).await;
        let as_lee = Actor::user(s.id, lee.id);
        d.add_note(&as_lee, s.id, s.kid.id, "kid note").await.unwrap();
        let far = d.add_note(&as_lee, s.id, s.elsewhere.id, "far secret").await.unwrap();
        for grant in d.grants_of(&h.admin, s.id, lee.id).await.unwrap() {
            d.revoke_grant(&h.admin, s.id, grant.id).await.unwrap();
        }
        let ari = h.member(s.id, UserDetails::new(UserKind::Staff, "Ari", "Arriving").in_org_unit(s.lincoln)).await;
        // An offboarding officer over Lincoln, who may read notes there.
        let permissions: homeroom::PermissionSet =
            [Permission::ViewUsers, Permission::TransferData, Permission::UserNotes].into_iter().collect();
        let role = d.create_role(&h.admin, s.id, "Offboarding", permissions).await.unwrap();
        let officer = h.member(s.id, UserDetails::new(UserKind::Staff, "Olu", "Officer").in_org_unit(s.lincoln)).await;
        d.grant_role(&h.admin, s.id, officer.id, role.id, Scope::unit(s.lincoln)).await.unwrap();
        let officer = Actor::user(s.id, officer.id);

        let plan = d.plan_transfer(&officer, s.id, lee.id, ari.id, TransferOptions::default()).await.unwrap();
        assert_eq!(plan.authored.len(), 1);
        let notes = &plan.authored[0];
        assert_eq!((notes.moving, notes.described), (2, false));
        assert_eq!(notes.lines, vec!["kid note about Kim Kid".to_owned()]);
        let shown = format!("{:?} {:?}", plan.authored, plan.conflicts);
        assert!(!shown.contains("Eve") && !shown.contains("far secret"), "{shown}");
        // Both move: the note about Eve is Ari's now, though the officer never saw it.
        d.apply_transfer(&officer, &plan).await.unwrap();
        let moved = d.storage().record(s.id, far.id).await.unwrap().unwrap();
        let homeroom::records::RecordBody::Note(note) = &moved.body else { panic!() };
        assert_eq!(note.author.user, Some(ari.id));
        assert_eq!(moved.user, s.elsewhere.id);
    }
}
