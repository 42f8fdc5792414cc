//! REST-XML (S3): the `<Error>` envelope and typed documents through quick-xml's serde.

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

/// The S3 document namespace, set as `xmlns` on response roots.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Serialises a typed response document under `root`, with the XML declaration.
pub fn to_document<T: serde::Serialize>(root: &str, value: &T) -> Result<Vec<u8>, ServiceError> {
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut ser = quick_xml::se::Serializer::with_root(&mut text, Some(root))
        .map_err(|e| ServiceError::internal("InternalError", e))?;
    ser.set_quote_level(quick_xml::se::QuoteLevel::Minimal);
    value
        .serialize(ser)
        .map_err(|e| ServiceError::internal("InternalError", e))?;
    Ok(text.into_bytes())
}

/// Parses a request document into a typed value; `None` when it is not well-formed or does
/// not match the shape (S3 answers `MalformedXML`).
pub fn from_document<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    quick_xml::de::from_str(text).ok()
}

/// Whether `body` is one well-formed XML document (for configurations stored as sent).
pub fn is_well_formed(body: &[u8]) -> bool {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Text(t)) if depth == 0 => {
                if !t.as_ref().trim().is_empty() {
                    return false;
                }
            }
            Ok(quick_xml::events::Event::Eof) => return depth == 0 && roots == 1,
            Ok(_) => {}
            Err(_) => return false,
        }
        buf.clear();
    }
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

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Doc {
        #[serde(rename = "@xmlns", skip_deserializing, default)]
        xmlns: &'static str,
        #[serde(rename = "Name")]
        name: String,
        #[serde(rename = "Item", default)]
        items: Vec<u32>,
    }

    #[test]
    fn typed_documents_round_trip() {
        let doc = Doc {
            xmlns: S3_NAMESPACE,
            name: "a&b\"c".to_owned(),
            items: vec![1, 2],
        };
        let text = String::from_utf8(to_document("Root", &doc).unwrap()).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>a&amp;b\"c</Name><Item>1</Item><Item>2</Item></Root>"
        );
        let back: Doc = from_document(text.as_bytes()).unwrap();
        assert_eq!(back.items, vec![1, 2]);
        assert_eq!(back.name, "a&b\"c");
        assert!(from_document::<Doc>(b"<Root><Name>x</Root>").is_none());
    }

    #[test]
    fn well_formedness() {
        assert!(is_well_formed(b"<?xml version=\"1.0\"?>\n<A><B/>t</A>"));
        assert!(is_well_formed(b"<A/>"));
        assert!(!is_well_formed(b"<A><B></A>"));
        assert!(!is_well_formed(b"<A></A><B/>"));
        assert!(!is_well_formed(b"not xml"));
        assert!(!is_well_formed(b""));
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
