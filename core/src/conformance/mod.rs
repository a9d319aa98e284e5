//! The storage conformance kit: every rule of the [storage contract](crate::storage), as named
//! cases a backend runs with one macro call.
//!
//! ```text
//! // in your backend's tests/conformance.rs
//! homeroom::storage_conformance_tests!(|case: &'static str| async move {
//!     std::sync::Arc::new(my_backend::Store::fresh_for(case).await) as std::sync::Arc<dyn homeroom::Storage>
//! });
//! ```
//!
//! The macro emits one `#[test]` per case in [`CASES`], each with a fresh store from the
//! factory (which is told the case's name, so a backend can give each case its own schema or
//! file). Cases assert error *kinds*, never messages. [`run_all`] runs the same table in one
//! call, for harnesses that prefer a single test.

mod cases;
mod fixtures;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::storage::Storage;

pub use fixtures::Fixture;

/// A boxed future, as the cases return.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One named rule of the contract.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The case's name, also the name of its generated test.
    pub name: &'static str,
    /// Runs the case against a fresh store; panics (fails the test) when the store breaks the rule.
    pub run: fn(Arc<dyn Storage>) -> CaseFuture,
}

/// Runs a future to completion on a fresh multi-threaded runtime. The generated tests use it so
/// that a backend's test crate needs no runtime attributes of its own.
pub fn block_on<F: Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => panic_with(&format!("cannot start a tokio runtime: {error}")),
    }
}

#[allow(clippy::panic)] // the kit reports a failed rule by failing the test
fn panic_with(message: &str) -> ! {
    panic!("{message}")
}

/// Finds a case by name.
pub fn case(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.name == name)
}

/// Runs the named case against the store the factory makes. Used by the generated tests.
pub async fn run_case<F, Fut>(name: &'static str, factory: F)
where
    F: FnOnce(&'static str) -> Fut,
    Fut: Future<Output = Arc<dyn Storage>>,
{
    let Some(case) = case(name) else {
        panic_with(&format!("no conformance case named {name}"));
    };
    let store = factory(name).await;
    (case.run)(store).await;
}

/// Runs every case, each on a fresh store from the factory, and returns the names of those that
/// failed (empty when the backend conforms).
pub async fn run_all<F, Fut>(factory: F) -> Vec<&'static str>
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = Arc<dyn Storage>>,
{
    let mut failed = Vec::new();
    for case in CASES {
        let store = factory(case.name).await;
        let outcome = tokio::spawn((case.run)(store)).await;
        if outcome.is_err() {
            failed.push(case.name);
        }
    }
    failed
}

pub use cases::CASES;

/// Emits one `#[test]` per conformance case for a backend.
///
/// The argument is a factory: anything callable as `factory(case_name: &'static str)` that
/// returns a future of `Arc<dyn Storage>` holding a fresh, empty store.
///
/// ```text
/// homeroom::storage_conformance_tests!(|_case: &'static str| async {
///     std::sync::Arc::new(homeroom_memory::MemoryStorage::new()) as std::sync::Arc<dyn homeroom::Storage>
/// });
/// ```
#[macro_export]
macro_rules! storage_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_emit!($factory;
            insert_district_then_read,
            district_name_is_unique_regardless_of_case,
            renamed_district_is_found_by_its_new_name_only,
            stale_district_update_is_a_conflict,
            org_units_read_back_exactly_after_rename_and_move,
            org_unit_code_is_unique_per_district_regardless_of_case,
            stale_org_unit_update_is_a_conflict,
            rows_naming_a_missing_district_are_not_found,
            insert_user_then_read_every_field,
            users_batch_read_leaves_out_unknown_ids,
            district_users_lists_everyone_in_the_district,
            local_id_lookup_is_exact,
            email_and_username_lookups_use_lower_case_keys,
            duplicate_ids_already_exist,
            local_id_is_unique_per_district,
            email_is_unique_regardless_of_case,
            username_is_unique_regardless_of_case,
            missing_identifiers_never_collide,
            identifiers_may_repeat_across_districts,
            update_that_takes_another_users_key_already_exists,
            keys_follow_updates,
            one_set_cannot_insert_the_same_key_twice,
            update_with_expected_version_stores_the_row,
            stale_update_is_a_conflict,
            update_of_missing_user_is_not_found,
            delete_of_missing_user_is_not_found,
            stale_delete_is_a_conflict,
            deleted_user_is_gone_and_its_keys_are_free,
            ops_apply_in_order_within_a_set,
            email_can_move_between_users_in_one_set,
            failed_set_leaves_nothing_behind_on_duplicate_key,
            failed_set_leaves_nothing_behind_on_stale_version,
            failed_set_does_not_create_its_district,
            first_failing_op_decides_the_error,
            users_are_invisible_from_other_districts,
            search_never_crosses_districts,
            activity_never_crosses_districts,
            org_units_never_cross_districts,
            writes_cannot_reach_into_another_district,
            text_search_matches_name_prefixes,
            text_search_matches_identifier_prefixes,
            text_search_matches_prefixes_not_substrings,
            text_search_treats_wildcards_literally,
            text_search_follows_updates,
            search_filters_by_kind_and_grade,
            search_filters_by_org_units_any_of,
            search_filters_by_scope_alone_and_with_org_units,
            search_filters_by_status_and_access,
            search_agrees_with_reference_matching,
            search_orders_by_sort_key_then_id,
            search_total_ignores_cursor_and_limit,
            search_limit_is_respected_and_clamped,
            paging_returns_every_match_once_in_order,
            paging_is_stable_under_inserts,
            activity_is_read_back_newest_first,
            activity_pages_with_cursor_and_total,
            activity_is_filtered_by_subject,
            concurrent_updates_of_one_version_have_one_winner,
            concurrent_update_and_delete_have_one_winner,
            concurrent_inserts_of_one_email_have_one_winner,
            concurrent_updates_taking_one_email_have_one_winner,
            concurrent_independent_inserts_all_succeed,
            retried_concurrent_updates_lose_nothing,
            roles_read_back_and_names_are_unique_regardless_of_case,
            stale_role_update_is_a_conflict,
            grants_read_back_by_holder_and_district,
            grant_for_missing_holder_or_role_is_not_found,
            deleted_grant_is_gone_and_stale_delete_is_a_conflict,
            failed_set_leaves_no_role_or_grant_behind,
            roles_and_grants_never_cross_districts,
            records_page_newest_first_per_user_and_kind,
            record_counts_count_by_kind,
            a_device_cannot_be_out_twice,
            concurrent_checkouts_of_one_device_have_one_winner,
            stale_record_update_is_a_conflict,
            record_for_a_missing_user_is_not_found,
            failed_set_leaves_no_record_behind,
            records_never_cross_districts,
            user_with_records_cannot_be_deleted,
            password_is_read_back_and_replaced,
            password_for_a_missing_user_is_not_found,
            password_goes_with_its_user_and_survives_a_failed_set,
            passwords_never_cross_districts,
            item_reads_back_every_attribute,
            items_are_listed_by_kind_in_id_order,
            item_filters_narrow_by_owner_status_and_due_time,
            item_key_is_unique_per_kind_in_a_district,
            item_writes_check_versions,
            item_owner_must_exist_and_takes_their_items_along,
            items_never_cross_districts,
            racing_item_updates_have_one_winner,
        );
    };
}

/// Emits the tests; the list of names is checked against [`CASES`] by a generated test.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_emit {
    ($factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::conformance::block_on($crate::conformance::run_case(stringify!($case), $factory));
            }
        )*

        #[test]
        fn conformance_macro_lists_every_case() {
            let listed: &[&str] = &[$(stringify!($case)),*];
            let table: Vec<&str> = $crate::conformance::CASES.iter().map(|c| c.name).collect();
            assert_eq!(listed, table.as_slice(), "the macro and the CASES table disagree");
        }
    };
}
