//! ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: each PartiQL statement is
//! planned into the equivalent PutItem / UpdateItem / DeleteItem / GetItem / Query / Scan
//! (or transaction action) request and run by that operation, so validation, streams and
//! capacity behave exactly as for the item API.

use http_body_util::BodyExt;
use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::{RequestContext, ServiceError};
use serde_json::{Map, Value, json};

use crate::keys::KeySchema;
use crate::ops::input::{opt_array, opt_str};
use crate::partiql::{self, Cond, Placeholders, Statement};
use crate::{Caller, DynamoDb, error, ops};

/// What a statement becomes.
enum Plan {
    Put(Value),
    Update(Value),
    Delete(Value),
    Get(Value),
    Query(Value),
    Scan(Value),
}

fn parse(statement: &Value) -> Result<Statement, ServiceError> {
    let text = opt_str(statement, "Statement")?.ok_or_else(|| error::missing("statement"))?;
    if text.len() > 8192 {
        return Err(error::validation(
            "1 validation error detected: Value at 'statement' failed to satisfy constraint: Member must have length less than or equal to 8192",
        ));
    }
    let params = opt_array(statement, "Parameters")?
        .cloned()
        .unwrap_or_default();
    partiql::parse(text, &params).map_err(|e| error::validation(e.0))
}

fn key_schema(
    db: &DynamoDb,
    caller: &Caller,
    table: &str,
    index: Option<&str>,
) -> Result<KeySchema, ServiceError> {
    let state = db.read();
    let t = ops::table(&state, caller, table)?;
    match index {
        None => Ok(t.meta.key_schema.clone()),
        Some(name) => t
            .meta
            .index(name)
            .map(|(i, _)| i.key_schema.clone())
            .ok_or_else(|| {
                error::validation(format!(
                    "The table does not have the specified index: {name}"
                ))
            }),
    }
}

fn key_names(schema: &KeySchema) -> Vec<String> {
    let mut names = vec![schema.hash.0.clone()];
    if let Some((range, _)) = &schema.range {
        names.push(range.clone());
    }
    names
}

/// Splits a WHERE clause into the full primary key (from equalities) and what remains.
fn split_key<'c>(
    schema: &KeySchema,
    filter: &'c Cond,
) -> Result<(Map<String, Value>, Vec<&'c Cond>), ServiceError> {
    let terms = partiql::conjuncts(filter);
    let mut key = Map::new();
    let mut rest = Vec::new();
    for term in terms {
        match partiql::equality(term) {
            Some((name, value))
                if key_names(schema).iter().any(|k| k == name) && !key.contains_key(name) =>
            {
                key.insert(name.to_owned(), value.clone());
            }
            _ => rest.push(term),
        }
    }
    if key.len() != key_names(schema).len() {
        return Err(error::validation(
            "Where clause does not contain a mandatory equality on all key attributes",
        ));
    }
    Ok((key, rest))
}

fn with_expressions(mut input: Value, ph: Placeholders) -> Value {
    if !ph.names.is_empty() {
        input["ExpressionAttributeNames"] = Value::Object(ph.names);
    }
    if !ph.values.is_empty() {
        input["ExpressionAttributeValues"] = Value::Object(ph.values);
    }
    input
}

fn plan(
    db: &DynamoDb,
    caller: &Caller,
    stmt: &Statement,
    options: &Value,
) -> Result<(String, Plan), ServiceError> {
    match stmt {
        Statement::Insert { table, item } => {
            let schema = key_schema(db, caller, table, None)?;
            let input = json!({
                "TableName": table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": {"#k": schema.hash.0},
            });
            Ok((table.clone(), Plan::Put(input)))
        }
        Statement::Update {
            table,
            sets,
            removes,
            filter,
            returning,
        } => {
            let schema = key_schema(db, caller, table, None)?;
            let (key, rest) = split_key(&schema, filter)?;
            let mut ph = Placeholders::default();
            let mut update = String::new();
            if !sets.is_empty() {
                let parts: Vec<String> = sets
                    .iter()
                    .map(|(path, value)| {
                        let p = ph.path(path);
                        format!("{p} = {}", ph.operand(value))
                    })
                    .collect();
                update.push_str(&format!("SET {}", parts.join(", ")));
            }
            if !removes.is_empty() {
                let parts: Vec<String> = removes.iter().map(|p| ph.path(p)).collect();
                update.push_str(&format!(" REMOVE {}", parts.join(", ")));
            }
            let exists = format!(
                "attribute_exists({})",
                ph.path(&[partiql::Seg::Name(schema.hash.0.clone())])
            );
            let condition = match partiql::and_all(&rest) {
                Some(c) => format!("{exists} AND ({})", ph.cond(&c)),
                None => exists,
            };
            let input = json!({
                "TableName": table,
                "Key": key,
                "UpdateExpression": update.trim(),
                "ConditionExpression": condition,
            });
            let input = keyed_write(input, *returning, options, ph);
            Ok((table.clone(), Plan::Update(input)))
        }
        Statement::Delete {
            table,
            filter,
            returning,
        } => {
            let schema = key_schema(db, caller, table, None)?;
            let (key, rest) = split_key(&schema, filter)?;
            let mut ph = Placeholders::default();
            let mut input = json!({"TableName": table, "Key": key});
            if let Some(c) = partiql::and_all(&rest) {
                input["ConditionExpression"] = json!(ph.cond(&c));
            }
            let input = keyed_write(input, *returning, options, ph);
            Ok((table.clone(), Plan::Delete(input)))
        }
        Statement::Select {
            table,
            index,
            projection,
            filter,
        } => {
            let schema = key_schema(db, caller, table, index.as_deref())?;
            let mut ph = Placeholders::default();
            let mut input = json!({"TableName": table});
            if let Some(i) = index {
                input["IndexName"] = json!(i);
            }
            if let Some(paths) = projection {
                let parts: Vec<String> = paths.iter().map(|p| ph.path(p)).collect();
                input["ProjectionExpression"] = json!(parts.join(", "));
            }
            copy_option(options, &mut input, "ConsistentRead");
            let terms = filter.as_ref().map(partiql::conjuncts).unwrap_or_default();
            let hash_eq = terms
                .iter()
                .position(|t| partiql::equality(t).is_some_and(|(n, _)| n == schema.hash.0));
            let Some(hash_at) = hash_eq else {
                if let Some(f) = filter {
                    input["FilterExpression"] = json!(ph.cond(f));
                }
                return Ok((table.clone(), Plan::Scan(with_expressions(input, ph))));
            };
            let mut key_terms = vec![terms[hash_at]];
            let range_at = schema.range.as_ref().and_then(|(range, _)| {
                terms
                    .iter()
                    .enumerate()
                    .position(|(i, t)| i != hash_at && partiql::is_sort_key_condition(t, range))
            });
            if let Some(r) = range_at {
                key_terms.push(terms[r]);
            }
            let rest: Vec<&Cond> = terms
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != hash_at && Some(*i) != range_at)
                .map(|(_, t)| *t)
                .collect();
            if let Some(kc) = partiql::and_all(&key_terms) {
                input["KeyConditionExpression"] = json!(ph.cond(&kc));
            }
            if let Some(f) = partiql::and_all(&rest) {
                input["FilterExpression"] = json!(ph.cond(&f));
            }
            Ok((table.clone(), Plan::Query(with_expressions(input, ph))))
        }
    }
}

/// The parts UpdateItem and DeleteItem requests share: `ReturnValues` from `RETURNING`,
/// the statement's `ReturnValuesOnConditionCheckFailure`, the placeholders.
fn keyed_write(
    mut input: Value,
    returning: partiql::Returning,
    options: &Value,
    ph: Placeholders,
) -> Value {
    if let Some(r) = returning {
        input["ReturnValues"] = json!(r);
    }
    copy_option(options, &mut input, "ReturnValuesOnConditionCheckFailure");
    with_expressions(input, ph)
}

fn copy_option(from: &Value, to: &mut Value, name: &str) {
    if let Some(v) = from.get(name) {
        to[name] = v.clone();
    }
}

/// A full-key SELECT as a GetItem (batches and transactions read single items).
fn as_get(
    db: &DynamoDb,
    caller: &Caller,
    stmt: &Statement,
    options: &Value,
) -> Result<Value, ServiceError> {
    let Statement::Select {
        table,
        index: None,
        projection,
        filter: Some(filter),
    } = stmt
    else {
        return Err(error::validation(
            "Batch and transaction reads must select one item by its full primary key",
        ));
    };
    let schema = key_schema(db, caller, table, None)?;
    let (key, rest) = split_key(&schema, filter)?;
    if !rest.is_empty() {
        return Err(error::validation(
            "Batch and transaction reads must select one item by its full primary key",
        ));
    }
    let mut get = json!({"TableName": table, "Key": key});
    copy_option(options, &mut get, "ConsistentRead");
    let mut ph = Placeholders::default();
    if let Some(paths) = projection {
        let parts: Vec<String> = paths.iter().map(|p| ph.path(p)).collect();
        get["ProjectionExpression"] = json!(parts.join(", "));
    }
    Ok(with_expressions(get, ph))
}

async fn page(resp: ruststack_protocol::Response) -> Result<Value, ServiceError> {
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| ServiceError::internal("InternalServerError", e))?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| ServiceError::internal("InternalServerError", e))
}

/// Runs one planned statement; the result is ExecuteStatement's output.
async fn run(
    db: &DynamoDb,
    ctx: &RequestContext,
    caller: &Caller,
    plan: Plan,
    options: &Value,
) -> Result<Value, ServiceError> {
    let returned = |out: Value| match out.get("Attributes") {
        Some(a) => json!({"Items": [a]}),
        None => json!({"Items": []}),
    };
    match plan {
        Plan::Put(input) => {
            db.write(caller.clone(), input, ops::item::put_item)
                .await
                .map_err(|e| {
                    if e.code() == "ConditionalCheckFailedException" {
                        duplicate()
                    } else {
                        e
                    }
                })?;
            Ok(json!({"Items": []}))
        }
        Plan::Update(input) => Ok(returned(
            db.write(caller.clone(), input, ops::item::update_item)
                .await?,
        )),
        Plan::Delete(input) => Ok(returned(
            db.write(caller.clone(), input, ops::item::delete_item)
                .await?,
        )),
        Plan::Get(input) => {
            let out = ops::item::get_item(db, caller, input)?;
            Ok(json!({"Items": out.get("Item").into_iter().cloned().collect::<Vec<_>>()}))
        }
        Plan::Query(mut input) | Plan::Scan(mut input) => {
            let is_query = input.get("KeyConditionExpression").is_some();
            if let Some(limit) = options.get("Limit") {
                input["Limit"] = limit.clone();
            }
            if let Some(token) = opt_str(options, "NextToken")? {
                let start = base64_decode(token)
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .ok_or_else(|| error::validation("Invalid NextToken"))?;
                input["ExclusiveStartKey"] = start;
            }
            let resp = if is_query {
                ops::query::query(db, ctx, caller, input)?
            } else {
                ops::query::scan(db, ctx, caller, input)?
            };
            let out = page(resp).await?;
            let mut result = json!({"Items": out.get("Items").cloned().unwrap_or(json!([]))});
            if let Some(last) = out.get("LastEvaluatedKey") {
                result["NextToken"] = json!(base64_encode(last.to_string().as_bytes()));
            }
            Ok(result)
        }
    }
}

fn duplicate() -> ServiceError {
    ServiceError::new(
        http::StatusCode::BAD_REQUEST,
        "DuplicateItemException",
        "Duplicate primary key exists in table",
    )
}

pub(crate) async fn execute_statement(
    db: &DynamoDb,
    ctx: &RequestContext,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let stmt = parse(&input)?;
    let (_, plan) = plan(db, caller, &stmt, &input)?;
    run(db, ctx, caller, plan, &input).await
}

/// The statements of a batch or transaction, parsed, and how many are reads (a batch or
/// transaction holds only reads or only writes).
fn statement_list<'a>(
    input: &'a Value,
    member: &str,
    wire_name: &str,
    max: usize,
) -> Result<(&'a Vec<Value>, Vec<Statement>, usize), ServiceError> {
    let statements = opt_array(input, member)?.ok_or_else(|| error::missing(wire_name))?;
    if statements.is_empty() || statements.len() > max {
        return Err(error::validation(format!(
            "1 validation error detected: Value at '{wire_name}' failed to satisfy constraint: Member must have length {}",
            if statements.is_empty() {
                "greater than or equal to 1".to_owned()
            } else {
                format!("less than or equal to {max}")
            }
        )));
    }
    let parsed = statements
        .iter()
        .map(parse)
        .collect::<Result<Vec<_>, _>>()?;
    let reads = parsed
        .iter()
        .filter(|s| matches!(s, Statement::Select { .. }))
        .count();
    if reads != 0 && reads != parsed.len() {
        return Err(error::validation(format!(
            "{} must contain either only reads or only writes",
            if max == 25 {
                "A batch"
            } else {
                "A transaction"
            }
        )));
    }
    Ok((statements, parsed, reads))
}

pub(crate) async fn batch_execute_statement(
    db: &DynamoDb,
    ctx: &RequestContext,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let (statements, parsed, reads) = statement_list(&input, "Statements", "statements", 25)?;
    let mut responses = Vec::new();
    for (stmt, options) in parsed.iter().zip(statements) {
        let table = match stmt {
            Statement::Select { table, .. }
            | Statement::Insert { table, .. }
            | Statement::Update { table, .. }
            | Statement::Delete { table, .. } => table.clone(),
        };
        let result = if reads > 0 {
            match as_get(db, caller, stmt, options) {
                Ok(get) => run(db, ctx, caller, Plan::Get(get), options).await,
                Err(e) => Err(e),
            }
        } else {
            match plan(db, caller, stmt, options) {
                Ok((_, p)) => run(db, ctx, caller, p, options).await,
                Err(e) => Err(e),
            }
        };
        responses.push(match result {
            Ok(out) => {
                let mut entry = json!({"TableName": table});
                if reads > 0
                    && let Some(item) = out["Items"].get(0)
                {
                    entry["Item"] = item.clone();
                }
                entry
            }
            Err(e) => {
                let code = match e.code() {
                    "ConditionalCheckFailedException" => "ConditionalCheckFailed",
                    "DuplicateItemException" => "DuplicateItem",
                    "ResourceNotFoundException" => "ResourceNotFound",
                    "ValidationException" => "ValidationError",
                    "TransactionConflictException" => "TransactionConflict",
                    _ => "InternalServerError",
                };
                json!({"TableName": table, "Error": {"Code": code, "Message": e.message()}})
            }
        });
    }
    Ok(json!({"Responses": responses}))
}

pub(crate) async fn execute_transaction(
    db: &DynamoDb,
    _ctx: &RequestContext,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let (statements, parsed, reads) =
        statement_list(&input, "TransactStatements", "transactStatements", 100)?;
    let mut actions = Vec::new();
    for (stmt, options) in parsed.iter().zip(statements) {
        if reads > 0 {
            let mut get = as_get(db, caller, stmt, options)?;
            if let Some(o) = get.as_object_mut() {
                o.remove("ConsistentRead");
            }
            actions.push(json!({"Get": get}));
            continue;
        }
        let (_, p) = plan(db, caller, stmt, options)?;
        actions.push(match p {
            Plan::Put(i) => json!({"Put": i}),
            Plan::Update(mut i) => {
                if let Some(o) = i.as_object_mut() {
                    o.remove("ReturnValues");
                }
                json!({"Update": i})
            }
            Plan::Delete(mut i) => {
                if let Some(o) = i.as_object_mut() {
                    o.remove("ReturnValues");
                }
                json!({"Delete": i})
            }
            Plan::Get(_) | Plan::Query(_) | Plan::Scan(_) => {
                return Err(error::validation(
                    "Transactions must contain either only reads or only writes",
                ));
            }
        });
    }
    if reads > 0 {
        let out = ops::transact::transact_get_items(db, caller, json!({"TransactItems": actions}))?;
        return Ok(json!({"Responses": out.get("Responses").cloned().unwrap_or(json!([]))}));
    }
    let mut request = json!({"TransactItems": actions});
    copy_option(&input, &mut request, "ClientRequestToken");
    db.write(caller.clone(), request, ops::transact::transact_write_items)
        .await
        .map_err(|e| {
            if e.code() != "TransactionCanceledException" {
                return e;
            }
            // INSERT failures are reported as duplicates, as DynamoDB does.
            let reasons: Vec<Value> = e
                .fields()
                .iter()
                .find(|(n, _)| n == "CancellationReasons")
                .and_then(|(_, v)| v.as_array().cloned())
                .unwrap_or_default();
            let reasons: Vec<Value> = reasons
                .into_iter()
                .zip(&parsed)
                .map(|(r, stmt)| {
                    if matches!(stmt, Statement::Insert { .. }) && r["Code"] == "ConditionalCheckFailed" {
                        json!({"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"})
                    } else {
                        r
                    }
                })
                .collect();
            ops::transact::canceled(&reasons)
        })?;
    Ok(json!({}))
}
