//! Attacks on other people's accounts by an actor with an ordinary building-level grant: each
//! test is one thing an attacker tried, and what stops it. Run over every backend.
//!
//! The rule under test: nobody changes the credentials, status, access, org units or grants of
//! someone who holds more than they do (see `docs/security.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use homeroom::password::Password;
use homeroom::*;
use homeroom_tests::race::{Gate, Hooked};
use homeroom_tests::{Harness, across_backends};

/// Lincoln and Washington; a System Administrator and a District Administrator who are both
/// members of Lincoln; a Lincoln principal (the attacker), a second Lincoln principal, and a
/// Lincoln teacher with no grants.
struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    sysadmin: User,
    district_admin: User,
    peer_principal: User,
    teacher: User,
    principal: Actor,
    roles: Vec<Role>,
}

impl Scene {
    fn role(&self, preset: Preset) -> RoleId {
        self.roles
            .iter()
            .find(|r| r.preset == Some(preset))
            .unwrap()
            .id
    }
}

async fn staff(h: &Harness, district: DistrictId, first: &str, unit: OrgUnitId) -> User {
    let details = UserDetails::new(UserKind::Staff, first, "Staff")
        .with_username(&first.to_lowercase())
        .unwrap()
        .with_email(&format!("{}@maple.example", first.to_lowercase()))
        .unwrap()
        .in_org_unit(unit);
    h.member(district, details).await
}

async fn scene(h: &Harness) -> Scene {
    let d = &h.directory;
    let (id, schools) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    let (lincoln, washington) = (schools[0].clone(), schools[1].clone());
    let roles = d.roles(&h.admin, id).await.unwrap();
    let in_lincoln = Scope::unit(lincoln.id);

    let sysadmin = staff(h, id, "Sam", lincoln.id).await;
    h.grant(
        id,
        sysadmin.id,
        Preset::SystemAdministrator,
        Scope::District,
    )
    .await;
    let district_admin = staff(h, id, "Dana", lincoln.id).await;
    h.grant(
        id,
        district_admin.id,
        Preset::DistrictAdministrator,
        Scope::District,
    )
    .await;
    let principal = staff(h, id, "Pat", lincoln.id).await;
    h.grant(
        id,
        principal.id,
        Preset::BuildingAdministrator,
        in_lincoln.clone(),
    )
    .await;
    let peer_principal = staff(h, id, "Quinn", lincoln.id).await;
    h.grant(
        id,
        peer_principal.id,
        Preset::BuildingAdministrator,
        in_lincoln,
    )
    .await;
    let teacher = staff(h, id, "Terry", lincoln.id).await;
    Scene {
        id,
        lincoln,
        washington,
        sysadmin: d.user(&h.admin, id, sysadmin.id).await.unwrap(),
        district_admin: d.user(&h.admin, id, district_admin.id).await.unwrap(),
        peer_principal: d.user(&h.admin, id, peer_principal.id).await.unwrap(),
        teacher: d.user(&h.admin, id, teacher.id).await.unwrap(),
        principal: Actor::user(id, principal.id),
        roles,
    }
}

fn refused_as_forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    assert!(err.to_string().contains("holds more"), "{err}");
}

across_backends! {
    async fn attack_building_admin_sets_a_district_admins_password_to_sign_in_as_them(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let stolen = Password::new("i-own-the-district").unwrap();
        for target in [&s.sysadmin, &s.district_admin] {
            refused_as_forbidden(d.set_password(&s.principal, s.id, target.id, &stolen, false).await);
            refused_as_forbidden(d.set_password(&s.principal, s.id, target.id, &stolen, true).await);
            let login = target.details.username.as_ref().unwrap().as_str();
            let signed_in = d.verify_password(s.id, login, "i-own-the-district").await;
            assert_eq!(signed_in.unwrap_err().kind(), ErrorKind::Refused, "no password was set");
        }
        // Over someone who holds no more than they do, the same command works.
        for target in [&s.peer_principal, &s.teacher] {
            d.set_password(&s.principal, s.id, target.id, &stolen, true).await.unwrap();
        }
    }

    async fn attack_building_admin_rewrites_a_district_admins_login_details(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let target = &s.district_admin;
        let edited = |edit: &dyn Fn(&mut UserDetails)| {
            let mut details = target.details.clone();
            edit(&mut details);
            details
        };
        let attempts = [
            edited(&|u| u.email = Some(Email::parse("attacker@evil.example").unwrap())),
            edited(&|u| u.username = Some(Username::parse("dana2").unwrap())),
            edited(&|u| u.sso_subject = Some("attacker-idp-subject".into())),
            // Out of Lincoln, into no building at all: out of everyone's reach but the district's.
            edited(&|u| u.org_units.clear()),
        ];
        for details in attempts {
            refused_as_forbidden(
                d.update_user(&s.principal, s.id, target.id, target.version, details).await,
            );
        }
        let unchanged = d.user(&h.admin, s.id, target.id).await.unwrap();
        assert_eq!(unchanged.version, target.version, "nothing was written");
        // Details that do not sign anyone in stay editable by their building's admin.
        let mut title = target.details.clone();
        title.job_title = Some("Assistant Superintendent".into());
        d.update_user(&s.principal, s.id, target.id, target.version, title).await.unwrap();
        // And a peer's e-mail is theirs to fix.
        let peer = &s.peer_principal;
        let mut email = peer.details.clone();
        email.email = Some(Email::parse("quinn.new@maple.example").unwrap());
        d.update_user(&s.principal, s.id, peer.id, peer.version, email).await.unwrap();
    }

    async fn attack_building_admin_locks_out_or_archives_a_district_admin(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        for target in [&s.sysadmin, &s.district_admin] {
            refused_as_forbidden(d.set_access(&s.principal, s.id, target.id, target.version, Access::Suspended).await);
            let locked = Access::Locked { until: None, reason: "mine now".into() };
            refused_as_forbidden(d.set_access(&s.principal, s.id, target.id, target.version, locked).await);
            for status in [RecordStatus::Inactive, RecordStatus::Archived] {
                refused_as_forbidden(d.set_status(&s.principal, s.id, target.id, target.version, status).await);
            }
            let after = d.user(&h.admin, s.id, target.id).await.unwrap();
            assert_eq!((after.status, after.access.clone()), (RecordStatus::Active, Access::Allowed));
        }
        let t = &s.teacher;
        d.set_access(&s.principal, s.id, t.id, t.version, Access::Suspended).await.unwrap();
    }

    async fn attack_building_admin_strips_or_adds_grants_of_a_district_admin(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let tech = s.role(Preset::Technician);
        let observer = s.role(Preset::Observer);
        // An attacker who may hand out Technician and Observer over Lincoln.
        let handed: PermissionSet = Preset::Technician
            .permissions()
            .union(Preset::Observer.permissions())
            .with(Permission::ManageRoles);
        let role = d.create_role(&h.admin, s.id, "Lincoln Role Manager", handed).await.unwrap();
        let attacker = staff(&h, s.id, "Mallory", s.lincoln.id).await;
        d.grant_role(&h.admin, s.id, attacker.id, role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let attacker = Actor::user(s.id, attacker.id);
        // A Lincoln-scoped grant the attacker could take back from anyone equal.
        let lincoln_grant = d
            .grant_role(&h.admin, s.id, s.district_admin.id, tech, Scope::unit(s.lincoln.id))
            .await
            .unwrap();
        refused_as_forbidden(d.revoke_grant(&attacker, s.id, lincoln_grant.id).await);
        refused_as_forbidden(
            d.grant_role(&attacker, s.id, s.sysadmin.id, observer, Scope::unit(s.lincoln.id)).await,
        );
        assert_eq!(d.grants_of(&h.admin, s.id, s.district_admin.id).await.unwrap().len(), 2);
        // Over the teacher it works both ways.
        let given = d
            .grant_role(&attacker, s.id, s.teacher.id, tech, Scope::unit(s.lincoln.id))
            .await
            .unwrap();
        d.revoke_grant(&attacker, s.id, given.id).await.unwrap();
    }

    async fn attack_lincoln_deleter_deletes_a_district_admin(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let deleters: PermissionSet = [Permission::ViewUsers, Permission::DeleteUsers].into_iter().collect();
        let role = d.create_role(&h.admin, s.id, "Lincoln Deleter", deleters).await.unwrap();
        let attacker = staff(&h, s.id, "Mallory", s.lincoln.id).await;
        d.grant_role(&h.admin, s.id, attacker.id, role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let attacker = Actor::user(s.id, attacker.id);
        let target = &s.district_admin;
        refused_as_forbidden(d.delete_user(&attacker, s.id, target.id, target.version).await);
        assert!(d.user(&h.admin, s.id, target.id).await.is_ok());
        d.delete_user(&attacker, s.id, s.teacher.id, s.teacher.version).await.unwrap();
    }

    async fn attack_a_key_clash_names_a_user_out_of_reach(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let hidden = d
            .create_user(
                &h.admin,
                s.id,
                UserDetails::new(UserKind::Staff, "Hidden", "Person")
                    .with_local_id("W-77")
                    .unwrap()
                    .with_username("hperson")
                    .unwrap()
                    .with_email("hidden@maple.example")
                    .unwrap()
                    .in_org_unit(s.washington.id),
            )
            .await
            .unwrap();
        let probe = |local: &str, username: &str, email: &str| {
            UserDetails::new(UserKind::Staff, "New", "Hire")
                .with_local_id(local)
                .unwrap()
                .with_username(username)
                .unwrap()
                .with_email(email)
                .unwrap()
                .in_org_unit(s.lincoln.id)
        };
        let err = d
            .create_user(&s.principal, s.id, probe("W-77", "hperson", "hidden@maple.example"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(!text.contains("Hidden") && !text.contains("Person"), "{text}");
        // The words are those of a clash found only when writing: nothing tells them apart.
        assert!(text.contains("another user in this district already has Local ID 'W-77'"), "{text}");
        // Inside reach the holder is named, so an admin can find the duplicate.
        let err = d
            .create_user(&s.principal, s.id, probe("N-1", "terry", "n1@maple.example"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("Terry Staff"), "{err}");
        assert!(d.user(&h.admin, s.id, hidden.id).await.is_ok());
    }

    async fn attack_username_shadows_another_users_email_login(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        // The principal renames the teacher's login to the district admin's e-mail, so a
        // sign-in with that e-mail would find the teacher first.
        let t = &s.teacher;
        let mut details = t.details.clone();
        details.username = Some(Username::parse("DANA@maple.example").unwrap());
        let err = d.update_user(&s.principal, s.id, t.id, t.version, details).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
        // And the other way round: an e-mail that is someone's username.
        let mut details = t.details.clone();
        details.email = Some(Email::parse("quinn@x.example").unwrap());
        details.username = Some(Username::parse("terry").unwrap());
        d.update_user(&s.principal, s.id, t.id, t.version, details).await.unwrap();
        let clash = UserDetails::new(UserKind::Staff, "Al", "Ias")
            .with_username("quinn@x.example")
            .unwrap()
            .in_org_unit(s.lincoln.id);
        assert_eq!(d.create_user(&s.principal, s.id, clash).await.unwrap_err().kind(), ErrorKind::Invalid);
    }

    async fn attack_activity_log_reader_reads_incident_and_billing_details(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let kid = d
            .create_user(
                &h.admin,
                s.id,
                UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(s.lincoln.id),
            )
            .await
            .unwrap();
        let incident = NewIncident {
            kind: records::IncidentKind::Damage,
            description: "cracked screen, dropped in anger".into(),
            occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            device: None,
            repair_cost: None,
        };
        d.record_incident(&h.admin, s.id, kid.id, incident).await.unwrap();
        let line = records::InvoiceLine {
            description: "Screen".into(),
            amount: rust_decimal::Decimal::new(12000, 2),
        };
        d.add_invoice(&h.admin, s.id, kid.id, vec![line], None).await.unwrap();
        // An evaluator-like role: the activity log, but neither incidents nor invoices.
        let reader_role = d
            .create_role(
                &h.admin,
                s.id,
                "Log Reader",
                [Permission::ViewUsers, Permission::ViewActivityLog].into_iter().collect::<PermissionSet>(),
            )
            .await
            .unwrap();
        let reader = staff(&h, s.id, "Rae", s.lincoln.id).await;
        d.grant_role(&h.admin, s.id, reader.id, reader_role.id, Scope::unit(s.lincoln.id)).await.unwrap();
        let reader = Actor::user(s.id, reader.id);

        let log = d.user_activity(&reader, s.id, kid.id, None, 50).await.unwrap();
        let about_records: Vec<&ActivityEntry> = log.items.iter().filter(|e| e.record.is_some()).collect();
        assert_eq!(about_records.len(), 2, "{:?}", log.items);
        for entry in &about_records {
            assert!(entry.details_hidden && entry.changes.is_empty(), "{entry:?}");
        }
        let shown = serde_json::to_string(&log.items).unwrap();
        assert!(!shown.contains("anger") && !shown.contains("120"), "{shown}");
        // The user's own fields are still shown.
        assert!(log.items.iter().any(|e| e.record.is_none() && !e.changes.is_empty()));

        // The principal may see incidents and invoices: the details are there.
        let log = d.user_activity(&s.principal, s.id, kid.id, None, 50).await.unwrap();
        assert!(log.items.iter().all(|e| !e.details_hidden));
        assert!(serde_json::to_string(&log.items).unwrap().contains("anger"));

        // With billing turned off, not even the principal sees invoice details.
        let mut settings = d.district(&h.admin, s.id).await.unwrap();
        settings.settings.modules.billing = false;
        d.update_district_settings(&h.admin, s.id, settings.version, settings.settings).await.unwrap();
        let log = d.user_activity(&s.principal, s.id, kid.id, None, 50).await.unwrap();
        let hidden: Vec<_> = log.items.iter().filter(|e| e.details_hidden).collect();
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0].record, Some(records::RecordKind::Invoice));
    }
}

/// Two System Administrators take each other out of action at the same moment: both commands
/// read a district where the other is still active, so without one check under the district's
/// version both would pass and nobody could administer the district.
#[tokio::test]
async fn attack_two_last_admins_disable_each_other_at_once() {
    for backend in homeroom_tests::Backend::ALL {
        for how in ["suspend", "archive", "delete"] {
            let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
            let h = Harness::over(*backend, gate.clone()).await;
            let s = scene(&h).await;
            let d = &h.directory;
            // Only the two of them hold System Administrator; the rest are gone.
            let other = d
                .grant_role(
                    &h.admin,
                    s.id,
                    s.district_admin.id,
                    s.role(Preset::SystemAdministrator),
                    Scope::District,
                )
                .await
                .unwrap();
            let (a, b) = (
                &s.sysadmin,
                d.user(&h.admin, s.id, other.holder).await.unwrap(),
            );
            let (actor_a, actor_b) = (Actor::user(s.id, a.id), Actor::user(s.id, b.id));
            gate.hook().hold_next_applies(2);
            let (first, second) = match how {
                "suspend" => tokio::join!(
                    d.set_access(&actor_a, s.id, b.id, b.version, Access::Suspended),
                    d.set_access(&actor_b, s.id, a.id, a.version, Access::Suspended),
                ),
                "archive" => tokio::join!(
                    d.set_status(&actor_a, s.id, b.id, b.version, RecordStatus::Archived),
                    d.set_status(&actor_b, s.id, a.id, a.version, RecordStatus::Archived),
                ),
                _ => {
                    let (x, y) = tokio::join!(
                        d.delete_user(&actor_a, s.id, b.id, b.version),
                        d.delete_user(&actor_b, s.id, a.id, a.version),
                    );
                    (x.map(|()| a.clone()), y.map(|()| b.clone()))
                }
            };
            let kinds = [
                first.as_ref().err().map(Error::kind),
                second.as_ref().err().map(Error::kind),
            ];
            assert!(
                kinds.contains(&None) && kinds.contains(&Some(ErrorKind::Conflict)),
                "{backend:?} {how}: exactly one wins, the other conflicts: {first:?} / {second:?}"
            );
        }
    }
}
