//! The two bulk commands: preview, then apply exactly what was previewed, in one write.

use chrono::{DateTime, Utc};

use super::plan::{Change, Plan, Target};
use super::record::{BULK_APPLIED, BulkOperation};
use super::{BulkAction, BulkOutcome, BulkPreview, Selection};
use crate::activity::{ActivityAction, FieldChange, Subject, diff_fields};
use crate::actor::Actor;
use crate::directory::Directory;
use crate::directory::acting::Acting;
use crate::directory::grants::serialize_authz_change;
use crate::directory::users::logged_fields;
use crate::error::Error;
use crate::ids::{DistrictId, ItemId, UserId};
use crate::model::{District, OrgTree, User};
use crate::storage::{ChangeSet, Item, Op, Storage};

impl<S: Storage + ?Sized> Directory<S> {
    /// What `action` would do to `selection`: how many users it changes and how many it skips,
    /// by reason (out of reach, not permitted, already in that state, more powerful than the
    /// actor, the last System Administrator, no e-mail, opted out), and for a message the
    /// message as its first recipient reads it. Writes nothing. Users out of the actor's View
    /// Users reach are never read by a search and only counted from an explicit list.
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
    /// let ada = UserDetails::new(UserKind::Student, "Ada", "Lovelace").with_grade("12")?;
    /// directory.create_user(&admin, district, ada).await?;
    /// let seniors = Selection::Matching(UserSearch::default().grade(Grade::Numbered(12)));
    /// let preview = directory.preview_bulk(&admin, district, seniors, BulkAction::Archive).await?;
    /// assert_eq!(preview.touched, 1);
    /// let done = directory.apply_bulk(&admin, district, &preview).await?;
    /// assert_eq!(done.touched, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    #[tracing::instrument(level = "info", name = "directory::preview_bulk", skip_all, fields(command = "preview_bulk", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn preview_bulk(
        &self,
        actor: &Actor,
        district: DistrictId,
        selection: Selection,
        action: BulkAction,
    ) -> Result<BulkPreview, Error> {
        let result: Result<BulkPreview, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let plan = self
                .plan_bulk(&acting, &tree, &district_row, &selection, &action, now)
                .await?;
            let sample = match (&action, plan.targets.first()) {
                (BulkAction::SendMessage { purpose, .. }, Some(first)) => Some(
                    self.render_message(&district_row, &first.user, purpose, "")
                        .await?,
                ),
                _ => None,
            };
            Ok(BulkPreview {
                touched: plan.targets.len() as u64,
                fingerprint: plan.fingerprint(),
                skipped: plan.skipped,
                selection,
                action,
                sample,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Applies a preview from [`preview_bulk`](Self::preview_bulk): plans the same action on
    /// the same selection again, with the actor's authority of now, and writes it only if the
    /// plan is the one previewed (same users at the same versions, same skips); otherwise
    /// nothing is written and the error is
    /// [`Error::SelectionChanged`](crate::Error::SelectionChanged) (kind `Conflict`). A change
    /// racing the write itself is a `Conflict` too.
    ///
    /// Everything is one change set: every user's change and activity entry (each naming the
    /// operation in [`bulk_operation`](crate::ActivityEntry::bulk_operation)), every
    /// invitation or message, and the stored [`BulkOperation`]. Nothing touched, nothing
    /// written.
    #[tracing::instrument(level = "info", name = "directory::apply_bulk", skip_all, fields(command = "apply_bulk", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn apply_bulk(
        &self,
        actor: &Actor,
        district: DistrictId,
        preview: &BulkPreview,
    ) -> Result<BulkOutcome, Error> {
        let result: Result<BulkOutcome, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            let plan = self
                .plan_bulk(
                    &acting,
                    &tree,
                    &district_row,
                    &preview.selection,
                    &preview.action,
                    now,
                )
                .await?;
            if plan.fingerprint() != preview.fingerprint {
                return Err(Error::SelectionChanged {
                    previewed: preview.touched,
                    now: plan.targets.len() as u64,
                });
            }
            let touched = plan.targets.len() as u64;
            if plan.targets.is_empty() {
                return Ok(BulkOutcome {
                    operation: None,
                    touched,
                    skipped: plan.skipped,
                });
            }
            let operation = ItemId::from_uuid(self.ids.next_uuid());
            let context = Context {
                acting: &acting,
                tree: &tree,
                district: &district_row,
                action: &preview.action,
                operation,
                now,
            };
            let changes = self.bulk_writes(&context, plan).await?;
            self.commit(changes).await?;
            Ok(BulkOutcome {
                operation: Some(operation),
                touched,
                skipped: preview.skipped.clone(),
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The one change set of a bulk action: the operation's record, the district's version
    /// (when a System Administrator is taken out of action), and each user's writes.
    async fn bulk_writes(&self, cx: &Context<'_>, plan: Plan) -> Result<ChangeSet, Error> {
        let mut changes = ChangeSet::with_capacity(plan.targets.len() * 2 + 2);
        if plan.touches_admin {
            changes.extend(serialize_authz_change(cx.district));
        }
        let mut messages: Vec<(UserId, ItemId)> = Vec::new();
        let touched = plan.targets.len() as u64;
        for target in plan.targets {
            let ops = self.target_writes(cx, target, &mut messages).await?;
            for op in ops.into_ops() {
                changes.push(tagged(op, cx.operation));
            }
        }
        let record = BulkOperation {
            action: cx.action.clone(),
            actor: cx.acting.who.clone(),
            at: cx.now,
            touched,
            skipped: plan.skipped,
            messages,
        };
        let item = Item::new(cx.operation, cx.district.id, &record)?
            .with_status(BULK_APPLIED)
            .with_due(cx.now);
        changes.push(Op::InsertItem(item));
        Ok(changes)
    }

    /// One user's writes.
    async fn target_writes(
        &self,
        cx: &Context<'_>,
        target: Target,
        messages: &mut Vec<(UserId, ItemId)>,
    ) -> Result<ChangeSet, Error> {
        let Target {
            user,
            change: planned,
        } = target;
        match planned {
            Change::Edit(next) => Ok(self.edit_writes(cx, user, *next)),
            Change::Invite(stored) => {
                let valid = cx.district.settings.onboarding.invitation_validity();
                let next = match cx.action {
                    BulkAction::Invite { at: Some(at) } => {
                        stored.state().schedule(cx.now, *at, valid)
                    }
                    _ => stored.state().send(cx.now, valid),
                }?;
                let (write, _) = self
                    .invitation_write(cx.acting, cx.district, &user, *stored, next, cx.now)
                    .await?;
                Ok(write)
            }
            Change::Message => {
                let BulkAction::SendMessage { purpose, due } = cx.action else {
                    return Ok(ChangeSet::new());
                };
                let queued = self
                    .queue_message(
                        cx.district,
                        &user,
                        purpose.clone(),
                        None,
                        due.unwrap_or(cx.now),
                    )
                    .await?;
                let mut write = ChangeSet::new();
                if let Some(op) = queued {
                    if let Op::InsertItem(item) = &op {
                        messages.push((user.id, item.id));
                    }
                    write.push(op);
                    write.push(Op::AppendActivity(self.log_entry(
                        &cx.acting.who,
                        cx.district.id,
                        Subject::User(user.id),
                        ActivityAction::MessageQueued,
                        vec![change("message", None, Some(purpose.key().to_owned()))],
                        cx.now,
                    )));
                }
                Ok(write)
            }
        }
    }

    /// The update of one user row and its activity entry.
    fn edit_writes(&self, cx: &Context<'_>, current: User, mut next: User) -> ChangeSet {
        let (action, changes) = logged_change(&current, &next, cx.tree);
        next.version = current.version.next();
        next.updated_at = cx.now;
        let entry = self.log_entry(
            &cx.acting.who,
            cx.district.id,
            Subject::User(current.id),
            action,
            changes,
            cx.now,
        );
        ChangeSet::new()
            .with(Op::UpdateUser {
                user: Box::new(next),
                expected: current.version,
            })
            .with(Op::AppendActivity(entry))
    }
}

/// What every user's writes of one bulk operation share.
struct Context<'a> {
    acting: &'a Acting,
    tree: &'a OrgTree,
    district: &'a District,
    action: &'a BulkAction,
    operation: ItemId,
    now: DateTime<Utc>,
}

/// `op`, naming the bulk operation when it is an activity entry.
fn tagged(op: Op, operation: ItemId) -> Op {
    match op {
        Op::AppendActivity(mut entry) => {
            entry.bulk_operation = Some(operation);
            Op::AppendActivity(entry)
        }
        other => other,
    }
}

/// The action and field changes the log records for `current` becoming `next`.
fn logged_change(
    current: &User,
    next: &User,
    tree: &OrgTree,
) -> (ActivityAction, Vec<FieldChange>) {
    if current.status != next.status {
        let field = change(
            "status",
            Some(current.status.to_string()),
            Some(next.status.to_string()),
        );
        return (ActivityAction::StatusChanged, vec![field]);
    }
    if current.access != next.access {
        let field = change(
            "access",
            Some(current.access.to_string()),
            Some(next.access.to_string()),
        );
        return (ActivityAction::AccessChanged, vec![field]);
    }
    let changes = diff_fields(
        &logged_fields(&current.details, tree),
        &logged_fields(&next.details, tree),
    );
    (ActivityAction::Updated, changes)
}

fn change(field: &'static str, old: Option<String>, new: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        old,
        new,
    }
}
