//! The pure apply step: what a plan writes, checked without storage or a clock.

use uuid::Uuid;

use super::*;
use crate::activity::{ActivityEntry, FieldChange, Subject};
use crate::clock::SequentialIds;
use crate::directory::import::fixtures::{at, district, plan, stored};
use crate::directory::import::packed_details::PackedDetails;
use crate::directory::import::plan_types::{Deactivation, GuardTrip};
use crate::model::RecordStatus;
use crate::model::{UserDetails, UserKind};
use crate::password::Password;
use crate::password::PasswordCredential;
use crate::storage::ItemBody;

fn create(first: &str, temporary_password: Option<Password>) -> RowAction {
    RowAction::Create {
        details: PackedDetails::pack(&UserDetails::new(UserKind::Student, first, "Lovelace"))
            .unwrap(),
        status: RecordStatus::Active,
        grants: Vec::new(),
        temporary_password,
    }
}

fn who() -> ActorRef {
    ActorRef {
        user: None,
        name: "nightly sync".into(),
        acting_as: None,
    }
}

/// Applies `plan` over an empty tree, with `stored` users and `passwords`.
fn apply(
    plan: &ImportPlan,
    stored: Vec<User>,
    passwords: HashMap<usize, PasswordHash>,
) -> Result<Applied, Error> {
    apply_welcoming(plan, stored, passwords, None)
}

/// [`apply`], queueing `welcome` for the new users.
fn apply_welcoming(
    plan: &ImportPlan,
    stored: Vec<User>,
    passwords: HashMap<usize, PasswordHash>,
    welcome: Option<WelcomeBatch>,
) -> Result<Applied, Error> {
    let district = district();
    let tree = OrgTree::new(Vec::new());
    let who = who();
    let loaded = Loaded {
        district: &district,
        tree: &tree,
        who: &who,
        stored: stored.into_iter().map(|u| (u.id, u)).collect(),
        passwords,
        welcome,
        apps: &crate::authz::Applications::new(),
        access: HashMap::new(),
    };
    change_set(plan, loaded, at(), &SequentialIds::new(7))
}

#[test]
fn created_users_their_entries_and_the_batch_share_the_one_time() {
    let plan = plan(vec![create("Ada", None), create("Bo", None)], Vec::new());
    let applied = apply(&plan, Vec::new(), HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    let ops = applied.changes.ops();
    let users: Vec<&User> = ops
        .iter()
        .filter_map(|op| match op {
            Op::InsertUser(user) => Some(&**user),
            _ => None,
        })
        .collect();
    assert_eq!(users.len(), 2);
    assert!(
        users
            .iter()
            .all(|u| u.created_at == at() && u.updated_at == at())
    );
    assert!(
        users
            .iter()
            .all(|u| u.import_managed && u.version == Version::FIRST)
    );
    let entries: Vec<&ActivityEntry> = ops
        .iter()
        .filter_map(|op| match op {
            Op::AppendActivity(entry) => Some(entry),
            _ => None,
        })
        .collect();
    // One per user and one for the batch, all of this batch, at the one time.
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.at == at()));
    assert!(
        entries
            .iter()
            .all(|e| e.import_batch == Some(applied.batch))
    );
    assert_eq!(
        entries.last().map(|e| &e.subject),
        Some(&Subject::ImportBatch(applied.batch))
    );
}

#[test]
fn the_district_version_is_bumped_from_the_planned_one() {
    let plan = plan(vec![create("Ada", None)], Vec::new());
    let applied = apply(&plan, Vec::new(), HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    let bump = applied.changes.ops().iter().find_map(|op| match op {
        Op::UpdateDistrict { district, expected } => Some((district.version, *expected)),
        _ => None,
    });
    assert_eq!(
        bump,
        Some((plan.district_version.next(), plan.district_version))
    );
}

#[test]
fn a_temporary_password_is_set_only_for_the_row_it_was_hashed_for() {
    let password = Password::new("welcome-2026-x").unwrap_or_else(|e| panic!("{e:?}"));
    let hash = PasswordHash::new(&password, [3; 16]).unwrap_or_else(|e| panic!("{e:?}"));
    let plan = plan(
        vec![create("Ada", None), create("Bo", Some(password))],
        Vec::new(),
    );
    let passwords = HashMap::from([(1, hash.clone())]);
    let applied = apply(&plan, Vec::new(), passwords).unwrap_or_else(|e| panic!("{e}"));
    let ops = applied.changes.ops();
    let bo = ops.iter().find_map(|op| match op {
        Op::InsertUser(user) if user.details.name.first == "Bo" => Some(user.id),
        _ => None,
    });
    let set: Vec<(UserId, &PasswordCredential)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::SetPassword {
                user, credential, ..
            } => Some((*user, credential)),
            _ => None,
        })
        .collect();
    assert_eq!(set.len(), 1);
    assert_eq!(Some(set[0].0), bo);
    assert_eq!(set[0].1.hash, hash);
    assert!(set[0].1.must_change);
    assert_eq!(set[0].1.set_at, at());
}

#[test]
fn an_update_or_deactivation_keeps_what_the_plan_does_not_change() {
    let carl = stored("Carl", 10);
    let dee = stored("Dee", 11);
    let mut details = carl.details.clone();
    details.job_title = Some("Aide".into());
    let update = RowAction::Update {
        user: carl.id,
        expected: carl.version,
        details: PackedDetails::pack(&details).unwrap(),
        status: RecordStatus::Active,
        changes: vec![FieldChange {
            field: "job_title".into(),
            old: None,
            new: Some("Aide".into()),
        }],
        grants: Vec::new(),
    };
    let gone = Deactivation {
        user: dee.id,
        expected: dee.version,
        name: "Dee Stored".into(),
        local_id: None,
    };
    let plan = plan(vec![update], vec![gone]);
    let applied = apply(&plan, vec![carl.clone(), dee.clone()], HashMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let updates: HashMap<UserId, (&User, Version)> = applied
        .changes
        .ops()
        .iter()
        .filter_map(|op| match op {
            Op::UpdateUser { user, expected } => Some((user.id, (&**user, *expected))),
            _ => None,
        })
        .collect();
    let (new_carl, expected) = updates[&carl.id];
    assert_eq!(expected, carl.version);
    assert_eq!(new_carl.details, details);
    assert_eq!(new_carl.created_at, carl.created_at);
    assert_eq!(new_carl.updated_at, at());
    assert_eq!(new_carl.version, carl.version.next());
    let (new_dee, _) = updates[&dee.id];
    assert_eq!(new_dee.status, RecordStatus::Inactive);
    assert_eq!(new_dee.details, dee.details);
    assert_eq!(new_dee.updated_at, at());
}

#[test]
fn a_user_changed_away_since_loading_is_not_found_and_nothing_is_built() {
    let carl = stored("Carl", 10);
    let gone = Deactivation {
        user: carl.id,
        expected: carl.version,
        name: "Carl Stored".into(),
        local_id: None,
    };
    let plan = plan(Vec::new(), vec![gone]);
    let err = apply(&plan, Vec::new(), HashMap::new()).map(|a| a.changes.len());
    assert!(matches!(err, Err(Error::NotFound { .. })), "{err:?}");
}

#[test]
fn a_plan_for_another_district_or_held_without_approval_is_refused() {
    let mut held = plan(vec![create("Ada", None)], Vec::new());
    assert!(refuse_unapplicable(&held, district().id, Approval::Required).is_ok());
    let other = DistrictId::from_uuid(Uuid::from_u128(2));
    assert!(refuse_unapplicable(&held, other, Approval::Approved).is_err());
    held.held.push(GuardTrip {
        what: "update",
        count: 9,
        of: 10,
        limit: "50%".into(),
    });
    let refused = refuse_unapplicable(&held, district().id, Approval::Required);
    assert!(matches!(
        refused,
        Err(Error::Refused {
            reason: Refusal::ImportHeld,
            ..
        })
    ));
    assert!(refuse_unapplicable(&held, district().id, Approval::Approved).is_ok());
}

#[test]
fn a_district_changed_since_planning_is_a_conflict() {
    let plan = plan(vec![create("Ada", None)], Vec::new());
    assert!(refuse_stale_district(&plan, &district()).is_ok());
    let moved = District {
        version: district().version.next(),
        ..district()
    };
    let err = refuse_stale_district(&plan, &moved).map_err(|e| e.kind());
    assert_eq!(err, Err(crate::ErrorKind::Conflict));
}

#[test]
fn welcomes_are_queued_with_the_new_users_due_when_asked_from_the_districts_template() {
    let mut with_address = UserDetails::new(UserKind::Staff, "Grace", "Hopper");
    with_address.email = Some(crate::model::Email::parse("grace@maple.example").unwrap());
    let rows = vec![
        RowAction::Create {
            details: PackedDetails::pack(&with_address).unwrap(),
            status: RecordStatus::Active,
            grants: Vec::new(),
            temporary_password: None,
        },
        create("Ada", None), // no address: no welcome
    ];
    let plan = plan(rows, Vec::new());
    let due = at() + chrono::Duration::days(14);
    let template = crate::messaging::MessageTemplate::new(
        MessagePurpose::Welcome,
        "Hello {{ first_name }} from {{ district_name }}",
        "Welcome, {{ username }}.",
    );
    let batch = WelcomeBatch {
        due,
        template: Some(template),
    };
    let applied = apply_welcoming(&plan, Vec::new(), HashMap::new(), Some(batch))
        .unwrap_or_else(|e| panic!("{e}"));
    let ops = applied.changes.ops();
    let grace = ops
        .iter()
        .find_map(|op| match op {
            Op::InsertUser(user) if user.details.name.first == "Grace" => Some(user.id),
            _ => None,
        })
        .unwrap();
    let queued: Vec<&crate::storage::Item> = ops
        .iter()
        .filter_map(|op| match op {
            Op::InsertItem(item) if item.kind == crate::messaging::OutboxMessage::KIND => {
                Some(item)
            }
            _ => None,
        })
        .collect();
    assert_eq!(queued.len(), 1, "one welcome: Ada has no address");
    let item = queued[0];
    assert_eq!(item.owner, Some(grace));
    assert_eq!(item.due, Some(due));
    let message: crate::messaging::OutboxMessage = item.decode().unwrap();
    assert_eq!(message.purpose, MessagePurpose::Welcome);
    assert_eq!(message.to_address, "grace@maple.example");
    assert_eq!(message.content.subject, "Hello Grace from Maple Valley USD");
    // Without a batch nothing is queued.
    let applied = apply(&plan, Vec::new(), HashMap::new()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !applied
            .changes
            .ops()
            .iter()
            .any(|op| matches!(op, Op::InsertItem(item) if item.kind == crate::messaging::OutboxMessage::KIND))
    );
}
