//! Roles and grants: unique role names, versions, holder and role references, isolation.

use std::collections::BTreeSet;

use super::support::*;
use crate::authz::{AppPermissions, Grant, Permission, PermissionSet, Role, Scope};

fn viewers() -> PermissionSet {
    [Permission::ViewUsers].into_iter().collect()
}

async fn roles(store: &dyn Storage, district: DistrictId) -> Vec<Role> {
    sorted_by_id(&store.roles(district).await.unwrap(), |r| r.id)
}

async fn grants(store: &dyn Storage, district: DistrictId, holder: Option<UserId>) -> Vec<Grant> {
    sorted_by_id(&store.grants(district, holder).await.unwrap(), |g| g.id)
}

pub(super) async fn roles_read_back_and_names_are_unique_regardless_of_case(
    store: Arc<dyn Storage>,
) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let observer = fx.role(district.id, "Observer", viewers());
    seed(&*store, [Op::InsertRole(observer.clone())]).await;
    assert_eq!(roles(&*store, district.id).await, vec![observer.clone()]);
    let twin = fx.role(district.id, "  OBSERVER ", PermissionSet::EMPTY);
    let error = refused(&*store, [Op::InsertRole(twin)]).await;
    assert_already_exists(&error, Entity::Role, UniqueKey::RoleName);
    // Another district may use the name.
    let other = fx.seed_district(&*store, "Cedar Springs").await;
    seed(
        &*store,
        [Op::InsertRole(fx.role(other.id, "Observer", viewers()))],
    )
    .await;
    assert_eq!(roles(&*store, district.id).await, vec![observer]);
}

pub(super) async fn stale_role_update_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let role = fx.role(district.id, "Helpers", viewers());
    seed(&*store, [Op::InsertRole(role.clone())]).await;
    let edited = Role {
        permissions: viewers().with(Permission::UserNotes),
        version: Version::new(2),
        ..role.clone()
    };
    seed(
        &*store,
        [Op::UpdateRole {
            role: edited.clone(),
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_eq!(roles(&*store, district.id).await, vec![edited.clone()]);
    let stale = Role {
        name: "Stale".into(),
        ..edited
    };
    let error = refused(
        &*store,
        [Op::UpdateRole {
            role: stale,
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_conflict(&error, Entity::Role);
    let missing = fx.role(district.id, "Ghost", viewers());
    let error = refused(
        &*store,
        [Op::UpdateRole {
            role: missing,
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_not_found(&error);
}

pub(super) async fn grants_read_back_by_holder_and_district(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let school = fx.org_unit(district.id, "Lincoln", None);
    let (ada, bo) = (
        fx.user(district.id, "Ada", "A"),
        fx.user(district.id, "Bo", "B"),
    );
    let role = fx.role(district.id, "Observer", viewers());
    let to_ada = fx.grant(district.id, ada.id, role.id, Scope::District);
    let to_ada_at_school = fx.grant(district.id, ada.id, role.id, Scope::unit(school.id));
    let to_bo = fx.grant(
        district.id,
        bo.id,
        role.id,
        Scope::OrgUnits(BTreeSet::new()),
    );
    seed(
        &*store,
        [
            Op::InsertOrgUnit(school),
            insert(&ada),
            insert(&bo),
            Op::InsertRole(role),
            Op::InsertGrant(to_ada.clone()),
            Op::InsertGrant(to_ada_at_school.clone()),
            Op::InsertGrant(to_bo.clone()),
        ],
    )
    .await;
    assert_eq!(
        grants(&*store, district.id, Some(ada.id)).await,
        sorted_by_id(&[to_ada.clone(), to_ada_at_school.clone()], |g| g.id)
    );
    assert_eq!(
        grants(&*store, district.id, Some(bo.id)).await,
        vec![to_bo.clone()]
    );
    assert_eq!(
        grants(&*store, district.id, None).await,
        sorted_by_id(&[to_ada, to_ada_at_school, to_bo], |g| g.id)
    );
}

pub(super) async fn grant_for_missing_holder_or_role_is_not_found(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let role = fx.role(district.id, "Observer", viewers());
    seed(&*store, [insert(&ada), Op::InsertRole(role.clone())]).await;
    let nobody = fx.user_id();
    let error = refused(
        &*store,
        [Op::InsertGrant(fx.grant(
            district.id,
            nobody,
            role.id,
            Scope::District,
        ))],
    )
    .await;
    assert_not_found(&error);
    let ghost_role = fx.role(district.id, "Ghost", viewers()).id;
    let error = refused(
        &*store,
        [Op::InsertGrant(fx.grant(
            district.id,
            ada.id,
            ghost_role,
            Scope::District,
        ))],
    )
    .await;
    assert_not_found(&error);
    assert!(grants(&*store, district.id, None).await.is_empty());
}

pub(super) async fn deleted_grant_is_gone_and_stale_delete_is_a_conflict(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    let role = fx.role(district.id, "Observer", viewers());
    let grant = fx.grant(district.id, ada.id, role.id, Scope::District);
    seed(
        &*store,
        [
            insert(&ada),
            Op::InsertRole(role),
            Op::InsertGrant(grant.clone()),
        ],
    )
    .await;
    let delete = |expected| Op::DeleteGrant {
        district: district.id,
        id: grant.id,
        expected,
    };
    let error = refused(&*store, [delete(Version::new(7))]).await;
    assert_conflict(&error, Entity::Grant);
    seed(&*store, [delete(Version::FIRST)]).await;
    assert!(grants(&*store, district.id, Some(ada.id)).await.is_empty());
    let error = refused(&*store, [delete(Version::FIRST)]).await;
    assert_not_found(&error);
}

pub(super) async fn failed_set_leaves_no_role_or_grant_behind(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let ada = fx.user(district.id, "Ada", "A");
    seed(&*store, [insert(&ada)]).await;
    let role = fx.role(district.id, "Observer", viewers());
    let grant = fx.grant(district.id, ada.id, role.id, Scope::District);
    let stale_user = ada.revised(|u| u.details.name.first = "Changed".into());
    let error = refused(
        &*store,
        [
            Op::InsertRole(role),
            Op::InsertGrant(grant),
            Op::UpdateUser {
                user: Box::new(stale_user),
                expected: Version::new(9),
            },
        ],
    )
    .await;
    assert_conflict(&error, Entity::User);
    assert!(roles(&*store, district.id).await.is_empty());
    assert!(grants(&*store, district.id, None).await.is_empty());
}

pub(super) async fn roles_and_grants_never_cross_districts(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let a = fx.seed_district(&*store, "Maple Valley").await;
    let b = fx.seed_district(&*store, "Cedar Springs").await;
    let ada = fx.user(a.id, "Ada", "A");
    let role = fx.role(a.id, "Observer", viewers());
    let grant = fx.grant(a.id, ada.id, role.id, Scope::District);
    seed(
        &*store,
        [
            insert(&ada),
            Op::InsertRole(role.clone()),
            Op::InsertGrant(grant.clone()),
        ],
    )
    .await;
    assert!(roles(&*store, b.id).await.is_empty());
    assert!(grants(&*store, b.id, None).await.is_empty());
    assert!(grants(&*store, b.id, Some(ada.id)).await.is_empty());
    // A grant in B naming A's user and role finds neither.
    let error = refused(
        &*store,
        [Op::InsertGrant(fx.grant(
            b.id,
            ada.id,
            role.id,
            Scope::District,
        ))],
    )
    .await;
    assert_not_found(&error);
    let error = refused(
        &*store,
        [Op::DeleteGrant {
            district: b.id,
            id: grant.id,
            expected: Version::FIRST,
        }],
    )
    .await;
    assert_not_found(&error);
}

/// A role's host application permissions are stored with it: read back as written, replaced
/// by an update, and a role without any reads back with none.
pub(super) async fn role_application_permissions_read_back_and_update(store: Arc<dyn Storage>) {
    let mut fx = Fixture::new();
    let district = fx.seed_district(&*store, "Maple Valley").await;
    let plain = fx.role(district.id, "Plain", viewers());
    let agents = Role {
        app_permissions: AppPermissions::new()
            .with_key("helpdesk", "assign_tickets")
            .with_key("helpdesk", "close_tickets")
            .with_key("grading", "grade_assessments"),
        ..fx.role(district.id, "Agents", viewers())
    };
    seed(
        &*store,
        [
            Op::InsertRole(plain.clone()),
            Op::InsertRole(agents.clone()),
        ],
    )
    .await;
    let mut expected = vec![plain, agents.clone()];
    expected.sort_by_key(|r| r.id);
    assert_eq!(roles(&*store, district.id).await, expected);
    let narrowed = Role {
        app_permissions: AppPermissions::new().with_key("grading", "grade_assessments"),
        version: Version::new(2),
        ..agents
    };
    seed(
        &*store,
        [Op::UpdateRole {
            role: narrowed.clone(),
            expected: Version::FIRST,
        }],
    )
    .await;
    let stored = roles(&*store, district.id).await;
    assert_eq!(stored.iter().find(|r| r.id == narrowed.id), Some(&narrowed));
}
