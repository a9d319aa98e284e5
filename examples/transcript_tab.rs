//! A host adds its own profile tab: an LMS-style "Transcript" shown to viewers who may see
//! the user's activity, next to the built-in tabs.
//!
//! ```text
//! cargo run --example transcript_tab
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use homeroom::profile::{Tab, TabProvider};
use homeroom::system::{RandomIds, SystemClock};
use homeroom::{Actor, Directory, Error, NewOrgUnit, Permission, User, UserDetails, UserKind};
use homeroom_memory::MemoryStorage;
use serde_json::json;

/// Course results the host's LMS keeps, by Local ID.
struct Transcripts {
    by_local_id: HashMap<String, Vec<(&'static str, &'static str)>>,
}

#[async_trait]
impl TabProvider for Transcripts {
    fn key(&self) -> &str {
        "lms.transcript"
    }

    fn title(&self) -> &str {
        "Transcript"
    }

    fn permission(&self) -> Permission {
        Permission::ViewActivityLog
    }

    async fn render(&self, user: &User) -> Result<Option<serde_json::Value>, Error> {
        let Some(local_id) = &user.details.local_id else {
            return Ok(None); // no Local ID, no LMS record: the tab stays hidden
        };
        Ok(self.by_local_id.get(local_id.as_str()).map(|courses| {
            json!(
                courses
                    .iter()
                    .map(|(course, grade)| json!({ "course": course, "grade": grade }))
                    .collect::<Vec<_>>()
            )
        }))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let transcripts = Transcripts {
        by_local_id: HashMap::from([(
            "00123".to_string(),
            vec![
                ("Algebra I", "A-"),
                ("Biology", "B+"),
                ("World History", "A"),
            ],
        )]),
    };
    let directory = Directory::new(
        Arc::new(MemoryStorage::new()),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .with_tab(Arc::new(transcripts));
    let admin = Actor::system("transcript example");
    let district = directory
        .create_district(&admin, "Maple Valley USD")
        .await?;
    let school = directory
        .create_org_unit(&admin, district.id, NewOrgUnit::school("Washington High"))
        .await?;
    let student = UserDetails::new(UserKind::Student, "Ada", "Lovelace")
        .with_local_id("00123")?
        .in_org_unit(school.id);
    let ada = directory.create_user(&admin, district.id, student).await?;

    let profile = directory.profile(&admin, district.id, ada.id, 10).await?;
    println!(
        "Tabs of {}: {}",
        ada.details.name.display(),
        profile.titles().join(" | ")
    );
    if let Some(Tab::Custom { content, .. }) = profile.tab("Transcript") {
        println!("Transcript: {content}");
    }
    Ok(())
}
