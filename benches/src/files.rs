//! Fresh database files for bench iterations.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, unused file path `dir/what-N.db` (any earlier file and its WAL removed).
pub fn fresh_file(dir: &Path, what: &str) -> std::io::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!(
        "{what}-{}.db",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    remove(&path);
    Ok(path)
}

/// Removes a SQLite file with its WAL and shared-memory files, if they exist.
pub fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The URL that opens (or creates) the SQLite file at `path`.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
