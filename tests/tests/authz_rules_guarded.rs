//! More authorization rules that mutation testing showed unguarded, each stated as the rule a
//! reader understands: an edit of a role's application permissions alone takes effect; only a
//! System Administrator district-wide counts as the one who remains; opening a profile is
//! disclosure-logged only for a student and only with the setting on; only a system actor's
//! authority is unlimited; a grant scope naming org units the district does not have is
//! refused; a role's log names its application permissions only when it has some, and shows
//! none as nothing rather than a blank. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::*;
use homeroom_tests::apps::HelpDesk;
use homeroom_tests::{Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    kid: User,
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let lincoln = schools[0].clone();
    let kid = UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln.id);
    let kid = h.member(id, kid).await;
    Scene { id, lincoln, kid }
}

/// A staff member of Lincoln holding the `preset` role over `scope`.
async fn staff(h: &Harness, s: &Scene, name: &str, preset: Preset, scope: Scope) -> User {
    let details = UserDetails::new(UserKind::Staff, name, "Staff").in_org_unit(s.lincoln.id);
    let user = h.member(s.id, details).await;
    h.grant(s.id, user.id, preset, scope).await;
    user
}

fn code(error: &Error) -> ValidationCode {
    match error.validation() {
        Some(v) => v.errors()[0].code.clone(),
        None => panic!("not a validation error: {error}"),
    }
}

async fn views_of(h: &Harness, s: &Scene, user: UserId) -> u64 {
    let page = h.directory.profile_views(&h.admin, s.id, user, None, 50);
    page.await.unwrap().total
}

across_backends! {
    async fn an_edit_of_a_roles_application_permissions_alone_takes_effect(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let agent = RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers))
            .with_app(HelpDesk::AssignTickets);
        let role = d.create_role(&h.admin, s.id, "Agent", agent).await.unwrap();
        let details = UserDetails::new(UserKind::Staff, "Ann", "Agent").in_org_unit(s.lincoln.id);
        let ann = h.member(s.id, details).await;
        d.grant_role(&h.admin, s.id, ann.id, role.id, Scope::District).await.unwrap();
        d.set_application_access(&h.admin, s.id, ann.id, "helpdesk", true).await.unwrap();
        let ann = Actor::user(s.id, ann.id);
        let close = d.authorize(&ann, s.id, HelpDesk::CloseTickets, s.kid.id).await;
        assert_eq!(close.unwrap_err().kind(), ErrorKind::Forbidden);

        // Homeroom's permissions stay as they are; only the application's change.
        let wider = role.rights().with_app(HelpDesk::CloseTickets);
        let edited = d.set_role_permissions(&h.admin, s.id, role.id, role.version, wider).await.unwrap();
        assert_eq!(edited.version, role.version.next());
        assert!(edited.app_permissions.holds(HelpDesk::CloseTickets));
        let stored = d.roles(&h.admin, s.id).await.unwrap().into_iter().find(|r| r.id == role.id).unwrap();
        assert_eq!(stored, edited);
        d.authorize(&ann, s.id, HelpDesk::CloseTickets, s.kid.id).await.unwrap();
        let log = d.storage().activity(s.id, &ActivityQuery { subject: Subject::Role(role.id), after: None, limit: 50 }).await.unwrap();
        assert_eq!(log.items[0].changes[0].field, "application permissions");

        // Taking one away takes effect as well.
        let narrower = RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers))
            .with_app(HelpDesk::CloseTickets);
        d.set_role_permissions(&h.admin, s.id, role.id, edited.version, narrower).await.unwrap();
        let assign = d.authorize(&ann, s.id, HelpDesk::AssignTickets, s.kid.id).await;
        assert_eq!(assign.unwrap_err().kind(), ErrorKind::Forbidden);
    }

    async fn a_new_roles_log_names_its_application_permissions_only_when_it_has_some(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let viewer = RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers));
        for (name, rights, logged) in [
            ("Viewer", viewer.clone(), vec!["permissions"]),
            ("Agent", viewer.with_app(HelpDesk::AssignTickets), vec!["permissions", "application permissions"]),
        ] {
            let role = d.create_role(&h.admin, s.id, name, rights).await.unwrap();
            let query = ActivityQuery { subject: Subject::Role(role.id), after: None, limit: 50 };
            let log = d.storage().activity(s.id, &query).await.unwrap();
            assert_eq!(log.items.len(), 1, "{name}");
            let fields: Vec<&str> = log.items[0].changes.iter().map(|c| c.field.as_ref()).collect();
            assert_eq!(fields, logged, "{name}");
        }
    }

    async fn a_roles_log_shows_no_application_permissions_as_nothing_not_as_blank(h: Harness) {
        let h = h.knowing_apps();
        let s = scene(&h).await;
        let d = &h.directory;
        let viewer = RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers));
        let role = d.create_role(&h.admin, s.id, "Viewer", viewer.clone()).await.unwrap();
        let agent = viewer.clone().with_app(HelpDesk::AssignTickets);
        let role = d.set_role_permissions(&h.admin, s.id, role.id, role.version, agent).await.unwrap();
        d.set_role_permissions(&h.admin, s.id, role.id, role.version, viewer).await.unwrap();
        let query = ActivityQuery { subject: Subject::Role(role.id), after: None, limit: 50 };
        let log = d.storage().activity(s.id, &query).await.unwrap();
        // Newest first: taken away, then given.
        let (taken, given) = (&log.items[0].changes[0], &log.items[1].changes[0]);
        assert_eq!(given.field, "application permissions");
        assert_eq!(given.old, None);
        assert!(given.new.as_deref().is_some_and(|d| !d.is_empty()), "{given:?}");
        assert!(taken.old.as_deref().is_some_and(|d| !d.is_empty()), "{taken:?}");
        assert_eq!(taken.new, None);
    }

    async fn only_a_system_administrator_district_wide_counts_as_the_one_who_remains(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let ann = staff(&h, &s, "Ann", Preset::SystemAdministrator, Scope::District).await;
        // Neither System Administrator over one school, nor another role district-wide,
        // keeps the district administered.
        staff(&h, &s, "Bob", Preset::SystemAdministrator, Scope::unit(s.lincoln.id)).await;
        staff(&h, &s, "Cal", Preset::Observer, Scope::District).await;
        let grant = d.grants_of(&h.admin, s.id, ann.id).await.unwrap().remove(0);
        let err = d.revoke_grant(&h.admin, s.id, grant.id).await.unwrap_err();
        assert_eq!(code(&err), ValidationCode::LastSystemAdministrator, "{err}");
        let err = d.set_status(&h.admin, s.id, ann.id, ann.version, RecordStatus::Archived).await.unwrap_err();
        assert_eq!(code(&err), ValidationCode::LastSystemAdministrator, "{err}");

        // A second one district-wide does: then Ann's grant may go.
        staff(&h, &s, "Dee", Preset::SystemAdministrator, Scope::District).await;
        d.revoke_grant(&h.admin, s.id, grant.id).await.unwrap();
        assert!(d.grants_of(&h.admin, s.id, ann.id).await.unwrap().is_empty());
    }

    async fn opening_a_profile_is_disclosure_logged_only_for_a_student_with_the_setting_on(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let pat = staff(&h, &s, "Pat", Preset::SystemAdministrator, Scope::District).await;
        let teacher = UserDetails::new(UserKind::Staff, "Tia", "Teacher").in_org_unit(s.lincoln.id);
        let teacher = h.member(s.id, teacher).await;
        let pat = Actor::user(s.id, pat.id);
        assert!(d.district(&h.admin, s.id).await.unwrap().settings.audit_profile_views);
        d.profile(&pat, s.id, teacher.id, 5).await.unwrap();
        assert_eq!(views_of(&h, &s, teacher.id).await, 0, "a staff member's profile is no disclosure");
        d.profile(&pat, s.id, s.kid.id, 5).await.unwrap();
        assert_eq!(views_of(&h, &s, s.kid.id).await, 1, "a student's profile is");

        let mut district = d.district(&h.admin, s.id).await.unwrap();
        district.settings.audit_profile_views = false;
        d.update_district_settings(&h.admin, s.id, district.version, district.settings).await.unwrap();
        d.profile(&pat, s.id, s.kid.id, 5).await.unwrap();
        d.profile(&pat, s.id, teacher.id, 5).await.unwrap();
        assert_eq!(views_of(&h, &s, s.kid.id).await, 1, "with the setting off nothing is logged");
        assert_eq!(views_of(&h, &s, teacher.id).await, 0);
    }

    async fn only_a_system_actors_authority_is_unlimited(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let system = d.authority(&h.admin, s.id).await.unwrap();
        assert!(system.authority().is_unlimited());
        let admin = staff(&h, &s, "Ann", Preset::SystemAdministrator, Scope::District).await;
        let building = staff(&h, &s, "Bea", Preset::BuildingAdministrator, Scope::unit(s.lincoln.id)).await;
        for user in [&admin, &building, &s.kid] {
            let held = d.authority(&Actor::user(s.id, user.id), s.id).await.unwrap();
            assert!(!held.authority().is_unlimited(), "{}", user.details.name.display());
        }
        // And not being unlimited matters: the building administrator may not act on the
        // district's System Administrator, who holds more.
        let building = Actor::user(s.id, building.id);
        let err = d.set_access(&building, s.id, admin.id, admin.version, Access::Suspended).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    }

    async fn attack_a_grant_scope_naming_org_units_the_district_does_not_have(h: Harness) {
        // A System Administrator (holding everything district-wide) names another district's
        // school, a unit that exists nowhere, or nothing: each is refused, nothing written.
        let s = scene(&h).await;
        let d = &h.directory;
        let ann = staff(&h, &s, "Ann", Preset::SystemAdministrator, Scope::District).await;
        let ann = Actor::user(s.id, ann.id);
        let other = d.create_district(&h.admin, "Cedar Springs").await.unwrap().id;
        let foreign = d.create_org_unit(&h.admin, other, NewOrgUnit::school("Cedar High")).await.unwrap();
        let nowhere = OrgUnitId::from_uuid(uuid::Uuid::from_u128(0x0bad_0bad));
        let observer = h.preset_role(s.id, Preset::Observer).await;
        let scopes = [
            (Scope::unit(foreign.id), ValidationCode::UnknownOrgUnit),
            (Scope::unit(nowhere), ValidationCode::UnknownOrgUnit),
            (Scope::OrgUnits([s.lincoln.id, foreign.id].into()), ValidationCode::UnknownOrgUnit),
            (Scope::OrgUnits(Default::default()), ValidationCode::Required),
        ];
        for (scope, expected) in scopes {
            let err = d.grant_role(&ann, s.id, s.kid.id, observer, scope.clone()).await.unwrap_err();
            assert_eq!(code(&err), expected, "{scope:?}: {err}");
        }
        assert!(d.grants_of(&h.admin, s.id, s.kid.id).await.unwrap().is_empty());
        d.grant_role(&ann, s.id, s.kid.id, observer, Scope::unit(s.lincoln.id)).await.unwrap();
    }
}
