//! REST-JSON (Lambda): the error envelope, `x-amzn-ErrorType` plus `{"Type","Message"}`.

use http::{HeaderValue, header};
use serde_json::{Map, Value};

use crate::error::Fault;
use crate::{Body, Response, ServiceError};

/// Lambda's error response: status, `x-amzn-ErrorType: <Code>` and
/// `{"Type": "User"|"Service", "Message": "…", …fields}`.
pub fn error_response(err: &ServiceError) -> Response {
    let mut body = Map::new();
    let kind = match err.fault() {
        Fault::Client => "User",
        Fault::Server => "Service",
    };
    body.insert("Type".into(), Value::String(kind.into()));
    body.insert("Message".into(), Value::String(err.message().to_owned()));
    for (name, value) in err.fields() {
        body.insert(name.to_string(), value.clone());
    }
    let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = err.status();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(code) = HeaderValue::from_str(err.code()) {
        headers.insert("x-amzn-errortype", code);
    }
    crate::envelope::add_error_headers(&mut resp, err);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn lambda_error_shape() {
        let err = ServiceError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f",
        );
        let resp = error_response(&err);
        assert_eq!(resp.status(), 404);
        assert_eq!(
            resp.headers()["x-amzn-errortype"],
            "ResourceNotFoundException"
        );
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:f"}"#
        );
    }
}
