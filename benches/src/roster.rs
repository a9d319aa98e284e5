//! The district and roster the import bench and the one-off large run share.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use homeroom::{
    Actor, Directory, DistrictId, Error, ManualClock, NewOrgUnit, SequentialIds, Storage,
};

/// Schools in the district.
pub const SCHOOLS: usize = 20;

/// A district's roster of `rows` students in the Homeroom template: Local ID, names, e-mail,
/// username, grade and building (by name for most rows, by code for every fifth).
pub fn roster(rows: usize) -> Vec<u8> {
    const FIRST: [&str; 8] = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John",
    ];
    const LAST: [&str; 8] = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
    ];
    let mut out = String::from("Local ID,First Name,Last Name,Email,Username,Grade,Building\r\n");
    for n in 0..rows {
        let school = n % SCHOOLS;
        let _ = write!(
            out,
            "{n:07},{}{},{}{n},student{n}@maple.k12.us,s{n:07},{},",
            FIRST[n % 8],
            n % 97,
            LAST[(n / 8) % 8],
            n % 12 + 1,
        );
        let _ = if n % 5 == 0 {
            write!(out, "S{school:02}\r\n")
        } else {
            write!(out, "School {school}\r\n")
        };
    }
    out.into_bytes()
}

/// A directory over `storage` (manual clock, sequential ids) with the district and its
/// schools, named `School 0`… and coded `S00`….
pub async fn district(storage: Arc<dyn Storage>) -> Result<(Directory, DistrictId), Error> {
    let start = Utc
        .with_ymd_and_hms(2026, 8, 1, 2, 0, 0)
        .single()
        .unwrap_or_default();
    let directory = Directory::new(
        storage,
        Arc::new(ManualClock::new(start)),
        Arc::new(SequentialIds::new(11)),
    );
    let admin = Actor::system("bench");
    let district = directory
        .create_district(&admin, "Maple Valley USD")
        .await?
        .id;
    for n in 0..SCHOOLS {
        directory
            .create_org_unit(
                &admin,
                district,
                NewOrgUnit::school(format!("School {n}")).with_code(format!("S{n:02}")),
            )
            .await?;
    }
    Ok((directory, district))
}
