//! Browser-based uploads: `POST /<bucket>` with a `multipart/form-data` body whose fields
//! carry the key, metadata and a POST policy, and whose `file` field is the object.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use ruststack_protocol::ServiceError;
use ruststack_protocol::encoding::base64_decode;
use serde::Serialize;

use super::object::{DEFAULT_CHECKSUM, NewVersion, write_version};
use crate::api::{Reply, Req};
use crate::body::{self, MAX_PUT};
use crate::xml::NS;
use crate::{S3, config, error};

fn policy_denied(reason: impl Into<String>) -> ServiceError {
    ServiceError::new(
        StatusCode::FORBIDDEN,
        "AccessDenied",
        format!("Invalid according to Policy: {}", reason.into()),
    )
}

/// The form fields, names lower-cased (S3 treats them case-insensitively).
pub(crate) type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Checks a POST policy document (base64 JSON): its expiration and every condition.
pub(crate) fn check_policy(
    policy_b64: &str,
    fields: &Fields,
    bucket: &str,
    now_millis: i64,
) -> Result<Option<(u64, u64)>, ServiceError> {
    let invalid = || {
        ServiceError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPolicyDocument",
            "Invalid Policy: Invalid JSON.",
        )
    };
    let doc: serde_json::Value = base64_decode(policy_b64.trim())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(invalid)?;
    let expiration = doc["expiration"]
        .as_str()
        .and_then(ruststack_protocol::rest::parse_http_date)
        .ok_or_else(|| {
            ServiceError::new(
                StatusCode::BAD_REQUEST,
                "InvalidPolicyDocument",
                "Invalid Policy: Invalid 'expiration' value.",
            )
        })?;
    if expiration < now_millis {
        return Err(policy_denied("Policy expired."));
    }
    let value_of = |name: &str| -> Option<String> {
        let name = name.trim_start_matches('$').to_ascii_lowercase();
        if name == "bucket" {
            return Some(bucket.to_owned());
        }
        field(fields, &name).map(str::to_owned)
    };
    let mut length_range = None;
    let mut named: Vec<String> = Vec::new();
    for condition in doc["conditions"].as_array().into_iter().flatten() {
        match condition {
            serde_json::Value::Object(map) => {
                for (name, expected) in map {
                    named.push(name.to_ascii_lowercase());
                    if value_of(name).as_deref() != expected.as_str() {
                        let shown = serde_json::json!(["eq", format!("${name}"), expected]);
                        return Err(policy_denied(format!(
                            "Policy Condition failed: {}",
                            spaced_json(&shown)
                        )));
                    }
                }
            }
            serde_json::Value::Array(items) => {
                let failed = || {
                    policy_denied(format!(
                        "Policy Condition failed: {}",
                        spaced_json(condition)
                    ))
                };
                if let Some(name) = items.get(1).and_then(|v| v.as_str()) {
                    named.push(name.trim_start_matches('$').to_ascii_lowercase());
                }
                let op = items.first().and_then(|v| v.as_str()).unwrap_or("");
                match op.to_ascii_lowercase().as_str() {
                    "eq" | "starts-with" => {
                        let name = items.get(1).and_then(|v| v.as_str()).unwrap_or("");
                        let expected = items.get(2).and_then(|v| v.as_str()).unwrap_or("");
                        let actual = value_of(name).unwrap_or_default();
                        let ok = if op.eq_ignore_ascii_case("eq") {
                            actual == expected
                        } else {
                            actual.starts_with(expected)
                        };
                        if !ok {
                            return Err(failed());
                        }
                    }
                    "content-length-range" => {
                        let min = items.get(1).and_then(serde_json::Value::as_u64);
                        let max = items.get(2).and_then(serde_json::Value::as_u64);
                        match (min, max) {
                            (Some(min), Some(max)) => length_range = Some((min, max)),
                            _ => return Err(invalid()),
                        }
                    }
                    _ => return Err(invalid()),
                }
            }
            _ => return Err(invalid()),
        }
    }
    // Every form field must be named by a condition, except those S3 exempts.
    let extra: Vec<&str> = fields
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            !EXEMPT_FIELDS.contains(name)
                && !name.starts_with("x-ignore-")
                && !named.iter().any(|n| n == name)
        })
        .collect();
    if !extra.is_empty() {
        return Err(policy_denied(format!(
            "Extra input fields: {}",
            extra.join(", ")
        )));
    }
    Ok(length_range)
}

/// Form fields a POST policy need not name.
const EXEMPT_FIELDS: [&str; 5] = [
    "file",
    "policy",
    "x-amz-signature",
    "awsaccesskeyid",
    "signature",
];

/// JSON as S3 quotes a condition in its messages: `["eq", "$key", "a"]`.
fn spaced_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(spaced_json).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// The largest form field before the file.
const MAX_FIELD: usize = 64 * 1024;

fn too_long() -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "MaxPostPreDataLengthExceeded",
        "Your POST request fields preceeding the upload file was too large.",
    )
}

#[derive(Serialize)]
struct PostResponse {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Location")]
    location: String,
    #[serde(rename = "Bucket")]
    bucket: String,
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "ETag")]
    etag: String,
}

/// Form fields that become object headers.
fn is_header_field(name: &str) -> bool {
    name.starts_with("x-amz-meta-")
        || name.starts_with("x-amz-checksum-")
        || matches!(
            name,
            "content-type"
                | "content-encoding"
                | "content-disposition"
                | "content-language"
                | "cache-control"
                | "expires"
                | "content-md5"
                | "x-amz-storage-class"
                | "x-amz-server-side-encryption"
                | "x-amz-server-side-encryption-aws-kms-key-id"
                | "x-amz-website-redirect-location"
                | "x-amz-acl"
        )
}

pub(crate) async fn post_object(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    {
        let state = s3.read();
        super::bucket(&state, &req.bucket)?;
    }
    let boundary = req
        .header("content-type")
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| {
            ServiceError::new(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            )
            .with_field(
                "Condition",
                "Bucket POST must be of the enclosure-type multipart/form-data",
            )
        })?;
    let body = req.take_body();
    // Fields before the file are read whole, so each is bounded; the file streams.
    let limits = multer::SizeLimit::new()
        .per_field(MAX_FIELD as u64)
        .for_field("file", MAX_PUT);
    let mut form = multer::Multipart::with_constraints(
        http_body_util::BodyDataStream::new(body),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let mut fields: Fields = Vec::new();
    let malformed = |e: multer::Error| {
        if matches!(e, multer::Error::FieldSizeExceeded { .. }) {
            return too_long();
        }
        ServiceError::new(
            StatusCode::BAD_REQUEST,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        )
        .with_source(e)
    };
    let file = loop {
        let Some(part) = form.next_field().await.map_err(malformed)? else {
            return Err(error::invalid_argument(
                "POST requires exactly one file upload per request.",
                "file",
                "0",
            ));
        };
        let name = part.name().unwrap_or("").to_ascii_lowercase();
        if name == "file" {
            let filename = part.file_name().unwrap_or("").to_owned();
            break (part, filename);
        }
        let value = part.text().await.map_err(malformed)?;
        if fields.len() > 100 {
            return Err(too_long());
        }
        fields.push((name, value));
    };
    let (part, filename) = file;
    let key = field(&fields, "key")
        .ok_or_else(|| {
            error::invalid_argument(
                "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
                "key",
                "",
            )
        })?
        .replace("${filename}", &filename);
    if key.is_empty() || key.len() > 1024 {
        return Err(error::invalid_argument(
            "User key must have a length greater than 0.",
            "key",
            &key,
        ));
    }
    let length_range = match field(&fields, "policy") {
        Some(policy) => check_policy(policy, &fields, &req.bucket, req.now())?,
        None => None,
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &fields {
        if is_header_field(name)
            && let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            )
        {
            headers.insert(n, v);
        }
    }
    let form_req = Req::new(
        req.ctx,
        req.method.clone(),
        req.bucket.clone(),
        key.clone(),
        Default::default(),
        headers,
        ruststack_protocol::Body::empty(),
    );
    let meta = super::meta_from_headers(&form_req)?;
    let tags = match field(&fields, "tagging") {
        Some(doc) => config::parse_tagging(doc.as_bytes(), 10)?,
        None => Vec::new(),
    };
    let received = body::receive(
        s3.blobs(),
        &form_req.headers,
        ruststack_protocol::Body::from_stream(part),
        MAX_PUT,
        Some(DEFAULT_CHECKSUM),
    )
    .await?;
    if let Some((min, max)) = length_range
        && !(min..=max).contains(&received.size)
    {
        s3.discard_blobs(vec![received.blob.clone()]).await;
        let (code, message) = if received.size < min {
            (
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
        } else {
            (
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )
        };
        return Err(ServiceError::new(StatusCode::BAD_REQUEST, code, message)
            .with_field("ProposedSize", received.size.to_string())
            .with_field(
                if received.size < min {
                    "MinSizeAllowed"
                } else {
                    "MaxSizeAllowed"
                },
                if received.size < min { min } else { max }.to_string(),
            ));
    }
    let mut new = NewVersion::from_received(&received, key.clone(), req.now());
    new.meta = meta;
    new.tags = tags;
    new.acl = field(&fields, "acl").map(|a| format!("canned:{a}"));
    new.owner = req.ctx.account_id.clone();
    let (version, versioned) = write_version(s3, &form_req, new, "ObjectCreated:Post").await?;
    let location = format!(
        "http://{}.s3.localhost.localstack.cloud:4566/{}",
        req.bucket,
        ruststack_protocol::rest::percent_encode(&key, true)
    );
    let mut reply = if let Some(redirect) = field(&fields, "success_action_redirect")
        .or_else(|| field(&fields, "redirect"))
        .filter(|r| r.starts_with("http://") || r.starts_with("https://"))
    {
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let target = format!(
            "{redirect}{sep}bucket={}&key={}&etag={}",
            ruststack_protocol::rest::percent_encode(&req.bucket, false),
            ruststack_protocol::rest::percent_encode(&key, false),
            ruststack_protocol::rest::percent_encode(&version.etag, false),
        );
        Reply::new(StatusCode::SEE_OTHER).header("location", target)
    } else {
        match field(&fields, "success_action_status") {
            Some("200") => Reply::ok(),
            Some("201") => {
                let mut r = Reply::xml(
                    "PostResponse",
                    &PostResponse {
                        xmlns: NS,
                        location: location.clone(),
                        bucket: req.bucket.clone(),
                        key: key.clone(),
                        etag: version.etag.clone(),
                    },
                )?;
                r.status = StatusCode::CREATED;
                r
            }
            _ => Reply::no_content(),
        }
    };
    reply.set("etag", &version.etag);
    if reply.status != StatusCode::SEE_OTHER {
        reply.set("location", &location);
    }
    if versioned {
        reply.set("x-amz-version-id", &version.version_id);
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruststack_protocol::encoding::base64_encode;

    fn policy(doc: &str) -> String {
        base64_encode(doc.as_bytes())
    }

    #[test]
    fn post_policies() {
        let fields: Fields = vec![
            ("key".into(), "uploads/a.txt".into()),
            ("content-type".into(), "text/plain".into()),
        ];
        let ok = policy(
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","uploads/"],["eq","$Content-Type","text/plain"],["content-length-range",1,10]]}"#,
        );
        assert_eq!(check_policy(&ok, &fields, "b", 0).unwrap(), Some((1, 10)));
        let expired = policy(r#"{"expiration":"2000-01-01T00:00:00Z","conditions":[]}"#);
        let err = check_policy(&expired, &fields, "b", 1_000_000_000_000).unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid according to Policy: Policy expired."
        );
        let wrong = policy(
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key","other/"]]}"#,
        );
        assert_eq!(
            check_policy(&wrong, &fields, "b", 0).unwrap_err().code(),
            "AccessDenied"
        );
        assert_eq!(
            check_policy("!!", &fields, "b", 0).unwrap_err().code(),
            "InvalidPolicyDocument"
        );
    }
}
