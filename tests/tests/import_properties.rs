//! Property tests of import rules: protected fields never change, a re-import of what was
//! imported plans no change, edited rows (and only they) plan updates, any error means zero writes, planning is deterministic,
//! and a building-scoped importer (or whoever applies a plan) never changes nor names anyone outside their building.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use homeroom::import::{ReadOptions, read};
use homeroom::*;
use homeroom_tests::{Backend, Harness};
use proptest::prelude::*;

fn run<F: std::future::Future<Output = Result<(), TestCaseError>>>(
    f: F,
) -> Result<(), TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// A person as a CSV row: Local ID, first, last, e-mail, grade, building.
#[derive(Clone, Debug, PartialEq)]
struct Person {
    id: u16,
    first: String,
    last: String,
    grade: u8,
    building: bool,
}

fn people() -> impl Strategy<Value = Vec<Person>> {
    prop::collection::btree_map(
        0u16..500,
        (
            "[A-Z][a-z]{1,8}",
            "[A-Z][a-z]{1,10}",
            1u8..=12,
            any::<bool>(),
        ),
        1..25,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(id, (first, last, grade, building))| Person {
                id,
                first,
                last,
                grade,
                building,
            })
            .collect()
    })
}

fn csv(people: &[Person], email_domain: &str) -> String {
    let mut out = String::from("Local ID,First Name,Last Name,Email,Grade,Building\r\n");
    for p in people {
        let building = if p.building { "Lincoln" } else { "Washington" };
        out.push_str(&format!(
            "{:05},{},{},p{}@{email_domain},{},{building}\r\n",
            p.id, p.first, p.last, p.id, p.grade
        ));
    }
    out
}

async fn setup(h: &Harness) -> DistrictId {
    let district = h
        .directory
        .create_district(&h.admin, "Prop USD")
        .await
        .unwrap()
        .id;
    for school in ["Lincoln", "Washington"] {
        h.directory
            .create_org_unit(&h.admin, district, NewOrgUnit::school(school))
            .await
            .unwrap();
    }
    district
}

async fn import(
    h: &Harness,
    district: DistrictId,
    text: &str,
    options: &ImportOptions,
) -> (ImportPlan, Result<ImportOutcome, Error>) {
    let data = read(text.as_bytes(), "people.csv", &ReadOptions::default()).unwrap();
    let plan = h
        .directory
        .plan_import(&h.admin, district, &data, options)
        .await
        .unwrap();
    let outcome = h
        .apply_plan(&h.admin, district, &plan, Approval::Approved)
        .await;
    (plan, outcome)
}

async fn snapshot(h: &Harness, district: DistrictId) -> Vec<User> {
    let search = UserSearch::default().any_status().limit(1000);
    h.directory
        .search_users(&h.admin, district, &search)
        .await
        .unwrap()
        .items
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reimporting_the_same_file_plans_no_change_and_protected_fields_never_change(people in people(), renamed in any::<bool>()) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let district = setup(&h).await;
            let (_, outcome) = import(&h, district, &csv(&people, "a.example"), &ImportOptions::default()).await;
            prop_assert!(outcome.is_ok());
            let before = snapshot(&h, district).await;
            // Same file: no change, nothing written.
            let (plan, outcome) = import(&h, district, &csv(&people, "a.example"), &ImportOptions::default()).await;
            prop_assert_eq!(plan.counts().unchanged as usize, people.len());
            prop_assert_eq!(outcome.unwrap().ops, 0);
            // New e-mails (and maybe new names): e-mails stay as they were.
            let mut changed = people.clone();
            if renamed {
                for p in &mut changed { p.last.push('x'); }
            }
            let (plan, outcome) = import(&h, district, &csv(&changed, "b.example"), &ImportOptions::default()).await;
            prop_assert!(outcome.is_ok());
            prop_assert_eq!(plan.counts().updated as usize, if renamed { people.len() } else { 0 });
            let after = snapshot(&h, district).await;
            for user in &after {
                let old = before.iter().find(|u| u.id == user.id).unwrap();
                prop_assert_eq!(&user.details.email, &old.details.email);
                prop_assert_eq!(&user.details.username, &old.details.username);
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_reimport_with_edits_plans_exactly_the_edited_rows_as_updates(
        people in people(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..4), 1..6),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let district = setup(&h).await;
            let (_, outcome) = import(&h, district, &csv(&people, "a.example"), &ImportOptions::default()).await;
            prop_assert!(outcome.is_ok());
            let mut edited = people.clone();
            for (index, what) in &edits {
                let p = &mut edited[index.index(people.len())];
                match what {
                    0 => p.first.push('y'),
                    1 => p.last = format!("{} Jr", p.last),
                    2 => p.grade = p.grade % 12 + 1,
                    _ => p.building = !p.building,
                }
            }
            // Two edits may undo each other (a building toggled twice): compare, don't count.
            let touched: std::collections::BTreeSet<usize> =
                (0..people.len()).filter(|&i| edited[i] != people[i]).collect();
            // The first pass resolves the buildings; every later row may take the quick path.
            let (plan, outcome) = import(&h, district, &csv(&edited, "a.example"), &ImportOptions::default()).await;
            prop_assert!(outcome.is_ok());
            prop_assert_eq!(plan.counts().updated as usize, touched.len());
            prop_assert_eq!(plan.counts().unchanged as usize, people.len() - touched.len());
            for (i, row) in plan.rows().iter().enumerate() {
                let updated = matches!(row.action, RowAction::Update { .. });
                prop_assert_eq!(updated, touched.contains(&i), "row {} ({:?})", i, row.action);
            }
            // And the edits are what is stored now: a third pass changes nothing.
            let (plan, _) = import(&h, district, &csv(&edited, "a.example"), &ImportOptions::default()).await;
            prop_assert_eq!(plan.counts().unchanged as usize, people.len());
            Ok(())
        })?;
    }

    #[test]
    fn any_error_means_nothing_is_written(people in people(), bad in any::<prop::sample::Index>(), kind in 0u8..3) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let district = setup(&h).await;
            let mut text = csv(&people, "a.example");
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let i = 1 + bad.index(lines.len() - 1);
            let cells: Vec<&str> = lines[i].split(',').collect();
            lines[i] = match kind {
                0 => format!("{},{},,{},99,{}", cells[0], cells[1], cells[3], cells[5]), // no last name, bad grade
                1 => format!("{},{},{},{},{},Nowhere High", cells[0], cells[1], cells[2], cells[3], cells[4]),
                _ => format!("{},{},{},not-an-email,{},{}", cells[0], cells[1], cells[2], cells[4], cells[5]),
            };
            text = lines.join("\r\n");
            let (plan, outcome) = import(&h, district, &text, &ImportOptions::default()).await;
            prop_assert!(plan.has_errors());
            prop_assert!(plan.issues().iter().filter(|x| x.is_error()).all(|x| x.row == Some(i as u32 + 1)), "errors name the bad row");
            prop_assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Refused);
            prop_assert!(snapshot(&h, district).await.is_empty());
            Ok(())
        })?;
    }

    #[test]
    fn planning_is_deterministic(people in people(), sync in any::<bool>()) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let district = setup(&h).await;
            let half = &people[..people.len() / 2];
            import(&h, district, &csv(half, "a.example"), &ImportOptions::default()).await.1.unwrap();
            let data = read(csv(&people, "a.example").as_bytes(), "people.csv", &ReadOptions::default()).unwrap();
            let options = ImportOptions { sync, create_org_units: true, ..ImportOptions::default() };
            let first = h.directory.plan_import(&h.admin, district, &data, &options).await.unwrap();
            let second = h.directory.plan_import(&h.admin, district, &data, &options).await.unwrap();
            prop_assert_eq!(first, second);
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the file and the mode, and whoever planned it, a plan applied by an importer
    /// who holds Import Users over Lincoln only leaves every Washington user as they were, and
    /// the plan's answers for a Washington user's Local ID never name them.
    #[test]
    fn a_building_importer_never_changes_nor_names_anyone_outside_their_building(
        people in people(),
        file in people(),
        mode in 0u8..3,
        planned_by_system in any::<bool>(),
    ) {
        run(async {
            let h = Harness::new(Backend::Memory).await;
            let district = setup(&h).await;
            import(&h, district, &csv(&people, "a.example"), &ImportOptions::default()).await.1.unwrap();
            let d = &h.directory;
            let lincoln = d.org_tree(&h.admin, district).await.unwrap().units().find(|u| u.name == "Lincoln").unwrap().id;
            let role = d.create_role(&h.admin, district, "Lincoln Importer", [Permission::ViewUsers, Permission::ImportUsers].into_iter().collect::<PermissionSet>()).await.unwrap();
            let me = d.create_user(&h.admin, district, UserDetails::new(UserKind::Staff, "Ivan", "Importer").in_org_unit(lincoln)).await.unwrap();
            d.grant_role(&h.admin, district, me.id, role.id, Scope::unit(lincoln)).await.unwrap();
            let importer = Actor::user(district, me.id);
            let outside: Vec<User> = snapshot(&h, district).await.into_iter().filter(|u| !u.details.org_units.contains(&lincoln)).collect();

            let options = ImportOptions {
                mode: [ImportMode::Upsert, ImportMode::CreateOnly, ImportMode::UpdateOnly][usize::from(mode)],
                ..ImportOptions::default()
            };
            let data = read(csv(&file, "b.example").as_bytes(), "people.csv", &ReadOptions::default()).unwrap();
            let planner = if planned_by_system { h.admin.clone() } else { importer.clone() };
            let plan = d.plan_import(&planner, district, &data, &options).await.unwrap();
            if !planned_by_system {
                for (row, person) in plan.rows().iter().zip(&file) {
                    let Some(held) = outside.iter().find(|u| u.details.local_id.as_ref().map(|l| l.as_str()) == Some(format!("{:05}", person.id).as_str())) else { continue };
                    let name = held.details.name.display();
                    for issue in plan.issues().iter().filter(|i| i.row == Some(row.source.row) && i.column.as_deref() == Some("Local ID")) {
                        prop_assert!(!issue.message.contains(&name), "{} named in {:?}", name, issue);
                        prop_assert!(["user_not_found", "user_exists", "taken"].contains(&issue.code.as_str()), "{:?}", issue);
                    }
                }
            }
            let _ = h.apply_plan(&importer, district, &plan, Approval::Approved).await;
            let after = snapshot(&h, district).await;
            for user in &outside {
                let now = after.iter().find(|u| u.id == user.id).unwrap();
                prop_assert_eq!(now, user, "a user outside Lincoln changed");
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn a_failed_write_leaves_no_partial_import_whichever_write_fails() {
    use std::sync::Arc;
    let file = "Local ID,First Name,Last Name,Grade,Building,Roles\r\nA1,Ada,L,6,Lincoln,\r\nA2,Bo,M,7,Newtown,Observer\r\nA3,Cy,N,8,Lincoln,\r\n";
    let sync_file = "Local ID,First Name,Last Name,Grade,Building\r\nA1,Ada,King,6,Lincoln\r\n";
    for fail_at in 1..=8 {
        // A storage that fails its N-th write: whatever N, an import leaves all or nothing.
        let storage = Arc::new(homeroom_tests::race::Hooked::new(
            Arc::new(homeroom_memory::MemoryStorage::new()),
            homeroom_tests::race::FailNth::at(fail_at),
        ));
        let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
        let d = Directory::new(
            storage.clone() as Arc<dyn Storage>,
            clock,
            Arc::new(SequentialIds::new(1)),
        );
        let admin = Actor::system("faults");
        let leases = homeroom_memory::MemoryLeases::new();
        let ttl = chrono::Duration::minutes(2);
        let setup = async {
            let district = d.create_district(&admin, "F").await?.id;
            d.create_org_unit(&admin, district, NewOrgUnit::school("Lincoln"))
                .await?;
            Ok::<_, Error>(district)
        };
        let Ok(district) = setup.await else { continue }; // the fault hit the setup itself
        let options = ImportOptions {
            create_org_units: true,
            sync: true,
            guard: SyncGuard {
                max_deactivate_percent: None,
                ..SyncGuard::default()
            },
            ..ImportOptions::default()
        };
        for text in [file, sync_file] {
            let before_users = storage
                .search_users(
                    district,
                    &UserQuery {
                        limit: 100,
                        ..UserQuery::default()
                    },
                )
                .await
                .unwrap();
            let before_units = storage.org_units(district).await.unwrap().len();
            let data = read(text.as_bytes(), "f.csv", &ReadOptions::default()).unwrap();
            let plan = d
                .plan_import(&admin, district, &data, &options)
                .await
                .unwrap();
            let lease = leases
                .try_acquire(&Lease::sync_name(district), "faults", ttl)
                .await
                .unwrap()
                .unwrap();
            let held = HeldLease::new(&leases, &lease, ttl);
            let applied = d
                .apply_sync(&admin, district, &plan, Approval::Approved, held, &|_| {})
                .await;
            leases.release(&lease).await.unwrap();
            match applied {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Unavailable, "fail_at {fail_at}");
                    let after = storage
                        .search_users(
                            district,
                            &UserQuery {
                                limit: 100,
                                ..UserQuery::default()
                            },
                        )
                        .await
                        .unwrap();
                    assert_eq!(
                        after, before_users,
                        "fail_at {fail_at}: users changed by a failed import"
                    );
                    assert_eq!(
                        storage.org_units(district).await.unwrap().len(),
                        before_units
                    );
                }
            }
        }
    }
}
