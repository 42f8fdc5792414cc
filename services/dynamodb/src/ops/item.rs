//! PutItem, GetItem, DeleteItem, UpdateItem, and what they share: conditions, return
//! values, consumed capacity.

use std::borrow::Cow;
use std::collections::BTreeMap;

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::expr::{self, Names, Values};
use crate::keys::PrimaryKey;
use crate::ops::input::{self, opt_str, req_str};
use crate::ops::{table, table_mut, table_name_of};
use crate::state::{State, Table, TableMeta};
use crate::stored::Items;
use crate::value::{AttributeValue, Item, item_size, item_to_json};
use crate::{Caller, DynamoDb, error, persist, stream};

/// DynamoDB's maximum item size.
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The expression context of one request: its names and values, and which of them the
/// request's expressions used (DynamoDB rejects unused ones).
pub(crate) struct Context {
    pub(crate) names: BTreeMap<String, String>,
    pub(crate) values: BTreeMap<String, AttributeValue>,
}

impl Context {
    pub(crate) fn from_input(input: &Value) -> Result<Self, ServiceError> {
        Ok(Self {
            names: input::names(input)?,
            values: input::values(input)?,
        })
    }

    pub(crate) fn names(&self) -> Names<'_> {
        Names(&self.names)
    }

    pub(crate) fn values(&self) -> Values<'_> {
        Values(&self.values)
    }

    /// Rejects names/values no expression used, and names/values given without any
    /// expression.
    pub(crate) fn check(&self, used: &[&expr::Usage]) -> Result<(), ServiceError> {
        if used.is_empty() {
            if !self.values.is_empty() {
                return Err(error::validation(
                    "ExpressionAttributeValues can only be specified when using expressions",
                ));
            }
            if !self.names.is_empty() {
                return Err(error::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            return Ok(());
        }
        expr::check_unused(self.names(), self.values(), used).map_err(expr_error)
    }

    /// Parses a `ConditionExpression` or `FilterExpression`.
    pub(crate) fn condition(
        &self,
        text: Option<&str>,
        kind: expr::ConditionKind,
    ) -> Result<Option<expr::Condition>, ServiceError> {
        text.map(|t| {
            expr::Condition::parse(t, kind, self.names(), self.values()).map_err(expr_error)
        })
        .transpose()
    }

    /// Parses a `ProjectionExpression`.
    pub(crate) fn projection(
        &self,
        text: Option<&str>,
    ) -> Result<Option<expr::Projection>, ServiceError> {
        text.map(|t| expr::Projection::parse(t, self.names()).map_err(expr_error))
            .transpose()
    }
}

/// An expression error is a `ValidationException` with the expression's own message.
pub(crate) fn expr_error(e: expr::ExprError) -> ServiceError {
    error::validation(e.to_string())
}

/// Evaluates a parsed `ConditionExpression` against the current item (absent = empty).
pub(crate) fn check_condition(
    condition: Option<&expr::Condition>,
    current: Option<&Item>,
    return_on_failure: bool,
) -> Result<(), ServiceError> {
    let Some(condition) = condition else {
        return Ok(());
    };
    let empty = Item::new();
    if condition.evaluate(current.unwrap_or(&empty)) {
        return Ok(());
    }
    let mut err = error::conditional_check_failed();
    if return_on_failure && let Some(item) = current {
        err = err.with_field("Item", item_to_json(item));
    }
    Err(err)
}

/// `ReturnValuesOnConditionCheckFailure`: `ALL_OLD` or `NONE`.
pub(crate) fn return_on_failure(input: &Value) -> Result<bool, ServiceError> {
    match opt_str(input, "ReturnValuesOnConditionCheckFailure")? {
        None | Some("NONE") => Ok(false),
        Some("ALL_OLD") => Ok(true),
        Some(other) => Err(error::constraint(
            other,
            "returnValuesOnConditionCheckFailure",
            "Member must satisfy enum value set: [ALL_OLD, NONE]",
        )),
    }
}

/// Validates a whole item for a write: size, key attributes, and index key types.
pub(crate) fn check_item(meta: &TableMeta, item: &Item) -> Result<PrimaryKey, ServiceError> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(error::validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    let key = meta.key_schema.key_of_item(item)?;
    for index in meta.gsis.iter().chain(&meta.lsis) {
        for (name, kind) in
            std::iter::once(&index.key_schema.hash).chain(index.key_schema.range.iter())
        {
            if let Some(value) = item.get(name) {
                if value.type_name() != kind.name() {
                    return Err(error::invalid_parameter(format!(
                        "Type mismatch for Index Key {name} Expected: {} Actual: {} IndexName: {}",
                        kind.name(),
                        value.type_name(),
                        index.name
                    )));
                }
                let empty = matches!(value, AttributeValue::S(s) if s.is_empty())
                    || matches!(value, AttributeValue::B(b) if b.is_empty());
                if empty {
                    return Err(error::invalid_parameter(format!(
                        "One or more index key attributes are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: {}, IndexKey: {name}",
                        index.name
                    )));
                }
            }
        }
    }
    Ok(key)
}

/// Capacity units for `ReturnConsumedCapacity`.
pub(crate) fn consumed(
    input: &Value,
    table: &str,
    units: f64,
) -> Result<Option<Value>, ServiceError> {
    match opt_str(input, "ReturnConsumedCapacity")? {
        None | Some("NONE") => Ok(None),
        Some("TOTAL") => Ok(Some(json!({"TableName": table, "CapacityUnits": units}))),
        Some("INDEXES") => Ok(Some(
            json!({"TableName": table, "CapacityUnits": units, "Table": {"CapacityUnits": units}}),
        )),
        Some(other) => Err(error::constraint(
            other,
            "returnConsumedCapacity",
            "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
        )),
    }
}

/// Write units: 1 per KB (rounded up) of the larger of the old and new item.
pub(crate) fn write_units(old: Option<usize>, new: Option<&Item>) -> f64 {
    let size = old.unwrap_or(0).max(new.map_or(0, item_size));
    size.div_ceil(1024).max(1) as f64
}

/// Read units: 1 per 4 KB (rounded up), half for eventually consistent reads.
pub(crate) fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// One item write: `new` is the item to store, `None` deletes it.
pub(crate) struct Write {
    pub(crate) table: String,
    pub(crate) key: PrimaryKey,
    pub(crate) key_item: Item,
    pub(crate) new: Option<Item>,
}

/// Commits item writes together with their stream records, then applies them. `ttl` marks
/// deletions made by TTL expiry (their stream records say so).
pub(crate) fn commit_writes(
    db: &DynamoDb,
    caller: &Caller,
    state: &mut State,
    writes: Vec<Write>,
    ttl: bool,
) -> Result<(), ServiceError> {
    let scope = (caller.account.as_str(), caller.region.as_str());
    let mut batch = Batch::new();
    let mut records = Vec::with_capacity(writes.len());
    for w in &writes {
        let table = crate::ops::table(state, caller, &w.table)?;
        // Only a stream record needs the item being replaced.
        let old = table
            .meta
            .stream_view_type
            .is_some()
            .then(|| table.items.get(&w.key))
            .flatten();
        let record = stream::record_for(
            db,
            &table.meta,
            &w.key_item,
            old.as_ref(),
            w.new.as_ref(),
            caller.now,
            ttl,
        );
        if db.keeps_records() {
            persist::write_item(&mut batch, scope, &w.table, &w.key_item, w.new.as_ref());
            if let Some(record) = &record {
                persist::write_stream(&mut batch, scope, &w.table, record);
            }
        }
        records.push(record);
    }
    if db.keeps_records() {
        db.commit(batch)?;
    }
    for (w, record) in writes.into_iter().zip(records) {
        let table = table_mut(state, caller, &w.table)?;
        store(table, w.key, w.new.as_ref());
        table.stream.extend(record);
    }
    Ok(())
}

/// [`commit_writes`] for one item.
pub(crate) fn apply_write(
    db: &DynamoDb,
    caller: &Caller,
    state: &mut State,
    write: Write,
) -> Result<(), ServiceError> {
    commit_writes(db, caller, state, vec![write], false)
}

/// Applies a committed write to the model.
pub(crate) fn store(table: &mut Table, key: PrimaryKey, new: Option<&Item>) {
    if let Some(item) = new {
        table.size_bytes += item_size(item) as u64;
    }
    let old_size = match new {
        Some(item) => table.items.insert(key, item),
        None => table.items.remove(&key),
    };
    if let Some(size) = old_size {
        table.size_bytes = table.size_bytes.saturating_sub(size as u64);
    }
}

/// `ReturnItemCollectionMetrics: SIZE`: for tables with local secondary indexes (the only
/// ones with item collections), the item's collection key and its size estimate.
pub(crate) fn item_collection(
    input: &Value,
    meta: &TableMeta,
    key_item: &Item,
) -> Result<Option<Value>, ServiceError> {
    match opt_str(input, "ReturnItemCollectionMetrics")? {
        None | Some("NONE") => Ok(None),
        Some("SIZE") if meta.lsis.is_empty() => Ok(None),
        Some("SIZE") => {
            let hash = &meta.key_schema.hash.0;
            let key: Item = key_item
                .iter()
                .filter(|(k, _)| *k == hash)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Some(
                json!({"ItemCollectionKey": item_to_json(&key), "SizeEstimateRangeGB": [0.0, 1.0]}),
            ))
        }
        Some(other) => Err(error::constraint(
            other,
            "returnItemCollectionMetrics",
            "Member must satisfy enum value set: [SIZE, NONE]",
        )),
    }
}

/// The response of a single-item write: `Attributes` when asked for, consumed capacity.
fn written(
    input: &Value,
    table: &str,
    attributes: Option<Item>,
    units: f64,
    collection: Option<Value>,
) -> Result<Value, ServiceError> {
    let mut out = json!({});
    if let Some(attributes) = attributes.filter(|a| !a.is_empty()) {
        out["Attributes"] = item_to_json(&attributes);
    }
    if let Some(metrics) = collection {
        out["ItemCollectionMetrics"] = metrics;
    }
    if let Some(c) = consumed(input, table, units)? {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}

/// What PutItem and DeleteItem share: `ReturnValues` (only `NONE` or `ALL_OLD`), the
/// `ConditionExpression` (its placeholders checked), `ReturnValuesOnConditionCheckFailure`.
struct SimpleWrite {
    all_old: bool,
    condition: Option<expr::Condition>,
    on_failure: bool,
}

impl SimpleWrite {
    fn parse(input: &Value) -> Result<Self, ServiceError> {
        let return_values = opt_str(input, "ReturnValues")?.unwrap_or("NONE");
        if !matches!(return_values, "NONE" | "ALL_OLD") {
            return Err(error::validation("Return values set to invalid value"));
        }
        let ctx = Context::from_input(input)?;
        let condition = ctx.condition(
            opt_str(input, "ConditionExpression")?,
            expr::ConditionKind::Condition,
        )?;
        ctx.check(
            &condition
                .iter()
                .map(expr::Condition::usage)
                .collect::<Vec<_>>(),
        )?;
        Ok(Self {
            all_old: return_values == "ALL_OLD",
            condition,
            on_failure: return_on_failure(input)?,
        })
    }

    /// Checks the condition against the item under `key` and returns what `ALL_OLD` returns.
    /// The item is decoded only when the condition or the response needs it.
    fn check(&self, items: &Items, key: &PrimaryKey) -> Result<Option<Item>, ServiceError> {
        let current = (self.condition.is_some() || self.all_old)
            .then(|| items.get(key))
            .flatten();
        check_condition(self.condition.as_ref(), current.as_ref(), self.on_failure)?;
        Ok(current.filter(|_| self.all_old))
    }
}

pub(crate) fn put_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let item = input::opt_item(&input, "Item")?.ok_or_else(|| error::missing("item"))?;
    let simple = SimpleWrite::parse(&input)?;
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name)?;
    let key = check_item(&table.meta, &item)?;
    let old = simple.check(&table.items, &key)?;
    let units = write_units(table.items.size(&key), Some(&item));
    let key_item = table.meta.key_schema.project_key(&item);
    let collection = item_collection(&input, &table.meta, &key_item)?;
    let write = Write {
        table: name.clone(),
        key,
        key_item,
        new: Some(item),
    };
    apply_write(db, caller, &mut state, write)?;
    written(&input, &name, old, units, collection)
}

pub(crate) fn get_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let key_item = input::opt_item(&input, "Key")?.ok_or_else(|| error::missing("key"))?;
    let ctx = Context::from_input(&input)?;
    let shape = Shape::parse(&input, &ctx)?;
    ctx.check(&shape.usage().into_iter().collect::<Vec<_>>())?;
    let consistent = input::opt_bool(&input, "ConsistentRead")?.unwrap_or(false);
    let state = db.read();
    let table = table(&state, caller, &name)?;
    let key = table.meta.key_schema.key_of_request(&key_item)?;
    let found = table.items.get(&key);
    let mut out = json!({});
    if let Some(item) = &found {
        out["Item"] = item_to_json(&shape.show(Cow::Borrowed(item)));
    }
    let units = read_units(found.as_ref().map_or(0, item_size), consistent);
    if let Some(c) = consumed(&input, &name, units)? {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}

/// What a read returns of each item: the parts a `ProjectionExpression` names, the
/// attributes the legacy `AttributesToGet` lists, or (neither given) the whole item. Both at
/// once is rejected when the request is parsed, before any item is read.
pub(crate) struct Shape {
    projection: Option<expr::Projection>,
    attributes: Option<Vec<String>>,
}

impl Shape {
    pub(crate) fn parse(input: &Value, ctx: &Context) -> Result<Self, ServiceError> {
        let projection = ctx.projection(opt_str(input, "ProjectionExpression")?)?;
        let attributes: Option<Vec<String>> =
            input::opt_array(input, "AttributesToGet")?.map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            });
        if projection.is_some() && attributes.is_some() {
            return Err(error::validation(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
            ));
        }
        Ok(Self {
            projection,
            attributes,
        })
    }

    /// The placeholders the projection used.
    pub(crate) fn usage(&self) -> Option<&expr::Usage> {
        self.projection.as_ref().map(expr::Projection::usage)
    }

    /// Whether items are returned whole.
    pub(crate) fn is_whole(&self) -> bool {
        self.projection.is_none() && self.attributes.is_none()
    }

    /// An item as this read returns it (borrowed when returned whole).
    pub(crate) fn show<'a>(&self, item: Cow<'a, Item>) -> Cow<'a, Item> {
        match (&self.projection, &self.attributes) {
            (Some(p), _) => Cow::Owned(p.apply(&item)),
            (None, Some(names)) => Cow::Owned(
                item.iter()
                    .filter(|(k, _)| names.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            (None, None) => item,
        }
    }
}

pub(crate) fn delete_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let key_item = input::opt_item(&input, "Key")?.ok_or_else(|| error::missing("key"))?;
    let simple = SimpleWrite::parse(&input)?;
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name)?;
    let key = table.meta.key_schema.key_of_request(&key_item)?;
    let size = table.items.size(&key);
    let old = simple.check(&table.items, &key)?;
    let units = write_units(size, None);
    let collection = item_collection(&input, &table.meta, &key_item)?;
    if size.is_some() {
        let write = Write {
            table: name.clone(),
            key,
            key_item,
            new: None,
        };
        apply_write(db, caller, &mut state, write)?;
    }
    written(&input, &name, old, units, collection)
}

pub(crate) fn update_item(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let key_item = input::opt_item(&input, "Key")?.ok_or_else(|| error::missing("key"))?;
    let return_values = opt_str(&input, "ReturnValues")?
        .unwrap_or("NONE")
        .to_owned();
    if !matches!(
        return_values.as_str(),
        "NONE" | "ALL_OLD" | "UPDATED_OLD" | "ALL_NEW" | "UPDATED_NEW"
    ) {
        return Err(error::constraint(
            &return_values,
            "returnValues",
            "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
        ));
    }
    let ctx = Context::from_input(&input)?;
    let update = opt_str(&input, "UpdateExpression")?
        .map(|u| expr::Update::parse(u, ctx.names(), ctx.values()).map_err(expr_error))
        .transpose()?;
    let condition = ctx.condition(
        opt_str(&input, "ConditionExpression")?,
        expr::ConditionKind::Condition,
    )?;
    let mut used: Vec<&expr::Usage> = update.iter().map(expr::Update::usage).collect();
    used.extend(condition.iter().map(expr::Condition::usage));
    ctx.check(&used)?;
    let on_failure = return_on_failure(&input)?;
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name)?;
    let key = table.meta.key_schema.key_of_request(&key_item)?;
    if let Some(update) = &update {
        let keys = table.meta.key_schema.names();
        if let Some(path) = update.paths().find(|p| keys.contains(&p.root())) {
            return Err(error::invalid_parameter(format!(
                "Cannot update attribute {}. This attribute is part of the key",
                path.root()
            )));
        }
    }
    let current = table.items.get(&key);
    check_condition(condition.as_ref(), current.as_ref(), on_failure)?;
    let mut new = current.clone().unwrap_or_else(|| key_item.clone());
    let updated = match &update {
        Some(update) => Some(update.apply(&mut new).map_err(expr_error)?),
        None => None,
    };
    let new_key = check_item(&table.meta, &new)?;
    let units = write_units(current.as_ref().map(item_size), Some(&new));
    let collection = item_collection(&input, &table.meta, &key_item)?;
    let write = Write {
        table: name.clone(),
        key: new_key,
        key_item,
        new: Some(new.clone()),
    };
    apply_write(db, caller, &mut state, write)?;
    let attributes = match (return_values.as_str(), &updated) {
        ("ALL_OLD", _) => current.clone(),
        ("ALL_NEW", _) => Some(new.clone()),
        ("UPDATED_OLD", Some(paths)) => current.as_ref().map(|old| paths.project(old)),
        ("UPDATED_NEW", Some(paths)) => Some(paths.project(&new)),
        _ => None,
    };
    written(&input, &name, attributes, units, collection)
}
