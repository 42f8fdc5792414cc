//! awsJson 1.0 / 1.1 (DynamoDB, DynamoDB Streams, CloudWatch Logs): `X-Amz-Target`, body
//! codec and the `{"__type","message"}` error envelope.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::body::{self, collect_limited};
use crate::{Body, Protocol, Request, RequestContext, Response, ServiceError, ServiceId};

/// Splits `X-Amz-Target: <Prefix>.<Operation>` into its two parts.
pub fn target(headers: &HeaderMap) -> Option<(&str, &str)> {
    let value = headers.get("x-amz-target")?.to_str().ok()?;
    let (prefix, operation) = value.rsplit_once('.')?;
    (!prefix.is_empty() && !operation.is_empty()).then_some((prefix, operation))
}

/// The operation a JSON-protocol request names in `X-Amz-Target`, or the protocol's
/// unknown-operation error. (The gateway has already recorded it in the request context.)
pub fn operation(req: &Request, protocol: Protocol) -> Result<String, ServiceError> {
    target(req.headers())
        .map(|(_, op)| op.to_owned())
        .ok_or_else(|| crate::envelope::unknown_operation(protocol, ""))
}

/// The `Content-Type` of a protocol's bodies.
pub fn content_type(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::AwsJson1_1 => "application/x-amz-json-1.1",
        _ => "application/x-amz-json-1.0",
    }
}

/// The `__type` namespace a service prefixes its own error codes with. awsJson 1.1 services
/// (Logs) send bare codes.
pub fn default_namespace(service: Option<ServiceId>) -> Option<&'static str> {
    match service {
        Some(ServiceId::DynamoDb | ServiceId::DynamoDbStreams) => {
            Some("com.amazonaws.dynamodb.v20120810")
        }
        _ => None,
    }
}

/// Whether responses carry `x-amz-crc32` (DynamoDB's integrity header, checked by SDKs).
fn sends_crc32(service: Option<ServiceId>) -> bool {
    matches!(
        service,
        Some(ServiceId::DynamoDb | ServiceId::DynamoDbStreams)
    )
}

/// Serialises a successful output with status 200.
pub fn response<T: Serialize>(ctx: &RequestContext, output: &T) -> Result<Response, ServiceError> {
    let bytes =
        serde_json::to_vec(output).map_err(|e| ServiceError::internal("InternalFailure", e))?;
    Ok(build(
        StatusCode::OK,
        ctx.protocol,
        Some(ctx.service),
        bytes,
    ))
}

/// Reads (up to `limit` bytes) and deserialises a request body. An empty body is `{}`.
pub async fn decode<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, ServiceError> {
    parse(&read(req, limit).await?)
}

/// Reads a request body (up to `limit` bytes), for [`parse`] to deserialise into a shape
/// that borrows from it.
pub async fn read(req: Request, limit: usize) -> Result<Bytes, ServiceError> {
    let length = body::content_length(req.headers());
    collect_limited(req.into_body(), length, limit)
        .await
        .map_err(crate::envelope::body_error)
}

/// Deserialises a request body [`read`] returned. An empty body is `{}`.
pub fn parse<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, ServiceError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        ServiceError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            e.to_string(),
        )
        .with_namespace("com.amazon.coral.service")
    })
}

/// The error envelope: `{"__type": "<ns>#<Code>", "message": "…", …fields}`.
pub fn error_response(
    err: &ServiceError,
    protocol: Protocol,
    service: Option<ServiceId>,
) -> Response {
    let mut body = Map::new();
    // awsJson 1.1 services (Logs) send bare codes; 1.0 services (DynamoDB) qualify them.
    let namespace = match protocol {
        Protocol::AwsJson1_0 => err.namespace().or(default_namespace(service)),
        _ => None,
    };
    let type_ = match namespace {
        Some(ns) => format!("{ns}#{}", err.code()),
        None => err.code().to_owned(),
    };
    body.insert("__type".into(), Value::String(type_));
    body.insert("message".into(), Value::String(err.message().to_owned()));
    for (name, value) in err.fields() {
        body.insert(name.to_string(), value.clone());
    }
    let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    let mut resp = build(err.status(), protocol, service, bytes);
    if let Ok(code) = HeaderValue::from_str(err.code()) {
        resp.headers_mut().insert("x-amzn-errortype", code);
    }
    crate::envelope::add_error_headers(&mut resp, err);
    resp
}

fn build(
    status: StatusCode,
    protocol: Protocol,
    service: Option<ServiceId>,
    bytes: Vec<u8>,
) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(protocol)),
    );
    if sends_crc32(service) {
        headers.insert("x-amz-crc32", HeaderValue::from(crc32fast::hash(&bytes)));
    }
    *resp.body_mut() = Body::from(bytes);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn json_body(resp: Response) -> Value {
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn target_splits_on_last_dot() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-target",
            HeaderValue::from_static("DynamoDB_20120810.PutItem"),
        );
        assert_eq!(target(&h), Some(("DynamoDB_20120810", "PutItem")));
        h.insert("x-amz-target", HeaderValue::from_static("NoDot"));
        assert_eq!(target(&h), None);
        h.insert("x-amz-target", HeaderValue::from_static("Logs_20140328."));
        assert_eq!(target(&h), None);
    }

    #[tokio::test]
    async fn dynamodb_errors_carry_namespace_and_crc() {
        let err = ServiceError::new(
            StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            "Requested resource not found",
        );
        let resp = error_response(&err, Protocol::AwsJson1_0, Some(ServiceId::DynamoDb));
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.headers()["content-type"], "application/x-amz-json-1.0");
        assert_eq!(
            resp.headers()["x-amzn-errortype"],
            "ResourceNotFoundException"
        );
        let crc: u32 = resp.headers()["x-amz-crc32"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(crc, crc32fast::hash(&bytes));
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
        );
    }

    #[tokio::test]
    async fn logs_errors_use_bare_codes() {
        let err = ServiceError::new(StatusCode::BAD_REQUEST, "ResourceNotFoundException", "x")
            .with_field("extra", 3);
        let resp = error_response(&err, Protocol::AwsJson1_1, Some(ServiceId::Logs));
        assert_eq!(resp.headers()["content-type"], "application/x-amz-json-1.1");
        assert!(resp.headers().get("x-amz-crc32").is_none());
        let body = json_body(resp).await;
        assert_eq!(body["__type"], "ResourceNotFoundException");
        assert_eq!(body["extra"], 3);
    }

    #[tokio::test]
    async fn decode_reports_serialization_errors() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct In {
            #[serde(rename = "TableName")]
            table_name: String,
        }
        let req = Request::new(Body::from("{not json"));
        let err = decode::<In>(req, 1024).await.unwrap_err();
        assert_eq!(err.code(), "SerializationException");
        let req = Request::new(Body::from(" "));
        let err = decode::<In>(req, 1024).await.unwrap_err();
        assert_eq!(err.code(), "SerializationException", "missing member");
        let req = Request::new(Body::from(vec![b' '; 2048]));
        assert_eq!(decode::<In>(req, 1024).await.unwrap_err().status(), 413);
    }
}
