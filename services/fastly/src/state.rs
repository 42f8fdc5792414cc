//! The in-memory model: config, KV and secret stores by id, and resource links.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A store's own fields (every kind has these).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoreMeta {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    /// KV stores only: the `location` the store was created in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
}

/// A config store item.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ConfigItem {
    pub(crate) value: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A KV store entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KvEntry {
    /// The value, base64 in the record.
    #[serde(with = "b64")]
    pub(crate) value: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<String>,
    pub(crate) generation: u64,
    /// When the entry expires (ms since the epoch), from `time_to_live_sec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_at: Option<i64>,
}

impl KvEntry {
    /// Whether the entry is still visible at `now`.
    pub(crate) fn live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }
}

/// A secret: its digest and its value sealed with the server's secret-store key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Secret {
    /// SHA-256 of the plaintext.
    #[serde(with = "b64")]
    pub(crate) digest: Vec<u8>,
    /// Nonce and ciphertext (see `crypto::Vault`).
    #[serde(with = "b64")]
    pub(crate) sealed: Vec<u8>,
    pub(crate) created_at: i64,
}

/// A resource link: a store made available to a service version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Link {
    pub(crate) id: String,
    pub(crate) resource_id: String,
    pub(crate) service_id: String,
    pub(crate) version: u32,
    pub(crate) name: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

/// A store with its entries.
#[derive(Clone, Debug)]
pub(crate) struct Store<T> {
    pub(crate) meta: StoreMeta,
    pub(crate) entries: BTreeMap<String, T>,
}

impl<T> Store<T> {
    pub(crate) fn new(meta: StoreMeta) -> Self {
        Self {
            meta,
            entries: BTreeMap::new(),
        }
    }
}

/// The three store kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Config,
    Kv,
    Secret,
}

impl Kind {
    /// What the API's messages call a store of this kind.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Config => "config store",
            Kind::Kv => "KV store",
            Kind::Secret => "secret store",
        }
    }

    /// The word the API uses in paths and records.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Kv => "kv",
            Kind::Secret => "secret",
        }
    }
}

/// Everything the service holds.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) config: BTreeMap<String, Store<ConfigItem>>,
    pub(crate) kv: BTreeMap<String, Store<KvEntry>>,
    pub(crate) secret: BTreeMap<String, Store<Secret>>,
    pub(crate) links: BTreeMap<String, Link>,
}

/// An entry type, which names its kind of store and where the state keeps those stores.
pub(crate) trait Entry: Sized {
    const KIND: Kind;
    fn stores(state: &State) -> &BTreeMap<String, Store<Self>>;
    fn stores_mut(state: &mut State) -> &mut BTreeMap<String, Store<Self>>;
}

impl Entry for ConfigItem {
    const KIND: Kind = Kind::Config;
    fn stores(state: &State) -> &BTreeMap<String, Store<Self>> {
        &state.config
    }
    fn stores_mut(state: &mut State) -> &mut BTreeMap<String, Store<Self>> {
        &mut state.config
    }
}

impl Entry for KvEntry {
    const KIND: Kind = Kind::Kv;
    fn stores(state: &State) -> &BTreeMap<String, Store<Self>> {
        &state.kv
    }
    fn stores_mut(state: &mut State) -> &mut BTreeMap<String, Store<Self>> {
        &mut state.kv
    }
}

impl Entry for Secret {
    const KIND: Kind = Kind::Secret;
    fn stores(state: &State) -> &BTreeMap<String, Store<Self>> {
        &state.secret
    }
    fn stores_mut(state: &mut State) -> &mut BTreeMap<String, Store<Self>> {
        &mut state.secret
    }
}

/// Finds a store by id, or else by name (the name is accepted wherever an id is).
pub(crate) fn find<'a, T>(
    stores: &'a BTreeMap<String, Store<T>>,
    id_or_name: &str,
) -> Option<&'a Store<T>> {
    stores
        .get(id_or_name)
        .or_else(|| stores.values().find(|s| s.meta.name == id_or_name))
}

/// The id of the store named by `id_or_name` (id first, then name).
pub(crate) fn resolve<T>(stores: &BTreeMap<String, Store<T>>, id_or_name: &str) -> Option<String> {
    find(stores, id_or_name).map(|s| s.meta.id.clone())
}

/// Whether `name` is taken by another store of the same kind.
pub(crate) fn name_taken<T>(stores: &BTreeMap<String, Store<T>>, name: &str, except: &str) -> bool {
    stores
        .values()
        .any(|s| s.meta.name == name && s.meta.id != except)
}

mod b64 {
    use ruststack_protocol::encoding::{base64_decode, base64_encode};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64_encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64_decode(&text).ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }
}
