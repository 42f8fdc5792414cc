//! Record encoding and loading. One JSON record per store, per entry and per link:
//! - `fastly.stores`  `<kind>\0<id>` → [`StoreMeta`]
//! - `fastly.entries` `<kind>\0<id>\0<key>` → [`ConfigItem`], [`KvEntry`] or [`Secret`]
//! - `fastly.links`   `<id>` → [`Link`]
//!
//! A store's entries share the `<kind>\0<id>\0` prefix, so deleting a store is one prefix
//! delete.

use ruststack_storage::{Batch, Storage, StorageError, Table};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::{ConfigItem, Kind, KvEntry, Link, Secret, State, Store, StoreMeta};

pub(crate) const STORES: Table = Table::new("fastly.stores");
pub(crate) const ENTRIES: Table = Table::new("fastly.entries");
pub(crate) const LINKS: Table = Table::new("fastly.links");
pub(crate) const ALL_TABLES: [Table; 3] = [STORES, ENTRIES, LINKS];

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn store_key(kind: Kind, id: &str) -> Vec<u8> {
    [kind.word().as_bytes(), b"\0", id.as_bytes()].concat()
}

fn entry_prefix(kind: Kind, id: &str) -> Vec<u8> {
    [kind.word().as_bytes(), b"\0", id.as_bytes(), b"\0"].concat()
}

/// Adds the write of a store's own record.
pub(crate) fn put_store(batch: &mut Batch, kind: Kind, meta: &StoreMeta) {
    batch.put(STORES, store_key(kind, &meta.id), json(meta));
}

/// Adds the deletion of a store with all its entries.
pub(crate) fn delete_store(batch: &mut Batch, kind: Kind, id: &str) {
    batch.delete(STORES, store_key(kind, id));
    batch.delete_prefix(ENTRIES, entry_prefix(kind, id));
}

/// Adds the write of an entry (or its deletion, when `entry` is `None`).
pub(crate) fn put_entry<T: Serialize>(
    batch: &mut Batch,
    kind: Kind,
    id: &str,
    key: &str,
    entry: Option<&T>,
) {
    let k = [entry_prefix(kind, id), key.as_bytes().to_vec()].concat();
    match entry {
        Some(e) => batch.put(ENTRIES, k, json(e)),
        None => batch.delete(ENTRIES, k),
    };
}

/// Adds the write of a link (or its deletion).
pub(crate) fn put_link(batch: &mut Batch, id: &str, link: Option<&Link>) {
    match link {
        Some(l) => batch.put(LINKS, id.as_bytes().to_vec(), json(l)),
        None => batch.delete(LINKS, id.as_bytes().to_vec()),
    };
}

fn decode<T: DeserializeOwned>(table: Table, value: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(value).map_err(|e| StorageError::Undecodable {
        table: table.name(),
        detail: e.to_string(),
    })
}

fn undecodable(table: Table, key: &[u8]) -> StorageError {
    StorageError::Undecodable {
        table: table.name(),
        detail: format!("bad key {:?}", String::from_utf8_lossy(key)),
    }
}

fn kind_of(word: &str) -> Option<Kind> {
    match word {
        "config" => Some(Kind::Config),
        "kv" => Some(Kind::Kv),
        "secret" => Some(Kind::Secret),
        _ => None,
    }
}

/// Rebuilds the state from storage.
pub(crate) fn load(storage: &dyn Storage) -> Result<State, StorageError> {
    let mut state = State::default();
    for (key, value) in storage.load(STORES)? {
        let text = std::str::from_utf8(&key).map_err(|_| undecodable(STORES, &key))?;
        let (word, _) = text
            .split_once('\0')
            .ok_or_else(|| undecodable(STORES, &key))?;
        let meta: StoreMeta = decode(STORES, &value)?;
        match kind_of(word).ok_or_else(|| undecodable(STORES, &key))? {
            Kind::Config => {
                state.config.insert(meta.id.clone(), Store::new(meta));
            }
            Kind::Kv => {
                state.kv.insert(meta.id.clone(), Store::new(meta));
            }
            Kind::Secret => {
                state.secret.insert(meta.id.clone(), Store::new(meta));
            }
        }
    }
    for (key, value) in storage.load(ENTRIES)? {
        let text = std::str::from_utf8(&key).map_err(|_| undecodable(ENTRIES, &key))?;
        let mut parts = text.splitn(3, '\0');
        let (Some(word), Some(id), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(undecodable(ENTRIES, &key));
        };
        let missing = || undecodable(ENTRIES, &key);
        match kind_of(word).ok_or_else(missing)? {
            Kind::Config => {
                let item: ConfigItem = decode(ENTRIES, &value)?;
                let store = state.config.get_mut(id).ok_or_else(missing)?;
                store.entries.insert(name.to_owned(), item);
            }
            Kind::Kv => {
                let entry: KvEntry = decode(ENTRIES, &value)?;
                let store = state.kv.get_mut(id).ok_or_else(missing)?;
                store.entries.insert(name.to_owned(), entry);
            }
            Kind::Secret => {
                let secret: Secret = decode(ENTRIES, &value)?;
                let store = state.secret.get_mut(id).ok_or_else(missing)?;
                store.entries.insert(name.to_owned(), secret);
            }
        }
    }
    for (key, value) in storage.load(LINKS)? {
        let link: Link = decode(LINKS, &value)?;
        if link.id.as_bytes() != key.as_slice() {
            return Err(undecodable(LINKS, &key));
        }
        state.links.insert(link.id.clone(), link);
    }
    Ok(state)
}
