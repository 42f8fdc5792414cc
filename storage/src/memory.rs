//! [`MemoryStorage`]: tables in a map, for in-memory servers and for tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::{Batch, Op, Row, Storage, StorageError, Table};

/// Tables kept in memory.
///
/// [`MemoryStorage::new`] keeps every row, so a test can "restart" a service on the same
/// storage. [`MemoryStorage::discarding`] keeps nothing: the server's in-memory mode, where
/// the services' own state is the only copy and nothing is ever reloaded.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    tables: Option<Mutex<Tables>>,
}

type Tables = HashMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

impl MemoryStorage {
    /// Storage that keeps rows (for tests and restart simulation).
    pub fn new() -> Self {
        Self {
            tables: Some(Mutex::default()),
        }
    }

    /// Storage that accepts every commit and keeps nothing.
    pub fn discarding() -> Self {
        Self { tables: None }
    }
}

impl Storage for MemoryStorage {
    fn load(&self, table: Table) -> Result<Vec<Row>, StorageError> {
        let Some(tables) = &self.tables else {
            return Ok(Vec::new());
        };
        let tables = tables.lock().map_err(|_| StorageError::Poisoned)?;
        Ok(tables
            .get(&table)
            .map(|rows| rows.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    fn commit(&self, batch: Batch) -> Result<(), StorageError> {
        let Some(tables) = &self.tables else {
            return Ok(());
        };
        let mut tables = tables.lock().map_err(|_| StorageError::Poisoned)?;
        for op in batch.into_ops() {
            match op {
                Op::Put { table, key, value } => {
                    tables.entry(table).or_default().insert(key, value);
                }
                Op::Delete { table, key } => {
                    if let Some(rows) = tables.get_mut(&table) {
                        rows.remove(&key);
                    }
                }
                Op::DeletePrefix { table, prefix } => {
                    if let Some(rows) = tables.get_mut(&table) {
                        rows.retain(|k, _| !k.starts_with(&prefix));
                    }
                }
                Op::Clear { table } => {
                    tables.remove(&table);
                }
            }
        }
        Ok(())
    }

    fn is_durable(&self) -> bool {
        false
    }

    fn keeps_records(&self) -> bool {
        self.tables.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Table = Table::new("test.t");
    const U: Table = Table::new("test.u");

    #[test]
    fn put_delete_clear() {
        let s = MemoryStorage::new();
        let mut b = Batch::new();
        b.put(T, "b", "2")
            .put(T, "a", "1")
            .put(U, "x", "y")
            .delete(T, "zz");
        s.commit(b).unwrap();
        assert_eq!(
            s.load(T).unwrap(),
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"2".to_vec())
            ]
        );
        let mut b = Batch::new();
        b.put(U, "p/1", "").put(U, "p/2", "").put(U, "q/1", "");
        b.delete_prefix(U, "p/");
        s.commit(b).unwrap();
        let keys: Vec<Vec<u8>> = s.load(U).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![b"q/1".to_vec(), b"x".to_vec()]);
        let mut b = Batch::new();
        b.delete(T, "a").clear(U);
        s.commit(b).unwrap();
        assert_eq!(s.load(T).unwrap().len(), 1);
        assert!(s.load(U).unwrap().is_empty());
    }

    #[test]
    fn discarding_keeps_nothing() {
        let s = MemoryStorage::discarding();
        let mut b = Batch::new();
        b.put(T, "a", "1");
        s.commit(b).unwrap();
        assert!(s.load(T).unwrap().is_empty());
    }
}
