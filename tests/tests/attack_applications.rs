//! Attacks through host application permissions: each test is one thing an attacker tried, and
//! what stops it. The rules: nobody grants an application permission they do not hold over the
//! whole scope; nobody changes the account of someone holding application permissions they do
//! not hold; an application's permissions never count for another application, another
//! district, or a user disabled for it. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::*;
use homeroom_tests::apps::{Grading, HelpDesk};
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    /// View, Manage Users and Manage Roles over Lincoln, and Assign Tickets there: enabled
    /// for the help desk.
    lead: Actor,
    lead_user: User,
    /// View Users + Assign Tickets.
    agent_role: Role,
    /// A Lincoln teacher without grants.
    teacher: User,
}

fn set(permissions: &[Permission]) -> PermissionSet {
    permissions.iter().copied().collect()
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let lincoln = schools[0].clone();
    let in_lincoln =
        |first: &str| UserDetails::new(UserKind::Staff, first, "Staff").in_org_unit(lincoln.id);
    let agent_role = d
        .create_role(
            &h.admin,
            id,
            "Agent",
            RolePermissions::from(set(&[Permission::ViewUsers])).with_app(HelpDesk::AssignTickets),
        )
        .await
        .unwrap();
    let lead_role = d
        .create_role(
            &h.admin,
            id,
            "Lead",
            RolePermissions::from(set(&[
                Permission::ViewUsers,
                Permission::ManageUsers,
                Permission::ManageRoles,
            ]))
            .with_app(HelpDesk::AssignTickets),
        )
        .await
        .unwrap();
    let lead_user = h.member(id, in_lincoln("Lee")).await;
    d.grant_role(
        &h.admin,
        id,
        lead_user.id,
        lead_role.id,
        Scope::unit(lincoln.id),
    )
    .await
    .unwrap();
    d.set_application_access(&h.admin, id, lead_user.id, "helpdesk", true)
        .await
        .unwrap();
    let teacher = h.member(id, in_lincoln("Tess")).await;
    Scene {
        id,
        lead: Actor::user(id, lead_user.id),
        lead_user,
        lincoln,
        agent_role,
        teacher,
    }
}

fn forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Forbidden);
}

across_backends! {
    async fn attack_grant_an_application_role_beyond_the_scope_held(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        forbidden(d.grant_role(&s.lead, s.id, s.teacher.id, s.agent_role.id, Scope::District).await);
        d.grant_role(&s.lead, s.id, s.teacher.id, s.agent_role.id, Scope::unit(s.lincoln.id))
            .await
            .unwrap();
    }

    async fn attack_grant_an_application_permission_not_held(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let closer = d
            .create_role(&h.admin, s.id, "Closer", RolePermissions::default().with_app(HelpDesk::CloseTickets))
            .await
            .unwrap();
        forbidden(d.grant_role(&s.lead, s.id, s.teacher.id, closer.id, Scope::unit(s.lincoln.id)).await);
        let grader = d
            .create_role(&h.admin, s.id, "Grader", RolePermissions::default().with_app(Grading::GradeAssessments))
            .await
            .unwrap();
        forbidden(d.grant_role(&s.lead, s.id, s.teacher.id, grader.id, Scope::unit(s.lincoln.id)).await);
    }

    async fn attack_grant_while_disabled_for_the_application(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        d.set_application_access(&h.admin, s.id, s.lead_user.id, "helpdesk", false).await.unwrap();
        forbidden(d.grant_role(&s.lead, s.id, s.teacher.id, s.agent_role.id, Scope::unit(s.lincoln.id)).await);
    }

    async fn attack_edit_a_role_to_carry_an_application_permission(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        // A district-wide role manager without any help desk permission.
        let managers = d
            .create_role(&h.admin, s.id, "Role Managers", set(&[Permission::ViewUsers, Permission::ManageRoles]))
            .await
            .unwrap();
        let manager = h.member(s.id, UserDetails::new(UserKind::Staff, "Max", "M")).await;
        d.grant_role(&h.admin, s.id, manager.id, managers.id, Scope::District).await.unwrap();
        d.set_application_access(&h.admin, s.id, manager.id, "helpdesk", true).await.unwrap();
        let max = Actor::user(s.id, manager.id);
        let plain = d.create_role(&max, s.id, "Plain", set(&[Permission::ViewUsers])).await.unwrap();
        let raised = plain.rights().with_app(HelpDesk::CloseTickets);
        forbidden(d.set_role_permissions(&max, s.id, plain.id, plain.version, raised.clone()).await);
        forbidden(d.create_role(&max, s.id, "Raised", raised).await);
        // Taking one away needs it too.
        forbidden(d.set_role_permissions(&max, s.id, s.agent_role.id, s.agent_role.version, set(&[Permission::ViewUsers])).await);
        // A permission no application registers: invalid, whoever asks.
        let bogus = RolePermissions {
            permissions: PermissionSet::EMPTY,
            apps: AppPermissions::new().with_key("helpdesk", "delete_everything"),
        };
        let invalid = d.create_role(&h.admin, s.id, "Bogus", bogus).await.unwrap_err();
        assert_eq!(invalid.kind(), ErrorKind::Invalid);
    }

    async fn attack_change_the_account_of_someone_holding_more_application_permissions(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        // A Lincoln user manager without help desk permissions, and a Lincoln agent.
        let managers = d
            .create_role(&h.admin, s.id, "Managers", set(&[Permission::ViewUsers, Permission::ManageUsers]))
            .await
            .unwrap();
        let manager = h.member(s.id, UserDetails::new(UserKind::Staff, "Mo", "M").in_org_unit(s.lincoln.id)).await;
        d.grant_role(&h.admin, s.id, manager.id, managers.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let mo = Actor::user(s.id, manager.id);
        d.grant_role(&h.admin, s.id, s.teacher.id, s.agent_role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        // Disabled, the agent holds nothing more than Mo: Mo may change them...
        let teacher = d.user(&mo, s.id, s.teacher.id).await.unwrap();
        d.set_status(&mo, s.id, teacher.id, teacher.version, RecordStatus::Inactive).await.unwrap();
        let teacher = d.user(&mo, s.id, s.teacher.id).await.unwrap();
        d.set_status(&mo, s.id, teacher.id, teacher.version, RecordStatus::Active).await.unwrap();
        // ...but not turn the help desk on for them (that would switch on what Mo lacks),
        forbidden(d.set_application_access(&mo, s.id, s.teacher.id, "helpdesk", true).await);
        let bulk = d
            .enable_application(&mo, s.id, "helpdesk", &Selection::Users([s.teacher.id].into()), false)
            .await
            .unwrap();
        assert_eq!((bulk.enabled.len(), bulk.skipped), (0, 1));
        // and once enabled, Mo may no longer change them at all.
        d.set_application_access(&h.admin, s.id, s.teacher.id, "helpdesk", true).await.unwrap();
        let teacher = d.user(&mo, s.id, s.teacher.id).await.unwrap();
        forbidden(d.set_status(&mo, s.id, teacher.id, teacher.version, RecordStatus::Inactive).await);
        forbidden(d.set_application_access(&mo, s.id, s.teacher.id, "helpdesk", false).await);
    }

    async fn attack_use_an_application_role_in_another_district(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let other = d.create_district(&h.admin, "Cedar Springs").await.unwrap();
        let stranger = h.member(other.id, UserDetails::new(UserKind::Student, "Sid", "S")).await;
        let lee = d.authorize(&s.lead, other.id, HelpDesk::AssignTickets, stranger.id).await;
        assert_eq!(lee.unwrap_err().kind(), ErrorKind::NotFound);
        let cross = d.authorize(&s.lead, s.id, HelpDesk::AssignTickets, stranger.id).await;
        assert_eq!(cross.unwrap_err().kind(), ErrorKind::NotFound);
    }
}
