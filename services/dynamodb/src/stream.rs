//! DynamoDB Streams: the record each item change appends to its table's stream (when the
//! table has one), and the Streams API (`DynamoDBStreams_20120810.*`: ListStreams,
//! DescribeStream, GetShardIterator, GetRecords) over them. Each stream has one shard;
//! records are kept 24 hours, as on AWS.

use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Request, RequestContext, Response, Service, ServiceError, ServiceId, envelope, json,
};
use serde_json::{Value, json};

use crate::ops::input::{opt_i64, opt_str, req_str};
use crate::state::{StreamRecord, Table, TableMeta};
use crate::value::{Item, item_size, item_to_json};
use crate::{Caller, DynamoDb, error};

/// Stream records older than this are trimmed (AWS keeps 24 hours).
const RETENTION_S: f64 = 86_400.0;

/// The stream record of one item write, if the table has a stream and the item changed.
pub(crate) fn record_for(
    db: &DynamoDb,
    meta: &TableMeta,
    key_item: &Item,
    old: Option<&Item>,
    new: Option<&Item>,
    now_ms: i64,
    ttl: bool,
) -> Option<StreamRecord> {
    let (view_type, label) = (meta.stream_view_type.as_ref()?, meta.stream_label.as_ref()?);
    let event = match (old, new) {
        (None, Some(_)) => "INSERT",
        (Some(o), Some(n)) if o != n => "MODIFY",
        (Some(_), None) => "REMOVE",
        _ => return None,
    };
    let keep_new = matches!(view_type.as_str(), "NEW_IMAGE" | "NEW_AND_OLD_IMAGES");
    let keep_old = matches!(view_type.as_str(), "OLD_IMAGE" | "NEW_AND_OLD_IMAGES");
    let new = new.filter(|_| keep_new);
    let old = old.filter(|_| keep_old);
    Some(StreamRecord {
        seq: db.next_stream_seq(),
        created: (now_ms.div_euclid(1000)) as f64,
        event: event.to_owned(),
        label: label.clone(),
        view_type: view_type.clone(),
        keys: item_to_json(key_item),
        size: item_size(key_item) + new.map_or(0, item_size) + old.map_or(0, item_size),
        new: new.map(item_to_json),
        old: old.map(item_to_json),
        ttl,
    })
}

/// The Streams API, served from the DynamoDB service's tables.
#[derive(Clone)]
pub struct DynamoDbStreams {
    db: DynamoDb,
}

impl DynamoDb {
    /// The DynamoDB Streams service over this service's tables.
    pub fn streams(&self) -> DynamoDbStreams {
        DynamoDbStreams { db: self.clone() }
    }
}

impl Service for DynamoDbStreams {
    fn id(&self) -> ServiceId {
        ServiceId::DynamoDbStreams
    }

    fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: Request,
    ) -> BoxFuture<'a, Result<Response, ServiceError>> {
        Box::pin(async move {
            let op = json::operation(&req, ctx.protocol)?;
            let caller = Caller::from_context(ctx);
            let input: Value = json::decode(req, 1024 * 1024).await?;
            let out = match op.as_str() {
                "ListStreams" => list_streams(&self.db, &caller, &input)?,
                "DescribeStream" => describe_stream(&self.db, &caller, &input)?,
                "GetShardIterator" => get_shard_iterator(&self.db, &caller, &input)?,
                "GetRecords" => get_records(&self.db, &caller, &input)?,
                other => {
                    return Err(envelope::operation_not_implemented(
                        ctx.protocol,
                        ctx.service,
                        other,
                    ));
                }
            };
            json::response(ctx, &out)
        })
    }

    fn reset(&self) -> Result<(), ServiceError> {
        // Streams live in DynamoDB's tables; resetting DynamoDB empties them.
        Ok(())
    }
}

fn stream_arn(caller: &Caller, meta: &TableMeta, label: &str) -> String {
    format!(
        "{}/stream/{label}",
        meta.arn(&caller.region, &caller.account)
    )
}

fn shard_id(meta: &TableMeta) -> String {
    format!(
        "shardId-{:020}-{}",
        (meta.creation_time * 1000.0) as i64,
        meta.id.get(..8).unwrap_or("00000000")
    )
}

/// The table a stream ARN names (its current stream only).
fn table_of_arn<'a>(
    state: &'a crate::state::State,
    caller: &Caller,
    arn: &str,
) -> Result<&'a Table, ServiceError> {
    let not_found = || {
        ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("Requested resource not found: Stream: {arn} not found"),
        )
    };
    let (table_arn, label) = arn.split_once("/stream/").ok_or_else(not_found)?;
    let name = crate::ops::table_name_of(table_arn);
    let table = crate::ops::table(state, caller, name).map_err(|_| not_found())?;
    let known = table.meta.stream_label.as_deref() == Some(label)
        || table.stream.iter().any(|r| r.label == label);
    if !known || table.meta.arn(&caller.region, &caller.account) != table_arn {
        return Err(not_found());
    }
    Ok(table)
}

fn list_streams(db: &DynamoDb, caller: &Caller, input: &Value) -> Result<Value, ServiceError> {
    let only = opt_str(input, "TableName")?;
    let limit = opt_i64(input, "Limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let start = opt_str(input, "ExclusiveStartStreamArn")?;
    let state = db.read();
    let mut streams = Vec::new();
    if let Some(scope) = state.get(&caller.account, &caller.region) {
        for (name, table) in &scope.tables {
            if only.is_some_and(|t| t != name) {
                continue;
            }
            if let Some(label) = &table.meta.stream_label {
                let arn = stream_arn(caller, &table.meta, label);
                if start.is_none_or(|s| arn.as_str() > s) {
                    streams
                        .push(json!({"StreamArn": arn, "TableName": name, "StreamLabel": label}));
                }
            }
        }
    }
    let more = streams.len() > limit;
    streams.truncate(limit);
    let mut out = json!({"Streams": streams});
    if more {
        out["LastEvaluatedStreamArn"] = out["Streams"][limit - 1]["StreamArn"].clone();
    }
    Ok(out)
}

fn describe_stream(db: &DynamoDb, caller: &Caller, input: &Value) -> Result<Value, ServiceError> {
    let arn = req_str(input, "StreamArn", "streamArn")?;
    let state = db.read();
    let table = table_of_arn(&state, caller, arn)?;
    let label = arn
        .rsplit_once("/stream/")
        .map(|(_, l)| l)
        .unwrap_or_default();
    let enabled =
        table.meta.stream_label.as_deref() == Some(label) && table.meta.stream_view_type.is_some();
    let first = table
        .stream
        .iter()
        .find(|r| r.label == label)
        .map_or(1, |r| r.seq);
    let mut key_schema =
        vec![json!({"AttributeName": table.meta.key_schema.hash.0, "KeyType": "HASH"})];
    if let Some((range, _)) = &table.meta.key_schema.range {
        key_schema.push(json!({"AttributeName": range, "KeyType": "RANGE"}));
    }
    let mut range = json!({"StartingSequenceNumber": format!("{first:021}")});
    if !enabled {
        let last = table
            .stream
            .iter()
            .rev()
            .find(|r| r.label == label)
            .map_or(first, |r| r.seq);
        range["EndingSequenceNumber"] = json!(format!("{last:021}"));
    }
    Ok(json!({"StreamDescription": {
        "StreamArn": arn,
        "StreamLabel": label,
        "StreamStatus": if enabled { "ENABLED" } else { "DISABLED" },
        "StreamViewType": table.meta.stream_view_type.clone().unwrap_or_else(|| "KEYS_ONLY".to_owned()),
        "CreationRequestDateTime": table.meta.creation_time,
        "TableName": table.meta.name,
        "KeySchema": key_schema,
        "Shards": [{"ShardId": shard_id(&table.meta), "SequenceNumberRange": range}],
    }}))
}

/// An iterator is the stream ARN and the next sequence number to read, opaque to clients.
fn iterator(arn: &str, position: u64) -> String {
    base64_encode(format!("{position}|{arn}").as_bytes())
}

fn parse_iterator(token: &str) -> Option<(u64, String)> {
    let text = String::from_utf8(base64_decode(token)?).ok()?;
    let (position, arn) = text.split_once('|')?;
    Some((position.parse().ok()?, arn.to_owned()))
}

fn get_shard_iterator(
    db: &DynamoDb,
    caller: &Caller,
    input: &Value,
) -> Result<Value, ServiceError> {
    let arn = req_str(input, "StreamArn", "streamArn")?;
    let shard = req_str(input, "ShardId", "shardId")?;
    let kind = req_str(input, "ShardIteratorType", "shardIteratorType")?;
    let state = db.read();
    let table = table_of_arn(&state, caller, arn)?;
    if shard != shard_id(&table.meta) {
        return Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("Requested resource not found: Shard: {shard} in Stream: {arn} not found"),
        ));
    }
    let sequence = || -> Result<u64, ServiceError> {
        let text = req_str(input, "SequenceNumber", "sequenceNumber")?;
        text.parse()
            .map_err(|_| error::validation(format!("Invalid SequenceNumber: {text}")))
    };
    let position = match kind {
        "TRIM_HORIZON" => table.stream.first().map_or(0, |r| r.seq),
        "LATEST" => table
            .stream
            .last()
            .map_or(db.peek_stream_seq(), |r| r.seq + 1),
        "AT_SEQUENCE_NUMBER" => sequence()?,
        "AFTER_SEQUENCE_NUMBER" => sequence()? + 1,
        other => {
            return Err(error::constraint(
                other,
                "shardIteratorType",
                "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
            ));
        }
    };
    Ok(json!({"ShardIterator": iterator(arn, position)}))
}

fn get_records(db: &DynamoDb, caller: &Caller, input: &Value) -> Result<Value, ServiceError> {
    let token = req_str(input, "ShardIterator", "shardIterator")?;
    let (position, arn) =
        parse_iterator(token).ok_or_else(|| error::validation("Invalid ShardIterator"))?;
    let limit = opt_i64(input, "Limit")?.unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(error::constraint(
            &limit.to_string(),
            "limit",
            "Member must have value less than or equal to 1000",
        ));
    }
    let state = db.read();
    let table = table_of_arn(&state, caller, &arn)?;
    let label = arn
        .rsplit_once("/stream/")
        .map(|(_, l)| l)
        .unwrap_or_default();
    let oldest = caller.now as f64 / 1000.0 - RETENTION_S;
    let records: Vec<&StreamRecord> = table
        .stream
        .iter()
        .filter(|r| r.label == label && r.seq >= position && r.created >= oldest)
        .take(limit as usize)
        .collect();
    let next = records.last().map_or(position, |r| r.seq + 1);
    let out: Vec<Value> = records.iter().map(|r| record_json(caller, r)).collect();
    Ok(json!({"Records": out, "NextShardIterator": iterator(&arn, next)}))
}

fn record_json(caller: &Caller, r: &StreamRecord) -> Value {
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": r.created,
        "Keys": r.keys,
        "SequenceNumber": format!("{:021}", r.seq),
        "SizeBytes": r.size,
        "StreamViewType": r.view_type,
    });
    if let Some(new) = &r.new {
        dynamodb["NewImage"] = new.clone();
    }
    if let Some(old) = &r.old {
        dynamodb["OldImage"] = old.clone();
    }
    let mut out = json!({
        "eventID": format!("{:032x}", r.seq),
        "eventName": r.event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": caller.region,
        "dynamodb": dynamodb,
    });
    if r.ttl {
        out["userIdentity"] = json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"});
    }
    out
}

impl DynamoDb {
    /// The caller a stream ARN belongs to (`arn:aws:dynamodb:<region>:<account>:table/…`).
    fn stream_caller(&self, arn: &str) -> Result<Caller, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "dynamodb", region, account, _] => Ok(Caller {
                account: (*account).to_owned(),
                region: (*region).to_owned(),
                now: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
            }),
            _ => Err(format!("Invalid stream ARN: {arn}")),
        }
    }

    /// Up to `limit` records of a stream after sequence number `after` (from the oldest
    /// kept when `None`), each in the shape Lambda delivers (with `eventSourceARN`): how an
    /// event source mapping reads the stream.
    pub fn stream_records(
        &self,
        arn: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, Value)>, String> {
        let caller = self.stream_caller(arn)?;
        let state = self.read();
        let table = table_of_arn(&state, &caller, arn).map_err(|e| e.message().to_owned())?;
        let label = arn
            .rsplit_once("/stream/")
            .map(|(_, l)| l)
            .unwrap_or_default();
        let oldest = caller.now as f64 / 1000.0 - RETENTION_S;
        Ok(table
            .stream
            .iter()
            .filter(|r| r.label == label && after.is_none_or(|a| r.seq > a) && r.created >= oldest)
            .take(limit)
            .map(|r| {
                let mut record = record_json(&caller, r);
                record["eventSourceARN"] = json!(arn);
                (r.seq, record)
            })
            .collect())
    }

    /// The sequence number of a stream's newest record (`None` when it is empty).
    pub fn stream_latest(&self, arn: &str) -> Result<Option<u64>, String> {
        let caller = self.stream_caller(arn)?;
        let state = self.read();
        let table = table_of_arn(&state, &caller, arn).map_err(|e| e.message().to_owned())?;
        Ok(table.stream.iter().map(|r| r.seq).max())
    }
}
