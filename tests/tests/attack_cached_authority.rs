//! Attacks on the authority cache (`Directory::with_authority_cache`, on by default): an
//! actor whose grant was revoked, whose role lost a permission, whose building was reshaped or
//! who was suspended tries to keep acting on the authority the directory compiled for them
//! earlier, through the same directory or through another replica of the service on the same
//! database. Every change binds the very next command; a property test checks a cached and an
//! uncached directory answer alike over random sequences of changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use homeroom::*;
use homeroom_tests::{Backend, Harness, across_backends};
use proptest::prelude::*;

/// Ada, staff of North, views users of North through the "Viewer" role, and holds a second,
/// harmless grant so that revoking the first is not her last (which would lock her out).
struct Scene {
    district: DistrictId,
    north: OrgUnit,
    south: OrgUnit,
    ada: User,
    sam: User,
    lee: User,
    viewer: RoleId,
    grant: Grant,
}

fn viewing() -> PermissionSet {
    PermissionSet::EMPTY.with(Permission::ViewUsers)
}

fn harmless() -> PermissionSet {
    PermissionSet::EMPTY.with(Permission::ViewIncidents)
}

async fn scene(d: &Directory, admin: &Actor) -> Scene {
    let district = d
        .create_district(admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let north = d
        .create_org_unit(admin, district, NewOrgUnit::school("North"))
        .await
        .unwrap();
    let south = d
        .create_org_unit(admin, district, NewOrgUnit::school("South"))
        .await
        .unwrap();
    let staff = UserDetails::new(UserKind::Staff, "Ada", "Lovelace").in_org_unit(north.id);
    let ada = d.create_user(admin, district, staff).await.unwrap();
    let sam = UserDetails::new(UserKind::Student, "Sam", "North").in_org_unit(north.id);
    let sam = d.create_user(admin, district, sam).await.unwrap();
    let lee = UserDetails::new(UserKind::Student, "Lee", "South").in_org_unit(south.id);
    let lee = d.create_user(admin, district, lee).await.unwrap();
    let viewer = d
        .create_role(admin, district, "Viewer", viewing())
        .await
        .unwrap()
        .id;
    let clerk = d
        .create_role(admin, district, "Clerk", harmless())
        .await
        .unwrap()
        .id;
    let grant = d
        .grant_role(admin, district, ada.id, viewer, Scope::unit(north.id))
        .await
        .unwrap();
    d.grant_role(admin, district, ada.id, clerk, Scope::unit(south.id))
        .await
        .unwrap();
    Scene {
        district,
        north,
        south,
        ada,
        sam,
        lee,
        viewer,
        grant,
    }
}

impl Scene {
    fn ada(&self) -> Actor {
        Actor::user(self.district, self.ada.id)
    }

    /// Ada's view of `user` through `d`: `true` when she sees them.
    async fn sees(&self, d: &Directory, user: &User) -> bool {
        match d.user(&self.ada(), self.district, user.id).await {
            Ok(_) => true,
            Err(error) if error.kind() == ErrorKind::NotFound => false,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
}

async fn role_version(d: &Directory, admin: &Actor, district: DistrictId, role: RoleId) -> Version {
    let roles = d.roles(admin, district).await.unwrap();
    roles.iter().find(|r| r.id == role).unwrap().version
}

/// Every change through `changer` binds Ada's very next command through `cached`.
async fn changes_bind_the_next_command(cached: &Directory, changer: &Directory, admin: &Actor) {
    let s = scene(changer, admin).await;
    let d = s.district;
    assert!(s.sees(cached, &s.sam).await, "granted over North");
    assert!(!s.sees(cached, &s.lee).await, "Lee is in South");

    changer.revoke_grant(admin, d, s.grant.id).await.unwrap();
    assert!(
        !s.sees(cached, &s.sam).await,
        "a revoked grant must stop the next command"
    );
    changer
        .grant_role(admin, d, s.ada.id, s.viewer, Scope::unit(s.north.id))
        .await
        .unwrap();
    assert!(s.sees(cached, &s.sam).await);

    let version = role_version(changer, admin, d, s.viewer).await;
    changer
        .set_role_permissions(admin, d, s.viewer, version, harmless())
        .await
        .unwrap();
    assert!(
        !s.sees(cached, &s.sam).await,
        "a role that lost View Users must bind at once"
    );
    let version = role_version(changer, admin, d, s.viewer).await;
    changer
        .set_role_permissions(admin, d, s.viewer, version, viewing())
        .await
        .unwrap();
    assert!(s.sees(cached, &s.sam).await);

    let south = changer
        .move_org_unit(admin, d, s.south.id, s.south.version, Some(s.north.id))
        .await
        .unwrap();
    assert!(s.sees(cached, &s.lee).await, "South moved under North");
    changer
        .move_org_unit(admin, d, south.id, south.version, None)
        .await
        .unwrap();
    assert!(
        !s.sees(cached, &s.lee).await,
        "moving South out again must bind at once"
    );

    let ada = changer.user(admin, d, s.ada.id).await.unwrap();
    changer
        .set_access(admin, d, ada.id, ada.version, Access::Suspended)
        .await
        .unwrap();
    assert!(
        !s.sees(cached, &s.sam).await,
        "a suspended actor must stop at once"
    );
}

across_backends! {
    async fn attack_cached_authority_outliving_a_change(h: Harness) {
        changes_bind_the_next_command(&h.directory, &h.directory, &h.admin).await;
    }

    async fn attack_cached_authority_outliving_a_change_made_by_another_directory(h: Harness) {
        let other = Directory::new(
            Arc::clone(h.directory.storage()),
            h.clock.clone(),
            Arc::new(SequentialIds::new(0xb0b)),
        );
        changes_bind_the_next_command(&h.directory, &other, &h.admin).await;
    }
}

/// Two replicas of the service, each with its own connection pool on one SQLite file.
#[tokio::test]
async fn attack_cached_authority_outliving_a_change_made_by_another_replica_on_a_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("homeroom-cache-replicas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("homeroom.db").display());
    let first: Arc<dyn Storage> = Arc::new(homeroom_sea::SeaStorage::connect(&url).await.unwrap());
    let second: Arc<dyn Storage> = Arc::new(homeroom_sea::SeaStorage::connect(&url).await.unwrap());
    let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
    let cached = Directory::new(first, clock.clone(), Arc::new(SequentialIds::new(1)));
    let other = Directory::new(second, clock, Arc::new(SequentialIds::new(2)));
    changes_bind_the_next_command(&cached, &other, &Actor::system("test")).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// One change of the authorization rows, by index into the scene.
#[derive(Clone, Debug)]
enum Change {
    /// Grant Viewer (true) or Clerk over unit `n` (0 North, 1 South) or the district (2).
    Grant(bool, u8),
    /// Revoke the `n`th grant Ada holds.
    Revoke(u8),
    /// Viewer gains or loses View Users.
    EditViewer(bool),
    /// South moves under North (true) or back to the top.
    MoveSouth(bool),
    /// Ada's access: suspended (true) or allowed.
    Suspend(bool),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<bool>(), 0u8..3).prop_map(|(v, n)| Change::Grant(v, n)),
        (0u8..4).prop_map(Change::Revoke),
        any::<bool>().prop_map(Change::EditViewer),
        any::<bool>().prop_map(Change::MoveSouth),
        any::<bool>().prop_map(Change::Suspend),
    ]
}

async fn apply(h: &Harness, s: &Scene, clerk: RoleId, change: &Change) {
    let (d, admin, dir) = (s.district, &h.admin, &h.directory);
    // Changes the rules refuse (a last grant, a no-op) are simply skipped: what matters is
    // that both directories agree afterwards.
    let _ = match change {
        Change::Grant(viewer, n) => {
            let role = if *viewer { s.viewer } else { clerk };
            let scope = match n {
                0 => Scope::unit(s.north.id),
                1 => Scope::unit(s.south.id),
                _ => Scope::District,
            };
            dir.grant_role(admin, d, s.ada.id, role, scope)
                .await
                .map(drop)
        }
        Change::Revoke(n) => {
            let grants = dir.grants_of(admin, d, s.ada.id).await.unwrap();
            match grants.get(usize::from(*n)) {
                Some(grant) if grants.len() > 1 => dir.revoke_grant(admin, d, grant.id).await,
                _ => Ok(()),
            }
        }
        Change::EditViewer(view) => {
            let version = role_version(dir, admin, d, s.viewer).await;
            let permissions = if *view { viewing() } else { harmless() };
            dir.set_role_permissions(admin, d, s.viewer, version, permissions)
                .await
                .map(drop)
        }
        Change::MoveSouth(under) => {
            let tree = dir.org_tree(admin, d).await.unwrap();
            let south = tree.get(s.south.id).unwrap().clone();
            let parent = under.then_some(s.north.id);
            dir.move_org_unit(admin, d, south.id, south.version, parent)
                .await
                .map(drop)
        }
        Change::Suspend(suspend) => {
            let ada = dir.user(admin, d, s.ada.id).await.unwrap();
            let access = if *suspend {
                Access::Suspended
            } else {
                Access::Allowed
            };
            dir.set_access(admin, d, ada.id, ada.version, access)
                .await
                .map(drop)
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// After every change, a directory with the cache and one without see the same users.
    #[test]
    fn cached_and_uncached_directories_always_agree(changes in prop::collection::vec(change(), 1..10)) {
        homeroom_tests::run_case(async move {
            let h = Harness::new(Backend::Memory).await;
            let uncached = h.directory.clone().with_authority_cache(0);
            let s = scene(&h.directory, &h.admin).await;
            let clerk = h.directory.create_role(&h.admin, s.district, "Clerk 2", harmless()).await.unwrap().id;
            for change in &changes {
                apply(&h, &s, clerk, change).await;
                for user in [&s.sam, &s.lee] {
                    let cached = s.sees(&h.directory, user).await;
                    let fresh = s.sees(&uncached, user).await;
                    prop_assert_eq!(cached, fresh, "after {:?}", change);
                }
            }
            Ok(())
        })?;
    }
}
