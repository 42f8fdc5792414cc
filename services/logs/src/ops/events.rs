//! PutLogEvents, GetLogEvents, FilterLogEvents, and the append path the Lambda service uses.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Bound;

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;

use crate::api::shapes::{
    FilterLogEventsRequest, FilterLogEventsResponse, FilteredLogEvent, GetLogEventsRequest,
    GetLogEventsResponse, OutputLogEvent, PutLogEventsRequest, PutLogEventsResponse,
    RejectedLogEventsInfo, SearchedLogStream,
};
use crate::filter_pattern::FilterPattern;
use crate::ops::streams::sequence_token;
use crate::ops::{group, group_ref, validate_group_name, validate_stream_name};
use crate::state::{
    DAY_MS, EventKey, GroupMeta, LogGroup, LogStream, State, StreamMeta, retention_cutoff,
};
use crate::subscription::{self, Delivery};
use crate::timeline::EventRef;
use crate::{Caller, Logs, error, persist, tokens};

/// PutLogEvents limits (the PutLogEvents API reference).
const MAX_EVENTS: usize = 10_000;
const MAX_BATCH_BYTES: usize = 1_048_576;
const EVENT_OVERHEAD: usize = 26;
const MAX_SPAN_MS: i64 = DAY_MS;
const TOO_OLD_MS: i64 = 14 * DAY_MS;
const TOO_NEW_MS: i64 = 2 * 3_600_000;
/// Get/FilterLogEvents return at most this many events, and at most 1 MB of them.
const MAX_PAGE_EVENTS: usize = 10_000;
const MAX_PAGE_BYTES: usize = 1_048_576;

pub(crate) fn put_log_events(
    logs: &Logs,
    caller: &Caller,
    input: PutLogEventsRequest<'_>,
) -> Result<(PutLogEventsResponse, Vec<Delivery>), ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let stream_name = validate_stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let events = input
        .log_events
        .ok_or_else(|| error::missing("logEvents"))?;
    if events.is_empty() || events.len() > MAX_EVENTS {
        let constraint = if events.is_empty() {
            "Member must have length greater than or equal to 1".to_owned()
        } else {
            format!("Member must have length less than or equal to {MAX_EVENTS}")
        };
        return Err(error::validation("[...]", "logEvents", &constraint));
    }
    let mut batch_events = Vec::with_capacity(events.len());
    let mut size = 0usize;
    for (i, event) in events.into_iter().enumerate() {
        let member = |m: &str| format!("logEvents.{}.member.{m}", i + 1);
        let timestamp = event
            .timestamp
            .ok_or_else(|| error::missing(&member("timestamp")))?;
        let message = event
            .message
            .ok_or_else(|| error::missing(&member("message")))?;
        if message.is_empty() {
            return Err(error::validation(
                "",
                &member("message"),
                "Member must have length greater than or equal to 1",
            ));
        }
        size += message.len() + EVENT_OVERHEAD;
        batch_events.push((timestamp, message));
    }
    if size > MAX_BATCH_BYTES {
        return Err(error::invalid(format!(
            "Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    if batch_events.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(error::invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    if let (Some(first), Some(last)) = (batch_events.first(), batch_events.last())
        && last.0 - first.0 > MAX_SPAN_MS
    {
        return Err(error::invalid(
            "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
        ));
    }

    let mut state = logs.write_lock();
    let target = group(&state, caller, &group_name)?;
    if !target.streams.contains_key(&stream_name) {
        return Err(error::stream_not_found());
    }

    // Events too old, expired by retention, or too far ahead are reported, not stored.
    let too_old_before = caller.now - TOO_OLD_MS;
    let expired_before = retention_cutoff(target.meta.retention_in_days, caller.now);
    let too_new_after = caller.now + TOO_NEW_MS;
    let mut rejected = RejectedLogEventsInfo::default();
    let too_old = batch_events
        .iter()
        .take_while(|(ts, _)| *ts < too_old_before)
        .count();
    let expired = expired_before.map_or(0, |cut| {
        batch_events.iter().take_while(|(ts, _)| *ts < cut).count()
    });
    let too_new_start = batch_events.iter().position(|(ts, _)| *ts > too_new_after);
    if too_old > 0 {
        rejected.too_old_log_event_end_index = Some(too_old);
    }
    if expired > 0 {
        rejected.expired_log_event_end_index = Some(expired);
    }
    rejected.too_new_log_event_start_index = too_new_start;
    let accept_from = too_old.max(expired);
    let accept_to = too_new_start.unwrap_or(batch_events.len()).max(accept_from);
    let accepted: Vec<(i64, &str)> = batch_events[accept_from..accept_to]
        .iter()
        .map(|(ts, m)| (*ts, m.as_ref()))
        .collect();

    let deliveries = insert_events(
        logs,
        &mut state,
        caller,
        &group_name,
        &stream_name,
        accepted,
    )?;
    let stream = group(&state, caller, &group_name)?
        .streams
        .get(&stream_name)
        .ok_or_else(error::stream_not_found)?;
    let any_rejected = rejected.too_old_log_event_end_index.is_some()
        || rejected.expired_log_event_end_index.is_some()
        || rejected.too_new_log_event_start_index.is_some();
    Ok((
        PutLogEventsResponse {
            next_sequence_token: sequence_token(stream),
            rejected_log_events_info: any_rejected.then_some(rejected),
        },
        deliveries,
    ))
}

/// Commits then stores events (already validated) in an existing stream, and returns the
/// subscription deliveries they cause. Records are built only when storage keeps them.
fn insert_events(
    logs: &Logs,
    state: &mut State,
    caller: &Caller,
    group_name: &str,
    stream_name: &str,
    events: Vec<(i64, &str)>,
) -> Result<Vec<Delivery>, ServiceError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let first_seq = logs.next_seq(events.len() as u64);
    let keyed: Vec<(EventKey, &str)> = events
        .into_iter()
        .zip(first_seq..)
        .map(|((timestamp, message), seq)| (EventKey { timestamp, seq }, message))
        .collect();
    // Events this stream holds beyond the group's retention are deleted with this write,
    // so a stream that keeps receiving events does not keep expired ones forever.
    let cutoff = state
        .get(&caller.account, &caller.region)
        .and_then(|s| s.groups.get(group_name))
        .and_then(|g| retention_cutoff(g.meta.retention_in_days, caller.now));
    let expired: Vec<EventKey> = match cutoff {
        Some(cutoff) => state
            .get(&caller.account, &caller.region)
            .and_then(|s| s.groups.get(group_name))
            .and_then(|g| g.streams.get(stream_name))
            .map(|s| s.events.keys_before(cutoff).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if logs.keeps_records() {
        let prefix = persist::prefix(&[&caller.account, &caller.region, group_name, stream_name]);
        let mut batch = Batch::new();
        for key in &expired {
            batch.delete(persist::EVENTS, persist::event_key_in(&prefix, *key));
        }
        for (key, message) in &keyed {
            batch.put(
                persist::EVENTS,
                persist::event_key_in(&prefix, *key),
                persist::event_value(caller.now, message),
            );
        }
        logs.commit(batch)?;
    }
    let group = state
        .get_mut(&caller.account, &caller.region)
        .groups
        .get_mut(group_name)
        .ok_or_else(error::group_not_found)?;
    let deliveries = if group.subscriptions.is_empty() {
        Vec::new()
    } else {
        subscription::deliveries(caller, group_name, stream_name, group, &keyed)
    };
    let stream = group
        .streams
        .get_mut(stream_name)
        .ok_or_else(error::stream_not_found)?;
    if let (Some(cutoff), false) = (cutoff, expired.is_empty()) {
        stream.events.remove_before(cutoff);
    }
    for (key, message) in &keyed {
        stream.insert(*key, caller.now, message);
    }
    Ok(deliveries)
}

/// Appends lines at the current time, creating the group and stream if missing.
pub(crate) fn append(
    logs: &Logs,
    caller: &Caller,
    group_name: &str,
    stream_name: &str,
    messages: &[String],
) -> Result<(), ServiceError> {
    let group_name = validate_group_name(Some(group_name), "logGroupName")?;
    let stream_name = validate_stream_name(Some(stream_name), "logStreamName")?;
    let mut state = logs.write_lock();
    let scope = state.get_mut(&caller.account, &caller.region);
    let mut batch = Batch::new();
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        group_name.as_str(),
    ];
    let new_group = (!scope.groups.contains_key(&group_name)).then(|| GroupMeta {
        name: group_name.clone(),
        creation_time: caller.now,
        retention_in_days: None,
        kms_key_id: None,
        tags: Default::default(),
        log_group_class: "STANDARD".into(),
        deletion_protection: false,
    });
    if let Some(meta) = &new_group {
        batch.put(persist::GROUPS, persist::key(&path), persist::json(meta));
    }
    let has_stream = scope
        .groups
        .get(&group_name)
        .is_some_and(|g| g.streams.contains_key(&stream_name));
    let new_stream = (!has_stream).then(|| StreamMeta {
        name: stream_name.clone(),
        creation_time: caller.now,
        first_event_timestamp: None,
        last_event_timestamp: None,
        last_ingestion_time: None,
    });
    if let Some(meta) = &new_stream {
        let stream_path = [path[0], path[1], path[2], stream_name.as_str()];
        batch.put(
            persist::STREAMS,
            persist::key(&stream_path),
            persist::json(meta),
        );
    }
    logs.commit(batch)?;
    if let Some(meta) = new_group {
        scope.groups.insert(group_name.clone(), LogGroup::new(meta));
    }
    if let Some(meta) = new_stream
        && let Some(group) = scope.groups.get_mut(&group_name)
    {
        group
            .streams
            .insert(stream_name.clone(), LogStream::new(meta));
    }
    let events = messages
        .iter()
        .filter(|m| !m.is_empty())
        .map(|m| (caller.now, m.as_str()))
        .collect();
    let deliveries = insert_events(logs, &mut state, caller, &group_name, &stream_name, events)?;
    drop(state);
    logs.deliver(deliveries);
    Ok(())
}

/// A GetLogEvents token: a direction and a position between events, as 56 digits like AWS's.
fn position_token(direction: char, key: EventKey) -> String {
    format!(
        "{direction}/{:020}{:020}{:016}",
        (key.timestamp as u64) ^ (1 << 63),
        key.seq,
        0
    )
}

fn parse_position(token: &str) -> Option<(char, EventKey)> {
    let (direction, digits) = token.split_once('/')?;
    let direction = match direction {
        "f" => 'f',
        "b" => 'b',
        _ => return None,
    };
    if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ts: u64 = digits.get(..20)?.parse().ok()?;
    let seq: u64 = digits.get(20..40)?.parse().ok()?;
    Some((
        direction,
        EventKey {
            timestamp: (ts ^ (1 << 63)) as i64,
            seq,
        },
    ))
}

const BEFORE_ALL: EventKey = EventKey {
    timestamp: i64::MIN,
    seq: 0,
};

pub(crate) fn get_log_events(
    logs: &Logs,
    caller: &Caller,
    input: GetLogEventsRequest,
) -> Result<GetLogEventsResponse, ServiceError> {
    let group_name = group_ref(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let stream_name = validate_stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let limit = tokens::page_size(input.limit, MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)?;
    let position = match input.next_token.as_deref() {
        Some(t) => Some(parse_position(t).ok_or_else(error::invalid_token)?),
        None => None,
    };
    let state = logs.read();
    let group = group(&state, caller, &group_name)?;
    let stream = group
        .streams
        .get(&stream_name)
        .ok_or_else(error::stream_not_found)?;
    let floor = [
        input.start_time,
        retention_cutoff(group.meta.retention_in_days, caller.now),
    ]
    .into_iter()
    .flatten()
    .max();
    let in_window = |k: &EventKey| {
        floor.is_none_or(|f| k.timestamp >= f) && input.end_time.is_none_or(|e| k.timestamp < e)
    };
    let forward = match position {
        Some((direction, _)) => direction == 'f',
        None => input.start_from_head.unwrap_or(false),
    };
    let mut picked: Vec<EventRef<'_>> = Vec::new();
    let mut bytes = 0usize;
    let events: Box<dyn Iterator<Item = EventRef<'_>>> = if forward {
        let after = position.map_or(Bound::Unbounded, |(_, k)| Bound::Excluded(k));
        Box::new(stream.events.range(after, Bound::Unbounded))
    } else {
        let before = position.map_or(Bound::Unbounded, |(_, k)| Bound::Excluded(k));
        Box::new(stream.events.range(Bound::Unbounded, before).rev())
    };
    for e in events.filter(|e| in_window(&e.key)) {
        bytes += e.message.len() + EVENT_OVERHEAD;
        if picked.len() >= limit || (bytes > MAX_PAGE_BYTES && !picked.is_empty()) {
            break;
        }
        picked.push(e);
    }
    if !forward {
        picked.reverse();
    }
    let (forward_token, backward_token) = match (picked.first(), picked.last()) {
        (Some(first), Some(last)) => (
            position_token('f', last.key),
            position_token('b', first.key),
        ),
        // Nothing returned: hand the same position back, so polling loops terminate.
        _ => {
            let at = position.map_or(BEFORE_ALL, |(_, k)| k);
            (position_token('f', at), position_token('b', at))
        }
    };
    Ok(GetLogEventsResponse {
        events: picked
            .into_iter()
            .map(|e| OutputLogEvent {
                timestamp: e.key.timestamp,
                message: e.message.to_owned(),
                ingestion_time: e.ingestion_time,
            })
            .collect(),
        next_forward_token: forward_token,
        next_backward_token: backward_token,
    })
}

/// Where a FilterLogEvents page resumes: after (timestamp, stream, seq).
fn filter_token(key: EventKey, stream: &str) -> String {
    tokens::encode('e', &format!("{}:{}:{stream}", key.timestamp, key.seq))
}

fn parse_filter_token(token: &str) -> Result<(EventKey, String), ServiceError> {
    let raw = tokens::decode('e', token)?;
    let mut parts = raw.splitn(3, ':');
    let ts = parts.next().and_then(|t| t.parse().ok());
    let seq = parts.next().and_then(|s| s.parse().ok());
    match (ts, seq, parts.next()) {
        (Some(timestamp), Some(seq), Some(stream)) => {
            Ok((EventKey { timestamp, seq }, stream.to_owned()))
        }
        _ => Err(error::invalid_token()),
    }
}

/// AWS's eventId: a long decimal string unique within the group.
fn event_id(key: EventKey) -> String {
    format!("{:020}{:036}", (key.timestamp as u64) ^ (1 << 63), key.seq)
}

pub(crate) fn filter_log_events(
    logs: &Logs,
    caller: &Caller,
    input: FilterLogEventsRequest,
) -> Result<FilterLogEventsResponse, ServiceError> {
    let group_name = group_ref(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
        return Err(error::invalid(
            "Cannot specify both logStreamNames and logStreamNamePrefix.",
        ));
    }
    let limit = tokens::page_size(input.limit, MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)?;
    let pattern = FilterPattern::parse(input.filter_pattern.as_deref().unwrap_or(""))
        .map_err(|e| error::invalid(e.to_string()))?;
    let resume = input
        .next_token
        .as_deref()
        .map(parse_filter_token)
        .transpose()?;
    let state = logs.read();
    let group = group(&state, caller, &group_name)?;
    let floor = [
        input.start_time,
        retention_cutoff(group.meta.retention_in_days, caller.now),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(i64::MIN);
    let end = input.end_time.unwrap_or(i64::MAX);

    let streams: Vec<(&String, &LogStream)> =
        match (&input.log_stream_names, &input.log_stream_name_prefix) {
            (Some(names), _) => names
                .iter()
                .filter_map(|n| group.streams.get_key_value(n))
                .collect(),
            (None, Some(prefix)) => group
                .streams
                .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                .take_while(|(n, _)| n.starts_with(prefix.as_str()))
                .collect(),
            (None, None) => group.streams.iter().collect(),
        };

    // k-way merge of the streams' time-ordered events by (timestamp, stream, seq).
    let mut iters: Vec<_> = streams
        .iter()
        .map(|(name, stream)| {
            let start = match &resume {
                Some((k, s)) if name.as_str() < s.as_str() => Bound::Included(EventKey {
                    timestamp: k.timestamp.saturating_add(1),
                    seq: 0,
                }),
                Some((k, s)) if name.as_str() == s.as_str() => Bound::Excluded(*k),
                Some((k, _)) => Bound::Included(EventKey {
                    timestamp: k.timestamp,
                    seq: 0,
                }),
                None => Bound::Included(EventKey {
                    timestamp: floor,
                    seq: 0,
                }),
            };
            stream.events.range(start, Bound::Unbounded)
        })
        .collect();
    let mut heap = BinaryHeap::new();
    let mut heads: Vec<Option<EventRef<'_>>> = vec![None; iters.len()];
    for (i, it) in iters.iter_mut().enumerate() {
        if let Some(e) = it.next() {
            heap.push(Reverse((
                e.key.timestamp,
                streams[i].0.as_str(),
                e.key.seq,
                i,
            )));
            heads[i] = Some(e);
        }
    }
    let mut events = Vec::new();
    let mut bytes = 0usize;
    let mut next_token = None;
    while let Some(Reverse((timestamp, stream, seq, i))) = heap.pop() {
        let Some(event) = heads[i].take() else {
            continue;
        };
        if timestamp > end {
            continue;
        }
        let key = EventKey { timestamp, seq };
        if timestamp >= floor && pattern.matches(event.message) {
            if events.len() == limit || bytes + event.message.len() > MAX_PAGE_BYTES {
                next_token = events.last().map(|e: &FilteredLogEvent| {
                    filter_token(
                        EventKey {
                            timestamp: e.timestamp,
                            seq: seq_of(&e.event_id),
                        },
                        &e.log_stream_name,
                    )
                });
                break;
            }
            bytes += event.message.len() + EVENT_OVERHEAD;
            events.push(FilteredLogEvent {
                log_stream_name: stream.to_owned(),
                timestamp,
                message: event.message.to_owned(),
                ingestion_time: event.ingestion_time,
                event_id: event_id(key),
            });
        }
        if let Some(e) = iters[i].next() {
            heap.push(Reverse((
                e.key.timestamp,
                streams[i].0.as_str(),
                e.key.seq,
                i,
            )));
            heads[i] = Some(e);
        }
    }
    let searched_log_streams = streams
        .iter()
        .map(|(name, _)| SearchedLogStream {
            log_stream_name: (*name).clone(),
            searched_completely: next_token.is_none(),
        })
        .collect();
    Ok(FilterLogEventsResponse {
        events,
        searched_log_streams,
        next_token,
    })
}

fn seq_of(event_id: &str) -> u64 {
    event_id.get(20..).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_tokens_round_trip() {
        for key in [
            EventKey {
                timestamp: -3,
                seq: 7,
            },
            EventKey {
                timestamp: 1_700_000_000_000,
                seq: 0,
            },
            BEFORE_ALL,
        ] {
            let t = position_token('f', key);
            assert_eq!(t.len(), 58);
            assert_eq!(parse_position(&t), Some(('f', key)));
        }
        assert_eq!(parse_position("x/123"), None);
        assert_eq!(parse_position("f/12"), None);
    }

    #[test]
    fn event_ids_carry_their_sequence() {
        let id = event_id(EventKey {
            timestamp: 5,
            seq: 42,
        });
        assert_eq!(id.len(), 56);
        assert_eq!(seq_of(&id), 42);
    }
}
