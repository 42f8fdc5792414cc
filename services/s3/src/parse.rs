//! Every parser of untrusted S3 input in one entry point, for the fuzz target: request
//! documents (XML and JSON), headers with their own syntax, paths and POST policies. Each
//! takes arbitrary bytes and must neither panic nor hang.

use crate::{api, config, events, ops, xml};

/// Runs every request-document parser on `body` and every header/path parser on its text.
pub fn all(body: &[u8]) {
    use ruststack_protocol::rest_xml::{from_document, is_well_formed};
    let _ = from_document::<xml::CreateBucketConfiguration>(body);
    let _ = from_document::<xml::Delete>(body);
    let _ = from_document::<xml::CompleteMultipartUpload>(body);
    let _ = config::parse_tagging(body, 50);
    let _ = config::validate_lifecycle(body);
    let _ = config::parse_cors(body).map(|c| {
        c.find("https://a.example", "GET", &["x".to_owned()])
            .is_some()
    });
    let _ = from_document::<config::Versioning>(body);
    let _ = events::parse(body);
    let _ = is_well_formed(body);
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let _ = config::parse_tagging_header(text);
    let _ = config::policy_is_public(text);
    let _ = ops::object::parse_copy_source(text);
    let _ = ruststack_protocol::rest::ByteRange::parse(text).map(|r| r.resolve(1000));
    let _ = ruststack_protocol::rest::parse_http_date(text);
    let _ = api::route::split_path(text, None);
    let fields = vec![("key".to_owned(), "k".to_owned())];
    let _ = ops::post::check_policy(text, &fields, "bucket", 0);
}
