//! Secrets in an import never leave (DESIGN.md §8): the Temporary Password column of an upload
//! is not echoed by the import report, by `Debug` or by serde output of the rows read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use homeroom::import::{HIDDEN, ImportData, ReadOptions, read};
use homeroom::*;
use homeroom_tests::{Backend, Harness};

const SECRET: &str = "welcome-2026";

/// Two new users, one with a temporary password, and a column a district named itself.
const UPLOAD: &str = "Local ID,First Name,Last Name,Username,Temporary Password,Old PWD\r\n\
00201,Ada,Lovelace,alovelace,welcome-2026,welcome-2026\r\n\
00202,Grace,Hopper,ghopper,,\r\n";

fn upload() -> ImportData {
    read(UPLOAD.as_bytes(), "staff.csv", &ReadOptions::default()).unwrap()
}

async fn planned(data: &ImportData) -> ImportPlan {
    let h = Harness::new(Backend::Memory).await;
    let district = h
        .directory
        .create_district(&h.admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    h.directory
        .plan_import(&h.admin, district, data, &ImportOptions::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn attack_report_leaves_temporary_passwords_out() {
    let data = upload();
    let plan = planned(&data).await;
    assert!(!plan.has_errors(), "{:?}", plan.issues());
    let report = String::from_utf8(report_csv(&data, &plan)).unwrap();
    assert!(!report.contains(SECRET), "{report}");
    let mut lines = report.trim_start_matches('\u{feff}').lines();
    // The columns stay, so the file can be fixed and uploaded again.
    assert_eq!(
        lines.next(),
        Some(
            "File,Row,Local ID,First Name,Last Name,Username,Temporary Password,Old PWD,Import Status,Import Messages"
        )
    );
    let ada = lines.next().unwrap();
    assert!(
        ada.starts_with("staff.csv,2,00201,Ada,Lovelace,alovelace,,,Create,"),
        "{ada}"
    );
    assert!(
        ada.contains("Temporary Password: left out of this report"),
        "{ada}"
    );
    let grace = lines.next().unwrap();
    assert!(
        !grace.contains("left out"),
        "a blank cell has nothing to leave out: {grace}"
    );
}

#[test]
fn attack_import_rows_debug_hides_temporary_passwords() {
    let data = upload();
    let debug = format!("{data:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains(HIDDEN));
    let row = format!("{:#?}", data.users[0]);
    assert!(!row.contains(SECRET), "{row}");
    // The value itself is still there for the import to use.
    assert_eq!(
        data.users[0].get(import::ImportField::TemporaryPassword),
        Some(SECRET)
    );
}

#[test]
fn attack_import_rows_serialize_without_temporary_passwords() {
    let data = upload();
    let json = serde_json::to_string(&data.users).unwrap();
    assert!(!json.contains(SECRET), "{json}");
    assert!(json.contains(HIDDEN));
    let json = serde_json::to_string(&data).unwrap();
    assert!(!json.contains(SECRET), "{json}");
}
