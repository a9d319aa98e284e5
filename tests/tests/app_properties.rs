//! Property tests of host application permissions: an application's permission never counts
//! for another application or another district; a disabled application grants nothing; no
//! sequence of grants raises what anyone holds at a unit above what the granter holds there.
//!
//! The first two run on compiled authorities against a naive reference (scan every grant,
//! walk every unit's ancestors); the last runs the directory's commands over memory storage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;

use chrono::DateTime;
use homeroom::authz::{AppPermission, AppPermissionIndex, AppSet, Applications};
use homeroom::*;
use homeroom_tests::apps::{Grading, HelpDesk, both};
use homeroom_tests::{Backend, Harness};
use proptest::prelude::*;
use proptest::sample::Index;

fn id(kind: u128, n: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128((kind << 64) | n as u128)
}

/// The permissions whose bit is set in `bits`, of `P`'s catalog.
fn subset<P: AppPermission>(bits: u8) -> Vec<P> {
    P::ALL
        .iter()
        .copied()
        .filter(|p| bits & (1 << p.ordinal()) != 0)
        .collect()
}

/// A random district as data: parents of org units, roles as (help desk bits, grade book
/// bits), grants as (role, scope: `None` for the district).
#[derive(Clone, Debug)]
struct World {
    parents: Vec<Option<Index>>,
    roles: Vec<(u8, u8)>,
    grants: Vec<(Index, Option<Vec<Index>>)>,
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(prop::option::of(any::<Index>()), 1..7),
        prop::collection::vec((0u8..4, 0u8..4), 1..4),
        prop::collection::vec(
            (
                any::<Index>(),
                prop::option::of(prop::collection::vec(any::<Index>(), 1..3)),
            ),
            0..5,
        ),
    )
        .prop_map(|(parents, roles, grants)| World {
            parents,
            roles,
            grants,
        })
}

struct Compiled {
    tree: OrgTree,
    units: Vec<OrgUnitId>,
    /// Each unit's ancestors and itself.
    lines: Vec<BTreeSet<OrgUnitId>>,
    roles: Vec<Role>,
    grants: Vec<Grant>,
}

fn compile(w: &World) -> Compiled {
    let district = DistrictId::from_uuid(id(1, 0));
    let units: Vec<OrgUnitId> = (0..w.parents.len())
        .map(|i| OrgUnitId::from_uuid(id(2, i)))
        .collect();
    let parent_of = |i: usize| match &w.parents[i] {
        Some(p) if i > 0 => Some(p.index(i)),
        _ => None,
    };
    let tree = OrgTree::new((0..units.len()).map(|i| OrgUnit {
        id: units[i],
        district,
        parent: parent_of(i).map(|p| units[p]),
        name: format!("Unit {i}"),
        code: None,
        kind: OrgUnitKind::School,
        created_at: DateTime::UNIX_EPOCH,
        version: Version::FIRST,
    }));
    let lines = (0..units.len())
        .map(|mut i| {
            let mut line = BTreeSet::from([units[i]]);
            while let Some(p) = parent_of(i) {
                line.insert(units[p]);
                i = p;
            }
            line
        })
        .collect();
    let roles: Vec<Role> = w
        .roles
        .iter()
        .enumerate()
        .map(|(i, (desk, grades))| {
            let mut apps = AppPermissions::new();
            for p in subset::<HelpDesk>(*desk) {
                apps = apps.with(p);
            }
            for p in subset::<Grading>(*grades) {
                apps = apps.with(p);
            }
            Role {
                id: RoleId::from_uuid(id(3, i)),
                district,
                name: format!("Role {i}"),
                permissions: PermissionSet::EMPTY,
                app_permissions: apps,
                preset: None,
                created_at: DateTime::UNIX_EPOCH,
                version: Version::FIRST,
            }
        })
        .collect();
    let grants = w
        .grants
        .iter()
        .enumerate()
        .map(|(i, (role, scope))| Grant {
            id: GrantId::from_uuid(id(4, i)),
            district,
            holder: UserId::from_uuid(id(5, 0)),
            role: roles[role.index(roles.len())].id,
            scope: match scope {
                None => Scope::District,
                Some(picked) => {
                    Scope::OrgUnits(picked.iter().map(|u| units[u.index(units.len())]).collect())
                }
            },
            granted_by: None,
            granted_at: DateTime::UNIX_EPOCH,
            version: Version::FIRST,
        })
        .collect();
    Compiled {
        tree,
        units,
        lines,
        roles,
        grants,
    }
}

impl Compiled {
    fn authority(&self, apps: &Applications) -> Authority {
        Authority::compile_rights(
            &self.grants,
            &Role::rights_by_id(&self.roles, apps),
            &self.tree,
        )
    }

    /// The reference for district-wide checks: some district-wide grant of a role holding `p`.
    fn holds_district<P: AppPermission>(&self, p: P) -> bool {
        self.grants.iter().any(|g| {
            let role = self.roles.iter().find(|r| r.id == g.role).unwrap();
            role.app_permissions.holds(p) && g.scope == Scope::District
        })
    }

    /// The reference: some grant of a role holding `p` covers unit `u` (or the district).
    fn holds<P: AppPermission>(&self, p: P, u: usize) -> bool {
        self.grants.iter().any(|g| {
            let role = self.roles.iter().find(|r| r.id == g.role).unwrap();
            role.app_permissions.holds(p)
                && match &g.scope {
                    Scope::District => true,
                    Scope::OrgUnits(roots) => !roots.is_disjoint(&self.lines[u]),
                }
        })
    }
}

/// A student whose only org unit is `unit`.
fn member_of(unit: OrgUnitId) -> User {
    User::new(
        UserId::from_uuid(uuid::Uuid::from_u128(7)),
        DistrictId::from_uuid(uuid::Uuid::from_u128(1)),
        UserDetails::new(UserKind::Student, "Ada", "Hopper").in_org_unit(unit),
        DateTime::UNIX_EPOCH,
    )
}

fn every<P: AppPermission>(apps: &Applications) -> Vec<(P, AppPermissionIndex)> {
    P::ALL
        .iter()
        .map(|p| (*p, apps.index_of(*p).unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Each application permission is held exactly where the reference says, and a role
    /// holding only one application's permissions gives nothing of the other's.
    #[test]
    fn an_application_permission_never_leaks_across_applications(w in world()) {
        let apps = both();
        let mut c = compile(&w);
        let authority = c.authority(&apps);
        for (p, index) in every::<HelpDesk>(&apps) {
            prop_assert_eq!(authority.check_app_district(index), c.holds_district(p));
        }
        for (p, index) in every::<Grading>(&apps) {
            prop_assert_eq!(authority.check_app_district(index), c.holds_district(p));
        }
        for u in 0..c.units.len() {
            let member = member_of(c.units[u]);
            for (p, index) in every::<HelpDesk>(&apps) {
                prop_assert_eq!(authority.check_app_units(index, [c.units[u]]), c.holds(p, u));
                prop_assert_eq!(authority.check_app(index, &member), c.holds(p, u));
            }
            for (p, index) in every::<Grading>(&apps) {
                prop_assert_eq!(authority.check_app_units(index, [c.units[u]]), c.holds(p, u));
                prop_assert_eq!(authority.check_app(index, &member), c.holds(p, u));
            }
        }
        // Take every grade book permission away from the roles: none is held anywhere.
        for role in &mut c.roles {
            let desk: Vec<(String, String)> = role
                .app_permissions
                .keys()
                .filter(|(app, _)| *app == HelpDesk::APPLICATION.key)
                .map(|(a, k)| (a.to_owned(), k.to_owned()))
                .collect();
            role.app_permissions = desk
                .iter()
                .fold(AppPermissions::new(), |held, (a, k)| held.with_key(a, k));
        }
        let authority = c.authority(&apps);
        for (_, index) in every::<Grading>(&apps) {
            prop_assert!(!authority.check_app_district(index));
            prop_assert_eq!(authority.app_reach(index), Reach::Nowhere);
            for unit in &c.units {
                prop_assert!(!authority.check_app_units(index, [*unit]));
            }
        }
        // An application the registry does not know gives nothing at all.
        let desk_only = Applications::new().register::<HelpDesk>().unwrap();
        let authority = c.authority(&desk_only);
        prop_assert!(desk_only.index_of(Grading::GradeAssessments).is_none());
        for u in 0..c.units.len() {
            for (p, index) in every::<HelpDesk>(&desk_only) {
                prop_assert_eq!(authority.check_app_units(index, [c.units[u]]), c.holds(p, u));
            }
        }
    }

    /// Disabled for the help desk (its permissions masked out), a user holds none of its
    /// permissions anywhere, and exactly the grade book's they held before.
    #[test]
    fn a_disabled_application_grants_nothing(w in world()) {
        let apps = both();
        let c = compile(&w);
        let full = c.authority(&apps);
        let grades_only: AppSet = apps.indexes(Grading::APPLICATION.key).collect();
        let masked = full.clone().retain_apps(&grades_only);
        for unit in &c.units {
            for (_, index) in every::<HelpDesk>(&apps) {
                prop_assert!(!masked.check_app_units(index, [*unit]));
            }
            for (_, index) in every::<Grading>(&apps) {
                prop_assert_eq!(
                    masked.check_app_units(index, [*unit]),
                    full.check_app_units(index, [*unit])
                );
            }
        }
        let nothing = full.retain_apps(&AppSet::new());
        prop_assert!(!nothing.has_app_permissions());
    }
}

fn run<F: std::future::Future<Output = Result<(), TestCaseError>>>(
    f: F,
) -> Result<(), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A lead holding a random help desk subset over one unit tries random grants of random
    /// application roles to random users over random scopes; whatever succeeds, the lead
    /// covers every user afterwards (nobody holds at a unit what the lead does not), and
    /// nothing granted in the district counts in another.
    #[test]
    fn no_grant_sequence_raises_a_units_ceiling_for_an_application_permission(
        lead_bits in 0u8..4,
        lead_unit in any::<Index>(),
        roles in prop::collection::vec((0u8..4, 0u8..4), 1..4),
        attempts in prop::collection::vec((any::<Index>(), any::<Index>(), prop::option::of(any::<Index>())), 1..6),
    ) {
        run(async move {
            let h = Harness::new(Backend::Memory).await.knowing_apps();
            let d = &h.directory;
            let (district, units) = h.district_with_schools(&["Lincoln", "Washington", "Adams"]).await;
            let lead_unit = units[lead_unit.index(units.len())].id;
            let base = PermissionSet::EMPTY.with(Permission::ViewUsers);
            let mut lead_rights = RolePermissions::from(base.with(Permission::ManageRoles).with(Permission::ManageUsers));
            for p in subset::<HelpDesk>(lead_bits) {
                lead_rights = lead_rights.with_app(p);
            }
            let lead_role = d.create_role(&h.admin, district, "Lead", lead_rights).await.unwrap();
            let lead = h.member(district, UserDetails::new(UserKind::Staff, "Lee", "Lead").in_org_unit(lead_unit)).await;
            d.grant_role(&h.admin, district, lead.id, lead_role.id, Scope::unit(lead_unit)).await.unwrap();
            let mut granted = Vec::new();
            for (i, (desk, grades)) in roles.iter().enumerate() {
                let mut rights = RolePermissions::from(base);
                for p in subset::<HelpDesk>(*desk) {
                    rights = rights.with_app(p);
                }
                for p in subset::<Grading>(*grades) {
                    rights = rights.with_app(p);
                }
                granted.push(d.create_role(&h.admin, district, &format!("Role {i}"), rights).await.unwrap());
            }
            let mut staff = Vec::new();
            for (i, unit) in units.iter().enumerate() {
                staff.push(h.member(district, UserDetails::new(UserKind::Staff, "Sam", format!("Staff{i}")).in_org_unit(unit.id)).await);
            }
            for user in staff.iter().chain([&lead]) {
                for app in ["helpdesk", "grading"] {
                    d.set_application_access(&h.admin, district, user.id, app, true).await.unwrap();
                }
            }
            let lee = Actor::user(district, lead.id);
            for (role, holder, scope) in &attempts {
                let role = &granted[role.index(granted.len())];
                let holder = &staff[holder.index(staff.len())];
                let scope = scope.map_or(Scope::District, |u| Scope::unit(units[u.index(units.len())].id));
                let _ = d.grant_role(&lee, district, holder.id, role.id, scope).await;
            }
            let mine = d.authority(&lee, district).await.unwrap();
            for user in &staff {
                let theirs = d.authority(&Actor::user(district, user.id), district).await.unwrap();
                prop_assert!(
                    mine.authority().covers(theirs.authority()),
                    "{} holds more than the lead", user.details.name.display()
                );
            }
            // Another district: the lead's roles do not exist there.
            let other = d.create_district(&h.admin, "Cedar Springs").await.unwrap();
            let stranger = h.member(other.id, UserDetails::new(UserKind::Student, "Sid", "S")).await;
            for p in HelpDesk::ALL {
                let there = d.authorize(&lee, other.id, *p, stranger.id).await;
                prop_assert_eq!(there.unwrap_err().kind(), ErrorKind::NotFound);
            }
            Ok(())
        })?;
    }
}
