//! The in-memory model: tables by (account, region), each with its settings and its items
//! ordered by primary key. Pure data; no I/O, no HTTP.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::keys::{KeySchema, ScalarType};
use crate::stored::Items;

/// Everything of the service, by (account, region).
pub(crate) type State = ruststack_protocol::scope::ByScope<Scope>;

#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) tables: BTreeMap<String, Table>,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) meta: TableMeta,
    pub(crate) items: Items,
    pub(crate) size_bytes: u64,
    /// The table's stream records, oldest first (one shard).
    pub(crate) stream: Vec<StreamRecord>,
}

impl Table {
    pub(crate) fn new(meta: TableMeta) -> Self {
        Self {
            meta,
            items: Items::default(),
            size_bytes: 0,
            stream: Vec::new(),
        }
    }
}

/// One DynamoDB Streams record (persisted as JSON; images in wire form).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StreamRecord {
    pub(crate) seq: u64,
    pub(crate) created: f64,
    pub(crate) event: String,
    pub(crate) label: String,
    pub(crate) view_type: String,
    pub(crate) keys: serde_json::Value,
    pub(crate) old: Option<serde_json::Value>,
    pub(crate) new: Option<serde_json::Value>,
    pub(crate) size: usize,
    pub(crate) ttl: bool,
}

/// A secondary index's definition.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct IndexMeta {
    pub(crate) name: String,
    pub(crate) key_schema: KeySchema,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub(crate) projection_type: String,
    pub(crate) non_key_attributes: Vec<String>,
    pub(crate) provisioned: Option<(i64, i64)>,
}

/// A table's settings (persisted as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TableMeta {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) creation_time: f64,
    pub(crate) key_schema: KeySchema,
    pub(crate) attribute_definitions: Vec<(String, ScalarType)>,
    pub(crate) billing_mode: String,
    pub(crate) provisioned: Option<(i64, i64)>,
    pub(crate) gsis: Vec<IndexMeta>,
    pub(crate) lsis: Vec<IndexMeta>,
    pub(crate) stream_view_type: Option<String>,
    pub(crate) stream_label: Option<String>,
    pub(crate) sse: Option<serde_json::Value>,
    pub(crate) table_class: String,
    pub(crate) deletion_protection: bool,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) ttl_attribute: Option<String>,
}

impl TableMeta {
    pub(crate) fn arn(&self, region: &str, account: &str) -> String {
        format!("arn:aws:dynamodb:{region}:{account}:table/{}", self.name)
    }

    pub(crate) fn index(&self, name: &str) -> Option<(&IndexMeta, bool)> {
        self.gsis
            .iter()
            .map(|i| (i, true))
            .chain(self.lsis.iter().map(|i| (i, false)))
            .find(|(i, _)| i.name == name)
    }
}
