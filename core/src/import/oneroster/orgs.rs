//! `orgs.csv`: the district, its schools and departments.

use std::collections::HashMap;

use super::csv_file::RosterFile;
use crate::import::data::FileInfo;
use crate::import::issue::{ImportIssue, IssueCode, Issues, ReadError};
use crate::import::options::ReadLimits;
use crate::import::roster::{ImportOrg, OrgType};

const COLUMNS: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "name",
    "type",
    "identifier",
    "parentSourcedId",
];
const REQUIRED: &[&str] = &["sourcedId", "name", "type"];

/// The orgs of a package, with an index by `sourcedId`.
pub(crate) struct Orgs {
    pub(crate) orgs: Vec<ImportOrg>,
    by_id: HashMap<String, usize>,
    pub(crate) info: FileInfo,
}

impl Orgs {
    pub(crate) fn read(
        bytes: &[u8],
        name: &str,
        limits: &ReadLimits,
        issues: &mut Issues,
    ) -> Result<Self, ReadError> {
        let file = RosterFile::read(bytes, name, COLUMNS, REQUIRED, limits, issues)?;
        let mut orgs: Vec<ImportOrg> = Vec::with_capacity(file.table.rows.len());
        let mut by_id = HashMap::new();
        for row in &file.table.rows {
            let source = file.source(row);
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
                    "this org has no sourcedId; every org needs one".to_owned(),
                ));
                continue;
            }
            if let Some(&first) = by_id.get(sourced_id) {
                let first_row = orgs.get(first).map_or(0, |o: &ImportOrg| o.source.row);
                issues.push(error(
                    IssueCode::OneRosterDuplicateSourcedId,
                    "sourcedId",
                    format!(
                        "the sourcedId \"{sourced_id}\" is also used in row {first_row}; every org needs its own"
                    ),
                ));
                continue;
            }
            let raw_type = file.get(row, "type");
            let Some(org_type) = OrgType::parse(raw_type) else {
                issues.push(error(
                    IssueCode::OneRosterInvalidValue,
                    "type",
                    format!(
                        "\"{raw_type}\" is not an org type; use district, school, department, local, state or national"
                    ),
                ));
                continue;
            };
            let org_name = file.get(row, "name");
            if org_name.is_empty() {
                issues.push(error(
                    IssueCode::OneRosterMissingValue,
                    "name",
                    format!("the org \"{sourced_id}\" has no name; every org needs one"),
                ));
            }
            by_id.insert(sourced_id.to_owned(), orgs.len());
            orgs.push(ImportOrg {
                source,
                sourced_id: sourced_id.to_owned(),
                status: file.opt(row, "status"),
                name: org_name.to_owned(),
                org_type,
                identifier: file.opt(row, "identifier"),
                parent_sourced_id: file.opt(row, "parentSourcedId"),
            });
        }

        let parent_header = file.header("parentSourcedId");
        for org in &orgs {
            if let Some(parent) = &org.parent_sourced_id
                && !by_id.contains_key(parent)
            {
                {
                    issues.push(
                        ImportIssue::error(
                            IssueCode::OneRosterUnknownOrg,
                            name,
                            format!(
                                "the parent org \"{parent}\" of \"{}\" is not in {name}; export the package again with every org",
                                org.name
                            ),
                        )
                        .at_row(org.source.row)
                        .in_column(parent_header.clone()),
                    );
                }
            }
        }
        let districts: Vec<&ImportOrg> = orgs
            .iter()
            .filter(|o| o.org_type == OrgType::District)
            .collect();
        if let [first, rest @ ..] = districts.as_slice() {
            for other in rest {
                issues.push(
                    ImportIssue::error(
                        IssueCode::OneRosterMultipleDistricts,
                        name,
                        format!(
                            "\"{}\" is a second district (the first is \"{}\" in row {}); Homeroom imports one district at a time, so export each district's package on its own",
                            other.name, first.name, first.source.row
                        ),
                    )
                    .at_row(other.source.row)
                    .in_column(file.header("type")),
                );
            }
        }
        Ok(Self {
            orgs,
            by_id,
            info: file.info(),
        })
    }

    /// The org with this `sourcedId`.
    pub(crate) fn get(&self, sourced_id: &str) -> Option<&ImportOrg> {
        self.by_id.get(sourced_id).and_then(|&i| self.orgs.get(i))
    }
}
