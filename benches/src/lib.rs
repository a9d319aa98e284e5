//! Shared fixtures for the benches.
//!
//! Every bench and example here runs on mimalloc, as a host that imports at scale would:
//! glibc's allocator spends much of a large import in `malloc_consolidate` after big frees.
//! Build with `--features system-allocator` to measure on the system allocator instead.

pub mod bare;
pub mod district;
pub mod files;
pub mod graduation;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod roster;

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use homeroom::records::{Device, IncidentKind, InvoiceLine, Payment};
use homeroom::{
    Actor, Directory, DistrictId, ManualClock, NewCheckout, NewIncident, NewOrgUnit, SequentialIds,
    Storage, UserDetails, UserId, UserKind,
};
use rust_decimal::Decimal;

#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A directory over `storage` with a manual clock, and a busy student: 50 checkouts (49
/// returned), 20 incidents, 30 invoices with payments, 40 staff notes.
pub async fn busy_profile(
    storage: Arc<dyn Storage>,
) -> Result<(Directory, DistrictId, UserId), homeroom::Error> {
    let start = Utc
        .with_ymd_and_hms(2026, 8, 1, 7, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let directory = Directory::new(storage, clock.clone(), Arc::new(SequentialIds::new(7)));
    let admin = Actor::system("bench");
    let district = directory.create_district(&admin, "Bench USD").await?.id;
    let school = directory
        .create_org_unit(&admin, district, NewOrgUnit::school("Bench High"))
        .await?;
    let mut details = UserDetails::new(UserKind::Student, "Busy", "Student")
        .with_local_id("B-1")
        .map_err(|e| homeroom::Error::Invalid {
            entity: homeroom::Entity::User,
            errors: e.at("local_id").into(),
        })?
        .in_org_unit(school.id);
    details.aup_signed = true;
    details.fee_paid = true;
    let user = directory.create_user(&admin, district, details).await?.id;
    let day = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default();
    for i in 0..50 {
        let out = NewCheckout {
            device: Device::tagged(format!("BH-{i:04}")),
            loaner: i % 5 == 0,
            condition: Some("good".into()),
        };
        let receipt = directory
            .checkout_device(&admin, district, user, out)
            .await?;
        clock.advance(Duration::days(3));
        if i < 49 {
            directory
                .check_in_device(
                    &admin,
                    district,
                    receipt.record.id,
                    receipt.record.version,
                    None,
                )
                .await?;
        }
    }
    for i in 0..20 {
        let incident = NewIncident {
            kind: IncidentKind::Damage,
            description: format!("incident {i}"),
            occurred_on: day,
            device: Some(Device::tagged(format!("BH-{i:04}"))),
            repair_cost: Some(Decimal::new(4999, 2)),
        };
        directory
            .record_incident(&admin, district, user, incident)
            .await?;
    }
    for i in 0..30 {
        let lines = vec![InvoiceLine {
            description: format!("charge {i}"),
            amount: Decimal::new(2500 + i, 2),
        }];
        let invoice = directory
            .add_invoice(&admin, district, user, lines, None)
            .await?;
        let payment = Payment {
            amount: Decimal::new(1000, 2),
            paid_on: day,
            method: None,
        };
        directory
            .record_payment(&admin, district, invoice.id, invoice.version, payment)
            .await?;
    }
    for i in 0..40 {
        directory
            .add_note(&admin, district, user, &format!("note {i}"))
            .await?;
    }
    Ok((directory, district, user))
}
