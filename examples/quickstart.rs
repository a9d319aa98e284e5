//! Quickstart: build a small district, search it, edit a user, catch a version conflict, and
//! read the activity log — on the embedded default, a SQLite file.
//!
//! ```text
//! cargo run --example quickstart                      # ./homeroom-quickstart.db, reset each run
//! cargo run --example quickstart -- postgres://...    # or HOMEROOM_DATABASE_URL: kept, new district
//! ```

use std::sync::Arc;

use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, Directory, Error, ErrorKind, Grade, NewOrgUnit, OrgUnit, Preset, RecordStatus, Scope,
    UserDetails, UserKind, UserSearch,
};
use homeroom_sea::SeaStorage;

/// The file the quickstart uses when given no database.
const DEFAULT_FILE: &str = "homeroom-quickstart.db";

const FIRST_NAMES: [&str; 10] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Katherine",
    "Niklaus",
];
const LAST_NAMES: [&str; 10] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson",
    "Wirth",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 0. The database: a URL from the command line or HOMEROOM_DATABASE_URL, else a SQLite
    //    file here that each run starts afresh.
    let given = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("HOMEROOM_DATABASE_URL").ok());
    let url = match &given {
        Some(url) => url.clone(),
        None => {
            let existed = std::path::Path::new(DEFAULT_FILE).exists();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{DEFAULT_FILE}{suffix}"));
            }
            if existed {
                println!("Reset {DEFAULT_FILE} (removed the previous run's file).");
            }
            format!("sqlite://{DEFAULT_FILE}?mode=rwc")
        }
    };
    let storage = SeaStorage::connect(&url).await?;
    println!("Database: {url} ({:?})\n", storage.backend());
    let directory = Directory::new(
        Arc::new(storage),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    );
    let admin = Actor::system("quickstart");

    // 1. A district with three buildings. A database that is kept between runs gets a new
    //    district each time.
    let mut name = "Maple Valley USD".to_string();
    if given.is_some() && directory.district_by_name(&admin, &name).await.is_ok() {
        name = format!(
            "Maple Valley USD {}",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")
        );
        println!("Reusing the database; this run's district is '{name}'.");
    }
    let district = directory.create_district(&admin, &name).await?;
    let mut buildings: Vec<OrgUnit> = Vec::new();
    for (name, code) in [
        ("Lincoln Elementary", "LES"),
        ("Roosevelt Middle", "RMS"),
        ("Washington High", "WHS"),
    ] {
        let unit = NewOrgUnit::school(name).with_code(code);
        buildings.push(directory.create_org_unit(&admin, district.id, unit).await?);
    }
    println!("District '{}' with buildings:", district.name);
    for b in &buildings {
        println!("  - {} ({})", b.name, b.code.as_deref().unwrap_or("-"));
    }

    // 2. Thirty students across the buildings, plus three staff members.
    for i in 0..30 {
        let building = &buildings[i % 3];
        let grade = 1 + (i % 12);
        let mut student = UserDetails::new(
            UserKind::Student,
            FIRST_NAMES[i % 10],
            LAST_NAMES[(i * 3 + i / 10) % 10],
        )
        .with_local_id(&format!("{:05}", 100 + i))?
        .with_grade(&grade.to_string())?
        .in_org_unit(building.id);
        student.aup_signed = i % 4 != 0;
        student.fee_paid = i % 5 != 0;
        directory.create_user(&admin, district.id, student).await?;
    }
    for (i, (first, last)) in [("Maria", "Garcia"), ("James", "Smith"), ("Li", "Wei")]
        .iter()
        .enumerate()
    {
        let staff = UserDetails::new(UserKind::Staff, *first, *last)
            .with_email(&format!(
                "{}.{}@maplevalley.example",
                first.to_lowercase(),
                last.to_lowercase()
            ))?
            .in_org_unit(buildings[i].id);
        directory.create_user(&admin, district.id, staff).await?;
    }
    let everyone = directory
        .search_users(&admin, district.id, &UserSearch::default())
        .await?;
    println!("\n{} users created.", everyone.total);

    // 3. Search: a name prefix, then a filter by grade and building.
    let found = directory
        .search_users(&admin, district.id, &UserSearch::text("hop"))
        .await?;
    println!("\nSearch 'hop' -> {} match(es):", found.total);
    for u in &found.items {
        println!(
            "  {:<20} Local ID {}",
            u.details.name.display(),
            show(&u.details.local_id)
        );
    }
    let sixth = UserSearch::default()
        .grade(Grade::Numbered(6))
        .kind(UserKind::Student)
        .in_org_unit(buildings[2].id);
    let page = directory.search_users(&admin, district.id, &sixth).await?;
    println!(
        "\nGrade 6 at {} -> {} student(s):",
        buildings[2].name, page.total
    );
    for u in &page.items {
        println!(
            "  {:<20} AUP signed: {:<5} fee paid: {}",
            u.details.name.display(),
            u.details.aup_signed,
            u.details.fee_paid
        );
    }

    // 4. A building-scoped admin: the principal of Roosevelt Middle sees only their building.
    let roles = directory.roles(&admin, district.id).await?;
    let building_admin = roles
        .iter()
        .find(|r| r.preset == Some(Preset::BuildingAdministrator))
        .ok_or("the district has no Building Administrator role")?;
    let principal = UserDetails::new(UserKind::Staff, "Pat", "Principal")
        .with_email("pat.principal@maplevalley.example")?
        .in_org_unit(buildings[1].id);
    let principal = directory
        .create_user(&admin, district.id, principal)
        .await?;
    directory
        .grant_role(
            &admin,
            district.id,
            principal.id,
            building_admin.id,
            Scope::unit(buildings[1].id),
        )
        .await?;
    let pat = Actor::user(district.id, principal.id);
    let seen = directory
        .search_users(&pat, district.id, &UserSearch::default())
        .await?;
    println!(
        "
{} ({} over {}) sees {} of {} users:",
        principal.details.name.display(),
        building_admin.name,
        buildings[1].name,
        seen.total,
        everyone.total + 1
    );
    let elsewhere = directory
        .search_users(
            &admin,
            district.id,
            &UserSearch::default().in_org_unit(buildings[2].id),
        )
        .await?;
    let outsider = elsewhere.items.first().ok_or("Washington High is empty")?;
    match directory.user(&pat, district.id, outsider.id).await {
        Err(e) if e.kind() == ErrorKind::NotFound => println!(
            "  opening {} of {} by id: not found (outside Pat's building, it does not exist for Pat)",
            outsider.details.name.display(),
            buildings[2].name
        ),
        other => return Err(format!("expected NotFound, got {other:?}").into()),
    }

    // 5. Edit a user: new grade and building, then mark them inactive.
    let student = found
        .items
        .first()
        .ok_or("the search found nobody")?
        .clone();
    let mut edit = student.details.clone();
    edit.grade = Some(Grade::Numbered(7));
    edit.org_units = [buildings[0].id].into();
    edit.aup_signed = true;
    let edited = directory
        .update_user(&admin, district.id, student.id, student.version, edit)
        .await?;
    println!(
        "\nEdited {}: now grade {}, version {}.",
        edited.details.name.display(),
        show(&edited.details.grade),
        edited.version
    );

    // 6. Someone else saves with the version they read before the edit: caught, not lost.
    let mut stale_edit = student.details.clone();
    stale_edit.name.preferred = Some("Gracie".into());
    match directory
        .update_user(&admin, district.id, student.id, student.version, stale_edit)
        .await
    {
        Err(error @ Error::Conflict { .. }) => {
            assert_eq!(error.kind(), ErrorKind::Conflict);
            println!("\nVersion conflict caught: {error}");
        }
        Ok(_) => return Err("a stale update was accepted".into()),
        Err(other) => return Err(other.into()),
    }
    let current = directory
        .set_status(
            &admin,
            district.id,
            edited.id,
            edited.version,
            RecordStatus::Inactive,
        )
        .await?;

    // 7. The activity log, newest first, field by field.
    let log = directory
        .user_activity(&admin, district.id, current.id, None, 10)
        .await?;
    println!(
        "\nActivity log of {} ({} entries):",
        current.details.name.display(),
        log.total
    );
    for entry in &log.items {
        println!(
            "  {} {} by {}",
            entry.at.format("%Y-%m-%d %H:%M:%S"),
            entry.action,
            entry.actor
        );
        for change in &entry.changes {
            println!("      {change}");
        }
    }
    Ok(())
}

fn show<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "-".into(), ToString::to_string)
}
