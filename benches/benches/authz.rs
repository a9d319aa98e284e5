//! Authorization checks: Homeroom's compiled [`Authority`] against casbin-rs `enforce`, on the
//! same RBAC-with-domains policy (domain = building), at 6, 1 100, 11 000 and 110 000 policy
//! lines.
//!
//! # What is compared
//!
//! Each engine is used the way it is normally used, which is the real-world comparison:
//!
//! - **Homeroom** loads the *acting user's* grants (storage indexes grants by holder),
//!   compiles them once per command with [`Authority::compile`] against the district's roles
//!   and org tree, and then answers each check with a bit test plus one hash lookup per org
//!   unit of the target. The compile happens outside the timed loop; only
//!   [`Authority::check`] is timed. Its cost does not depend on how many other users, grants,
//!   roles or buildings exist.
//! - **casbin-rs** holds the *whole* policy in one `Enforcer` (built once per size, outside
//!   the timed loop, from a `StringAdapter`) and answers each request with `enforce`, which
//!   evaluates the matcher against the `p` lines until one allows.
//!
//! # The policy
//!
//! Model (casbin's `rbac_with_domains`): `r = sub, dom, obj, act`, `p = sub, dom, obj, act`,
//! `g = _, _, _`, matcher `g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj &&
//! r.act == p.act`, effect "some allow".
//!
//! N policy lines = `p` lines (every permission of every role, repeated in every building,
//! since casbin's domains have no "role defined once for the district") + `g` lines (user,
//! role, building). Homeroom gets the same data: the roles as a `RoleId -> PermissionSet` map,
//! one [`Grant`] with `Scope::unit(building)` per `g` line, and an [`OrgTree`] of the
//! buildings.
//!
//! | N       | buildings | roles                        | `p` lines | `g` lines |
//! |---------|-----------|------------------------------|-----------|-----------|
//! | 6       | 1         | Users Manager, Observer      | 4         | 2         |
//! | 1 100   | 10        | the 13 presets (84 perms)    | 840       | 260       |
//! | 11 000  | 100       | the 13 presets               | 8 400     | 2 600     |
//! | 110 000 | 1 000     | the 13 presets               | 84 000    | 26 000    |
//!
//! The actor ("alice") holds two grants: role A over the middle building and role B over the
//! last one (Users Manager / Observer at N = 6, Building Administrator / Technician above);
//! every other `g` line is a filler user holding one role in one building, round robin.
//!
//! # The questions
//!
//! Every iteration asks the same four questions of each engine (so a reported time covers four
//! checks; the criterion throughput is in checks):
//!
//! 1. Edit Users over a student of the middle building: allowed (role A).
//! 2. View Users over a student of the last building: allowed (role B).
//! 3. Delete Users over a student of the middle building: denied (role A lacks it).
//! 4. Edit Users over a student of a building alice holds nothing in: denied.
//!
//! Before timing, each size asserts that both engines give the expected answer to each.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a bench binary, not library code: a broken fixture should stop it loudly"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates a public function without a doc comment"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use casbin::prelude::*;
use chrono::DateTime;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use homeroom::authz::{AppPermission, AppPermissions, ApplicationSpec, Applications, RoleRights};
use homeroom::{
    Authority, DistrictId, Grant, GrantId, OrgTree, OrgUnit, OrgUnitId, OrgUnitKind, Permission,
    PermissionSet, Preset, RoleId, Scope, User, UserDetails, UserId, UserKind, Version,
};
use uuid::Uuid;

/// Policy sizes (total `p` + `g` lines).
const SIZES: [usize; 4] = [6, 1_100, 11_000, 110_000];

/// casbin's RBAC-with-domains model.
const MODEL: &str = "
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
";

/// The acting user's casbin subject.
const ACTOR: &str = "alice";
/// The casbin object every question is about: a user of the directory.
const OBJECT: &str = "users";

/// How a policy of N lines is laid out.
struct Shape {
    buildings: usize,
    roles: &'static [Preset],
    /// The actor's role over the middle building.
    role_a: Preset,
    /// The actor's role over the last building.
    role_b: Preset,
}

impl Shape {
    fn for_lines(n: usize) -> Self {
        if n < 100 {
            Self {
                buildings: 1,
                roles: &[Preset::UsersManager, Preset::Observer],
                role_a: Preset::UsersManager,
                role_b: Preset::Observer,
            }
        } else {
            Self {
                buildings: n / 110,
                roles: &Preset::ALL,
                role_a: Preset::BuildingAdministrator,
                role_b: Preset::Technician,
            }
        }
    }
}

/// One question, asked of both engines.
struct Question {
    permission: Permission,
    building: usize,
    expected: bool,
}

/// The same policy, in each engine's terms.
struct Fixture {
    /// casbin's policy text, one line per `p` or `g` line.
    casbin_policy: String,
    p_lines: usize,
    g_lines: usize,
    /// Homeroom: the roles, every grant, the org tree.
    roles: HashMap<RoleId, PermissionSet>,
    grants: Vec<Grant>,
    tree: OrgTree,
    buildings: Vec<OrgUnitId>,
    actor: UserId,
    questions: Vec<Question>,
}

fn uuid(kind: u128, n: usize) -> Uuid {
    Uuid::from_u128((kind << 64) | n as u128)
}

fn district() -> DistrictId {
    DistrictId::from_uuid(uuid(1, 0))
}

fn role_id(preset: Preset) -> RoleId {
    RoleId::from_uuid(uuid(2, preset as usize))
}

fn building_id(b: usize) -> OrgUnitId {
    OrgUnitId::from_uuid(uuid(3, b))
}

fn user_id(n: usize) -> UserId {
    UserId::from_uuid(uuid(4, n))
}

fn domain(b: usize) -> String {
    format!("b{b}")
}

fn build(n: usize) -> Fixture {
    let shape = Shape::for_lines(n);
    let buildings_n = shape.buildings;
    let mut policy = String::new();

    // p lines: every role's permissions, in every building (casbin domain).
    let mut p_lines = 0;
    for b in 0..buildings_n {
        for role in shape.roles {
            for permission in role.permissions().iter() {
                writeln!(
                    policy,
                    "p, {role:?}, {}, {OBJECT}, {permission:?}",
                    domain(b)
                )
                .unwrap();
                p_lines += 1;
            }
        }
    }
    assert!(p_lines <= n, "{p_lines} p lines do not fit in {n}");

    // g lines: the actor's two grants, then filler users round robin.
    let actor = user_id(0);
    let (mid, last) = (buildings_n / 2, buildings_n - 1);
    let mut assignments = vec![
        (ACTOR.to_owned(), actor, shape.role_a, mid),
        (ACTOR.to_owned(), actor, shape.role_b, last),
    ];
    let filler = n - p_lines - assignments.len();
    for i in 0..filler {
        let role = shape.roles[i % shape.roles.len()];
        assignments.push((format!("u{}", i + 1), user_id(i + 1), role, i % buildings_n));
    }
    let g_lines = assignments.len();
    assert_eq!(p_lines + g_lines, n);

    let mut grants = Vec::with_capacity(g_lines);
    for (i, (subject, holder, role, b)) in assignments.into_iter().enumerate() {
        writeln!(policy, "g, {subject}, {role:?}, {}", domain(b)).unwrap();
        grants.push(Grant {
            id: GrantId::from_uuid(uuid(5, i)),
            district: district(),
            holder,
            role: role_id(role),
            scope: Scope::unit(building_id(b)),
            granted_by: None,
            granted_at: DateTime::UNIX_EPOCH,
            version: Version::FIRST,
        });
    }

    let roles = shape
        .roles
        .iter()
        .map(|preset| (role_id(*preset), preset.permissions()))
        .collect();

    // One building more than the policy covers: nobody holds anything there.
    let buildings: Vec<OrgUnitId> = (0..=buildings_n).map(building_id).collect();
    let tree = OrgTree::new(buildings.iter().enumerate().map(|(b, id)| OrgUnit {
        id: *id,
        district: district(),
        parent: None,
        name: format!("Building {b}"),
        code: Some(domain(b)),
        kind: OrgUnitKind::School,
        created_at: DateTime::UNIX_EPOCH,
        version: Version::FIRST,
    }));

    let elsewhere = if mid == 0 { buildings_n } else { 0 };
    let questions = vec![
        Question {
            permission: Permission::EditUsers,
            building: mid,
            expected: true,
        },
        Question {
            permission: Permission::ViewUsers,
            building: last,
            expected: true,
        },
        Question {
            permission: Permission::DeleteUsers,
            building: mid,
            expected: false,
        },
        Question {
            permission: Permission::EditUsers,
            building: elsewhere,
            expected: false,
        },
    ];

    Fixture {
        casbin_policy: policy,
        p_lines,
        g_lines,
        roles,
        grants,
        tree,
        buildings,
        actor,
        questions,
    }
}

/// A student who belongs to one building: the target of a Homeroom check.
fn student(n: usize, building: OrgUnitId) -> User {
    let details =
        UserDetails::new(UserKind::Student, "Sam", format!("Student{n}")).in_org_unit(building);
    User::new(
        UserId::from_uuid(uuid(6, n)),
        district(),
        details,
        DateTime::UNIX_EPOCH,
    )
}

fn authz_check(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("authz_check");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    for n in SIZES {
        let fixture = build(n);

        // Homeroom: the actor's grants (what storage returns by holder), compiled once.
        let started = Instant::now();
        let own: Vec<Grant> = fixture
            .grants
            .iter()
            .filter(|grant| grant.holder == fixture.actor)
            .cloned()
            .collect();
        let authority = Authority::compile(&own, &fixture.roles, &fixture.tree);
        let homeroom_setup = started.elapsed();
        let homeroom_questions: Vec<(Permission, User)> = fixture
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.permission, student(i, fixture.buildings[q.building])))
            .collect();

        // casbin: the whole policy in one enforcer.
        let started = Instant::now();
        let enforcer = runtime.block_on(async {
            let model = DefaultModel::from_str(MODEL).await.unwrap();
            let adapter = StringAdapter::new(&fixture.casbin_policy);
            Enforcer::new(model, adapter).await.unwrap()
        });
        let casbin_setup = started.elapsed();
        let casbin_questions: Vec<(String, String)> = fixture
            .questions
            .iter()
            .map(|q| (domain(q.building), format!("{:?}", q.permission)))
            .collect();

        // Both engines give the expected answer to every question.
        for (i, q) in fixture.questions.iter().enumerate() {
            let (permission, target) = &homeroom_questions[i];
            let (dom, act) = &casbin_questions[i];
            let homeroom = authority.check(*permission, target);
            let casbin = enforcer
                .enforce((ACTOR, dom.as_str(), OBJECT, act.as_str()))
                .unwrap();
            assert_eq!(
                (homeroom, casbin),
                (q.expected, q.expected),
                "N = {n}: {permission:?} in building {} (homeroom, casbin)",
                q.building
            );
        }
        eprintln!(
            "authz_check N = {n}: {} p + {} g lines, {} buildings, {} grants; \
             setup: homeroom select + compile {homeroom_setup:?}, casbin load {casbin_setup:?}",
            fixture.p_lines,
            fixture.g_lines,
            fixture.buildings.len(),
            fixture.grants.len(),
        );

        group.throughput(Throughput::Elements(fixture.questions.len() as u64));
        group.measurement_time(Duration::from_secs(2));
        group.bench_function(BenchmarkId::new("homeroom", n), |b| {
            b.iter(|| {
                for (permission, target) in &homeroom_questions {
                    black_box(authority.check(black_box(*permission), black_box(target)));
                }
            });
        });
        // The same actor with a host catalog of 200 permissions registered and every role also
        // holding half of it: Homeroom's checks cost what they did, and a host's check is the
        // same few lookups plus finding its application in the registry.
        let host = HostFixture::new(&fixture);
        for (permission, target) in &homeroom_questions {
            assert_eq!(
                host.authority.check(*permission, target),
                authority.check(*permission, target)
            );
        }
        let app_questions = host.questions(&fixture);
        group.bench_function(
            BenchmarkId::new("homeroom_with_200_app_permissions", n),
            |b| {
                b.iter(|| {
                    for (permission, target) in &homeroom_questions {
                        black_box(
                            host.authority
                                .check(black_box(*permission), black_box(target)),
                        );
                    }
                });
            },
        );
        group.bench_function(BenchmarkId::new("homeroom_app_permission", n), |b| {
            b.iter(|| {
                for (permission, target) in &app_questions {
                    black_box(host.allows(black_box(*permission), black_box(target)));
                }
            });
        });
        // casbin at the largest size needs ~0.3 s an iteration: give its 20 samples the time.
        let casbin_time = if n >= 100_000 { 7 } else { 2 };
        group.measurement_time(Duration::from_secs(casbin_time));
        group.bench_function(BenchmarkId::new("casbin", n), |b| {
            b.iter(|| {
                for (dom, act) in &casbin_questions {
                    let request = black_box((ACTOR, dom.as_str(), OBJECT, act.as_str()));
                    black_box(enforcer.enforce(request).unwrap());
                }
            });
        });
    }
    group.finish();
}

/// A host application's catalog of 200 permissions, as a bench declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HostPermission(u16);

const HOST_CATALOG: usize = 200;

const fn host_catalog() -> [HostPermission; HOST_CATALOG] {
    let mut all = [HostPermission(0); HOST_CATALOG];
    let mut i = 0;
    while i < HOST_CATALOG {
        all[i] = HostPermission(i as u16);
        i += 1;
    }
    all
}

const HOST_ALL: [HostPermission; HOST_CATALOG] = host_catalog();

static HOST_KEYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (0..HOST_CATALOG)
        .map(|i| &*Box::leak(format!("permission_{i}").into_boxed_str()))
        .collect()
});

impl AppPermission for HostPermission {
    const APPLICATION: ApplicationSpec = ApplicationSpec {
        key: "host",
        name: "Host",
    };
    const ALL: &'static [Self] = &HOST_ALL;
    fn key(self) -> &'static str {
        HOST_KEYS[self.0 as usize]
    }
    fn label(self) -> &'static str {
        self.key()
    }
    fn ordinal(self) -> usize {
        self.0 as usize
    }
}

/// The fixture's roles, each also holding the even (role A: every role but B) or odd (role
/// B) half of the host catalog, compiled for the same actor.
struct HostFixture {
    apps: Applications,
    authority: Authority,
}

impl HostFixture {
    fn new(fixture: &Fixture) -> Self {
        let apps = Applications::new().register::<HostPermission>().unwrap();
        let role_b = fixture
            .grants
            .iter()
            .filter(|g| g.holder == fixture.actor)
            .map(|g| g.role)
            .next_back()
            .unwrap();
        let roles: HashMap<RoleId, RoleRights> = fixture
            .roles
            .iter()
            .map(|(id, permissions)| {
                let parity = usize::from(*id == role_b);
                let held = HOST_ALL
                    .iter()
                    .filter(|p| p.0 as usize % 2 == parity)
                    .fold(AppPermissions::new(), |held, p| held.with(*p));
                let rights = RoleRights {
                    permissions: *permissions,
                    apps: held.compile(&apps),
                };
                (*id, rights)
            })
            .collect();
        let own: Vec<Grant> = fixture
            .grants
            .iter()
            .filter(|grant| grant.holder == fixture.actor)
            .cloned()
            .collect();
        let authority = Authority::compile_rights(&own, &roles, &fixture.tree);
        Self { apps, authority }
    }

    /// A host check as `HostAuthority::allows` makes it: find the permission, then check it.
    fn allows(&self, permission: HostPermission, target: &User) -> bool {
        self.apps
            .index_of(permission)
            .is_some_and(|index| self.authority.check_app(index, target))
    }

    /// The four questions over host permissions: even (role A, middle building) and odd (role
    /// B, last building) allowed; odd in the middle and even elsewhere denied.
    fn questions(&self, fixture: &Fixture) -> Vec<(HostPermission, User)> {
        let buildings = &fixture.buildings;
        let (mid, last) = ((buildings.len() - 1) / 2, buildings.len() - 2);
        let elsewhere = if mid == 0 { buildings.len() - 1 } else { 0 };
        let asked = [
            (HostPermission(10), mid, true),
            (HostPermission(11), last, true),
            (HostPermission(11), mid, mid == last),
            (HostPermission(10), elsewhere, false),
        ];
        asked
            .into_iter()
            .enumerate()
            .map(|(i, (permission, b, expected))| {
                let target = student(100 + i, buildings[b]);
                assert_eq!(
                    self.allows(permission, &target),
                    expected,
                    "{permission:?} in {b}"
                );
                (permission, target)
            })
            .collect()
    }
}

criterion_group!(benches, authz_check);
criterion_main!(benches);
