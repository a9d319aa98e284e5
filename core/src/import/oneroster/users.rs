//! `users.csv`: people, turned into [`ImportRow`]s in the common columns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::csv_file::{RosterFile, split_ids};
use super::guardians::{GuardianRow, StudentAgents, attach as attach_guardians};
use super::orgs::Orgs;
use super::roles::Roles;
use crate::import::data::FileInfo;
use crate::import::field::ImportField;
use crate::import::issue::{ImportIssue, IssueCode, Issues, ReadError};
use crate::import::options::{OneRosterLocalId, ReadOptions};
use crate::import::raw::RawRow;
use crate::import::roster::{
    OrgType, RoleType, RosterRole, RosterUser, is_oneroster_role, role_user_kind,
};
use crate::import::row::{Columns, ImportRow};
use crate::import::table::check_local_id;
use crate::model::UserKind;

const COLUMNS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "resourceSourcedIds",
    "preferredGivenName",
    "preferredFirstName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
];
const REQUIRED: &[&str] = &["sourcedId", "givenName", "familyName"];
const REQUIRED_WITHOUT_ROLES: &[&str] = &["sourcedId", "givenName", "familyName", "role"];

/// The common columns a OneRoster user fills, and the `users.csv` column each comes from.
const OUTPUT: [(ImportField, &str); 13] = [
    (ImportField::LocalId, "identifier"),
    (ImportField::Kind, "role"),
    (ImportField::FirstName, "givenName"),
    (ImportField::LastName, "familyName"),
    (ImportField::MiddleName, "middleName"),
    (ImportField::PreferredName, "preferredGivenName"),
    (ImportField::Email, "email"),
    (ImportField::Username, "username"),
    (ImportField::Grade, "grades"),
    (ImportField::GradeLevels, "grades"),
    (ImportField::AuthorizedOrganizations, "orgSourcedIds"),
    (ImportField::HomePhone, "phone"),
    (ImportField::MobilePhone, "sms"),
];

/// The users of a package.
pub(crate) struct Users {
    pub(crate) rows: Vec<ImportRow>,
    pub(crate) info: FileInfo,
}

/// Reads `users.csv`. Roles come from `roles` (1.2) when the package has `roles.csv`, else from
/// the `role` and `orgSourcedIds` columns (1.1). Roles left in `roles` for users who are not in
/// `users.csv` are reported.
pub(crate) fn read_users(
    bytes: &[u8],
    name: &str,
    orgs: &Orgs,
    mut roles: Option<Roles>,
    options: &ReadOptions,
    issues: &mut Issues,
) -> Result<Users, ReadError> {
    let required = if roles.is_some() {
        REQUIRED
    } else {
        REQUIRED_WITHOUT_ROLES
    };
    let file = RosterFile::read(bytes, name, COLUMNS, required, &options.limits, issues)?;
    let columns = Arc::new(output_columns(&file, options.oneroster_local_id));
    let mut rows = Vec::with_capacity(file.table.rows.len());
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut skipped_guardians = Vec::new();
    let mut guardian_rows: Vec<GuardianRow> = Vec::new();
    let mut student_agents: StudentAgents = Vec::new();
    let mut from_sourced_id = Vec::new();

    for row in &file.table.rows {
        let error = |code: IssueCode, column: &'static str, message: String| {
            ImportIssue::error(code, name, message)
                .at_row(row.row)
                .in_column(file.header(column))
        };
        let sourced_id = file.get(row, "sourcedId");
        if sourced_id.is_empty() {
            issues.push(error(
                IssueCode::OneRosterMissingValue,
                "sourcedId",
                "this user has no sourcedId; every user needs one".to_owned(),
            ));
            continue;
        }
        if let Some(first) = seen.insert(sourced_id.to_owned(), row.row) {
            seen.insert(sourced_id.to_owned(), first);
            issues.push(error(
                IssueCode::OneRosterDuplicateSourcedId,
                "sourcedId",
                format!(
                    "the sourcedId \"{sourced_id}\" is also used in row {first}; every user needs their own"
                ),
            ));
            continue;
        }

        let user_roles = match roles.as_mut() {
            Some(roles) => roles.by_user.remove(sourced_id).unwrap_or_default(),
            None => match roles_from_user_row(&file, row, orgs, issues) {
                Some(r) => r,
                None => continue,
            },
        };
        let primary_role = user_roles
            .iter()
            .find(|r| r.role_type == Some(RoleType::Primary))
            .or(user_roles.first())
            .map(|r| r.role.clone())
            .or_else(|| {
                // 1.1 with no orgs: the role column still says who the user is.
                let role = file.get(row, "role");
                (roles.is_none() && !role.is_empty()).then(|| role.to_owned())
            });
        let Some(primary_role) = primary_role else {
            issues.push(error(
                IssueCode::OneRosterMissingValue,
                "sourcedId",
                format!(
                    "the user \"{sourced_id}\" has no role in roles.csv; give every user at least one role"
                ),
            ));
            continue;
        };
        let Some(kind) = role_user_kind(&primary_role) else {
            skipped_guardians.push(row.row);
            guardian_rows.push(GuardianRow::read(&file, row, sourced_id, &primary_role));
            continue;
        };

        let enabled_user = match file.get(row, "enabledUser").to_ascii_lowercase().as_str() {
            "" => None,
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            other => {
                issues.push(error(
                    IssueCode::OneRosterInvalidValue,
                    "enabledUser",
                    format!("enabledUser is \"{other}\"; it must be true or false"),
                ));
                None
            }
        };
        let primary_org_sourced_id = file.opt(row, "primaryOrgSourcedId");
        if let Some(org) = &primary_org_sourced_id
            && orgs.get(org).is_none()
        {
            {
                issues.push(error(
                    IssueCode::OneRosterUnknownOrg,
                    "primaryOrgSourcedId",
                    format!("the org \"{org}\" is not in orgs.csv; export the package again with every org"),
                ));
            }
        }

        let identifier = file.opt(row, "identifier");
        let local_id = match options.oneroster_local_id {
            OneRosterLocalId::SourcedId => sourced_id.to_owned(),
            OneRosterLocalId::Identifier => identifier.clone().unwrap_or_default(),
            OneRosterLocalId::IdentifierOrSourcedId => match &identifier {
                Some(id) => id.clone(),
                None => {
                    from_sourced_id.push(row.row);
                    sourced_id.to_owned()
                }
            },
        };

        let mut org_sourced_ids: Vec<String> = Vec::new();
        let mut seen_orgs = HashSet::new();
        for role in &user_roles {
            if seen_orgs.insert(role.org_sourced_id.as_str()) {
                org_sourced_ids.push(role.org_sourced_id.clone());
            }
        }
        let member_of: Vec<&str> = org_sourced_ids
            .iter()
            .filter(|id| {
                orgs.get(id)
                    .is_some_and(|o| o.org_type != OrgType::District)
            })
            .map(String::as_str)
            .collect();

        let grades = file.get(row, "grades");
        let first_grade = split_ids(grades).next().unwrap_or_default();
        let (grade, grade_levels) = match kind {
            UserKind::Student => (first_grade, ""),
            UserKind::Staff => ("", grades),
        };
        let preferred = if file.position("preferredGivenName").is_some() {
            file.get(row, "preferredGivenName")
        } else {
            file.get(row, "preferredFirstName")
        };
        let values = vec![
            local_id,
            kind.as_str().to_owned(),
            file.get(row, "givenName").to_owned(),
            file.get(row, "familyName").to_owned(),
            file.get(row, "middleName").to_owned(),
            preferred.to_owned(),
            file.get(row, "email").to_owned(),
            file.get(row, "username").to_owned(),
            grade.to_owned(),
            grade_levels.to_owned(),
            member_of.join(","),
            file.get(row, "phone").to_owned(),
            file.get(row, "sms").to_owned(),
        ];
        let source = file.source(row);
        check_local_id(&values[0], &source, &columns, 0, issues);
        let import_row =
            ImportRow::new(source, Arc::clone(&columns), values).with_roster(RosterUser {
                sourced_id: sourced_id.to_owned(),
                identifier,
                status: file.opt(row, "status"),
                enabled_user,
                primary_role,
                roles: user_roles,
                org_sourced_ids,
                primary_org_sourced_id,
                guardians: None,
            });
        if kind == UserKind::Student {
            let agents = split_ids(file.get(row, "agentSourcedIds"));
            student_agents.push((rows.len(), agents.map(str::to_owned).collect()));
        }
        rows.push(import_row);
    }

    attach_guardians(&mut rows, &student_agents, &guardian_rows);
    if let Some(roles) = roles {
        report_unknown_users(roles, name, issues);
    }
    summarize(
        issues,
        name,
        &skipped_guardians,
        IssueCode::OneRosterUsersSkipped,
        [
            "is a guardian, parent or relative, so is not imported as a user but as a contact of the students linked through agentSourcedIds",
            "are guardians, parents or relatives, so they are not imported as users but as contacts of the students linked through agentSourcedIds",
        ],
    );
    summarize(
        issues,
        name,
        &from_sourced_id,
        IssueCode::OneRosterLocalIdFromSourcedId,
        [
            "has no identifier, so its sourcedId is used as the Local ID",
            "have no identifier, so their sourcedId is used as their Local ID",
        ],
    );
    if options.oneroster_local_id == OneRosterLocalId::Identifier {
        for row in &rows {
            if row.value(ImportField::LocalId).is_none() {
                issues.push(
                    ImportIssue::error(
                        IssueCode::OneRosterMissingValue,
                        name,
                        "this user has no identifier, which the import uses as Local ID; fill in the identifier in the SIS",
                    )
                    .at_row(row.source.row)
                    .in_column(file.header("identifier")),
                );
            }
        }
    }
    Ok(Users {
        rows,
        info: file.info(),
    })
}

fn output_columns(file: &RosterFile, local_id: OneRosterLocalId) -> Columns {
    Columns::new(OUTPUT.iter().map(|&(field, column)| {
        let column = match (field, local_id) {
            (ImportField::LocalId, OneRosterLocalId::SourcedId) => "sourcedId",
            (ImportField::PreferredName, _) if file.position("preferredGivenName").is_none() => {
                "preferredFirstName"
            }
            _ => column,
        };
        (file.header(column), Some(field))
    }))
}

/// The roles a 1.1 `users.csv` row gives: its `role` at each of its `orgSourcedIds`. `None`
/// (with the problem reported) when the row cannot be used.
fn roles_from_user_row(
    file: &RosterFile,
    row: &RawRow,
    orgs: &Orgs,
    issues: &mut Issues,
) -> Option<Vec<RosterRole>> {
    let name = &**file.name();
    let role = file.get(row, "role");
    if role.is_empty() {
        issues.push(
            ImportIssue::error(
                IssueCode::OneRosterMissingValue,
                name,
                "this user has no role; use student, teacher, administrator, aide or proctor",
            )
            .at_row(row.row)
            .in_column(file.header("role")),
        );
        return None;
    }
    if !is_oneroster_role(role) {
        issues.push(
            ImportIssue::error(
                IssueCode::OneRosterInvalidValue,
                name,
                format!("\"{role}\" is not a OneRoster role (such as student, teacher, administrator, aide)"),
            )
            .at_row(row.row)
            .in_column(file.header("role")),
        );
        return None;
    }
    let mut result = Vec::new();
    let mut ok = true;
    for org in split_ids(file.get(row, "orgSourcedIds")) {
        if orgs.get(org).is_none() {
            issues.push(
                ImportIssue::error(
                    IssueCode::OneRosterUnknownOrg,
                    name,
                    format!("the org \"{org}\" is not in orgs.csv; export the package again with every org"),
                )
                .at_row(row.row)
                .in_column(file.header("orgSourcedIds")),
            );
            ok = false;
            continue;
        }
        if result.iter().any(|r: &RosterRole| r.org_sourced_id == org) {
            continue;
        }
        result.push(RosterRole {
            source: file.source(row),
            org_sourced_id: org.to_owned(),
            role: role.to_owned(),
            role_type: None,
            begin_date: None,
            end_date: None,
        });
    }
    ok.then_some(result)
}

fn report_unknown_users(roles: Roles, users_file: &str, issues: &mut Issues) {
    let mut left: Vec<(String, Vec<RosterRole>)> = roles.by_user.into_iter().collect();
    left.sort_by_key(|(_, r)| r.first().map(|r| r.source.row));
    for (user, user_roles) in left {
        for role in user_roles {
            issues.push(
                ImportIssue::error(
                    IssueCode::OneRosterUnknownUser,
                    &*role.source.file,
                    format!(
                        "the user \"{user}\" is not in {users_file}; export the package again with every user"
                    ),
                )
                .at_row(role.source.row)
                .in_column(roles.user_column.clone()),
            );
        }
    }
}

fn summarize(issues: &mut Issues, file: &str, rows: &[u32], code: IssueCode, what: [&str; 2]) {
    if rows.is_empty() {
        return;
    }
    let shown: Vec<String> = rows.iter().take(10).map(u32::to_string).collect();
    let more = if rows.len() > 10 { ", ..." } else { "" };
    let message = if let [row] = rows {
        format!("1 user (row {row}) {}", what[0])
    } else {
        format!(
            "{} users (rows {}{more}) {}",
            rows.len(),
            shown.join(", "),
            what[1]
        )
    };
    issues.push(ImportIssue::warning(code, file, message));
}
