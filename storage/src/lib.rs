//! ruststack's storage layer: every service keeps its state behind it.
//!
//! A service holds its live state in memory and writes every change through a [`Storage`]
//! before acknowledging it. With a data directory that is [`RedbStorage`] (an embedded ACID
//! database, durable when `commit` returns); without one it is [`MemoryStorage`]. Large
//! payloads (S3 objects, Lambda code) go to the [`BlobStore`] as files and only their
//! [`BlobId`] goes through `commit`.
//!
//! # Layout
//! - [`batch`] — [`Table`], [`Batch`]: what a commit carries.
//! - [`memory`] — [`MemoryStorage`].
//! - [`durable`] — [`RedbStorage`] and the data-directory checks.
//! - [`blob`] — [`BlobStore`], streamed files written temp → fsync → rename.
//! - [`error`] — [`StorageError`], [`BlobError`].
//! - [`model`] — [`Model`], a service's in-memory state behind its one lock.
//!
//! # Invariants
//! - `commit` is atomic: all of a batch is applied or none of it.
//! - With a data directory, a batch is on disk when `commit` returns (it survives `kill -9`).
//! - `load` is only called at boot, to rebuild a service's in-memory state.

pub mod batch;
pub mod blob;
pub mod durable;
pub mod error;
pub mod memory;
pub mod model;

use std::path::Path;
use std::sync::Arc;

pub use batch::{Batch, Op, Table};
pub use blob::{BlobId, BlobStore, BlobWriter};
pub use durable::{KEYS_DIR, RedbStorage, WORK_DIR};
pub use error::{BlobError, StorageError};
pub use memory::MemoryStorage;
pub use model::Model;

/// One key/value row of a table.
pub type Row = (Vec<u8>, Vec<u8>);

/// The interface every service writes through.
pub trait Storage: Send + Sync + 'static {
    /// All rows of `table`, in key order. Called at boot only.
    fn load(&self, table: Table) -> Result<Vec<Row>, StorageError>;

    /// Applies a batch atomically; with durable storage it is on disk when this returns.
    fn commit(&self, batch: Batch) -> Result<(), StorageError>;

    /// Whether acknowledged writes survive a restart.
    fn is_durable(&self) -> bool;

    /// Whether committed rows are kept at all; when `false`, callers may skip building
    /// records (the in-memory server's storage discards them).
    fn keeps_records(&self) -> bool {
        true
    }
}

/// Runs a mutating operation (validate, commit, apply): on the blocking pool when `storage`
/// is durable, because its commit waits for the disk; inline otherwise. Services call their
/// operations through this so that no fsync blocks an async worker.
pub async fn run_write<O: Send + 'static>(
    storage: &dyn Storage,
    work: impl FnOnce() -> O + Send + 'static,
) -> Result<O, tokio::task::JoinError> {
    if storage.is_durable() {
        tokio::task::spawn_blocking(work).await
    } else {
        Ok(work())
    }
}

/// The storage a server runs with: tables plus the blob area.
#[derive(Clone)]
pub struct Stores {
    /// Table storage.
    pub tables: Arc<dyn Storage>,
    /// Blob storage for large payloads.
    pub blobs: BlobStore,
}

impl Stores {
    /// Opens durable stores in `data_dir`, or ephemeral ones when `None`.
    ///
    /// In ephemeral mode table writes are discarded (the services' in-memory state is the
    /// only copy and nothing is ever reloaded) and blobs live in a temporary directory
    /// removed at exit.
    pub fn open(data_dir: Option<&Path>) -> Result<Self, StorageError> {
        match data_dir {
            Some(dir) => {
                let tables = RedbStorage::open(dir)?;
                let blobs = BlobStore::open(&dir.join(durable::BLOB_DIR)).map_err(|source| {
                    StorageError::Io {
                        path: dir.join(durable::BLOB_DIR),
                        source,
                    }
                })?;
                Ok(Self {
                    tables: Arc::new(tables),
                    blobs,
                })
            }
            None => Ok(Self {
                tables: Arc::new(MemoryStorage::discarding()),
                blobs: BlobStore::ephemeral().map_err(|source| StorageError::Io {
                    path: std::env::temp_dir(),
                    source,
                })?,
            }),
        }
    }
}
