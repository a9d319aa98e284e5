//! Profile-update requests: a user sends one (`submit`, here), users managers list, mark done
//! and restore them (`review.rs`), and a daily digest tells them what is new (`digest.rs`).

mod digest;
mod digest_mark;
mod review;

use super::Directory;
use super::user_validation::{check_unique, normalize_details};
use crate::UserDetails;
use crate::activity::{ActivityAction, FieldChange, Subject, diff_fields};
use crate::actor::Actor;
use crate::error::{Error, Refusal};
use crate::ids::{DistrictId, ItemId, UserId};
use crate::model::{District, User};
use crate::requests::{
    REQUEST, RequestStatus, RequestView, UpdateRequest, protected_field, sis_owned_field,
};
use crate::storage::{ChangeSet, Entity, Item, Op, Storage, StorageError};
use crate::validation::{InvalidValue, ValidationCode, ValidationErrors};

/// The unique key of a user's open request: at most one per user, whatever races.
fn open_key(user: UserId) -> String {
    format!("open:{user}")
}

/// `RequestsDisabled` unless the district takes requests.
fn require_enabled(district: &District) -> Result<(), Error> {
    if district.settings.profile_update_requests {
        Ok(())
    } else {
        Err(Error::refused(
            Refusal::RequestsDisabled,
            format!(
                "{} does not take profile-update requests; ask your school office",
                district.name
            ),
        ))
    }
}

/// Each field a request changes: `old` as the user's details are now, `new` as asked.
fn requested_changes(current: &UserDetails, requested: &UserDetails) -> Vec<FieldChange> {
    diff_fields(&current.field_values(), &requested.field_values())
}

/// A request as a manager sees it, against `user`'s details now.
fn view(item: &Item, body: &UpdateRequest, user: &User) -> RequestView {
    RequestView {
        id: item.id,
        version: item.version,
        user: user.id,
        name: user.details.name.display(),
        status: RequestStatus::from_stored(item.status.as_deref()).unwrap_or(RequestStatus::New),
        submitted_at: body.submitted_at,
        done_at: body.done_at,
        changes: requested_changes(&user.details, &body.requested),
    }
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Sends (or amends) the acting user's request to change their own details to `details`.
    /// The district must take requests ([`Refusal::RequestsDisabled`] otherwise). The details
    /// are checked as an edit would check them (every problem at once; keys another user holds
    /// are taken); fields that say who the user is or what they may do (kind, Local ID,
    /// username, SSO subject, org units, AUP, fee) are refused as protected; for a user the
    /// SIS sync manages, the fields it writes (legal name, state ID, grade) are refused with
    /// [`Refusal::SisOwnedField`]: the SIS is the source. A user has at most one open request:
    /// a new submission replaces what the open one asks for. Nobody is notified; managers
    /// see it in their lists and their next digest.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::{Actor, Directory, ManualClock, SequentialIds, UserDetails, UserKind};
    /// # use homeroom::requests::{RequestFilter, RequestStatus};
    /// # use homeroom_memory::MemoryStorage;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap()));
    /// # let directory = Directory::new(Arc::new(MemoryStorage::new()), clock, Arc::new(SequentialIds::new(1)));
    /// let admin = Actor::system("setup");
    /// let district = directory.create_district(&admin, "Maple Valley USD").await?;
    /// let mut settings = district.settings.clone();
    /// settings.profile_update_requests = true; // off by default
    /// directory.update_district_settings(&admin, district.id, district.version, settings).await?;
    /// let sam = directory.create_user(&admin, district.id, UserDetails::new(UserKind::Student, "Sam", "Student")).await?;
    ///
    /// let mut wanted = sam.details.clone();
    /// wanted.phones.mobile = Some("555-0199".into());
    /// let sent = directory.submit_profile_update(&Actor::user(district.id, sam.id), district.id, wanted).await?;
    /// assert_eq!(sent.changes[0].field, "phones.mobile");
    ///
    /// let new = directory.profile_update_requests(&admin, district.id, RequestFilter::New, None, 20).await?;
    /// assert_eq!(new.counts.new, 1);
    /// let done = directory.mark_request_done(&admin, district.id, sent.id, sent.version, true).await?;
    /// assert_eq!(done.status, RequestStatus::Done);
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(level = "info", name = "directory::submit_profile_update", skip_all, fields(command = "submit_profile_update", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn submit_profile_update(
        &self,
        actor: &Actor,
        district: DistrictId,
        details: UserDetails,
    ) -> Result<RequestView, Error> {
        let result: Result<RequestView, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let Some(me) = actor.user_id() else {
                return Err(Error::invalid_field(
                    Entity::Item,
                    InvalidValue::new(
                        ValidationCode::Required,
                        "a profile-update request is sent by the user it is about",
                    )
                    .at("actor"),
                ));
            };
            let user = self.load_user(district, me).await?;
            self.refuse_if_blocked(&user, now)?;
            require_enabled(&district_row)?;
            let details = normalize_details(details, &district_row, &tree)
                .map_err(|e| Error::invalid(Entity::User, e))?;
            let changes = requested_changes(&user.details, &details);
            check_requested(&user, &changes)?;
            check_unique(&*self.storage, &acting, district, Some(me), &details).await?;
            let body = UpdateRequest {
                base: user.details.clone(),
                requested: details,
                submitted_at: now,
                done_at: None,
                done_by: None,
                applied: false,
            };
            let open = self
                .storage
                .item_by_key(district, &REQUEST, &open_key(me))
                .await?;
            let (item, op, action) = match open {
                Some(mut item) => {
                    let expected = item.version;
                    item.set_body(&body)?;
                    item.version = expected.next();
                    item.due = Some(now);
                    let op = Op::UpdateItem {
                        item: item.clone(),
                        expected,
                    };
                    (item, op, ActivityAction::Updated)
                }
                None => {
                    let item = Item::new(ItemId::from_uuid(self.ids.next_uuid()), district, &body)?
                        .with_owner(me)
                        .with_status(RequestStatus::New.as_str())
                        .with_key(open_key(me))
                        .with_due(now);
                    (item.clone(), Op::InsertItem(item), ActivityAction::Created)
                }
            };
            let logged = changes
                .iter()
                .map(|c| FieldChange {
                    field: format!("profile update request: {}", c.field).into(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                })
                .collect();
            let entry = self.log_entry(
                &acting.who,
                district,
                Subject::User(me),
                action,
                logged,
                now,
            );
            let written = self
                .commit(ChangeSet::new().with(op).with(Op::AppendActivity(entry)))
                .await;
            match written {
                // Two first submissions at once: the other one opened the request. A conflict,
                // as for any write that lost a race; submitting again amends it. (Only the
                // insert of a new request can find its key taken.)
                Err(Error::Storage(StorageError::AlreadyExists { .. })) => {
                    return Err(Error::Conflict {
                        entity: Entity::Item,
                        id: open_key(me),
                        expected: 0,
                        found: 1,
                    });
                }
                other => other?,
            }
            Ok(view(&item, &body, &user))
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// Refuses a request that changes nothing, a protected field, or (for a user the SIS sync
/// manages) a field the SIS owns.
fn check_requested(user: &User, changes: &[FieldChange]) -> Result<(), Error> {
    if changes.is_empty() {
        return Err(Error::invalid_field(
            Entity::Item,
            InvalidValue::new(ValidationCode::Required, "the request changes nothing")
                .at("details"),
        ));
    }
    let mut errors = ValidationErrors::new();
    for change in changes.iter().filter(|c| protected_field(&c.field)) {
        errors.push(
            InvalidValue::new(
                ValidationCode::Protected,
                "this is not changed by request; ask an administrator",
            )
            .at(change.field.as_ref()),
        );
    }
    errors
        .into_result()
        .map_err(|e| Error::invalid(Entity::User, e))?;
    if user.import_managed {
        let owned: Vec<&str> = changes
            .iter()
            .map(|c| c.field.as_ref())
            .filter(|f| sis_owned_field(f))
            .collect();
        if !owned.is_empty() {
            return Err(Error::refused(
                Refusal::SisOwnedField,
                format!(
                    "the Student Information System is the source of {}: the change must be made there, and the next sync brings it here",
                    owned.join(", ")
                ),
            ));
        }
    }
    Ok(())
}
