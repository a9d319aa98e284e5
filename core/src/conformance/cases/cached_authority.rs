//! A [`Directory`] keeps the compiled authority of its actors between commands (see
//! [`Directory::with_authority_cache`]); what it keeps must never outlive the rows it was
//! compiled from. These cases change those rows through a second directory on a second
//! handle (another replica of the service on the same database) and check that the first
//! directory's very next command follows: a grant revoked, a role edited, an org unit added
//! or moved, the actor suspended or given a temporary password.

use super::support::*;
use crate::actor::Actor;
use crate::authz::{Permission, PermissionSet, Scope};
use crate::clock::{ManualClock, SequentialIds};
use crate::directory::{Directory, NewOrgUnit};
use crate::error::{Error, ErrorKind, Refusal};
use crate::ids::RoleId;
use crate::model::{District, OrgUnit, UserDetails};
use crate::password::Password;

/// Two directories, each over its own handle, with ids that never collide.
struct Pair {
    cached: Directory,
    other: Directory,
    admin: Actor,
}

impl Pair {
    fn new(replicas: Replicas) -> Self {
        let clock = Arc::new(ManualClock::new(Fixture::time(0)));
        Self {
            cached: Directory::new(replicas.a, clock.clone(), Arc::new(SequentialIds::new(0xa))),
            other: Directory::new(replicas.b, clock, Arc::new(SequentialIds::new(0xb))),
            admin: Actor::system("conformance"),
        }
    }
}

fn sees(found: Result<User, Error>, what: &str) {
    if let Err(error) = found {
        panic!("{what}: expected the user, got {error}");
    }
}

fn hidden(found: Result<User, Error>, what: &str) {
    match found {
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

fn viewer() -> PermissionSet {
    PermissionSet::EMPTY.with(Permission::ViewUsers)
}

async fn person(
    d: &Directory,
    admin: &Actor,
    district: &District,
    first: &str,
    unit: OrgUnitId,
) -> User {
    let details = UserDetails::new(UserKind::Student, first, "Cached").in_org_unit(unit);
    d.create_user(admin, district.id, details).await.unwrap()
}

/// A district with a school for each of `schools`, made through `d`.
async fn district_with(d: &Directory, admin: &Actor, schools: &[&str]) -> (District, Vec<OrgUnit>) {
    let district = d.create_district(admin, "Maple Valley USD").await.unwrap();
    let mut units = Vec::new();
    for name in schools {
        let school = NewOrgUnit::school(*name);
        units.push(d.create_org_unit(admin, district.id, school).await.unwrap());
    }
    (district, units)
}

/// Ada, staff of `unit`.
async fn ada_in(d: &Directory, admin: &Actor, district: DistrictId, unit: OrgUnitId) -> User {
    let ada = UserDetails::new(UserKind::Staff, "Ada", "Lovelace").in_org_unit(unit);
    d.create_user(admin, district, ada).await.unwrap()
}

async fn role_version(d: &Directory, admin: &Actor, district: DistrictId, role: RoleId) -> Version {
    let roles = d.roles(admin, district).await.unwrap();
    roles.iter().find(|r| r.id == role).unwrap().version
}

/// Grants, roles and the org tree changed through another replica bind the cached directory's
/// very next command.
pub(super) async fn cached_authority_follows_grant_role_and_tree_changes_of_another_replica(
    replicas: Replicas,
) {
    let Pair {
        cached,
        other,
        admin,
    } = Pair::new(replicas);
    let (district, schools) = district_with(&other, &admin, &["North", "South"]).await;
    let d = district.id;
    let (north, south) = (&schools[0], &schools[1]);
    let lab = other
        .create_org_unit(&admin, d, NewOrgUnit::department("Lab", south.id))
        .await
        .unwrap();
    let ada = ada_in(&other, &admin, d, north.id).await;
    let sam = person(&other, &admin, &district, "Sam", north.id).await;
    let lee = person(&other, &admin, &district, "Lee", lab.id).await;
    let role = other
        .create_role(&admin, d, "Viewer", viewer())
        .await
        .unwrap()
        .id;
    let grant = other
        .grant_role(&admin, d, ada.id, role, Scope::unit(north.id))
        .await
        .unwrap();
    // A second grant, so revoking the first is not her last (which would lock her out).
    let incidents = PermissionSet::EMPTY.with(Permission::ViewIncidents);
    let clerk = other
        .create_role(&admin, d, "Clerk", incidents)
        .await
        .unwrap()
        .id;
    other
        .grant_role(&admin, d, ada.id, clerk, Scope::unit(south.id))
        .await
        .unwrap();
    let me = Actor::user(d, ada.id);

    sees(cached.user(&me, d, sam.id).await, "granted over North");
    hidden(cached.user(&me, d, lee.id).await, "Lee is in South");

    let lab = other
        .move_org_unit(&admin, d, lab.id, lab.version, Some(north.id))
        .await
        .unwrap();
    sees(
        cached.user(&me, d, lee.id).await,
        "the Lab moved under North",
    );
    other
        .move_org_unit(&admin, d, lab.id, lab.version, Some(south.id))
        .await
        .unwrap();
    hidden(
        cached.user(&me, d, lee.id).await,
        "the Lab moved back under South",
    );

    let annex = other
        .create_org_unit(&admin, d, NewOrgUnit::department("Annex", north.id))
        .await
        .unwrap();
    let kim = person(&other, &admin, &district, "Kim", annex.id).await;
    sees(cached.user(&me, d, kim.id).await, "a new unit under North");

    let version = role_version(&other, &admin, d, role).await;
    other
        .set_role_permissions(&admin, d, role, version, incidents)
        .await
        .unwrap();
    hidden(
        cached.user(&me, d, sam.id).await,
        "the role lost View Users",
    );
    let version = role_version(&other, &admin, d, role).await;
    other
        .set_role_permissions(&admin, d, role, version, viewer())
        .await
        .unwrap();
    sees(
        cached.user(&me, d, sam.id).await,
        "the role has View Users again",
    );

    other.revoke_grant(&admin, d, grant.id).await.unwrap();
    hidden(cached.user(&me, d, sam.id).await, "the grant was revoked");
    other
        .grant_role(&admin, d, ada.id, role, Scope::District)
        .await
        .unwrap();
    sees(cached.user(&me, d, lee.id).await, "granted district-wide");
}

/// The actor's own status, access and temporary password, changed through another replica,
/// bind the cached directory's very next command.
pub(super) async fn cached_authority_follows_the_actors_own_changes_on_another_replica(
    replicas: Replicas,
) {
    let Pair {
        cached,
        other,
        admin,
    } = Pair::new(replicas);
    let (district, schools) = district_with(&other, &admin, &["North"]).await;
    let d = district.id;
    let north = &schools[0];
    let ada = ada_in(&other, &admin, d, north.id).await;
    let sam = person(&other, &admin, &district, "Sam", north.id).await;
    let role = other
        .create_role(&admin, d, "Viewer", viewer())
        .await
        .unwrap()
        .id;
    other
        .grant_role(&admin, d, ada.id, role, Scope::District)
        .await
        .unwrap();
    let me = Actor::user(d, ada.id);
    sees(cached.user(&me, d, sam.id).await, "an active viewer");

    let suspended = other
        .set_access(&admin, d, ada.id, ada.version, Access::Suspended)
        .await
        .unwrap();
    hidden(cached.user(&me, d, sam.id).await, "a suspended actor");
    let allowed = other
        .set_access(&admin, d, ada.id, suspended.version, Access::Allowed)
        .await
        .unwrap();
    sees(cached.user(&me, d, sam.id).await, "access allowed again");

    other
        .set_status(&admin, d, ada.id, allowed.version, RecordStatus::Inactive)
        .await
        .unwrap();
    hidden(cached.user(&me, d, sam.id).await, "an inactive actor");
    let current = other.user(&admin, d, ada.id).await.unwrap();
    other
        .set_status(&admin, d, ada.id, current.version, RecordStatus::Active)
        .await
        .unwrap();
    sees(cached.user(&me, d, sam.id).await, "active again");

    let password = Password::new("temporary-cached-1").unwrap();
    other
        .set_password(&admin, d, ada.id, &password, true)
        .await
        .unwrap();
    match cached.user(&me, d, sam.id).await {
        Err(error) if error.refusal() == Some(Refusal::PasswordChangeRequired) => {}
        other => panic!("a temporary password: expected PasswordChangeRequired, got {other:?}"),
    }
}
