//! Event source mappings for DynamoDB Streams: the CRUD operations, and the poller that
//! reads each enabled mapping's stream and invokes the function with batches of records
//! (`{"Records": [...]}`), resuming after the last delivered record. A failed batch is
//! retried until it succeeds, as Lambda does for streams by default.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use ruststack_protocol::{Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::api::{Req, reply};
use crate::exec::Call;
use crate::invoke::resolve_spec;
use crate::ops::{function, max_items, resolve};
use crate::state::Mapping;
use crate::{Caller, Lambda, error, persist};

/// How often enabled mappings poll their streams.
const POLL: Duration = Duration::from_millis(250);

fn not_found() -> ServiceError {
    error::not_found("The resource you requested does not exist.".to_owned())
}

fn mapping_json(m: &Mapping, state: Option<&str>) -> Value {
    let mut out = json!({
        "UUID": m.uuid,
        "StartingPosition": m.starting_position,
        "BatchSize": m.batch_size,
        "MaximumBatchingWindowInSeconds": m.batching_window,
        "ParallelizationFactor": 1,
        "EventSourceArn": m.source_arn,
        "FunctionArn": m.function_arn,
        "LastModified": m.modified as f64 / 1000.0,
        "LastProcessingResult": m.last_result,
        "State": state.unwrap_or(if m.enabled { "Enabled" } else { "Disabled" }),
        "StateTransitionReason": "User action",
        "DestinationConfig": { "OnFailure": {} },
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": false,
        "MaximumRetryAttempts": -1,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": format!("arn:aws:lambda:{}:{}:event-source-mapping:{}", m.region, m.account, m.uuid),
    });
    for (k, v) in &m.extra {
        out[k] = v.clone();
    }
    out
}

pub(crate) async fn handle(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    req: Req,
) -> Result<Response, ServiceError> {
    match op {
        "CreateEventSourceMapping" => create(lambda, caller, req).await,
        "ListEventSourceMappings" => list(lambda, caller, &req),
        "GetEventSourceMapping" => {
            let state = lambda.read();
            let m = state.mappings.get(&req.segments[1]).ok_or_else(not_found)?;
            reply(StatusCode::OK, &mapping_json(m, None))
        }
        "UpdateEventSourceMapping" => update(lambda, caller, req).await,
        _ => {
            let uuid = req.segments[1].clone();
            let m = lambda
                .write(caller.clone(), uuid, |lambda, _, uuid| {
                    let mut state = lambda.write_lock();
                    let m = state.mappings.get(&uuid).cloned().ok_or_else(not_found)?;
                    let mut batch = Batch::new();
                    persist::put_mapping(&mut batch, &uuid, None);
                    lambda.commit(batch)?;
                    state.mappings.remove(&uuid);
                    Ok(m)
                })
                .await?;
            reply(StatusCode::ACCEPTED, &mapping_json(&m, Some("Deleting")))
        }
    }
}

const SETTINGS: [&str; 5] = [
    "FilterCriteria",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "FunctionResponseTypes",
];

async fn create(lambda: &Lambda, caller: &Caller, req: Req) -> Result<Response, ServiceError> {
    let (_, input) = req.json().await?;
    let source = input.required_str("EventSourceArn")?.to_owned();
    let (key, q) = resolve(caller, input.required_str("FunctionName")?)?;
    function(&lambda.read(), &key)?;
    if !(source.starts_with("arn:aws:dynamodb:") && source.contains("/stream/")) {
        return Err(error::invalid_parameter(
            "ruststack supports event source mappings for DynamoDB Streams only; EventSourceArn must be a stream ARN (a table's LatestStreamArn).",
        ));
    }
    let streams = lambda
        .hooks()
        .streams
        .clone()
        .ok_or_else(|| error::invalid_parameter("DynamoDB is not enabled on this server."))?;
    let start = input.str("StartingPosition").ok_or_else(|| {
        error::invalid_parameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null")
    })?;
    if !matches!(start, "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP") {
        return Err(error::validation(
            start,
            "startingPosition",
            "Member must satisfy enum value set: [AT_TIMESTAMP, TRIM_HORIZON, LATEST]",
        ));
    }
    let latest = streams
        .latest(&source)
        .map_err(|_| error::invalid_parameter(&format!("Stream not found: {source}")))?;
    let batch_size = input.u64("BatchSize").unwrap_or(100);
    if !(1..=10_000).contains(&batch_size) {
        return Err(error::invalid_parameter(&format!(
            "BatchSize must be between 1 and 10000 for DynamoDB stream event sources (given {batch_size})."
        )));
    }
    let mut extra = BTreeMap::new();
    for member in SETTINGS {
        if let Some(v) = input.get(member) {
            extra.insert(member.to_owned(), v.clone());
        }
    }
    let function_arn = match &q {
        Some(q) => key.qualified_arn(q),
        None => key.arn(),
    };
    let m = Mapping {
        uuid: uuid::Uuid::new_v4().to_string(),
        account: caller.account.clone(),
        region: caller.region.clone(),
        function_arn,
        source_arn: source,
        batch_size: batch_size as u32,
        batching_window: input.u64("MaximumBatchingWindowInSeconds").unwrap_or(0) as u32,
        starting_position: start.to_owned(),
        enabled: input.bool("Enabled").unwrap_or(true),
        modified: caller.now,
        last_result: "No records processed".to_owned(),
        position: if start == "LATEST" { latest } else { None },
        extra,
    };
    let m = lambda
        .write(caller.clone(), m, |lambda, _, m| {
            let mut state = lambda.write_lock();
            let mut batch = Batch::new();
            persist::put_mapping(&mut batch, &m.uuid, Some(&m));
            lambda.commit(batch)?;
            state.mappings.insert(m.uuid.clone(), m.clone());
            Ok(m)
        })
        .await?;
    reply(StatusCode::ACCEPTED, &mapping_json(&m, Some("Creating")))
}

async fn update(lambda: &Lambda, caller: &Caller, req: Req) -> Result<Response, ServiceError> {
    let (req, input) = req.json().await?;
    let uuid = req.segments[1].clone();
    let function = match input.str("FunctionName") {
        Some(name) => {
            let (key, q) = resolve(caller, name)?;
            function(&lambda.read(), &key)?;
            Some(match q {
                Some(q) => key.qualified_arn(&q),
                None => key.arn(),
            })
        }
        None => None,
    };
    let (m, transition) = lambda
        .write(caller.clone(), (uuid, input, function), |lambda, caller, (uuid, input, function)| {
            let mut state = lambda.write_lock();
            let mut m = state.mappings.get(&uuid).cloned().ok_or_else(not_found)?;
            let mut transition = "Updating";
            if let Some(enabled) = input.bool("Enabled") {
                if enabled != m.enabled {
                    transition = if enabled { "Enabling" } else { "Disabling" };
                }
                m.enabled = enabled;
            }
            if let Some(n) = input.u64("BatchSize") {
                if !(1..=10_000).contains(&n) {
                    return Err(error::invalid_parameter(&format!(
                        "BatchSize must be between 1 and 10000 for DynamoDB stream event sources (given {n})."
                    )));
                }
                m.batch_size = n as u32;
            }
            if let Some(w) = input.u64("MaximumBatchingWindowInSeconds") {
                m.batching_window = w as u32;
            }
            if let Some(f) = function {
                m.function_arn = f;
            }
            for member in SETTINGS {
                if let Some(v) = input.get(member) {
                    m.extra.insert(member.to_owned(), v.clone());
                }
            }
            m.modified = caller.now;
            let mut batch = Batch::new();
            persist::put_mapping(&mut batch, &uuid, Some(&m));
            lambda.commit(batch)?;
            state.mappings.insert(uuid, m.clone());
            Ok((m, transition))
        })
        .await?;
    reply(StatusCode::ACCEPTED, &mapping_json(&m, Some(transition)))
}

fn list(lambda: &Lambda, caller: &Caller, req: &Req) -> Result<Response, ServiceError> {
    let max = max_items(req.q("MaxItems"), 100)?;
    let function = match req.q("FunctionName") {
        Some(name) => Some(resolve(caller, name)?.0.arn()),
        None => None,
    };
    let source = req.q("EventSourceArn");
    let state = lambda.read();
    let all: Vec<&Mapping> = state
        .mappings
        .values()
        .filter(|m| m.account == caller.account && m.region == caller.region)
        .filter(|m| source.is_none_or(|s| m.source_arn == s))
        .filter(|m| {
            function.as_ref().is_none_or(|f| {
                m.function_arn == *f || m.function_arn.starts_with(&format!("{f}:"))
            })
        })
        .collect();
    let start = req
        .q("Marker")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(0);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|m| mapping_json(m, None))
        .collect();
    let mut out = json!({ "EventSourceMappings": page });
    if all.len() > start + max {
        out["NextMarker"] = json!((start + max).to_string());
    }
    reply(StatusCode::OK, &out)
}

/// Starts the poller (when a stream source is wired).
pub(crate) fn start(lambda: &Lambda) {
    if lambda.hooks().streams.is_none() {
        return;
    }
    let weak = Arc::downgrade(&lambda.inner);
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            let Some(inner) = weak.upgrade() else { break };
            let lambda = Lambda { inner };
            let due: Vec<Mapping> = lambda
                .read()
                .mappings
                .values()
                .filter(|m| m.enabled)
                .cloned()
                .collect();
            for m in due {
                let claimed = busy
                    .lock()
                    .map(|mut b| b.insert(m.uuid.clone()))
                    .unwrap_or(false);
                if !claimed {
                    continue;
                }
                let (lambda, busy) = (lambda.clone(), busy.clone());
                tokio::spawn(async move {
                    poll_once(&lambda, &m).await;
                    if let Ok(mut b) = busy.lock() {
                        b.remove(&m.uuid);
                    }
                });
            }
        }
    });
}

/// Delivers the next batch of one mapping, if there is one.
async fn poll_once(lambda: &Lambda, m: &Mapping) {
    let Some(streams) = lambda.hooks().streams.clone() else {
        return;
    };
    let (arn, after, limit) = (m.source_arn.clone(), m.position, m.batch_size as usize);
    let read = tokio::task::spawn_blocking(move || streams.read(&arn, after, limit)).await;
    let records = match read {
        Ok(Ok(records)) if !records.is_empty() => records,
        _ => return,
    };
    let last = records.last().map(|(seq, _)| *seq);
    let event = json!({ "Records": records.into_iter().map(|(_, r)| r).collect::<Vec<_>>() });
    let caller = Caller {
        account: m.account.clone(),
        region: m.region.clone(),
        now: lambda.now(),
    };
    let Ok((key, q)) = resolve(&caller, &m.function_arn) else {
        return;
    };
    let Ok((spec, _)) = resolve_spec(lambda, &key, q.as_deref()) else {
        return;
    };
    let call = Call {
        request_id: uuid::Uuid::new_v4().to_string(),
        payload: Bytes::from(event.to_string()),
        invoked_arn: m.function_arn.clone(),
        client_context: None,
    };
    let ok = matches!(lambda.exec().invoke(&spec, call).await, Ok(o) if !o.failed);
    if !ok {
        return;
    }
    let uuid = m.uuid.clone();
    let result = lambda
        .write(caller, (uuid, last), |lambda, _, (uuid, last)| {
            let mut state = lambda.write_lock();
            let Some(mut m) = state.mappings.get(&uuid).cloned() else {
                return Ok(());
            };
            m.position = last;
            "OK".clone_into(&mut m.last_result);
            let mut batch = Batch::new();
            persist::put_mapping(&mut batch, &uuid, Some(&m));
            lambda.commit(batch)?;
            state.mappings.insert(uuid, m);
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e.message(), "could not record an event source mapping's position");
    }
}
