//! `roles.csv` (OneRoster 1.2): which role each user has at which org.

use std::collections::{HashMap, HashSet};

use super::csv_file::RosterFile;
use super::orgs::Orgs;
use crate::import::data::FileInfo;
use crate::import::issue::{ImportIssue, IssueCode, Issues, ReadError};
use crate::import::options::ReadLimits;
use crate::import::roster::{RoleType, RosterRole, is_oneroster_role};

const COLUMNS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "roleType",
    "role",
    "beginDate",
    "endDate",
    "userSourcedId",
    "orgSourcedId",
    "userProfileSourcedId",
];
const REQUIRED: &[&str] = &["userSourcedId", "orgSourcedId", "role"];

/// The roles of a package, by user `sourcedId`, each user's in file order.
pub(crate) struct Roles {
    pub(crate) by_user: HashMap<String, Vec<RosterRole>>,
    pub(crate) info: FileInfo,
    /// The header of `userSourcedId`, for messages.
    pub(crate) user_column: String,
}

impl Roles {
    pub(crate) fn read(
        bytes: &[u8],
        name: &str,
        orgs: &Orgs,
        limits: &ReadLimits,
        issues: &mut Issues,
    ) -> Result<Self, ReadError> {
        let file = RosterFile::read(bytes, name, COLUMNS, REQUIRED, limits, issues)?;
        let mut by_user: HashMap<String, Vec<RosterRole>> = HashMap::new();
        let mut seen_ids: HashMap<String, u32> = HashMap::new();
        let mut seen_pairs: HashSet<(String, String, String)> = HashSet::new();
        for row in &file.table.rows {
            let error = |code: IssueCode, column: &'static str, message: String| {
                ImportIssue::error(code, name, message)
                    .at_row(row.row)
                    .in_column(file.header(column))
            };
            let sourced_id = file.get(row, "sourcedId");
            if !sourced_id.is_empty()
                && let Some(first) = seen_ids.insert(sourced_id.to_owned(), row.row)
            {
                {
                    issues.push(error(
                        IssueCode::OneRosterDuplicateSourcedId,
                        "sourcedId",
                        format!(
                            "the sourcedId \"{sourced_id}\" is also used in row {first}; every role needs its own"
                        ),
                    ));
                    continue;
                }
            }
            let user = file.get(row, "userSourcedId");
            let org = file.get(row, "orgSourcedId");
            let role = file.get(row, "role");
            let mut ok = true;
            for (value, column) in [
                (user, "userSourcedId"),
                (org, "orgSourcedId"),
                (role, "role"),
            ] {
                if value.is_empty() {
                    issues.push(error(
                        IssueCode::OneRosterMissingValue,
                        column,
                        format!("{column} is blank; every role names a user, an org and a role"),
                    ));
                    ok = false;
                }
            }
            if !role.is_empty() && !is_oneroster_role(role) {
                issues.push(error(
                    IssueCode::OneRosterInvalidValue,
                    "role",
                    format!("\"{role}\" is not a OneRoster role (such as student, teacher, aide, principal, districtAdministrator)"),
                ));
                ok = false;
            }
            if !org.is_empty() && orgs.get(org).is_none() {
                issues.push(error(
                    IssueCode::OneRosterUnknownOrg,
                    "orgSourcedId",
                    format!("the org \"{org}\" is not in orgs.csv; export the package again with every org"),
                ));
                ok = false;
            }
            let raw_type = file.get(row, "roleType");
            let role_type = if raw_type.is_empty() {
                None
            } else {
                match RoleType::parse(raw_type) {
                    Some(t) => Some(t),
                    None => {
                        issues.push(error(
                            IssueCode::OneRosterInvalidValue,
                            "roleType",
                            format!("\"{raw_type}\" is not a role type; use primary or secondary"),
                        ));
                        ok = false;
                        None
                    }
                }
            };
            if !ok {
                continue;
            }
            if !seen_pairs.insert((user.to_owned(), org.to_owned(), role.to_ascii_lowercase())) {
                // The same role at the same org twice (two terms, say): once is enough.
                continue;
            }
            by_user
                .entry(user.to_owned())
                .or_default()
                .push(RosterRole {
                    source: file.source(row),
                    org_sourced_id: org.to_owned(),
                    role: role.to_owned(),
                    role_type,
                    begin_date: file.opt(row, "beginDate"),
                    end_date: file.opt(row, "endDate"),
                });
        }
        Ok(Self {
            by_user,
            info: file.info(),
            user_column: file.header("userSourcedId"),
        })
    }
}
