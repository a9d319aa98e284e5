//! Every command reads the clock once: a row it writes and the activity-log entry that records
//! it carry the same time, even under a clock that moves on every read. Run over every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, Utc};
use homeroom::records::{Device, RecordBody};
use homeroom::*;
use homeroom_tests::{Backend, Harness};

/// A district with a student who may take a device, under a stepping clock.
async fn scene(backend: Backend) -> (Harness, DistrictId, User) {
    let h = Harness::with_stepping_clock(backend).await;
    let (district, _) = h.district_with_schools(&[]).await;
    let mut details = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
    details.aup_signed = true;
    details.fee_paid = true;
    let ada = h.member(district, details).await;
    (h, district, ada)
}

/// The time of the newest entry in `user`'s activity log.
async fn last_logged(h: &Harness, district: DistrictId, user: UserId) -> DateTime<Utc> {
    let page = h
        .directory
        .user_activity(&h.admin, district, user, None, 1)
        .await
        .unwrap();
    page.items[0].at
}

#[tokio::test]
async fn a_created_users_timestamps_are_its_log_entrys_time() {
    for backend in Backend::ALL {
        let (h, district, ada) = scene(*backend).await;
        assert_eq!(ada.created_at, ada.updated_at, "{backend:?}");
        assert_eq!(
            last_logged(&h, district, ada.id).await,
            ada.created_at,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn an_updated_users_time_is_its_log_entrys_time() {
    for backend in Backend::ALL {
        let (h, district, ada) = scene(*backend).await;
        let mut details = ada.details.clone();
        details.job_title = Some("Analyst".into());
        let ada = h
            .directory
            .update_user(&h.admin, district, ada.id, ada.version, details)
            .await
            .unwrap();
        assert_eq!(
            last_logged(&h, district, ada.id).await,
            ada.updated_at,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_checkout_and_its_return_carry_their_log_entries_times() {
    for backend in Backend::ALL {
        let (h, district, ada) = scene(*backend).await;
        let d = &h.directory;
        let out = NewCheckout {
            device: Device::tagged("CB-1"),
            loaner: false,
            condition: None,
        };
        let receipt = d
            .checkout_device(&h.admin, district, ada.id, out)
            .await
            .unwrap();
        let RecordBody::Checkout(checkout) = &receipt.record.body else {
            panic!("not a checkout")
        };
        assert_eq!(
            last_logged(&h, district, ada.id).await,
            checkout.checked_out_at,
            "{backend:?}"
        );
        let back = d
            .check_in_device(
                &h.admin,
                district,
                receipt.record.id,
                receipt.record.version,
                None,
            )
            .await
            .unwrap();
        let RecordBody::Checkout(checkout) = &back.body else {
            panic!("not a checkout")
        };
        assert_eq!(
            Some(last_logged(&h, district, ada.id).await),
            checkout.checked_in_at,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn an_imported_users_timestamps_are_its_log_entrys_time() {
    for backend in Backend::ALL {
        let h = Harness::with_stepping_clock(*backend).await;
        let (district, _) = h.district_with_schools(&["Lincoln Middle"]).await;
        let csv = "Local ID,First Name,Last Name,Building\nS1,Bo,Brown,Lincoln Middle\n";
        let data = homeroom::import::read_csv(
            csv.as_bytes(),
            "users.csv",
            &homeroom::import::ReadOptions::default(),
        )
        .unwrap();
        let d = &h.directory;
        let options = ImportOptions::default();
        let plan = d
            .plan_import(&h.admin, district, &data, &options)
            .await
            .unwrap();
        d.apply_import(&h.admin, district, &plan, Approval::Required, &|_| {})
            .await
            .unwrap();
        let bo = d
            .search_users(&h.admin, district, &UserSearch::text("brown"))
            .await
            .unwrap()
            .items
            .remove(0);
        assert_eq!(bo.created_at, bo.updated_at, "{backend:?}");
        assert_eq!(
            last_logged(&h, district, bo.id).await,
            bo.created_at,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_transfer_and_a_request_carry_their_log_entries_times() {
    for backend in Backend::ALL {
        let (h, district, ada) = scene(*backend).await;
        let d = &h.directory;
        let bo = h
            .member(district, UserDetails::new(UserKind::Student, "Bo", "B"))
            .await;
        let note = d.add_note(&h.admin, district, ada.id, "n").await.unwrap();
        let plan = d
            .plan_transfer(
                &h.admin,
                district,
                ada.id,
                bo.id,
                homeroom::transfer::TransferOptions::default(),
            )
            .await
            .unwrap();
        d.apply_transfer(&h.admin, &plan).await.unwrap();
        let moved = d
            .storage()
            .record(district, note.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            last_logged(&h, district, bo.id).await,
            moved.provenance[0].at,
            "{backend:?}"
        );
        assert_eq!(
            last_logged(&h, district, ada.id).await,
            moved.provenance[0].at,
            "{backend:?}"
        );

        let current = d.district(&h.admin, district).await.unwrap();
        let mut settings = current.settings.clone();
        settings.profile_update_requests = true;
        d.update_district_settings(&h.admin, district, current.version, settings)
            .await
            .unwrap();
        let mut asked = bo.details.clone();
        asked.phones.home = Some("555-0100".into());
        let sent = d
            .submit_profile_update(&Actor::user(district, bo.id), district, asked)
            .await
            .unwrap();
        assert_eq!(
            last_logged(&h, district, bo.id).await,
            sent.submitted_at,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn an_application_access_change_carries_its_log_entrys_time() {
    for backend in Backend::ALL {
        let (h, district, ada) = scene(*backend).await;
        let h = h.knowing_apps();
        let d = &h.directory;
        d.set_application_access(&h.admin, district, ada.id, "helpdesk", true)
            .await
            .unwrap();
        let tab = d
            .application_access(&h.admin, district, ada.id)
            .await
            .unwrap();
        let changed_at = tab[0].changed_at.unwrap();
        assert_eq!(
            last_logged(&h, district, ada.id).await,
            changed_at,
            "{backend:?}"
        );
    }
}
