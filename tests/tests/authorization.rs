//! End-to-end authorization: building scopes, NotFound outside scope, Forbidden inside it,
//! no escalation, revocation, the last System Administrator. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::*;
use homeroom_tests::{Harness, across_backends};

/// Two schools with students, a district IT director, a principal of Lincoln, a technician of
/// Lincoln, and a System Administrator.
struct District2 {
    id: DistrictId,
    lincoln: OrgUnit,
    lincoln_science: OrgUnit,
    washington: OrgUnit,
    lincoln_kid: User,
    science_kid: User,
    washington_kid: User,
    sysadmin: Actor,
    it_director: Actor,
    principal: Actor,
    principal_id: UserId,
    technician: Actor,
    roles: Vec<Role>,
}

impl District2 {
    fn role(&self, preset: Preset) -> RoleId {
        self.roles
            .iter()
            .find(|r| r.preset == Some(preset))
            .unwrap()
            .id
    }
}

async fn staff(
    h: &Harness,
    district: DistrictId,
    first: &str,
    last: &str,
    unit: OrgUnitId,
) -> User {
    let details = UserDetails::new(UserKind::Staff, first, last).in_org_unit(unit);
    h.directory
        .create_user(&h.admin, district, details)
        .await
        .unwrap()
}

async fn setup(h: &Harness) -> District2 {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap();
    let id = district.id;
    let lincoln = d
        .create_org_unit(&h.admin, id, NewOrgUnit::school("Lincoln Middle"))
        .await
        .unwrap();
    let lincoln_science = d
        .create_org_unit(&h.admin, id, NewOrgUnit::department("Science", lincoln.id))
        .await
        .unwrap();
    let washington = d
        .create_org_unit(&h.admin, id, NewOrgUnit::school("Washington High"))
        .await
        .unwrap();
    let kid = |first: &str, unit: OrgUnitId, local: &str| {
        UserDetails::new(UserKind::Student, first, "Student")
            .with_local_id(local)
            .unwrap()
            .with_grade("6")
            .unwrap()
            .in_org_unit(unit)
    };
    let lincoln_kid = d
        .create_user(&h.admin, id, kid("Lin", lincoln.id, "L1"))
        .await
        .unwrap();
    let science_kid = d
        .create_user(&h.admin, id, kid("Sci", lincoln_science.id, "L2"))
        .await
        .unwrap();
    let washington_kid = d
        .create_user(&h.admin, id, kid("Wash", washington.id, "W1"))
        .await
        .unwrap();
    let roles = d.roles(&h.admin, id).await.unwrap();
    let role = |preset: Preset| roles.iter().find(|r| r.preset == Some(preset)).unwrap().id;

    let admin_user = staff(h, id, "Sys", "Admin", lincoln.id).await;
    d.grant_role(
        &h.admin,
        id,
        admin_user.id,
        role(Preset::SystemAdministrator),
        Scope::District,
    )
    .await
    .unwrap();
    let it = staff(h, id, "Ivy", "Director", washington.id).await;
    d.grant_role(
        &h.admin,
        id,
        it.id,
        role(Preset::DistrictAdministrator),
        Scope::District,
    )
    .await
    .unwrap();
    let principal = staff(h, id, "Pat", "Principal", lincoln.id).await;
    d.grant_role(
        &h.admin,
        id,
        principal.id,
        role(Preset::BuildingAdministrator),
        Scope::unit(lincoln.id),
    )
    .await
    .unwrap();
    let tech = staff(h, id, "Tom", "Tech", lincoln.id).await;
    d.grant_role(
        &h.admin,
        id,
        tech.id,
        role(Preset::Technician),
        Scope::unit(lincoln.id),
    )
    .await
    .unwrap();

    District2 {
        id,
        lincoln,
        lincoln_science,
        washington,
        lincoln_kid,
        science_kid,
        washington_kid,
        sysadmin: Actor::user(id, admin_user.id),
        it_director: Actor::user(id, it.id),
        principal: Actor::user(id, principal.id),
        principal_id: principal.id,
        technician: Actor::user(id, tech.id),
        roles,
    }
}

fn kind<T: std::fmt::Debug>(result: Result<T, Error>) -> ErrorKind {
    result.unwrap_err().kind()
}

across_backends! {
    async fn a_principal_sees_only_their_building(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let everyone = d.search_users(&t.principal, t.id, &UserSearch::default()).await.unwrap();
        let names: Vec<String> = everyone.items.iter().map(|u| u.details.name.display()).collect();
        // Lincoln and its Science department: two students and the four Lincoln staff.
        assert_eq!(everyone.total, 5, "{names:?}");
        assert!(everyone.items.iter().all(|u| u.details.org_units.iter().all(|o| *o != t.washington.id)));
        let sixth = UserSearch::default().grade(Grade::Numbered(6));
        assert_eq!(d.search_users(&t.principal, t.id, &sixth).await.unwrap().total, 2);
        let at_washington = UserSearch::default().in_org_unit(t.washington.id);
        assert_eq!(d.search_users(&t.principal, t.id, &at_washington).await.unwrap().total, 0);
        // Paging counts only what they see.
        let page = d.search_users(&t.principal, t.id, &UserSearch::default().limit(2)).await.unwrap();
        assert_eq!((page.items.len(), page.total), (2, 5));

        assert_eq!(d.user(&t.principal, t.id, t.science_kid.id).await.unwrap().id, t.science_kid.id);
        assert_eq!(kind(d.user(&t.principal, t.id, t.washington_kid.id).await), ErrorKind::NotFound);
        // District IT sees everyone.
        assert_eq!(d.search_users(&t.it_director, t.id, &UserSearch::default()).await.unwrap().total, 7);
    }

    async fn outside_scope_is_not_found_inside_without_permission_is_forbidden(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let kid = &t.lincoln_kid;
        let mut edit = kid.details.clone();
        edit.aup_signed = true;
        let err = d.update_user(&t.technician, t.id, kid.id, kid.version, edit.clone()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        assert!(err.to_string().contains("Edit Users"), "{err}");
        let w = &t.washington_kid;
        let err = d.update_user(&t.principal, t.id, w.id, w.version, w.details.clone()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "probing another building's id reveals nothing");
        let edited = d.update_user(&t.principal, t.id, kid.id, kid.version, edit).await.unwrap();
        assert!(edited.details.aup_signed);
        // The log names the principal.
        let log = d.user_activity(&t.principal, t.id, kid.id, None, 1).await.unwrap();
        assert_eq!(log.items[0].actor.name, "Pat Principal");
        assert_eq!(log.items[0].actor.user, Some(t.principal_id));
        // Technicians cannot read the activity log.
        assert_eq!(kind(d.user_activity(&t.technician, t.id, kid.id, None, 1).await), ErrorKind::Forbidden);
    }

    async fn allowed_actions_list_what_the_actor_may_do(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let actions = d.allowed_actions(&t.principal, t.id, t.science_kid.id).await.unwrap();
        assert_eq!(actions, Preset::BuildingAdministrator.permissions());
        let actions = d.allowed_actions(&t.technician, t.id, t.lincoln_kid.id).await.unwrap();
        assert!(actions.contains(Permission::CheckoutDevice) && !actions.contains(Permission::EditUsers));
        assert_eq!(kind(d.allowed_actions(&t.technician, t.id, t.washington_kid.id).await), ErrorKind::NotFound);
    }

    async fn scoped_actors_create_and_move_users_only_within_their_buildings(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let new_kid = |unit: Option<OrgUnitId>| {
            let mut details = UserDetails::new(UserKind::Student, "New", "Kid");
            details.org_units.extend(unit);
            details
        };
        assert_eq!(kind(d.create_user(&t.principal, t.id, new_kid(Some(t.washington.id))).await), ErrorKind::Forbidden);
        assert_eq!(kind(d.create_user(&t.principal, t.id, new_kid(None)).await), ErrorKind::Forbidden);
        let kid = d.create_user(&t.principal, t.id, new_kid(Some(t.lincoln_science.id))).await.unwrap();
        let mut moved = kid.details.clone();
        moved.org_units = [t.washington.id].into();
        assert_eq!(kind(d.update_user(&t.principal, t.id, kid.id, kid.version, moved.clone()).await), ErrorKind::Forbidden);
        // District IT can move them; then the principal no longer sees them.
        d.update_user(&t.it_director, t.id, kid.id, kid.version, moved).await.unwrap();
        assert_eq!(kind(d.user(&t.principal, t.id, kid.id).await), ErrorKind::NotFound);
    }

    async fn nobody_grants_more_than_they_hold(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let org_admin = staff(&h, t.id, "Olga", "Orgadmin", t.lincoln.id).await;
        d.grant_role(&h.admin, t.id, org_admin.id, t.role(Preset::OrganizationAdministrator), Scope::unit(t.lincoln.id))
            .await
            .unwrap();
        let olga = Actor::user(t.id, org_admin.id);
        let teacher = staff(&h, t.id, "Tess", "Teacher", t.lincoln.id).await;
        // Users Manager's permissions are all within Organization Administrator's: fine at Lincoln.
        d.grant_role(&olga, t.id, teacher.id, t.role(Preset::UsersManager), Scope::unit(t.lincoln.id)).await.unwrap();
        // Not over a building she does not hold, not district-wide.
        let err = d.grant_role(&olga, t.id, teacher.id, t.role(Preset::UsersManager), Scope::District).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        let both = Scope::OrgUnits([t.lincoln.id, t.washington.id].into());
        assert_eq!(kind(d.grant_role(&olga, t.id, teacher.id, t.role(Preset::UsersManager), both).await), ErrorKind::Forbidden);
        // Not a role holding permissions she lacks (Technician: Checkout Device).
        let err = d.grant_role(&olga, t.id, teacher.id, t.role(Preset::Technician), Scope::unit(t.lincoln.id)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        assert!(err.to_string().contains("View Incidents"), "{err}");
        // Not to herself either: no self-escalation.
        assert_eq!(
            kind(d.grant_role(&olga, t.id, org_admin.id, t.role(Preset::SystemAdministrator), Scope::unit(t.lincoln.id)).await),
            ErrorKind::Forbidden
        );
        // A principal lacks Manage Roles entirely.
        assert_eq!(
            kind(d.grant_role(&t.principal, t.id, teacher.id, t.role(Preset::Observer), Scope::unit(t.lincoln.id)).await),
            ErrorKind::Forbidden
        );
        // Custom roles need every permission district-wide.
        assert_eq!(
            kind(d.create_role(&olga, t.id, "Helpers", [Permission::ViewUsers].into_iter().collect::<PermissionSet>()).await),
            ErrorKind::Forbidden
        );
        let helpers = d.create_role(&t.it_director, t.id, "Helpers", [Permission::ViewUsers, Permission::UserNotes].into_iter().collect::<PermissionSet>()).await.unwrap();
        let with_settings = helpers.permissions.with(Permission::ManageSettings);
        assert_eq!(kind(d.set_role_permissions(&t.it_director, t.id, helpers.id, helpers.version, with_settings).await), ErrorKind::Forbidden);
        let sa = t.role(Preset::SystemAdministrator);
        let sa_role = d.roles(&t.sysadmin, t.id).await.unwrap().into_iter().find(|r| r.id == sa).unwrap();
        let err = d.set_role_permissions(&t.sysadmin, t.id, sa, sa_role.version, PermissionSet::EMPTY).await.unwrap_err();
        assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::Protected);
    }

    async fn a_revoked_grant_stops_working_at_once(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        assert_eq!(d.search_users(&t.principal, t.id, &UserSearch::default()).await.unwrap().total, 5);
        let grants = d.grants_of(&t.sysadmin, t.id, t.principal_id).await.unwrap();
        assert_eq!(grants.len(), 1);
        d.revoke_grant(&t.sysadmin, t.id, grants[0].id).await.unwrap();
        assert_eq!(d.search_users(&t.principal, t.id, &UserSearch::default()).await.unwrap().total, 0);
        assert_eq!(kind(d.user(&t.principal, t.id, t.lincoln_kid.id).await), ErrorKind::NotFound);
        let log = d.user_activity(&t.sysadmin, t.id, t.principal_id, None, 1).await.unwrap();
        assert_eq!(log.items[0].action, ActivityAction::Revoked);
        assert_eq!(log.items[0].changes[0].old.as_deref(), Some("Building Administrator over Lincoln Middle"));
    }

    async fn the_last_system_administrator_cannot_be_removed(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let me = t.sysadmin.user_id().unwrap();
        let my_grant = d.grants_of(&t.sysadmin, t.id, me).await.unwrap().remove(0);
        let err = d.revoke_grant(&t.sysadmin, t.id, my_grant.id).await.unwrap_err();
        assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::LastSystemAdministrator);
        let me_user = d.user(&t.sysadmin, t.id, me).await.unwrap();
        let err = d.set_status(&t.sysadmin, t.id, me, me_user.version, RecordStatus::Inactive).await.unwrap_err();
        assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::LastSystemAdministrator);
        let err = d.set_access(&h.admin, t.id, me, me_user.version, Access::Suspended).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        // With a second one, the first may go.
        let second = staff(&h, t.id, "Sam", "Second", t.washington.id).await;
        d.grant_role(&t.sysadmin, t.id, second.id, t.role(Preset::SystemAdministrator), Scope::District).await.unwrap();
        d.revoke_grant(&t.sysadmin, t.id, my_grant.id).await.unwrap();
        assert_eq!(kind(d.user(&t.sysadmin, t.id, t.washington_kid.id).await), ErrorKind::NotFound, "no grants, no view");
    }

    async fn suspended_or_inactive_actors_can_do_nothing(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let principal = d.user(&h.admin, t.id, t.principal_id).await.unwrap();
        d.set_access(&h.admin, t.id, principal.id, principal.version, Access::Suspended).await.unwrap();
        assert_eq!(d.search_users(&t.principal, t.id, &UserSearch::default()).await.unwrap().total, 0);
        assert_eq!(kind(d.user(&t.principal, t.id, t.lincoln_kid.id).await), ErrorKind::NotFound);
    }

    async fn actors_never_reach_another_district(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        let other = d.create_district(&h.admin, "Cedar Springs").await.unwrap();
        assert_eq!(kind(d.search_users(&t.it_director, other.id, &UserSearch::default()).await), ErrorKind::NotFound);
        assert_eq!(kind(d.district(&t.it_director, other.id).await), ErrorKind::NotFound);
        assert_eq!(kind(d.district_by_name(&t.it_director, "Cedar Springs").await), ErrorKind::NotFound);
        assert_eq!(kind(d.create_district(&t.sysadmin, "Elm Grove").await), ErrorKind::Forbidden);
        assert_eq!(d.district(&t.it_director, t.id).await.unwrap().name, "Maple Valley USD");
    }

    async fn moving_an_org_unit_moves_visibility_with_it(h: Harness) {
        let t = setup(&h).await;
        let d = &h.directory;
        assert_eq!(d.user(&t.principal, t.id, t.science_kid.id).await.unwrap().id, t.science_kid.id);
        let science = t.lincoln_science.clone();
        d.move_org_unit(&t.it_director, t.id, science.id, science.version, Some(t.washington.id))
            .await
            .unwrap_err(); // District Administrator lacks Manage Org Units
        d.move_org_unit(&t.sysadmin, t.id, science.id, science.version, Some(t.washington.id)).await.unwrap();
        assert_eq!(kind(d.user(&t.principal, t.id, t.science_kid.id).await), ErrorKind::NotFound);
        assert_eq!(d.search_users(&t.principal, t.id, &UserSearch::default()).await.unwrap().total, 4);
    }
}
