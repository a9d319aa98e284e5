//! The demo district `web` starts with: three buildings, a system administrator who can sign
//! in, a building administrator over one building, and students and staff in each.

use homeroom::password::Password;
use homeroom::{
    Actor, Directory, DistrictId, Error, NewOrgUnit, Preset, Scope, Storage, UserDetails, UserKind,
};

/// The demo district's name; a database that has it is not seeded again.
pub const DISTRICT: &str = "Maple Valley USD (demo)";
/// The demo system administrator's login (every permission, district-wide).
pub const ADMIN_LOGIN: &str = "admin@maplevalley.example";
/// The demo building administrator's login (Roosevelt Middle only).
pub const PRINCIPAL_LOGIN: &str = "principal@maplevalley.example";
/// The demo password of both (fine for a demo, printed at start-up; change it for real use).
pub const DEMO_PASSWORD: &str = "maple-valley-demo";

const FIRST: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Niklaus",
];
const LAST: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Wirth",
];

/// What the seed made, for tests and the start-up banner.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The district.
    pub district: DistrictId,
    /// Whether this run created it (false: it was in the database already).
    pub created: bool,
}

/// The demo district: found by name, or created with its people.
pub async fn demo_district<S: Storage + ?Sized>(
    directory: &Directory<S>,
) -> Result<Demo, SeedError> {
    let setup = Actor::system("web-seed");
    if let Ok(found) = directory.district_by_name(&setup, DISTRICT).await {
        return Ok(Demo {
            district: found.id,
            created: false,
        });
    }
    let district = match directory.create_district(&setup, DISTRICT).await {
        Ok(created) => created.id,
        // Another instance on the same database created it meanwhile: theirs to seed.
        Err(e) => match directory.district_by_name(&setup, DISTRICT).await {
            Ok(found) => {
                return Ok(Demo {
                    district: found.id,
                    created: false,
                });
            }
            Err(_) => return Err(e.into()),
        },
    };
    let mut buildings = Vec::new();
    for (name, code) in [
        ("Lincoln Elementary", "LES"),
        ("Roosevelt Middle", "RMS"),
        ("Washington High", "WHS"),
    ] {
        let unit = NewOrgUnit::school(name).with_code(code);
        buildings.push(directory.create_org_unit(&setup, district, unit).await?.id);
    }
    for i in 0..24usize {
        let student = UserDetails::new(UserKind::Student, FIRST[i % 8], LAST[(i * 3 + i / 8) % 8])
            .with_local_id(&format!("{:05}", 100 + i))?
            .with_grade(&(1 + i % 12).to_string())?
            .in_org_unit(buildings[i % 3]);
        directory.create_user(&setup, district, student).await?;
    }
    let roles = directory.roles(&setup, district).await?;
    let role = |preset: Preset| {
        roles
            .iter()
            .find(|r| r.preset == Some(preset))
            .map(|r| r.id)
    };
    let password = Password::new(DEMO_PASSWORD)?;
    for (first, last, login, preset, scope) in [
        (
            "Dana",
            "Admin",
            ADMIN_LOGIN,
            Preset::SystemAdministrator,
            Scope::District,
        ),
        (
            "Pat",
            "Principal",
            PRINCIPAL_LOGIN,
            Preset::BuildingAdministrator,
            Scope::unit(buildings[1]),
        ),
    ] {
        let staff = UserDetails::new(UserKind::Staff, first, last)
            .with_email(login)?
            .in_org_unit(buildings[1]);
        let user = directory.create_user(&setup, district, staff).await?;
        if let Some(role) = role(preset) {
            directory
                .grant_role(&setup, district, user.id, role, scope)
                .await?;
        }
        directory
            .set_password(&setup, district, user.id, &password, false)
            .await?;
    }
    Ok(Demo {
        district,
        created: true,
    })
}

/// Why the demo district could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The directory refused or failed.
    #[error(transparent)]
    Directory(#[from] Error),
    /// A demo value did not pass validation (a bug in this file).
    #[error("demo value refused: {0}")]
    Value(String),
}

impl From<homeroom::InvalidValue> for SeedError {
    fn from(problem: homeroom::InvalidValue) -> Self {
        Self::Value(problem.message)
    }
}
