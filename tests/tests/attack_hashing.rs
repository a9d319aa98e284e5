//! A flood of sign-ins against a host's async workers: every Argon2 hash runs on the runner the
//! host gave the directory, and no more than the cap run at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use homeroom::password::{HashRunner, Password};
use homeroom::*;
use homeroom_tests::Backend;

/// A blocking-pool runner that counts its jobs and how many ran at once.
#[derive(Debug, Default)]
struct CountingPool {
    jobs: AtomicUsize,
    running: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl HashRunner for CountingPool {
    async fn run(&self, job: Box<dyn FnOnce() + Send + 'static>) {
        self.jobs.fetch_add(1, Ordering::SeqCst);
        let (running, most) = (Arc::clone(&self.running), Arc::clone(&self.most));
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            job();
            running.fetch_sub(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_sign_in_flood_hashes_on_the_hosts_pool_a_few_at_a_time() {
    let pool = Arc::new(CountingPool::default());
    let clock = Arc::new(ManualClock::new(chrono::DateTime::UNIX_EPOCH));
    let directory = Directory::new(
        Backend::Memory.storage().await,
        clock,
        Arc::new(SequentialIds::new(7)),
    )
    .with_hash_runner(pool.clone(), 2);
    let admin = Actor::system("setup");
    let district = directory
        .create_district(&admin, "Maple Valley USD")
        .await
        .unwrap()
        .id;
    let ada = UserDetails::new(UserKind::Staff, "Ada", "L")
        .with_username("ada")
        .unwrap();
    let ada = directory.create_user(&admin, district, ada).await.unwrap();
    let password = Password::new("tulip-garden-42").unwrap();
    directory
        .set_password(&admin, district, ada.id, &password, false)
        .await
        .unwrap();
    assert_eq!(
        pool.jobs.load(Ordering::SeqCst),
        1,
        "setting a password hashes on the pool"
    );

    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let directory = directory.clone();
            tokio::spawn(async move {
                let login = if i % 2 == 0 {
                    "ada".to_owned()
                } else {
                    format!("nobody{i}")
                };
                directory
                    .verify_password(district, &login, "guess-guess-guess")
                    .await
            })
        })
        .collect();
    for attempt in attempts {
        let err = attempt.await.unwrap().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Refused {
                    reason: Refusal::SignInFailed,
                    ..
                }
            ),
            "{err}"
        );
    }
    // Wrong passwords and unknown logins alike cost one hash each, all of them on the pool.
    assert_eq!(pool.jobs.load(Ordering::SeqCst), 9);
    let most = pool.most.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&most),
        "at most two hashes at once, saw {most}"
    );
    assert!(
        directory
            .verify_password(district, "ada", "tulip-garden-42")
            .await
            .is_ok()
    );
    let after_sign_ins = pool.jobs.load(Ordering::SeqCst);

    // An import of new users with temporary passwords hashes each one on the pool too.
    let upload = "Local ID,First Name,Last Name,Username,Temporary Password\r\n\
        T1,Bo,B,bo,welcome-2026\r\nT2,Cy,C,cy,welcome-2027\r\nT3,Di,D,di,\r\n";
    let data = homeroom::import::read(upload.as_bytes(), "staff.csv", &Default::default()).unwrap();
    let plan = directory
        .plan_import(&admin, district, &data, &ImportOptions::default())
        .await
        .unwrap();
    directory
        .apply_import(&admin, district, &plan, Approval::Required, &|_| {})
        .await
        .unwrap();
    assert_eq!(
        pool.jobs.load(Ordering::SeqCst),
        after_sign_ins + 2,
        "two temporary passwords"
    );
    let bo = directory
        .verify_password(district, "bo", "welcome-2026")
        .await
        .unwrap();
    assert!(bo.must_change);
}
