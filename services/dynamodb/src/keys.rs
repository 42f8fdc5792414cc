//! Key schemas and key values: which attributes form a table's (or index's) key, their types,
//! and the ordering DynamoDB gives them (strings by UTF-8 bytes, numbers numerically,
//! binaries by bytes).

use serde::{Deserialize, Serialize};

use crate::error;
use crate::number::Number;
use crate::value::{AttributeValue, Item};
use ruststack_protocol::ServiceError;

/// A scalar key attribute type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// A key schema: partition key and optional sort key, with their types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeySchema {
    pub(crate) hash: (String, ScalarType),
    pub(crate) range: Option<(String, ScalarType)>,
}

/// A key attribute's value; orders as DynamoDB sorts keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum KeyValue {
    N(Number),
    S(String),
    B(Vec<u8>),
}

impl KeyValue {
    pub(crate) fn to_attribute(&self) -> AttributeValue {
        match self {
            KeyValue::S(s) => AttributeValue::S(s.clone()),
            KeyValue::N(n) => AttributeValue::N(n.clone()),
            KeyValue::B(b) => AttributeValue::B(b.clone()),
        }
    }

    pub(crate) fn from_attribute(value: &AttributeValue) -> Option<Self> {
        match value {
            AttributeValue::S(s) => Some(KeyValue::S(s.clone())),
            AttributeValue::N(n) => Some(KeyValue::N(n.clone())),
            AttributeValue::B(b) => Some(KeyValue::B(b.clone())),
            _ => None,
        }
    }
}

/// DynamoDB's key size limits.
const MAX_HASH_KEY_BYTES: usize = 2048;
const MAX_RANGE_KEY_BYTES: usize = 1024;

fn key_size(key: &KeyValue) -> usize {
    match key {
        KeyValue::S(s) => s.len(),
        KeyValue::N(n) => n.size(),
        KeyValue::B(b) => b.len(),
    }
}

/// A primary key: partition value and optional sort value.
pub(crate) type PrimaryKey = (KeyValue, Option<KeyValue>);

impl KeySchema {
    /// The names of the key attributes.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names = vec![self.hash.0.as_str()];
        if let Some((range, _)) = &self.range {
            names.push(range);
        }
        names
    }

    /// The key of an item being written: every key attribute present, of the right type,
    /// and not empty.
    pub(crate) fn key_of_item(&self, item: &Item) -> Result<PrimaryKey, ServiceError> {
        let hash = key_attribute(item, &self.hash, "Missing the key")?;
        if key_size(&hash) > MAX_HASH_KEY_BYTES {
            // DynamoDB's message, missing space included.
            return Err(error::invalid_parameter(
                "Size of hashkey has exceeded the maximum size limit of2048 bytes",
            ));
        }
        let range = match &self.range {
            Some(range) => Some(key_attribute(item, range, "Missing the key")?),
            None => None,
        };
        if range
            .as_ref()
            .is_some_and(|r| key_size(r) > MAX_RANGE_KEY_BYTES)
        {
            return Err(error::invalid_parameter(
                "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
            ));
        }
        Ok((hash, range))
    }

    /// A `Key` parameter: exactly the key attributes (no more, no fewer).
    pub(crate) fn key_of_request(&self, key: &Item) -> Result<PrimaryKey, ServiceError> {
        if key.len() != self.names().len() || !self.names().iter().all(|n| key.contains_key(*n)) {
            return Err(error::key_schema_mismatch());
        }
        let hash = key_attribute(key, &self.hash, "")?;
        let range = match &self.range {
            Some(range) => Some(key_attribute(key, range, "")?),
            None => None,
        };
        Ok((hash, range))
    }

    /// The key attributes of an item, as an item (for LastEvaluatedKey, UnprocessedKeys…).
    pub(crate) fn project_key(&self, item: &Item) -> Item {
        self.names()
            .into_iter()
            .filter_map(|n| item.get(n).map(|v| (n.to_owned(), v.clone())))
            .collect()
    }

    /// The key attributes of a primary key, as an item.
    pub(crate) fn key_item(&self, (hash, range): &PrimaryKey) -> Item {
        let mut item = Item::new();
        item.insert(self.hash.0.clone(), hash.to_attribute());
        if let (Some((name, _)), Some(value)) = (&self.range, range) {
            item.insert(name.clone(), value.to_attribute());
        }
        item
    }
}

fn key_attribute(
    item: &Item,
    (name, kind): &(String, ScalarType),
    missing_prefix: &str,
) -> Result<KeyValue, ServiceError> {
    let Some(value) = item.get(name) else {
        return Err(if missing_prefix.is_empty() {
            error::key_schema_mismatch()
        } else {
            error::invalid_parameter(format!("{missing_prefix} {name} in the item"))
        });
    };
    if value.type_name() != kind.name() {
        return Err(if missing_prefix.is_empty() {
            error::key_schema_mismatch()
        } else {
            error::invalid_parameter(format!(
                "Type mismatch for key {name} expected: {} actual: {}",
                kind.name(),
                value.type_name()
            ))
        });
    }
    let empty = matches!(value, AttributeValue::S(s) if s.is_empty())
        || matches!(value, AttributeValue::B(b) if b.is_empty());
    if empty {
        return Err(error::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if kind.name() == "S" {
                "string"
            } else {
                "binary"
            }
        )));
    }
    KeyValue::from_attribute(value).ok_or_else(error::key_schema_mismatch)
}
