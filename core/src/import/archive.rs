//! Zip archives (a OneRoster package, the inside of an `.xlsx`), opened within the limits.

use std::io::{Read, Seek, SeekFrom};

use zip::ZipArchive;

use super::input::file_too_large;
use super::issue::{ImportIssue, IssueCode, ReadError};
use super::options::ReadLimits;

/// The size of a seekable input, leaving it at its start.
pub(crate) fn input_size<R: Seek>(reader: &mut R, file: &str) -> Result<u64, ReadError> {
    let size = reader
        .seek(SeekFrom::End(0))
        .and_then(|size| reader.seek(SeekFrom::Start(0)).map(|_| size))
        .map_err(|e| {
            ImportIssue::error(
                IssueCode::InvalidZip,
                file,
                format!("the file could not be read: {e}"),
            )
        })?;
    Ok(size)
}

/// The most entries an archive may hold. An Excel workbook has a few dozen parts and a
/// OneRoster package a dozen files; many thousands only cost memory and time.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// How many times larger than its compressed bytes an entry may unpack, once it unpacks to more
/// than [`RATIO_FLOOR`]. Spreadsheet XML and CSV compress 5 to 50 times; a zip bomb about a
/// thousand times.
pub(crate) const MAX_RATIO: u64 = 250;

/// Entries up to this size may compress as well as they like.
pub(crate) const RATIO_FLOOR: u64 = 1024 * 1024;

/// Opens a zip archive, refusing one over `max_bytes`, one with more than [`MAX_ENTRIES`]
/// entries, one with an entry that unpacks to more than [`MAX_RATIO`] times its compressed size
/// (above [`RATIO_FLOOR`]), or one whose entries unpack to more than `max_unpacked_bytes` (as
/// the archive declares them; reading an entry never yields more than it declares: the zip
/// reader stops it with an error).
pub(crate) fn open<R: Read + Seek>(
    mut reader: R,
    file: &str,
    limits: &ReadLimits,
    code: IssueCode,
    what: &str,
) -> Result<ZipArchive<R>, ReadError> {
    if input_size(&mut reader, file)? > limits.max_bytes {
        return Err(file_too_large(file, limits));
    }
    let archive = ZipArchive::new(reader).map_err(|e| {
        ImportIssue::error(
            code.clone(),
            file,
            format!("the file could not be opened as {what} ({e}); save or export it again"),
        )
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(ImportIssue::error(
            IssueCode::FileTooLarge,
            file,
            format!(
                "the archive holds {} files, more than the {MAX_ENTRIES} one import accepts; {what} holds far fewer, so export or save it again",
                archive.len()
            ),
        )
        .into());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_data(i) else {
            continue;
        };
        let size = entry.size();
        if size > RATIO_FLOOR && size / entry.compressed_size().max(1) > MAX_RATIO {
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            return Err(ImportIssue::error(
                IssueCode::FileTooLarge,
                file,
                format!(
                    "the file {name} in the archive unpacks to {size} bytes from {} (more than {MAX_RATIO} times smaller, which is how zip bombs are built), so it was not read; export or save it again",
                    entry.compressed_size()
                ),
            )
            .into());
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_unpacked_bytes {
        return Err(ImportIssue::error(
            IssueCode::FileTooLarge,
            file,
            format!(
                "the archive unpacks to {total} bytes, more than the {} one import accepts; split it into smaller files",
                limits.max_unpacked_bytes
            ),
        )
        .into());
    }
    Ok(archive)
}

/// The names of the archive's entries, `\` turned into `/`, with their indexes. Entries whose
/// names cannot be read are left out.
pub(crate) fn entry_names<R: Read + Seek>(archive: &ZipArchive<R>) -> Vec<(usize, String)> {
    (0..archive.len())
        .filter_map(|i| {
            let entry = archive.by_index_data(i).ok()?;
            if entry.is_dir() {
                return None;
            }
            let name = entry.name().ok()?.replace('\\', "/");
            Some((i, name))
        })
        .collect()
}

/// Reads one entry whole, refusing more than `max_bytes`.
#[cfg(feature = "zip")]
pub(crate) fn read_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    name: &str,
    limits: &ReadLimits,
) -> Result<Vec<u8>, ReadError> {
    let entry = archive.by_index(index).map_err(|e| {
        ImportIssue::error(
            IssueCode::InvalidZip,
            name,
            format!("this file in the zip could not be opened ({e}); export the package again"),
        )
    })?;
    let mut bytes = Vec::new();
    entry
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            ImportIssue::error(
                IssueCode::InvalidZip,
                name,
                format!(
                    "this file in the zip could not be unpacked ({e}); export the package again"
                ),
            )
        })?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(file_too_large(name, limits));
    }
    Ok(bytes)
}
