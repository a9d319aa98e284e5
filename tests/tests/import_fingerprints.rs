//! Import fingerprints (decision 3 of issue #16): a row is skipped as unchanged only when the
//! row, the options and org tree it was planned under, and the user's version all match what
//! the last import stored. The property: over random sequences of imports, edits, org-tree
//! changes, settings changes and option changes, the plan made with fingerprints equals the
//! plan made comparing every row in full (`ImportOptions::full_compare`), always.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use homeroom::import::{ReadOptions, read};
use homeroom::*;
use homeroom_tests::race::{Gate, Hooked};
use homeroom_tests::{Backend, Harness, across_backends};
use proptest::prelude::*;

const BUILDINGS: [&str; 3] = ["Lincoln", "Washington", "Jefferson"];

/// A person as a CSV row.
#[derive(Clone, Debug, PartialEq)]
struct Person {
    id: u8,
    first: String,
    last: String,
    grade: u8,
    building: usize,
}

/// How a file is written beyond its people.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// The e-mail domain (a different one warns: an import never changes an e-mail).
    other_domain: bool,
    /// 0: plain; 1: a Status column; 2: a blank Roles column; 3: padded cells; 4: the first
    /// row twice; 5: an unknown extra column.
    extra: u8,
}

#[derive(Clone, Debug)]
enum Step {
    /// An import of one of a few files made from the case's roster (so the same file comes
    /// back, as a nightly sync's does), written one of a few ways, under one of a few options.
    Import {
        file: u8,
        shape: Shape,
        sync: bool,
        create_units: bool,
        mode: u8,
        staff_by_default: bool,
    },
    /// An admin edits a user: a new last name, or the same details (writes nothing).
    Edit {
        who: prop::sample::Index,
        change: bool,
    },
    /// An admin makes a user Inactive, or Active again.
    Status {
        who: prop::sample::Index,
    },
    /// A new building (Jefferson), or Washington renamed back and forth.
    AddUnit,
    RenameUnit,
    /// The district's settings change (a custom grade).
    Settings,
}

fn person() -> impl Strategy<Value = Person> {
    (
        0u8..24,
        "[A-Z][a-z]{1,5}",
        "[A-Z][a-z]{1,6}",
        1u8..=12,
        // Jefferson does not exist at first (a file naming it has errors until it does).
        prop_oneof![30 => 0usize..2, 1 => Just(2usize)],
    )
        .prop_map(|(id, first, last, grade, building)| Person {
            id,
            first,
            last,
            grade,
            building,
        })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (
            0u8..4,
            (prop::bool::weighted(0.1), prop_oneof![4 => Just(0u8), 1 => 1u8..6]),
            any::<bool>(),
            prop::bool::weighted(0.1),
            prop_oneof![8 => Just(0u8), 1 => 1u8..4],
            prop::bool::weighted(0.1),
        )
            .prop_map(|(file, (other_domain, extra), sync, create_units, mode, staff)| Step::Import {
                file,
                shape: Shape { other_domain, extra },
                sync,
                create_units,
                mode,
                staff_by_default: staff,
            }),
        2 => (any::<prop::sample::Index>(), any::<bool>()).prop_map(|(who, change)| Step::Edit { who, change }),
        1 => any::<prop::sample::Index>().prop_map(|who| Step::Status { who }),
        1 => Just(Step::AddUnit),
        1 => Just(Step::RenameUnit),
        1 => Just(Step::Settings),
    ]
}

/// File `n` of a case: the roster, the roster with its first person renamed and moved, the
/// roster without its last person, or other people altogether.
fn file(roster: &[Person], others: &[Person], n: u8) -> Vec<Person> {
    let mut people = roster.to_vec();
    match n {
        1 => {
            if let Some(p) = people.first_mut() {
                p.last.push('z');
                p.building = (p.building + 1) % BUILDINGS.len();
            }
        }
        2 => {
            people.pop();
        }
        3 => people = others.to_vec(),
        _ => {}
    }
    people
}

fn csv(people: &[Person], shape: Shape) -> String {
    let domain = if shape.other_domain {
        "b.example"
    } else {
        "a.example"
    };
    let extra_header = match shape.extra {
        1 => ",Status",
        2 => ",Roles",
        5 => ",Locker",
        _ => "",
    };
    let mut out = format!("Local ID,First Name,Last Name,Email,Grade,Building{extra_header}\r\n");
    let mut rows: Vec<&Person> = people.iter().collect();
    if shape.extra == 4
        && let Some(first) = people.first()
    {
        rows.push(first);
    }
    for p in rows {
        let first = if shape.extra == 3 {
            format!(" {} ", p.first)
        } else {
            p.first.clone()
        };
        let extra = match shape.extra {
            1 => ",Active",
            2 => ",",
            5 => ",12B",
            _ => "",
        };
        out.push_str(&format!(
            "{:03},{first},{},p{}@{domain},{},{}{extra}\r\n",
            p.id, p.last, p.id, p.grade, BUILDINGS[p.building]
        ));
    }
    out
}

async fn setup(h: &Harness) -> DistrictId {
    h.district_with_schools(&BUILDINGS[..2]).await.0
}

async fn everyone(h: &Harness, district: DistrictId) -> Vec<User> {
    let search = UserSearch::default().any_status().limit(1000);
    h.directory
        .search_users(&h.admin, district, &search)
        .await
        .unwrap()
        .items
}

/// Plans `text` both ways, asserts the plans are equal, and applies the plan (when it may be).
async fn import_both_ways(
    h: &Harness,
    district: DistrictId,
    text: &str,
    options: &ImportOptions,
) -> Result<ImportPlan, TestCaseError> {
    let data = read(text.as_bytes(), "people.csv", &ReadOptions::default()).unwrap();
    let d = &h.directory;
    let fast = d
        .plan_import(&h.admin, district, &data, options)
        .await
        .unwrap();
    let full_options = ImportOptions {
        full_compare: true,
        ..options.clone()
    };
    let full = d
        .plan_import(&h.admin, district, &data, &full_options)
        .await
        .unwrap();
    prop_assert_eq!(&fast, &full, "fingerprints changed the plan of\n{}", text);
    if !fast.has_errors() {
        h.apply_plan(&h.admin, district, &fast, Approval::Approved)
            .await
            .unwrap();
    }
    Ok(fast)
}

async fn run_steps(
    backend: Backend,
    (roster, others): (Vec<Person>, Vec<Person>),
    steps: Vec<Step>,
) -> Result<(), TestCaseError> {
    let h = Harness::new(backend).await;
    let district = setup(&h).await;
    let d = &h.directory;
    let mut renamed = false;
    for step in steps {
        match step {
            Step::Import {
                file: n,
                shape,
                sync,
                create_units,
                mode,
                staff_by_default,
            } => {
                let options = ImportOptions {
                    sync,
                    create_org_units: create_units,
                    mode: [
                        ImportMode::Upsert,
                        ImportMode::Upsert,
                        ImportMode::UpdateOnly,
                        ImportMode::CreateOnly,
                    ][usize::from(mode)],
                    default_kind: if staff_by_default {
                        UserKind::Staff
                    } else {
                        UserKind::Student
                    },
                    guard: SyncGuard {
                        max_deactivate_percent: None,
                        ..SyncGuard::default()
                    },
                    ..ImportOptions::default()
                };
                let text = csv(&file(&roster, &others, n), shape);
                import_both_ways(&h, district, &text, &options).await?;
                // The same file again, right away: the case the fingerprints are for.
                import_both_ways(&h, district, &text, &options).await?;
            }
            Step::Edit { who, change } => {
                let users = everyone(&h, district).await;
                if users.is_empty() {
                    continue;
                }
                let user = &users[who.index(users.len())];
                let mut details = user.details.clone();
                if change {
                    details.name.last.push('q');
                }
                d.update_user(&h.admin, district, user.id, user.version, details)
                    .await
                    .unwrap();
            }
            Step::Status { who } => {
                let users = everyone(&h, district).await;
                if users.is_empty() {
                    continue;
                }
                let user = &users[who.index(users.len())];
                let status = if user.status == RecordStatus::Active {
                    RecordStatus::Inactive
                } else {
                    RecordStatus::Active
                };
                d.set_status(&h.admin, district, user.id, user.version, status)
                    .await
                    .unwrap();
            }
            Step::AddUnit => {
                let tree = d.org_tree(&h.admin, district).await.unwrap();
                if !tree.units().any(|u| u.name == BUILDINGS[2]) {
                    d.create_org_unit(&h.admin, district, NewOrgUnit::school(BUILDINGS[2]))
                        .await
                        .unwrap();
                }
            }
            Step::RenameUnit => {
                let tree = d.org_tree(&h.admin, district).await.unwrap();
                let (from, to) = if renamed {
                    ("Washington High", BUILDINGS[1])
                } else {
                    (BUILDINGS[1], "Washington High")
                };
                if let Some(unit) = tree.units().find(|u| u.name == from) {
                    d.rename_org_unit(&h.admin, district, unit.id, unit.version, to)
                        .await
                        .unwrap();
                    renamed = !renamed;
                }
            }
            Step::Settings => {
                let current = d.district(&h.admin, district).await.unwrap();
                let mut settings = current.settings.clone();
                if !settings.custom_grades.insert("TK".into()) {
                    settings.custom_grades.remove("TK");
                }
                d.update_district_settings(&h.admin, district, current.version, settings)
                    .await
                    .unwrap();
            }
        }
    }
    Ok(())
}

/// A case's roster and its other people (each with their own Local ID; the two may share).
fn files() -> impl Strategy<Value = (Vec<Person>, Vec<Person>)> {
    let unique = |people: Vec<Person>| {
        let by_id: std::collections::BTreeMap<u8, Person> =
            people.into_iter().map(|p| (p.id, p)).collect();
        by_id.into_values().collect::<Vec<Person>>()
    };
    (
        prop::collection::vec(person(), 1..10).prop_map(unique),
        prop::collection::vec(person(), 0..6).prop_map(unique),
    )
}

fn block_on<F: std::future::Future<Output = Result<(), TestCaseError>>>(
    f: F,
) -> Result<(), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn plans_with_fingerprints_equal_full_compare_plans_memory(files in files(), steps in prop::collection::vec(step(), 1..12)) {
        block_on(run_steps(Backend::Memory, files, steps))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn plans_with_fingerprints_equal_full_compare_plans_sqlite(files in files(), steps in prop::collection::vec(step(), 1..10)) {
        block_on(run_steps(Backend::Sqlite, files, steps))?;
    }
}

const ROSTER: &str = "Local ID,First Name,Last Name,Email,Grade,Building\r\n\
001,Ada,Lovelace,ada@a.example,6,Lincoln\r\n\
002,Grace,Hopper,grace@a.example,7,Washington\r\n\
003,Alan,Turing,,9,Lincoln\r\n";

fn sync() -> ImportOptions {
    ImportOptions {
        sync: true,
        ..ImportOptions::default()
    }
}

async fn plan(h: &Harness, district: DistrictId, text: &str) -> ImportPlan {
    let data = read(text.as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
    h.directory
        .plan_import(&h.admin, district, &data, &sync())
        .await
        .unwrap()
}

across_backends! {
    // An import stores a fingerprint with each user it creates or updates; an admin's edit
    // leaves it behind (the version moved), and so the next sync compares that row in full
    // and puts the edit back.
    async fn an_edit_since_the_last_import_is_never_skipped(h: Harness) {
        let district = setup(&h).await;
        let first = plan(&h, district, ROSTER).await;
        h.apply_plan(&h.admin, district, &first, Approval::Required).await.unwrap();
        let users = everyone(&h, district).await;
        assert!(users.iter().all(|u| u.import_fingerprint.is_some_and(|f| f.version == u.version)));

        let ada = users.iter().find(|u| u.details.name.first == "Ada").unwrap();
        let mut details = ada.details.clone();
        details.name.last = "Byron".into();
        h.directory.update_user(&h.admin, district, ada.id, ada.version, details).await.unwrap();

        let again = plan(&h, district, ROSTER).await;
        assert_eq!(again.counts().updated, 1, "{:?}", again.rows());
        assert_eq!(again.counts().unchanged, 2);
        h.apply_plan(&h.admin, district, &again, Approval::Required).await.unwrap();
        let ada = h.directory.user(&h.admin, district, ada.id).await.unwrap();
        assert_eq!(ada.details.name.last, "Lovelace");
        assert_eq!(ada.import_fingerprint.map(|f| f.version), Some(ada.version));
    }

    // A building-scoped importer re-imports the district's file: every row carries a matching
    // fingerprint, but a user out of their reach is still the plain "taken" error that names
    // nobody, never an unchanged row; the rows in reach are skipped as unchanged.
    async fn attack_fingerprints_never_skip_the_reach_check(h: Harness) {
        let district = setup(&h).await;
        let first = plan(&h, district, ROSTER).await;
        h.apply_plan(&h.admin, district, &first, Approval::Required).await.unwrap();
        let d = &h.directory;
        let lincoln = d.org_tree(&h.admin, district).await.unwrap().units().find(|u| u.name == "Lincoln").unwrap().id;
        let role = d.create_role(&h.admin, district, "Lincoln Importer", [Permission::ViewUsers, Permission::ImportUsers].into_iter().collect::<PermissionSet>()).await.unwrap();
        let me = d.create_user(&h.admin, district, UserDetails::new(UserKind::Staff, "Ivan", "Importer").in_org_unit(lincoln)).await.unwrap();
        d.grant_role(&h.admin, district, me.id, role.id, Scope::unit(lincoln)).await.unwrap();
        let importer = Actor::user(district, me.id);

        let data = read(ROSTER.as_bytes(), "roster.csv", &ReadOptions::default()).unwrap();
        let plan = d.plan_import(&importer, district, &data, &ImportOptions::default()).await.unwrap();
        assert_eq!(plan.rows()[1].action, RowAction::Error, "{:?}", plan.rows());
        assert_eq!(plan.counts().unchanged, 2);
        let issues: Vec<&import::ImportIssue> = plan.issues().iter().filter(|i| i.row == Some(3)).collect();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code.as_str(), "taken");
        assert!(plan.issues().iter().all(|i| !i.message.contains("Grace") && !i.message.contains("Hopper")));
    }

    // A new building changes what rows are planned under: every row is compared in full
    // again (and found unchanged), so a tree change never hides behind a fingerprint.
    async fn an_org_tree_change_makes_every_row_compare_in_full(h: Harness) {
        let district = setup(&h).await;
        let first = plan(&h, district, ROSTER).await;
        h.apply_plan(&h.admin, district, &first, Approval::Required).await.unwrap();
        h.directory.create_org_unit(&h.admin, district, NewOrgUnit::school("Jefferson")).await.unwrap();
        let again = plan(&h, district, ROSTER).await;
        assert_eq!(again.counts().unchanged, 3);
        assert!(again.is_noop());
    }
}

/// A no-change sync is planned from the stamps alone: the district's whole users are not read
/// (memory and SQLite); as soon as one row differs, they are, and the plan says so.
#[tokio::test]
async fn a_no_change_sync_never_reads_whole_users() {
    for backend in [Backend::Memory, Backend::Sqlite] {
        let hooked = Arc::new(Hooked::new(backend.storage().await, Gate::default()));
        let h = Harness::over(backend, hooked.clone() as Arc<dyn Storage>).await;
        let district = setup(&h).await;
        let first = plan(&h, district, ROSTER).await;
        h.apply_plan(&h.admin, district, &first, Approval::Required)
            .await
            .unwrap();
        let reads = hooked.district_user_reads();
        let again = plan(&h, district, ROSTER).await;
        assert_eq!(again.counts().unchanged, 3, "{backend:?}");
        assert!(again.is_noop());
        assert_eq!(hooked.district_user_reads(), reads, "{backend:?}");
        let outcome = h
            .apply_plan(&h.admin, district, &again, Approval::Required)
            .await
            .unwrap();
        assert_eq!(outcome.ops, 0, "{backend:?}");

        let edited = ROSTER.replace("Hopper", "Hopper-King");
        let changed = plan(&h, district, &edited).await;
        assert_eq!(changed.counts().updated, 1, "{backend:?}");
        assert_eq!(hooked.district_user_reads(), reads + 1, "{backend:?}");
    }
}
