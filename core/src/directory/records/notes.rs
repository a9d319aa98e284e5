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
