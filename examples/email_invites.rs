//! The logic of the `invite_by_email` example, callable from tests: a district whose onboarding
//! settings give the invitation link, a building with two staff members, one `invite_all` over
//! the building's staff, and a drain of the outbox through a [`Mailer`] (the example passes an
//! [`SmtpMailer`](crate::smtp_mailer::SmtpMailer)).

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use homeroom::messaging::{DrainReport, Mailer, MailerError, OutboxMessage};
use homeroom::system::{RandomIds, SystemClock};
use homeroom::{
    Actor, BulkInvitations, Directory, DistrictId, NewOrgUnit, UserDetails, UserKind, UserSearch,
};
use homeroom_memory::MemoryStorage;

/// What the link in an invitation starts with; the token is appended.
pub const INVITATION_LINK: &str = "https://maple.example/welcome?token=";

/// The staff the example invites: first name, last name, address.
pub const STAFF: [(&str, &str, &str); 2] = [
    ("Maria", "Garcia", "maria.garcia@maple.example"),
    ("James", "Smith", "james.smith@maple.example"),
];

/// What one run did.
#[derive(Debug)]
pub struct InviteRun {
    /// The district made for the run.
    pub district: DistrictId,
    /// What `invite_all` did.
    pub invited: BulkInvitations,
    /// What the drain did.
    pub report: DrainReport,
    /// The messages the mailer accepted: address and subject, in order.
    pub sent: Vec<(String, String)>,
}

/// Passes each message on, noting the address and subject of those accepted (never the body:
/// it holds the one-time link).
struct Noting<'a> {
    inner: &'a dyn Mailer,
    sent: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl Mailer for Noting<'_> {
    async fn send(
        &self,
        message: &OutboxMessage,
        idempotency_key: &str,
    ) -> Result<(), MailerError> {
        self.inner.send(message, idempotency_key).await?;
        if let Ok(mut sent) = self.sent.lock() {
            sent.push((message.to_address.clone(), message.content.subject.clone()));
        }
        Ok(())
    }
}

/// Builds the district in memory, invites the building's staff in one call, drains the outbox
/// through `mailer`, and prints what happened to `out` (addresses and subjects, never a link).
pub async fn run(
    mailer: &dyn Mailer,
    out: &mut dyn Write,
) -> Result<InviteRun, Box<dyn std::error::Error>> {
    let directory = Directory::new(
        Arc::new(MemoryStorage::new()),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    );
    let admin = Actor::system("invite_by_email");

    // 1. The district, with the link the token is appended to.
    let district = directory
        .create_district(&admin, "Maple Valley USD")
        .await?;
    let mut settings = district.settings.clone();
    settings.onboarding.invitation_link = INVITATION_LINK.to_owned();
    let district = directory
        .update_district_settings(&admin, district.id, district.version, settings)
        .await?;

    // 2. A building and its new staff, with their addresses.
    let building = directory
        .create_org_unit(
            &admin,
            district.id,
            NewOrgUnit::school("Lincoln Elementary"),
        )
        .await?;
    for (first, last, email) in STAFF {
        let staff = UserDetails::new(UserKind::Staff, first, last)
            .with_email(email)?
            .in_org_unit(building.id);
        directory.create_user(&admin, district.id, staff).await?;
    }
    writeln!(
        out,
        "District '{}', building '{}', {} staff members.",
        district.name,
        building.name,
        STAFF.len()
    )?;

    // 3. One call invites everyone the search finds (the preview counts the same users).
    let search = UserSearch::default()
        .kind(UserKind::Staff)
        .in_org_unit(building.id);
    let preview = directory
        .count_invitable(&admin, district.id, &search)
        .await?;
    let invited = directory
        .invite_all(&admin, district.id, &search, None)
        .await?;
    writeln!(
        out,
        "Invitable: {preview}; invited {}, skipped {}.",
        invited.invited, invited.skipped
    )?;

    // 4. The host's timer would do this every minute: send what is due.
    let noting = Noting {
        inner: mailer,
        sent: Mutex::new(Vec::new()),
    };
    let report = directory
        .drain_outbox(&admin, district.id, &noting, 100)
        .await?;
    let sent = noting.sent.lock().map(|s| s.clone()).unwrap_or_default();
    for (to, subject) in &sent {
        writeln!(out, "  sent to {to}: {subject:?}")?;
    }
    writeln!(
        out,
        "Outbox drained: {} sent, {} retrying, {} dead.",
        report.sent, report.retrying, report.dead
    )?;
    Ok(InviteRun {
        district: district.id,
        invited,
        report,
        sent,
    })
}
