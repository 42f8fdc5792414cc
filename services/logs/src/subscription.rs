//! Subscription delivery: the `awslogs` event a destination (a Lambda function) receives,
//! `{"awslogs": {"data": base64(gzip(json))}}`, built exactly as CloudWatch Logs builds it.

use std::io::Write;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

use crate::filter_pattern::FilterPattern;
use crate::state::{EventKey, LogGroup};
use crate::{Caller, Logs};

/// One delivery to a subscription destination.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Account of the log group (and, for Lambda, of the function).
    pub account: String,
    /// Region of the log group.
    pub region: String,
    /// The filter's `destinationArn`.
    pub destination_arn: String,
    /// The event the destination receives: `{"awslogs": {"data": "…"}}`.
    pub event: Value,
}

/// Where deliveries go; the registry wires this to the Lambda service.
pub type Deliver = Arc<dyn Fn(Delivery) + Send + Sync>;

impl Logs {
    pub(crate) fn deliver(&self, deliveries: Vec<Delivery>) {
        match &self.inner.deliver {
            Some(deliver) => deliveries.into_iter().for_each(|d| deliver(d)),
            None if !deliveries.is_empty() => {
                tracing::debug!(
                    count = deliveries.len(),
                    "no subscription destination service; dropped"
                );
            }
            None => {}
        }
    }
}

/// The deliveries new events cause: one per subscription filter that matches any of them.
pub(crate) fn deliveries(
    caller: &Caller,
    group_name: &str,
    stream_name: &str,
    group: &LogGroup,
    events: &[(EventKey, &str)],
) -> Vec<Delivery> {
    let mut out = Vec::new();
    if events.is_empty() {
        return out;
    }
    for filter in group.subscriptions.values() {
        // Stored patterns were validated when the filter was put.
        let Ok(pattern) = FilterPattern::parse(&filter.pattern) else {
            continue;
        };
        let matched: Vec<Value> = events
            .iter()
            .filter(|(_, message)| pattern.matches(message))
            .map(|(key, message)| {
                json!({
                    "id": format!("{:020}{:036}", (key.timestamp as u64) ^ (1 << 63), key.seq),
                    "timestamp": key.timestamp,
                    "message": message,
                })
            })
            .collect();
        if matched.is_empty() {
            continue;
        }
        let document = json!({
            "messageType": "DATA_MESSAGE",
            "owner": caller.account,
            "logGroup": group_name,
            "logStream": stream_name,
            "subscriptionFilters": [filter.name],
            "logEvents": matched,
        });
        out.push(Delivery {
            account: caller.account.clone(),
            region: caller.region.clone(),
            destination_arn: filter.destination_arn.clone(),
            event: json!({ "awslogs": { "data": encode(&document) } }),
        });
    }
    out
}

/// base64(gzip(json)).
fn encode(document: &Value) -> String {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(document.to_string().as_bytes());
    let bytes = gz.finish().unwrap_or_default();
    ruststack_protocol::encoding::base64_encode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{GroupMeta, SubscriptionFilter};
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn unbase64(s: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.bytes().filter(|c| *c != b'=') {
            bits = (bits << 6) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
            }
        }
        out
    }

    #[test]
    fn payload_is_gzipped_json_in_base64() {
        let mut group = LogGroup::new(GroupMeta {
            name: "g".into(),
            creation_time: 0,
            retention_in_days: None,
            kms_key_id: None,
            tags: Default::default(),
            log_group_class: "STANDARD".into(),
            deletion_protection: false,
        });
        group.subscriptions.insert(
            "f".into(),
            SubscriptionFilter {
                name: "f".into(),
                pattern: "ERROR".into(),
                destination_arn: "arn:aws:lambda:us-east-1:000000000000:function:fn".into(),
                role_arn: None,
                distribution: "ByLogStream".into(),
                creation_time: 0,
            },
        );
        let caller = Caller {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            now: 0,
        };
        let events = vec![
            (
                EventKey {
                    timestamp: 1,
                    seq: 1,
                },
                "ERROR boom",
            ),
            (
                EventKey {
                    timestamp: 2,
                    seq: 2,
                },
                "INFO fine",
            ),
        ];
        let out = deliveries(&caller, "g", "s", &group, &events);
        assert_eq!(out.len(), 1);
        let data = out[0].event["awslogs"]["data"].as_str().unwrap();
        let mut json_text = String::new();
        GzDecoder::new(&unbase64(data)[..])
            .read_to_string(&mut json_text)
            .unwrap();
        let doc: Value = serde_json::from_str(&json_text).unwrap();
        assert_eq!(doc["messageType"], "DATA_MESSAGE");
        assert_eq!(doc["logGroup"], "g");
        assert_eq!(doc["subscriptionFilters"], json!(["f"]));
        assert_eq!(doc["logEvents"].as_array().unwrap().len(), 1);
        assert_eq!(doc["logEvents"][0]["message"], "ERROR boom");
    }
}
