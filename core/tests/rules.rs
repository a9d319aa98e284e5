//! Property tests of the value rules: grades, identifiers, field diffs, the org tree, queries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;

use chrono::DateTime;
use std::borrow::Cow;

use homeroom::activity::diff_fields;
use homeroom::*;
use proptest::prelude::*;
use uuid::Uuid;

proptest! {
    #[test]
    fn numbered_grades_parse_in_every_spelling(n in 1u8..=12, pad in any::<bool>(), prefix in any::<bool>(), spaces in any::<bool>()) {
        let mut text = if pad { format!("{n:02}") } else { n.to_string() };
        if prefix { text = format!("Grade {text}"); }
        if spaces { text = format!(" {text}\t"); }
        prop_assert_eq!(Grade::parse(&text).unwrap(), Grade::Numbered(n));
    }

    #[test]
    fn out_of_range_grades_are_refused(n in prop_oneof![Just(0u32), 13u32..10_000]) {
        let err = Grade::parse(&n.to_string()).unwrap_err();
        prop_assert_eq!(err.code, ValidationCode::InvalidGrade);
    }

    #[test]
    fn a_grade_code_parses_back_to_itself(code in "[A-Za-z]{1,6}|[1-9]|1[0-2]") {
        let grade = Grade::parse(&code).unwrap();
        prop_assert_eq!(Grade::parse(&grade.code()).unwrap(), grade);
    }

    #[test]
    fn local_ids_keep_their_text_exactly(id in "[0-9A-Za-z-]{1,64}") {
        let parsed = LocalId::parse(&format!("  {id} ")).unwrap();
        prop_assert_eq!(parsed.as_str(), id.as_str());
    }

    #[test]
    fn overlong_identifiers_are_refused(id in "[0-9]{65,80}") {
        prop_assert_eq!(LocalId::parse(&id).unwrap_err().code, ValidationCode::TooLong { max: 64 });
    }

    #[test]
    fn email_keys_ignore_case_only(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}") {
        prop_assume!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
        let email = Email::parse(&format!("{local}@{domain}")).unwrap();
        let upper = Email::parse(&email.as_str().to_uppercase()).unwrap();
        prop_assert_eq!(email.key(), upper.key());
        prop_assert_eq!(email.key(), email.as_str().to_lowercase());
    }

    #[test]
    fn text_without_an_at_sign_is_not_an_email(text in "[a-z .]{1,30}") {
        prop_assert!(Email::parse(&text).is_err());
    }

    #[test]
    fn a_diff_applied_to_the_old_fields_gives_the_new(
        old in proptest::collection::btree_map("[a-e]", proptest::option::of("[xyz]{0,2}"), 0..5),
        new in proptest::collection::btree_map("[a-e]", proptest::option::of("[xyz]{0,2}"), 0..5),
    ) {
        type Fields = Vec<(Cow<'static, str>, Option<String>)>;
        let old: Fields = old.into_iter().map(|(k, v)| (k.into(), v)).collect();
        let new: Fields = new.into_iter().map(|(k, v)| (k.into(), v)).collect();
        let changes = diff_fields(&old, &new);
        let mut applied: std::collections::BTreeMap<Cow<'static, str>, Option<String>> = old.iter().cloned().collect();
        for change in &changes {
            prop_assert_ne!(&change.old, &change.new, "a change changes something");
            applied.insert(change.field.clone(), change.new.clone());
        }
        let applied: Fields = applied.into_iter().filter(|(_, v)| v.is_some()).collect();
        let expected: Fields = new.iter().filter(|(_, v)| v.is_some()).cloned().collect();
        prop_assert_eq!(applied, expected);
        prop_assert!(diff_fields(&new, &new).is_empty());
    }

    /// `with_descendants` agrees with walking each unit's ancestors.
    #[test]
    fn descendants_are_exactly_the_units_within(parents in proptest::collection::vec(any::<prop::sample::Index>(), 1..40), roots in proptest::collection::vec(any::<prop::sample::Index>(), 1..4)) {
        // Unit i hangs under a unit with a smaller index (or the district): always a tree.
        let district = DistrictId::from_uuid(Uuid::from_u128(1));
        let id = |i: usize| OrgUnitId::from_uuid(Uuid::from_u128(1000 + i as u128));
        let units: Vec<OrgUnit> = parents.iter().enumerate().map(|(i, p)| OrgUnit {
            id: id(i),
            district,
            parent: if i == 0 || p.index(3) == 0 { None } else { Some(id(p.index(i))) },
            name: format!("unit {i}"),
            code: None,
            kind: OrgUnitKind::School,
            created_at: DateTime::UNIX_EPOCH,
            version: Version::FIRST,
        }).collect();
        let tree = OrgTree::new(units.clone());
        let roots: BTreeSet<OrgUnitId> = roots.iter().map(|r| id(r.index(units.len()))).collect();
        let found = tree.with_descendants(roots.iter().copied());
        for unit in &units {
            let within = roots.iter().any(|r| tree.is_within(unit.id, *r));
            prop_assert_eq!(found.contains(&unit.id), within, "unit {}", unit.name);
        }
    }
}

fn user(first: &str, last: &str, email: Option<&str>) -> User {
    let mut details = UserDetails::new(UserKind::Staff, first, last);
    if let Some(email) = email {
        details = details.with_email(email).unwrap();
    }
    User::new(
        UserId::from_uuid(Uuid::from_u128(7)),
        DistrictId::from_uuid(Uuid::from_u128(1)),
        details,
        DateTime::UNIX_EPOCH,
    )
}

#[test]
fn text_queries_match_name_parts_full_names_and_identifiers_by_prefix() {
    let grace = user("Grace", "Hopper", Some("GHopper@Navy.mil"));
    let query = |text: &str| UserQuery {
        text: Some(text.into()),
        ..UserQuery::default()
    };
    for hit in ["gr", "hop", "grace h", "ghopper@navy", "grace hopper"] {
        assert!(query(hit).matches(&grace), "{hit} should match");
    }
    for miss in ["race", "navy", "hopper grace", "x"] {
        assert!(!query(miss).matches(&grace), "{miss} should not match");
    }
}

#[test]
fn users_sort_by_last_then_first_name_regardless_of_case() {
    let a = user("zed", "Adams", None);
    let b = user("Amy", "adams", None);
    let c = user("Al", "Baker", None);
    let mut keys = [c.sort_key(), a.sort_key(), b.sort_key()];
    keys.sort();
    assert_eq!(keys, [b.sort_key(), a.sort_key(), c.sort_key()]);
}

#[test]
fn locks_expire_and_suspensions_do_not() {
    let now = DateTime::UNIX_EPOCH;
    assert!(Access::Allowed.permits_sign_in(now));
    assert!(!Access::Suspended.permits_sign_in(now));
    let forever = Access::Locked {
        until: None,
        reason: "investigation".into(),
    };
    assert!(!forever.permits_sign_in(now + chrono::Duration::days(365)));
}

#[test]
fn storage_errors_become_directory_errors_a_caller_can_act_on() {
    let taken: Error = StorageError::AlreadyExists {
        entity: Entity::User,
        key: UniqueKey::Email,
        value: "ada@example.org".into(),
    }
    .into();
    assert_eq!(taken.kind(), ErrorKind::Invalid);
    let field = &taken.validation().unwrap().errors()[0];
    assert_eq!(
        (field.field.as_str(), &field.code),
        ("email", &ValidationCode::Taken)
    );

    let stale: Error = StorageError::Conflict {
        entity: Entity::User,
        id: "u1".into(),
        expected: 1,
        found: 2,
    }
    .into();
    assert_eq!(stale.kind(), ErrorKind::Conflict);
    let down: Error = StorageError::Unavailable {
        message: "pool timed out".into(),
        source: None,
    }
    .into();
    assert_eq!(down.kind(), ErrorKind::Unavailable);
}
