//! Apply-time re-checks that planning always makes first, so no plan from the public API
//! reaches them alone: plans built by hand show each still refuses on its own.

use uuid::Uuid;

use super::*;
use crate::authz::{AppPermissionIndex, Preset};
use crate::directory::import::fixtures::{at, district, plan, stored};
use crate::directory::import::packed_details::PackedDetails;
use crate::directory::import::plan_types::PlannedOrgUnit;
use crate::error::ErrorKind;
use crate::ids::{GrantId, Version};
use crate::model::{OrgUnit, OrgUnitKind};

fn system_administrator_role() -> Role {
    Role {
        id: RoleId::from_uuid(Uuid::from_u128(100)),
        district: district().id,
        name: Preset::SystemAdministrator.name().into(),
        permissions: Preset::SystemAdministrator.permissions(),
        app_permissions: Default::default(),
        preset: Some(Preset::SystemAdministrator),
        created_at: at(),
        version: Version::FIRST,
    }
}

fn district_grant(n: u128, holder: &User, role: &Role) -> Grant {
    Grant {
        id: GrantId::from_uuid(Uuid::from_u128(n)),
        district: district().id,
        holder: holder.id,
        role: role.id,
        scope: Scope::District,
        granted_by: None,
        granted_at: at(),
        version: Version::FIRST,
    }
}

fn deactivate(user: &User) -> RowAction {
    RowAction::Update {
        user: user.id,
        expected: user.version,
        details: PackedDetails::pack(&user.details).unwrap_or_else(|e| panic!("{e}")),
        status: RecordStatus::Inactive,
        changes: Vec::new(),
        grants: Vec::new(),
    }
}

fn unit(n: u128, name: &str, parent: Option<OrgUnitId>) -> OrgUnit {
    OrgUnit {
        id: OrgUnitId::from_uuid(Uuid::from_u128(n)),
        district: district().id,
        parent,
        name: name.into(),
        code: None,
        kind: OrgUnitKind::School,
        created_at: at(),
        version: Version::FIRST,
    }
}

/// `plan` applied by a system actor over `tree`, `roles`, `grants` and `stored`.
fn authorize(
    plan: &ImportPlan,
    tree: &OrgTree,
    roles: &[Role],
    grants: &[Grant],
    stored: &[User],
) -> Result<(), Error> {
    let stored: HashMap<UserId, User> = stored.iter().map(|u| (u.id, u.clone())).collect();
    let at = Applying {
        authority: &Authority::unlimited(),
        tree,
        roles,
        grants,
        stored: &stored,
        now: at(),
        apps: &Applications::new(),
    };
    authorize_apply(plan, Approval::Approved, &at)
}

#[test]
fn applying_a_row_that_deactivates_the_last_system_administrator_is_refused() {
    let role = system_administrator_role();
    let ada = stored("Ada", 10);
    let bo = stored("Bo", 11);
    let plan = plan(vec![deactivate(&ada)], Vec::new());
    let tree = OrgTree::new(Vec::new());

    let alone = [district_grant(200, &ada, &role)];
    let refused = authorize(
        &plan,
        &tree,
        std::slice::from_ref(&role),
        &alone,
        std::slice::from_ref(&ada),
    );
    let code = refused
        .as_ref()
        .err()
        .and_then(Error::validation)
        .and_then(|v| v.for_field("grants"))
        .map(|e| e.code.clone());
    assert_eq!(code, Some(ValidationCode::LastSystemAdministrator));

    // With a second active System Administrator the same plan applies.
    let two = [
        district_grant(200, &ada, &role),
        district_grant(201, &bo, &role),
    ];
    assert!(authorize(&plan, &tree, &[role], &two, &[ada, bo]).is_ok());
}

#[test]
fn a_cycle_found_at_apply_names_the_unit_that_would_be_its_own_ancestor() {
    let lincoln = unit(1, "Lincoln Elementary", None);
    let annex = unit(2, "Lincoln Annex", Some(lincoln.id));
    let roosevelt = unit(3, "Roosevelt Middle", None);
    let tree = OrgTree::new([lincoln.clone(), annex.clone(), roosevelt.clone()]);
    let mut plan = plan(Vec::new(), Vec::new());
    // Roosevelt is only renamed, and listed first; Lincoln moves under its own annex.
    plan.org_units = vec![
        PlannedOrgUnit {
            id: roosevelt.id,
            expected: Some(roosevelt.version),
            name: "Roosevelt Middle School".into(),
            code: None,
            kind: OrgUnitKind::School,
            parent: None,
        },
        PlannedOrgUnit {
            id: lincoln.id,
            expected: Some(lincoln.version),
            name: lincoln.name.clone(),
            code: None,
            kind: OrgUnitKind::School,
            parent: Some(annex.id),
        },
    ];

    let error = authorize(&plan, &tree, &[], &[], &[]).err();
    let field = error
        .as_ref()
        .and_then(Error::validation)
        .and_then(|v| v.for_field("parent"))
        .cloned();
    let field = field.unwrap_or_else(|| panic!("no cycle error: {error:?}"));
    assert_eq!(field.code, ValidationCode::Cycle);
    assert!(
        field
            .message
            .starts_with("'Lincoln Elementary' would be its own ancestor"),
        "{}",
        field.message
    );
}

#[test]
fn an_application_permission_the_directory_cannot_describe_is_still_refused() {
    let needed: AppSet = [AppPermissionIndex(0)].into_iter().collect();
    let refused = require_app_grant(
        &Authority::none(),
        &needed,
        &Scope::District,
        &Applications::new(),
    );
    assert_eq!(
        refused.as_ref().err().map(Error::kind),
        Some(ErrorKind::Forbidden)
    );
    // An actor who holds it everywhere (a system actor) passes.
    assert!(
        require_app_grant(
            &Authority::unlimited(),
            &needed,
            &Scope::District,
            &Applications::new()
        )
        .is_ok()
    );
}
