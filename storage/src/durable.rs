//! [`RedbStorage`]: every table in one redb database inside the data directory.
//!
//! Data-directory layout: `ruststack.redb` (all tables) and `blobs/` (the [`BlobStore`]).
//! A `ruststack.meta` table records the data format, so that a redb file written by
//! something else, or by an incompatible version, is refused at startup instead of being
//! misread.
//!
//! [`BlobStore`]: crate::BlobStore

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use crate::{Batch, Op, Row, Storage, StorageError, Table};

/// The database file inside the data directory.
pub const DB_FILE: &str = "ruststack.redb";
/// The blob directory inside the data directory.
pub const BLOB_DIR: &str = "blobs";
/// Directory for files services derive from their records and can rebuild (Lambda's
/// extracted packages), inside the data directory.
pub const WORK_DIR: &str = "work";
/// Directory for keys services keep beside their records (the Fastly secret-store key),
/// inside the data directory.
pub const KEYS_DIR: &str = "keys";
/// The data format this build writes and reads.
pub const FORMAT: &str = "ruststack-data/1";

const META: TableDefinition<'static, &[u8], &[u8]> = TableDefinition::new("ruststack.meta");
const FORMAT_KEY: &[u8] = b"format";

/// Durable table storage in a redb database.
pub struct RedbStorage {
    db: Database,
}

impl std::fmt::Debug for RedbStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStorage").finish_non_exhaustive()
    }
}

impl RedbStorage {
    /// Opens (creating if needed) the database in `dir`, checking that the directory and the
    /// file are ruststack's.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
            path: dir.to_owned(),
            source,
        })?;
        check_entries(dir)?;
        let path = dir.join(DB_FILE);
        let exists = path.exists();
        let opened = if exists {
            Database::open(&path)
        } else {
            Database::create(&path)
        };
        let db = opened.map_err(|source| match source {
            redb::DatabaseError::DatabaseAlreadyOpen => StorageError::InUse { path: path.clone() },
            // Permissions, a full disk…: an I/O problem, not a corrupt file.
            // (redb reports a bad magic number as InvalidData: that one is a foreign file.)
            redb::DatabaseError::Storage(redb::StorageError::Io(source))
                if source.kind() != std::io::ErrorKind::InvalidData =>
            {
                StorageError::Io {
                    path: path.clone(),
                    source,
                }
            }
            source => StorageError::Open {
                path: path.clone(),
                source,
            },
        })?;
        check_format(&db, &path)?;
        Ok(Self { db })
    }
}

/// Refuses a directory holding anything but our own files (hidden files and `lost+found`,
/// which file systems and volume mounts create, are tolerated).
fn check_entries(dir: &Path) -> Result<(), StorageError> {
    let io = |source| StorageError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut foreign = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let name = entry
            .map_err(io)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !(name == DB_FILE
            || name == BLOB_DIR
            || name == WORK_DIR
            || name == KEYS_DIR
            || name == "lost+found"
            || name.starts_with('.'))
        {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        Ok(())
    } else {
        foreign.sort();
        Err(StorageError::ForeignFiles {
            dir: dir.to_owned(),
            entries: foreign,
        })
    }
}

fn check_format(db: &Database, path: &Path) -> Result<(), StorageError> {
    let read = db.begin_read().map_err(redb::Error::from)?;
    let has_tables = read
        .list_tables()
        .map_err(redb::Error::from)?
        .next()
        .is_some();
    let found = match read.open_table(META) {
        Ok(meta) => meta
            .get(FORMAT_KEY)
            .map_err(redb::Error::from)?
            .map(|v| v.value().to_vec()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(redb::Error::from(e).into()),
    };
    drop(read);
    match found {
        Some(format) if format == FORMAT.as_bytes() => Ok(()),
        Some(format) => Err(StorageError::UnsupportedFormat {
            path: path.to_owned(),
            found: String::from_utf8_lossy(&format).into_owned(),
            expected: FORMAT,
        }),
        None if has_tables => Err(StorageError::NotRuststackData {
            path: path.to_owned(),
        }),
        None => {
            let write = db.begin_write().map_err(redb::Error::from)?;
            {
                let mut meta = write.open_table(META).map_err(redb::Error::from)?;
                meta.insert(FORMAT_KEY, FORMAT.as_bytes())
                    .map_err(redb::Error::from)?;
            }
            write.commit().map_err(redb::Error::from)?;
            Ok(())
        }
    }
}

fn definition(table: Table) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(table.name())
}

impl Storage for RedbStorage {
    fn load(&self, table: Table) -> Result<Vec<Row>, StorageError> {
        let read = self.db.begin_read().map_err(redb::Error::from)?;
        let t = match read.open_table(definition(table)) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(redb::Error::from(e).into()),
        };
        let mut rows = Vec::new();
        for row in t.iter().map_err(redb::Error::from)? {
            let (k, v) = row.map_err(redb::Error::from)?;
            rows.push((k.value().to_vec(), v.value().to_vec()));
        }
        Ok(rows)
    }

    fn commit(&self, batch: Batch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Durability::Immediate is redb's default: the commit is fsynced before it returns.
        let write = self.db.begin_write().map_err(redb::Error::from)?;
        for op in batch.into_ops() {
            match op {
                Op::Put { table, key, value } => {
                    let mut t = write
                        .open_table(definition(table))
                        .map_err(redb::Error::from)?;
                    t.insert(key.as_slice(), value.as_slice())
                        .map_err(redb::Error::from)?;
                }
                Op::Delete { table, key } => {
                    let mut t = write
                        .open_table(definition(table))
                        .map_err(redb::Error::from)?;
                    t.remove(key.as_slice()).map_err(redb::Error::from)?;
                }
                Op::DeletePrefix { table, prefix } => {
                    let mut t = write
                        .open_table(definition(table))
                        .map_err(redb::Error::from)?;
                    let mut keys = Vec::new();
                    for row in t.range(prefix.as_slice()..).map_err(redb::Error::from)? {
                        let (key, _) = row.map_err(redb::Error::from)?;
                        if !key.value().starts_with(&prefix) {
                            break;
                        }
                        keys.push(key.value().to_vec());
                    }
                    for key in keys {
                        t.remove(key.as_slice()).map_err(redb::Error::from)?;
                    }
                }
                Op::Clear { table } => {
                    write
                        .delete_table(definition(table))
                        .map_err(redb::Error::from)?;
                }
            }
        }
        // Dropping `write` without commit aborts: nothing of a failed batch is applied.
        write.commit().map_err(redb::Error::from)?;
        Ok(())
    }

    fn is_durable(&self) -> bool {
        true
    }
}

/// The names of every table in the database (diagnostics and tests).
pub fn table_names(storage: &RedbStorage) -> Result<Vec<String>, StorageError> {
    let read = storage.db.begin_read().map_err(redb::Error::from)?;
    Ok(read
        .list_tables()
        .map_err(redb::Error::from)?
        .map(|t| t.name().to_owned())
        .collect())
}

/// The path of the database file for a data directory.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table::new("test.items");

    #[test]
    fn round_trip_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = RedbStorage::open(dir.path()).unwrap();
            let mut b = Batch::new();
            b.put(T, "k1", "v1").put(T, "k2", "v2").delete(T, "k1");
            b.put(T, "p/1", "").put(T, "p/2", "").put(T, "q", "");
            b.delete_prefix(T, "p/");
            s.commit(b).unwrap();
        }
        let s = RedbStorage::open(dir.path()).unwrap();
        let expected = vec![
            (b"k2".to_vec(), b"v2".to_vec()),
            (b"q".to_vec(), Vec::new()),
        ];
        assert_eq!(s.load(T).unwrap(), expected);
        let mut b = Batch::new();
        b.clear(T);
        s.commit(b).unwrap();
        assert!(s.load(T).unwrap().is_empty());
        assert!(s.load(Table::new("never.written")).unwrap().is_empty());
    }

    #[test]
    fn garbage_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(db_path(dir.path()), vec![0x42; 10_000]).unwrap();
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(matches!(err, StorageError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains("ruststack.redb"), "{err}");
    }

    #[test]
    fn file_with_another_magic_number_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(db_path(dir.path()), b"SQLite format 3\0".repeat(512)).unwrap();
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(matches!(err, StorageError::Open { .. }), "{err:?}");
    }

    #[test]
    fn io_failure_is_not_called_corruption() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(db_path(dir.path())).unwrap();
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(matches!(err, StorageError::Io { .. }), "{err:?}");
    }

    #[test]
    fn foreign_redb_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::create(db_path(dir.path())).unwrap();
            let w = db.begin_write().unwrap();
            {
                let mut t = w
                    .open_table(TableDefinition::<&str, u64>::new("someone.else"))
                    .unwrap();
                t.insert("x", 1).unwrap();
            }
            w.commit().unwrap();
        }
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StorageError::NotRuststackData { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(RedbStorage::open(dir.path()).unwrap());
        {
            let db = Database::open(db_path(dir.path())).unwrap();
            let w = db.begin_write().unwrap();
            w.open_table(META)
                .unwrap()
                .insert(FORMAT_KEY, b"ruststack-data/99".as_slice())
                .unwrap();
            w.commit().unwrap();
        }
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StorageError::UnsupportedFormat { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("recorded_api_calls.json"), "[]").unwrap();
        std::fs::create_dir(dir.path().join(".hidden")).unwrap();
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("recorded_api_calls.json"), "{err}");
    }

    #[test]
    fn second_open_reports_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let _first = RedbStorage::open(dir.path()).unwrap();
        let err = RedbStorage::open(dir.path()).unwrap_err();
        assert!(matches!(err, StorageError::InUse { .. }), "{err:?}");
    }
}
