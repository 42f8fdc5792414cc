//! Record encoding for the storage layer, and rebuilding the model at boot.
//!
//! Keys are the path to a record, `\0`-separated (names never contain `\0`; the API rejects
//! it), so a prefix delete removes a group or stream with everything below it:
//! - `logs.groups`        `account\0region\0group` → GroupMeta JSON
//! - `logs.streams`       `account\0region\0group\0stream` → StreamMeta JSON (as created)
//! - `logs.events`        `account\0region\0group\0stream\0`, timestamp (8 bytes, order-preserving),
//!   sequence (8 bytes) → ingestion time (8 bytes) and message. Stream first/last/ingestion
//!   times are recomputed from these at boot instead of being rewritten on every put.
//! - `logs.subscriptions` / `logs.metric_filters`  `account\0region\0group\0filter` → JSON

use ruststack_storage::{Storage, StorageError, Table};

use crate::state::{EventKey, GroupMeta, LogGroup, LogStream, State, StreamMeta};

pub(crate) const GROUPS: Table = Table::new("logs.groups");
pub(crate) const STREAMS: Table = Table::new("logs.streams");
pub(crate) const EVENTS: Table = Table::new("logs.events");
pub(crate) const SUBSCRIPTIONS: Table = Table::new("logs.subscriptions");
pub(crate) const METRIC_FILTERS: Table = Table::new("logs.metric_filters");
pub(crate) const ALL_TABLES: [Table; 5] = [GROUPS, STREAMS, EVENTS, SUBSCRIPTIONS, METRIC_FILTERS];

/// `a\0b\0c` for a record path.
pub(crate) fn key(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// The prefix under which every record of `parts` lives (`a\0b\0`).
pub(crate) fn prefix(parts: &[&str]) -> Vec<u8> {
    let mut out = key(parts);
    out.push(0);
    out
}

/// The key of one event.
pub(crate) fn event_key(
    account: &str,
    region: &str,
    group: &str,
    stream: &str,
    k: EventKey,
) -> Vec<u8> {
    event_key_in(&prefix(&[account, region, group, stream]), k)
}

/// The key of one event under its stream's [`prefix`].
pub(crate) fn event_key_in(stream_prefix: &[u8], k: EventKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream_prefix.len() + 16);
    out.extend_from_slice(stream_prefix);
    // Flipping the sign bit makes big-endian bytes sort like the signed number.
    out.extend_from_slice(&((k.timestamp as u64) ^ (1 << 63)).to_be_bytes());
    out.extend_from_slice(&k.seq.to_be_bytes());
    out
}

/// The value of one event.
pub(crate) fn event_value(ingestion_time: i64, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + message.len());
    out.extend_from_slice(&ingestion_time.to_be_bytes());
    out.extend_from_slice(message.as_bytes());
    out
}

/// Serialises a record as JSON (cannot fail for these plain structs).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// A record that cannot be decoded: the data file is not what this build wrote.
fn corrupt(table: Table, what: &str) -> StorageError {
    StorageError::Undecodable {
        table: table.name(),
        detail: what.to_owned(),
    }
}

fn split(key: &[u8], n: usize) -> Option<Vec<String>> {
    let parts: Vec<&[u8]> = key.splitn(n, |b| *b == 0).collect();
    if parts.len() != n {
        return None;
    }
    parts
        .into_iter()
        .map(|p| String::from_utf8(p.to_vec()).ok())
        .collect()
}

/// Rebuilds the model from storage; returns it with the next free event sequence number.
pub(crate) fn load(storage: &dyn Storage) -> Result<(State, u64), StorageError> {
    let mut state = State::default();
    for (k, v) in storage.load(GROUPS)? {
        let parts = split(&k, 3).ok_or_else(|| corrupt(GROUPS, "key"))?;
        let meta: GroupMeta = serde_json::from_slice(&v).map_err(|_| corrupt(GROUPS, "group"))?;
        state
            .get_mut(&parts[0], &parts[1])
            .groups
            .insert(parts[2].clone(), LogGroup::new(meta));
    }
    for (k, v) in storage.load(STREAMS)? {
        let parts = split(&k, 4).ok_or_else(|| corrupt(STREAMS, "key"))?;
        let meta: StreamMeta =
            serde_json::from_slice(&v).map_err(|_| corrupt(STREAMS, "stream"))?;
        if let Some(group) = state
            .get_mut(&parts[0], &parts[1])
            .groups
            .get_mut(&parts[2])
        {
            group.streams.insert(parts[3].clone(), LogStream::new(meta));
        }
    }
    let mut next_seq = 0u64;
    for (k, v) in storage.load(EVENTS)? {
        let (path, tail) = k.split_at(k.len().saturating_sub(16));
        let parts = path
            .strip_suffix(&[0])
            .and_then(|p| split(p, 4))
            .ok_or_else(|| corrupt(EVENTS, "key"))?;
        let (ts, seq) = tail.split_at(8);
        let (ingestion, message) = v.split_at(8.min(v.len()));
        let timestamp =
            u64::from_be_bytes(ts.try_into().map_err(|_| corrupt(EVENTS, "key"))?) ^ (1 << 63);
        let seq = u64::from_be_bytes(seq.try_into().map_err(|_| corrupt(EVENTS, "key"))?);
        let ingestion_time =
            i64::from_be_bytes(ingestion.try_into().map_err(|_| corrupt(EVENTS, "event"))?);
        let message = std::str::from_utf8(message).map_err(|_| corrupt(EVENTS, "event"))?;
        next_seq = next_seq.max(seq + 1);
        let stream = state
            .get_mut(&parts[0], &parts[1])
            .groups
            .get_mut(&parts[2])
            .and_then(|g| g.streams.get_mut(&parts[3]));
        if let Some(stream) = stream {
            stream.insert(
                EventKey {
                    timestamp: timestamp as i64,
                    seq,
                },
                ingestion_time,
                message,
            );
        }
    }
    load_filters(storage, SUBSCRIPTIONS, &mut state, |g| &mut g.subscriptions)?;
    load_filters(storage, METRIC_FILTERS, &mut state, |g| {
        &mut g.metric_filters
    })?;
    Ok((state, next_seq))
}

/// Loads one kind of filter (`account\0region\0group\0filter` → JSON) into its groups.
fn load_filters<F: serde::de::DeserializeOwned>(
    storage: &dyn Storage,
    table: Table,
    state: &mut State,
    filters: fn(&mut LogGroup) -> &mut std::collections::BTreeMap<String, F>,
) -> Result<(), StorageError> {
    for (k, v) in storage.load(table)? {
        let parts = split(&k, 4).ok_or_else(|| corrupt(table, "key"))?;
        let filter: F = serde_json::from_slice(&v).map_err(|_| corrupt(table, "filter"))?;
        if let Some(group) = state
            .get_mut(&parts[0], &parts[1])
            .groups
            .get_mut(&parts[2])
        {
            filters(group).insert(parts[3].clone(), filter);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruststack_storage::{Batch, MemoryStorage};

    #[test]
    fn event_keys_sort_like_timestamps() {
        let a = event_key(
            "a",
            "r",
            "g",
            "s",
            EventKey {
                timestamp: -5,
                seq: 9,
            },
        );
        let b = event_key(
            "a",
            "r",
            "g",
            "s",
            EventKey {
                timestamp: 3,
                seq: 1,
            },
        );
        let c = event_key(
            "a",
            "r",
            "g",
            "s",
            EventKey {
                timestamp: 3,
                seq: 2,
            },
        );
        assert!(a < b && b < c);
    }

    #[test]
    fn load_rebuilds_groups_streams_events() {
        let storage = MemoryStorage::new();
        let group = GroupMeta {
            name: "g".into(),
            creation_time: 1,
            retention_in_days: Some(7),
            kms_key_id: None,
            tags: Default::default(),
            log_group_class: "STANDARD".into(),
            deletion_protection: false,
        };
        let stream = StreamMeta {
            name: "s/1".into(),
            creation_time: 2,
            first_event_timestamp: None,
            last_event_timestamp: None,
            last_ingestion_time: None,
        };
        let mut b = Batch::new();
        b.put(
            GROUPS,
            key(&["000000000000", "us-east-1", "g"]),
            json(&group),
        );
        b.put(
            STREAMS,
            key(&["000000000000", "us-east-1", "g", "s/1"]),
            json(&stream),
        );
        for (ts, seq, msg) in [(-1i64, 4u64, "early"), (10, 7, "later")] {
            b.put(
                EVENTS,
                event_key(
                    "000000000000",
                    "us-east-1",
                    "g",
                    "s/1",
                    EventKey { timestamp: ts, seq },
                ),
                event_value(99, msg),
            );
        }
        storage.commit(b).unwrap();
        let (state, next) = load(&storage).unwrap();
        assert_eq!(next, 8);
        let g = &state.get("000000000000", "us-east-1").unwrap().groups["g"];
        assert_eq!(g.meta.retention_in_days, Some(7));
        let s = &g.streams["s/1"];
        let msgs: Vec<&str> = s.events.iter().map(|e| e.message).collect();
        assert_eq!(msgs, vec!["early", "later"]);
        assert_eq!(s.meta.first_event_timestamp, Some(-1));
        assert_eq!(s.meta.last_ingestion_time, Some(99));
    }
}
