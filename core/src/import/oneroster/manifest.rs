//! `manifest.csv`: the package's version and, per file, bulk, delta or absent.

use std::collections::BTreeMap;

use super::csv_file::RosterFile;
use crate::import::data::FileInfo;
use crate::import::issue::{ImportIssue, IssueCode, Issues, ReadError};
use crate::import::options::ReadLimits;
use crate::import::roster::OneRosterVersion;

const COLUMNS: &[&str] = &["propertyName", "value"];

/// How the manifest lists one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileMode {
    Bulk,
    Delta,
    Absent,
}

/// The parts of `manifest.csv` the import uses.
pub(crate) struct Manifest {
    pub(crate) name: String,
    /// `None` when the manifest does not say.
    pub(crate) version: Option<OneRosterVersion>,
    /// `file.<name>` → mode and row, keyed by lower-case `<name>` (`users`, `orgs`, ...).
    modes: BTreeMap<String, (FileMode, u32)>,
    pub(crate) info: FileInfo,
}

impl Manifest {
    pub(crate) fn read(
        bytes: &[u8],
        name: &str,
        limits: &ReadLimits,
        issues: &mut Issues,
    ) -> Result<Self, ReadError> {
        let file = RosterFile::read(bytes, name, COLUMNS, COLUMNS, limits, issues)?;
        let mut version = None;
        let mut modes = BTreeMap::new();
        for row in &file.table.rows {
            let property = file.get(row, "propertyName").to_ascii_lowercase();
            let value = file.get(row, "value");
            if property == "oneroster.version" {
                version = Some(match value {
                    "1.0" | "1.1" => OneRosterVersion::V1_1,
                    "1.2" => OneRosterVersion::V1_2,
                    other => {
                        return Err(ImportIssue::error(
                            IssueCode::OneRosterUnsupportedVersion,
                            name,
                            format!(
                                "the package is OneRoster version \"{other}\"; Homeroom reads OneRoster 1.1 and 1.2 CSV packages"
                            ),
                        )
                        .at_row(row.row)
                        .in_column(file.header("value"))
                        .into());
                    }
                });
            } else if let Some(entity) = property.strip_prefix("file.") {
                let mode = match value.to_ascii_lowercase().as_str() {
                    "bulk" => FileMode::Bulk,
                    "delta" => FileMode::Delta,
                    "absent" | "" => FileMode::Absent,
                    other => {
                        return Err(ImportIssue::error(
                            IssueCode::OneRosterInvalidManifest,
                            name,
                            format!(
                                "\"{property}\" is \"{other}\"; it must be bulk, delta or absent"
                            ),
                        )
                        .at_row(row.row)
                        .in_column(file.header("value"))
                        .into());
                    }
                };
                modes.insert(entity.to_owned(), (mode, row.row));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            version,
            modes,
            info: file.info(),
        })
    }

    /// How the manifest lists `entity` (`users`, `orgs`, `roles`); `None` when it does not.
    pub(crate) fn mode(&self, entity: &str) -> Option<FileMode> {
        self.modes.get(entity).map(|(mode, _)| *mode)
    }

    /// Refuses a delta export of a file the import reads.
    pub(crate) fn require_not_delta(&self, entity: &str) -> Result<(), ReadError> {
        if let Some((FileMode::Delta, row)) = self.modes.get(entity) {
            return Err(ImportIssue::error(
                IssueCode::OneRosterDeltaUnsupported,
                &self.name,
                format!(
                    "this is a delta export (file.{entity} = delta): it holds only what changed since the last export, and Homeroom needs the full roster. Set the SIS's OneRoster export to bulk mode and export again"
                ),
            )
            .at_row(*row)
            .into());
        }
        Ok(())
    }
}
