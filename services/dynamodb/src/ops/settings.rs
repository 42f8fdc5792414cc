//! Time to live, tags, limits, endpoints, continuous backups.

use std::collections::BTreeMap;

use ruststack_protocol::ServiceError;
use serde_json::{Value, json};

use crate::ops::input::{opt_array, opt_bool, opt_str, req_str};
use crate::ops::item::{Write, commit_writes};
use crate::ops::{table, table_mut, table_name_of};
use crate::{Caller, DynamoDb, error};

pub(crate) fn describe_time_to_live(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let state = db.read();
    let table = table(&state, caller, &name)?;
    Ok(match &table.meta.ttl_attribute {
        Some(attr) => {
            json!({"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": attr}})
        }
        None => json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}),
    })
}

pub(crate) fn update_time_to_live(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let spec = input
        .get("TimeToLiveSpecification")
        .filter(|v| !v.is_null())
        .ok_or_else(|| error::missing("timeToLiveSpecification"))?;
    let enabled = opt_bool(spec, "Enabled")?
        .ok_or_else(|| error::missing("timeToLiveSpecification.enabled"))?;
    let attribute = req_str(
        spec,
        "AttributeName",
        "timeToLiveSpecification.attributeName",
    )?
    .to_owned();
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name)?;
    let mut meta = table.meta.clone();
    match (enabled, &meta.ttl_attribute) {
        (true, Some(_)) => return Err(error::validation("TimeToLive is already enabled")),
        (false, None) => return Err(error::validation("TimeToLive is already disabled")),
        (true, None) => meta.ttl_attribute = Some(attribute.clone()),
        (false, Some(current)) => {
            if *current != attribute {
                return Err(error::validation(format!(
                    "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
                )));
            }
            meta.ttl_attribute = None;
        }
    }
    crate::ops::save_meta(db, caller, table, meta)?;
    Ok(json!({"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}))
}

fn arn_table(caller: &Caller, input: &Value) -> Result<String, ServiceError> {
    let arn = req_str(input, "ResourceArn", "resourceArn")?;
    let prefix = format!(
        "arn:aws:dynamodb:{}:{}:table/",
        caller.region, caller.account
    );
    match arn.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() && !name.contains('/') => Ok(name.to_owned()),
        _ => Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("Requested resource not found: ResourcArn: {arn} not found"),
        )),
    }
}

fn not_found_arn(arn: &str) -> ServiceError {
    ServiceError::new(
        http::StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        format!("Requested resource not found: ResourcArn: {arn} not found"),
    )
}

pub(crate) fn tag_resource(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = arn_table(caller, &input)?;
    let tags = crate::ops::table::parse_tags(&input)?;
    let mut state = db.write_lock();
    let arn = opt_str(&input, "ResourceArn")?
        .unwrap_or_default()
        .to_owned();
    let table = table_mut(&mut state, caller, &name).map_err(|_| not_found_arn(&arn))?;
    let mut meta = table.meta.clone();
    meta.tags.extend(tags);
    if meta.tags.len() > 50 {
        return Err(error::validation(
            "One or more parameter values were invalid: The number of tags exceeds the limit of 50",
        ));
    }
    crate::ops::save_meta(db, caller, table, meta)?;
    Ok(json!({}))
}

pub(crate) fn untag_resource(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = arn_table(caller, &input)?;
    let keys: Vec<String> = opt_array(&input, "TagKeys")?
        .ok_or_else(|| error::missing("tagKeys"))?
        .iter()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let arn = opt_str(&input, "ResourceArn")?
        .unwrap_or_default()
        .to_owned();
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name).map_err(|_| not_found_arn(&arn))?;
    let mut meta = table.meta.clone();
    for key in &keys {
        meta.tags.remove(key);
    }
    crate::ops::save_meta(db, caller, table, meta)?;
    Ok(json!({}))
}

pub(crate) fn list_tags_of_resource(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = arn_table(caller, &input)?;
    let arn = opt_str(&input, "ResourceArn")?
        .unwrap_or_default()
        .to_owned();
    let state = db.read();
    let table = table(&state, caller, &name).map_err(|_| not_found_arn(&arn))?;
    let tags: Vec<Value> = table
        .meta
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "Tags": tags }))
}

pub(crate) fn describe_limits(
    _db: &DynamoDb,
    _caller: &Caller,
    _input: Value,
) -> Result<Value, ServiceError> {
    Ok(json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }))
}

pub(crate) fn describe_endpoints(
    _db: &DynamoDb,
    caller: &Caller,
    _input: Value,
) -> Result<Value, ServiceError> {
    Ok(
        json!({"Endpoints": [{"Address": format!("dynamodb.{}.amazonaws.com", caller.region), "CachePeriodInMinutes": 1440}]}),
    )
}

pub(crate) fn describe_continuous_backups(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let state = db.read();
    table(&state, caller, &name).map_err(|_| {
        ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "TableNotFoundException",
            format!("Table not found: {name}"),
        )
    })?;
    Ok(json!({"ContinuousBackupsDescription": {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }}))
}

/// Items whose TTL attribute is more than five years in the past are never deleted (AWS).
const TTL_IGNORE_OLDER_THAN_S: i64 = 5 * 365 * 86_400;

/// Deletes every item whose TTL attribute (epoch seconds) is before `now_ms`, in tables with
/// TTL enabled; returns how many were deleted.
pub(crate) fn expire(db: &DynamoDb, now_ms: i64) -> Result<usize, ServiceError> {
    let now_s = now_ms.div_euclid(1000);
    let mut state = db.write_lock();
    let mut doomed: Vec<(
        String,
        String,
        String,
        crate::keys::PrimaryKey,
        crate::value::Item,
    )> = Vec::new();
    for (account, region, scope) in state.iter() {
        for (name, table) in &scope.tables {
            let Some(attr) = &table.meta.ttl_attribute else {
                continue;
            };
            for (key, value) in table.items.attribute(attr) {
                let crate::value::AttributeValue::N(n) = value else {
                    continue;
                };
                let expires = n.to_f64();
                if expires < now_s as f64 && expires > (now_s - TTL_IGNORE_OLDER_THAN_S) as f64 {
                    doomed.push((
                        account.to_owned(),
                        region.to_owned(),
                        name.clone(),
                        key.clone(),
                        table.meta.key_schema.key_item(key),
                    ));
                }
            }
        }
    }
    if doomed.is_empty() {
        return Ok(0);
    }
    let count = doomed.len();
    // One commit per account and region (the caller scopes the records).
    let mut by_scope: BTreeMap<(String, String), Vec<Write>> = BTreeMap::new();
    for (account, region, name, key, key_item) in doomed {
        by_scope.entry((account, region)).or_default().push(Write {
            table: name,
            key,
            key_item,
            new: None,
        });
    }
    for ((account, region), writes) in by_scope {
        let scope_caller = Caller {
            account,
            region,
            now: now_ms,
        };
        commit_writes(db, &scope_caller, &mut state, writes, true)?;
    }
    Ok(count)
}
