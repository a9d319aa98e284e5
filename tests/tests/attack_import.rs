//! Attacks on bulk import and sync, each a regression test for a hole that was closed: reshaping
//! the org tree without Manage Org Units, applying a plan the applying actor could not have
//! made, stale plans, acting on someone more powerful, removing the last System Administrator,
//! and probing Local IDs out of reach. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::import::{OneRosterPackage, ReadOptions, read};
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

/// Lincoln Middle (LMS) and Washington High (WHS); students at each; a System Administrator;
/// a principal of Lincoln; a Lincoln importer (View Users, Import Users, Manage Org Units,
/// Manage Roles over Lincoln); a District Administrator (Import Users district-wide, no Manage
/// Org Units). Everyone was created by an import, so is import-managed.
struct Setup {
    district: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    sysadmin: Actor,
    principal: UserId,
    importer: Actor,
    director: Actor,
    roles: Vec<Role>,
}

impl Setup {
    fn role(&self, preset: Preset) -> RoleId {
        self.roles
            .iter()
            .find(|r| r.preset == Some(preset))
            .unwrap()
            .id
    }
}

const PEOPLE: &str = "Local ID,First Name,Last Name,Kind,Building\r\n\
L1,Lin,Kid,student,LMS\r\n\
W1,Wash,Kid,student,WHS\r\n\
A1,Sys,Admin,staff,LMS\r\n\
P1,Pat,Principal,staff,LMS\r\n\
I1,Ivan,Importer,staff,LMS\r\n\
D1,Dana,Director,staff,WHS\r\n";

fn csv(text: &str) -> import::ImportData {
    read(text.as_bytes(), "people.csv", &ReadOptions::default()).unwrap()
}

async fn user_by_local_id(h: &Harness, s: &Setup, local_id: &str) -> User {
    h.directory
        .search_users(
            &h.admin,
            s.district,
            &UserSearch::text(local_id).any_status(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|u| u.details.local_id.as_ref().map(|l| l.as_str()) == Some(local_id))
        .unwrap()
}

async fn setup(h: &Harness) -> Setup {
    let d = &h.directory;
    let district = d
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let lincoln = d
        .create_org_unit(
            &h.admin,
            district,
            NewOrgUnit::school("Lincoln Middle").with_code("LMS"),
        )
        .await
        .unwrap();
    let washington = d
        .create_org_unit(
            &h.admin,
            district,
            NewOrgUnit::school("Washington High").with_code("WHS"),
        )
        .await
        .unwrap();
    let plan = d
        .plan_import(&h.admin, district, &csv(PEOPLE), &ImportOptions::default())
        .await
        .unwrap();
    assert!(!plan.has_errors(), "{:?}", plan.issues());
    d.apply_import(&h.admin, district, &plan, Approval::Required, &|_| {})
        .await
        .unwrap();
    let roles = d.roles(&h.admin, district).await.unwrap();
    let importer_role = d
        .create_role(
            &h.admin,
            district,
            "Building Importer",
            [
                Permission::ViewUsers,
                Permission::ImportUsers,
                Permission::ManageOrgUnits,
                Permission::ManageRoles,
            ]
            .into_iter()
            .collect::<PermissionSet>(),
        )
        .await
        .unwrap();
    let mut s = Setup {
        district,
        lincoln,
        washington,
        sysadmin: h.admin.clone(),
        principal: UserId::from_uuid(uuid::Uuid::nil()),
        importer: h.admin.clone(),
        director: h.admin.clone(),
        roles,
    };
    let grant = |local_id: &'static str, role: RoleId, scope: Scope| {
        let s = &s;
        async move {
            let user = user_by_local_id(h, s, local_id).await;
            d.grant_role(&h.admin, district, user.id, role, scope)
                .await
                .unwrap();
            user.id
        }
    };
    let admin = grant("A1", s.role(Preset::SystemAdministrator), Scope::District).await;
    let principal = grant(
        "P1",
        s.role(Preset::BuildingAdministrator),
        Scope::unit(s.lincoln.id),
    )
    .await;
    let importer = grant("I1", importer_role.id, Scope::unit(s.lincoln.id)).await;
    let director = grant("D1", s.role(Preset::DistrictAdministrator), Scope::District).await;
    s.sysadmin = Actor::user(district, admin);
    s.principal = principal;
    s.importer = Actor::user(district, importer);
    s.director = Actor::user(district, director);
    s
}

async fn plan_as(
    h: &Harness,
    s: &Setup,
    actor: &Actor,
    data: &import::ImportData,
    options: &ImportOptions,
) -> ImportPlan {
    h.directory
        .plan_import(actor, s.district, data, options)
        .await
        .unwrap()
}

async fn apply_as(
    h: &Harness,
    s: &Setup,
    actor: &Actor,
    plan: &ImportPlan,
    approval: Approval,
) -> Result<ImportOutcome, Error> {
    h.apply_plan(actor, s.district, plan, approval).await
}

fn codes(plan: &ImportPlan) -> Vec<&str> {
    plan.issues()
        .iter()
        .filter(|i| i.is_error())
        .map(|i| i.code.as_str())
        .collect()
}

/// A OneRoster package of `orgs.csv` rows (after the header) and `users.csv` rows.
fn package(orgs: &str, users: &str) -> import::ImportData {
    let orgs = format!("sourcedId,name,type,parentSourcedId\n{orgs}");
    let users = format!(
        "sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier\n{users}"
    );
    OneRosterPackage::from_files([
        (
            "manifest.csv",
            b"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n"
                .to_vec(),
        ),
        ("orgs.csv", orgs.into_bytes()),
        ("users.csv", users.into_bytes()),
    ])
    .read(&ReadOptions::default())
    .unwrap()
}

/// The district's three orgs as `orgs.csv` rows, the schools where they are today.
const ORGS: &str =
    "d1,Maple Valley USD,district,\nLMS,Lincoln Middle,school,d1\nWHS,Washington High,school,d1\n";

/// A OneRoster package: the district, Lincoln, Washington (with `washington_parent`), and the
/// Lincoln student L1.
fn roster(lincoln_name: &str, lincoln_parent: &str, washington_parent: &str) -> import::ImportData {
    package(
        &format!(
            "d1,Maple Valley USD,district,\nLMS,{lincoln_name},school,{lincoln_parent}\nWHS,Washington High,school,{washington_parent}\n"
        ),
        "u1,true,LMS,student,Lin,Kid,L1\n",
    )
}

async fn tree(h: &Harness, s: &Setup) -> OrgTree {
    h.directory.org_tree(&h.admin, s.district).await.unwrap()
}

across_backends! {
    async fn attack_import_orgs_csv_cannot_move_another_building_under_the_importers_own(h: Harness) {
        let s = setup(&h).await;
        // The Lincoln importer holds Manage Org Units over Lincoln only: moving Washington under
        // Lincoln would hand them every Washington user.
        let data = roster("Lincoln Middle", "d1", "LMS");
        assert!(!data.has_errors(), "{:?}", data.issues);
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        let issue = plan.issues().iter().find(|i| i.is_error()).unwrap();
        assert_eq!((issue.file.as_str(), issue.row), ("orgs.csv", Some(4)));
        assert!(plan.org_units().is_empty());
        assert_eq!(apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Refused);
        assert_eq!(tree(&h, &s).await.get(s.washington.id).unwrap().parent, None, "Washington did not move");
        // The same move planned by a System Administrator cannot be applied by the importer.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert_eq!(tree(&h, &s).await.get(s.washington.id).unwrap().parent, None);
        let washington_kid = user_by_local_id(&h, &s, "W1").await;
        assert_eq!(h.directory.user(&s.importer, s.district, washington_kid.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    }

    async fn attack_import_orgs_csv_cannot_rename_a_unit_without_manage_org_units(h: Harness) {
        let s = setup(&h).await;
        // The District Administrator imports district-wide but does not manage org units.
        let data = roster("Lincoln Renamed", "d1", "d1");
        let plan = plan_as(&h, &s, &s.director, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        assert_eq!(tree(&h, &s).await.get(s.lincoln.id).unwrap().name, "Lincoln Middle");
        // Planned by someone who may, applied by someone who may not: refused.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert_eq!(plan.org_units().len(), 1);
        assert_eq!(apply_as(&h, &s, &s.director, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Forbidden);
        assert_eq!(tree(&h, &s).await.get(s.lincoln.id).unwrap().name, "Lincoln Middle");
    }

    async fn attack_import_cannot_create_buildings_without_manage_org_units(h: Harness) {
        let s = setup(&h).await;
        let options = ImportOptions { create_org_units: true, ..ImportOptions::default() };
        let data = csv("Local ID,First Name,Last Name,Building\r\nN1,New,Kid,Brand New School\r\n");
        let plan = plan_as(&h, &s, &s.director, &data, &options).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        assert!(plan.org_units().is_empty());
        // A System Administrator may.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &options).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!(plan.org_units().len(), 1);
        assert_eq!(apply_as(&h, &s, &s.director, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Forbidden);
        apply_as(&h, &s, &s.sysadmin, &plan, Approval::Required).await.unwrap();
        assert_eq!(tree(&h, &s).await.units().count(), 3);
    }

    async fn attack_import_orgs_csv_cannot_make_a_unit_its_own_ancestor(h: Harness) {
        let s = setup(&h).await;
        let data = roster("Lincoln Middle", "WHS", "LMS");
        let plan = plan_as(&h, &s, &h.admin, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["cycle", "cycle"], "{:?}", plan.issues());
        let rows: Vec<Option<u32>> = plan.issues().iter().filter(|i| i.is_error()).map(|i| i.row).collect();
        assert_eq!(rows, [Some(3), Some(4)]);
        assert!(apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.is_err());
        let tree = tree(&h, &s).await;
        assert_eq!((tree.get(s.lincoln.id).unwrap().parent, tree.get(s.washington.id).unwrap().parent), (None, None));
    }

    async fn attack_import_org_unit_update_keeps_created_at(h: Harness) {
        let s = setup(&h).await;
        h.clock.advance(chrono::Duration::days(30));
        let plan = plan_as(&h, &s, &h.admin, &roster("Lincoln Middle School", "d1", "d1"), &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.unwrap();
        let lincoln = tree(&h, &s).await.get(s.lincoln.id).unwrap().clone();
        assert_eq!(lincoln.name, "Lincoln Middle School");
        assert_eq!(lincoln.created_at, s.lincoln.created_at, "an update never resets when the unit was created");
    }

    async fn attack_apply_rechecks_every_row_against_the_applying_actor(h: Harness) {
        let s = setup(&h).await;
        // A plan the System Administrator made: a new Washington student, a Washington student
        // renamed. The Lincoln importer may import somewhere, but not there.
        let data = csv("Local ID,First Name,Last Name,Building\r\nW1,Wash,Renamed,WHS\r\nW2,Newer,Kid,WHS\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!((plan.counts().created, plan.counts().updated), (1, 1));
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert_eq!(user_by_local_id(&h, &s, "W1").await.details.name.last, "Kid", "nothing written");
        // A grant the importer could not make: Building Administrator over Lincoln (they lack
        // Edit Users there).
        let data = csv("Local ID,First Name,Last Name,Kind,Building,Roles\r\nT1,Tess,Teacher,staff,LMS,Building Administrator\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!(apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Forbidden);
        // The planner themself may apply it.
        apply_as(&h, &s, &s.sysadmin, &plan, Approval::Required).await.unwrap();
    }

    async fn attack_apply_rechecks_reach_over_a_user_the_row_only_renames(h: Harness) {
        let s = setup(&h).await;
        // The System Administrator's plan renames a Washington student in place: no building
        // is entered or left, so only the applier's reach over the student stops the Lincoln
        // importer.
        let data = csv("Local ID,First Name,Last Name,Building\r\nW1,Wash,Renamed,WHS\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        // Seeing the student is not enough: they need Import Users over them too.
        let viewer = h.directory
            .create_role(&h.admin, s.district, "Viewer", PermissionSet::EMPTY.with(Permission::ViewUsers))
            .await
            .unwrap();
        h.directory
            .grant_role(&h.admin, s.district, s.importer.user_id().unwrap(), viewer.id, Scope::unit(s.washington.id))
            .await
            .unwrap();
        let washington_kid = user_by_local_id(&h, &s, "W1").await;
        h.directory.user(&s.importer, s.district, washington_kid.id).await.unwrap();
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert_eq!(user_by_local_id(&h, &s, "W1").await.details.name.last, "Kid", "nothing written");
    }

    async fn attack_apply_rechecks_org_unit_moves_against_the_new_parent(h: Harness) {
        let s = setup(&h).await;
        // The Lincoln importer manages Lincoln: renaming it in place is theirs to do...
        let data = roster("Lincoln Renamed", "d1", "d1");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap();
        assert_eq!(tree(&h, &s).await.get(s.lincoln.id).unwrap().name, "Lincoln Renamed");
        // ...but moving it under Washington, where they manage nothing, is not: planning says
        // so on Lincoln's row...
        let data = roster("Lincoln Renamed", "WHS", "d1");
        let own = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&own), ["not_permitted"], "{:?}", own.issues());
        let issue = own.issues().iter().find(|i| i.is_error()).unwrap();
        assert_eq!((issue.file.as_str(), issue.row), ("orgs.csv", Some(3)));
        assert!(issue.message.contains("cannot move org unit 'Lincoln Renamed' under 'Washington High'"), "{}", issue.message);
        // ...and the apply refuses it even in a plan the System Administrator made.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert_eq!(tree(&h, &s).await.get(s.lincoln.id).unwrap().parent, None, "Lincoln did not move");
    }

    async fn attack_apply_rechecks_the_building_a_new_user_is_placed_in(h: Harness) {
        let s = setup(&h).await;
        // Only a new Washington student: no existing user to reach, no grant, no welcome; the
        // building is all that stops the Lincoln importer.
        let data = csv("Local ID,First Name,Last Name,Building\r\nW2,Newer,Kid,WHS\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        let found = h.directory.search_users(&h.admin, s.district, &UserSearch::text("W2")).await.unwrap();
        assert_eq!(found.total, 0, "nobody was created");
        // In Lincoln, the same row is theirs.
        let data = csv("Local ID,First Name,Last Name,Building\r\nL2,Newer,Kid,LMS\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap();
    }

    async fn an_import_grants_a_district_wide_role_to_a_user_in_no_building(h: Harness) {
        let s = setup(&h).await;
        // A row with no building grants its roles district-wide; the System Administrator
        // holds every permission there, so the apply lets it through.
        let data = csv("Local ID,First Name,Last Name,Kind,Building,Roles\r\nT9,Tina,Central,staff,,District Administrator\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &s.sysadmin, &plan, Approval::Required).await.unwrap();
        let tina = user_by_local_id(&h, &s, "T9").await;
        let grants = h.directory.grants_of(&h.admin, s.district, tina.id).await.unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!((grants[0].role, &grants[0].scope), (s.role(Preset::DistrictAdministrator), &Scope::District));
    }

    async fn attack_import_orgs_csv_cannot_create_a_school_beside_the_importers_own(h: Harness) {
        let s = setup(&h).await;
        // A new school under the district: the Lincoln importer manages Lincoln, not the district.
        let data = package(&format!("{ORGS}NEW,New School,school,d1\n"), "u1,true,LMS,student,Lin,Kid,L1\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        let issue = plan.issues().iter().find(|i| i.is_error()).unwrap();
        assert_eq!((issue.file.as_str(), issue.row), ("orgs.csv", Some(5)));
        assert!(issue.message.contains("cannot create org unit 'New School' under the district"), "{}", issue.message);
        assert!(plan.org_units().is_empty());
        // A System Administrator may.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!(plan.org_units().len(), 1);
    }

    async fn attack_a_building_two_units_are_called_is_refused_not_guessed(h: Harness) {
        let s = setup(&h).await;
        // Two departments called Science, one in each school: a row naming "Science" could
        // land a Lincoln student in Washington. It is an error that says to use the code.
        for parent in [s.lincoln.id, s.washington.id] {
            h.directory.create_org_unit(&h.admin, s.district, NewOrgUnit::department("Science", parent)).await.unwrap();
        }
        let data = csv("Local ID,First Name,Last Name,Building\r\nL1,Lin,Kid,Science\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["ambiguous_org_unit"], "{:?}", plan.issues());
        assert!(plan.issues()[0].message.contains("more than one org unit is called 'Science'"), "{:?}", plan.issues());
        // One unit of that name is found, as before.
        let data = csv("Local ID,First Name,Last Name,Building\r\nL1,Lin,Kid,Lincoln Middle\r\n");
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
    }

    async fn a_building_importer_adds_a_department_under_their_building_and_fills_it(h: Harness) {
        let s = setup(&h).await;
        // A unit the plan creates under Lincoln counts as Lincoln for the Lincoln importer's
        // permissions: they may create it, and place Lincoln's student in it, in one import.
        let data = package(&format!("{ORGS}SCI,Lincoln Science,department,LMS\n"), "u1,true,SCI,student,Lin,Kid,L1\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!(plan.org_units().len(), 1);
        apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap();
        let tree = tree(&h, &s).await;
        let science = tree.units().find(|u| u.name == "Lincoln Science").unwrap();
        assert_eq!(science.parent, Some(s.lincoln.id));
        let kid = user_by_local_id(&h, &s, "L1").await;
        assert!(kid.details.org_units.contains(&science.id), "{:?}", kid.details.org_units);
    }

    async fn an_import_that_renames_the_only_system_administrator_applies(h: Harness) {
        let s = setup(&h).await;
        // Staying active is not leaving: the last-administrator rule has nothing to refuse.
        let data = csv("Local ID,First Name,Last Name,Building\r\nA1,Sys,Renamed,LMS\r\n");
        let plan = plan_as(&h, &s, &h.admin, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.unwrap();
        assert_eq!(user_by_local_id(&h, &s, "A1").await.details.name.last, "Renamed");
    }

    async fn attack_only_a_district_wide_importer_approves_a_held_plan(h: Harness) {
        let s = setup(&h).await;
        let guard = SyncGuard { max_update: Some(0), ..SyncGuard::default() };
        let options = ImportOptions { guard, ..ImportOptions::default() };
        let data = csv("Local ID,First Name,Last Name,Building\r\nL1,Lin,Renamed,LMS\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &options).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert_eq!(plan.held()[0].what, "update");
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Approved).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        // Without approving, they are told what any importer is told: a guard holds it.
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.refusal(), Some(Refusal::ImportHeld), "{err}");
        assert_eq!(user_by_local_id(&h, &s, "L1").await.details.name.last, "Kid");
        apply_as(&h, &s, &s.director, &plan, Approval::Approved).await.unwrap();
        assert_eq!(user_by_local_id(&h, &s, "L1").await.details.name.last, "Renamed");
        // Approving a plan nothing held approves nothing: the building importer applies it.
        let data = csv("Local ID,First Name,Last Name,Building\r\nL1,Lin,Again,LMS\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert!(plan.held().is_empty() && !plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &s.importer, &plan, Approval::Approved).await.unwrap();
        assert_eq!(user_by_local_id(&h, &s, "L1").await.details.name.last, "Again");
    }

    async fn attack_apply_fails_after_roles_grants_or_org_units_changed(h: Harness) {
        let s = setup(&h).await;
        let d = &h.directory;
        let data = csv("Local ID,First Name,Last Name,Building\r\nL1,Lin,Renamed,LMS\r\n");
        // A grant made after planning.
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        let kid = user_by_local_id(&h, &s, "L1").await;
        d.grant_role(&h.admin, s.district, kid.id, s.role(Preset::Observer), Scope::unit(s.lincoln.id)).await.unwrap();
        let err = apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
        // An org unit made (or moved) after planning.
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        d.create_org_unit(&h.admin, s.district, NewOrgUnit::department("Science", s.lincoln.id)).await.unwrap();
        assert_eq!(apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Conflict);
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        let washington = tree(&h, &s).await.get(s.washington.id).unwrap().clone();
        d.move_org_unit(&h.admin, s.district, washington.id, washington.version, Some(s.lincoln.id)).await.unwrap();
        assert_eq!(apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Conflict);
        assert_eq!(user_by_local_id(&h, &s, "L1").await.details.name.last, "Kid");
        // Planned again, it applies.
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap();
    }

    async fn attack_import_cannot_change_a_more_powerful_user(h: Harness) {
        let s = setup(&h).await;
        // The principal holds Building Administrator over Lincoln; the Lincoln importer does not
        // hold all of it, though the principal is in their building.
        let data = csv("Local ID,First Name,Last Name,Building,Status\r\nP1,Pat,Principal,LMS,Inactive\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        assert!(plan.issues()[0].message.contains("Pat Principal"), "in reach, names are fine");
        // Planned by the System Administrator, applied by the importer: refused.
        let plan = plan_as(&h, &s, &s.sysadmin, &data, &ImportOptions::default()).await;
        assert_eq!(plan.counts().updated, 1);
        assert_eq!(apply_as(&h, &s, &s.importer, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Forbidden);
        let principal = h.directory.user(&h.admin, s.district, s.principal).await.unwrap();
        assert_eq!(principal.status, RecordStatus::Active);
        // A student of theirs is fine.
        let data = csv("Local ID,First Name,Last Name,Building,Status\r\nL1,Lin,Kid,LMS,Inactive\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
    }

    async fn attack_sync_cannot_deactivate_a_more_powerful_user(h: Harness) {
        let s = setup(&h).await;
        // The District Administrator syncs a file without the System Administrator (A1).
        let without_admin: String = PEOPLE.lines().filter(|l| !l.starts_with("A1,")).map(|l| format!("{l}\r\n")).collect();
        let options = ImportOptions { sync: true, guard: SyncGuard { max_deactivate_percent: None, ..SyncGuard::default() }, ..ImportOptions::default() };
        let plan = plan_as(&h, &s, &s.director, &csv(&without_admin), &options).await;
        assert_eq!(codes(&plan), ["not_permitted"], "{:?}", plan.issues());
        assert!(plan.deactivations().is_empty());
        assert!(apply_as(&h, &s, &s.director, &plan, Approval::Required).await.is_err());
        assert_eq!(user_by_local_id(&h, &s, "A1").await.status, RecordStatus::Active);
        // Planned by the system, applied by the District Administrator: refused.
        let plan = plan_as(&h, &s, &h.admin, &csv(&without_admin), &options).await;
        assert_eq!(plan.counts().deactivated, 0, "the last System Administrator stays");
        let second = user_by_local_id(&h, &s, "I1").await;
        h.directory.grant_role(&h.admin, s.district, second.id, s.role(Preset::SystemAdministrator), Scope::District).await.unwrap();
        let plan = plan_as(&h, &s, &h.admin, &csv(&without_admin), &options).await;
        assert_eq!(plan.counts().deactivated, 1, "{:?}", plan.issues());
        assert_eq!(apply_as(&h, &s, &s.director, &plan, Approval::Required).await.unwrap_err().kind(), ErrorKind::Forbidden);
        assert_eq!(user_by_local_id(&h, &s, "A1").await.status, RecordStatus::Active);
    }

    async fn attack_import_cannot_take_the_last_system_administrator_out_of_action(h: Harness) {
        let s = setup(&h).await;
        for status in ["Inactive", "Archived"] {
            let data = csv(&format!("Local ID,First Name,Last Name,Building,Status\r\nA1,Sys,Admin,LMS,{status}\r\n"));
            let plan = plan_as(&h, &s, &h.admin, &data, &ImportOptions::default()).await;
            assert_eq!(codes(&plan), ["last_system_administrator"], "{:?}", plan.issues());
            assert_eq!(plan.issues()[0].row, Some(2));
            assert!(apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.is_err());
        }
        // A sync that no longer lists them.
        let without_admin: String = PEOPLE.lines().filter(|l| !l.starts_with("A1,")).map(|l| format!("{l}\r\n")).collect();
        let options = ImportOptions { sync: true, guard: SyncGuard { max_deactivate_percent: None, ..SyncGuard::default() }, ..ImportOptions::default() };
        let plan = plan_as(&h, &s, &h.admin, &csv(&without_admin), &options).await;
        assert_eq!(codes(&plan), ["last_system_administrator"], "{:?}", plan.issues());
        assert!(apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.is_err());
        assert_eq!(user_by_local_id(&h, &s, "A1").await.status, RecordStatus::Active);
        // With a second one, the first may go.
        let second = user_by_local_id(&h, &s, "D1").await;
        h.directory.grant_role(&h.admin, s.district, second.id, s.role(Preset::SystemAdministrator), Scope::District).await.unwrap();
        let plan = plan_as(&h, &s, &h.admin, &csv(&without_admin), &options).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        apply_as(&h, &s, &h.admin, &plan, Approval::Required).await.unwrap();
        assert_eq!(user_by_local_id(&h, &s, "A1").await.status, RecordStatus::Inactive);
    }

    async fn attack_update_only_import_does_not_reveal_local_ids_out_of_reach(h: Harness) {
        let s = setup(&h).await;
        let options = ImportOptions { mode: ImportMode::UpdateOnly, ..ImportOptions::default() };
        // W1 exists at Washington, out of the Lincoln importer's reach; W9 exists nowhere.
        let data = csv("Local ID,First Name,Last Name,Building\r\nW1,Wash,Kid,LMS\r\nW9,Wash,Kid,LMS\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &options).await;
        let answers: Vec<(&str, String)> = plan
            .issues()
            .iter()
            .map(|i| (i.code.as_str(), i.message.replace("W1", "W?").replace("W9", "W?")))
            .collect();
        assert_eq!(answers.len(), 2, "{answers:?}");
        assert_eq!(answers[0], answers[1], "an ID out of reach answers as one nobody holds");
        assert_eq!(answers[0].0, "user_not_found");
    }

    async fn attack_create_only_import_does_not_name_holders_out_of_reach(h: Harness) {
        let s = setup(&h).await;
        let options = ImportOptions { mode: ImportMode::CreateOnly, ..ImportOptions::default() };
        let data = csv("Local ID,First Name,Last Name,Building\r\nW1,Someone,Else,LMS\r\nL1,Lin,Kid,LMS\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &options).await;
        let issues = plan.issues();
        assert_eq!(codes(&plan), ["user_exists", "user_exists"]);
        assert!(!issues[0].message.contains("Wash"), "{}", issues[0].message);
        assert!(issues[1].message.contains("Lin Kid"), "in reach, names are fine: {}", issues[1].message);
        assert_eq!(
            issues[0].message.replace("another user", "X").replace("W1", "?"),
            issues[1].message.replace("Lin Kid", "X").replace("L1", "?"),
            "the same answer, less the name"
        );
    }

    async fn attack_upsert_import_answers_out_of_reach_local_ids_like_a_taken_key(h: Harness) {
        let s = setup(&h).await;
        let data = csv("Local ID,First Name,Last Name,Building\r\nW1,Someone,Else,LMS\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["taken"], "{:?}", plan.issues());
        let message = &plan.issues()[0].message;
        assert!(!message.contains("Wash") && !message.contains("building"), "{message}");
    }
}

across_backends! {
    async fn attack_import_username_shadows_an_email_login(h: Harness) {
        let s = setup(&h).await;
        let details = UserDetails::new(UserKind::Staff, "Lou", "Lincoln")
            .with_email("lou@maple.example")
            .unwrap()
            .in_org_unit(s.lincoln.id);
        h.directory.create_user(&h.admin, s.district, details).await.unwrap();
        // A new user whose username is someone's e-mail would take their sign-in.
        let data = csv("Local ID,First Name,Last Name,Building,Username\r\nN1,Mal,Lory,LMS,LOU@maple.example\r\n");
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["taken"], "{:?}", plan.issues());
        // And within one file: one row's e-mail, another row's username.
        let data = csv(
            "Local ID,First Name,Last Name,Building,Username,Email\r\n\
             N2,Ann,A,LMS,,ann@maple.example\r\nN3,Ben,B,LMS,ann@maple.example,\r\n",
        );
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["taken"], "{:?}", plan.issues());
        assert!(plan.issues()[0].message.contains("row 2"), "{:?}", plan.issues());
    }

    async fn attack_import_one_email_or_username_on_two_rows_is_refused_on_the_later_row(h: Harness) {
        let s = setup(&h).await;
        // Row 4 repeats row 2's e-mail and username in other letter case: one sign-in, two
        // people. Row 3 is unrelated.
        let data = csv(
            "Local ID,First Name,Last Name,Building,Username,Email\r\n\
             N1,Ann,A,LMS,ann,ann@maple.example\r\nN2,Ben,B,LMS,ben,ben@maple.example\r\n\
             N3,Cal,C,LMS,ANN,Ann@Maple.example\r\n",
        );
        let plan = plan_as(&h, &s, &s.importer, &data, &ImportOptions::default()).await;
        assert_eq!(codes(&plan), ["taken", "taken"], "{:?}", plan.issues());
        for issue in plan.issues() {
            assert_eq!(issue.row, Some(4), "{issue:?}");
            assert!(issue.message.contains("is also on row 2"), "{issue:?}");
        }
        assert_eq!(plan.counts().created, 2);
    }

    async fn attack_oneroster_role_mapped_to_a_role_the_district_lacks(h: Harness) {
        let s = setup(&h).await;
        let stranger = RoleId::from_uuid(uuid::Uuid::from_u128(0xdead_beef));
        let mut options = ImportOptions::default();
        options.oneroster_roles.insert("student".into(), stranger);
        let data = roster("Lincoln Middle", "d1", "d1");
        let plan = plan_as(&h, &s, &h.admin, &data, &options).await;
        assert_eq!(codes(&plan), ["unknown_role"], "{:?}", plan.issues());
        assert!(apply_as(&h, &s, &h.admin, &plan, Approval::Approved).await.is_err());
        assert!(h.directory.storage().grants(s.district, None).await.unwrap().iter().all(|g| g.role != stranger));
    }
}

/// A grant change and an import's apply decide on the same district at the same moment (the
/// store holds both writes until both have decided): they cannot both be written.
#[tokio::test]
async fn attack_a_grant_change_racing_the_apply_makes_it_conflict() {
    use std::sync::Arc;

    use homeroom_tests::race::{Gate, Hooked};
    for backend in homeroom_tests::Backend::ALL {
        let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
        let h = Harness::over(*backend, gate.clone()).await;
        let (d, admin) = (&h.directory, &h.admin);
        let district = d.create_district(admin, "Race USD").await.unwrap().id;
        d.create_org_unit(
            admin,
            district,
            NewOrgUnit::school("Lincoln Middle").with_code("LMS"),
        )
        .await
        .unwrap();
        let plan = |text: &'static str| async move {
            let plan = d
                .plan_import(admin, district, &csv(text), &ImportOptions::default())
                .await
                .unwrap();
            assert!(!plan.has_errors(), "{:?}", plan.issues());
            plan
        };
        let first = plan("Local ID,First Name,Last Name,Building\r\nL1,Lin,Kid,LMS\r\n").await;
        d.apply_import(admin, district, &first, Approval::Required, &|_| {})
            .await
            .unwrap();
        let lin = d
            .search_users(admin, district, &UserSearch::text("L1"))
            .await
            .unwrap()
            .items
            .remove(0);
        let observer = d
            .roles(admin, district)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.preset == Some(Preset::Observer))
            .unwrap();
        let rename = plan("Local ID,First Name,Last Name,Building\r\nL1,Lin,Renamed,LMS\r\n").await;

        gate.hook().hold_next_applies(2);
        let (applied, granted) = tokio::join!(
            d.apply_import(admin, district, &rename, Approval::Required, &|_| {}),
            d.grant_role(admin, district, lin.id, observer.id, Scope::District),
        );
        let renamed = d
            .user(admin, district, lin.id)
            .await
            .unwrap()
            .details
            .name
            .last
            == "Renamed";
        match (applied, granted) {
            (Ok(_), Err(e)) => assert!(
                e.kind() == ErrorKind::Conflict && renamed,
                "{backend:?}: {e}"
            ),
            (Err(e), Ok(_)) => assert!(
                e.kind() == ErrorKind::Conflict && !renamed,
                "{backend:?}: {e}"
            ),
            other => panic!("{backend:?}: exactly one may win: {other:?}"),
        }
    }
}
