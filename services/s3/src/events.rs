//! Bucket notifications: which configured destinations an object event reaches, and the
//! S3 event record (the JSON S3 delivers to Lambda, SQS and SNS).

use std::sync::Arc;

use serde::Deserialize;

/// One event for one destination, in the shape S3 delivers.
#[derive(Debug, Clone)]
pub struct S3Event {
    /// The destination ARN (`arn:aws:lambda:…:function:…`, a queue or a topic).
    pub destination: String,
    /// The notification body: `{"Records": [ … ]}`.
    pub payload: serde_json::Value,
}

/// Where events go (the Lambda service, once wired); called synchronously and expected to
/// queue the event, never to block.
pub type EventSink = Arc<dyn Fn(S3Event) + Send + Sync>;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NotificationConfiguration {
    #[serde(
        rename = "LambdaFunctionConfiguration",
        alias = "CloudFunctionConfiguration",
        default
    )]
    lambda: Vec<Target>,
    #[serde(rename = "QueueConfiguration", default)]
    queue: Vec<Target>,
    #[serde(rename = "TopicConfiguration", default)]
    topic: Vec<Target>,
}

#[derive(Debug, Default, Deserialize)]
struct Target {
    #[serde(rename = "Id", default)]
    id: Option<String>,
    #[serde(rename = "CloudFunction", alias = "Queue", alias = "Topic", default)]
    arn: String,
    #[serde(rename = "Event", default)]
    events: Vec<String>,
    #[serde(rename = "Filter", default)]
    filter: Option<Filter>,
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    #[serde(rename = "S3Key", default)]
    key: KeyFilter,
}

#[derive(Debug, Default, Deserialize)]
struct KeyFilter {
    #[serde(rename = "FilterRule", default)]
    rules: Vec<FilterRule>,
}

#[derive(Debug, Default, Deserialize)]
struct FilterRule {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Value", default)]
    value: String,
}

/// The event types S3 accepts in a notification configuration.
const EVENT_TYPES: [&str; 12] = [
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectRestore:*",
];

/// Parses a notification configuration; `Err` with S3's message when it is not acceptable.
pub(crate) fn parse(body: &[u8]) -> Result<NotificationConfiguration, &'static str> {
    let config: NotificationConfiguration =
        ruststack_protocol::rest_xml::from_document(body).ok_or("malformed")?;
    for target in config
        .lambda
        .iter()
        .chain(&config.queue)
        .chain(&config.topic)
    {
        if target.arn.is_empty() || target.events.is_empty() {
            return Err("malformed");
        }
        if target.events.iter().any(|e| {
            !EVENT_TYPES.contains(&e.as_str())
                && !e.starts_with("s3:ObjectRestore:")
                && !e.starts_with("s3:Replication:")
                && !e.starts_with("s3:LifecycleExpiration:")
                && !e.starts_with("s3:LifecycleTransition")
                && !e.starts_with("s3:IntelligentTiering")
                && !e.starts_with("s3:ObjectAcl:")
                && !e.starts_with("s3:ReducedRedundancyLostObject")
        }) {
            return Err("The event is not supported for notifications");
        }
        if let Some(filter) = &target.filter {
            for rule in &filter.key.rules {
                let name = rule.name.to_ascii_lowercase();
                if name != "prefix" && name != "suffix" {
                    return Err("filter rule name must be either prefix or suffix");
                }
            }
        }
    }
    Ok(config)
}

/// What happened to an object.
pub(crate) struct Occurrence<'a> {
    /// `ObjectCreated:Put`, `ObjectRemoved:DeleteMarkerCreated`…
    pub(crate) name: &'a str,
    pub(crate) bucket: &'a str,
    pub(crate) key: &'a str,
    pub(crate) size: Option<u64>,
    pub(crate) etag: Option<&'a str>,
    pub(crate) version_id: Option<&'a str>,
    pub(crate) sequencer: u64,
    pub(crate) region: &'a str,
    pub(crate) time: &'a str,
    pub(crate) request_id: &'a str,
    pub(crate) host_id: &'a str,
    pub(crate) principal: &'a str,
}

impl NotificationConfiguration {
    /// The events for every destination whose rules match.
    pub(crate) fn events(&self, what: &Occurrence<'_>) -> Vec<S3Event> {
        let full = format!("s3:{}", what.name);
        let family = full.rsplit_once(':').map(|(f, _)| format!("{f}:*"));
        self.lambda
            .iter()
            .chain(&self.queue)
            .chain(&self.topic)
            .filter(|t| {
                t.events
                    .iter()
                    .any(|e| *e == full || Some(e) == family.as_ref())
                    && t.filter.as_ref().is_none_or(|f| {
                        f.key
                            .rules
                            .iter()
                            .all(|r| match r.name.to_ascii_lowercase().as_str() {
                                "prefix" => what.key.starts_with(&r.value),
                                "suffix" => what.key.ends_with(&r.value),
                                _ => false,
                            })
                    })
            })
            .map(|t| S3Event {
                destination: t.arn.clone(),
                payload: record(what, t.id.as_deref().unwrap_or("")),
            })
            .collect()
    }
}

fn record(what: &Occurrence<'_>, configuration_id: &str) -> serde_json::Value {
    let mut object = serde_json::json!({
        "key": encode_key(what.key),
        "sequencer": format!("{:016X}", what.sequencer),
    });
    if let Some(size) = what.size {
        object["size"] = size.into();
    }
    if let Some(etag) = what.etag {
        object["eTag"] = etag.trim_matches('"').into();
    }
    if let Some(v) = what.version_id.filter(|v| *v != "null") {
        object["versionId"] = v.into();
    }
    serde_json::json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": what.region,
        "eventTime": what.time,
        "eventName": what.name,
        "userIdentity": {"principalId": what.principal},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": what.request_id, "x-amz-id-2": what.host_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": what.bucket,
                "ownerIdentity": {"principalId": what.principal},
                "arn": format!("arn:aws:s3:::{}", what.bucket),
            },
            "object": object,
        },
    }]})
}

/// Keys in event records are form-encoded (spaces as `+`), as S3 sends them.
fn encode_key(key: &str) -> String {
    form_encode(key)
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*' | b'/') => {
                out.push(char::from(b));
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurrence<'a>(name: &'a str, key: &'a str) -> Occurrence<'a> {
        Occurrence {
            name,
            bucket: "b",
            key,
            size: Some(3),
            etag: Some("\"abc\""),
            version_id: None,
            sequencer: 1,
            region: "us-east-1",
            time: "2024-01-01T00:00:00.000Z",
            request_id: "r",
            host_id: "h",
            principal: "AWS:000000000000",
        }
    }

    #[test]
    fn matches_events_and_key_filters() {
        let config = parse(
            b"<NotificationConfiguration><LambdaFunctionConfiguration><Id>img</Id>\
              <CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction>\
              <Event>s3:ObjectCreated:*</Event><Filter><S3Key>\
              <FilterRule><Name>prefix</Name><Value>images/</Value></FilterRule>\
              <FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule>\
              </S3Key></Filter></LambdaFunctionConfiguration>\
              <QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>\
              <Event>s3:ObjectRemoved:Delete</Event></QueueConfiguration></NotificationConfiguration>",
        )
        .unwrap();
        let hits = config.events(&occurrence("ObjectCreated:Put", "images/a b.jpg"));
        assert_eq!(hits.len(), 1);
        let rec = &hits[0].payload["Records"][0];
        assert_eq!(rec["s3"]["object"]["key"], "images/a+b.jpg");
        assert_eq!(rec["s3"]["object"]["eTag"], "abc");
        assert_eq!(rec["s3"]["configurationId"], "img");
        assert!(
            config
                .events(&occurrence("ObjectCreated:Put", "images/a.png"))
                .is_empty()
        );
        assert_eq!(
            config.events(&occurrence("ObjectRemoved:Delete", "x"))[0].destination,
            "arn:aws:sqs:us-east-1:000000000000:q"
        );
        assert!(
            config
                .events(&occurrence("ObjectRemoved:DeleteMarkerCreated", "x"))
                .is_empty()
        );
        assert!(parse(b"<NotificationConfiguration><QueueConfiguration><Queue>q</Queue><Event>s3:Nope</Event></QueueConfiguration></NotificationConfiguration>").is_err());
    }
}
