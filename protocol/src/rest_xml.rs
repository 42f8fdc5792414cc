//! REST-XML (S3): the `<Error>` envelope.

use http::{HeaderValue, header};

use crate::request_id::RequestId;
use crate::xml::{XmlDoc, value_text};
use crate::{Body, Response, ServiceError};

/// S3's error document:
/// `<Error><Code/><Message/>…fields…<RequestId/><HostId/></Error>`, no body for `HEAD`.
pub fn error_response(err: &ServiceError, request_id: &RequestId, is_head: bool) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = err.status();
    if !is_head {
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        let mut doc = XmlDoc::new();
        doc.open("Error", &[]);
        doc.text_element("Code", err.code());
        doc.text_element("Message", err.message());
        for (name, value) in err.fields() {
            doc.text_element(name, &value_text(value));
        }
        doc.text_element("RequestId", request_id.as_str());
        doc.text_element("HostId", request_id.host_id());
        doc.close("Error");
        *resp.body_mut() = Body::from(doc.finish());
    }
    crate::envelope::add_error_headers(&mut resp, err);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Protocol;
    use http::StatusCode;

    async fn body_string(resp: Response) -> String {
        use http_body_util::BodyExt;
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn error_document_matches_s3() {
        let id = RequestId::new(Protocol::RestXml);
        let err = ServiceError::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        )
        .with_field("BucketName", "a<b'\"&");
        let resp = error_response(&err, &id, false);
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()["content-type"], "application/xml");
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>\
             <Message>The specified bucket does not exist</Message><BucketName>a&lt;b'\"&amp;</BucketName>\
             <RequestId>{}</RequestId><HostId>{}</HostId></Error>",
            id.as_str(),
            id.host_id()
        );
        assert_eq!(body_string(resp).await, expected);
    }

    #[tokio::test]
    async fn head_errors_have_no_body() {
        let id = RequestId::new(Protocol::RestXml);
        let err = ServiceError::new(StatusCode::NOT_FOUND, "NotFound", "Not Found");
        let resp = error_response(&err, &id, true);
        assert_eq!(resp.status(), 404);
        assert_eq!(body_string(resp).await, "");
    }
}
