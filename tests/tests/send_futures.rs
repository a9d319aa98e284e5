//! Every public async command of `Directory` returns a `Send` future, so a host can
//! `tokio::spawn` it (or hold it across an `.await` in a spawned task) over `dyn Storage` and over
//! each backend. A static assertion: this file does not compile if any command's future stops
//! being `Send`.
//!
//! A new command belongs in `commands_are_send` below.

use chrono::NaiveDate;
use homeroom::import::ImportData;
use homeroom::password::Password;
use homeroom::profile::TabKind;
use homeroom::records::{Claim, Device, IncidentStatus, InvoiceLine, Payment, TicketStatus};
use homeroom::*;
use homeroom_memory::MemoryStorage;
use homeroom_sea::SeaStorage;
use rust_decimal::Decimal;

/// Compiles only when `T` is `Send`.
fn assert_send<T: Send>(_: &T) {}

/// Builds each command's future (never polls it) and asserts it is `Send`.
macro_rules! send {
    ($($command:expr;)+) => {$(
        let future = $command;
        assert_send(&future);
        drop(future);
    )+};
}

/// The values the commands take, borrowed: the futures are built, never run, so these need not
/// make sense together.
struct Inputs<'a> {
    actor: &'a Actor,
    district: DistrictId,
    user: UserId,
    unit: OrgUnitId,
    role: RoleId,
    grant: GrantId,
    record: RecordId,
    version: Version,
    transfer: &'a homeroom::transfer::TransferPlan,
    text: &'a str,
    password: &'a Password,
    details: &'a UserDetails,
    new_unit: &'a NewOrgUnit,
    settings: &'a DistrictSettings,
    search: &'a UserSearch,
    access: &'a Access,
    scope: &'a Scope,
    permissions: PermissionSet,
    checkout: &'a NewCheckout,
    incident: &'a NewIncident,
    lines: &'a [InvoiceLine],
    payment: &'a Payment,
    claim: &'a Claim,
    device: &'a Device,
    amount: Decimal,
    day: NaiveDate,
    data: &'a ImportData,
    options: &'a ImportOptions,
    plan: &'a ImportPlan,
    progress: &'a (dyn Fn(ImportProgress) + Sync),
    lease: HeldLease<'a>,
    at: chrono::DateTime<chrono::Utc>,
    mailer: &'a dyn homeroom::messaging::Mailer,
    purpose: &'a homeroom::messaging::MessagePurpose,
    template: &'a homeroom::messaging::MessageTemplate,
    drain: &'a homeroom::messaging::DrainOptions,
    bulk: &'a BulkPreview,
    item: ItemId,
}

/// Every public async command of [`Directory`], over any storage `S`.
fn commands_are_send<S: Storage + ?Sized>(d: &Directory<S>, i: &Inputs<'_>) {
    let (a, district, user) = (i.actor, i.district, i.user);
    let picked = Selection::Users([user].into());
    send! {
        // districts
        d.create_district(a, i.text);
        d.district(a, district);
        d.district_by_name(a, i.text);
        d.update_district_settings(a, district, i.version, i.settings.clone());
        // org units
        d.create_org_unit(a, district, i.new_unit.clone());
        d.org_tree(a, district);
        d.rename_org_unit(a, district, i.unit, i.version, i.text);
        d.move_org_unit(a, district, i.unit, i.version, Some(i.unit));
        // users
        d.create_user(a, district, i.details.clone());
        d.create_user_with(a, district, i.details.clone(), homeroom::messaging::Welcome::At(i.at));
        d.user(a, district, user);
        d.allowed_actions(a, district, user);
        d.update_user(a, district, user, i.version, i.details.clone());
        d.set_status(a, district, user, i.version, RecordStatus::Inactive);
        d.set_access(a, district, user, i.version, i.access.clone());
        d.user_activity(a, district, user, None, 10);
        d.search_users(a, district, i.search);
        d.user_facets(a, district, i.search);
        d.user_list(a, district, i.search);
        d.disabled_users(a, district, i.search);
        d.delete_user(a, district, user, i.version);
        // data transfer
        d.plan_transfer(a, district, user, user, homeroom::transfer::TransferOptions::default());
        d.apply_transfer(a, i.transfer);
        // profile-update requests
        d.submit_profile_update(a, district, i.details.clone());
        d.profile_update_requests(a, district, homeroom::requests::RequestFilter::All, None, 10);
        d.mark_request_done(a, district, ItemId::from_uuid(uuid::Uuid::nil()), i.version, true);
        d.restore_request(a, district, ItemId::from_uuid(uuid::Uuid::nil()), i.version);
        d.queue_request_digests(a, district);
        // roles and grants
        d.roles(a, district);
        d.create_role(a, district, i.text, i.permissions);
        d.set_role_permissions(a, district, i.role, i.version, i.permissions);
        d.grant_role(a, district, user, i.role, i.scope.clone());
        d.revoke_grant(a, district, i.grant);
        d.grants_of(a, district, user);
        // passwords
        d.set_password(a, district, user, i.password, true);
        d.change_own_password(a, district, i.text, i.password);
        d.verify_password(district, i.text, i.text);
        // profile
        d.profile(a, district, user, 10);
        d.history(a, district, user, TabKind::Notes, None, 10);
        d.export_history_csv(a, district, user, TabKind::Notes);
        d.profile_views(a, district, user, None, 10);
        d.self_view(a);
        // records
        d.checkout_device(a, district, user, i.checkout.clone());
        d.check_in_device(a, district, i.record, i.version, None);
        d.record_incident(a, district, user, i.incident.clone());
        d.update_incident(a, district, i.record, i.version, IncidentStatus::Resolved, Some(i.amount));
        d.add_invoice(a, district, user, i.lines.to_vec(), Some(i.record));
        d.record_payment(a, district, i.record, i.version, i.payment.clone());
        d.void_invoice(a, district, i.record, i.version);
        d.open_ticket(a, district, user, i.text, Some(i.device.clone()));
        d.set_ticket_status(a, district, i.record, i.version, TicketStatus::Closed);
        d.add_note(a, district, user, i.text);
        d.edit_note(a, district, i.record, i.version, i.text);
        d.delete_note(a, district, i.record, i.version);
        d.device_holders(a, district, records::DeviceKey::asset_tag(i.text));
        d.incident_subject(a, district, i.record);
        d.enroll_insurance(a, district, user, i.text, i.amount, i.day);
        d.file_claim(a, district, i.record, i.version, i.claim.clone());
        // import
        d.plan_import(a, district, i.data, i.options);
        d.plan_import_with_progress(a, district, i.data, i.options, i.progress);
        d.apply_import(a, district, i.plan, Approval::Required, i.progress);
        d.apply_sync(a, district, i.plan, Approval::Required, i.lease, i.progress);
        // onboarding
        d.invite_user(a, district, user);
        d.schedule_invitation(a, district, user, i.at);
        d.resend_invitation(a, district, user);
        d.clear_invitation(a, district, user);
        d.invitation_of(a, district, user);
        d.invite_all(a, district, i.search, Some(i.at));
        d.authority(a, district);
        d.authorize(a, district, Permission::EditUsers, user);
        d.authorize_unit(a, district, Permission::EditUsers, i.unit);
        d.set_application_access(a, district, user, i.text, true);
        d.application_access(a, district, user);
        d.enable_application(a, district, i.text, &picked, true);
        d.count_invitable(a, district, i.search);
        d.accept_invitation(district, i.text, i.password);
        d.accept_invitation_with_sso(district, i.text, i.text);
        d.request_password_reset(district, i.text);
        d.reset_password(district, i.text, i.password);
        d.require_password_change(a, district, user);
        // messages
        d.drain_outbox(a, district, i.mailer, 10);
        d.drain_outbox_with(a, district, i.mailer, 10, i.drain);
        d.send_message(a, district, user, i.purpose.clone(), Some(i.at));
        d.save_message_template(a, district, i.template.clone());
        d.delete_message_template(a, district, i.purpose);
        d.message_templates(a, district);
        d.preview_message(a, district, user, i.purpose);
        // bulk actions
        d.preview_bulk(a, district, Selection::Matching(i.search.clone()), BulkAction::Archive);
        d.apply_bulk(a, district, i.bulk);
        d.bulk_operation(a, district, i.item);
        // impersonation
        d.start_impersonation(a, district, user, chrono::Duration::minutes(5));
        d.end_impersonation(a, district);
    }
}

#[test]
fn every_directory_command_returns_a_send_future() {
    // Naming each instance is the assertion: it compiles only if every future is `Send`.
    let _: fn(&Directory<dyn Storage>, &Inputs<'_>) = commands_are_send::<dyn Storage>;
    let _: fn(&Directory<MemoryStorage>, &Inputs<'_>) = commands_are_send::<MemoryStorage>;
    let _: fn(&Directory<SeaStorage>, &Inputs<'_>) = commands_are_send::<SeaStorage>;
}
