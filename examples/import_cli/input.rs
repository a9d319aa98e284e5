//! Reading the files an import is given, safely: never through a symbolic link, and never more
//! than the limits allow (the size is checked before reading, and the read stops one byte past
//! the limit, since a file can grow while it is read).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

use homeroom::import::{ImportIssue, IssueCode, ReadLimits};

/// Opens `path` for reading without following a symbolic link in its last component (on Unix
/// `O_NOFOLLOW`, and `O_NONBLOCK` so a FIFO put in its place cannot block the run). Elsewhere
/// a link is refused before opening, which leaves a small window.
pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("it is a symbolic link"));
    }
    options.open(path)
}

/// Why a file was not read.
#[derive(Debug)]
pub enum InputError {
    /// It cannot be read: missing, a link, not a regular file, no permission.
    Unreadable(String),
    /// It is larger than the limits allow (an issue for the report, code `file_too_large`).
    TooLarge(ImportIssue),
}

/// The refusal of a file over `max` bytes, named `name` in the report.
pub fn too_large(name: &str, size: Option<u64>, max: u64) -> ImportIssue {
    let size = size.map_or_else(String::new, |s| format!(" ({s} bytes)"));
    ImportIssue::error(
        IssueCode::FileTooLarge,
        name,
        format!(
            "the file{size} is larger than {max} bytes, the most one import accepts; split it into smaller files"
        ),
    )
}

/// Reads the regular file at `path` whole, refusing a symbolic link, anything but a regular
/// file, and a file over `limits.max_bytes` (checked on the open file before reading, and
/// again while reading).
pub fn read_file(path: &Path, name: &str, limits: &ReadLimits) -> Result<Vec<u8>, InputError> {
    let cannot = |e: std::io::Error| {
        let e = if e.raw_os_error() == Some(libc_eloop()) {
            "it is a symbolic link; give the file itself".to_owned()
        } else {
            e.to_string()
        };
        InputError::Unreadable(format!("cannot read {}: {e}", redacted(path)))
    };
    let file = open_no_follow(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(InputError::Unreadable(format!(
            "cannot read {}: it is not a regular file",
            redacted(path)
        )));
    }
    if meta.len() > limits.max_bytes {
        return Err(InputError::TooLarge(too_large(
            name,
            Some(meta.len()),
            limits.max_bytes,
        )));
    }
    // The size the file had when opened; it may grow, so the read is bounded too.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(InputError::TooLarge(too_large(
            name,
            None,
            limits.max_bytes,
        )));
    }
    Ok(bytes)
}

/// A path for messages, without any password it may hold (a database URL given as PATH).
pub fn redacted(path: &Path) -> String {
    homeroom_sea::redacted_url(&path.display().to_string())
}

/// The error number of "too many levels of symbolic links", which `O_NOFOLLOW` gives for a
/// link.
fn libc_eloop() -> i32 {
    #[cfg(unix)]
    {
        libc::ELOOP
    }
    #[cfg(not(unix))]
    {
        -1
    }
}
