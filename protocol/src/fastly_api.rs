//! Fastly's management API: the `{"msg","detail"}` error body that go-fastly (and so the
//! Fastly CLI) parses.

use http::{HeaderValue, header};
use serde_json::{Map, Value};

use crate::{Body, Response, ServiceError};

/// `{"msg": "<message>", …fields}` with `application/json`; a `detail` field, when the error
/// has one, is the longer explanation the CLI prints after the message.
pub fn error_response(err: &ServiceError) -> Response {
    let mut body = Map::new();
    body.insert("msg".into(), Value::String(err.message().to_owned()));
    for (name, value) in err.fields() {
        body.insert(name.to_string(), value.clone());
    }
    let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = err.status();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    crate::envelope::add_error_headers(&mut resp, err);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn fastly_error_shape() {
        let err = ServiceError::new(StatusCode::NOT_FOUND, "NotFound", "Record not found")
            .with_field("detail", "Couldn't find store 'x'");
        let resp = error_response(&err);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"msg":"Record not found","detail":"Couldn't find store 'x'"}"#
        );
    }
}
