//! Record encoding and loading. One JSON record per function (with its versions, aliases
//! and settings), per layer and per event source mapping:
//! - `lambda.functions` `account\0region\0name` → [`Function`]
//! - `lambda.layers`    `account\0region\0name` → [`Layer`]
//! - `lambda.mappings`  `uuid` → [`Mapping`]
//!
//! Zips are blobs the records name.

use std::collections::HashSet;

use ruststack_storage::{Batch, BlobId, Storage, StorageError, Table};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::{FnKey, Function, Layer, Mapping, State};

pub(crate) const FUNCTIONS: Table = Table::new("lambda.functions");
pub(crate) const LAYERS: Table = Table::new("lambda.layers");
pub(crate) const MAPPINGS: Table = Table::new("lambda.mappings");
pub(crate) const ALL_TABLES: [Table; 3] = [FUNCTIONS, LAYERS, MAPPINGS];

fn key3(a: &str, b: &str, c: &str) -> Vec<u8> {
    [a.as_bytes(), b"\0", b.as_bytes(), b"\0", c.as_bytes()].concat()
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// Adds the write of a function's record (or its deletion, when `function` is `None`).
pub(crate) fn put_function(batch: &mut Batch, key: &FnKey, function: Option<&Function>) {
    let k = key3(&key.account, &key.region, &key.name);
    match function {
        Some(f) => batch.put(FUNCTIONS, k, json(f)),
        None => batch.delete(FUNCTIONS, k),
    };
}

/// Adds the write of a layer's record (or its deletion).
pub(crate) fn put_layer(batch: &mut Batch, key: &(String, String, String), layer: Option<&Layer>) {
    let k = key3(&key.0, &key.1, &key.2);
    match layer {
        Some(l) => batch.put(LAYERS, k, json(l)),
        None => batch.delete(LAYERS, k),
    };
}

/// Adds the write of a mapping's record (or its deletion).
pub(crate) fn put_mapping(batch: &mut Batch, uuid: &str, mapping: Option<&Mapping>) {
    match mapping {
        Some(m) => batch.put(MAPPINGS, uuid.as_bytes().to_vec(), json(m)),
        None => batch.delete(MAPPINGS, uuid.as_bytes().to_vec()),
    };
}

fn decode<T: DeserializeOwned>(table: Table, value: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(value).map_err(|e| StorageError::Undecodable {
        table: table.name(),
        detail: e.to_string(),
    })
}

fn split3(table: Table, key: &[u8]) -> Result<(String, String, String), StorageError> {
    let text = std::str::from_utf8(key).map_err(|e| StorageError::Undecodable {
        table: table.name(),
        detail: e.to_string(),
    })?;
    let mut parts = text.splitn(3, '\0');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c)) => Ok((a.to_owned(), b.to_owned(), c.to_owned())),
        _ => Err(StorageError::Undecodable {
            table: table.name(),
            detail: format!("bad key {text:?}"),
        }),
    }
}

/// Rebuilds the state from storage.
pub(crate) fn load(storage: &dyn Storage) -> Result<State, StorageError> {
    let mut state = State::default();
    for (k, v) in storage.load(FUNCTIONS)? {
        let (account, region, name) = split3(FUNCTIONS, &k)?;
        let key = FnKey {
            account,
            region,
            name,
        };
        state.functions.insert(key, decode(FUNCTIONS, &v)?);
    }
    for (k, v) in storage.load(LAYERS)? {
        state
            .layers
            .insert(split3(LAYERS, &k)?, decode(LAYERS, &v)?);
    }
    for (_, v) in storage.load(MAPPINGS)? {
        let m: Mapping = decode(MAPPINGS, &v)?;
        state.mappings.insert(m.uuid.clone(), m);
    }
    Ok(state)
}

/// Every blob the state names (zips of function versions and layer versions).
pub(crate) fn live_blobs(state: &State) -> HashSet<BlobId> {
    let functions = state.functions.values().flat_map(|f| {
        std::iter::once(&f.latest)
            .chain(f.versions.values())
            .map(|v| v.code.blob.as_str())
    });
    let layers = state
        .layers
        .values()
        .flat_map(|l| l.versions.values().map(|v| v.code.blob.as_str()));
    functions.chain(layers).filter_map(BlobId::parse).collect()
}
