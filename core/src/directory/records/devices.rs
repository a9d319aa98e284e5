//! Opening a user from a device or an incident (the product's "from a device profile" and
//! "from an incident profile"): who holds a device now and who held it before, and whom an
//! incident is about, scoped like every read: a holder out of the actor's reach is neither
//! returned nor named, and an incident about such a user does not exist for them.

use std::collections::HashMap;

use serde::Serialize;

use super::Module;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, RecordId, UserId};
use crate::records::{DeviceKey, Record, RecordBody};
use crate::storage::{Entity, Storage};

/// A user a device or an incident leads to: enough to show a name and open their profile
/// (which the profile's own rules and audit then govern).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserLink {
    /// The user.
    pub user: UserId,
    /// Their name as people read it.
    pub name: String,
}

/// One checkout of a device, with its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceHolder {
    /// Who had it.
    pub holder: UserLink,
    /// The checkout (out while `checked_in_at` is empty).
    pub checkout: Record,
}

/// Who holds a device and who held it, as far as the actor may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceHolders {
    /// The holder now, if the device is out to someone the actor sees.
    pub current: Option<DeviceHolder>,
    /// Earlier checkouts, newest first, of holders the actor sees.
    pub past: Vec<DeviceHolder>,
}

/// An incident and the user it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncidentSubject {
    /// Whom the incident is about.
    pub user: UserLink,
    /// The incident.
    pub incident: Record,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Who holds the device `key` names now and who held it before (asset tag or serial
    /// number; see [`DeviceKey`]), from its checkouts, newest first. Checkouts of users the
    /// actor may not see (no View Users over them, which is also what the Checkout History tab
    /// needs) are left out without a trace: the device then reads as not out, or as never held
    /// by them. `Refused` ([`Refusal::ModuleDisabled`](crate::Refusal::ModuleDisabled)) when the district has no checkouts.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # use homeroom::records::{Device, DeviceKey};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let mut ada = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
    /// (ada.aup_signed, ada.fee_paid) = (true, true);
    /// let ada = directory.create_user(&admin, district, ada).await?.id;
    /// let device = Device { serial: Some("5CD1234XYZ".into()), ..Device::tagged("MV-0042") };
    /// let out = NewCheckout { device, loaner: false, condition: None };
    /// directory.checkout_device(&admin, district, ada, out).await?;
    /// let holders = directory.device_holders(&admin, district, DeviceKey::serial("5cd1234xyz")).await?;
    /// assert_eq!(holders.current.map(|h| h.holder.name), Some("Ada Lovelace".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::device_holders", skip_all, fields(command = "device_holders", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn device_holders(
        &self,
        actor: &Actor,
        district: DistrictId,
        key: DeviceKey,
    ) -> Result<DeviceHolders, Error> {
        let result: Result<DeviceHolders, Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            Module::Checkouts.require(&district_row)?;
            let (acting, _) = self.acting(actor, district, now).await?;
            let mut holders = DeviceHolders::default();
            if key.is_empty() {
                return Ok(holders);
            }
            let checkouts: Vec<Record> = self
                .storage
                .device_records(district, &key)
                .await?
                .into_iter()
                .filter(|r| matches!(r.body, RecordBody::Checkout(_)) && r.names_device(&key))
                .collect();
            let mut ids: Vec<UserId> = checkouts.iter().map(|r| r.user).collect();
            ids.sort_unstable();
            ids.dedup();
            let seen: HashMap<UserId, UserLink> = self
                .storage
                .users(district, &ids)
                .await?
                .into_iter()
                .filter(|u| acting.may_see(u))
                .map(|u| {
                    let link = UserLink {
                        user: u.id,
                        name: u.details.name.display(),
                    };
                    (u.id, link)
                })
                .collect();
            for checkout in checkouts {
                let Some(holder) = seen.get(&checkout.user).cloned() else {
                    continue;
                };
                let out = checkout.open_device_key().is_some();
                let entry = DeviceHolder { holder, checkout };
                if out && holders.current.is_none() {
                    holders.current = Some(entry);
                } else {
                    holders.past.push(entry);
                }
            }
            Ok(holders)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The user an incident is about, with the incident. Needs View Incidents over that user
    /// (the Incident History tab's permission) and the incidents module on. An incident about
    /// someone the actor may not see, or a record that is not an incident, is `NotFound`, the
    /// same as an id that does not exist; `Forbidden` when they see the user but not their
    /// incidents.
    #[tracing::instrument(level = "info", name = "directory::incident_subject", skip_all, fields(command = "incident_subject", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn incident_subject(
        &self,
        actor: &Actor,
        district: DistrictId,
        incident: RecordId,
    ) -> Result<IncidentSubject, Error> {
        let result: Result<IncidentSubject, Error> = async move {
            let now = self.now();
            let district_row = self.load_district(district).await?;
            Module::Incidents.require(&district_row)?;
            let (acting, _) = self.acting(actor, district, now).await?;
            let not_found = || Error::not_found(Entity::Record, incident);
            let record = self
                .storage
                .record(district, incident)
                .await?
                .filter(|r| matches!(r.body, RecordBody::Incident(_)))
                .ok_or_else(not_found)?;
            let user = self
                .storage
                .user(district, record.user)
                .await?
                .filter(|u| acting.may_see(u))
                .ok_or_else(not_found)?;
            acting.require(Permission::ViewIncidents, &user)?;
            Ok(IncidentSubject {
                user: UserLink {
                    user: user.id,
                    name: user.details.name.display(),
                },
                incident: record,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}
