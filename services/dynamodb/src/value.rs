//! DynamoDB's data model: [`AttributeValue`] and its awsJson wire form
//! (`{"S": "x"}`, `{"N": "1"}`, `{"B": "<base64>"}`, `{"BOOL": true}`, `{"NULL": true}`,
//! `{"M": {...}}`, `{"L": [...]}`, `{"SS": [...]}`, `{"NS": [...]}`, `{"BS": [...]}`), with
//! DynamoDB's validation messages for malformed values.

use std::collections::BTreeMap;

use ruststack_protocol::encoding::{base64_decode, base64_encode};
use serde_json::{Map, Value};

use crate::number::Number;

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// String.
    S(String),
    /// Number (up to 38 significant digits, normalised).
    N(Number),
    /// Binary.
    B(Vec<u8>),
    /// Boolean.
    Bool(bool),
    /// Null (`{"NULL": true}`).
    Null,
    /// Map.
    M(BTreeMap<String, AttributeValue>),
    /// List.
    L(Vec<AttributeValue>),
    /// String set (non-empty, no duplicates).
    Ss(Vec<String>),
    /// Number set (non-empty, no duplicates).
    Ns(Vec<Number>),
    /// Binary set (non-empty, no duplicates).
    Bs(Vec<Vec<u8>>),
}

/// A value that is not a valid AttributeValue; Display is DynamoDB's `ValidationException`
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError(pub String);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// How deep documents may nest (DynamoDB's limit is 32 levels).
pub const MAX_DEPTH: usize = 32;

fn invalid(message: impl Into<String>) -> ValueError {
    ValueError(message.into())
}

fn supplied_empty() -> ValueError {
    invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
}

impl AttributeValue {
    /// DynamoDB's type descriptor: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// Parses the wire form.
    pub fn from_json(value: &Value) -> Result<Self, ValueError> {
        Self::from_json_at(value, 0)
    }

    fn from_json_at(value: &Value, depth: usize) -> Result<Self, ValueError> {
        if depth > MAX_DEPTH {
            return Err(invalid(
                "Nesting Levels have exceeded supported limits: Maximum nesting level of 32 has been exceeded",
            ));
        }
        let object = value.as_object().ok_or_else(supplied_empty)?;
        let mut fields = object.iter().filter(|(_, v)| !v.is_null());
        let (kind, inner) = fields.next().ok_or_else(supplied_empty)?;
        if fields.next().is_some() {
            return Err(invalid(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ));
        }
        let string = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("Invalid type for {kind}")))
        };
        let number = |v: &Value| -> Result<Number, ValueError> {
            let text = v
                .as_str()
                .ok_or_else(|| invalid(format!("Invalid type for {kind}")))?;
            Number::parse(text).map_err(|e| invalid(e.to_string()))
        };
        let binary = |v: &Value| -> Result<Vec<u8>, ValueError> {
            let text = v
                .as_str()
                .ok_or_else(|| invalid(format!("Invalid type for {kind}")))?;
            base64_decode(text)
                .ok_or_else(|| invalid("Invalid Base64 value for a binary attribute"))
        };
        let list = |v: &Value| {
            v.as_array()
                .cloned()
                .ok_or_else(|| invalid(format!("Invalid type for {kind}")))
        };
        Ok(match kind.as_str() {
            "S" => AttributeValue::S(string(inner)?),
            "N" => AttributeValue::N(number(inner)?),
            "B" => AttributeValue::B(binary(inner)?),
            "BOOL" => AttributeValue::Bool(
                inner
                    .as_bool()
                    .ok_or_else(|| invalid("Invalid type for BOOL"))?,
            ),
            "NULL" => match inner.as_bool() {
                Some(true) => AttributeValue::Null,
                _ => {
                    return Err(invalid(
                        "One or more parameter values were invalid: Null attribute value types must have the value of true",
                    ));
                }
            },
            "M" => {
                let map = inner
                    .as_object()
                    .ok_or_else(|| invalid("Invalid type for M"))?;
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    out.insert(k.clone(), Self::from_json_at(v, depth + 1)?);
                }
                AttributeValue::M(out)
            }
            "L" => AttributeValue::L(
                list(inner)?
                    .iter()
                    .map(|v| Self::from_json_at(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            "SS" => AttributeValue::Ss(set(
                list(inner)?.iter().map(string).collect::<Result<_, _>>()?,
                "string",
            )?),
            "NS" => AttributeValue::Ns(set(
                list(inner)?.iter().map(number).collect::<Result<_, _>>()?,
                "number",
            )?),
            "BS" => AttributeValue::Bs(set(
                list(inner)?.iter().map(binary).collect::<Result<_, _>>()?,
                "binary",
            )?),
            _ => return Err(supplied_empty()),
        })
    }

    /// The wire form.
    pub fn to_json(&self) -> Value {
        let (kind, inner) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_string())),
            AttributeValue::B(b) => ("B", Value::String(base64_encode(b))),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::M(m) => ("M", item_to_json(m)),
            AttributeValue::L(l) => ("L", Value::Array(l.iter().map(Self::to_json).collect())),
            AttributeValue::Ss(s) => (
                "SS",
                Value::Array(s.iter().cloned().map(Value::String).collect()),
            ),
            AttributeValue::Ns(s) => (
                "NS",
                Value::Array(s.iter().map(|n| Value::String(n.to_string())).collect()),
            ),
            AttributeValue::Bs(s) => (
                "BS",
                Value::Array(s.iter().map(|b| Value::String(base64_encode(b))).collect()),
            ),
        };
        let mut object = Map::with_capacity(1);
        object.insert(kind.to_owned(), inner);
        Value::Object(object)
    }

    /// The value's size as DynamoDB counts it toward the 400 KB item limit and capacity
    /// units (strings and binaries by length, numbers by significant digits, 3 bytes of
    /// overhead per list/map plus 1 per element).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::M(m) => {
                3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>()
            }
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(s) => s.iter().map(String::len).sum(),
            AttributeValue::Ns(s) => s.iter().map(Number::size).sum(),
            AttributeValue::Bs(s) => s.iter().map(Vec::len).sum(),
        }
    }
}

fn set<T: PartialEq + std::fmt::Debug>(items: Vec<T>, kind: &str) -> Result<Vec<T>, ValueError> {
    if items.is_empty() {
        return Err(invalid(format!(
            "One or more parameter values were invalid: An {kind} set  may not be empty"
        )));
    }
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            return Err(invalid(format!(
                "Input collection {items:?} contains duplicates."
            )));
        }
    }
    Ok(items)
}

/// Serialises an item in wire form straight into the response, without building a
/// `serde_json::Value` tree (Query and Scan pages hold thousands of items).
pub struct ItemJson<'a>(pub &'a Item);

impl serde::Serialize for ItemJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, &AttrJson(v))?;
        }
        map.end()
    }
}

struct AttrJson<'a>(&'a AttributeValue);

impl serde::Serialize for AttrJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        let kind = self.0.type_name();
        match self.0 {
            AttributeValue::S(s) => map.serialize_entry(kind, s)?,
            AttributeValue::N(n) => map.serialize_entry(kind, &n.to_string())?,
            AttributeValue::B(b) => map.serialize_entry(kind, &base64_encode(b))?,
            AttributeValue::Bool(b) => map.serialize_entry(kind, b)?,
            AttributeValue::Null => map.serialize_entry(kind, &true)?,
            AttributeValue::M(m) => map.serialize_entry(kind, &ItemJson(m))?,
            AttributeValue::L(l) => {
                let list: Vec<AttrJson<'_>> = l.iter().map(AttrJson).collect();
                map.serialize_entry(kind, &list)?;
            }
            AttributeValue::Ss(s) => map.serialize_entry(kind, s)?,
            AttributeValue::Ns(s) => {
                let list: Vec<String> = s.iter().map(Number::to_string).collect();
                map.serialize_entry(kind, &list)?;
            }
            AttributeValue::Bs(s) => {
                let list: Vec<String> = s.iter().map(|b| base64_encode(b)).collect();
                map.serialize_entry(kind, &list)?;
            }
        }
        map.end()
    }
}

/// Parses an item (`{"attr": {"S": "x"}, ...}`).
pub fn item_from_json(value: &Value) -> Result<Item, ValueError> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid("Item must be a map"))?;
    object
        .iter()
        .map(|(k, v)| Ok((k.clone(), AttributeValue::from_json(v)?)))
        .collect()
}

/// The wire form of an item.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// An item's size: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}
