//! Query and Scan: key conditions, index reads with projections, filters, `Select`,
//! `Limit`, the 1 MB page, `ExclusiveStartKey`/`LastEvaluatedKey`, parallel scan segments.

use std::borrow::Cow;
use std::ops::Bound;

use ruststack_protocol::{RequestContext, Response, ServiceError, json};
use serde_json::Value;

use crate::expr::{self, KeyCondition};
use crate::keys::{KeySchema, KeyValue, PrimaryKey};
use crate::ops::input::{self, opt_bool, opt_i64, opt_str, req_str};
use crate::ops::item::{Context, Shape, consumed, expr_error, read_units};
use crate::ops::{table, table_name_of};
use crate::state::{IndexMeta, Table};
use crate::stored::Encoded;
use crate::value::{AttributeValue, Item, ItemJson, item_size};
use crate::{Caller, DynamoDb, error};

/// A Query or Scan page stops once this many bytes of items were read.
const PAGE_BYTES: usize = 1024 * 1024;

/// An index and whether it is global.
type IndexRef<'a> = (&'a IndexMeta, bool);

/// The key schema a read uses (the table's or an index's) and the index, if any.
fn read_schema<'a>(
    table: &'a Table,
    index_name: Option<&str>,
) -> Result<(&'a KeySchema, Option<IndexRef<'a>>), ServiceError> {
    match index_name {
        None => Ok((&table.meta.key_schema, None)),
        Some(name) => match table.meta.index(name) {
            Some((index, global)) => Ok((&index.key_schema, Some((index, global)))),
            None => Err(error::validation(format!(
                "The table does not have the specified index: {name}"
            ))),
        },
    }
}

/// What an index shows of an item: keys plus its projection.
fn index_view(item: &Item, table: &Table, index: &IndexMeta) -> Item {
    match index.projection_type.as_str() {
        "ALL" => item.clone(),
        _ => {
            let mut keep: Vec<&str> = table.meta.key_schema.names();
            keep.extend(index.key_schema.names());
            keep.extend(index.non_key_attributes.iter().map(String::as_str));
            item.iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }
    }
}

/// The order of items in an index: index key, then table key.
fn index_order(item: &Item, index: &KeySchema, table: &KeySchema) -> Vec<Option<KeyValue>> {
    let get = |name: &str| item.get(name).and_then(KeyValue::from_attribute);
    let mut order = vec![get(&index.hash.0)];
    if let Some((r, _)) = &index.range {
        order.push(get(r));
    }
    order.push(get(&table.hash.0));
    if let Some((r, _)) = &table.range {
        order.push(get(r));
    }
    order
}

/// The items a read walks, in order (backwards unless `forward`), starting after `start` (an
/// `ExclusiveStartKey`). Table reads walk the items still encoded; index reads decode the
/// partition's items (a scan's: all items) that have the index's keys, to sort them by the
/// index key.
fn candidates<'a>(
    table: &'a Table,
    schema: &KeySchema,
    index: Option<&IndexMeta>,
    partition: Option<&'a KeyValue>,
    start: Option<&Item>,
    forward: bool,
) -> Result<Box<dyn Iterator<Item = Walked<'a>> + 'a>, ServiceError> {
    let Some(index) = index else {
        let start_key = start.map(|s| table.meta.key_schema.key_of_request(s)).transpose()
            .map_err(|_| error::validation("The provided starting key is invalid: The provided key element does not match the schema"))?;
        let in_partition = move |k: &PrimaryKey| partition.is_none_or(|p| k.0 == *p);
        let first_of = |p: &KeyValue| Bound::Included((p.clone(), None));
        if forward {
            let lower = match (start_key, partition) {
                (Some(k), _) => Bound::Excluded(k),
                (None, Some(p)) => first_of(p),
                (None, None) => Bound::Unbounded,
            };
            return Ok(Box::new(
                table
                    .items
                    .range_encoded((lower, Bound::Unbounded))
                    .take_while(move |(k, _)| in_partition(k))
                    .map(|(k, item)| Walked::Stored(k, item)),
            ));
        }
        let upper = match (start_key, partition) {
            (Some(k), _) => Bound::Excluded(k),
            // The end of the partition: the first key of the next one, found over keys only.
            (None, Some(p)) => table
                .items
                .keys((first_of(p), Bound::Unbounded))
                .find(|k| k.0 != *p)
                .map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone())),
            (None, None) => Bound::Unbounded,
        };
        let lower = partition.map_or(Bound::Unbounded, first_of);
        return Ok(Box::new(
            table
                .items
                .range_encoded((lower, upper))
                .rev()
                .take_while(move |(k, _)| in_partition(k))
                .map(|(k, item)| Walked::Stored(k, item)),
        ));
    };
    let has_index_keys = |item: &Item| {
        index
            .key_schema
            .names()
            .iter()
            .all(|n| item.contains_key(*n))
    };
    let mut list: Vec<(Vec<Option<KeyValue>>, Item)> = table
        .items
        .attribute(&schema.hash.0)
        .filter(|(_, v)| partition.is_none_or(|p| KeyValue::from_attribute(v).as_ref() == Some(p)))
        .filter_map(|(k, _)| table.items.get(k))
        .filter(has_index_keys)
        .map(|item| (index_order(&item, schema, &table.meta.key_schema), item))
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(s) = start {
        let position = index_order(s, schema, &table.meta.key_schema);
        if forward {
            list.retain(|(o, _)| *o > position);
        } else {
            list.retain(|(o, _)| *o < position);
        }
    }
    if !forward {
        list.reverse();
    }
    Ok(Box::new(
        list.into_iter().map(|(_, item)| Walked::Decoded(item)),
    ))
}

/// An item a read walks: still encoded (table reads) or decoded (index reads).
enum Walked<'a> {
    Stored(&'a PrimaryKey, Encoded<'a>),
    Decoded(Item),
}

/// An item of a page: whole and still encoded, or as the read shows it.
enum PageItem<'a> {
    Encoded(Encoded<'a>),
    Decoded(Item),
}

impl serde::Serialize for PageItem<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PageItem::Encoded(e) => e.serialize(serializer),
            PageItem::Decoded(item) => ItemJson(item).serialize(serializer),
        }
    }
}

/// Which walked items a read counts: those whose attribute passes the test (a Query's sort
/// key condition, a parallel scan's segment); `None` counts them all.
type Keep<'f> = Option<(&'f str, &'f dyn Fn(&AttributeValue) -> bool)>;

/// The page a read returns.
struct Page<'a> {
    items: Vec<PageItem<'a>>,
    count: usize,
    scanned: usize,
    last_key: Option<Item>,
    bytes: usize,
}

fn read_page<'a>(
    table: &Table,
    schema: &KeySchema,
    index: Option<&IndexMeta>,
    walk: impl Iterator<Item = Walked<'a>>,
    request: &ReadRequest,
    keep: Keep<'_>,
) -> Result<Page<'a>, ServiceError> {
    let limit = request.limit;
    // Whole table items with no filter go to the response as they are stored.
    let as_stored = index.is_none() && request.filter.is_none() && request.shape.is_whole();
    let mut page = Page {
        items: Vec::new(),
        count: 0,
        scanned: 0,
        last_key: None,
        bytes: 0,
    };
    let mut walk = walk.peekable();
    while let Some(walked) = walk.next() {
        let kept = keep.is_none_or(|(name, test)| match &walked {
            Walked::Stored(_, item) => item.attribute(name).is_some_and(|v| test(&v)),
            Walked::Decoded(item) => item.get(name).is_some_and(test),
        });
        if !kept {
            continue;
        }
        page.scanned += 1;
        page.bytes += match &walked {
            Walked::Stored(_, item) => item.size(),
            Walked::Decoded(item) => item_size(item),
        };
        let full = limit.is_some_and(|l| page.scanned >= l) || page.bytes >= PAGE_BYTES;
        let more = full && (walk.peek().is_some() || limit.is_some_and(|l| page.scanned >= l));
        match walked {
            Walked::Stored(key, item) if as_stored => {
                if more {
                    page.last_key = Some(table.meta.key_schema.key_item(key));
                }
                page.count += 1;
                page.items.push(PageItem::Encoded(item));
            }
            walked => {
                let item = match walked {
                    Walked::Stored(_, item) => item.decode(),
                    Walked::Decoded(item) => item,
                };
                if more {
                    let mut key = table.meta.key_schema.project_key(&item);
                    if index.is_some() {
                        key.extend(schema.project_key(&item));
                    }
                    page.last_key = Some(key);
                }
                let view = match index {
                    Some(index) => index_view(&item, table, index),
                    None => item,
                };
                if request.filter.as_ref().is_none_or(|f| f.evaluate(&view)) {
                    page.count += 1;
                    let shown = request.shape.show(Cow::Owned(view)).into_owned();
                    page.items.push(PageItem::Decoded(shown));
                }
            }
        }
        if full {
            break;
        }
    }
    Ok(page)
}

/// What Query and Scan share: the request's table/index, expressions, select and paging.
struct ReadRequest {
    table_name: String,
    index_name: Option<String>,
    ctx: Context,
    filter: Option<expr::Condition>,
    shape: Shape,
    select: String,
    limit: Option<usize>,
    start: Option<Item>,
    consistent: bool,
}

/// Parses what Query and Scan share (the key condition is Query's own: it needs the key
/// schema, so the unused-placeholder check runs once it is parsed).
fn read_request(input: &Value) -> Result<ReadRequest, ServiceError> {
    let table_name = table_name_of(req_str(input, "TableName", "tableName")?).to_owned();
    let index_name = opt_str(input, "IndexName")?.map(str::to_owned);
    let ctx = Context::from_input(input)?;
    let filter = ctx.condition(
        opt_str(input, "FilterExpression")?,
        expr::ConditionKind::Filter,
    )?;
    let shape = Shape::parse(input, &ctx)?;
    let select = opt_str(input, "Select")?
        .map(str::to_owned)
        .unwrap_or_else(|| {
            if !shape.is_whole() {
                "SPECIFIC_ATTRIBUTES".to_owned()
            } else if index_name.is_some() {
                "ALL_PROJECTED_ATTRIBUTES".to_owned()
            } else {
                "ALL_ATTRIBUTES".to_owned()
            }
        });
    match select.as_str() {
        "ALL_ATTRIBUTES" | "ALL_PROJECTED_ATTRIBUTES" | "COUNT" if !shape.is_whole() => {
            return Err(error::validation(format!(
                "Cannot specify the AttributesToGet when choosing to get {select}"
            )));
        }
        "ALL_PROJECTED_ATTRIBUTES" if index_name.is_none() => {
            return Err(error::validation(
                "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
            ));
        }
        "ALL_ATTRIBUTES" | "ALL_PROJECTED_ATTRIBUTES" | "COUNT" | "SPECIFIC_ATTRIBUTES" => {}
        other => {
            return Err(error::constraint(
                other,
                "select",
                "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
            ));
        }
    }
    let limit = match opt_i64(input, "Limit")? {
        Some(l) if l < 1 => {
            return Err(error::constraint(
                &l.to_string(),
                "limit",
                "Member must have value greater than or equal to 1",
            ));
        }
        Some(l) => Some(l as usize),
        None => None,
    };
    Ok(ReadRequest {
        table_name,
        index_name,
        ctx,
        filter,
        shape,
        select,
        limit,
        start: input::opt_item(input, "ExclusiveStartKey")?,
        consistent: opt_bool(input, "ConsistentRead")?.unwrap_or(false),
    })
}

impl ReadRequest {
    /// DynamoDB rejects placeholders no expression of the request used.
    fn check_unused(&self, key_condition: Option<&KeyCondition>) -> Result<(), ServiceError> {
        let mut used: Vec<&expr::Usage> = key_condition.iter().map(|k| k.usage()).collect();
        used.extend(self.filter.iter().map(expr::Condition::usage));
        used.extend(self.shape.usage());
        self.ctx.check(&used)
    }
}

/// Query's and Scan's response, serialised without an intermediate JSON tree.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReadResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<&'a [PageItem<'a>]>,
    count: usize,
    scanned_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_evaluated_key: Option<ItemJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
}

fn respond(
    ctx: &RequestContext,
    input: &Value,
    request: &ReadRequest,
    page: &Page<'_>,
) -> Result<Response, ServiceError> {
    let out = ReadResponse {
        items: (request.select != "COUNT").then_some(page.items.as_slice()),
        count: page.count,
        scanned_count: page.scanned,
        last_evaluated_key: page.last_key.as_ref().map(ItemJson),
        consumed_capacity: consumed(
            input,
            &request.table_name,
            read_units(page.bytes, request.consistent),
        )?,
    };
    json::response(ctx, &out)
}

fn check_index_read(
    request: &ReadRequest,
    index: Option<IndexRef<'_>>,
) -> Result<(), ServiceError> {
    if let Some((_, true)) = index
        && request.consistent
    {
        return Err(error::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    Ok(())
}

pub(crate) fn query(
    db: &DynamoDb,
    ctx: &RequestContext,
    caller: &Caller,
    input: Value,
) -> Result<Response, ServiceError> {
    let key_text = opt_str(&input, "KeyConditionExpression")?
        .ok_or_else(|| {
            error::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            )
        })?;
    let request = read_request(&input)?;
    let state = db.read();
    let table = table(&state, caller, &request.table_name)?;
    let (schema, index) = read_schema(table, request.index_name.as_deref())?;
    check_index_read(&request, index)?;
    let key_condition = KeyCondition::parse(
        key_text,
        request.ctx.names(),
        request.ctx.values(),
        &schema.hash.0,
        schema.range.as_ref().map(|(r, _)| r.as_str()),
    )
    .map_err(expr_error)?;
    request.check_unused(Some(&key_condition))?;
    let partition = KeyValue::from_attribute(key_condition.partition_value()).ok_or_else(|| {
        error::validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
    })?;
    if partition.to_attribute().type_name() != schema.hash.1.name() {
        return Err(error::validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ));
    }
    let forward = opt_bool(&input, "ScanIndexForward")?.unwrap_or(true);
    let walk = candidates(
        table,
        schema,
        index.map(|(i, _)| i),
        Some(&partition),
        request.start.as_ref(),
        forward,
    )?;
    let range_name = schema.range.as_ref().map(|(r, _)| r.clone());
    let sort_matches = |v: &AttributeValue| key_condition.sort_matches(v);
    let keep: Keep<'_> = range_name.as_deref().map(|r| (r, &sort_matches as _));
    let page = read_page(table, schema, index.map(|(i, _)| i), walk, &request, keep)?;
    respond(ctx, &input, &request, &page)
}

pub(crate) fn scan(
    db: &DynamoDb,
    ctx: &RequestContext,
    caller: &Caller,
    input: Value,
) -> Result<Response, ServiceError> {
    let request = read_request(&input)?;
    request.check_unused(None)?;
    let segment = opt_i64(&input, "Segment")?;
    let total = opt_i64(&input, "TotalSegments")?;
    let segments = match (segment, total) {
        (None, None) => None,
        (Some(s), Some(t)) => {
            if !(1..=1_000_000).contains(&t) {
                return Err(error::constraint(
                    &t.to_string(),
                    "totalSegments",
                    "Member must have value less than or equal to 1000000",
                ));
            }
            if s < 0 || s >= t {
                return Err(error::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Some((s as u64, t as u64))
        }
        (Some(_), None) => {
            return Err(error::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ));
        }
        (None, Some(_)) => {
            return Err(error::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ));
        }
    };
    let state = db.read();
    let table = table(&state, caller, &request.table_name)?;
    let (schema, index) = read_schema(table, request.index_name.as_deref())?;
    check_index_read(&request, index)?;
    let walk = candidates(
        table,
        schema,
        index.map(|(i, _)| i),
        None,
        request.start.as_ref(),
        true,
    )?;
    let hash_name = table.meta.key_schema.hash.0.clone();
    let in_segment = |v: &AttributeValue| segments.is_none_or(|(s, t)| segment_of(v, t) == s);
    let keep: Keep<'_> = segments.map(|_| (hash_name.as_str(), &in_segment as _));
    let page = read_page(table, schema, index.map(|(i, _)| i), walk, &request, keep)?;
    respond(ctx, &input, &request, &page)
}

/// Which parallel-scan segment a partition key falls in (FNV-1a of its wire form).
fn segment_of(value: &AttributeValue, total: u64) -> u64 {
    let text = value.to_json().to_string();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % total.max(1)
}
