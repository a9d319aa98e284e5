//! Property tests of authorization over random districts, org trees, users and grants:
//! checks agree with a naive reference model, nothing leaks outside scope or across districts,
//! no sequence of grant operations escalates, revocation and moves take effect everywhere.
//!
//! The reference model scans every grant and walks each org unit's ancestors; the library
//! compiles grants into an `Authority`. The two are written independently on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::{BTreeSet, HashMap};

use homeroom::*;
use homeroom_tests::{Backend, Harness};
use proptest::prelude::*;
use proptest::sample::Index;

/// A grant to make: a preset (by index) over the district (`None`) or some org units.
type GrantPlan = (Index, Option<Vec<Index>>);

/// A random district: parents of org units (by index, always earlier ones, so it is a tree),
/// users (grade, org units), and actors (their org unit and grants).
#[derive(Clone, Debug)]
struct Plan {
    parents: Vec<Option<Index>>,
    users: Vec<(u8, Vec<Index>)>,
    actors: Vec<(Index, Vec<GrantPlan>)>,
}

fn plan() -> impl Strategy<Value = Plan> {
    let parents = prop::collection::vec(prop::option::of(any::<Index>()), 1..7);
    let users = prop::collection::vec(
        (1u8..=12, prop::collection::vec(any::<Index>(), 0..3)),
        1..14,
    );
    let grant = (
        any::<Index>(),
        prop::option::of(prop::collection::vec(any::<Index>(), 1..3)),
    );
    let actors = prop::collection::vec((any::<Index>(), prop::collection::vec(grant, 0..3)), 1..4);
    (parents, users, actors).prop_map(|(parents, users, actors)| Plan {
        parents,
        users,
        actors,
    })
}

/// A district built from a plan.
struct World {
    district: DistrictId,
    units: Vec<OrgUnitId>,
    actors: Vec<UserId>,
    presets: Vec<RoleId>,
}

async fn build(h: &Harness, name: &str, plan: &Plan) -> World {
    let d = &h.directory;
    let district = d.create_district(&h.admin, name).await.unwrap().id;
    let mut units: Vec<OrgUnitId> = Vec::new();
    for (i, parent) in plan.parents.iter().enumerate() {
        let parent = match parent {
            Some(p) if i > 0 => Some(units[p.index(i)]),
            _ => None,
        };
        let new = NewOrgUnit {
            name: format!("Unit {i}"),
            code: None,
            kind: OrgUnitKind::School,
            parent,
        };
        units.push(d.create_org_unit(&h.admin, district, new).await.unwrap().id);
    }
    for (i, (grade, memberships)) in plan.users.iter().enumerate() {
        let mut details = UserDetails::new(UserKind::Student, "Kid", format!("Number{i:02}"))
            .with_grade(&grade.to_string())
            .unwrap();
        details.org_units = memberships
            .iter()
            .map(|m| units[m.index(units.len())])
            .collect();
        d.create_user(&h.admin, district, details).await.unwrap();
    }
    let roles = d.roles(&h.admin, district).await.unwrap();
    let presets: Vec<RoleId> = Preset::ALL
        .iter()
        .map(|p| roles.iter().find(|r| r.preset == Some(*p)).unwrap().id)
        .collect();
    let mut actors = Vec::new();
    for (i, (home, grants)) in plan.actors.iter().enumerate() {
        let details = UserDetails::new(UserKind::Staff, "Staff", format!("Member{i}"))
            .in_org_unit(units[home.index(units.len())]);
        let actor = d.create_user(&h.admin, district, details).await.unwrap();
        for (role, scope) in grants {
            let scope = match scope {
                None => Scope::District,
                Some(picks) => {
                    Scope::OrgUnits(picks.iter().map(|p| units[p.index(units.len())]).collect())
                }
            };
            let role = presets[role.index(presets.len())];
            // A duplicate grant is refused; that is fine here.
            let _ = d
                .grant_role(&h.admin, district, actor.id, role, scope)
                .await;
        }
        actors.push(actor.id);
    }
    World {
        district,
        units,
        actors,
        presets,
    }
}

/// The reference model, read straight from storage.
struct Model {
    tree: OrgTree,
    roles: HashMap<RoleId, PermissionSet>,
    grants: Vec<Grant>,
    users: Vec<User>,
}

impl Model {
    async fn load(h: &Harness, district: DistrictId) -> Self {
        let storage = h.directory.storage();
        let tree = OrgTree::new(storage.org_units(district).await.unwrap());
        let roles = storage
            .roles(district)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.permissions))
            .collect();
        let grants = storage.grants(district, None).await.unwrap();
        let query = UserQuery {
            limit: 1000,
            ..UserQuery::default()
        };
        let users = storage.search_users(district, &query).await.unwrap().items;
        Self {
            tree,
            roles,
            grants,
            users,
        }
    }

    /// Every permission `actor` holds over `target`, by scanning every grant.
    fn permissions(&self, actor: UserId, target: &User) -> PermissionSet {
        self.grants
            .iter()
            .filter(|g| g.holder == actor)
            .filter(|g| match &g.scope {
                Scope::District => true,
                Scope::OrgUnits(roots) => target
                    .details
                    .org_units
                    .iter()
                    .any(|unit| roots.iter().any(|root| self.tree.is_within(*unit, *root))),
            })
            .fold(PermissionSet::EMPTY, |held, g| {
                held.union(self.roles[&g.role])
            })
    }

    /// Every permission `holder` holds over members of `unit` (district-wide grants included).
    fn permissions_at(&self, holder: UserId, unit: OrgUnitId) -> PermissionSet {
        self.grants
            .iter()
            .filter(|g| g.holder == holder)
            .filter(|g| match &g.scope {
                Scope::District => true,
                Scope::OrgUnits(roots) => roots.iter().any(|root| self.tree.is_within(unit, *root)),
            })
            .fold(PermissionSet::EMPTY, |held, g| {
                held.union(self.roles[&g.role])
            })
    }

    fn visible(&self, actor: UserId) -> BTreeSet<UserId> {
        self.users
            .iter()
            .filter(|u| self.permissions(actor, u).contains(Permission::ViewUsers))
            .map(|u| u.id)
            .collect()
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

/// Every actor's view through the directory equals the reference model's: get, allowed
/// actions, search, filters, totals and paging.
async fn assert_views_match(h: &Harness, world: &World) -> Result<(), TestCaseError> {
    let model = Model::load(h, world.district).await;
    for actor_id in &world.actors {
        let actor = Actor::user(world.district, *actor_id);
        let visible = model.visible(*actor_id);
        for user in &model.users {
            let expected = model.permissions(*actor_id, user);
            let got = h
                .directory
                .allowed_actions(&actor, world.district, user.id)
                .await;
            if visible.contains(&user.id) {
                prop_assert_eq!(got.unwrap(), expected);
            } else {
                prop_assert_eq!(got.unwrap_err().kind(), ErrorKind::NotFound);
            }
        }
        // Paging in threes collects exactly the visible users, with the right total.
        let mut seen = BTreeSet::new();
        let mut search = UserSearch::default().limit(3);
        loop {
            let page = h
                .directory
                .search_users(&actor, world.district, &search)
                .await
                .unwrap();
            prop_assert_eq!(page.total as usize, visible.len());
            for user in &page.items {
                prop_assert!(seen.insert(user.id), "a page repeated a user");
            }
            match page.next {
                Some(next) => search = search.after(Some(next)),
                None => break,
            }
        }
        prop_assert_eq!(&seen, &visible);
        // Filters count within scope.
        let sixth = UserSearch::default().grade(Grade::Numbered(6));
        let expected = model
            .users
            .iter()
            .filter(|u| visible.contains(&u.id) && u.details.grade == Some(Grade::Numbered(6)))
            .count();
        prop_assert_eq!(
            h.directory
                .search_users(&actor, world.district, &sixth)
                .await
                .unwrap()
                .total as usize,
            expected
        );
        let unit = world.units[0];
        let in_unit = UserSearch::default().in_org_unit(unit);
        let expected = model
            .users
            .iter()
            .filter(|u| {
                visible.contains(&u.id)
                    && u.details
                        .org_units
                        .iter()
                        .any(|o| model.tree.is_within(*o, unit))
            })
            .count();
        prop_assert_eq!(
            h.directory
                .search_users(&actor, world.district, &in_unit)
                .await
                .unwrap()
                .total as usize,
            expected
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn checks_and_every_read_agree_with_the_reference_model(plan in plan()) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let world = build(&h, "Random USD", &plan).await;
            assert_views_match(&h, &world).await
        })?;
    }

    #[test]
    fn nothing_crosses_districts(plan in plan()) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let a = build(&h, "District A", &plan).await;
            let b = build(&h, "District B", &plan).await;
            let b_users = Model::load(&h, b.district).await.users;
            for actor_id in &a.actors {
                let actor = Actor::user(a.district, *actor_id);
                for user in &b_users {
                    prop_assert_eq!(h.directory.user(&actor, a.district, user.id).await.unwrap_err().kind(), ErrorKind::NotFound);
                    prop_assert_eq!(h.directory.user(&actor, b.district, user.id).await.unwrap_err().kind(), ErrorKind::NotFound);
                }
                let err = h.directory.search_users(&actor, b.district, &UserSearch::default()).await.unwrap_err();
                prop_assert_eq!(err.kind(), ErrorKind::NotFound);
                let own = h.directory.search_users(&actor, a.district, &UserSearch::default().limit(1000)).await.unwrap();
                prop_assert!(own.items.iter().all(|u| u.district == a.district));
            }
            Ok(())
        })?;
    }

    /// Only the district's own staff act (no system actor): whatever they grant or revoke, nobody
    /// ends up holding a permission over a unit that no actor held over it at the start.
    #[test]
    fn no_sequence_of_grant_operations_escalates(
        plan in plan(),
        ops in prop::collection::vec((any::<Index>(), any::<Index>(), any::<Index>(), prop::option::of(any::<Index>()), any::<bool>()), 1..12),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let world = build(&h, "Random USD", &plan).await;
            let before = Model::load(&h, world.district).await;
            let ceiling = |model: &Model, unit: OrgUnitId| {
                model.users.iter().fold(PermissionSet::EMPTY, |held, u| held.union(model.permissions_at(u.id, unit)))
            };
            let initial: Vec<PermissionSet> = world.units.iter().map(|u| ceiling(&before, *u)).collect();
            for (who, whom, role, unit, revoke) in ops {
                let actor_id = world.actors[who.index(world.actors.len())];
                let actor = Actor::user(world.district, actor_id);
                if revoke {
                    let grants = h.directory.storage().grants(world.district, None).await.unwrap();
                    if !grants.is_empty() {
                        let _ = h.directory.revoke_grant(&actor, world.district, grants[whom.index(grants.len())].id).await;
                    }
                } else {
                    let target = before.users[whom.index(before.users.len())].id;
                    let scope = unit.map_or(Scope::District, |u| Scope::unit(world.units[u.index(world.units.len())]));
                    let _ = h.directory.grant_role(&actor, world.district, target, world.presets[role.index(world.presets.len())], scope).await;
                }
                let now = Model::load(&h, world.district).await;
                for (i, unit) in world.units.iter().enumerate() {
                    let held = ceiling(&now, *unit);
                    prop_assert!(initial[i].contains_all(held), "unit {i}: {:?} grew beyond {:?}", held, initial[i]);
                }
            }
            Ok(())
        })?;
    }

    /// Revoking grants, moving users and moving org units change every view at once.
    #[test]
    fn revocations_and_moves_take_effect_everywhere(
        plan in plan(),
        revoke in any::<Index>(),
        mover in any::<Index>(),
        destination in any::<Index>(),
        unit_move in (any::<Index>(), prop::option::of(any::<Index>())),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let world = build(&h, "Random USD", &plan).await;
            let grants = h.directory.storage().grants(world.district, None).await.unwrap();
            if !grants.is_empty() {
                let grant = &grants[revoke.index(grants.len())];
                if let Err(refused) = h.directory.revoke_grant(&h.admin, world.district, grant.id).await {
                    // The one refusal allowed: the district's last System Administrator.
                    let code = &refused.validation().unwrap().errors()[0].code;
                    prop_assert_eq!(code, &ValidationCode::LastSystemAdministrator);
                }
            }
            assert_views_match(&h, &world).await?;

            let users = Model::load(&h, world.district).await.users;
            let user = &users[mover.index(users.len())];
            let mut details = user.details.clone();
            details.org_units = [world.units[destination.index(world.units.len())]].into();
            h.directory.update_user(&h.admin, world.district, user.id, user.version, details).await.unwrap();
            assert_views_match(&h, &world).await?;

            let tree = Model::load(&h, world.district).await.tree;
            let unit = tree.get(world.units[unit_move.0.index(world.units.len())]).unwrap().clone();
            let parent = unit_move.1.map(|p| world.units[p.index(world.units.len())]);
            if parent.is_none_or(|p| !tree.is_within(p, unit.id)) {
                h.directory.move_org_unit(&h.admin, world.district, unit.id, unit.version, parent).await.unwrap();
            }
            assert_views_match(&h, &world).await
        })?;
    }
}

/// What a user signs in with and holds: what a takeover or a lock-out would change.
#[derive(Debug, PartialEq)]
struct Standing {
    exists: bool,
    status: Option<(RecordStatus, Access)>,
    login: Option<(Option<Username>, Option<Email>, Option<String>)>,
    org_units: Option<BTreeSet<OrgUnitId>>,
    password: Option<String>,
    grants: BTreeSet<GrantId>,
}

async fn standing(h: &Harness, district: DistrictId, user: UserId) -> Standing {
    let storage = h.directory.storage();
    let row = storage.user(district, user).await.unwrap();
    let password = storage.password_credential(district, user).await.unwrap();
    let grants = storage.grants(district, Some(user)).await.unwrap();
    Standing {
        exists: row.is_some(),
        status: row.as_ref().map(|u| (u.status, u.access.clone())),
        login: row.as_ref().map(|u| {
            let d = &u.details;
            (d.username.clone(), d.email.clone(), d.sso_subject.clone())
        }),
        org_units: row.map(|u| u.details.org_units),
        password: password.map(|c| c.hash.as_phc().to_owned()),
        grants: grants.into_iter().map(|g| g.id).collect(),
    }
}

impl Model {
    /// Every permission `holder` holds district-wide.
    fn district_wide(&self, holder: UserId) -> PermissionSet {
        self.grants
            .iter()
            .filter(|g| g.holder == holder && g.scope == Scope::District)
            .fold(PermissionSet::EMPTY, |held, g| {
                held.union(self.roles[&g.role])
            })
    }

    /// True when `actor` holds everything `target` holds, unit by unit and district-wide.
    fn covers(&self, actor: UserId, target: UserId) -> bool {
        actor == target
            || (self
                .district_wide(actor)
                .contains_all(self.district_wide(target))
                && self.tree.units().all(|unit| {
                    self.permissions_at(actor, unit.id)
                        .contains_all(self.permissions_at(target, unit.id))
                }))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Only the district's own staff act: whatever account commands they run, in any order, a
    /// user who holds more than the actor (at the moment of the command) keeps their password,
    /// login, status, access, org units, grants and existence.
    #[test]
    fn no_sequence_of_account_commands_takes_over_or_locks_out_a_more_powerful_user(
        plan in plan(),
        ops in prop::collection::vec((any::<Index>(), any::<Index>(), 0u8..9, any::<Index>()), 1..10),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let world = build(&h, "Random USD", &plan).await;
            let d = &h.directory;
            let original = password::Password::new("original-password").unwrap();
            for (i, id) in world.actors.iter().enumerate() {
                let user = d.user(&h.admin, world.district, *id).await.unwrap();
                let details = user.details.clone().with_username(&format!("staff{i}")).unwrap();
                d.update_user(&h.admin, world.district, *id, user.version, details).await.unwrap();
                d.set_password(&h.admin, world.district, *id, &original, false).await.unwrap();
            }
            let stolen = password::Password::new("attacker-chosen").unwrap();
            for (who, whom, kind, extra) in ops {
                let attacker = world.actors[who.index(world.actors.len())];
                let victim = world.actors[whom.index(world.actors.len())];
                let model = Model::load(&h, world.district).await;
                let guarded = !model.covers(attacker, victim);
                let before = standing(&h, world.district, victim).await;
                let actor = Actor::user(world.district, attacker);
                let Ok(current) = d.user(&h.admin, world.district, victim).await else { continue };
                let (id, v, district) = (current.id, current.version, world.district);
                let unit = world.units[extra.index(world.units.len())];
                let mut details = current.details.clone();
                let _ = match kind {
                    0 => d.set_password(&actor, district, id, &stolen, false).await,
                    1 => {
                        details.email = Some(Email::parse("taken@evil.example").unwrap());
                        d.update_user(&actor, district, id, v, details).await.map(drop)
                    }
                    2 => {
                        details.username = Some(Username::parse("hijacked").unwrap());
                        details.sso_subject = Some("evil-idp".into());
                        d.update_user(&actor, district, id, v, details).await.map(drop)
                    }
                    3 => {
                        details.org_units = [unit].into();
                        d.update_user(&actor, district, id, v, details).await.map(drop)
                    }
                    4 => d.set_status(&actor, district, id, v, RecordStatus::Archived).await.map(drop),
                    5 => d.set_access(&actor, district, id, v, Access::Suspended).await.map(drop),
                    6 => d.delete_user(&actor, district, id, v).await,
                    7 => match model.grants.iter().find(|g| g.holder == victim) {
                        Some(grant) => d.revoke_grant(&actor, district, grant.id).await,
                        None => Ok(()),
                    },
                    _ => {
                        let role = world.presets[extra.index(world.presets.len())];
                        d.grant_role(&actor, district, id, role, Scope::unit(unit)).await.map(drop)
                    }
                };
                if guarded {
                    prop_assert_eq!(
                        &standing(&h, world.district, victim).await,
                        &before,
                        "command {} by a less powerful actor changed the victim",
                        kind
                    );
                }
            }
            Ok(())
        })?;
    }
}
