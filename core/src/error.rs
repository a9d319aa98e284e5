//! The errors a [`Directory`](crate::Directory) command returns.

use crate::storage::{Entity, StorageError, StorageErrorKind, UniqueKey};
use crate::validation::{FieldError, InvalidValue, ValidationCode, ValidationErrors};

/// The kinds of [`Error`], for callers that branch on what went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The thing asked for does not exist (or is outside the actor's view).
    NotFound,
    /// The actor may see the target but lacks the permission for this action.
    Forbidden,
    /// The input was refused; the error lists every problem by field.
    Invalid,
    /// The action is not allowed in the current state of things (an inactive user, a device
    /// already out, a user with history who cannot be deleted); the error says why.
    Refused,
    /// Someone else changed the row since it was read; reload and retry.
    Conflict,
    /// The storage is unreachable or overloaded; retrying later may succeed.
    Unavailable,
    /// The storage failed in a way the caller cannot fix.
    Storage,
}

/// Why an action was refused, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Refusal {
    /// The user is Inactive or Archived: no new checkouts or actions.
    UserNotActive,
    /// The acceptable-use policy is not signed.
    AupNotSigned,
    /// The device fee is not paid.
    FeeNotPaid,
    /// The device is already checked out.
    DeviceAlreadyOut,
    /// The checkout has already been returned.
    AlreadyCheckedIn,
    /// The district has this module turned off.
    ModuleDisabled,
    /// The payment is more than the invoice's balance.
    Overpayment,
    /// The invoice is void.
    InvoiceVoid,
    /// The record is closed.
    AlreadyClosed,
    /// The import plan has errors: nothing is written.
    ImportHasErrors,
    /// A guard holds the import plan until an admin approves it.
    ImportHeld,
    /// The district signs in through single sign-on only: passwords are not used.
    PasswordsDisabled,
    /// The login or password is wrong (which one is not said).
    SignInFailed,
    /// The user may not sign in: suspended, locked, or not Active.
    SignInBlocked,
    /// A sync plan is applied only under the district's sync lease
    /// ([`Directory::apply_sync`](crate::Directory::apply_sync)), so two replicas never both
    /// run one.
    SyncNeedsLease,
    /// The user cannot be deleted because records refer to them: set them Inactive or
    /// Archived instead. The error is [`Error::HasHistory`], which also counts the records.
    HasHistory,
    /// The invitation's state does not allow the action (resending an accepted invitation,
    /// clearing one never sent).
    InvitationTransition,
    /// The invitation or reset link is unknown, used, expired or withdrawn (which one is not
    /// said).
    TokenInvalid,
    /// The user must change their temporary password before doing anything else.
    PasswordChangeRequired,
    /// A data transfer that would delete its source leaves records with them (conflicts):
    /// resolve them and plan again, or transfer without deleting.
    TransferLeavesData,
    /// The district does not take profile-update requests (the setting is off).
    RequestsDisabled,
    /// A profile-update request asks to change a field the SIS sync owns for this user: the
    /// SIS is the source, so the change must be made there.
    SisOwnedField,
    /// The profile-update request is not in a state that allows the action (marking done a
    /// request already done, restoring one that is new).
    RequestTransition,
    /// Not while acting as someone else: an impersonation cannot change credentials, roles
    /// or grants, or start another impersonation.
    NotWhileImpersonating,
    /// The impersonation has ended, run out, or its user may no longer impersonate: sign in
    /// as yourself again.
    ImpersonationEnded,
    /// The user wrote records about others and cannot be deleted: set them Inactive or
    /// transfer their work. The error is [`Error::AuthoredRecords`], which lists it.
    AuthoredRecords,
}

impl Refusal {
    /// The code's stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserNotActive => "user_not_active",
            Self::AupNotSigned => "aup_not_signed",
            Self::FeeNotPaid => "fee_not_paid",
            Self::DeviceAlreadyOut => "device_already_out",
            Self::AlreadyCheckedIn => "already_checked_in",
            Self::ModuleDisabled => "module_disabled",
            Self::Overpayment => "overpayment",
            Self::InvoiceVoid => "invoice_void",
            Self::AlreadyClosed => "already_closed",
            Self::ImportHasErrors => "import_has_errors",
            Self::ImportHeld => "import_held",
            Self::PasswordsDisabled => "passwords_disabled",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInBlocked => "sign_in_blocked",
            Self::SyncNeedsLease => "sync_needs_lease",
            Self::HasHistory => "has_history",
            Self::InvitationTransition => "invitation_transition",
            Self::TokenInvalid => "token_invalid",
            Self::PasswordChangeRequired => "password_change_required",
            Self::TransferLeavesData => "transfer_leaves_data",
            Self::RequestsDisabled => "requests_disabled",
            Self::SisOwnedField => "sis_owned_field",
            Self::RequestTransition => "request_transition",
            Self::NotWhileImpersonating => "not_while_impersonating",
            Self::ImpersonationEnded => "impersonation_ended",
            Self::AuthoredRecords => "authored_records",
        }
    }
}

/// What a [`Directory`](crate::Directory) command can fail with.
///
/// ```
/// use homeroom::{Error, ErrorKind, Entity};
/// let err = Error::NotFound { entity: Entity::User, id: "42".into() };
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.to_string(), "user 42 was not found");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("{entity} {id} was not found")]
    NotFound {
        /// What kind of thing.
        entity: Entity,
        /// Its id (or name).
        id: String,
    },
    /// The actor may see the target but lacks a permission the action needs.
    #[error("you need the '{permission}' permission {scope} to do this")]
    Forbidden {
        /// The permission missing.
        permission: crate::Permission,
        /// Where it is needed, for the message ("over this user", "district-wide", ...).
        scope: &'static str,
    },
    /// The actor may see the target but lacks a host application permission the action needs
    /// (the application counterpart of [`Error::Forbidden`], of the same kind).
    #[error("you need the '{permission}' permission {scope} to do this")]
    ForbiddenInApplication {
        /// The application's key.
        application: &'static str,
        /// The permission missing, as "Application: Permission".
        permission: String,
        /// Where it is needed.
        scope: &'static str,
    },
    /// The input was refused.
    #[error("the {entity} was not saved: {errors}")]
    Invalid {
        /// What was being saved.
        entity: Entity,
        /// Every problem, by field.
        errors: ValidationErrors,
    },
    /// The action is not allowed in the current state of things.
    #[error("{message}")]
    Refused {
        /// Why, as a stable code.
        reason: Refusal,
        /// Why and what to do, for the admin.
        message: String,
    },
    /// The user cannot be deleted because records refer to them. Its refusal code is
    /// [`Refusal::HasHistory`] (see [`Error::refusal`]).
    #[error(
        "this user cannot be deleted: they have {records}. Set them Inactive or Archived instead, or transfer their data to another user first"
    )]
    HasHistory {
        /// The user.
        user: crate::UserId,
        /// The records that block deletion, by kind and count.
        records: crate::records::RecordCounts,
    },
    /// The user cannot be deleted because they wrote records about other users, which must
    /// keep their author. Its refusal code is [`Refusal::AuthoredRecords`].
    #[error(
        "this user cannot be deleted: they wrote {written} about other users, which must keep their author. Set them Inactive (or remove their roles, which locks staff out) instead, or move their work to another user with Transfer Data first"
    )]
    AuthoredRecords {
        /// The user.
        user: crate::UserId,
        /// What they wrote, by kind and count.
        written: crate::records::RecordCounts,
    },
    /// The row changed since the caller read it.
    #[error(
        "{entity} {id} was changed by someone else since you loaded it (you had version {expected}, it is now version {found}); reload it and make your change again"
    )]
    Conflict {
        /// What kind of row.
        entity: Entity,
        /// Its id.
        id: String,
        /// The version the caller had.
        expected: u64,
        /// The version stored now.
        found: u64,
    },
    /// A bulk action's selection is not what its preview showed: a user in it changed, left
    /// or joined since the preview was made, so nothing was written. Make a new preview.
    #[error(
        "the selection changed since the preview (it touched {previewed} users, it would now touch {now}); nothing was changed: preview again"
    )]
    SelectionChanged {
        /// How many users the preview touched.
        previewed: u64,
        /// How many the same action would touch now.
        now: u64,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(StorageError),
}

impl Error {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Forbidden { .. } | Self::ForbiddenInApplication { .. } => ErrorKind::Forbidden,
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::Refused { .. } | Self::HasHistory { .. } | Self::AuthoredRecords { .. } => {
                ErrorKind::Refused
            }
            Self::Conflict { .. } | Self::SelectionChanged { .. } => ErrorKind::Conflict,
            Self::Storage(e) if e.kind() == StorageErrorKind::Unavailable => ErrorKind::Unavailable,
            Self::Storage(_) => ErrorKind::Storage,
        }
    }

    /// Why the action was refused, as a stable code, when the error is of kind
    /// [`ErrorKind::Refused`]: the `reason` of [`Error::Refused`], or
    /// [`Refusal::HasHistory`] for [`Error::HasHistory`]. Hosts can match every refusal here
    /// without knowing which variant carries it.
    ///
    /// ```
    /// use homeroom::{Error, Refusal, UserId};
    /// use homeroom::records::RecordCounts;
    ///
    /// let err = Error::HasHistory { user: UserId::from_uuid(uuid::Uuid::nil()), records: RecordCounts::default() };
    /// assert_eq!(err.refusal(), Some(Refusal::HasHistory));
    /// assert_eq!(err.refusal().map(Refusal::as_str), Some("has_history"));
    /// ```
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            Self::Refused { reason, .. } => Some(*reason),
            Self::HasHistory { .. } => Some(Refusal::HasHistory),
            Self::AuthoredRecords { .. } => Some(Refusal::AuthoredRecords),
            _ => None,
        }
    }

    /// The validation problems, when the input was refused.
    pub fn validation(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Invalid { errors, .. } => Some(errors),
            _ => None,
        }
    }

    pub(crate) fn not_found(entity: Entity, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn forbidden(permission: crate::Permission, scope: &'static str) -> Self {
        Self::Forbidden { permission, scope }
    }

    pub(crate) fn forbidden_in_application(
        info: crate::authz::AppPermissionInfo,
        scope: &'static str,
    ) -> Self {
        Self::ForbiddenInApplication {
            application: info.application.key,
            permission: info.to_string(),
            scope,
        }
    }

    pub(crate) fn refused(reason: Refusal, message: impl Into<String>) -> Self {
        Self::Refused {
            reason,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(entity: Entity, errors: ValidationErrors) -> Self {
        Self::Invalid { entity, errors }
    }

    pub(crate) fn invalid_field(entity: Entity, error: FieldError) -> Self {
        Self::invalid(entity, error.into())
    }
}

impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound { entity, id } => Self::NotFound { entity, id },
            StorageError::Conflict {
                entity,
                id,
                expected,
                found,
            } => Self::Conflict {
                entity,
                id,
                expected,
                found,
            },
            StorageError::AlreadyExists {
                key: UniqueKey::OpenCheckout,
                value,
                ..
            } => Self::refused(
                Refusal::DeviceAlreadyOut,
                format!("device '{value}' is already checked out; check it in first"),
            ),
            StorageError::AlreadyExists { entity, key, value } => match taken_field(key) {
                Some(field) => Self::invalid_field(
                    entity,
                    InvalidValue::new(ValidationCode::Taken, taken_message(entity, key, &value))
                        .at(field),
                ),
                None => Self::Storage(StorageError::AlreadyExists { entity, key, value }),
            },
            other => Self::Storage(other),
        }
    }
}

/// What a clash on a unique key says when the holder may not be named: the same words
/// whoever holds it, so the message tells nothing about them.
pub(crate) fn taken_message(entity: Entity, key: UniqueKey, value: &str) -> String {
    format!("another {entity} in this district already has {key} '{value}'")
}

/// The input field a unique key comes from.
pub(crate) fn taken_field(key: UniqueKey) -> Option<&'static str> {
    match key {
        UniqueKey::DistrictName => Some("name"),
        UniqueKey::OrgUnitCode => Some("code"),
        UniqueKey::LocalId => Some("local_id"),
        UniqueKey::Email => Some("email"),
        UniqueKey::Username => Some("username"),
        UniqueKey::RoleName => Some("name"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RecordCounts;
    use crate::{Permission, UserId};

    /// Every variant of a fieldless enum with its name, from one list that also feeds an
    /// exhaustive `match`: a variant missing from the list does not compile.
    macro_rules! every {
        ($ty:ident: $($variant:ident),+ $(,)?) => {{
            fn name(value: $ty) -> &'static str {
                match value {
                    $($ty::$variant => concat!(stringify!($ty), "::", stringify!($variant)),)+
                }
            }
            [$(($ty::$variant, name($ty::$variant))),+]
        }};
    }

    fn all_refusals() -> impl Iterator<Item = Refusal> {
        every!(Refusal:
            UserNotActive, AupNotSigned, FeeNotPaid, DeviceAlreadyOut, AlreadyCheckedIn,
            ModuleDisabled, Overpayment, InvoiceVoid, AlreadyClosed, ImportHasErrors, ImportHeld,
            PasswordsDisabled, SignInFailed, SignInBlocked, HasHistory, SyncNeedsLease,
            InvitationTransition, TokenInvalid, PasswordChangeRequired, TransferLeavesData,
            RequestsDisabled, SisOwnedField, RequestTransition, NotWhileImpersonating,
            ImpersonationEnded, AuthoredRecords,
        )
        .into_iter()
        .map(|(refusal, _)| refusal)
    }

    #[test]
    fn every_refused_error_names_its_refusal_and_no_other_error_does() {
        for reason in all_refusals() {
            let err = Error::refused(reason, "no");
            assert_eq!(
                (err.kind(), err.refusal()),
                (ErrorKind::Refused, Some(reason))
            );
        }
        let history = Error::HasHistory {
            user: UserId::from_uuid(uuid::Uuid::nil()),
            records: RecordCounts::default(),
        };
        assert_eq!(
            (history.kind(), history.refusal()),
            (ErrorKind::Refused, Some(Refusal::HasHistory))
        );
        let others = [
            Error::not_found(Entity::User, "42"),
            Error::forbidden(Permission::DeleteUsers, "over this user"),
            Error::Conflict {
                entity: Entity::User,
                id: "42".into(),
                expected: 1,
                found: 2,
            },
        ];
        for err in others {
            assert_eq!(err.refusal(), None, "{err}");
        }
    }

    #[test]
    fn refusal_codes_are_their_serde_names() {
        for reason in all_refusals() {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
    }

    /// The rows of docs/errors.md's tables: the backticked variant in the first cell, then the
    /// other cells.
    fn doc_rows() -> Vec<(String, Vec<String>)> {
        include_str!("../../docs/errors.md")
            .lines()
            .filter_map(|line| {
                let cells: Vec<String> = line
                    .trim()
                    .strip_prefix('|')?
                    .strip_suffix('|')?
                    .split('|')
                    .map(|cell| cell.trim().to_owned())
                    .collect();
                let variant = cells
                    .first()?
                    .strip_prefix('`')?
                    .strip_suffix('`')?
                    .to_owned();
                Some((variant, cells[1..].to_vec()))
            })
            .collect()
    }

    /// The row documenting `variant`, checked: a real HTTP status and a reason.
    fn documented<'a>(rows: &'a [(String, Vec<String>)], variant: &str) -> &'a [String] {
        let found: Vec<_> = rows.iter().filter(|(name, _)| name == variant).collect();
        assert_eq!(
            found.len(),
            1,
            "docs/errors.md must have exactly one row for `{variant}`"
        );
        let cells = &found[0].1;
        let [.., status, why] = cells.as_slice() else {
            panic!("`{variant}`: the row needs an HTTP status and a why: {cells:?}");
        };
        let code: u16 = status
            .split_whitespace()
            .next()
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("`{variant}`: no HTTP status in {status:?}"));
        assert!(
            (400..600).contains(&code),
            "`{variant}`: {code} is not an error status"
        );
        assert!(
            why.len() > 10,
            "`{variant}`: say why in a line, not {why:?}"
        );
        cells
    }

    #[test]
    fn errors_md_maps_every_variant() {
        let rows = doc_rows();
        let kinds = every!(ErrorKind: NotFound, Forbidden, Invalid, Refused, Conflict, Unavailable, Storage);
        let refusals = every!(Refusal:
            UserNotActive, AupNotSigned, FeeNotPaid, DeviceAlreadyOut, AlreadyCheckedIn,
            ModuleDisabled, Overpayment, InvoiceVoid, AlreadyClosed, ImportHasErrors, ImportHeld,
            PasswordsDisabled, SignInFailed, SignInBlocked, HasHistory, SyncNeedsLease,
            InvitationTransition, TokenInvalid, PasswordChangeRequired, TransferLeavesData,
            RequestsDisabled, SisOwnedField, RequestTransition, NotWhileImpersonating,
            ImpersonationEnded, AuthoredRecords,
        );
        let storage = every!(StorageErrorKind:
            NotFound, AlreadyExists, Conflict, Unsupported, Unavailable, LeaseLost, Backend,
        );
        let mut names: Vec<&str> = Vec::new();
        for (_, name) in kinds {
            documented(&rows, name);
            names.push(name);
        }
        for (refusal, name) in refusals {
            let cells = documented(&rows, name);
            assert_eq!(
                cells.first().map(String::as_str),
                Some(format!("`{}`", refusal.as_str()).as_str()),
                "`{name}`: the second cell is its code"
            );
            names.push(name);
        }
        for (_, name) in storage {
            documented(&rows, name);
            names.push(name);
        }
        // And nothing documented that is not a variant (a rename or a removal).
        for (variant, _) in &rows {
            assert!(
                names.contains(&variant.as_str()),
                "docs/errors.md documents `{variant}`, which is no variant"
            );
        }
    }
}
