//! A change set too large to hold at once, handed to storage a chunk at a time and still
//! applied as one: [`Storage::apply_chunked`](crate::Storage::apply_chunked).

use super::{ChangeSet, StorageError};

/// The ops of one change set, produced a chunk at a time while the storage writes them, so a
/// large write (an import of a million users) never holds every op in memory at once.
///
/// Chunks are consecutive parts of one set: the storage applies their ops in order, all or
/// nothing, exactly as [`Storage::apply`](crate::Storage::apply) applies the whole set.
///
/// ```
/// use homeroom::storage::{ChangeChunks, ChangeSet, StorageError};
/// struct Two(u8);
/// impl ChangeChunks for Two {
///     fn next_chunk(&mut self) -> Result<Option<ChangeSet>, StorageError> {
///         self.0 += 1;
///         Ok((self.0 <= 2).then(ChangeSet::new))
///     }
/// }
/// let mut chunks = Two(0);
/// assert!(chunks.next_chunk()?.is_some());
/// # Ok::<(), StorageError>(())
/// ```
pub trait ChangeChunks: Send {
    /// The next chunk, or `None` after the last. An error stops the write: nothing of the set
    /// is committed, and `apply_chunked` returns the error.
    fn next_chunk(&mut self) -> Result<Option<ChangeSet>, StorageError>;
}

/// Chunks of an existing list of sets, in order (tests, and callers that already hold them).
///
/// ```
/// use homeroom::storage::{ChangeChunks, ChangeSet, ChunkList};
/// let mut chunks = ChunkList::new(vec![ChangeSet::new(), ChangeSet::new()]);
/// assert!(chunks.next_chunk()?.is_some());
/// assert!(chunks.next_chunk()?.is_some());
/// assert!(chunks.next_chunk()?.is_none());
/// # Ok::<(), homeroom::StorageError>(())
/// ```
#[derive(Debug)]
pub struct ChunkList {
    chunks: std::vec::IntoIter<Result<ChangeSet, String>>,
}

impl ChunkList {
    /// The sets in `chunks`, one chunk each.
    pub fn new(chunks: Vec<ChangeSet>) -> Self {
        Self {
            chunks: chunks.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
        }
    }

    /// The sets in `chunks`, then a failure (`StorageError::Unavailable` with `message`) in
    /// place of the next chunk: a producer that breaks midway.
    pub fn failing_after(chunks: Vec<ChangeSet>, message: impl Into<String>) -> Self {
        let mut all: Vec<Result<ChangeSet, String>> = chunks.into_iter().map(Ok).collect();
        all.push(Err(message.into()));
        Self {
            chunks: all.into_iter(),
        }
    }
}

impl ChangeChunks for ChunkList {
    fn next_chunk(&mut self) -> Result<Option<ChangeSet>, StorageError> {
        match self.chunks.next() {
            None => Ok(None),
            Some(Ok(chunk)) => Ok(Some(chunk)),
            Some(Err(message)) => Err(StorageError::Unavailable {
                message,
                source: None,
            }),
        }
    }
}
