//! Record encoding for the storage layer and rebuilding tables at boot.
//! - `dynamodb.tables` `account\0region\0table` → TableMeta JSON
//! - `dynamodb.items`  `account\0region\0table\0<key JSON>` → item JSON (wire form)
//! - `dynamodb.streams` `account\0region\0table\0<sequence>` → stream record JSON

use ruststack_storage::{Storage, StorageError, Table as StorageTable};

use crate::state::{State, Table, TableMeta};
use crate::value::{self, Item};

pub(crate) const TABLES: StorageTable = StorageTable::new("dynamodb.tables");
pub(crate) const ITEMS: StorageTable = StorageTable::new("dynamodb.items");
pub(crate) const STREAMS: StorageTable = StorageTable::new("dynamodb.streams");
pub(crate) const ALL_TABLES: [StorageTable; 3] = [TABLES, ITEMS, STREAMS];

/// Adds a stream record to a batch: `account\0region\0table\0<seq, 20 digits>` → JSON.
pub(crate) fn write_stream(
    batch: &mut ruststack_storage::Batch,
    scope: (&str, &str),
    table: &str,
    record: &crate::state::StreamRecord,
) {
    let mut key = prefix(&[scope.0, scope.1, table]);
    key.extend_from_slice(format!("{:020}", record.seq).as_bytes());
    batch.put(STREAMS, key, json(record));
}

pub(crate) fn key(parts: &[&str]) -> Vec<u8> {
    parts.join("\0").into_bytes()
}

pub(crate) fn prefix(parts: &[&str]) -> Vec<u8> {
    let mut out = key(parts);
    out.push(0);
    out
}

/// The record key of an item: its table prefix and its key attributes as JSON (unique).
pub(crate) fn item_key(account: &str, region: &str, table: &str, key_item: &Item) -> Vec<u8> {
    let mut out = prefix(&[account, region, table]);
    out.extend_from_slice(value::item_to_json(key_item).to_string().as_bytes());
    out
}

/// Adds the record change of one item write (`Some` = put, `None` = delete) to a batch.
pub(crate) fn write_item(
    batch: &mut ruststack_storage::Batch,
    scope: (&str, &str),
    table: &str,
    key_item: &Item,
    new: Option<&Item>,
) {
    let record = item_key(scope.0, scope.1, table, key_item);
    match new {
        Some(item) => batch.put(ITEMS, record, item_value(item)),
        None => batch.delete(ITEMS, record),
    };
}

/// Adds the record of a table's settings to a batch.
pub(crate) fn write_table(
    batch: &mut ruststack_storage::Batch,
    scope: (&str, &str),
    meta: &crate::state::TableMeta,
) {
    batch.put(TABLES, key(&[scope.0, scope.1, &meta.name]), json(meta));
}

pub(crate) fn item_value(item: &Item) -> Vec<u8> {
    value::item_to_json(item).to_string().into_bytes()
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn undecodable(table: StorageTable, detail: &str) -> StorageError {
    StorageError::Undecodable {
        table: table.name(),
        detail: detail.to_owned(),
    }
}

/// Rebuilds the model; returns it with the next free stream sequence number.
pub(crate) fn load(storage: &dyn Storage) -> Result<(State, u64), StorageError> {
    let mut state = State::default();
    for (k, v) in storage.load(TABLES)? {
        let parts: Vec<String> = k
            .split(|b| *b == 0)
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect();
        let [account, region, name] = parts.as_slice() else {
            return Err(undecodable(TABLES, "key"));
        };
        let meta: TableMeta =
            serde_json::from_slice(&v).map_err(|_| undecodable(TABLES, "table"))?;
        state
            .get_mut(account, region)
            .tables
            .insert(name.clone(), Table::new(meta));
    }
    for (k, v) in storage.load(ITEMS)? {
        let mut parts = k.splitn(4, |b| *b == 0);
        let (Some(account), Some(region), Some(table)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(undecodable(ITEMS, "key"));
        };
        let json: serde_json::Value =
            serde_json::from_slice(&v).map_err(|_| undecodable(ITEMS, "item"))?;
        let item = value::item_from_json(&json).map_err(|_| undecodable(ITEMS, "item"))?;
        let (account, region, table) = (
            String::from_utf8_lossy(account),
            String::from_utf8_lossy(region),
            String::from_utf8_lossy(table),
        );
        if let Some(t) = state
            .get_mut(&account, &region)
            .tables
            .get_mut(table.as_ref())
        {
            let key = t
                .meta
                .key_schema
                .key_of_item(&item)
                .map_err(|_| undecodable(ITEMS, "key"))?;
            t.size_bytes += value::item_size(&item) as u64;
            t.items.insert(key, &item);
        }
    }
    let mut next_seq = 1;
    for (k, v) in storage.load(STREAMS)? {
        let mut parts = k.splitn(4, |b| *b == 0);
        let (Some(account), Some(region), Some(table)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(undecodable(STREAMS, "key"));
        };
        let record: crate::state::StreamRecord =
            serde_json::from_slice(&v).map_err(|_| undecodable(STREAMS, "record"))?;
        next_seq = next_seq.max(record.seq + 1);
        let (account, region, table) = (
            String::from_utf8_lossy(account),
            String::from_utf8_lossy(region),
            String::from_utf8_lossy(table),
        );
        if let Some(t) = state
            .get_mut(&account, &region)
            .tables
            .get_mut(table.as_ref())
        {
            t.stream.push(record);
        }
    }
    Ok((state, next_seq))
}
