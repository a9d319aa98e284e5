//! OneRoster guardians become their students' contacts (issue "real packages"): a guardian,
//! parent or relative row is not a user, but its name, relation, e-mail and phone land on every
//! student linked through `agentSourcedIds`, in either direction; a package without guardian
//! rows leaves students' contacts as they are. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use homeroom::import::{OneRosterPackage, ReadOptions};
use homeroom::*;
use homeroom_tests::{Harness, across_backends};

const MANIFEST: &[u8] =
    b"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n";
const ORGS: &[u8] = b"sourcedId,name,type,parentSourcedId\nd1,Maple Valley USD,district,\nLMS,Lincoln Middle,school,d1\n";
const HEADER: &str = "sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier,email,phone,sms,agentSourcedIds\n";
/// Lin lists her mother; her grandfather lists Lin (the other direction); Sam has no contacts.
const STUDENTS: &str =
    "u1,true,LMS,student,Lin,Kid,L1,,,,g1\nu2,true,LMS,student,Sam,Solo,L2,,,,\n";
const MOTHER: &str = "g1,true,LMS,parent,Mae,Kid,,mae@home.example,555-0100,,\n";
const GRANDFATHER: &str = "g2,true,LMS,relative,Gus,Kid,,,,555-0199,u1\n";

fn package(users: &str) -> import::ImportData {
    let users = format!("{HEADER}{users}");
    OneRosterPackage::from_files([
        ("manifest.csv", MANIFEST.to_vec()),
        ("orgs.csv", ORGS.to_vec()),
        ("users.csv", users.into_bytes()),
    ])
    .read(&ReadOptions::default())
    .unwrap()
}

async fn import(h: &Harness, district: DistrictId, users: &str) -> ImportPlan {
    let data = package(users);
    assert!(!data.has_errors(), "{:?}", data.issues);
    let options = ImportOptions {
        create_org_units: true,
        ..ImportOptions::default()
    };
    let plan = h
        .directory
        .plan_import(&h.admin, district, &data, &options)
        .await
        .unwrap();
    assert!(!plan.has_errors(), "{:?}", plan.issues());
    h.apply_plan(&h.admin, district, &plan, Approval::Required)
        .await
        .unwrap();
    plan
}

async fn contacts(h: &Harness, district: DistrictId, local_id: &str) -> (UserId, Vec<Guardian>) {
    let found = h
        .directory
        .search_users(&h.admin, district, &UserSearch::text(local_id))
        .await
        .unwrap();
    let user = found.items.into_iter().next().unwrap();
    (user.id, user.details.guardians)
}

fn guardian(name: &str, relation: &str, email: Option<&str>, phone: &str) -> Guardian {
    Guardian {
        name: name.into(),
        relation: Some(relation.into()),
        email: email.map(Into::into),
        phone: Some(phone.into()),
    }
}

across_backends! {
    async fn guardians_linked_either_way_become_contacts_and_follow_the_sis(h: Harness) {
        let district = h.directory.create_district(&h.admin, "Maple Valley USD").await.unwrap().id;
        let first = import(&h, district, &format!("{STUDENTS}{MOTHER}{GRANDFATHER}")).await;
        assert_eq!(first.counts().created, 2, "guardians are not users");
        let mae = guardian("Mae Kid", "Parent", Some("mae@home.example"), "555-0100");
        let gus = guardian("Gus Kid", "Relative", None, "555-0199");
        let (lin, lins) = contacts(&h, district, "L1").await;
        assert_eq!(lins, vec![mae.clone(), gus.clone()]);
        assert_eq!(contacts(&h, district, "L2").await.1, Vec::<Guardian>::new());

        // The SIS changes Mae's e-mail and drops Gus: the next sync follows, logged field by field.
        let moved = MOTHER.replace("mae@home.example", "mae@work.example");
        let second = import(&h, district, &format!("{STUDENTS}{moved}")).await;
        assert_eq!((second.counts().updated, second.counts().unchanged), (1, 1));
        let mae_now = guardian("Mae Kid", "Parent", Some("mae@work.example"), "555-0100");
        assert_eq!(contacts(&h, district, "L1").await.1, vec![mae_now.clone()]);
        let log = h.directory.user_activity(&h.admin, district, lin, None, 10).await.unwrap();
        let changed: Vec<&str> = log.items[0].changes.iter().map(|c| c.field.as_ref()).collect();
        assert!(changed.iter().any(|f| f.starts_with("guardians")), "{changed:?}");

        // An export without guardian rows does not carry them: contacts stay as they are.
        let third = import(&h, district, STUDENTS).await;
        assert_eq!((third.counts().updated, third.counts().unchanged), (0, 2));
        assert_eq!(contacts(&h, district, "L1").await.1, vec![mae_now]);
    }
}
