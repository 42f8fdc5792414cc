//! Reading members of a request document with DynamoDB's errors for wrong types.

use std::collections::BTreeMap;

use http::StatusCode;
use ruststack_protocol::ServiceError;
use serde_json::Value;

use crate::error;
use crate::value::{self, AttributeValue, Item};

fn serialization(message: String) -> ServiceError {
    ServiceError::new(StatusCode::BAD_REQUEST, "SerializationException", message)
        .with_namespace("com.amazon.coral.service")
}

pub(crate) fn opt_str<'a>(input: &'a Value, member: &str) -> Result<Option<&'a str>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(serialization(format!(
            "Expected string for member {member}"
        ))),
    }
}

pub(crate) fn req_str<'a>(
    input: &'a Value,
    member: &str,
    path: &str,
) -> Result<&'a str, ServiceError> {
    opt_str(input, member)?.ok_or_else(|| error::missing(path))
}

pub(crate) fn opt_bool(input: &Value, member: &str) -> Result<Option<bool>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(serialization(format!(
            "Expected boolean for member {member}"
        ))),
    }
}

pub(crate) fn opt_i64(input: &Value, member: &str) -> Result<Option<i64>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| serialization(format!("Expected integer for member {member}"))),
    }
}

pub(crate) fn opt_array<'a>(
    input: &'a Value,
    member: &str,
) -> Result<Option<&'a Vec<Value>>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(serialization(format!("Expected list for member {member}"))),
    }
}

pub(crate) fn opt_object<'a>(
    input: &'a Value,
    member: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(serialization(format!("Expected map for member {member}"))),
    }
}

/// An item-shaped member (`Item`, `Key`, `ExclusiveStartKey`).
pub(crate) fn opt_item(input: &Value, member: &str) -> Result<Option<Item>, ServiceError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => value::item_from_json(v)
            .map(Some)
            .map_err(|e| error::validation(e.0)),
        Some(_) => Err(serialization(format!("Expected map for member {member}"))),
    }
}

/// `ExpressionAttributeNames`.
pub(crate) fn names(input: &Value) -> Result<BTreeMap<String, String>, ServiceError> {
    let Some(map) = opt_object(input, "ExpressionAttributeNames")? else {
        return Ok(BTreeMap::new());
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(serialization(
                "Expected string in ExpressionAttributeNames".to_owned(),
            )),
        })
        .collect()
}

/// `ExpressionAttributeValues`.
pub(crate) fn values(input: &Value) -> Result<BTreeMap<String, AttributeValue>, ServiceError> {
    let Some(map) = opt_object(input, "ExpressionAttributeValues")? else {
        return Ok(BTreeMap::new());
    };
    map.iter()
        .map(|(k, v)| {
            AttributeValue::from_json(v)
                .map(|v| (k.clone(), v))
                .map_err(|e| {
                    error::validation(format!(
                        "ExpressionAttributeValues contains invalid value: {e} for key {k}"
                    ))
                })
        })
        .collect()
}
