//! Storage errors: what went wrong, with the path involved, so startup failures are clear.

use std::path::PathBuf;

/// A table-storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The data directory holds files ruststack did not create.
    #[error(
        "data directory {} contains files ruststack did not create ({}); use an empty directory or one ruststack created",
        dir.display(), entries.join(", ")
    )]
    ForeignFiles {
        /// The data directory.
        dir: PathBuf,
        /// The unexpected entries.
        entries: Vec<String>,
    },
    /// The database file is a database, but not one ruststack wrote.
    #[error("{} is not a ruststack data file", path.display())]
    NotRuststackData {
        /// The database file.
        path: PathBuf,
    },
    /// The database file was written by an incompatible ruststack version.
    #[error("{} has data format {found:?}; this ruststack reads {expected:?}", path.display())]
    UnsupportedFormat {
        /// The database file.
        path: PathBuf,
        /// The format found in the file.
        found: String,
        /// The format this build reads.
        expected: &'static str,
    },
    /// Another process has the data directory open.
    #[error("data file {} is in use by another process", path.display())]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// The database file could not be opened (corrupt, truncated, or not a database).
    #[error("cannot open data file {} (corrupt or not a ruststack data file): {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What redb reported.
        #[source]
        source: redb::DatabaseError,
    },
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A stored record cannot be decoded by this build.
    #[error("undecodable record in table {table}: {detail}")]
    Undecodable {
        /// The table holding the record.
        table: &'static str,
        /// What could not be decoded.
        detail: String,
    },
    /// A read or commit failed in the database.
    #[error("database error: {0}")]
    Database(#[from] redb::Error),
    /// A previous panic poisoned the in-memory tables.
    #[error("in-memory storage is poisoned by an earlier panic")]
    Poisoned,
}

/// A blob-storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// The payload is larger than the caller's limit; nothing was kept.
    #[error("payload exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The incoming stream failed; nothing was kept.
    #[error("payload stream failed: {0}")]
    Stream(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Writing or reading the file failed.
    #[error("blob I/O failed: {0}")]
    Io(#[from] std::io::Error),
}
