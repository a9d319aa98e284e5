//! Authorization rules that mutation testing showed no test guarded, each written as the rule a
//! reader understands: a role edit takes effect everywhere at once; a duplicate grant is
//! refused; racing authorization changes never both win; a scope outside the district is
//! refused; the log names org units; a host's tab needs its permission. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use async_trait::async_trait;
use homeroom::profile::{TabKind, TabProvider};
use homeroom::*;
use homeroom_tests::race::{Gate, Hooked, at_once};
use homeroom_tests::{Backend, Harness, across_backends};

struct Scene {
    id: DistrictId,
    lincoln: OrgUnit,
    washington: OrgUnit,
    kid: User,
}

async fn scene(h: &Harness) -> Scene {
    let (id, schools) = h
        .district_with_schools(&["Lincoln Middle", "Washington High"])
        .await;
    let (lincoln, washington) = (schools[0].clone(), schools[1].clone());
    let kid = UserDetails::new(UserKind::Student, "Kim", "Kid").in_org_unit(lincoln.id);
    let kid = h.member(id, kid).await;
    Scene {
        id,
        lincoln,
        washington,
        kid,
    }
}

/// A staff member of `unit` holding `role` over it.
async fn holder(h: &Harness, s: &Scene, name: &str, role: RoleId, scope: Scope) -> Actor {
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
    Actor::user(s.id, user.id)
}

fn set(permissions: &[Permission]) -> PermissionSet {
    permissions.iter().copied().collect()
}

async fn tab_titles(h: &Harness, s: &Scene, actor: &Actor) -> Vec<String> {
    let profile = h.directory.profile(actor, s.id, s.kid.id, 5).await.unwrap();
    profile.titles().into_iter().map(str::to_owned).collect()
}

/// A host tab shown to those with View Invoices.
struct Transcript;

#[async_trait]
impl TabProvider for Transcript {
    fn key(&self) -> &str {
        "transcript"
    }
    fn title(&self) -> &str {
        "Transcript"
    }
    fn permission(&self) -> Permission {
        Permission::ViewInvoices
    }
    async fn render(&self, _user: &User) -> Result<Option<serde_json::Value>, Error> {
        Ok(Some(serde_json::json!({"gpa": "3.9"})))
    }
}

across_backends! {
    async fn a_role_edit_takes_effect_everywhere_at_once(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let helper = d.create_role(&h.admin, s.id, "Helper", set(&[Permission::ViewUsers])).await.unwrap();
        let staff = holder(&h, &s, "Hal", helper.id, Scope::unit(s.lincoln.id)).await;
        let actions = d.allowed_actions(&staff, s.id, s.kid.id).await.unwrap();
        assert!(!actions.contains(Permission::ViewIncidents));
        assert!(!tab_titles(&h, &s, &staff).await.contains(&TabKind::IncidentHistory.title().to_owned()));

        // Adding a permission: the role, the checks and the tabs all change together.
        let wider = set(&[Permission::ViewUsers, Permission::ViewIncidents]);
        let edited = d.set_role_permissions(&h.admin, s.id, helper.id, helper.version, wider).await.unwrap();
        assert_eq!((edited.permissions, edited.version), (wider, helper.version.next()));
        let stored = d.roles(&h.admin, s.id).await.unwrap().into_iter().find(|r| r.id == helper.id).unwrap();
        assert_eq!((stored.permissions, stored.version), (wider, edited.version));
        assert!(d.allowed_actions(&staff, s.id, s.kid.id).await.unwrap().contains(Permission::ViewIncidents));
        assert!(tab_titles(&h, &s, &staff).await.contains(&TabKind::IncidentHistory.title().to_owned()));

        // An edit that changes nothing writes nothing: same version, no log entry, and the
        // version the caller holds is still the current one.
        let log_before = d.storage().activity(s.id, &ActivityQuery { subject: Subject::Role(helper.id), after: None, limit: 50 }).await.unwrap().total;
        let same = d.set_role_permissions(&h.admin, s.id, helper.id, edited.version, wider).await.unwrap();
        assert_eq!(same.version, edited.version);
        let log_after = d.storage().activity(s.id, &ActivityQuery { subject: Subject::Role(helper.id), after: None, limit: 50 }).await.unwrap().total;
        assert_eq!(log_after, log_before);

        // Taking View Users away: the kid is gone from every read at once.
        let narrower = set(&[Permission::ViewIncidents]);
        d.set_role_permissions(&h.admin, s.id, helper.id, edited.version, narrower).await.unwrap();
        assert_eq!(d.search_users(&staff, s.id, &UserSearch::default()).await.unwrap().total, 0);
        assert_eq!(d.user(&staff, s.id, s.kid.id).await.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(d.profile(&staff, s.id, s.kid.id, 5).await.unwrap_err().kind(), ErrorKind::NotFound);
    }

    async fn a_role_edit_moves_what_its_holders_may_grant(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let incidents = d.create_role(&h.admin, s.id, "Incident Desk", set(&[Permission::ViewUsers, Permission::ViewIncidents])).await.unwrap();
        let granter_perms = set(&[Permission::ViewUsers, Permission::ViewIncidents, Permission::ManageRoles]);
        let granter_role = d.create_role(&h.admin, s.id, "Granter", granter_perms).await.unwrap();
        let granter = holder(&h, &s, "Gil", granter_role.id, Scope::District).await;
        d.grant_role(&granter, s.id, s.kid.id, incidents.id, Scope::unit(s.lincoln.id)).await.unwrap();
        // The granter's own role loses View Incidents: they can no longer hand it out.
        d.set_role_permissions(&h.admin, s.id, granter_role.id, granter_role.version, set(&[Permission::ViewUsers, Permission::ManageRoles])).await.unwrap();
        let err = d.grant_role(&granter, s.id, s.kid.id, incidents.id, Scope::unit(s.washington.id)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
        assert!(err.to_string().contains("View Incidents"), "{err}");
    }

    async fn granting_the_same_role_over_the_same_scope_twice_is_refused(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let roles = d.roles(&h.admin, s.id).await.unwrap();
        let observer = roles.iter().find(|r| r.preset == Some(Preset::Observer)).unwrap().id;
        d.grant_role(&h.admin, s.id, s.kid.id, observer, Scope::unit(s.lincoln.id)).await.unwrap();
        let err = d.grant_role(&h.admin, s.id, s.kid.id, observer, Scope::unit(s.lincoln.id)).await.unwrap_err();
        assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::Taken, "{err}");
        // Over another scope it is a new grant.
        d.grant_role(&h.admin, s.id, s.kid.id, observer, Scope::unit(s.washington.id)).await.unwrap();
        assert_eq!(d.grants_of(&h.admin, s.id, s.kid.id).await.unwrap().len(), 2);
    }

    async fn a_scope_outside_the_district_is_refused(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let other = d.create_district(&h.admin, "Cedar Springs").await.unwrap().id;
        let foreign = d.create_org_unit(&h.admin, other, NewOrgUnit::school("Cedar High")).await.unwrap();
        let observer = d.roles(&h.admin, s.id).await.unwrap().into_iter().find(|r| r.preset == Some(Preset::Observer)).unwrap().id;
        for scope in [Scope::unit(foreign.id), Scope::OrgUnits(Default::default())] {
            let err = d.grant_role(&h.admin, s.id, s.kid.id, observer, scope.clone()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Invalid, "{scope:?}: {err}");
        }
        assert!(d.grants_of(&h.admin, s.id, s.kid.id).await.unwrap().is_empty());
    }

    async fn a_blocked_administrator_does_not_count_as_the_one_who_remains(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let sysadmin = d.roles(&h.admin, s.id).await.unwrap().into_iter().find(|r| r.preset == Some(Preset::SystemAdministrator)).unwrap().id;
        let a = holder(&h, &s, "Ann", sysadmin, Scope::District).await;
        let b = holder(&h, &s, "Ben", sysadmin, Scope::District).await;
        let (a, b) = (a.user_id().unwrap(), b.user_id().unwrap());
        let (admin, district) = (&h.admin, s.id);
        let current = |id| async move { d.user(admin, district, id).await.unwrap() };
        // Ben may not act (suspended, then inactive though allowed): Ann is the last one who can.
        let blocks: [(Option<Access>, Option<RecordStatus>); 2] =
            [(Some(Access::Suspended), None), (Some(Access::Allowed), Some(RecordStatus::Inactive))];
        for (access, status) in blocks {
            let ben = current(b).await;
            if let Some(access) = access {
                d.set_access(&h.admin, s.id, b, ben.version, access).await.unwrap();
            }
            if let Some(status) = status {
                let ben = current(b).await;
                d.set_status(&h.admin, s.id, b, ben.version, status).await.unwrap();
            }
            let ann = current(a).await;
            let err = d.set_status(&h.admin, s.id, a, ann.version, RecordStatus::Archived).await.unwrap_err();
            assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::LastSystemAdministrator, "{err}");
            let err = d.set_access(&h.admin, s.id, a, ann.version, Access::Suspended).await.unwrap_err();
            assert_eq!(err.validation().unwrap().errors()[0].code, ValidationCode::LastSystemAdministrator, "{err}");
        }
    }

    async fn the_activity_log_names_org_units(h: Harness) {
        let s = scene(&h).await;
        let d = &h.directory;
        let created = d.user_activity(&h.admin, s.id, s.kid.id, None, 10).await.unwrap();
        let units = |e: &ActivityEntry| e.changes.iter().find(|c| c.field == "org_units").cloned().unwrap();
        assert_eq!(units(&created.items[0]).new.as_deref(), Some("Lincoln Middle"));
        let mut moved = s.kid.details.clone();
        moved.org_units = [s.washington.id].into();
        d.update_user(&h.admin, s.id, s.kid.id, s.kid.version, moved).await.unwrap();
        let log = d.user_activity(&h.admin, s.id, s.kid.id, None, 10).await.unwrap();
        let change = units(&log.items[0]);
        assert_eq!((change.old.as_deref(), change.new.as_deref()), (Some("Lincoln Middle"), Some("Washington High")));
    }
}

/// A host's tab is shown only to viewers holding its permission.
#[tokio::test]
async fn a_host_tab_needs_its_permission() {
    for backend in Backend::ALL {
        let h = Harness::new(*backend).await;
        let h = Harness {
            directory: h.directory.clone().with_tab(Arc::new(Transcript)),
            ..h
        };
        let s = scene(&h).await;
        let d = &h.directory;
        let viewer = d
            .create_role(&h.admin, s.id, "Viewer", set(&[Permission::ViewUsers]))
            .await
            .unwrap();
        let bursar = d
            .create_role(
                &h.admin,
                s.id,
                "Bursar",
                set(&[Permission::ViewUsers, Permission::ViewInvoices]),
            )
            .await
            .unwrap();
        let plain = holder(&h, &s, "Val", viewer.id, Scope::unit(s.lincoln.id)).await;
        let money = holder(&h, &s, "Bea", bursar.id, Scope::unit(s.lincoln.id)).await;
        assert!(
            !tab_titles(&h, &s, &plain)
                .await
                .contains(&"Transcript".to_owned()),
            "{backend:?}"
        );
        assert!(
            tab_titles(&h, &s, &money)
                .await
                .contains(&"Transcript".to_owned()),
            "{backend:?}"
        );
    }
}

/// Two authorization changes decided on the same district at once (the store holds both
/// writes until both have decided): the second to write conflicts, whatever the pair.
#[tokio::test]
async fn racing_authorization_changes_never_both_win() {
    for backend in Backend::ALL {
        for race in ["revocations", "grants", "role edits"] {
            let gate = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
            let h = Harness::over(*backend, gate.clone()).await;
            let s = scene(&h).await;
            let d = &h.directory;
            let roles = d.roles(&h.admin, s.id).await.unwrap();
            let preset = |p: Preset| roles.iter().find(|r| r.preset == Some(p)).unwrap().id;
            let sysadmin = preset(Preset::SystemAdministrator);
            let a = holder(&h, &s, "Ann", sysadmin, Scope::District).await;
            let b = holder(&h, &s, "Ben", sysadmin, Scope::District).await;
            let grant_of = |actor: &Actor| {
                let (d, id, user) = (d.clone(), s.id, actor.user_id().unwrap());
                async move {
                    d.grants_of(&Actor::system("t"), id, user)
                        .await
                        .unwrap()
                        .remove(0)
                }
            };
            let (ga, gb) = (grant_of(&a).await, grant_of(&b).await);
            let r1 = d
                .create_role(&h.admin, s.id, "One", set(&[Permission::ViewUsers]))
                .await
                .unwrap();
            let r2 = d
                .create_role(&h.admin, s.id, "Two", set(&[Permission::ViewUsers]))
                .await
                .unwrap();
            gate.hook().hold_next_applies(2);
            let (x, y) = match race {
                // The last two System Administrators revoke each other.
                "revocations" => {
                    at_once(
                        d.revoke_grant(&a, s.id, gb.id),
                        d.revoke_grant(&b, s.id, ga.id),
                    )
                    .await
                }
                "grants" => {
                    let (x, y) = at_once(
                        d.grant_role(&a, s.id, s.kid.id, r1.id, Scope::District),
                        d.grant_role(&b, s.id, s.kid.id, r2.id, Scope::District),
                    )
                    .await;
                    (x.map(drop), y.map(drop))
                }
                _ => {
                    let (x, y) = at_once(
                        d.set_role_permissions(
                            &a,
                            s.id,
                            r1.id,
                            r1.version,
                            set(&[Permission::ViewUsers, Permission::UserNotes]),
                        ),
                        d.set_role_permissions(
                            &b,
                            s.id,
                            r2.id,
                            r2.version,
                            set(&[Permission::ViewUsers, Permission::UserNotes]),
                        ),
                    )
                    .await;
                    (x.map(drop), y.map(drop))
                }
            };
            let kinds = [
                x.as_ref().err().map(Error::kind),
                y.as_ref().err().map(Error::kind),
            ];
            assert!(
                kinds.contains(&None) && kinds.contains(&Some(ErrorKind::Conflict)),
                "{backend:?} {race}: {x:?} / {y:?}"
            );
        }
    }
}
