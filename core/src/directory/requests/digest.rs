//! The daily digest of new profile-update requests: one message per users manager per day,
//! through the outbox, listing the requests sent in the last day that they handle.

use std::collections::BTreeSet;

use super::review::{Loaded, handles};
use crate::activity::{ActivityAction, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Permission, Role};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::DistrictId;
use crate::messaging::{MessagePurpose, OutboxMessage, RenderedMessage};
use crate::model::RecordStatus;
use crate::requests::{DigestReport, RequestStatus};
use crate::storage::{ChangeSet, ItemBody, Op, Storage};

/// The purpose digests are queued under.
const DIGEST: &str = "profile_update_digest";

impl<S: Storage + ?Sized> Directory<S> {
    /// Queues today's digest of new profile-update requests for every users manager (a holder
    /// of Manage Profile-Update Requests anywhere) who has requests among the users they
    /// handle, still New and sent since their last digest (for their first, every New one):
    /// a day the digest did not run is caught up on the next run. Run once a day by the host's scheduler (needs Send Messages
    /// district-wide; a system actor has it). At most one digest per manager per day, however
    /// often it runs: each carries the key `profile_update_digest:<manager>:<date>`, unique
    /// in the outbox. No digest when there is nothing new, when the district does not take
    /// requests, or for a manager who turned digests off (`notifications.digests`), has no
    /// e-mail address, or may not sign in. Each digest queued is in the manager's activity log.
    #[tracing::instrument(level = "info", name = "directory::queue_request_digests", skip_all, fields(command = "queue_request_digests", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn queue_request_digests(
        &self,
        actor: &Actor,
        district: DistrictId,
    ) -> Result<DigestReport, Error> {
        let result: Result<DigestReport, Error> = async move {
            let now = self.now();
            let (district_row, acting, tree) = self.acting_in(actor, district, now).await?;
            acting.require_district(Permission::SendMessages)?;
            let mut report = DigestReport::default();
            if !district_row.settings.profile_update_requests {
                return Ok(report);
            }
            let fresh: Vec<Loaded> = self
                .all_requests(district)
                .await?
                .into_iter()
                .filter(|(item, _, _)| item.status.as_deref() == Some(RequestStatus::New.as_str()))
                .collect();
            let roles = Role::permissions_by_id(&self.storage.roles(district).await?);
            let holders: BTreeSet<_> = self
                .storage
                .grants(district, None)
                .await?
                .into_iter()
                .filter(|g| {
                    roles
                        .get(&g.role)
                        .is_some_and(|p| p.contains(Permission::ManageProfileUpdateRequests))
                })
                .map(|g| g.holder)
                .collect();
            let holders: Vec<_> = holders.into_iter().collect();
            let date = now.date_naive();
            let mut changes = ChangeSet::new();
            for manager in self.storage.users(district, &holders).await? {
                let address = match &manager.details.email {
                    Some(address)
                        if manager.details.notifications.digests
                            && manager.status == RecordStatus::Active
                            && manager.access.permits_sign_in(now) =>
                    {
                        address
                    }
                    _ => {
                        report.not_wanted += 1;
                        continue;
                    }
                };
                // Today's digest already queued: what came since waits for tomorrow's.
                let key = format!("{DIGEST}:{}:{date}", manager.id);
                if self
                    .storage
                    .item_by_key(district, &OutboxMessage::KIND, &key)
                    .await?
                    .is_some()
                {
                    report.already_queued += 1;
                    continue;
                }
                let authority = self.held_by(district, manager.id, &tree).await?;
                let since = self.digest_since(district, manager.id).await?;
                let theirs: Vec<&Loaded> = fresh
                    .iter()
                    .filter(|(_, body, user)| {
                        since.includes(body.submitted_at) && handles(&authority, user)
                    })
                    .collect();
                if theirs.is_empty() {
                    report.nothing_new += 1;
                    continue;
                }
                let content = digest_content(&district_row.name, &theirs);
                let item = self
                    .outbox_item(
                        district,
                        manager.id,
                        address,
                        MessagePurpose::Custom(DIGEST.to_owned()),
                        content,
                        now,
                    )?
                    .with_key(key);
                changes.push(Op::InsertItem(item));
                changes.push(self.digest_mark_op(district, manager.id, since, now)?);
                changes.push(Op::AppendActivity(self.log_entry(
                    &acting.who,
                    district,
                    Subject::User(manager.id),
                    ActivityAction::Created,
                    vec![FieldChange {
                        field: "profile update digest".into(),
                        old: None,
                        new: Some(format!("{} new request(s) on {date}", theirs.len())),
                    }],
                    now,
                )));
                report.queued += 1;
            }
            if !changes.is_empty() {
                self.commit(changes).await?;
            }
            Ok(report)
        }
        .await;
        crate::directory::traced::outcome(result)
    }
}

/// The digest's text: who asked, and for which fields (never the values: a digest is e-mail).
fn digest_content(district: &str, requests: &[&Loaded]) -> RenderedMessage {
    let mut text = format!(
        "New profile-update requests in {district} since your last digest: {}.\n\n",
        requests.len()
    );
    for (_, body, user) in requests {
        let fields: Vec<String> = super::requested_changes(&user.details, &body.requested)
            .into_iter()
            .map(|c| c.field.into_owned())
            .collect();
        text.push_str(&format!(
            "- {}: {}\n",
            user.details.name.display(),
            fields.join(", ")
        ));
    }
    text.push_str("\nOpen Manage Requests in the directory to handle them.\n");
    RenderedMessage {
        subject: format!(
            "{} new profile-update request(s) in {district}",
            requests.len()
        ),
        text,
        html: None,
    }
}
