//! A OneRoster CSV package: the files of a zip or of a folder, found by name.

use std::io::{Read, Seek};

use super::manifest::{FileMode, Manifest};
use super::orgs::Orgs;
use super::roles::Roles;
use super::users::read_users;
#[cfg(feature = "zip")]
use crate::import::archive;
use crate::import::data::ImportData;
#[cfg(not(feature = "zip"))]
use crate::import::disabled::not_enabled;
use crate::import::format::Format;
use crate::import::issue::{ImportIssue, IssueCode, Issues, ReadError};
use crate::import::options::{ReadLimits, ReadOptions};
use crate::import::roster::OneRosterVersion;

/// The files of a package the import reads; others are ignored.
const WANTED: [&str; 4] = ["manifest.csv", "orgs.csv", "users.csv", "roles.csv"];

/// A OneRoster 1.1 or 1.2 CSV package, as a zip or as the files of a folder.
///
/// Only `manifest.csv`, `orgs.csv`, `users.csv` and (1.2) `roles.csv` are read; the others
/// (classes, enrollments, ...) are ignored. Files are found by name, ignoring case and any
/// folder they are in. Only bulk exports are read: a manifest that lists one of these files as
/// `delta` is refused with `oneroster_delta_unsupported`.
///
/// ```
/// use homeroom::import::{ImportField, OneRosterPackage, ReadOptions};
/// let package = OneRosterPackage::from_files([
///     ("manifest.csv", b"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n".to_vec()),
///     ("orgs.csv", b"sourcedId,name,type,parentSourcedId\nd1,Springfield District,district,\ns1,Lincoln Elementary,school,d1\n".to_vec()),
///     ("users.csv", b"sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier\nu1,true,s1,student,Ada,Lovelace,00123\n".to_vec()),
/// ]);
/// let data = package.read(&ReadOptions::default()).unwrap();
/// assert!(!data.has_errors());
/// assert_eq!(data.district().unwrap().name, "Springfield District");
/// let ada = &data.users[0];
/// assert_eq!(ada.get(ImportField::LocalId), Some("00123"));
/// assert_eq!(ada.get(ImportField::Kind), Some("student"));
/// assert_eq!(ada.roster().unwrap().org_sourced_ids, ["s1"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct OneRosterPackage {
    files: Vec<(String, Vec<u8>)>,
}

impl OneRosterPackage {
    /// A package from files the caller read (a folder's files, say): each a name (a bare file
    /// name or a path) and its bytes. Files not part of a OneRoster package are ignored.
    pub fn from_files<N: Into<String>>(files: impl IntoIterator<Item = (N, Vec<u8>)>) -> Self {
        Self {
            files: files
                .into_iter()
                .map(|(name, bytes)| (name.into().replace('\\', "/"), bytes))
                .filter(|(name, _)| is_wanted(name))
                .collect(),
        }
    }

    /// A package from a zip archive. Only the files the import reads are unpacked, each within
    /// `limits.max_bytes`. Without the `zip` feature, refuses every archive with
    /// [`IssueCode::FormatNotEnabled`].
    pub fn from_zip<R: Read + Seek>(reader: R, limits: &ReadLimits) -> Result<Self, ReadError> {
        Self::from_zip_named(reader, "the zip file", limits)
    }

    #[cfg(feature = "zip")]
    pub(crate) fn from_zip_named<R: Read + Seek>(
        reader: R,
        zip_name: &str,
        limits: &ReadLimits,
    ) -> Result<Self, ReadError> {
        let mut zip = archive::open(
            reader,
            zip_name,
            limits,
            IssueCode::InvalidZip,
            "a zip archive",
        )?;
        let mut files = Vec::new();
        for (index, name) in archive::entry_names(&zip) {
            if !is_wanted(&name) {
                continue;
            }
            let bytes = archive::read_entry(&mut zip, index, &name, limits)?;
            files.push((name, bytes));
        }
        Ok(Self { files })
    }

    #[cfg(not(feature = "zip"))]
    pub(crate) fn from_zip_named<R: Read + Seek>(
        _reader: R,
        zip_name: &str,
        _limits: &ReadLimits,
    ) -> Result<Self, ReadError> {
        Err(not_enabled(Format::OneRoster, zip_name))
    }

    /// The names of the package's files that the import reads.
    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(name, _)| name.as_str())
    }

    /// Reads the package: orgs into [`ImportData::orgs`], users into [`ImportData::users`]
    /// (with [`ImportRow::roster`](crate::import::ImportRow::roster) set).
    pub fn read(&self, options: &ReadOptions) -> Result<ImportData, ReadError> {
        let limits = &options.limits;
        let mut issues = Issues::new(limits.max_issues);
        let Some((manifest_name, manifest_bytes)) = self.find("manifest.csv")? else {
            return Err(missing(
                "manifest.csv",
                "the package has no manifest.csv, which says the OneRoster version and mode; export the whole package again",
            ));
        };
        let manifest = Manifest::read(manifest_bytes, manifest_name, limits, &mut issues)?;
        for entity in ["orgs", "users", "roles"] {
            manifest.require_not_delta(entity)?;
        }
        for entity in ["orgs", "users"] {
            if manifest.mode(entity) == Some(FileMode::Absent) {
                return Err(missing(
                    &manifest.name,
                    &format!(
                        "manifest.csv says the package has no {entity}.csv (file.{entity} = absent); the import needs it, so export the package with {entity}"
                    ),
                ));
            }
        }

        let Some((orgs_name, orgs_bytes)) = self.find("orgs.csv")? else {
            return Err(missing(
                "orgs.csv",
                "the package has no orgs.csv; export the package again with orgs",
            ));
        };
        let orgs = Orgs::read(orgs_bytes, orgs_name, limits, &mut issues)?;

        let roles_file = match self.find("roles.csv")? {
            Some(found) => Some(found),
            None if manifest.mode("roles") == Some(FileMode::Bulk) => {
                return Err(missing(
                    "roles.csv",
                    "manifest.csv lists roles.csv (file.roles = bulk) but the package has no roles.csv; export the whole package again",
                ));
            }
            None => None,
        };
        let roles = match roles_file {
            Some((name, bytes)) => Some(Roles::read(bytes, name, &orgs, limits, &mut issues)?),
            None => None,
        };
        let version = manifest.version.unwrap_or(if roles.is_some() {
            OneRosterVersion::V1_2
        } else {
            OneRosterVersion::V1_1
        });
        if version == OneRosterVersion::V1_2 && roles.is_none() {
            return Err(missing(
                "roles.csv",
                "this is a OneRoster 1.2 package without roles.csv, so users have no role or org; export the package again with roles",
            ));
        }

        let Some((users_name, users_bytes)) = self.find("users.csv")? else {
            return Err(missing(
                "users.csv",
                "the package has no users.csv; export the package again with users",
            ));
        };
        let role_info = roles.as_ref().map(|r| r.info.clone());
        let users = read_users(users_bytes, users_name, &orgs, roles, options, &mut issues)?;

        let mut files = vec![manifest.info, orgs.info];
        files.extend(role_info);
        files.push(users.info);
        let mut data = ImportData::new(Format::OneRoster, files, users.rows, issues);
        data.orgs = orgs.orgs;
        data.oneroster_version = Some(version);
        Ok(data)
    }

    /// The one file with this name (ignoring case and folders).
    fn find(&self, base: &str) -> Result<Option<(&str, &[u8])>, ReadError> {
        let mut found = self
            .files
            .iter()
            .filter(|(name, _)| base_name(name).eq_ignore_ascii_case(base));
        let first = found.next();
        if let Some((second, _)) = found.next() {
            let first_name = first.map_or("", |(n, _)| n.as_str());
            return Err(ImportIssue::error(
                IssueCode::OneRosterDuplicateFile,
                second.as_str(),
                format!(
                    "the package holds two files named {base} (\"{first_name}\" and \"{second}\"); keep one package per zip or folder"
                ),
            )
            .into());
        }
        Ok(first.map(|(name, bytes)| (name.as_str(), bytes.as_slice())))
    }
}

fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn is_wanted(name: &str) -> bool {
    let base = base_name(name);
    // macOS adds "__MACOSX/._users.csv" resource forks to zips it makes.
    !name.starts_with("__MACOSX/")
        && !base.starts_with("._")
        && WANTED.iter().any(|w| w.eq_ignore_ascii_case(base))
}

fn missing(file: &str, message: &str) -> ReadError {
    ImportIssue::error(IssueCode::OneRosterMissingFile, file, message).into()
}
