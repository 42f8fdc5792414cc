//! The in-memory model: groups → streams → events (time-ordered), filters. Pure data and
//! pure methods; no I/O, no HTTP.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::timeline::Timeline;

/// Everything of the service, by (account, region).
pub(crate) type State = ruststack_protocol::scope::ByScope<Scope>;

/// One account's groups in one region.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) groups: BTreeMap<String, LogGroup>,
}

/// A log group and everything in it.
#[derive(Debug)]
pub(crate) struct LogGroup {
    pub(crate) meta: GroupMeta,
    pub(crate) streams: BTreeMap<String, LogStream>,
    pub(crate) subscriptions: BTreeMap<String, SubscriptionFilter>,
    pub(crate) metric_filters: BTreeMap<String, MetricFilter>,
}

impl LogGroup {
    pub(crate) fn new(meta: GroupMeta) -> Self {
        Self {
            meta,
            streams: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            metric_filters: BTreeMap::new(),
        }
    }

    /// Bytes of event messages stored (what `storedBytes` reports).
    pub(crate) fn stored_bytes(&self) -> u64 {
        self.streams.values().map(|s| s.events.bytes()).sum()
    }
}

/// A log group's own settings (persisted as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct GroupMeta {
    pub(crate) name: String,
    pub(crate) creation_time: i64,
    pub(crate) retention_in_days: Option<i32>,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) log_group_class: String,
    pub(crate) deletion_protection: bool,
}

/// A log stream: settings plus its events in time order.
#[derive(Debug)]
pub(crate) struct LogStream {
    pub(crate) meta: StreamMeta,
    pub(crate) events: Timeline,
}

impl LogStream {
    pub(crate) fn new(meta: StreamMeta) -> Self {
        Self {
            meta,
            events: Timeline::default(),
        }
    }

    pub(crate) fn insert(&mut self, key: EventKey, ingestion_time: i64, message: &str) {
        let m = &mut self.meta;
        m.first_event_timestamp = Some(
            m.first_event_timestamp
                .map_or(key.timestamp, |t| t.min(key.timestamp)),
        );
        m.last_event_timestamp = Some(
            m.last_event_timestamp
                .map_or(key.timestamp, |t| t.max(key.timestamp)),
        );
        m.last_ingestion_time = Some(
            m.last_ingestion_time
                .map_or(ingestion_time, |t| t.max(ingestion_time)),
        );
        self.events.insert(key, ingestion_time, message);
    }
}

/// A log stream's settings (persisted as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StreamMeta {
    pub(crate) name: String,
    pub(crate) creation_time: i64,
    pub(crate) first_event_timestamp: Option<i64>,
    pub(crate) last_event_timestamp: Option<i64>,
    pub(crate) last_ingestion_time: Option<i64>,
}

/// Orders a stream's events: by timestamp, then by arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct EventKey {
    pub(crate) timestamp: i64,
    pub(crate) seq: u64,
}

/// A subscription filter (persisted as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SubscriptionFilter {
    pub(crate) name: String,
    pub(crate) pattern: String,
    pub(crate) destination_arn: String,
    pub(crate) role_arn: Option<String>,
    pub(crate) distribution: String,
    pub(crate) creation_time: i64,
}

/// A metric filter (persisted as JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct MetricFilter {
    pub(crate) name: String,
    pub(crate) pattern: String,
    pub(crate) transformations: serde_json::Value,
    pub(crate) creation_time: i64,
}

/// Retention periods AWS accepts, in days.
pub(crate) const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub(crate) const DAY_MS: i64 = 86_400_000;

/// The oldest timestamp still visible in a group with this retention at `now`.
pub(crate) fn retention_cutoff(retention_in_days: Option<i32>, now_ms: i64) -> Option<i64> {
    retention_in_days.map(|d| now_ms.saturating_sub(i64::from(d) * DAY_MS))
}

/// `arn:aws:logs:<region>:<account>:log-group:<name>` (DescribeLogGroups adds `:*` for `arn`).
pub(crate) fn group_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_tracks_first_last_and_bytes() {
        let mut s = LogStream::new(StreamMeta {
            name: "s".into(),
            creation_time: 0,
            first_event_timestamp: None,
            last_event_timestamp: None,
            last_ingestion_time: None,
        });
        s.insert(
            EventKey {
                timestamp: 20,
                seq: 1,
            },
            100,
            "abc",
        );
        s.insert(
            EventKey {
                timestamp: 10,
                seq: 2,
            },
            90,
            "de",
        );
        assert_eq!(s.meta.first_event_timestamp, Some(10));
        assert_eq!(s.meta.last_event_timestamp, Some(20));
        assert_eq!(s.meta.last_ingestion_time, Some(100));
        assert_eq!(s.events.bytes(), 5);
        let order: Vec<i64> = s.events.iter().map(|e| e.key.timestamp).collect();
        assert_eq!(order, vec![10, 20]);
    }

    #[test]
    fn retention() {
        assert_eq!(retention_cutoff(None, 1_000), None);
        assert_eq!(retention_cutoff(Some(1), 2 * DAY_MS), Some(DAY_MS));
    }
}
