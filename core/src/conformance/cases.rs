//! The cases. Each is an `async fn` that panics when the backend breaks a rule, and takes what
//! it runs on: one fresh store (`Arc<dyn Storage>`), two handles on one database (`Replicas`),
//! or their leases (`LeasePair`, so the case runs only on a backend that offers leases).
//! `CASES` lists them; nothing else repeats their names.
//!
//! One submodule per concept of the [storage contract](crate::storage); `support` holds the
//! assertions, reads and paging helpers they share.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // the kit fails tests by panicking

mod acting_stamp;
mod activity;
mod atomicity;
mod authz;
mod cached_authority;
mod chunks;
mod concurrency;
mod devices;
mod districts;
mod filters;
mod isolation;
mod items;
mod leases;
mod paging;
mod passwords;
mod races;
mod records;
mod stamps;
mod support;
mod text_search;
mod transfers;
mod users;
mod versions;

use super::Case;
use super::kit::{needs_leases, start};

macro_rules! cases {
    ($($module:ident: [$($name:ident),* $(,)?]),* $(,)?) => {
        /// Every case of the kit, in the order the tests are listed.
        pub static CASES: &[Case] = &[
            $($(Case {
                name: stringify!($name),
                needs_leases: needs_leases($module::$name),
                run: |setup| start($module::$name, setup),
            }),*),*
        ];
    };
}

cases! {
    districts: [
        insert_district_then_read,
        district_name_is_unique_regardless_of_case,
        renamed_district_is_found_by_its_new_name_only,
        stale_district_update_is_a_conflict,
        org_units_read_back_exactly_after_rename_and_move,
        org_unit_code_is_unique_per_district_regardless_of_case,
        stale_org_unit_update_is_a_conflict,
        rows_naming_a_missing_district_are_not_found,
    ],
    users: [
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
    ],
    stamps: [
        import_stamps_list_managed_users_as_stored,
        import_stamps_follow_updates,
    ],
    versions: [
        update_with_expected_version_stores_the_row,
        stale_update_is_a_conflict,
        update_of_missing_user_is_not_found,
        delete_of_missing_user_is_not_found,
        stale_delete_is_a_conflict,
        deleted_user_is_gone_and_its_keys_are_free,
    ],
    atomicity: [
        ops_apply_in_order_within_a_set,
        email_can_move_between_users_in_one_set,
        failed_set_leaves_nothing_behind_on_duplicate_key,
        failed_set_leaves_nothing_behind_on_stale_version,
        failed_set_does_not_create_its_district,
        first_failing_op_decides_the_error,
    ],
    chunks: [
        chunked_set_applies_every_chunk_in_order,
        chunked_set_leaves_nothing_when_a_later_chunk_fails,
        chunked_set_leaves_nothing_when_a_chunk_cannot_be_produced,
    ],
    isolation: [
        users_are_invisible_from_other_districts,
        search_never_crosses_districts,
        activity_never_crosses_districts,
        org_units_never_cross_districts,
        writes_cannot_reach_into_another_district,
    ],
    text_search: [
        text_search_matches_name_prefixes,
        text_search_matches_identifier_prefixes,
        text_search_matches_prefixes_not_substrings,
        text_search_treats_wildcards_literally,
        text_search_follows_updates,
    ],
    filters: [
        search_filters_by_kind_and_grade,
        search_filters_by_org_units_any_of,
        search_filters_by_scope_alone_and_with_org_units,
        search_filters_by_status_and_access,
        search_agrees_with_reference_matching,
    ],
    paging: [
        search_orders_by_sort_key_then_id,
        search_total_ignores_cursor_and_limit,
        search_limit_is_respected_and_clamped,
        paging_returns_every_match_once_in_order,
        paging_is_stable_under_inserts,
    ],
    activity: [
        activity_is_read_back_newest_first,
        activity_pages_with_cursor_and_total,
        activity_is_filtered_by_subject,
    ],
    concurrency: [
        concurrent_updates_of_one_version_have_one_winner,
        concurrent_update_and_delete_have_one_winner,
        concurrent_inserts_of_one_email_have_one_winner,
        concurrent_updates_taking_one_email_have_one_winner,
        concurrent_independent_inserts_all_succeed,
        retried_concurrent_updates_lose_nothing,
    ],
    races: [
        racing_updates_from_two_handles_have_one_winner,
        racing_inserts_of_one_key_from_two_handles_have_one_winner,
        racing_authz_changes_from_two_handles_have_one_winner,
        retried_updates_from_two_handles_lose_nothing,
        racing_lease_acquisitions_from_two_handles_have_one_winner,
        racing_outbox_claims_from_two_handles_have_one_winner,
    ],
    leases: [
        a_free_lease_is_acquired,
        a_held_lease_is_refused_to_others,
        the_holder_reacquires_with_a_greater_token,
        lease_tokens_always_increase,
        renewal_extends_the_lease_and_keeps_its_token,
        an_expired_lease_is_taken_over,
        a_lost_lease_can_neither_be_renewed_nor_released,
        releasing_twice_is_harmless,
        ttls_below_a_millisecond_are_clamped,
        of_many_racing_acquirers_exactly_one_wins,
    ],
    authz: [
        roles_read_back_and_names_are_unique_regardless_of_case,
        stale_role_update_is_a_conflict,
        grants_read_back_by_holder_and_district,
        grant_for_missing_holder_or_role_is_not_found,
        deleted_grant_is_gone_and_stale_delete_is_a_conflict,
        failed_set_leaves_no_role_or_grant_behind,
        roles_and_grants_never_cross_districts,
        role_application_permissions_read_back_and_update,
    ],
    records: [
        records_page_newest_first_per_user_and_kind,
        record_counts_count_by_kind,
        user_records_list_every_record_up_to_the_limit,
        a_device_cannot_be_out_twice,
        concurrent_checkouts_of_one_device_have_one_winner,
        stale_record_update_is_a_conflict,
        record_for_a_missing_user_is_not_found,
        failed_set_leaves_no_record_behind,
        records_never_cross_districts,
        user_with_records_cannot_be_deleted,
    ],
    devices: [
        device_records_list_every_holder_newest_first,
        device_records_never_cross_districts,
        deleted_record_is_gone_and_stale_delete_is_a_conflict,
    ],
    transfers: [
        record_moves_to_another_user_with_its_provenance,
        failed_move_leaves_records_with_their_user,
        item_given_to_another_owner_outlives_the_old_owner_deleted_with_it,
    ],
    passwords: [
        password_is_read_back_and_replaced,
        password_for_a_missing_user_is_not_found,
        password_goes_with_its_user_and_survives_a_failed_set,
        passwords_never_cross_districts,
    ],
    acting_stamp: [
        acting_stamp_reads_the_district_and_the_actor,
        acting_stamp_sees_the_writes_of_another_handle,
    ],
    cached_authority: [
        cached_authority_follows_grant_role_and_tree_changes_of_another_replica,
        cached_authority_follows_the_actors_own_changes_on_another_replica,
    ],
    items: [
        item_reads_back_every_attribute,
        items_are_listed_by_kind_in_id_order,
        item_filters_narrow_by_owner_status_and_due_time,
        item_key_is_unique_per_kind_in_a_district,
        item_writes_check_versions,
        item_owner_must_exist_and_takes_their_items_along,
        items_never_cross_districts,
        racing_item_updates_have_one_winner,
    ],
}
