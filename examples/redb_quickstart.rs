//! The redb adapter end to end: create a district and a user through [`Directory`] on a redb
//! file in a temporary directory, close it, open the file again and read them back.
//!
//! ```text
//! cargo run --example redb_quickstart
//! ```

use std::sync::Arc;

use homeroom::system::{RandomIds, SystemClock};
use homeroom::{Actor, Directory, UserDetails, UserKind, UserSearch};
use homeroom_examples::redb_adapter::RedbStorage;

fn directory(storage: RedbStorage) -> Directory {
    Directory::new(
        Arc::new(storage),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("homeroom-redb-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("homeroom.redb");
    let admin = Actor::system("redb-quickstart");

    // 1. Write: a district and a user, each one `apply` (one redb write transaction).
    let (district, ada) = {
        let directory = directory(RedbStorage::create(&file)?);
        let district = directory
            .create_district(&admin, "Maple Valley USD")
            .await?;
        let details = UserDetails::new(UserKind::Student, "Ada", "Lovelace")
            .with_local_id("00042")?
            .with_email("ada.lovelace@maplevalley.example")?;
        let ada = directory.create_user(&admin, district.id, details).await?;
        (district, ada)
    }; // the directory, and with it the database, is closed here
    println!(
        "Wrote district '{}' and user {} to {}",
        district.name,
        ada.id,
        file.display()
    );

    // 2. Read back from the file, opened afresh.
    let directory = directory(RedbStorage::create(&file)?);
    let found = directory
        .district_by_name(&admin, "maple valley usd")
        .await?;
    let user = directory.user(&admin, found.id, ada.id).await?;
    let search = UserSearch {
        text: Some("lovel".into()),
        ..UserSearch::default()
    };
    let page = directory.search_users(&admin, found.id, &search).await?;
    println!(
        "Read back district '{}' and {} {} (Local ID {}); a search for 'lovel' finds {} user(s).",
        found.name,
        user.details.name.first,
        user.details.name.last,
        user.details.local_id.as_ref().map_or("-", |id| id.as_str()),
        page.total
    );
    if (found.id, user.id, page.total) != (district.id, ada.id, 1) {
        return Err("the rows read back are not the rows written".into());
    }

    drop(directory);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
