//! The operations, by area, and what they share: metadata headers in and out, conditional
//! requests, version ids.

pub(crate) mod bucket;
pub(crate) mod config;
pub(crate) mod cors;
pub(crate) mod list;
pub(crate) mod multipart;
pub(crate) mod object;
pub(crate) mod post;

use std::sync::Arc;

use http::StatusCode;
use ruststack_protocol::ServiceError;
use ruststack_protocol::rest::{http_date, parse_http_date};

use crate::api::route::Op;
use crate::api::{Reply, Req};
use crate::state::{Bucket, ObjectMeta, State, Version};
use crate::{S3, checksum, error};

pub(crate) async fn call(s3: &S3, op: Op, req: Req<'_>) -> Result<Reply, ServiceError> {
    match op {
        Op::ListBuckets => bucket::list_buckets(s3, &req),
        Op::CreateBucket => bucket::create(s3, req).await,
        Op::HeadBucket => bucket::head(s3, &req),
        Op::DeleteBucket => bucket::delete(s3, req).await,
        Op::GetBucketLocation => bucket::location(s3, &req),
        Op::GetBucketPolicyStatus => bucket::policy_status(s3, &req),
        Op::ListObjects => list::list_objects(s3, &req, false),
        Op::ListObjectsV2 => list::list_objects(s3, &req, true),
        Op::ListObjectVersions => list::list_versions(s3, &req),
        Op::ListMultipartUploads => multipart::list_uploads(s3, &req),
        Op::DeleteObjects => object::delete_objects(s3, req).await,
        Op::PostObject => post::post_object(s3, req).await,
        Op::GetConfig(kind) => config::get(s3, &req, kind),
        Op::PutConfig(kind) => config::put(s3, req, kind).await,
        Op::DeleteConfig(kind) => config::delete(s3, req, kind).await,
        Op::Preflight => cors::preflight(s3, &req),
        Op::PutObject => object::put(s3, req).await,
        Op::CopyObject => object::copy(s3, req).await,
        Op::GetObject => object::get(s3, &req, false),
        Op::HeadObject => object::get(s3, &req, true),
        Op::DeleteObject => object::delete(s3, req).await,
        Op::GetObjectAttributes => object::attributes(s3, &req),
        Op::RestoreObject => object::restore(s3, req).await,
        Op::GetObjectTagging => object::get_tagging(s3, &req),
        Op::PutObjectTagging => object::put_tagging(s3, req).await,
        Op::DeleteObjectTagging => object::delete_tagging(s3, req).await,
        Op::GetObjectAcl => object::get_acl(s3, &req),
        Op::PutObjectAcl => object::put_acl(s3, req).await,
        Op::GetObjectRetention | Op::GetObjectLegalHold => object::get_lock(s3, &req, op),
        Op::PutObjectRetention | Op::PutObjectLegalHold => object::put_lock(s3, req, op).await,
        Op::CreateMultipartUpload => multipart::create(s3, req).await,
        Op::UploadPart => multipart::upload_part(s3, req).await,
        Op::UploadPartCopy => multipart::upload_part_copy(s3, req).await,
        Op::CompleteMultipartUpload => multipart::complete(s3, req).await,
        Op::AbortMultipartUpload => multipart::abort(s3, req).await,
        Op::ListParts => multipart::list_parts(s3, &req),
        Op::SelectObjectContent => Err(error::not_implemented("SelectObjectContent")),
    }
}

/// The in-progress upload `upload_id` of `key`, or `NoSuchUpload`.
pub(crate) fn upload<'b>(
    bucket: &'b Bucket,
    upload_id: &str,
    key: &str,
) -> Result<&'b crate::state::Upload, ServiceError> {
    bucket
        .uploads
        .get(upload_id)
        .filter(|u| u.key == key)
        .ok_or_else(|| error::no_such_upload(upload_id))
}

/// The `partNumber` query parameter: 1 to 10,000, else `InvalidArgument`.
pub(crate) fn part_number(req: &Req<'_>) -> Result<Option<u32>, ServiceError> {
    let Some(text) = req.q("partNumber") else {
        return Ok(None);
    };
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .map(Some)
        .ok_or_else(|| {
            error::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                text,
            )
        })
}

/// The bucket, or `NoSuchBucket`.
pub(crate) fn bucket<'s>(state: &'s State, name: &str) -> Result<&'s Bucket, ServiceError> {
    state
        .buckets
        .get(name)
        .ok_or_else(|| error::no_such_bucket(name))
}

pub(crate) fn bucket_mut<'s>(
    state: &'s mut State,
    name: &str,
) -> Result<&'s mut Bucket, ServiceError> {
    state
        .buckets
        .get_mut(name)
        .ok_or_else(|| error::no_such_bucket(name))
}

/// A new version id: 32 URL-safe characters, as S3's.
pub(crate) fn new_version_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The record id of a version: its sequence number in the bucket, unique among the
/// bucket's live records (a number is reused only after its record is gone).
pub(crate) fn record_id(seq: u64) -> String {
    format!("{seq:016x}")
}

/// Whether `id` could be a version id this server issued (else `InvalidArgument`).
pub(crate) fn is_version_id(id: &str) -> bool {
    id == "null" || (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The version a request names (`versionId`) or the current one.
pub(crate) fn find_version(
    bucket: &Bucket,
    key: &str,
    version_id: Option<&str>,
) -> Result<Arc<Version>, ServiceError> {
    match version_id {
        None => bucket
            .objects
            .get(key)
            .and_then(|v| v.last())
            .cloned()
            .ok_or_else(|| error::no_such_key(key)),
        Some(id) => {
            if !is_version_id(id) {
                return Err(error::invalid_version_id(id));
            }
            bucket
                .objects
                .get(key)
                .and_then(|vs| vs.iter().find(|v| v.version_id == id))
                .cloned()
                .ok_or_else(|| error::no_such_version(key, id))
        }
    }
}

const STORAGE_CLASSES: [&str; 11] = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
];

/// The stored headers of an object, from a PutObject / CreateMultipartUpload / CopyObject
/// (REPLACE) request, validated as S3 does.
pub(crate) fn meta_from_headers(req: &Req<'_>) -> Result<ObjectMeta, ServiceError> {
    let h = |name: &str| req.header(name).map(str::to_owned);
    let storage_class = h("x-amz-storage-class");
    if let Some(class) = &storage_class
        && !STORAGE_CLASSES.contains(&class.as_str())
    {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "InvalidStorageClass",
            "The storage class you specified is not valid",
        )
        .with_field("StorageClassRequested", class.clone()));
    }
    let sse = h("x-amz-server-side-encryption");
    if let Some(value) = &sse
        && !matches!(value.as_str(), "AES256" | "aws:kms" | "aws:kms:dsse")
    {
        return Err(error::invalid_argument(
            "The encryption method specified is not supported",
            "x-amz-server-side-encryption",
            value,
        ));
    }
    if let Some(acl) = req.header("x-amz-acl")
        && crate::xml::canned_acl(acl).is_none()
    {
        return Err(error::invalid_argument("", "x-amz-acl", acl));
    }
    let mut user = Vec::new();
    for (name, value) in &req.headers {
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-") {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            user.push((meta.to_owned(), value));
        }
    }
    let user_size: usize = user.iter().map(|(k, v)| k.len() + v.len()).sum();
    if user_size > 2048 {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size",
        )
        .with_field("Size", user_size.to_string())
        .with_field("MaxSizeAllowed", "2048"));
    }
    let sse_kms_key_id = h("x-amz-server-side-encryption-aws-kms-key-id").or_else(|| {
        (sse.as_deref() == Some("aws:kms")).then(|| {
            format!(
                "arn:aws:kms:{}:{}:key/{}",
                req.ctx.region,
                req.ctx.account_id,
                uuid::Uuid::new_v4()
            )
        })
    });
    Ok(ObjectMeta {
        content_type: h("content-type"),
        content_encoding: h("content-encoding")
            .map(|v| {
                // `aws-chunked` describes the transfer, not the object.
                v.split(',')
                    .map(str::trim)
                    .filter(|e| *e != "aws-chunked" && !e.is_empty())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .filter(|v| !v.is_empty()),
        content_language: h("content-language"),
        content_disposition: h("content-disposition"),
        cache_control: h("cache-control"),
        expires: h("expires"),
        website_redirect: h("x-amz-website-redirect-location"),
        storage_class: storage_class.filter(|c| c != "STANDARD"),
        user,
        sse,
        sse_kms_key_id,
        bucket_key_enabled: h("x-amz-server-side-encryption-bucket-key-enabled"),
        sse_customer_algorithm: h("x-amz-server-side-encryption-customer-algorithm"),
        sse_customer_key_md5: h("x-amz-server-side-encryption-customer-key-md5"),
        lock_mode: h("x-amz-object-lock-mode"),
        lock_retain_until: h("x-amz-object-lock-retain-until-date"),
        legal_hold: h("x-amz-object-lock-legal-hold"),
        restored_until: None,
    })
}

/// The encryption headers S3 returns on writes and reads (SSE-S3 when nothing was asked).
pub(crate) fn sse_headers(reply: Reply, meta: &ObjectMeta) -> Reply {
    let reply = if meta.sse_customer_algorithm.is_some() {
        reply
    } else {
        reply.header(
            "x-amz-server-side-encryption",
            meta.sse.as_deref().unwrap_or("AES256"),
        )
    };
    reply
        .opt(
            "x-amz-server-side-encryption-aws-kms-key-id",
            meta.sse_kms_key_id.as_deref(),
        )
        .opt(
            "x-amz-server-side-encryption-bucket-key-enabled",
            meta.bucket_key_enabled.as_deref(),
        )
        .opt(
            "x-amz-server-side-encryption-customer-algorithm",
            meta.sse_customer_algorithm.as_deref(),
        )
        .opt(
            "x-amz-server-side-encryption-customer-key-md5",
            meta.sse_customer_key_md5.as_deref(),
        )
}

/// The headers of an object on GET and HEAD (not the body-related ones).
pub(crate) fn object_headers(mut reply: Reply, v: &Version, versioned: bool) -> Reply {
    let m = &v.meta;
    reply = reply
        .header("etag", &v.etag)
        .header("last-modified", http_date(v.last_modified))
        .header(
            "content-type",
            m.content_type.as_deref().unwrap_or("binary/octet-stream"),
        )
        .opt("content-encoding", m.content_encoding.as_deref())
        .opt("content-language", m.content_language.as_deref())
        .opt("content-disposition", m.content_disposition.as_deref())
        .opt("cache-control", m.cache_control.as_deref())
        .opt("expires", m.expires.as_deref())
        .opt(
            "x-amz-website-redirect-location",
            m.website_redirect.as_deref(),
        )
        .opt("x-amz-storage-class", m.storage_class.as_deref())
        .opt("x-amz-object-lock-mode", m.lock_mode.as_deref())
        .opt(
            "x-amz-object-lock-retain-until-date",
            m.lock_retain_until.as_deref(),
        )
        .opt("x-amz-object-lock-legal-hold", m.legal_hold.as_deref());
    for (name, value) in &m.user {
        reply.set(&format!("x-amz-meta-{name}"), value);
    }
    if versioned {
        reply.set("x-amz-version-id", &v.version_id);
    }
    if !v.tags.is_empty() {
        reply.set("x-amz-tagging-count", v.tags.len().to_string());
    }
    sse_headers(reply, m)
}

/// Adds `x-amz-checksum-<alg>` and `x-amz-checksum-type`.
pub(crate) fn checksum_headers(reply: Reply, checksum: Option<&crate::state::Checksum>) -> Reply {
    match checksum {
        Some(c) => reply
            .header(checksum::header_name(&c.algorithm), &c.value)
            .header("x-amz-checksum-type", &c.kind),
        None => reply,
    }
}

/// What a conditional read decided.
pub(crate) enum Condition {
    Proceed,
    NotModified,
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").trim_matches('"') == etag
    })
}

/// `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` with RFC 7232's
/// precedence (which S3 follows): a failed match is 412, a matching none-match 304.
/// `prefix` is `""` for object reads and `x-amz-copy-source-` for copies (where both
/// failures are 412).
pub(crate) fn check_conditions(
    req: &Req<'_>,
    prefix: &str,
    etag: &str,
    last_modified: i64,
) -> Result<Condition, ServiceError> {
    let name = |n: &str| format!("{prefix}{n}");
    let condition_name = |n: &str| {
        if prefix.is_empty() {
            n.to_owned()
        } else {
            format!("x-amz-copy-source-{n}")
        }
    };
    let modified_secs = last_modified.div_euclid(1000);
    let if_match = req.header(&name("if-match"));
    if let Some(list) = if_match {
        if !etag_matches(list, etag) {
            return Err(error::precondition_failed(&condition_name("If-Match")));
        }
    } else if let Some(since) = req
        .header(&name("if-unmodified-since"))
        .and_then(parse_http_date)
        && modified_secs > since.div_euclid(1000)
    {
        return Err(error::precondition_failed(&condition_name(
            "If-Unmodified-Since",
        )));
    }
    let not_modified = if let Some(list) = req.header(&name("if-none-match")) {
        etag_matches(list, etag)
    } else if let Some(since) = req
        .header(&name("if-modified-since"))
        .and_then(parse_http_date)
    {
        // A date in the future is ignored (RFC 7232 §3.3).
        since <= req.now() && modified_secs <= since.div_euclid(1000)
    } else {
        false
    };
    if not_modified {
        if prefix.is_empty() {
            return Ok(Condition::NotModified);
        }
        let which = if req.header(&name("if-none-match")).is_some() {
            "If-None-Match"
        } else {
            "If-Modified-Since"
        };
        return Err(error::precondition_failed(&condition_name(which)));
    }
    Ok(Condition::Proceed)
}

/// The conditional-write headers of a request, taken out so a write can check them under
/// the lock.
#[derive(Debug, Default)]
pub(crate) struct WriteConditions {
    if_none_match: Option<String>,
    if_match: Option<String>,
}

impl WriteConditions {
    pub(crate) fn of(req: &Req<'_>) -> Self {
        Self {
            if_none_match: req.header("if-none-match").map(str::to_owned),
            if_match: req.header("if-match").map(str::to_owned),
        }
    }
}

/// `If-None-Match: *` and `If-Match: <etag>` on writes (conditional writes).
pub(crate) fn check_write_conditions(
    conditions: &WriteConditions,
    bucket: &Bucket,
    key: &str,
) -> Result<(), ServiceError> {
    let current = bucket.current(key);
    if let Some(value) = &conditions.if_none_match {
        if value.trim() != "*" {
            return Err(error::not_implemented("If-None-Match"));
        }
        if current.is_some() {
            return Err(error::precondition_failed("If-None-Match"));
        }
    }
    if let Some(list) = &conditions.if_match {
        let Some(current) = current else {
            return Err(error::no_such_key(key));
        };
        if !etag_matches(list, &current.etag) {
            return Err(error::precondition_failed("If-Match"));
        }
    }
    Ok(())
}

/// Installs `version` as the newest version of its key: with versioning enabled it is
/// added; otherwise it replaces the key's `null` version. Returns the versions it
/// replaced (their records must be deleted and their blobs discarded).
pub(crate) fn install(bucket: &mut Bucket, version: Arc<Version>) -> Vec<Arc<Version>> {
    let enabled = bucket.versioning_enabled();
    let versions = bucket.objects.entry(version.key.clone()).or_default();
    let mut replaced = Vec::new();
    if !enabled {
        versions.retain(|v| {
            if v.version_id == "null" {
                replaced.push(Arc::clone(v));
                false
            } else {
                true
            }
        });
    }
    versions.push(version);
    replaced
}

/// The versions of `key` a new version (or delete marker) replaces: none while versioning
/// is enabled, otherwise the `null` version.
pub(crate) fn replaced_by_new_version(bucket: &Bucket, key: &str) -> Vec<Arc<Version>> {
    if bucket.versioning_enabled() {
        return Vec::new();
    }
    bucket
        .objects
        .get(key)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.version_id == "null")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The version id a new version gets in `bucket`.
pub(crate) fn next_version_id(bucket: &Bucket) -> String {
    if bucket.versioning_enabled() {
        new_version_id()
    } else {
        "null".to_owned()
    }
}

/// The blob ids of versions that no longer exist.
pub(crate) fn blobs_of(versions: &[Arc<Version>]) -> Vec<String> {
    versions
        .iter()
        .flat_map(|v| v.segments.iter().map(|s| s.blob.clone()))
        .collect()
}
