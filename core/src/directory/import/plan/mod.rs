//! Planning an import: each row → create / update / unchanged / error, as a pure function of the
//! rows read and the district's current state.
//!
//! The [`Planner`] holds what planning has seen so far; its work is split by concern: `row`
//! (matching a row to a user and deciding its action), `cells`, `credentials`, `units`,
//! `grants`, `safety` (who may change whom), `deactivations` and `guards` (a sync's), and
//! `unchanged` and `fingerprint` (the nightly sync's fast paths), `skip` (a whole plan of
//! unchanged rows from fingerprints alone).

mod cells;
mod credentials;
mod deactivations;
pub(crate) mod fingerprint;
mod grants;
mod guards;
mod key_rows;
mod row;
mod safety;
pub(crate) mod skip;
mod unchanged;
mod units;
mod welcome;

use std::collections::{BTreeSet, HashMap};

use credentials::KeyHolders;
use safety::Powers;

use super::ImportProgress;
use super::options::ImportOptions;
use super::org_plan::OrgPlanner;
use super::plan_types::*;
use crate::authz::{Authority, Grant, Role};
use crate::error::Error;
use crate::ids::{OrgUnitId, UserId};
use crate::import::{ImportData, ImportField, ImportIssue, ImportRow, IssueCode};
use crate::messaging::Welcome;
use crate::model::{District, OrgTree, RecordStatus, User};
use crate::validation::InvalidValue;

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
    /// The host applications the directory knows (for application columns).
    pub apps: &'a crate::authz::Applications,
    /// The applications each user is enabled for (loaded only when the file has application
    /// columns).
    pub enabled: &'a HashMap<UserId, BTreeSet<String>>,
    /// When the plan is made (sign-in locks end).
    pub now: chrono::DateTime<chrono::Utc>,
    /// What rows are planned under ([`fingerprint::context_hash`]); `None`: no fingerprints.
    pub context: Option<crate::model::FingerprintHash>,
}

/// Plans `data` against `current`. Deterministic: the same input gives the same plan.
pub(crate) fn plan<'a>(
    data: &'a ImportData,
    current: &'a Current<'a>,
    options: &ImportOptions,
    progress: &dyn Fn(ImportProgress),
) -> Result<ImportPlan, Error> {
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
        planner.row_apps.clear();
        planner.row_print = None;
        let action = planner.plan_row(row)?;
        let applications = if matches!(action, RowAction::Error) {
            Vec::new()
        } else {
            std::mem::take(&mut planner.row_apps)
        };
        // Only a row that writes its user leaves a fingerprint.
        let fingerprint = match action {
            RowAction::Create { .. } | RowAction::Update { .. } => planner.row_print,
            RowAction::Unchanged { .. } | RowAction::Error => None,
        };
        planner.rows.push(RowPlan {
            source: row.source.clone(),
            local_id: row.value(ImportField::LocalId).map(Into::into),
            action,
            applications,
            fingerprint,
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
    forget_prints_of_rows_with_issues(&mut planner.rows, &planner.issues);
    Ok(planner.finish())
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
    /// The rows that first held each e-mail and username key of a new or changed user.
    file_emails: key_rows::KeyRows,
    file_usernames: key_rows::KeyRows,
    rows: Vec<RowPlan>,
    /// The applications the row being planned enables its user for.
    row_apps: Vec<String>,
    /// The fingerprint of the row being planned, when it may have one.
    row_print: Option<crate::model::FingerprintHash>,
    /// Digests rows, each file's header hashed once.
    row_hasher: fingerprint::RowHasher,
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
            file_emails: key_rows::KeyRows::default(),
            file_usernames: key_rows::KeyRows::default(),
            rows: Vec::new(),
            row_apps: Vec::new(),
            row_print: None,
            row_hasher: fingerprint::RowHasher::default(),
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

    /// An error on `row` in the column headed `column` (one no field names: an application's).
    fn error_in(&mut self, row: &ImportRow, column: &str, code: IssueCode, message: String) {
        let issue = ImportIssue::error(code, row.source.file.to_string(), message)
            .at_row(row.source.row)
            .in_column(column);
        self.errors += 1;
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

    fn error_count(&self) -> usize {
        self.errors
    }

    fn finish(self) -> ImportPlan {
        let mut counts = PlanCounts::default();
        let welcomes = self.options.welcome != Welcome::Never;
        for row in &self.rows {
            match &row.action {
                RowAction::Create { details, .. } => {
                    counts.created += 1;
                    counts.welcomes += u64::from(welcomes && details.has_email());
                }
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
        let held = guards::held(counts, managed, self.options.guard);
        let mut issues = self.issues;
        sort_issues(&mut issues);
        ImportPlan {
            district: self.current.district.id,
            district_version: self.current.district.version,
            sync: self.options.sync,
            temporary_passwords_must_change: self.options.temporary_passwords_must_change,
            welcome: self.options.welcome,
            rows: self.rows,
            org_units: self.orgs.finish(),
            deactivations: self.deactivations,
            issues,
            held,
            counts,
            context: self.current.context,
        }
    }
}

/// Issues by file, row, and a row's cell issues before its row-wide ones (stable otherwise).
fn sort_issues(issues: &mut [ImportIssue]) {
    issues.sort_by(|a, b| {
        (&a.file, a.row, a.column.is_none()).cmp(&(&b.file, b.row, b.column.is_none()))
    });
}

/// A row with any issue, even a warning, leaves no fingerprint: planned again it would warn
/// again, which a skipped row cannot.
fn forget_prints_of_rows_with_issues(rows: &mut [RowPlan], issues: &[ImportIssue]) {
    let noted: BTreeSet<(&str, u32)> = issues
        .iter()
        .filter_map(|i| i.row.map(|r| (i.file.as_str(), r)))
        .collect();
    if noted.is_empty() {
        return;
    }
    for row in rows {
        if noted.contains(&(&*row.source.file, row.source.row)) {
            row.fingerprint = None;
        }
    }
}
