//! Host applications: their permissions held through roles, checked with Homeroom's scope
//! rules (NotFound outside reach, Forbidden inside), only while the user is enabled for the
//! application; the Access tab; enabling users in bulk with a preview. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::authz::{AppPermission, Applications, RegistrationError};
use homeroom::*;
use homeroom_tests::apps::{Grading, HelpDesk};
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    kid: User,
    far_kid: User,
    agent_role: Role,
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    let (lincoln, washington) = (schools[0].clone(), schools[1].clone());
    let kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln.id),
        )
        .await;
    let far_kid = h
        .member(
            id,
            UserDetails::new(UserKind::Student, "Far", "Away").in_org_unit(washington.id),
        )
        .await;
    let agent_role = h
        .directory
        .create_role(
            &h.admin,
            id,
            "Help Desk Agent",
            RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers))
                .with_app(HelpDesk::AssignTickets),
        )
        .await
        .unwrap();
    Scene {
        id,
        lincoln,
        washington,
        kid,
        far_kid,
        agent_role,
    }
}

/// A staff member of Lincoln holding `role` over `scope`, enabled for the help desk when
/// `enabled`.
async fn staff(
    h: &Harness,
    s: &Scene,
    name: &str,
    role: RoleId,
    scope: Scope,
    enabled: bool,
) -> User {
    let d = &h.directory;
    let user = d
        .create_user(
            &h.admin,
            s.id,
            UserDetails::new(UserKind::Staff, name, "Staff").in_org_unit(s.lincoln.id),
        )
        .await
        .unwrap();
    d.grant_role(&h.admin, s.id, user.id, role, scope)
        .await
        .unwrap();
    if enabled {
        d.set_application_access(&h.admin, s.id, user.id, "helpdesk", true)
            .await
            .unwrap();
    }
    user
}

#[test]
fn a_catalog_registers_once_and_checks_its_keys_and_ordinals() {
    let apps = homeroom_tests::apps::both();
    assert_eq!(apps.len(), 4);
    assert_ne!(
        apps.index_of(HelpDesk::CloseTickets),
        apps.index_of(Grading::PublishGrades)
    );
    let again = apps.clone().register::<HelpDesk>();
    assert_eq!(again.err(), Some(RegistrationError::Duplicate("helpdesk")));

    #[derive(Clone, Copy, Debug)]
    enum Broken {
        A,
        B,
    }
    impl AppPermission for Broken {
        const APPLICATION: homeroom::ApplicationSpec = homeroom::ApplicationSpec {
            key: "broken",
            name: "Broken",
        };
        const ALL: &'static [Self] = &[Self::A, Self::B];
        fn key(self) -> &'static str {
            "same"
        }
        fn label(self) -> &'static str {
            "Same"
        }
        fn ordinal(self) -> usize {
            0
        }
    }
    assert_eq!(
        Applications::new().register::<Broken>().err(),
        Some(RegistrationError::DuplicatePermission("same"))
    );
}

across_backends! {
    async fn a_role_keeps_its_application_permissions(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let roles = h.directory.roles(&h.admin, s.id).await.unwrap();
        let stored = roles.iter().find(|r| r.id == s.agent_role.id).unwrap();
        assert!(stored.app_permissions.holds(HelpDesk::AssignTickets));
        assert!(!stored.app_permissions.holds(HelpDesk::CloseTickets));
        let edited = h
            .directory
            .set_role_permissions(
                &h.admin,
                s.id,
                stored.id,
                stored.version,
                stored.rights().with_app(HelpDesk::CloseTickets),
            )
            .await
            .unwrap();
        let roles = h.directory.roles(&h.admin, s.id).await.unwrap();
        let stored = roles.iter().find(|r| r.id == s.agent_role.id).unwrap();
        assert_eq!(stored, &edited);
        assert!(stored.app_permissions.holds(HelpDesk::CloseTickets));
    }

    async fn the_check_is_not_found_outside_reach_and_forbidden_inside(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let agent = staff(&h, &s, "Ann", s.agent_role.id, Scope::unit(s.lincoln.id), true).await;
        let ann = Actor::user(s.id, agent.id);
        let found = d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.kid.id).await.unwrap();
        assert_eq!(found.id, s.kid.id);
        let far = d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.far_kid.id).await;
        assert_eq!(far.unwrap_err().kind(), ErrorKind::NotFound);
        let close = d.authorize(&ann, s.id, HelpDesk::CloseTickets, s.kid.id).await.unwrap_err();
        assert_eq!(close.kind(), ErrorKind::Forbidden);
        assert!(close.to_string().contains("Help Desk: Close Tickets"), "{close}");
        // The other application's permissions: forbidden, never leaked.
        let grade = d.authorize(&ann, s.id, Grading::GradeAssessments, s.kid.id).await;
        assert_eq!(grade.unwrap_err().kind(), ErrorKind::Forbidden);
        // Homeroom's own permissions through the same call.
        let edit = d.authorize(&ann, s.id, Permission::EditUsers, s.kid.id).await;
        assert_eq!(edit.unwrap_err().kind(), ErrorKind::Forbidden);
        d.authorize(&ann, s.id, Permission::ViewUsers, s.kid.id).await.unwrap();
        // Over org units.
        d.authorize_unit(&ann, s.id, HelpDesk::AssignTickets, s.lincoln.id).await.unwrap();
        let unit = d.authorize_unit(&ann, s.id, HelpDesk::AssignTickets, s.washington.id).await;
        assert_eq!(unit.unwrap_err().kind(), ErrorKind::NotFound);
        // The compiled authority answers the same without reading storage again.
        let compiled = d.authority(&ann, s.id).await.unwrap();
        assert!(compiled.allows(HelpDesk::AssignTickets, &s.kid));
        assert!(!compiled.allows(HelpDesk::AssignTickets, &s.far_kid));
        assert!(compiled.is_enabled(HelpDesk::APPLICATION));
        assert!(!compiled.is_enabled(Grading::APPLICATION));
    }

    async fn a_disabled_user_holds_none_of_the_applications_permissions(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let agent = staff(&h, &s, "Ann", s.agent_role.id, Scope::District, false).await;
        let ann = Actor::user(s.id, agent.id);
        let never = d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.kid.id).await;
        assert_eq!(never.unwrap_err().kind(), ErrorKind::Forbidden);
        assert!(!d.authority(&ann, s.id).await.unwrap().is_enabled(HelpDesk::APPLICATION));
        assert!(d.set_application_access(&h.admin, s.id, agent.id, "helpdesk", true).await.unwrap());
        d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.kid.id).await.unwrap();
        assert!(d.set_application_access(&h.admin, s.id, agent.id, "helpdesk", false).await.unwrap());
        let disabled = d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.kid.id).await;
        assert_eq!(disabled.unwrap_err().kind(), ErrorKind::Forbidden);
        // Setting what is already set writes nothing.
        assert!(!d.set_application_access(&h.admin, s.id, agent.id, "helpdesk", false).await.unwrap());
        let unknown = d.set_application_access(&h.admin, s.id, agent.id, "payroll", true).await;
        assert_eq!(unknown.unwrap_err().kind(), ErrorKind::Invalid);
    }

    async fn search_finds_the_users_an_actor_may_assign_tickets_to(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        // Ann sees both schools but assigns tickets only at Lincoln.
        let viewer = d
            .create_role(&h.admin, s.id, "Viewer", PermissionSet::EMPTY.with(Permission::ViewUsers))
            .await
            .unwrap();
        let agent = staff(&h, &s, "Ann", s.agent_role.id, Scope::unit(s.lincoln.id), true).await;
        d.grant_role(&h.admin, s.id, agent.id, viewer.id, Scope::District).await.unwrap();
        let ann = Actor::user(s.id, agent.id);
        let everyone = d.search_users(&ann, s.id, &UserSearch::default().kind(UserKind::Student)).await.unwrap();
        assert_eq!(everyone.total, 2);
        let assignable = UserSearch::default()
            .kind(UserKind::Student)
            .allowed_to(HelpDesk::AssignTickets);
        let found = d.search_users(&ann, s.id, &assignable).await.unwrap();
        assert_eq!(found.items.iter().map(|u| u.id).collect::<Vec<_>>(), [s.kid.id]);
        assert_eq!(found.total, 1);
        let closable = UserSearch::default().allowed_to(HelpDesk::CloseTickets);
        assert_eq!(d.search_users(&ann, s.id, &closable).await.unwrap().total, 0);
        // Disabled: nobody.
        d.set_application_access(&h.admin, s.id, agent.id, "helpdesk", false).await.unwrap();
        assert_eq!(d.search_users(&ann, s.id, &assignable).await.unwrap().total, 0);
    }

    async fn the_access_tab_lists_applications_roles_and_who_enabled_them(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let agent = staff(&h, &s, "Ann", s.agent_role.id, Scope::unit(s.lincoln.id), true).await;
        let tab = d.application_access(&h.admin, s.id, agent.id).await.unwrap();
        assert_eq!(tab.len(), 2);
        let desk = tab.iter().find(|a| a.application == "helpdesk").unwrap();
        assert!(desk.enabled);
        assert_eq!(desk.roles, ["Help Desk Agent"]);
        assert_eq!(desk.changed_by.as_ref().map(|w| w.name.as_str()), Some("test setup"));
        assert_eq!(desk.changed_at, Some(h.clock.now()));
        // The same lines as the profile's Access tab.
        let profile = d.profile(&h.admin, s.id, agent.id, 5).await.unwrap();
        assert!(profile.titles().contains(&"Access"));
        let grading = tab.iter().find(|a| a.application == "grading").unwrap();
        assert!(!grading.enabled && grading.roles.is_empty() && grading.changed_by.is_none());
        let log = d.user_activity(&h.admin, s.id, agent.id, None, 10).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == ActivityAction::AccessChanged
            && e.changes.iter().any(|c| c.field == "access to Help Desk")));
        // Out of reach: the tab does not exist.
        let far = staff(&h, &s, "Bo", s.agent_role.id, Scope::unit(s.washington.id), true).await;
        let bo = Actor::user(s.id, far.id);
        let hidden = d.application_access(&bo, s.id, s.kid.id).await;
        assert_eq!(hidden.unwrap_err().kind(), ErrorKind::NotFound);
    }

    async fn users_from_another_service_are_enabled_by_search_after_a_preview(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let search = Selection::Matching(UserSearch::default().kind(UserKind::Student));
        let preview = d.enable_application(&h.admin, s.id, "grading", &search, true).await.unwrap();
        assert_eq!(preview.enabled.len(), 2);
        let tab = d.application_access(&h.admin, s.id, s.kid.id).await.unwrap();
        assert!(tab.iter().all(|a| !a.enabled), "a preview writes nothing");
        let done = d.enable_application(&h.admin, s.id, "grading", &search, false).await.unwrap();
        assert_eq!(done, preview);
        let again = d.enable_application(&h.admin, s.id, "grading", &search, false).await.unwrap();
        assert_eq!((again.enabled.len(), again.already), (0, 2));
        let picked = Selection::Users([s.kid.id].into());
        let one = d.enable_application(&h.admin, s.id, "helpdesk", &picked, false).await.unwrap();
        assert_eq!(one.enabled, [s.kid.id]);
    }

    async fn a_system_administrator_grants_application_roles(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let admin_role = h.preset_role(s.id, Preset::SystemAdministrator).await;
        let admin = staff(&h, &s, "Sam", admin_role, Scope::District, true).await;
        let sam = Actor::user(s.id, admin.id);
        let agent = h.member(s.id, UserDetails::new(UserKind::Staff, "Ann", "A").in_org_unit(s.lincoln.id)).await;
        d.grant_role(&sam, s.id, agent.id, s.agent_role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let graders = RolePermissions::default().with_app(Grading::GradeAssessments);
        // Not enabled for the grade book: its permissions do not apply to Sam, even to grant.
        let disabled = d.create_role(&sam, s.id, "Graders", graders.clone()).await;
        assert_eq!(disabled.unwrap_err().kind(), ErrorKind::Forbidden);
        d.set_application_access(&h.admin, s.id, admin.id, "grading", true).await.unwrap();
        let role = d.create_role(&sam, s.id, "Graders", graders).await.unwrap();
        assert!(role.app_permissions.holds(Grading::GradeAssessments));
    }
}
