//! The user profile: its tabs, shown by permission, module and data; the self view; history
//! exports; and the record of who viewed a student's profile.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::activity::{ActivityAction, ActivityEntry, FieldChange, Subject};
use crate::actor::Actor;
use crate::authz::{Permission, PermissionSet};
use crate::error::Error;
use crate::ids::{DistrictId, UserId};
use crate::model::{District, Guardian, Modules, User, UserKind};
use crate::query::{ActivityCursor, ActivityQuery, MAX_PAGE_SIZE, Page, RecordCursor, RecordQuery};
use crate::records::{Record, RecordBody, RecordKind};
use crate::storage::{ChangeSet, Entity, Op, Storage};

use super::Directory;
use super::acting::Acting;

/// The built-in tabs, in the order a profile shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TabKind {
    /// Snapshot, current checkouts, open incidents, guardians, AUP and fee, actions.
    UserInformation,
    /// Every device checkout.
    CheckoutHistory,
    /// Every incident.
    IncidentHistory,
    /// Invoices and payments.
    BillingHistory,
    /// Help-desk tickets.
    TicketHistory,
    /// Staff notes.
    Notes,
    /// Changes to the profile.
    ActivityLog,
    /// Insurance enrolment and claims (optional module).
    Insurance,
}

impl TabKind {
    /// Every built-in tab, in display order.
    pub const ALL: [TabKind; 8] = [
        Self::UserInformation,
        Self::CheckoutHistory,
        Self::IncidentHistory,
        Self::BillingHistory,
        Self::TicketHistory,
        Self::Notes,
        Self::ActivityLog,
        Self::Insurance,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::UserInformation => "User Information",
            Self::CheckoutHistory => "Checkout History",
            Self::IncidentHistory => "Incident History",
            Self::BillingHistory => "Billing History",
            Self::TicketHistory => "Ticket History",
            Self::Notes => "Notes",
            Self::ActivityLog => "Activity Log",
            Self::Insurance => "Insurance",
        }
    }

    /// The permission the viewer needs over the user.
    pub fn permission(self) -> Permission {
        match self {
            Self::UserInformation | Self::CheckoutHistory => Permission::ViewUsers,
            Self::IncidentHistory => Permission::ViewIncidents,
            Self::BillingHistory | Self::Insurance => Permission::ViewInvoices,
            Self::TicketHistory => Permission::ViewTickets,
            Self::Notes => Permission::UserNotes,
            Self::ActivityLog => Permission::ViewActivityLog,
        }
    }

    /// True when the district's modules allow the tab.
    pub fn module_enabled(self, modules: Modules) -> bool {
        match self {
            Self::UserInformation | Self::Notes | Self::ActivityLog => true,
            Self::CheckoutHistory => modules.checkouts,
            Self::IncidentHistory => modules.incidents,
            Self::BillingHistory => modules.billing,
            Self::TicketHistory => modules.tickets,
            Self::Insurance => modules.insurance,
        }
    }

    /// Optional tabs are shown only when the user has data for them.
    pub fn optional(self) -> bool {
        matches!(self, Self::Insurance)
    }

    /// The record kind the tab lists, if it lists one.
    pub fn record_kind(self) -> Option<RecordKind> {
        match self {
            Self::CheckoutHistory => Some(RecordKind::Checkout),
            Self::IncidentHistory => Some(RecordKind::Incident),
            Self::BillingHistory => Some(RecordKind::Invoice),
            Self::TicketHistory => Some(RecordKind::Ticket),
            Self::Notes => Some(RecordKind::Note),
            Self::Insurance => Some(RecordKind::Insurance),
            Self::UserInformation | Self::ActivityLog => None,
        }
    }

    /// The tab that lists records of `kind`.
    pub fn for_record(kind: RecordKind) -> Self {
        match kind {
            RecordKind::Checkout => Self::CheckoutHistory,
            RecordKind::Incident => Self::IncidentHistory,
            RecordKind::Invoice => Self::BillingHistory,
            RecordKind::Ticket => Self::TicketHistory,
            RecordKind::Note => Self::Notes,
            RecordKind::Insurance => Self::Insurance,
        }
    }

    /// The visibility rule: the viewer holds the tab's permission, its module is on, and an
    /// optional tab has data.
    ///
    /// ```
    /// use homeroom::{Modules, Permission, PermissionSet};
    /// use homeroom::profile::TabKind;
    /// let viewer: PermissionSet = [Permission::ViewUsers, Permission::ViewInvoices].into_iter().collect();
    /// assert!(TabKind::BillingHistory.visible(viewer, Modules::default(), false));
    /// assert!(!TabKind::IncidentHistory.visible(viewer, Modules::default(), true));
    /// let with_insurance = Modules { insurance: true, ..Modules::default() };
    /// assert!(!TabKind::Insurance.visible(viewer, with_insurance, false), "no data, no optional tab");
    /// assert!(TabKind::Insurance.visible(viewer, with_insurance, true));
    /// ```
    pub fn visible(self, actions: PermissionSet, modules: Modules, has_data: bool) -> bool {
        actions.contains(self.permission())
            && self.module_enabled(modules)
            && (!self.optional() || has_data)
    }
}

/// The User Information tab.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserInformation {
    /// Devices out now.
    pub current_checkouts: Vec<Record>,
    /// Incidents not yet resolved (when the viewer may see incidents).
    pub open_incidents: Vec<Record>,
    /// Parents and guardians.
    pub guardians: Vec<Guardian>,
    /// Acceptable-use policy signed.
    pub aup_signed: bool,
    /// Device fee paid.
    pub fee_paid: bool,
    /// What the viewer may do to this user (the buttons).
    pub actions: PermissionSet,
}

/// One tab of a profile, with its content.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Tab {
    /// See [`TabKind::UserInformation`].
    UserInformation(UserInformation),
    /// A history of records, newest first, first page.
    History {
        /// Which tab.
        kind: TabKind,
        /// The first page.
        page: Page<Record, RecordCursor>,
    },
    /// Billing history with the exact outstanding balance over every invoice.
    Billing {
        /// The first page of invoices.
        page: Page<Record, RecordCursor>,
        /// Invoiced − paid, over every invoice that is not void; `None` when the amounts are
        /// too large to add up (a corrupt row), so the tab still opens.
        balance: Option<Decimal>,
    },
    /// The activity log, newest first, first page.
    ActivityLog(Page<ActivityEntry, ActivityCursor>),
    /// A tab a host registered.
    Custom {
        /// The provider's key.
        key: String,
        /// Its title.
        title: String,
        /// What it rendered.
        content: serde_json::Value,
    },
}

impl Tab {
    /// The tab's title.
    pub fn title(&self) -> &str {
        match self {
            Self::UserInformation(_) => TabKind::UserInformation.title(),
            Self::History { kind, .. } => kind.title(),
            Self::Billing { .. } => TabKind::BillingHistory.title(),
            Self::ActivityLog(_) => TabKind::ActivityLog.title(),
            Self::Custom { title, .. } => title,
        }
    }
}

/// A user's profile as one viewer may see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    /// The user.
    pub user: User,
    /// The tabs the viewer may see, in order.
    pub tabs: Vec<Tab>,
}

impl Profile {
    /// The tab with this title, if shown.
    pub fn tab(&self, title: &str) -> Option<&Tab> {
        self.tabs.iter().find(|t| t.title() == title)
    }

    /// The titles of the tabs shown, in order.
    pub fn titles(&self) -> Vec<&str> {
        self.tabs.iter().map(Tab::title).collect()
    }
}

/// A tab a host adds to every profile (an LMS adds "Transcript", for instance).
#[async_trait]
pub trait TabProvider: Send + Sync {
    /// A stable key.
    fn key(&self) -> &str;
    /// The title shown.
    fn title(&self) -> &str;
    /// The permission a viewer needs over the user to see the tab.
    fn permission(&self) -> Permission;
    /// The tab's content for `user`, or `None` to hide the tab (no data).
    async fn render(&self, user: &User) -> Result<Option<serde_json::Value>, Error>;
}

/// What a user sees of their own record: devices out, their tickets, their invoices. Never
/// staff notes or the activity log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SelfView {
    /// The user.
    pub user: User,
    /// Devices out now.
    pub current_checkouts: Vec<Record>,
    /// Their tickets, newest first.
    pub tickets: Vec<Record>,
    /// Their invoices, newest first.
    pub invoices: Vec<Record>,
    /// What they owe; `None` when the amounts are too large to add up (a corrupt row).
    pub balance: Option<Decimal>,
}

impl<S: Storage + ?Sized> Directory<S> {
    /// Adds a host-defined tab to every profile, after the built-in ones.
    #[must_use]
    pub fn with_tab(mut self, tab: Arc<dyn TabProvider>) -> Self {
        let mut tabs: Vec<Arc<dyn TabProvider>> = self.tabs.as_ref().clone();
        tabs.push(tab);
        self.tabs = Arc::new(tabs);
        self
    }

    /// Opens a user's profile: the tabs the actor may see, each history's first page of
    /// `page_size`. Opening a student's profile is recorded (who, when) unless the district
    /// turned that off; see [`Directory::profile_views`].
    #[tracing::instrument(level = "info", name = "directory::profile", skip_all, fields(command = "profile", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn profile(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        page_size: u32,
    ) -> Result<Profile, Error> {
        let result: Result<Profile, Error> = async move {
            let now = self.now();
            let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
            let user = acting.see(self.load_user(district, user).await?)?;
            let actions = acting.authority.allowed_actions(&user);
            let modules = district_row.settings.modules;
            let (counts, mut everything) = self.profile_records(&user).await?;
            let mut tabs = self
                .built_in_tabs(&user, actions, modules, &counts, page_size, &mut everything)
                .await?;
            for provider in self.tabs.iter() {
                if !actions.contains(provider.permission()) {
                    continue;
                }
                if let Some(content) = provider.render(&user).await? {
                    tabs.push(Tab::Custom {
                        key: provider.key().into(),
                        title: provider.title().into(),
                        content,
                    });
                }
            }
            tabs.extend(self.access_tab(&user).await?);
            self.record_view(&acting, &district_row, &user, "profile", now)
                .await?;
            Ok(Profile { user, tabs })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// A further page of one history tab, under the same rules as the profile.
    #[tracing::instrument(level = "info", name = "directory::history", skip_all, fields(command = "history", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn history(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        kind: TabKind,
        after: Option<RecordCursor>,
        limit: u32,
    ) -> Result<Page<Record, RecordCursor>, Error> {
        let result: Result<Page<Record, RecordCursor>, Error> = async move {
            let (user, record_kind) = self
                .history_access(actor, district, user, kind, kind.title())
                .await?;
            let query = RecordQuery {
                user: user.id,
                kind: record_kind,
                open_only: false,
                after,
                limit,
            };
            Ok(self.storage.records(district, &query).await?)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// One history tab as a CSV file (UTF-8 with BOM, formula-safe), every record in it.
    #[tracing::instrument(level = "info", name = "directory::export_history_csv", skip_all, fields(command = "export_history_csv", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn export_history_csv(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        kind: TabKind,
    ) -> Result<Vec<u8>, Error> {
        let result: Result<Vec<u8>, Error> = async move {
            let export = format!("{} (CSV export)", kind.title());
            let (user, record_kind) = self
                .history_access(actor, district, user, kind, &export)
                .await?;
            let records = self
                .all_records(district, user.id, record_kind, false)
                .await?;
            let (header, rows) = super::export_rows::rows(record_kind, &records);
            Ok(crate::export::csv_bytes(header, rows))
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Who opened this student's profile, and when, newest first. Needs View Activity Log.
    #[tracing::instrument(level = "info", name = "directory::profile_views", skip_all, fields(command = "profile_views", district = %district, actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn profile_views(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Page<ActivityEntry, ActivityCursor>, Error> {
        let result: Result<Page<ActivityEntry, ActivityCursor>, Error> = async move {
            let (acting, _) = self.acting(actor, district, self.now()).await?;
            let user = acting.see(self.load_user(district, user).await?)?;
            acting.require(Permission::ViewActivityLog, &user)?;
            let query = ActivityQuery {
                subject: Subject::ProfileViews(user.id),
                after,
                limit,
            };
            Ok(self.storage.activity(district, &query).await?)
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// The acting user's own view of their record: devices out, tickets, invoices and balance.
    /// Staff notes and the activity log are never part of it.
    #[tracing::instrument(level = "info", name = "directory::self_view", skip_all, fields(command = "self_view", actor = %actor.trace_label(), outcome = tracing::field::Empty))]
    pub async fn self_view(&self, actor: &Actor) -> Result<SelfView, Error> {
        let result: Result<SelfView, Error> = async move {
            let Some(me) = actor.user_id() else {
                return Err(Error::not_found(Entity::User, "system actor"));
            };
            let district = actor
                .district()
                .ok_or_else(|| Error::not_found(Entity::User, me))?;
            if actor.impersonator().is_some() {
                // The session is checked as every command checks it.
                self.acting(actor, district, self.now()).await?;
            }
            let user = self.load_user(district, me).await?;
            // A suspended, locked or inactive account reads nothing, as it signs in to nothing.
            self.refuse_if_blocked(&user, self.now())?;
            self.refuse_if_must_change(district, me).await?;
            let current_checkouts = self
                .all_records(district, me, RecordKind::Checkout, true)
                .await?;
            let tickets = self
                .all_records(district, me, RecordKind::Ticket, false)
                .await?;
            let invoices = self
                .all_records(district, me, RecordKind::Invoice, false)
                .await?;
            let balance = balance(&invoices);
            Ok(SelfView {
                user,
                current_checkouts,
                tickets,
                invoices,
                balance,
            })
        }
        .await;
        crate::directory::traced::outcome(result)
    }

    /// Checks a history tab may be read by the actor and returns the user and record kind.
    /// The user and record kind of a history tab the actor may read; the read is recorded
    /// in the disclosure log as `what`.
    async fn history_access(
        &self,
        actor: &Actor,
        district: DistrictId,
        user: UserId,
        kind: TabKind,
        what: &str,
    ) -> Result<(User, RecordKind), Error> {
        let now = self.now();
        let (district_row, acting, _) = self.acting_in(actor, district, now).await?;
        let user = acting.see(self.load_user(district, user).await?)?;
        acting.require(kind.permission(), &user)?;
        let Some(record_kind) = kind.record_kind() else {
            return Err(Error::not_found(Entity::Record, kind.title()));
        };
        if !kind.module_enabled(district_row.settings.modules) {
            return Err(Error::refused(
                crate::Refusal::ModuleDisabled,
                format!("{} is turned off for {}", kind.title(), district_row.name),
            ));
        }
        self.record_view(&acting, &district_row, &user, what, now)
            .await?;
        Ok((user, record_kind))
    }

    /// Every record of one kind of a user, newest first.
    pub(super) async fn all_records(
        &self,
        district: DistrictId,
        user: UserId,
        kind: RecordKind,
        open_only: bool,
    ) -> Result<Vec<Record>, Error> {
        let mut query = RecordQuery {
            user,
            kind,
            open_only,
            after: None,
            limit: MAX_PAGE_SIZE,
        };
        let mut all = Vec::new();
        loop {
            let page = self.storage.records(district, &query).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Records in the disclosure log that `acting` read `what` of a student's record, when
    /// the district keeps that log, stamped `now`. Every path that returns a student's record data to staff
    /// (the profile, the user, a history tab, its CSV export) comes through here.
    pub(super) async fn record_view(
        &self,
        acting: &Acting,
        district: &District,
        user: &User,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        if !district.settings.audit_profile_views || user.details.kind != UserKind::Student {
            return Ok(());
        }
        let entry = self.log_entry(
            &acting.who,
            district.id,
            Subject::ProfileViews(user.id),
            ActivityAction::Viewed,
            vec![FieldChange {
                field: "viewed".into(),
                old: None,
                new: Some(what.to_owned()),
            }],
            now,
        );
        self.commit(ChangeSet::new().with(Op::AppendActivity(entry)))
            .await
    }
}

/// The exact amount owed over these invoices; `None` when the amounts are too large to add
/// up (a corrupt row), so the profile still opens.
pub(super) fn balance(invoices: &[Record]) -> Option<Decimal> {
    invoices
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Invoice(invoice) => Some(invoice.balance()),
            _ => None,
        })
        .try_fold(Decimal::ZERO, |sum, owed| sum.checked_add(owed?))
}
