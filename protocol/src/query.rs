//! AWS query protocol (form-encoded `Action=`): the `<ErrorResponse>` envelope.
//!
//! None of ruststack's services speaks query; the gateway uses this envelope to answer
//! query-protocol clients (SQS, SNS, STS…) with a clear error they can parse.

use http::{HeaderValue, header};

use crate::error::Fault;
use crate::request_id::RequestId;
use crate::xml::{XmlDoc, value_text};
use crate::{Body, Response, ServiceError};

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
pub fn error_response(err: &ServiceError, request_id: &RequestId) -> Response {
    let mut doc = XmlDoc::new();
    doc.open("ErrorResponse", &[]);
    doc.open("Error", &[]);
    doc.text_element(
        "Type",
        match err.fault() {
            Fault::Client => "Sender",
            Fault::Server => "Receiver",
        },
    );
    doc.text_element("Code", err.code());
    doc.text_element("Message", err.message());
    for (name, value) in err.fields() {
        doc.text_element(name, &value_text(value));
    }
    doc.close("Error");
    doc.text_element("RequestId", request_id.as_str());
    doc.close("ErrorResponse");
    let mut resp = Response::new(Body::from(doc.finish()));
    *resp.status_mut() = err.status();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    crate::envelope::add_error_headers(&mut resp, err);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Protocol;
    use http::StatusCode;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn error_response_shape() {
        let id = RequestId::new(Protocol::Query);
        let err = ServiceError::new(StatusCode::NOT_IMPLEMENTED, "InternalFailure", "no sqs");
        let resp = error_response(&err, &id);
        assert_eq!(resp.status(), 501);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Error><Type>Receiver</Type>\
             <Code>InternalFailure</Code><Message>no sqs</Message></Error>\
             <RequestId>{}</RequestId></ErrorResponse>",
            id.as_str()
        );
        assert_eq!(std::str::from_utf8(&body).unwrap(), expected);
    }
}
