//! CreateLogStream, DeleteLogStream, DescribeLogStreams.

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;

use crate::api::Empty;
use crate::api::shapes::{
    DescribeLogStreamsRequest, DescribeLogStreamsResponse, LogStreamOut, StreamRequest,
};
use crate::ops::{group, group_mut, group_ref, validate_group_name, validate_stream_name};
use crate::state::{LogStream, StreamMeta, group_arn};
use crate::{Caller, Logs, error, persist, tokens};

pub(crate) fn create_log_stream(
    logs: &Logs,
    caller: &Caller,
    input: StreamRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = validate_stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let mut state = logs.write_lock();
    let group = group_mut(&mut state, caller, &group_name)?;
    if group.streams.contains_key(&name) {
        return Err(error::stream_exists());
    }
    let meta = StreamMeta {
        name: name.clone(),
        creation_time: caller.now,
        first_event_timestamp: None,
        last_event_timestamp: None,
        last_ingestion_time: None,
    };
    let mut batch = Batch::new();
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        group_name.as_str(),
        name.as_str(),
    ];
    batch.put(persist::STREAMS, persist::key(&path), persist::json(&meta));
    logs.commit(batch)?;
    group.streams.insert(name, LogStream::new(meta));
    Ok(Empty {})
}

pub(crate) fn delete_log_stream(
    logs: &Logs,
    caller: &Caller,
    input: StreamRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = validate_stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let mut state = logs.write_lock();
    let group = group_mut(&mut state, caller, &group_name)?;
    if !group.streams.contains_key(&name) {
        return Err(error::stream_not_found());
    }
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        group_name.as_str(),
        name.as_str(),
    ];
    let mut batch = Batch::new();
    batch.delete(persist::STREAMS, persist::key(&path));
    batch.delete_prefix(persist::EVENTS, persist::prefix(&path));
    logs.commit(batch)?;
    group.streams.remove(&name);
    Ok(Empty {})
}

pub(crate) fn describe_log_streams(
    logs: &Logs,
    caller: &Caller,
    input: DescribeLogStreamsRequest,
) -> Result<DescribeLogStreamsResponse, ServiceError> {
    let group_name = group_ref(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let order_by = input.order_by.as_deref().unwrap_or("LogStreamName");
    let by_time = match order_by {
        "LogStreamName" => false,
        "LastEventTime" => true,
        other => {
            return Err(error::validation(
                other,
                "orderBy",
                "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
            ));
        }
    };
    if by_time && input.log_stream_name_prefix.is_some() {
        return Err(error::invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let limit = tokens::page_size(input.limit, 50, 50)?;
    let skip: usize = match input.next_token.as_deref() {
        Some(t) => tokens::decode('s', t)?
            .parse()
            .map_err(|_| error::invalid_token())?,
        None => 0,
    };
    let state = logs.read();
    let group = group(&state, caller, &group_name)?;
    let prefix = input.log_stream_name_prefix.as_deref().unwrap_or("");
    let mut streams: Vec<&LogStream> = group
        .streams
        .range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(n, _)| n.starts_with(prefix))
        .map(|(_, s)| s)
        .collect();
    if by_time {
        // Streams without events sort as if their last event were at creation.
        streams.sort_by_key(|s| {
            (
                s.meta.last_event_timestamp.unwrap_or(i64::MIN),
                s.meta.name.clone(),
            )
        });
    }
    if input.descending.unwrap_or(false) {
        streams.reverse();
    }
    let arn = group_arn(&caller.region, &caller.account, &group_name);
    let page: Vec<LogStreamOut> = streams
        .iter()
        .skip(skip)
        .take(limit)
        .map(|s| LogStreamOut {
            log_stream_name: s.meta.name.clone(),
            creation_time: s.meta.creation_time,
            first_event_timestamp: s.meta.first_event_timestamp,
            last_event_timestamp: s.meta.last_event_timestamp,
            last_ingestion_time: s.meta.last_ingestion_time,
            upload_sequence_token: sequence_token(s),
            arn: format!("{arn}:log-stream:{}", s.meta.name),
            stored_bytes: 0,
        })
        .collect();
    let next_token = (skip + page.len() < streams.len())
        .then(|| tokens::encode('s', &(skip + page.len()).to_string()));
    Ok(DescribeLogStreamsResponse {
        log_streams: page,
        next_token,
    })
}

/// A sequence token: AWS no longer requires them, but still hands them out (56 digits).
pub(crate) fn sequence_token(stream: &LogStream) -> String {
    let n = stream.events.last_key().map_or(0, |k| k.seq);
    format!("4963{n:052}")
}
