//! The router in-process, with a small JSON service standing in for a real one.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use ruststack::gateway::App;
use ruststack::init::InitHooks;
use ruststack::registry::Registry;
use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Body, Clock, RequestContext, Response, Service, ServiceError, ServiceId, envelope, json,
};
use serde_json::Value;
use tower::ServiceExt;

/// A Logs-shaped (awsJson 1.1) service: `Echo` returns its input, `Panic` panics.
struct EchoLogs;

impl Service for EchoLogs {
    fn id(&self) -> ServiceId {
        ServiceId::Logs
    }

    fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: ruststack_protocol::Request,
    ) -> BoxFuture<'a, Result<Response, ServiceError>> {
        Box::pin(async move {
            let op = json::target(req.headers())
                .map(|(_, op)| op.to_owned())
                .unwrap_or_default();
            match op.as_str() {
                "Echo" => {
                    let input: Value = json::decode(req, 1024).await?;
                    json::response(ctx, &input)
                }
                "Panic" => panic!("echo service asked to panic"),
                other => Err(envelope::unknown_operation(ctx.protocol, other)),
            }
        })
    }

    fn reset(&self) -> Result<(), ServiceError> {
        Ok(())
    }
}

fn app(services: &str) -> Arc<App> {
    let mut config = crate::test_config(None);
    config.services = services
        .split(',')
        .filter_map(ServiceId::from_name)
        .collect();
    let mut registry = Registry::new();
    registry.register(Arc::new(EchoLogs));
    App::new(config, registry, Clock::new(), InitHooks::default())
}

fn logs_request(op: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/")
        .header("x-amz-target", format!("Logs_20140328.{op}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-2/logs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.into())
        .unwrap()
}

async fn body_json(resp: Response) -> Value {
    let bytes: Bytes = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {bytes:?}"))
}

#[tokio::test]
async fn success_carries_request_id() {
    let resp = app("logs")
        .router()
        .oneshot(logs_request("Echo", r#"{"a":1}"#))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(body_json(resp).await, serde_json::json!({"a": 1}));
}

#[tokio::test]
async fn errors_use_the_service_envelope() {
    let resp = app("logs")
        .router()
        .oneshot(logs_request("Nope", "{}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.headers()["x-amzn-errortype"],
        "UnknownOperationException"
    );
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    let body = body_json(resp).await;
    assert_eq!(body["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn oversized_body_is_413_in_envelope() {
    let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(4096));
    let resp = app("logs")
        .router()
        .oneshot(logs_request("Echo", big))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body_json(resp).await["__type"],
        "RequestEntityTooLargeException"
    );
}

#[tokio::test]
async fn malformed_json_is_serialization_exception() {
    let resp = app("logs")
        .router()
        .oneshot(logs_request("Echo", "{oops"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(resp).await["__type"], "SerializationException");
}

#[tokio::test]
async fn panic_becomes_logged_500_and_server_lives_on() {
    let app = app("logs");
    let resp = app
        .router()
        .oneshot(logs_request("Panic", "{}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_json(resp).await;
    assert_eq!(body["__type"], "ServiceUnavailableException");
    assert!(
        !body["message"].as_str().unwrap().contains("asked to panic"),
        "panic text leaked"
    );
    let resp = app
        .router()
        .oneshot(logs_request("Echo", "{}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabled_service_is_named_in_its_protocol() {
    let resp = app("s3")
        .router()
        .oneshot(logs_request("Echo", "{}"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    let body = body_json(resp).await;
    assert_eq!(body["__type"], "InternalFailure");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("'logs' is not enabled")
    );
}

#[tokio::test]
async fn unbuilt_service_gets_s3_error_document() {
    let req = Request::get("/bucket/key").body(Body::empty()).unwrap();
    let resp = app("s3,logs").router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    assert_eq!(resp.headers()["x-amz-request-id"].len(), 16);
    assert!(resp.headers().contains_key("x-amz-id-2"));
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(text.contains("<Code>NotImplemented</Code>"), "{text}");
}

#[tokio::test]
async fn unsupported_service_answers_in_query_protocol() {
    let req = Request::post("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0")
        .body(Body::from("Action=ListQueues"))
        .unwrap();
    let resp = app("logs").router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>"),
        "{text}"
    );
    assert!(text.contains("Service 'sqs' is not emulated"), "{text}");
}

#[tokio::test]
async fn metrics_count_service_requests() {
    let app = app("logs");
    app.router()
        .oneshot(logs_request("Echo", "{}"))
        .await
        .unwrap();
    app.router()
        .oneshot(logs_request("Echo", "{}"))
        .await
        .unwrap();
    let resp = app
        .router()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains(
            r#"ruststack_requests_total{service="logs",operation="Echo",status="200"} 2"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn health_lists_running_and_disabled_services() {
    let app = app("logs");
    let resp = app
        .router()
        .oneshot(
            Request::get("/_localstack/health")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = body_json(resp).await;
    assert_eq!(body["services"]["logs"], "running");
    assert_eq!(body["services"]["s3"], "disabled");
    assert_eq!(body["edition"], "community");
}
