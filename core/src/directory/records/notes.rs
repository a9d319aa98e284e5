//! Staff notes on a user.

use super::access::Need;
use crate::actor::Actor;
use crate::authz::Permission;
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{DistrictId, RecordId, UserId, Version};
use crate::records::{Note, Record, RecordBody};
use crate::storage::{Entity, Storage};
use crate::validation::{InvalidValue, ValidationCode, clean_text, limits};

impl<S: Storage + ?Sized> Directory<S> {
    /// Adds a staff note. Needs User Notes. Notes are never shown to the user.
    #[tracing::instrument(level = "info", name = "directory::add_note", skip_all, fields(command = "add_note", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn add_note(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        text: &str,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            // Notes belong to no module, and may be written about users of any status.
            let need = NOTES;
            let ctx = self
                .record_context(actor, district, user, need, now)
                .await?;
            let text = note_text(text)?;
            let body = RecordBody::Note(Note {
                author: ctx.acting.who.clone(),
                text,
                written_at: now,
            });
            self.write_new_record(&ctx, body, "note", now).await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Replaces a staff note's text. Needs User Notes over the user the note is about;
    /// `expected` is the note's version as the caller read it. Logged (that the note changed,
    /// by whom and when; never its text), the author kept.
    #[tracing::instrument(level = "info", name = "directory::edit_note", skip_all, fields(command = "edit_note", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn edit_note(
        &self,
        actor: &Actor,
        district: DistrictId,
        note: RecordId,
        expected: Version,
        text: &str,
    ) -> Result<Record, Error> {
        let result: Result<Record, Error> = async move {
            let now = self.now();
            let (ctx, record) = self
                .existing_record(actor, district, note, expected, NOTES, now)
                .await?;
            let RecordBody::Note(mut body) = record.body.clone() else {
                return Err(Error::not_found(Entity::Record, note));
            };
            body.text = note_text(text)?;
            self.write_record_update(&ctx, record, RecordBody::Note(body), "note", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Deletes a staff note. Needs User Notes over the user the note is about, like
    /// [`edit_note`](Self::edit_note); `expected` is the note's version as the caller read it
    /// (a stale one is a conflict). Logged on the user's activity log as a deleted note (by
    /// whom and when; never its text). A note about someone out of the actor's reach, or a
    /// record that is not a note, is `NotFound`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use chrono::{TimeZone, Utc};
    /// # use homeroom::*;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let directory = Directory::new(
    /// #     Arc::new(homeroom_memory::MemoryStorage::new()),
    /// #     Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 8, 1, 7, 0, 0).unwrap())),
    /// #     Arc::new(SequentialIds::new(1)),
    /// # );
    /// # let admin = Actor::system("setup");
    /// # let district = directory.create_district(&admin, "Maple Valley USD").await?.id;
    /// let ada = UserDetails::new(UserKind::Student, "Ada", "Lovelace");
    /// let ada = directory.create_user(&admin, district, ada).await?.id;
    /// let note = directory.add_note(&admin, district, ada, "wrong student").await?;
    /// directory.delete_note(&admin, district, note.id, note.version).await?;
    /// let notes = directory.history(&admin, district, ada, profile::TabKind::Notes, None, 50).await?;
    /// assert_eq!(notes.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::delete_note", skip_all, fields(command = "delete_note", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn delete_note(
        &self,
        actor: &Actor,
        district: DistrictId,
        note: RecordId,
        expected: Version,
    ) -> Result<(), Error> {
        let result: Result<(), Error> = async move {
            let now = self.now();
            let (ctx, record) = self
                .existing_record(actor, district, note, expected, NOTES, now)
                .await?;
            let RecordBody::Note(body) = &record.body else {
                return Err(Error::not_found(Entity::Record, note));
            };
            let author = body.author.user;
            self.write_record_delete(&ctx, &record, author, "note", now)
                .await
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// What notes need: User Notes over the user, no module, any status.
const NOTES: Need = Need {
    permission: Some(Permission::UserNotes),
    module: None,
    creates: false,
};

/// A note's text, cleaned; it may not be empty.
fn note_text(text: &str) -> Result<String, Error> {
    clean_text(text, limits::TEXT)
        .map_err(|e| Error::invalid_field(Entity::Record, e.at("text")))?
        .ok_or_else(|| {
            Error::invalid_field(
                Entity::Record,
                InvalidValue::new(ValidationCode::Required, "a note needs text").at("text"),
            )
        })
}
