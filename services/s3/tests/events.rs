//! Bucket notifications reach the event sink in S3's event shape, for the configured event
//! types and key filters only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use ruststack_protocol::{Body, Clock, Protocol, RequestContext, Service, ServiceId};
use ruststack_s3::{EventSink, S3, S3Event};
use ruststack_storage::{BlobStore, MemoryStorage};

async fn call(s3: &S3, method: &str, uri: &str, body: &'static str) -> u16 {
    let ctx = RequestContext::new(ServiceId::S3, Protocol::RestXml, None, None, Clock::new());
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    match s3.call(&ctx, req).await {
        Ok(resp) => resp.status().as_u16(),
        Err(e) => e.status().as_u16(),
    }
}

const CONFIG: &str = "<NotificationConfiguration><LambdaFunctionConfiguration><Id>uploads</Id>\
    <CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:on-upload</CloudFunction>\
    <Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event>\
    <Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule></S3Key></Filter>\
    </LambdaFunctionConfiguration></NotificationConfiguration>";

#[tokio::test]
async fn object_events_reach_the_sink() {
    let seen: Arc<Mutex<Vec<S3Event>>> = Arc::default();
    let sink: EventSink = {
        let seen = Arc::clone(&seen);
        Arc::new(move |e| seen.lock().unwrap().push(e))
    };
    let s3 = S3::open(
        Arc::new(MemoryStorage::new()),
        BlobStore::ephemeral().unwrap(),
        Some(sink),
    )
    .unwrap();
    assert_eq!(call(&s3, "PUT", "/bkt", "").await, 200);
    assert_eq!(call(&s3, "PUT", "/bkt?notification", CONFIG).await, 200);
    assert_eq!(call(&s3, "PUT", "/bkt/in/a%20b.txt", "hello").await, 200);
    assert_eq!(call(&s3, "PUT", "/bkt/out/skipped.txt", "x").await, 200);
    assert_eq!(call(&s3, "DELETE", "/bkt/in/a%20b.txt", "").await, 204);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let created = &seen[0].payload["Records"][0];
    assert_eq!(
        seen[0].destination,
        "arn:aws:lambda:us-east-1:000000000000:function:on-upload"
    );
    assert_eq!(created["eventSource"], "aws:s3");
    assert_eq!(created["eventName"], "ObjectCreated:Put");
    assert_eq!(created["s3"]["bucket"]["name"], "bkt");
    assert_eq!(created["s3"]["bucket"]["arn"], "arn:aws:s3:::bkt");
    assert_eq!(created["s3"]["object"]["key"], "in/a+b.txt");
    assert_eq!(created["s3"]["object"]["size"], 5);
    assert_eq!(
        created["s3"]["object"]["eTag"],
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert_eq!(created["s3"]["configurationId"], "uploads");
    let removed = &seen[1].payload["Records"][0];
    assert_eq!(removed["eventName"], "ObjectRemoved:Delete");
    assert!(removed["s3"]["object"].get("size").is_none());
}

#[tokio::test]
async fn a_bad_configuration_is_refused() {
    let s3 = S3::open(
        Arc::new(MemoryStorage::new()),
        BlobStore::ephemeral().unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(call(&s3, "PUT", "/bkt", "").await, 200);
    let bad = "<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>\
               <Event>s3:Nothing</Event></QueueConfiguration></NotificationConfiguration>";
    assert_eq!(call(&s3, "PUT", "/bkt?notification", bad).await, 400);
    assert_eq!(call(&s3, "PUT", "/bkt?notification", "<oops").await, 400);
}
