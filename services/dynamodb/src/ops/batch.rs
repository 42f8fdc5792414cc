//! BatchGetItem (up to 100 keys) and BatchWriteItem (up to 25 puts/deletes). Every request
//! is validated before any of it is applied; the writes of one call commit together.

use std::borrow::Cow;
use std::collections::BTreeMap;

use ruststack_protocol::ServiceError;
use serde_json::{Map, Value, json};

use crate::keys::PrimaryKey;
use crate::ops::input::{self, opt_bool, opt_object};
use crate::ops::item::{Context, Shape, check_item, read_units, write_units};
use crate::ops::item::{Write, commit_writes};
use crate::ops::{table, table_name_of};
use crate::value::{Item, item_size, item_to_json};
use crate::{Caller, DynamoDb, error};

const MAX_GET_KEYS: usize = 100;
const MAX_WRITES: usize = 25;

fn request_items(input: &Value) -> Result<&Map<String, Value>, ServiceError> {
    let items = opt_object(input, "RequestItems")?.ok_or_else(|| error::missing("requestItems"))?;
    if items.is_empty() {
        return Err(error::constraint(
            "{}",
            "requestItems",
            "Member must have length greater than or equal to 1",
        ));
    }
    Ok(items)
}

fn capacity_list(
    input: &Value,
    units: &BTreeMap<String, f64>,
) -> Result<Option<Value>, ServiceError> {
    let mut list = Vec::new();
    for (table, u) in units {
        if let Some(c) = crate::ops::item::consumed(input, table, *u)? {
            list.push(c);
        }
    }
    Ok((!list.is_empty()).then_some(Value::Array(list)))
}

pub(crate) fn batch_get_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let requests = request_items(&input)?;
    let total: usize = requests
        .values()
        .map(|r| r.get("Keys").and_then(Value::as_array).map_or(0, Vec::len))
        .sum();
    if total > MAX_GET_KEYS {
        return Err(error::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let state = db.read();
    let mut responses = Map::new();
    let mut units = BTreeMap::new();
    for (name, request) in requests {
        let name = table_name_of(name);
        let table = table(&state, caller, name)?;
        let keys = input::opt_array(request, "Keys")?
            .ok_or_else(|| error::missing("requestItems.member.keys"))?;
        if keys.is_empty() {
            return Err(error::validation(
                "1 validation error detected: Value '[]' at 'requestItems.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        let ctx = Context::from_input(request)?;
        let shape = Shape::parse(request, &ctx)?;
        ctx.check(&shape.usage().into_iter().collect::<Vec<_>>())?;
        let consistent = opt_bool(request, "ConsistentRead")?.unwrap_or(false);
        let mut seen: Vec<PrimaryKey> = Vec::new();
        let mut found = Vec::new();
        let mut bytes = 0;
        for key in keys {
            let key_item = crate::value::item_from_json(key).map_err(|e| error::validation(e.0))?;
            let key = table.meta.key_schema.key_of_request(&key_item)?;
            if seen.contains(&key) {
                return Err(error::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            if let Some(item) = table.items.get(&key) {
                bytes += item_size(&item);
                found.push(item_to_json(&shape.show(Cow::Owned(item))));
            }
            seen.push(key);
        }
        units.insert(name.to_owned(), read_units(bytes, consistent));
        responses.insert(name.to_owned(), Value::Array(found));
    }
    let mut out = json!({"Responses": responses, "UnprocessedKeys": {}});
    if let Some(c) = capacity_list(&input, &units)? {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}

pub(crate) fn batch_write_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let requests = request_items(&input)?;
    let total: usize = requests
        .values()
        .map(|r| r.as_array().map_or(0, Vec::len))
        .sum();
    if total > MAX_WRITES
        || requests
            .values()
            .any(|r| r.as_array().is_some_and(Vec::is_empty))
    {
        return Err(error::validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
        ));
    }
    let mut state = db.write_lock();
    // Validate everything first.
    let mut planned: Vec<(String, PrimaryKey, Item, Option<Item>)> = Vec::new();
    for (name, list) in requests {
        let name = table_name_of(name).to_owned();
        let table = table(&state, caller, &name)?;
        let list = list
            .as_array()
            .ok_or_else(|| error::missing("requestItems.member"))?;
        for request in list {
            let put = request.get("PutRequest").filter(|v| !v.is_null());
            let delete = request.get("DeleteRequest").filter(|v| !v.is_null());
            let (key, key_item, new) = match (put, delete) {
                (Some(put), None) => {
                    let item = input::opt_item(put, "Item")?.ok_or_else(|| {
                        error::missing("requestItems.member.member.putRequest.item")
                    })?;
                    let key = check_item(&table.meta, &item)?;
                    (key, table.meta.key_schema.project_key(&item), Some(item))
                }
                (None, Some(delete)) => {
                    let key_item = input::opt_item(delete, "Key")?.ok_or_else(|| {
                        error::missing("requestItems.member.member.deleteRequest.key")
                    })?;
                    (
                        table.meta.key_schema.key_of_request(&key_item)?,
                        key_item,
                        None,
                    )
                }
                _ => {
                    return Err(error::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    ));
                }
            };
            if planned.iter().any(|(t, k, _, _)| *t == name && *k == key) {
                return Err(error::validation(
                    "Provided list of item keys contains duplicates",
                ));
            }
            planned.push((name.clone(), key, key_item, new));
        }
    }
    let mut units: BTreeMap<String, f64> = BTreeMap::new();
    let mut writes = Vec::with_capacity(planned.len());
    for (name, key, key_item, new) in planned {
        let table = table(&state, caller, &name)?;
        *units.entry(name.clone()).or_default() +=
            write_units(table.items.size(&key), new.as_ref());
        writes.push(Write {
            table: name,
            key,
            key_item,
            new,
        });
    }
    commit_writes(db, caller, &mut state, writes, false)?;
    let mut out = json!({"UnprocessedItems": {}});
    if let Some(c) = capacity_list(&input, &units)? {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}
