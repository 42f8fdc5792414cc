//! Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries. Queries run to
//! completion when started (over the model in memory), so GetQueryResults answers
//! `Complete` at once; results are kept until the service is reset.

use ruststack_protocol::ServiceError;
use std::ops::Bound;

use serde_json::{Value, json};

use crate::api::shapes::{DescribeQueriesRequest, QueryIdRequest, StartQueryRequest};
use crate::insights::{Event, Query};
use crate::ops::{arn_group_name, group, validate_group_name};
use crate::state::retention_cutoff;
use crate::{Caller, Logs, error};

/// A finished query.
#[derive(Debug)]
pub(crate) struct QueryRecord {
    account: String,
    region: String,
    query_string: String,
    log_group_name: String,
    create_time: i64,
    rows: Vec<Vec<(String, String)>>,
    records_matched: f64,
    records_scanned: f64,
    bytes_scanned: f64,
}

pub(crate) fn start_query(
    logs: &Logs,
    caller: &Caller,
    input: StartQueryRequest,
) -> Result<Value, ServiceError> {
    let query_string = input
        .query_string
        .ok_or_else(|| error::missing("queryString"))?;
    let start = input
        .start_time
        .ok_or_else(|| error::missing("startTime"))?;
    let end = input.end_time.ok_or_else(|| error::missing("endTime"))?;
    if end < start {
        return Err(error::invalid("End time cannot be less than start time."));
    }
    let limit = match input.limit {
        Some(l) if !(1..=10_000).contains(&l) => {
            return Err(error::validation(
                &l.to_string(),
                "limit",
                "Member must have value between 1 and 10000",
            ));
        }
        Some(l) => Some(l as usize),
        None => None,
    };
    let mut names: Vec<String> = Vec::new();
    names.extend(input.log_group_name);
    names.extend(input.log_group_names.unwrap_or_default());
    for id in input.log_group_identifiers.unwrap_or_default() {
        names.push(arn_group_name(&id).map(str::to_owned).unwrap_or(id));
    }
    if names.is_empty() {
        return Err(error::invalid(
            "Either logGroupName, logGroupNames or logGroupIdentifiers must be specified.",
        ));
    }
    let query = Query::parse(&query_string).map_err(|e| {
        let (start, end) = e.location();
        error::malformed_query(e.to_string()).with_field(
            "queryCompileError",
            json!({
                "location": { "startCharOffset": start, "endCharOffset": end },
                "message": e.to_string(),
            }),
        )
    })?;

    let state = logs.read();
    let (from_ms, to_ms) = (
        start.saturating_mul(1000),
        end.saturating_mul(1000).saturating_add(999),
    );
    let mut events = Vec::new();
    for name in &names {
        let name = validate_group_name(Some(name), "logGroupName")?;
        let group = group(&state, caller, &name)?;
        let cutoff = retention_cutoff(group.meta.retention_in_days, caller.now).unwrap_or(i64::MIN);
        let log_label = format!("{}:{}", caller.account, name);
        for (stream_name, stream) in &group.streams {
            let from = crate::state::EventKey {
                timestamp: from_ms.max(cutoff),
                seq: 0,
            };
            for event in stream.events.range(Bound::Included(from), Bound::Unbounded) {
                if event.key.timestamp > to_ms {
                    break;
                }
                events.push((log_label.clone(), stream_name.clone(), event));
            }
        }
    }
    let ptrs: Vec<String> = events
        .iter()
        .map(|(_, _, e)| format!("{}-{}", e.key.timestamp, e.key.seq))
        .collect();
    let output = query.run(
        events
            .iter()
            .zip(&ptrs)
            .map(|((group, stream, event), ptr)| Event {
                timestamp: event.key.timestamp,
                ingestion_time: event.ingestion_time,
                message: event.message,
                log_stream: stream,
                log_group: group,
                ptr,
            }),
        limit,
    );
    drop(state);
    let query_id = uuid::Uuid::new_v4().to_string();
    let record = QueryRecord {
        account: caller.account.clone(),
        region: caller.region.clone(),
        query_string,
        log_group_name: names.first().cloned().unwrap_or_default(),
        create_time: caller.now,
        rows: output.rows,
        records_matched: output.records_matched,
        records_scanned: output.records_scanned,
        bytes_scanned: output.bytes_scanned,
    };
    if let Ok(mut queries) = logs.inner.queries.lock() {
        queries.insert(query_id.clone(), record);
    }
    Ok(json!({ "queryId": query_id }))
}

fn with_query<T>(
    logs: &Logs,
    caller: &Caller,
    id: Option<String>,
    f: impl FnOnce(&QueryRecord) -> T,
) -> Result<T, ServiceError> {
    let id = id.ok_or_else(|| error::missing("queryId"))?;
    let queries = logs
        .inner
        .queries
        .lock()
        .map_err(|_| error::query_not_found())?;
    queries
        .get(&id)
        .filter(|q| q.account == caller.account && q.region == caller.region)
        .map(f)
        .ok_or_else(error::query_not_found)
}

pub(crate) fn get_query_results(
    logs: &Logs,
    caller: &Caller,
    input: QueryIdRequest,
) -> Result<Value, ServiceError> {
    with_query(logs, caller, input.query_id, |q| {
        let results: Vec<Value> = q
            .rows
            .iter()
            .map(|row| {
                Value::Array(
                    row.iter()
                        .map(|(field, value)| json!({ "field": field, "value": value }))
                        .collect(),
                )
            })
            .collect();
        json!({
            "queryLanguage": "CWLI",
            "results": results,
            "statistics": {
                "recordsMatched": q.records_matched,
                "recordsScanned": q.records_scanned,
                "bytesScanned": q.bytes_scanned,
            },
            "status": "Complete",
        })
    })
}

pub(crate) fn stop_query(
    logs: &Logs,
    caller: &Caller,
    input: QueryIdRequest,
) -> Result<Value, ServiceError> {
    // Every query has already completed, so there is nothing to stop.
    with_query(
        logs,
        caller,
        input.query_id,
        |_| json!({ "success": false }),
    )
}

pub(crate) fn describe_queries(
    logs: &Logs,
    caller: &Caller,
    input: DescribeQueriesRequest,
) -> Result<Value, ServiceError> {
    let max = match input.max_results {
        Some(m) if !(1..=1000).contains(&m) => {
            return Err(error::validation(
                &m.to_string(),
                "maxResults",
                "Member must have value between 1 and 1000",
            ));
        }
        Some(m) => m as usize,
        None => 1000,
    };
    if let Some(status) = input.status.as_deref() {
        let known = [
            "Scheduled",
            "Running",
            "Complete",
            "Failed",
            "Cancelled",
            "Timeout",
            "Unknown",
        ];
        if !known.contains(&status) {
            return Err(error::validation(
                status,
                "status",
                "Member must satisfy enum value set: [Scheduled, Running, Complete, Failed, Cancelled, Timeout, Unknown]",
            ));
        }
    }
    let queries = logs
        .inner
        .queries
        .lock()
        .map_err(|_| error::query_not_found())?;
    let list: Vec<Value> = queries
        .iter()
        .filter(|(_, q)| q.account == caller.account && q.region == caller.region)
        .filter(|(_, q)| {
            input
                .log_group_name
                .as_deref()
                .is_none_or(|g| q.log_group_name == g)
        })
        .filter(|_| input.status.as_deref().is_none_or(|s| s == "Complete"))
        .take(max)
        .map(|(id, q)| {
            json!({
                "queryLanguage": "CWLI",
                "queryId": id,
                "queryString": q.query_string,
                "status": "Complete",
                "createTime": q.create_time,
                "logGroupName": q.log_group_name,
            })
        })
        .collect();
    Ok(json!({ "queries": list }))
}
