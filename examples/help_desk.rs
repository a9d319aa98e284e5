//! A help-desk host on Homeroom: it registers its application with its own permissions (typed
//! values, not strings), declares a preset role, imports a spreadsheet that serves two
//! services at once, and authorizes its own "assign ticket" command through the directory —
//! the same building scopes and no-escalation rules as Homeroom's own commands.
//!
//! ```text
//! cargo run --example help_desk
//! ```

use std::sync::Arc;

use homeroom::authz::{AppPermission, ApplicationSpec, Applications};
use homeroom::import::{ReadOptions, read};
use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, Approval, Directory, DistrictId, Error, ErrorKind, ImportOptions, NewOrgUnit,
    Permission, PermissionSet, RolePermissions, User, UserId, UserSearch,
};
use homeroom_memory::MemoryStorage;

/// The help desk's own permissions: its catalog, declared once, as Rust values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HelpDesk {
    /// Assign a ticket to someone.
    AssignTickets,
    /// Close tickets.
    CloseTickets,
}

impl AppPermission for HelpDesk {
    const APPLICATION: ApplicationSpec = ApplicationSpec {
        key: "helpdesk",
        name: "Help Desk",
    };
    const ALL: &'static [Self] = &[Self::AssignTickets, Self::CloseTickets];
    fn key(self) -> &'static str {
        match self {
            Self::AssignTickets => "assign_tickets",
            Self::CloseTickets => "close_tickets",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::AssignTickets => "Assign Tickets",
            Self::CloseTickets => "Close Tickets",
        }
    }
    fn ordinal(self) -> usize {
        self as usize
    }
}

/// A second service on the same directory: work orders for the facilities team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WorkOrders {
    /// Open work orders.
    OpenWorkOrders,
}

impl AppPermission for WorkOrders {
    const APPLICATION: ApplicationSpec = ApplicationSpec {
        key: "workorders",
        name: "Work Orders",
    };
    const ALL: &'static [Self] = &[Self::OpenWorkOrders];
    fn key(self) -> &'static str {
        "open_work_orders"
    }
    fn label(self) -> &'static str {
        "Open Work Orders"
    }
    fn ordinal(self) -> usize {
        self as usize
    }
}

/// The help desk's preset: an agent sees users and assigns tickets (closing is for leads).
fn agent_preset() -> RolePermissions {
    RolePermissions::from(PermissionSet::EMPTY.with(Permission::ViewUsers))
        .with_app(HelpDesk::AssignTickets)
}

/// One spreadsheet for both services: a group column per service.
const SPREADSHEET: &str = "\
Local ID,Type,First Name,Last Name,Building,Help Desk Group Name,Work Orders Group Name\r\n\
T-100,Staff,Ann,Agent,Lincoln Middle,Help Desk Agent,\r\n\
T-200,Staff,Bo,Builder,Lincoln Middle,,Facilities\r\n\
T-300,Staff,Wes,West,Washington High,Help Desk Agent,\r\n\
S-1,Student,Kim,Kid,Lincoln Middle,,\r\n\
S-2,Student,Far,Away,Washington High,,\r\n";

/// The host's own command: assign a ticket to a user. Homeroom answers who may.
async fn assign_ticket(
    directory: &Directory,
    actor: &Actor,
    district: DistrictId,
    ticket: u32,
    assignee: UserId,
) -> Result<String, Error> {
    let user = directory
        .authorize(actor, district, HelpDesk::AssignTickets, assignee)
        .await?;
    Ok(format!(
        "ticket #{ticket} assigned to {}",
        user.details.name.display()
    ))
}

async fn by_local_id(directory: &Directory, district: DistrictId, id: &str) -> Result<User, Error> {
    let found = directory
        .search_users(
            &Actor::system("lookup"),
            district,
            &UserSearch::text(id.to_lowercase()),
        )
        .await?;
    found
        .items
        .into_iter()
        .find(|u| u.details.local_id.as_ref().map(|l| l.as_str()) == Some(id))
        .ok_or(Error::NotFound {
            entity: homeroom::Entity::User,
            id: id.into(),
        })
}

fn outcome(result: Result<String, Error>) -> String {
    match result {
        Ok(done) => done,
        Err(e) if e.kind() == ErrorKind::NotFound => "not found (outside their buildings)".into(),
        Err(e) => format!("refused: {e}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The host registers its applications with the directory.
    let apps = Applications::new()
        .register::<HelpDesk>()?
        .register::<WorkOrders>()?;
    let storage: Arc<dyn homeroom::Storage> = Arc::new(MemoryStorage::new());
    let directory: Directory =
        Directory::new(storage, Arc::new(SystemClock), Arc::new(RandomIds)).with_applications(apps);
    let setup = Actor::system("help desk setup");

    // 2. A district, its buildings, and the roles: the help desk's preset and a facilities role.
    let district = directory
        .create_district(&setup, "Maple Valley USD")
        .await?
        .id;
    for school in ["Lincoln Middle", "Washington High"] {
        directory
            .create_org_unit(&setup, district, NewOrgUnit::school(school))
            .await?;
    }
    directory
        .create_role(&setup, district, "Help Desk Agent", agent_preset())
        .await?;
    directory
        .create_role(
            &setup,
            district,
            "Facilities",
            RolePermissions::default().with_app(WorkOrders::OpenWorkOrders),
        )
        .await?;

    // 3. Import the two-service spreadsheet: each group column grants that service's role over
    //    the user's building and enables the user there.
    let data = read(SPREADSHEET.as_bytes(), "staff.csv", &ReadOptions::default())?;
    let plan = directory
        .plan_import(&setup, district, &data, &ImportOptions::default())
        .await?;
    for row in plan.rows() {
        if !row.applications.is_empty() {
            println!("row {}: enables {:?}", row.source.row, row.applications);
        }
    }
    directory
        .apply_import(&setup, district, &plan, Approval::Required, &|_| {})
        .await?;

    // 4. The help desk authorizes its own command through Homeroom.
    let ann = Actor::user(
        district,
        by_local_id(&directory, district, "T-100").await?.id,
    );
    let bo = Actor::user(
        district,
        by_local_id(&directory, district, "T-200").await?.id,
    );
    let kim = by_local_id(&directory, district, "S-1").await?;
    let far = by_local_id(&directory, district, "S-2").await?;
    println!(
        "Ann -> Kim: {}",
        outcome(assign_ticket(&directory, &ann, district, 1, kim.id).await)
    );
    println!(
        "Ann -> Far: {}",
        outcome(assign_ticket(&directory, &ann, district, 2, far.id).await)
    );
    println!(
        "Bo  -> Kim: {}",
        outcome(assign_ticket(&directory, &bo, district, 3, kim.id).await)
    );

    // 5. "Users Ann may assign tickets to", and Ann's Access tab.
    let assignable = directory
        .search_users(
            &ann,
            district,
            &UserSearch::default().allowed_to(HelpDesk::AssignTickets),
        )
        .await?;
    let names: Vec<String> = assignable
        .items
        .iter()
        .map(|u| u.details.name.display())
        .collect();
    println!("Ann may assign tickets to: {}", names.join(", "));
    for line in directory
        .application_access(
            &setup,
            district,
            by_local_id(&directory, district, "T-100").await?.id,
        )
        .await?
    {
        println!(
            "Ann's access to {}: {} (roles: {})",
            line.name,
            if line.enabled { "enabled" } else { "disabled" },
            line.roles.join(", ")
        );
    }

    // 6. Disabled for the help desk, Ann's help desk role gives nothing, and the host refuses
    //    her sign-in to it.
    let ann_id = by_local_id(&directory, district, "T-100").await?.id;
    directory
        .set_application_access(&setup, district, ann_id, "helpdesk", false)
        .await?;
    let signed_in = directory.authority(&ann, district).await?;
    println!(
        "after disabling: may sign in to the help desk: {}; Ann -> Kim: {}",
        signed_in.is_enabled(HelpDesk::APPLICATION),
        outcome(assign_ticket(&directory, &ann, district, 4, kim.id).await)
    );
    Ok(())
}
