//! Property tests of passwords: the policy, hash/verify round trips, and redaction. Hashing is
//! Argon2id at 19 MiB by design, so the hashing properties run few cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use chrono::DateTime;
use homeroom::password::{Password, PasswordCredential, PasswordHash};
use homeroom::{IdGen, SequentialIds, ValidationCode};
use proptest::prelude::*;

/// Passwords the policy accepts: 8 to 40 printable characters, some of them beyond ASCII.
fn acceptable() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 !#%&*+,./:;=?@_~éßж€😀-]{8,40}"
        .prop_filter("not all spaces", |s| !s.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn a_hash_verifies_its_password_and_no_other(
        p in acceptable(),
        q in acceptable(),
        seed in any::<u64>(),
    ) {
        prop_assume!(p != q);
        let ids = SequentialIds::new(seed);
        let hash = PasswordHash::new(&Password::new(p.clone()).unwrap(), ids.salt()).unwrap();
        prop_assert!(hash.verify(&p));
        prop_assert!(!hash.verify(&q));
        // Read back from storage, it verifies the same.
        let stored = PasswordHash::from_phc(hash.as_phc()).unwrap();
        prop_assert!(stored.verify(&p));
        prop_assert!(!stored.verify(&q));
    }

    #[test]
    fn a_credential_never_prints_or_serializes_its_password(p in acceptable()) {
        let password = Password::new(p.clone()).unwrap();
        let credential = PasswordCredential::temporary(
            &password,
            &SequentialIds::new(1),
            DateTime::UNIX_EPOCH,
        )
        .unwrap();
        prop_assert!(credential.must_change);
        let shown = format!("{password:?} {password} {credential:?} {:?}", credential.hash);
        prop_assert!(!shown.contains(&p), "{shown}");
        let json = serde_json::to_string(&credential).unwrap();
        prop_assert!(!json.contains(&p));
        let back: PasswordCredential = serde_json::from_str(&json).unwrap();
        prop_assert!(back.hash.verify(&p));
    }
}

proptest! {
    #[test]
    fn the_policy_counts_characters(p in "[a-zA-Zé€😀]{0,140}") {
        let chars = p.chars().count();
        match Password::new(p) {
            Ok(_) => prop_assert!((Password::MIN_CHARS..=Password::MAX_CHARS).contains(&chars)),
            Err(e) if chars == 0 => prop_assert_eq!(e.code, ValidationCode::Required),
            Err(e) if chars < Password::MIN_CHARS => {
                prop_assert_eq!(e.code, ValidationCode::TooShort { min: Password::MIN_CHARS });
            }
            Err(e) => prop_assert_eq!(e.code, ValidationCode::TooLong { max: Password::MAX_CHARS }),
        }
    }
}
