//! TransactWriteItems (all or nothing, cancellation reasons in order, client request token
//! idempotency) and TransactGetItems (one consistent snapshot).

use std::borrow::Cow;

use ruststack_protocol::ServiceError;
use serde_json::{Value, json};

use crate::expr;
use crate::keys::PrimaryKey;
use crate::ops::input::{self, opt_array, opt_str, req_str};
use crate::ops::item::{
    Context, Shape, Write, check_item, commit_writes, expr_error, return_on_failure,
};
use crate::ops::{table, table_name_of};
use crate::value::{Item, item_to_json};
use crate::{Caller, DynamoDb, error};

const MAX_ACTIONS: usize = 100;

/// One parsed action of a write transaction.
struct Action {
    table: String,
    key: PrimaryKey,
    key_item: Item,
    condition: Option<expr::Condition>,
    return_old_on_failure: bool,
    change: Change,
}

enum Change {
    Check,
    Put(Item),
    Delete,
    Update(expr::Update),
}

/// `TransactionCanceledException` with its reasons, in action order.
pub(crate) fn canceled(reasons: &[Value]) -> ServiceError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r["Code"].as_str().unwrap_or("None"))
        .collect();
    ServiceError::new(
        http::StatusCode::BAD_REQUEST,
        "TransactionCanceledException",
        format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
    )
    .with_field("CancellationReasons", Value::Array(reasons.to_vec()))
}

fn list(input: &Value) -> Result<&Vec<Value>, ServiceError> {
    let items =
        opt_array(input, "TransactItems")?.ok_or_else(|| error::missing("transactItems"))?;
    if items.is_empty() || items.len() > MAX_ACTIONS {
        return Err(error::constraint(
            "[...]",
            "transactItems",
            "Member must have length less than or equal to 100",
        ));
    }
    Ok(items)
}

fn parse_action(
    db_state: &crate::state::State,
    caller: &Caller,
    entry: &Value,
) -> Result<Action, ServiceError> {
    let kinds = ["ConditionCheck", "Put", "Delete", "Update"];
    let present: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| entry.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    let [kind] = present.as_slice() else {
        return Err(error::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        ));
    };
    let body = &entry[*kind];
    let name = table_name_of(req_str(body, "TableName", "tableName")?).to_owned();
    let table = table(db_state, caller, &name)?;
    let ctx = Context::from_input(body)?;
    let condition = ctx.condition(
        opt_str(body, "ConditionExpression")?,
        expr::ConditionKind::Condition,
    )?;
    let return_old_on_failure = return_on_failure(body)?;
    let (key, key_item, change, mut used) = match *kind {
        "Put" => {
            let item = input::opt_item(body, "Item")?.ok_or_else(|| error::missing("item"))?;
            let key = check_item(&table.meta, &item)?;
            (
                key,
                table.meta.key_schema.project_key(&item),
                Change::Put(item),
                Vec::new(),
            )
        }
        "Update" => {
            let key_item = input::opt_item(body, "Key")?.ok_or_else(|| error::missing("key"))?;
            let key = table.meta.key_schema.key_of_request(&key_item)?;
            let text = req_str(body, "UpdateExpression", "updateExpression")?;
            let update =
                expr::Update::parse(text, ctx.names(), ctx.values()).map_err(expr_error)?;
            let keys = table.meta.key_schema.names();
            if let Some(path) = update.paths().find(|p| keys.contains(&p.root())) {
                return Err(error::invalid_parameter(format!(
                    "Cannot update attribute {}. This attribute is part of the key",
                    path.root()
                )));
            }
            (key, key_item, Change::Update(update), Vec::new())
        }
        _ => {
            let key_item = input::opt_item(body, "Key")?.ok_or_else(|| error::missing("key"))?;
            let key = table.meta.key_schema.key_of_request(&key_item)?;
            let change = if *kind == "Delete" {
                Change::Delete
            } else {
                Change::Check
            };
            if *kind == "ConditionCheck" && condition.is_none() {
                return Err(error::missing(
                    "transactItems.member.conditionCheck.conditionExpression",
                ));
            }
            (key, key_item, change, Vec::new())
        }
    };
    if let Change::Update(update) = &change {
        used.push(update.usage());
    }
    used.extend(condition.iter().map(expr::Condition::usage));
    ctx.check(&used)?;
    Ok(Action {
        table: name,
        key,
        key_item,
        condition,
        return_old_on_failure,
        change,
    })
}

pub(crate) fn transact_write_items(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let entries = list(&input)?;
    let token = opt_str(&input, "ClientRequestToken")?.map(str::to_owned);
    let mut state = db.write_lock();
    if let Some(token) = &token
        && let Some(previous) = db.idempotent_result(caller, token, &input)?
    {
        return Ok(previous);
    }
    let mut actions = Vec::with_capacity(entries.len());
    for entry in entries {
        let action = parse_action(&state, caller, entry)?;
        if actions
            .iter()
            .any(|a: &Action| a.table == action.table && a.key == action.key)
        {
            return Err(error::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        actions.push(action);
    }
    // Evaluate every condition and compute every new item before changing anything.
    let mut reasons = Vec::with_capacity(actions.len());
    let mut failed = false;
    let mut results: Vec<Option<Option<Item>>> = Vec::with_capacity(actions.len());
    for action in &actions {
        let table = table(&state, caller, &action.table)?;
        let current = table.items.get(&action.key);
        let empty = Item::new();
        let ok = action
            .condition
            .as_ref()
            .is_none_or(|c| c.evaluate(current.as_ref().unwrap_or(&empty)));
        if !ok {
            failed = true;
            let mut reason = json!({"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"});
            if action.return_old_on_failure
                && let Some(item) = &current
            {
                reason["Item"] = item_to_json(item);
            }
            reasons.push(reason);
            results.push(None);
            continue;
        }
        let next = match &action.change {
            Change::Check => None,
            Change::Delete => Some(None),
            Change::Put(item) => Some(Some(item.clone())),
            Change::Update(update) => {
                let mut item = current.unwrap_or_else(|| action.key_item.clone());
                match update.apply(&mut item) {
                    Ok(_) => {
                        check_item(&table.meta, &item)?;
                        Some(Some(item))
                    }
                    Err(e) => {
                        failed = true;
                        reasons.push(json!({"Code": "ValidationError", "Message": e.to_string()}));
                        results.push(None);
                        continue;
                    }
                }
            }
        };
        reasons.push(json!({"Code": "None"}));
        results.push(next);
    }
    if failed {
        return Err(canceled(&reasons));
    }
    let writes = actions
        .into_iter()
        .zip(results)
        .filter_map(|(action, result)| {
            result.map(|new| Write {
                table: action.table,
                key: action.key,
                key_item: action.key_item,
                new,
            })
        })
        .collect();
    commit_writes(db, caller, &mut state, writes, false)?;
    let out = json!({});
    if let Some(token) = token {
        db.remember_token(caller, token, &input, &out);
    }
    Ok(out)
}

pub(crate) fn transact_get_items(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let entries = list(&input)?;
    let state = db.read();
    let mut responses = Vec::with_capacity(entries.len());
    for entry in entries {
        let get = entry
            .get("Get")
            .filter(|v| !v.is_null())
            .ok_or_else(|| error::missing("transactItems.member.get"))?;
        let name = table_name_of(req_str(get, "TableName", "tableName")?).to_owned();
        let table = table(&state, caller, &name)?;
        let key_item = input::opt_item(get, "Key")?.ok_or_else(|| error::missing("key"))?;
        let key = table.meta.key_schema.key_of_request(&key_item)?;
        let ctx = Context::from_input(get)?;
        let shape = Shape::parse(get, &ctx)?;
        ctx.check(&shape.usage().into_iter().collect::<Vec<_>>())?;
        responses.push(match table.items.get(&key) {
            Some(item) => json!({"Item": item_to_json(&shape.show(Cow::Owned(item)))}),
            None => json!({}),
        });
    }
    Ok(json!({ "Responses": responses }))
}
