//! Import columns per application: `<Application> Group Name` and `<Application> Role` grant
//! that application's roles and enable the user there, under the Roles column's scope and
//! no-escalation checks; an unknown application or role is an error. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::import::{IssueCode, ReadOptions, read};
use homeroom::*;
use homeroom_tests::apps::{Grading, HelpDesk};
use homeroom_tests::{Harness, across_backends};

struct Setup {
    district: DistrictId,
    lincoln: OrgUnit,
}

async fn setup(h: &Harness) -> Setup {
    let d = &h.directory;
    let (district, schools) = h.district_with_schools(&["Lincoln Middle"]).await;
    let view = PermissionSet::EMPTY.with(Permission::ViewUsers);
    d.create_role(
        &h.admin,
        district,
        "Agent",
        RolePermissions::from(view).with_app(HelpDesk::AssignTickets),
    )
    .await
    .unwrap();
    d.create_role(
        &h.admin,
        district,
        "Grader",
        RolePermissions::from(view).with_app(Grading::GradeAssessments),
    )
    .await
    .unwrap();
    d.create_role(&h.admin, district, "Viewer", view)
        .await
        .unwrap();
    Setup {
        district,
        lincoln: schools[0].clone(),
    }
}

const TWO_SERVICES: &str = "Local ID,First Name,Last Name,Building,Help Desk Group Name,Grade Book Role\r\n\
S1,Ann,Agent,Lincoln Middle,Agent,Grader\r\n\
S2,Bo,Both,Lincoln Middle,,Grader\r\n\
S3,Cy,None,Lincoln Middle,,\r\n";

async fn plan_as(h: &Harness, s: &Setup, actor: &Actor, csv: &str) -> ImportPlan {
    let data = read(csv.as_bytes(), "staff.csv", &ReadOptions::default()).unwrap();
    h.directory
        .plan_import(actor, s.district, &data, &ImportOptions::default())
        .await
        .unwrap()
}

async fn access(h: &Harness, s: &Setup, local_id: &str) -> Vec<(String, bool, Vec<String>)> {
    let found = h
        .directory
        .search_users(
            &h.admin,
            s.district,
            &UserSearch::text(local_id.to_lowercase()),
        )
        .await
        .unwrap();
    let user = found
        .items
        .iter()
        .find(|u| u.details.local_id.as_ref().map(|l| l.as_str()) == Some(local_id))
        .unwrap();
    h.directory
        .application_access(&h.admin, s.district, user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.application.to_owned(), a.enabled, a.roles))
        .collect()
}

across_backends! {
    async fn application_columns_grant_roles_and_enable_the_user_there(h: Harness) {
        let h = h.knowing_apps();
        let s = setup(&h).await;
        let plan = plan_as(&h, &s, &h.admin, TWO_SERVICES).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        assert!(plan.issues().iter().all(|i| i.code != IssueCode::UnknownColumn), "{:?}", plan.issues());
        assert_eq!(plan.rows()[0].applications, ["helpdesk", "grading"]);
        assert!(plan.rows()[2].applications.is_empty());
        h.apply_plan(&h.admin, s.district, &plan, Approval::Required).await.unwrap();
        assert_eq!(
            access(&h, &s, "S1").await,
            [
                ("helpdesk".to_owned(), true, vec!["Agent".to_owned()]),
                ("grading".to_owned(), true, vec!["Grader".to_owned()]),
            ]
        );
        assert!(!access(&h, &s, "S2").await[0].1);
        assert_eq!(access(&h, &s, "S3").await.iter().filter(|a| a.1).count(), 0);
        // The grant covers the user's building, and now counts for Ann.
        let ann = h.directory.search_users(&h.admin, s.district, &UserSearch::text("ann")).await.unwrap().items[0].clone();
        let grants = h.directory.grants_of(&h.admin, s.district, ann.id).await.unwrap();
        assert!(grants.iter().all(|g| g.scope == Scope::unit(s.lincoln.id)));
        let kid = h.member(s.district, UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(s.lincoln.id)).await;
        h.directory.authorize(&Actor::user(s.district, ann.id), s.district, HelpDesk::AssignTickets, kid.id).await.unwrap();
        // Importing the same file again changes nothing.
        let again = plan_as(&h, &s, &h.admin, TWO_SERVICES).await;
        assert!(again.rows().iter().all(|r| r.applications.is_empty()));
        assert!(again.is_noop(), "{:?}", again.counts());
    }

    async fn an_unknown_application_or_role_is_an_error(h: Harness) {
        let h = h.knowing_apps();
        let s = setup(&h).await;
        let csv = "Local ID,First Name,Last Name,Building,Payroll Group Name,Help Desk Role\r\n\
S1,Ann,Agent,Lincoln Middle,Clerk,\r\n\
S2,Bo,Bad,Lincoln Middle,,Viewer\r\n\
S3,Cy,Nope,Lincoln Middle,,Nobody\r\n";
        let plan = plan_as(&h, &s, &h.admin, csv).await;
        let issues: Vec<(Option<u32>, IssueCode, Option<&str>)> = plan
            .issues()
            .iter()
            .filter(|i| i.severity == import::Severity::Error)
            .map(|i| (i.row, i.code.clone(), i.column.as_deref()))
            .collect();
        assert_eq!(
            issues,
            [
                (Some(2), IssueCode::UnknownApplication, Some("Payroll Group Name")),
                (Some(3), IssueCode::UnknownRole, Some("Help Desk Role")),
                (Some(4), IssueCode::UnknownRole, Some("Help Desk Role")),
            ]
        );
        assert!(h.apply_plan(&h.admin, s.district, &plan, Approval::Required).await.is_err());
    }

    async fn attack_import_an_application_role_not_held(h: Harness) {
        let h = h.knowing_apps();
        let s = setup(&h).await;
        let d = &h.directory;
        // An importer over Lincoln who may grant roles, holding Assign Tickets but no grading.
        let importer_role = d
            .create_role(
                &h.admin,
                s.district,
                "Importer",
                RolePermissions::from(
                    [Permission::ViewUsers, Permission::ImportUsers, Permission::ManageRoles, Permission::ManageUsers, Permission::EditUsers]
                        .into_iter()
                        .collect::<PermissionSet>(),
                )
                .with_app(HelpDesk::AssignTickets),
            )
            .await
            .unwrap();
        let pat = h.member(s.district, UserDetails::new(UserKind::Staff, "Pat", "Importer").in_org_unit(s.lincoln.id)).await;
        d.grant_role(&h.admin, s.district, pat.id, importer_role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        d.set_application_access(&h.admin, s.district, pat.id, "helpdesk", true).await.unwrap();
        let pat = Actor::user(s.district, pat.id);
        let plan = plan_as(&h, &s, &pat, TWO_SERVICES).await;
        let refused: Vec<(Option<u32>, IssueCode)> = plan
            .issues()
            .iter()
            .filter(|i| i.severity == import::Severity::Error)
            .map(|i| (i.row, i.code.clone()))
            .collect();
        assert_eq!(refused, [(Some(2), IssueCode::NotPermitted), (Some(3), IssueCode::NotPermitted)]);
        // Planned by the district, applied by Pat: the apply checks the application roles
        // against Pat too, and writes nothing.
        let districts = plan_as(&h, &s, &h.admin, TWO_SERVICES).await;
        assert!(!districts.has_errors(), "{:?}", districts.issues());
        let err = h.apply_plan(&pat, s.district, &districts, Approval::Required).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        let found = d.search_users(&h.admin, s.district, &UserSearch::default()).await.unwrap();
        assert!(found.items.iter().all(|u| u.details.name.first != "Ann"), "nobody was created");
        // The help desk column alone is within what Pat holds.
        let desk_only = "Local ID,First Name,Last Name,Building,Help Desk Group Name\r\nS1,Ann,Agent,Lincoln Middle,Agent\r\n";
        let plan = plan_as(&h, &s, &pat, desk_only).await;
        assert!(!plan.has_errors(), "{:?}", plan.issues());
        h.apply_plan(&pat, s.district, &plan, Approval::Required).await.unwrap();
        assert!(access(&h, &s, "S1").await[0].1);
    }
}
