//! Planning an import: each row → create / update / unchanged / error, as a pure function of the
//! rows read and the district's current state.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use super::ImportProgress;
use super::options::{ImportMode, ImportOptions};
use super::org_plan::{Lookup, OrgPlanner};
use super::plan_types::*;
use crate::activity::{FieldChange, diff_fields};
use crate::authz::PermissionSet;
use crate::authz::{Authority, Grant, Permission, Role, Scope};
use crate::directory::last_admin;
use crate::directory::user_validation::normalize_details;
use crate::ids::{OrgUnitId, RoleId, UserId};
use crate::import::{ImportData, ImportField, ImportIssue, ImportRow, IssueCode, split_list};
use crate::model::{
    District, Email, Grade, LocalId, OrgTree, RecordStatus, User, UserDetails, UserKind, Username,
};
use crate::password::Password;
use crate::validation::{InvalidValue, ValidationCode};

/// The planner's maps: keyed by text from the file, looked up once or more per row, so hashed
/// with foldhash (seeded per process, like std's, but several times faster on short keys).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The district as the plan sees it.
pub(crate) struct Current<'a> {
    pub district: &'a District,
    pub tree: &'a OrgTree,
    pub roles: &'a [Role],
    pub users: &'a [std::sync::Arc<User>],
    pub grants: &'a [Grant],
    pub authority: &'a Authority,
    /// When the plan is made (sign-in locks end).
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Plans `data` against `current`. Deterministic: the same input gives the same plan.
pub(crate) fn plan<'a>(
    data: &'a ImportData,
    current: &'a Current<'a>,
    options: &ImportOptions,
    progress: &dyn Fn(ImportProgress),
) -> ImportPlan {
    let mut planner = Planner::new(current, options);
    planner.rows.reserve_exact(data.users.len());
    planner.issues.extend(data.issues.iter().cloned());
    planner.errors = planner.issues.iter().filter(|i| i.is_error()).count();
    let mut org_issues = Vec::new();
    planner.orgs.plan_orgs(&data.orgs, &mut org_issues);
    planner.errors += org_issues.iter().filter(|i| i.is_error()).count();
    planner.issues.extend(org_issues);
    planner.users_file = data
        .users
        .first()
        .map_or_else(String::new, |row| row.source.file.to_string());
    let total = data.users.len() as u64;
    for (done, row) in data.users.iter().enumerate() {
        if done % 1000 == 0 {
            progress(ImportProgress::Planning {
                done: done as u64,
                total,
            });
        }
        let action = planner.plan_row(row);
        planner.rows.push(RowPlan {
            source: row.source.clone(),
            local_id: row.value(ImportField::LocalId).map(Into::into),
            action,
        });
    }
    // A row the reader flagged is an error row even if its cells planned fine.
    let flagged: BTreeSet<(&str, u32)> = data
        .issues
        .iter()
        .filter(|i| i.is_error())
        .filter_map(|i| i.row.map(|r| (i.file.as_str(), r)))
        .collect();
    if !flagged.is_empty() {
        for row in &mut planner.rows {
            if flagged.contains(&(&*row.source.file, row.source.row)) {
                row.action = RowAction::Error;
            }
        }
    }
    if options.sync {
        planner.plan_deactivations();
    }
    planner.finish()
}

struct Planner<'a> {
    current: &'a Current<'a>,
    options: &'a ImportOptions,
    /// The district's users by Local ID, as positions in `current.users`.
    by_local_id: Map<&'a str, usize>,
    /// For each of `current.users`, the row that lists them (0: none yet).
    listed: Vec<u32>,
    /// Who holds each e-mail and username, built when the first new user needs checking (a
    /// nightly sync that creates nobody never pays for it).
    key_holders: Option<KeyHolders>,
    /// The org units the plan creates or changes, and the tree with them in it.
    orgs: OrgPlanner<'a>,
    /// Who needs checking under "nobody acts on someone more powerful" and "the last System
    /// Administrator stays": built when the first existing user changes.
    powers: Option<Powers<'a>>,
    /// Users the plan takes out of action so far (made Inactive or Archived).
    leaving: BTreeSet<UserId>,
    /// The users file's name, for issues about users no row lists.
    users_file: String,
    /// Org unit names (as written in cells) already resolved.
    resolved_units: Map<&'a str, OrgUnitId>,
    /// Local IDs of no current user already on a row (as written there, trimmed), with that
    /// row's number.
    new_local_ids: Map<&'a str, u32>,
    file_emails: Map<String, u32>,
    file_usernames: Map<String, u32>,
    rows: Vec<RowPlan>,
    deactivations: Vec<Deactivation>,
    issues: Vec<ImportIssue>,
    /// How many of `issues` are errors (kept, not counted, so each row's check is O(1)).
    errors: usize,
}

impl<'a> Planner<'a> {
    fn new(current: &'a Current<'a>, options: &'a ImportOptions) -> Self {
        let mut by_local_id =
            Map::with_capacity_and_hasher(current.users.len(), Default::default());
        for (i, user) in current.users.iter().enumerate() {
            if let Some(id) = &user.details.local_id {
                by_local_id.insert(id.as_str(), i);
            }
        }
        Self {
            current,
            options,
            by_local_id,
            listed: vec![0; current.users.len()],
            key_holders: None,
            orgs: OrgPlanner::new(current.district, current.tree, current.authority),
            powers: None,
            leaving: BTreeSet::new(),
            users_file: String::new(),
            new_local_ids: Map::default(),
            resolved_units: Map::default(),
            file_emails: Map::default(),
            file_usernames: Map::default(),
            rows: Vec::new(),
            deactivations: Vec::new(),
            issues: Vec::new(),
            errors: 0,
        }
    }

    fn issue(
        &mut self,
        row: &ImportRow,
        field: Option<ImportField>,
        code: IssueCode,
        message: String,
        error: bool,
    ) {
        let mut issue = if error {
            ImportIssue::error(code, row.source.file.to_string(), message)
        } else {
            ImportIssue::warning(code, row.source.file.to_string(), message)
        }
        .at_row(row.source.row);
        if let Some(column) = field
            .and_then(|f| row.column_name(f))
            .or_else(|| field.map(ImportField::header))
        {
            issue = issue.in_column(column);
        }
        self.errors += usize::from(issue.is_error());
        self.issues.push(issue);
    }

    fn invalid(&mut self, row: &ImportRow, field: ImportField, problem: InvalidValue) {
        self.issue(
            row,
            Some(field),
            IssueCode::Invalid(problem.code.clone()),
            problem.message,
            true,
        );
    }

    fn plan_row(&mut self, row: &'a ImportRow) -> RowAction {
        let errors_before = self.error_count();
        let Some((local_id, existing)) = self.local_id(row) else {
            return RowAction::Error;
        };
        // Out of the importer's reach a user does not exist: the answers below are those for a
        // Local ID nobody holds, except that a held Local ID cannot be created again (the store
        // refuses it), so that is said, but never who holds it.
        let in_reach = existing.is_some_and(|user| {
            let units = || user.details.org_units.iter().copied();
            let authority = self.current.authority;
            authority.check_units(Permission::ViewUsers, units())
                && authority.check_units(Permission::ImportUsers, units())
        });
        let refusal = match (self.options.mode, existing) {
            (ImportMode::CreateOnly, Some(user)) => Some((
                IssueCode::UserExists,
                format!(
                    "Local ID {local_id} already belongs to {}; this import only creates users",
                    if in_reach {
                        user.details.name.display()
                    } else {
                        "another user".into()
                    }
                ),
            )),
            (ImportMode::UpdateOnly, None) | (ImportMode::UpdateOnly, Some(_)) if !in_reach => {
                Some((
                    IssueCode::UserNotFound,
                    format!("no user has Local ID {local_id}; this import only updates users"),
                ))
            }
            (ImportMode::Upsert, Some(_)) if !in_reach => Some((
                IssueCode::Invalid(ValidationCode::Taken),
                format!(
                    "Local ID '{local_id}' already belongs to another user; each person's Local ID must be unique in the district"
                ),
            )),
            _ => None,
        };
        if let Some((code, message)) = refusal {
            self.issue(row, Some(ImportField::LocalId), code, message, true);
            return RowAction::Error;
        }

        if let Some(user) = existing
            && row_matches(row, user, &self.resolved_units)
        {
            // The nightly sync's common row, decided without building the user again.
            return RowAction::Unchanged { user: user.id };
        }

        let mut details = existing.map_or_else(
            || UserDetails::new(self.options.default_kind, "", ""),
            |u| u.details.clone(),
        );
        let mut status = existing.map_or(RecordStatus::Active, |u| u.status);
        details.local_id = Some(LocalId::from_checked(local_id));
        self.apply_cells(row, existing, &mut details, &mut status);

        let details = match normalize_details(details, self.current.district, self.orgs.tree()) {
            Ok(details) => details,
            Err(errors) => {
                for e in errors.errors() {
                    let field = field_for_path(&e.field);
                    self.invalid(
                        row,
                        field,
                        InvalidValue::new(e.code.clone(), e.message.clone()),
                    );
                }
                return RowAction::Error;
            }
        };
        self.check_unique(row, existing.map(|u| u.id), &details);
        self.check_units_permitted(row, existing, &details);
        let grants = self.grants_for(row, existing, &details);
        if self.error_count() > errors_before {
            return RowAction::Error;
        }
        let temporary_password = self.temporary_password(row, existing);
        if self.error_count() > errors_before {
            return RowAction::Error;
        }
        match existing {
            None => RowAction::Create {
                details: Box::new(details),
                status,
                grants,
                temporary_password,
            },
            Some(user) => {
                // Equal details (the common case of a nightly sync) need no field listing.
                let mut changes = if details == user.details {
                    Vec::new()
                } else {
                    diff_fields(&user.details.field_values(), &details.field_values())
                };
                if status != user.status {
                    changes.push(FieldChange {
                        field: "status".into(),
                        old: Some(user.status.to_string()),
                        new: Some(status.to_string()),
                    });
                }
                if changes.is_empty() && grants.is_empty() && user.import_managed {
                    RowAction::Unchanged { user: user.id }
                } else if let Some((code, reason)) = self.refuse_change(user, status) {
                    let message = format!(
                        "you cannot change {}: {reason}",
                        user.details.name.display()
                    );
                    self.issue(row, Some(ImportField::LocalId), code, message, true);
                    RowAction::Error
                } else {
                    RowAction::Update {
                        user: user.id,
                        expected: user.version,
                        details: Box::new(details),
                        status,
                        changes,
                        grants,
                    }
                }
            }
        }
    }

    /// Why the importer may not change `user` (in their reach) and give them `status`: the
    /// user holds rights the importer does not hold (nobody acts on someone more powerful), or
    /// the change takes the district's last active System Administrator out of action. `None`
    /// when the change may go ahead; it is then counted as taking the user out of action if
    /// `status` is not Active.
    fn refuse_change(
        &mut self,
        user: &User,
        status: RecordStatus,
    ) -> Option<(IssueCode, &'static str)> {
        let current = self.current;
        let powers = self.powers.get_or_insert_with(|| Powers::of(current));
        if !current.authority.is_unlimited() {
            let held = powers.grants.get(&user.id).map_or(&[][..], Vec::as_slice);
            let theirs = Authority::compile(held, &powers.roles, current.tree);
            if !current.authority.covers(&theirs) {
                return Some((
                    IssueCode::NotPermitted,
                    "they hold rights you do not hold, and only someone who holds all of them may change them; ask an administrator who does",
                ));
            }
        }
        if status != RecordStatus::Active && powers.admins.contains(&user.id) {
            let mut leaving = self.leaving.clone();
            leaving.insert(user.id);
            let admins = &powers.admin_users;
            if last_admin::refuse_leaving_no_system_administrator(
                current.roles,
                current.grants,
                |id| admins.get(&id).copied(),
                current.now,
                None,
                &leaving,
            )
            .is_err()
            {
                return Some((
                    IssueCode::Invalid(ValidationCode::LastSystemAdministrator),
                    "they are the district's last active System Administrator; grant the role to someone else first, or keep them Active",
                ));
            }
            self.leaving = leaving;
        }
        None
    }

    fn error_count(&self) -> usize {
        self.errors
    }

    /// The row's Local ID (checked, trimmed) and the current user holding it, unless the ID
    /// is bad or already on another row.
    fn local_id(&mut self, row: &'a ImportRow) -> Option<(&'a str, Option<&'a User>)> {
        let raw = row.get(ImportField::LocalId).unwrap_or("");
        let local_id = match LocalId::check(raw) {
            Ok(id) => id,
            Err(problem) => {
                self.invalid(row, ImportField::LocalId, problem);
                return None;
            }
        };
        let at = row.source.row.max(1);
        let (first, existing) = match self.by_local_id.get(local_id) {
            Some(&i) => {
                let listed = self.listed.get_mut(i)?;
                let first = *listed;
                if first == 0 {
                    *listed = at;
                }
                (first, self.current.users.get(i).map(|u| &**u))
            }
            None => match self.new_local_ids.entry(local_id) {
                Entry::Occupied(listed) => (*listed.get(), None),
                Entry::Vacant(slot) => {
                    slot.insert(at);
                    (0, None)
                }
            },
        };
        if first != 0 {
            let message =
                format!("Local ID {local_id} is also on row {first}; each person may appear once");
            self.issue(
                row,
                Some(ImportField::LocalId),
                IssueCode::DuplicateLocalId,
                message,
                true,
            );
            return None;
        }
        Some((local_id, existing))
    }

    /// Copies every cell of a present column onto `details`. A blank cell clears an optional
    /// field; protected fields of existing users are left alone, with a warning if the file
    /// differs.
    fn apply_cells(
        &mut self,
        row: &'a ImportRow,
        existing: Option<&User>,
        details: &mut UserDetails,
        status: &mut RecordStatus,
    ) {
        let text = |f: ImportField| row.get(f).map(str::trim);
        let opt = |f: ImportField| text(f).map(|v| (!v.is_empty()).then(|| v.to_owned()));
        // Assigned only when different: an existing user's values are kept, not copied again.
        for (field, slot) in [
            (ImportField::FirstName, &mut details.name.first),
            (ImportField::LastName, &mut details.name.last),
        ] {
            if let Some(v) = text(field)
                && slot.as_str() != v
            {
                v.clone_into(slot);
            }
        }
        for (field, slot) in [
            (ImportField::MiddleName, &mut details.name.middle),
            (ImportField::PreferredName, &mut details.name.preferred),
            (ImportField::Prefix, &mut details.name.prefix),
            (ImportField::Suffix, &mut details.name.suffix),
            (ImportField::JobTitle, &mut details.job_title),
            (ImportField::StateEducatorId, &mut details.state_educator_id),
            (ImportField::HomePhone, &mut details.phones.home),
            (ImportField::MobilePhone, &mut details.phones.mobile),
            (ImportField::Fax, &mut details.phones.fax),
            (ImportField::Pager, &mut details.phones.pager),
            (ImportField::TimeZone, &mut details.time_zone),
        ] {
            if let Some(v) = text(field)
                && slot.as_deref().unwrap_or_default() != v
            {
                *slot = (!v.is_empty()).then(|| v.to_owned());
            }
        }
        for (field, name) in [
            (ImportField::GradeLevels, "Grade Levels"),
            (ImportField::ContentAreas, "Content Areas"),
        ] {
            match opt(field) {
                Some(Some(v)) => {
                    details.custom_fields.insert(name.into(), v);
                }
                Some(None) => {
                    details.custom_fields.remove(name);
                }
                None => {}
            }
        }
        if let Some(v) = text(ImportField::Grade) {
            details.grade = match (!v.is_empty()).then(|| Grade::parse(v)).transpose() {
                Ok(grade) => grade,
                Err(problem) => {
                    self.invalid(row, ImportField::Grade, problem);
                    details.grade.clone()
                }
            };
        }
        if let Some(kind) = self.kind(row) {
            details.kind = kind;
        }
        self.protected(row, existing, ImportField::Email, details);
        self.protected(row, existing, ImportField::Username, details);
        if let Some(units) = self.units(row) {
            details.org_units = units;
        }
        if let Some(v) = opt(ImportField::Status).flatten() {
            match v.to_lowercase().as_str() {
                "active" => *status = RecordStatus::Active,
                "inactive" | "tobedeleted" => *status = RecordStatus::Inactive,
                "archived" => *status = RecordStatus::Archived,
                _ => {
                    let message =
                        format!("'{v}' is not a status; use Active, Inactive or Archived");
                    self.invalid(
                        row,
                        ImportField::Status,
                        InvalidValue::new(ValidationCode::InvalidCharacters, message),
                    );
                }
            }
        }
        if let Some(roster) = row.roster()
            && roster
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("tobedeleted"))
        {
            *status = RecordStatus::Inactive;
        }
    }

    /// The Temporary Password cell: set only on a user the import creates (passwords are
    /// protected), and not at all where the district signs in through SSO only.
    fn temporary_password(&mut self, row: &ImportRow, existing: Option<&User>) -> Option<Password> {
        let value = row
            .get(ImportField::TemporaryPassword)
            .filter(|v| !v.trim().is_empty())?;
        let ignored = if existing.is_some() {
            Some(
                "a temporary password is set only when the import creates the user; this user exists, so their password was kept",
            )
        } else if self.current.district.settings.sso_only {
            Some(
                "this district signs in through single sign-on only, so the temporary password was not set",
            )
        } else {
            None
        };
        if let Some(message) = ignored {
            let field = Some(ImportField::TemporaryPassword);
            self.issue(
                row,
                field,
                IssueCode::PasswordIgnored,
                message.into(),
                false,
            );
            return None;
        }
        match Password::new(value) {
            Ok(password) => Some(password),
            Err(problem) => {
                self.invalid(row, ImportField::TemporaryPassword, problem);
                None
            }
        }
    }

    fn kind(&mut self, row: &ImportRow) -> Option<UserKind> {
        if let Some(roster) = row.roster() {
            return Some(if roster.primary_role.eq_ignore_ascii_case("student") {
                UserKind::Student
            } else {
                UserKind::Staff
            });
        }
        let value = row.value(ImportField::Kind)?;
        match parse_kind(value) {
            Some(kind) => Some(kind),
            None => {
                let message = format!("'{value}' is not a kind of user; use Student or Staff");
                self.invalid(
                    row,
                    ImportField::Kind,
                    InvalidValue::new(ValidationCode::InvalidCharacters, message),
                );
                None
            }
        }
    }

    /// E-mail and username are set only when a user is created.
    fn protected(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        field: ImportField,
        details: &mut UserDetails,
    ) {
        let Some(value) = row.value(field).map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        match existing {
            None => match field {
                ImportField::Email => match Email::parse(value) {
                    Ok(email) => details.email = Some(email),
                    Err(problem) => self.invalid(row, field, problem),
                },
                _ => match Username::parse(value) {
                    Ok(name) => details.username = Some(name),
                    Err(problem) => self.invalid(row, field, problem),
                },
            },
            Some(user) => {
                let current = match field {
                    ImportField::Email => user.details.email.as_ref().map(Email::key),
                    _ => user.details.username.as_ref().map(Username::key),
                };
                if !current
                    .as_deref()
                    .is_some_and(|c| same_ignoring_case(c, value))
                {
                    let message = format!(
                        "{} is protected: import never changes it for an existing user (kept '{}')",
                        field.header(),
                        current.unwrap_or_default()
                    );
                    self.issue(row, Some(field), IssueCode::ProtectedField, message, false);
                }
            }
        }
    }

    /// The org units a row names, or `None` when it names none (no column, or a OneRoster row
    /// without orgs).
    fn units(&mut self, row: &'a ImportRow) -> Option<BTreeSet<OrgUnitId>> {
        if let Some(roster) = row.roster() {
            let units: BTreeSet<OrgUnitId> = roster
                .org_sourced_ids
                .iter()
                .filter_map(|s| self.orgs.roster_unit(s))
                .collect();
            return Some(units);
        }
        let columns = [ImportField::Building, ImportField::AuthorizedOrganizations];
        if !columns.iter().any(|f| row.get(*f).is_some()) {
            return None;
        }
        let mut units = BTreeSet::new();
        for field in columns {
            for name in row.get(field).map(split_list).into_iter().flatten() {
                if let Some(id) = self.resolve_unit(row, field, name) {
                    units.insert(id);
                }
            }
        }
        Some(units)
    }

    /// The unit a cell names, by name or code (case-insensitive); a name resolved once is
    /// remembered, as a roster names the same few buildings on every row.
    fn resolve_unit(
        &mut self,
        row: &ImportRow,
        field: ImportField,
        name: &'a str,
    ) -> Option<OrgUnitId> {
        if let Some(id) = self.resolved_units.get(name) {
            return Some(*id);
        }
        let key = name.trim().to_lowercase();
        if key.is_empty() {
            return None;
        }
        let id = self.resolve_unit_key(row, field, name, key)?;
        self.resolved_units.insert(name, id);
        Some(id)
    }

    fn resolve_unit_key(
        &mut self,
        row: &ImportRow,
        field: ImportField,
        name: &str,
        key: String,
    ) -> Option<OrgUnitId> {
        match self.orgs.lookup(&key) {
            Lookup::One(id) => Some(id),
            Lookup::Ambiguous => {
                let message =
                    format!("more than one org unit is called '{name}'; use its code instead");
                self.issue(row, Some(field), IssueCode::AmbiguousOrgUnit, message, true);
                None
            }
            Lookup::Unknown if self.options.create_org_units => {
                let created = self.orgs.create_school(name, &key);
                if created.is_none() {
                    let message = format!(
                        "no org unit in {} is named or coded '{name}', and creating one needs the Manage Org Units permission district-wide; ask an administrator to create it first",
                        self.current.district.name
                    );
                    self.issue(row, Some(field), IssueCode::NotPermitted, message, true);
                }
                created
            }
            Lookup::Unknown => {
                let message = format!(
                    "no org unit in {} is named or coded '{name}'; fix the name, create it first, or import with the option to create org units",
                    self.current.district.name
                );
                self.issue(row, Some(field), IssueCode::UnknownOrgUnit, message, true);
                None
            }
        }
    }

    /// E-mail and username must be free: not held by another user, not on an earlier row. An
    /// existing user keeps both (they are protected), so only new users are checked.
    fn check_unique(&mut self, row: &ImportRow, this: Option<UserId>, details: &UserDetails) {
        if this.is_some() {
            return;
        }
        let checks = [
            (ImportField::Email, details.email.as_ref().map(Email::key)),
            (
                ImportField::Username,
                details.username.as_ref().map(Username::key),
            ),
        ];
        let users = self.current.users;
        for (field, key) in checks {
            let Some(key) = key else { continue };
            let held = self
                .key_holders
                .get_or_insert_with(|| KeyHolders::of(users));
            // A sign-in accepts a username or an e-mail, so each must be free as the other
            // kind of login too: no username may shadow someone's e-mail.
            let (existing, shadowed, in_file, other_in_file) = match field {
                ImportField::Email => (
                    &held.emails,
                    &held.usernames,
                    &mut self.file_emails,
                    &self.file_usernames,
                ),
                _ => (
                    &held.usernames,
                    &held.emails,
                    &mut self.file_usernames,
                    &self.file_emails,
                ),
            };
            let taken_by_other = existing.contains_key(&key) || shadowed.contains_key(&key);
            let earlier = in_file
                .get(&key)
                .or_else(|| other_in_file.get(&key))
                .copied();
            in_file.entry(key.clone()).or_insert(row.source.row);
            if taken_by_other {
                let message = format!("{} '{key}' already belongs to another user", field.header());
                self.invalid(
                    row,
                    field,
                    InvalidValue::new(ValidationCode::Taken, message),
                );
            } else if let Some(first) = earlier.filter(|r| *r != row.source.row) {
                let message = format!("{} '{key}' is also on row {first}", field.header());
                self.invalid(
                    row,
                    field,
                    InvalidValue::new(ValidationCode::Taken, message),
                );
            }
        }
    }

    /// A scoped importer may place users only in units where they hold Import Users.
    fn check_units_permitted(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        details: &UserDetails,
    ) {
        let authority = self.current.authority;
        if authority.check_district(Permission::ImportUsers) {
            return;
        }
        let before = existing
            .map(|u| u.details.org_units.clone())
            .unwrap_or_default();
        let touched: Vec<OrgUnitId> = details
            .org_units
            .symmetric_difference(&before)
            .copied()
            .collect();
        let outside = touched
            .iter()
            .any(|u| !self.orgs.holds(Permission::ImportUsers, *u));
        if outside || details.org_units.is_empty() {
            let message =
                "this row places the user outside the buildings you may import into".to_string();
            self.issue(
                row,
                Some(ImportField::Building),
                IssueCode::NotPermitted,
                message,
                true,
            );
        }
    }

    /// Roles from the Roles and Group Name columns (by name), and mapped OneRoster roles. A grant
    /// covers the user's org units, or the district when they have none; the importer must hold
    /// every permission of the role there (no escalation). Grants the user holds already are
    /// skipped.
    fn grants_for(
        &mut self,
        row: &ImportRow,
        existing: Option<&User>,
        details: &UserDetails,
    ) -> Vec<PlannedGrant> {
        let mut wanted: Vec<(ImportField, RoleId, String)> = Vec::new();
        for field in [ImportField::Roles, ImportField::GroupName] {
            let names: Vec<String> = row
                .get(field)
                .map(|v| split_list(v).map(str::to_owned).collect())
                .unwrap_or_default();
            for name in names {
                match self
                    .current
                    .roles
                    .iter()
                    .find(|r| Role::name_key(&r.name) == Role::name_key(&name))
                {
                    Some(role) => wanted.push((field, role.id, role.name.clone())),
                    None => {
                        let message = format!(
                            "no role in {} is named '{name}'",
                            self.current.district.name
                        );
                        self.issue(row, Some(field), IssueCode::UnknownRole, message, true);
                    }
                }
            }
        }
        if let Some(roster) = row.roster() {
            for role in &roster.roles {
                let Some(id) = self.options.oneroster_roles.get(&role.role.to_lowercase()) else {
                    continue;
                };
                // A mapping to a role this district lacks is an error before any check: its
                // permissions are unknown, so nothing could be checked against them.
                match self.current.roles.iter().find(|r| r.id == *id) {
                    Some(known) => wanted.push((ImportField::Roles, *id, known.name.clone())),
                    None => {
                        let message = format!(
                            "the OneRoster role '{}' is mapped to role {id}, which {} does not have; fix the role mapping",
                            role.role, self.current.district.name
                        );
                        self.issue(
                            row,
                            Some(ImportField::Roles),
                            IssueCode::UnknownRole,
                            message,
                            true,
                        );
                    }
                }
            }
        }
        if wanted.is_empty() {
            return Vec::new();
        }
        let scope = if details.org_units.is_empty() {
            Scope::District
        } else {
            Scope::OrgUnits(details.org_units.clone())
        };
        let held: Vec<&Grant> = existing
            .map(|u| {
                self.current
                    .grants
                    .iter()
                    .filter(|g| g.holder == u.id)
                    .collect()
            })
            .unwrap_or_default();
        let mut grants: Vec<PlannedGrant> = Vec::new();
        for (field, role_id, name) in wanted {
            if held.iter().any(|g| g.role == role_id && g.scope == scope)
                || grants.iter().any(|g| g.role == role_id)
            {
                continue;
            }
            let permissions = self
                .current
                .roles
                .iter()
                .find(|r| r.id == role_id)
                .map(|r| r.permissions)
                .unwrap_or_default()
                .with(Permission::ManageRoles);
            if !self.holds_over(permissions, &scope) {
                let message = format!(
                    "you cannot grant {name} here: it holds permissions you do not hold over those buildings"
                );
                self.issue(row, Some(field), IssueCode::NotPermitted, message, true);
                continue;
            }
            grants.push(PlannedGrant {
                role: role_id,
                scope: scope.clone(),
            });
        }
        grants
    }

    /// True when the importer holds every permission of `permissions` over the whole of
    /// `scope`, whose units may be ones this plan creates.
    fn holds_over(&self, permissions: PermissionSet, scope: &Scope) -> bool {
        match scope {
            Scope::District => self.current.authority.holds_over(permissions, scope),
            Scope::OrgUnits(units) => units
                .iter()
                .all(|u| permissions.iter().all(|p| self.orgs.holds(p, *u))),
        }
    }

    /// Import-managed Active users the file no longer lists become Inactive.
    fn plan_deactivations(&mut self) {
        let current = self.current;
        let mut gone: Vec<&User> = current
            .users
            .iter()
            .zip(&self.listed)
            .filter(|(u, listed)| {
                **listed == 0 && u.import_managed && u.status == RecordStatus::Active
            })
            .map(|(u, _)| &**u)
            .collect();
        gone.sort_by(|a, b| deactivation_order(a).cmp(&deactivation_order(b)));
        let mut deactivations = Vec::with_capacity(gone.len());
        for user in gone {
            let name = user.details.name.display();
            let local_id = user
                .details
                .local_id
                .as_ref()
                .map(|l| l.as_str().to_owned());
            if let Some((code, reason)) = self.refuse_change(user, RecordStatus::Inactive) {
                let message = format!(
                    "the file no longer lists {name} (Local ID {}), but this sync cannot make them Inactive: {reason}",
                    local_id.as_deref().unwrap_or("none")
                );
                let issue = ImportIssue::error(code, self.users_file.clone(), message);
                self.errors += 1;
                self.issues.push(issue);
                continue;
            }
            deactivations.push(Deactivation {
                user: user.id,
                expected: user.version,
                name,
                local_id,
            });
        }
        self.deactivations = deactivations;
    }

    fn finish(self) -> ImportPlan {
        let mut counts = PlanCounts::default();
        for row in &self.rows {
            match row.action {
                RowAction::Create { .. } => counts.created += 1,
                RowAction::Update { .. } => counts.updated += 1,
                RowAction::Unchanged { .. } => counts.unchanged += 1,
                RowAction::Error => counts.error_rows += 1,
            }
        }
        counts.deactivated = self.deactivations.len() as u64;
        // Reading every user costs a cache miss each; only a plan that changes someone needs it.
        let managed = if counts.deactivated + counts.updated > 0 {
            self.current
                .users
                .iter()
                .filter(|u| u.import_managed && u.status == RecordStatus::Active)
                .count() as u64
        } else {
            0
        };
        let guard = self.options.guard;
        let mut held = Vec::new();
        for (what, count, max, percent) in [
            (
                "deactivate",
                counts.deactivated,
                guard.max_deactivate,
                guard.max_deactivate_percent,
            ),
            (
                "update",
                counts.updated,
                guard.max_update,
                guard.max_update_percent,
            ),
        ] {
            if let Some(max) = max.filter(|m| count > *m) {
                held.push(GuardTrip {
                    what,
                    count,
                    of: managed,
                    limit: max.to_string(),
                });
            } else if let Some(p) =
                percent.filter(|p| count > 0 && count * 100 > u64::from(*p) * managed)
            {
                held.push(GuardTrip {
                    what,
                    count,
                    of: managed,
                    limit: format!("{p}%"),
                });
            }
        }
        let mut issues = self.issues;
        issues.sort_by(|a, b| {
            (&a.file, a.row, a.column.is_none()).cmp(&(&b.file, b.row, b.column.is_none()))
        });
        ImportPlan {
            district: self.current.district.id,
            district_version: self.current.district.version,
            sync: self.options.sync,
            rows: self.rows,
            org_units: self.orgs.finish(),
            deactivations: self.deactivations,
            issues,
            held,
            counts,
        }
    }
}

/// The kind a Kind cell names (any case), if it names one.
fn parse_kind(value: &str) -> Option<UserKind> {
    match value.trim().to_lowercase().as_str() {
        "student" | "students" | "learner" => Some(UserKind::Student),
        "staff" | "teacher" | "administrator" | "aide" | "employee" => Some(UserKind::Staff),
        _ => None,
    }
}

/// True when planning `row` against `user` in full would certainly find nothing to change,
/// warn about or grant: every cell equals what is stored (org units by names already
/// resolved). Anything it cannot decide cheaply answers `false`, and the row is planned in
/// full; so a `true` is always right, a `false` only costs time.
fn row_matches(row: &ImportRow, user: &User, resolved_units: &Map<&str, OrgUnitId>) -> bool {
    if !user.import_managed || row.roster().is_some() {
        return false;
    }
    let d = &user.details;
    let same_opt = |value: &str, stored: &Option<String>| {
        value.trim() == stored.as_deref().unwrap_or_default()
    };
    let same_custom = |value: &str, name: &str| {
        value.trim() == d.custom_fields.get(name).map_or("", String::as_str)
    };
    for (_, field, value) in row.cells() {
        let Some(field) = field else { continue };
        let blank = value.trim().is_empty();
        let same = match field {
            ImportField::LocalId | ImportField::Building | ImportField::AuthorizedOrganizations => {
                true
            }
            ImportField::FirstName => value.trim() == d.name.first,
            ImportField::LastName => value.trim() == d.name.last,
            ImportField::MiddleName => same_opt(value, &d.name.middle),
            ImportField::PreferredName => same_opt(value, &d.name.preferred),
            ImportField::Prefix => same_opt(value, &d.name.prefix),
            ImportField::Suffix => same_opt(value, &d.name.suffix),
            ImportField::JobTitle => same_opt(value, &d.job_title),
            ImportField::StateEducatorId => same_opt(value, &d.state_educator_id),
            ImportField::HomePhone => same_opt(value, &d.phones.home),
            ImportField::MobilePhone => same_opt(value, &d.phones.mobile),
            ImportField::Fax => same_opt(value, &d.phones.fax),
            ImportField::Pager => same_opt(value, &d.phones.pager),
            ImportField::TimeZone => same_opt(value, &d.time_zone),
            ImportField::GradeLevels => same_custom(value, "Grade Levels"),
            ImportField::ContentAreas => same_custom(value, "Content Areas"),
            ImportField::Email => {
                blank
                    || d.email
                        .as_ref()
                        .is_some_and(|e| same_ignoring_case(e.as_str(), value.trim()))
            }
            ImportField::Username => {
                blank
                    || d.username
                        .as_ref()
                        .is_some_and(|u| same_ignoring_case(u.as_str(), value.trim()))
            }
            ImportField::Grade if blank => d.grade.is_none(),
            ImportField::Grade => Grade::parse(value).is_ok_and(|g| Some(g) == d.grade),
            ImportField::Kind => blank || parse_kind(value) == Some(d.kind),
            // Roles, groups, a status, a password: planned in full when given.
            _ => blank,
        };
        if !same {
            return false;
        }
    }
    let columns = [ImportField::Building, ImportField::AuthorizedOrganizations];
    if columns.iter().any(|f| row.get(*f).is_some()) {
        // The same set both ways, without collecting the names (a row names a unit or two).
        let names = || {
            columns
                .iter()
                .filter_map(|f| row.get(*f))
                .flat_map(split_list)
                .map(|name| resolved_units.get(name).copied())
        };
        let all_held = names().all(|id| id.is_some_and(|id| d.org_units.contains(&id)));
        if !all_held || !d.org_units.iter().all(|u| names().any(|id| id == Some(*u))) {
            return false;
        }
    }
    true
}

/// Deactivations are listed by Local ID (users without one first), then id.
fn deactivation_order(user: &User) -> (Option<&str>, UserId) {
    (user.details.local_id.as_ref().map(LocalId::as_str), user.id)
}

/// True when `a` and `b` are the same text once lower-cased (as e-mail and username keys are).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The users holding each e-mail and username key.
struct KeyHolders {
    emails: Map<String, UserId>,
    usernames: Map<String, UserId>,
}

impl KeyHolders {
    fn of(users: &[std::sync::Arc<User>]) -> Self {
        let mut emails = Map::with_capacity_and_hasher(users.len(), Default::default());
        let mut usernames = Map::with_capacity_and_hasher(users.len(), Default::default());
        for user in users {
            if let Some(email) = &user.details.email {
                emails.insert(email.key(), user.id);
            }
            if let Some(username) = &user.details.username {
                usernames.insert(username.key(), user.id);
            }
        }
        Self { emails, usernames }
    }
}

/// The column a validation error on a `UserDetails` field path belongs to.
fn field_for_path(path: &str) -> ImportField {
    match path {
        "name.first" => ImportField::FirstName,
        "name.last" => ImportField::LastName,
        "name.middle" => ImportField::MiddleName,
        "name.preferred" => ImportField::PreferredName,
        "name.prefix" => ImportField::Prefix,
        "name.suffix" => ImportField::Suffix,
        "job_title" => ImportField::JobTitle,
        "email" => ImportField::Email,
        "username" => ImportField::Username,
        "grade" => ImportField::Grade,
        "state_educator_id" => ImportField::StateEducatorId,
        "org_units" => ImportField::Building,
        "phones.home" => ImportField::HomePhone,
        "phones.mobile" => ImportField::MobilePhone,
        "phones.fax" => ImportField::Fax,
        "phones.pager" => ImportField::Pager,
        "time_zone" => ImportField::TimeZone,
        "custom.Grade Levels" => ImportField::GradeLevels,
        "custom.Content Areas" => ImportField::ContentAreas,
        _ => ImportField::LocalId,
    }
}

/// The roles, grants and System Administrators the planner compares an importer with, built
/// once when the first existing user changes.
struct Powers<'a> {
    roles: std::collections::HashMap<RoleId, PermissionSet>,
    grants: Map<UserId, Vec<Grant>>,
    admins: BTreeSet<UserId>,
    admin_users: Map<UserId, &'a User>,
}

impl<'a> Powers<'a> {
    fn of(current: &Current<'a>) -> Self {
        let roles = Role::permissions_by_id(current.roles);
        let mut grants: Map<UserId, Vec<Grant>> = Map::default();
        for grant in current.grants {
            grants.entry(grant.holder).or_default().push(grant.clone());
        }
        let admins = last_admin::system_administrator_holders(current.roles, current.grants);
        let admin_users = if admins.is_empty() {
            Map::default()
        } else {
            current
                .users
                .iter()
                .filter(|u| admins.contains(&u.id))
                .map(|u| (u.id, &**u))
                .collect()
        };
        Self {
            roles,
            grants,
            admins,
            admin_users,
        }
    }
}
