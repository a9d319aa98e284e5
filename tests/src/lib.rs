//! Shared harness for the end-to-end tests: a [`Directory`] over each backend, a manual clock,
//! and a macro that runs one test body over every backend.
//!
//! Adding a backend is a variant with its arm in [`Backend::storage`] and one test function in
//! [`across_backends!`].

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use homeroom::{
    Actor, Approval, Clock, Directory, DistrictId, Error, HeldLease, ImportOutcome, ImportPlan,
    Lease, Leases, ManualClock, NewOrgUnit, OrgUnit, Preset, RoleId, Scope, SequentialIds, Storage,
    User, UserDetails, UserId,
};

/// A storage backend the end-to-end tests run over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `homeroom-memory`.
    Memory,
    /// `homeroom-sea` on an in-memory SQLite database.
    Sqlite,
    /// `homeroom-sea` on PostgreSQL, each store in a fresh schema of its own (see
    /// [`postgres`]). Not in [`Backend::ALL`]: [`across_backends!`] runs it only when a server
    /// is configured.
    Postgres,
}

impl Backend {
    /// Every backend, in the order tests run them.
    pub const ALL: &'static [Backend] = &[Backend::Memory, Backend::Sqlite];

    /// A fresh, empty store of this kind.
    #[allow(clippy::panic)] // test harness: a store that cannot open fails the test
    pub async fn storage(self) -> Arc<dyn Storage> {
        match self {
            Backend::Memory => Arc::new(homeroom_memory::MemoryStorage::new()),
            Backend::Sqlite => match homeroom_sea::SeaStorage::connect("sqlite::memory:").await {
                Ok(storage) => Arc::new(storage),
                Err(error) => panic!("cannot open an in-memory SQLite database: {error}"),
            },
            Backend::Postgres => Arc::new(postgres::fresh_store().await),
        }
    }
}

/// A directory over a fresh store, with the clock standing at 2026-08-01 07:00 UTC.
#[derive(Clone)]
pub struct Harness {
    /// The directory under test.
    pub directory: Directory,
    /// The clock it reads (under a stepping clock, the one that clock moves); advance it to
    /// separate events in time.
    pub clock: Arc<ManualClock>,
    /// A system actor for setting things up.
    pub admin: Actor,
    /// Which backend is underneath.
    pub backend: Backend,
    /// The leases a sync is applied under.
    pub leases: Arc<dyn Leases>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("directory", &self.directory)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Harness {
    /// A harness over a fresh store of `backend`.
    pub async fn new(backend: Backend) -> Self {
        Self::over(backend, backend.storage().await).await
    }

    /// A harness over `storage` (a fresh store of `backend`, perhaps wrapped).
    pub async fn over(backend: Backend, storage: Arc<dyn Storage>) -> Self {
        let clock = Arc::new(ManualClock::new(Self::start()));
        Self::reading(backend, storage, clock.clone(), clock)
    }

    /// A harness over a fresh PostgreSQL schema, or `None` (after saying why) when no server
    /// is configured and `HOMEROOM_REQUIRE_POSTGRES=1` is not set; with it set, a missing
    /// server fails the test instead of skipping it, as in CI.
    #[allow(clippy::panic)] // test harness: a required server that is missing fails the test
    pub async fn postgres() -> Option<Self> {
        if let Some(why) = postgres::missing() {
            if postgres::required() {
                panic!("HOMEROOM_REQUIRE_POSTGRES=1 but {why}");
            }
            eprintln!("skipped on PostgreSQL: {why}");
            return None;
        }
        Some(Self::new(Backend::Postgres).await)
    }

    /// A harness over a fresh store of `backend` whose directory knows the two test
    /// applications ([`apps::both`]).
    pub async fn with_apps(backend: Backend) -> Self {
        Self::new(backend).await.knowing_apps()
    }

    /// This harness with its directory knowing the two test applications ([`apps::both`]).
    #[must_use]
    pub fn knowing_apps(self) -> Self {
        Self {
            directory: self.directory.clone().with_applications(apps::both()),
            ..self
        }
    }

    /// A harness over a fresh store of `backend` whose clock moves a second on every read, so
    /// a command that reads the time more than once stamps different times.
    pub async fn with_stepping_clock(backend: Backend) -> Self {
        let clock = Arc::new(ManualClock::new(Self::start()));
        let stepping = Arc::new(SteppingClock::new(clock.clone(), Duration::seconds(1)));
        Self::reading(backend, backend.storage().await, clock, stepping)
    }

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0)
            .single()
            .unwrap_or_default()
    }

    /// A harness whose directory reads `reads`, which shows (or moves) `clock`.
    fn reading(
        backend: Backend,
        storage: Arc<dyn Storage>,
        clock: Arc<ManualClock>,
        reads: Arc<dyn Clock>,
    ) -> Self {
        let directory = Directory::new(storage, reads, Arc::new(SequentialIds::new(0x5eed)));
        Self {
            directory,
            leases: Arc::new(homeroom_memory::MemoryLeases::with_clock(clock.clone())),
            clock,
            admin: Actor::system("test setup"),
            backend,
        }
    }

    /// Applies a plan as a host does: a sync under the district's sync lease (taken for the
    /// call and given back), any other plan directly.
    #[allow(clippy::panic)] // test harness: a lease someone else holds fails the test
    pub async fn apply_plan(
        &self,
        actor: &Actor,
        district: DistrictId,
        plan: &ImportPlan,
        approval: Approval,
    ) -> Result<ImportOutcome, Error> {
        if !plan.is_sync() {
            return self
                .directory
                .apply_import(actor, district, plan, approval, &|_| {})
                .await;
        }
        let ttl = Duration::minutes(2);
        let name = Lease::sync_name(district);
        let lease = match self.leases.try_acquire(&name, "test run", ttl).await {
            Ok(Some(lease)) => lease,
            other => panic!("cannot take the sync lease {name}: {other:?}"),
        };
        let held = HeldLease::new(&*self.leases, &lease, ttl);
        let outcome = self
            .directory
            .apply_sync(actor, district, plan, approval, held, &|_| {})
            .await;
        let _ = self.leases.release(&lease).await;
        outcome
    }
}

pub mod apps;
pub mod clock;
pub mod mailer;
pub mod outbox;
pub mod race;

pub use clock::SteppingClock;

impl Harness {
    /// A new district, "Maple Valley USD", with a school for each of `schools`, in order.
    pub async fn district_with_schools(&self, schools: &[&str]) -> (DistrictId, Vec<OrgUnit>) {
        let d = &self.directory;
        let district = set_up(d.create_district(&self.admin, "Maple Valley USD").await).id;
        let mut units = Vec::with_capacity(schools.len());
        for name in schools {
            units.push(set_up(
                d.create_org_unit(&self.admin, district, NewOrgUnit::school(*name))
                    .await,
            ));
        }
        (district, units)
    }

    /// Creates a user with `details`, as the system actor.
    pub async fn member(&self, district: DistrictId, details: UserDetails) -> User {
        set_up(
            self.directory
                .create_user(&self.admin, district, details)
                .await,
        )
    }

    /// The district's role made from `preset`.
    pub async fn preset_role(&self, district: DistrictId, preset: Preset) -> RoleId {
        let roles = set_up(self.directory.roles(&self.admin, district).await);
        match roles.iter().find(|r| r.preset == Some(preset)) {
            Some(role) => role.id,
            None => set_up(Err(Error::NotFound {
                entity: homeroom::Entity::Role,
                id: preset.name().into(),
            })),
        }
    }

    /// Sets the district's invitation and reset links to `https://maple.example/welcome?token=`
    /// and `https://maple.example/reset?token=` (so [`outbox::token_in`] finds the token).
    pub async fn with_links(&self, district: DistrictId) {
        self.edit_settings(district, |settings| {
            settings.onboarding.invitation_link = "https://maple.example/welcome?token=".into();
            settings.onboarding.reset_link = "https://maple.example/reset?token=".into();
        })
        .await;
    }

    /// Changes the district's settings with `edit`, as the system actor, at its current version.
    pub async fn edit_settings(
        &self,
        district: DistrictId,
        edit: impl FnOnce(&mut homeroom::DistrictSettings),
    ) {
        let d = &self.directory;
        let current = set_up(d.district(&self.admin, district).await);
        let mut settings = current.settings.clone();
        edit(&mut settings);
        set_up(
            d.update_district_settings(&self.admin, district, current.version, settings)
                .await,
        );
    }

    /// Gives `user` the `preset` role over `scope`, as the system actor.
    pub async fn grant(&self, district: DistrictId, user: UserId, preset: Preset, scope: Scope) {
        let role = self.preset_role(district, preset).await;
        set_up(
            self.directory
                .grant_role(&self.admin, district, user, role, scope)
                .await,
        );
    }
}

/// Runs one property-test case's async body on a fresh current-thread runtime.
#[allow(clippy::expect_used)] // test harness: a runtime that cannot start fails the test
pub fn run_case<
    F: std::future::Future<Output = Result<(), proptest::test_runner::TestCaseError>>,
>(
    case: F,
) -> Result<(), proptest::test_runner::TestCaseError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
        .block_on(case)
}

/// The value of a setup step; a step that fails fails the test, saying which error.
#[allow(clippy::panic)] // test harness: a setup that cannot be done fails the test
pub(crate) fn set_up<T>(result: Result<T, Error>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("test setup failed: {error}"),
    }
}

/// Runs an async test body over every backend: each `async fn name(h: Harness) { ... }` becomes
/// a module `name` with one `#[tokio::test]` per backend (`name::memory`, `name::sqlite`,
/// `name::postgres`; the last skips when no PostgreSQL server is configured, see
/// [`Harness::postgres`]).
#[macro_export]
macro_rules! across_backends {
    ($(async fn $name:ident($h:ident: Harness) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn body($h: $crate::Harness) $body

                #[tokio::test]
                async fn memory() {
                    body($crate::Harness::new($crate::Backend::Memory).await).await;
                }

                #[tokio::test]
                async fn sqlite() {
                    body($crate::Harness::new($crate::Backend::Sqlite).await).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(harness) = $crate::Harness::postgres().await {
                        body(harness).await;
                    }
                }
            }
        )*
    };
}

/// The PostgreSQL server the tests may run on: `HOMEROOM_TEST_POSTGRES_URL`, or the standard
/// `PG*` variables (as `pg_virtualenv` sets them).
pub mod postgres {
    use std::sync::atomic::{AtomicU64, Ordering};

    use homeroom_sea::{SeaOptions, SeaStorage};

    const NAMES: [&str; 3] = ["HOMEROOM_TEST_POSTGRES_URL", "PGHOST", "PGDATABASE"];

    /// Why no test can run on PostgreSQL, when no server is configured.
    pub fn missing() -> Option<&'static str> {
        let configured = NAMES
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
        (!configured).then_some(
            "no PostgreSQL server configured (set HOMEROOM_TEST_POSTGRES_URL, or run under \
             pg_virtualenv, which sets PGHOST and PGDATABASE)",
        )
    }

    /// Whether PostgreSQL runs are required (`HOMEROOM_REQUIRE_POSTGRES=1`, as CI sets it).
    pub fn required() -> bool {
        std::env::var("HOMEROOM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
    }

    fn url() -> String {
        std::env::var("HOMEROOM_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| "postgres://".to_owned())
    }

    /// A store in a schema no other store of any test process uses (named by process id and
    /// a counter, and dropped first in case an earlier process with the same id left it).
    #[allow(clippy::panic)] // test harness: a server that cannot be used fails the test
    pub async fn fresh_store() -> SeaStorage {
        use sea_orm::ConnectionTrait;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let schema = format!(
            "hr_e2e_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let url = url();
        let admin = sea_orm::Database::connect(url.as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
        if let Err(e) = admin
            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
        {
            panic!("cannot drop schema {schema}: {e}");
        }
        let _ = admin.close().await;
        let options = SeaOptions::new(url)
            .schema(schema.clone())
            .max_connections(4);
        SeaStorage::connect_with(options)
            .await
            .unwrap_or_else(|e| panic!("cannot open PostgreSQL schema {schema}: {e}"))
    }
}

/// The README's usage snippet, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
