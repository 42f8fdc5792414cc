//! PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject, GetObjectAttributes,
//! RestoreObject, object tagging, ACLs, retention and legal hold.

use std::sync::Arc;

use http::StatusCode;
use ruststack_protocol::rest::{ByteRange, http_date, iso8601_millis, percent_decode};
use ruststack_protocol::{ServiceError, rest_xml};
use ruststack_storage::Batch;
use serde::Serialize;

use super::{Condition, check_conditions, check_write_conditions, find_version};
use crate::api::route::Op;
use crate::api::{Reply, Req};
use crate::body::{self, MAX_PUT, Received};
use crate::state::{Bucket, Checksum, ObjectMeta, Segment, Version};
use crate::xml::{self, NS};
use crate::{S3, checksum, config, error, events, persist};

/// S3's default checksum for new objects.
pub(crate) const DEFAULT_CHECKSUM: &str = "CRC64NVME";

/// Builds the version a write creates (its id and sequence are assigned under the lock).
pub(crate) struct NewVersion {
    pub(crate) key: String,
    pub(crate) size: u64,
    pub(crate) etag: String,
    pub(crate) segments: Vec<Segment>,
    pub(crate) meta: ObjectMeta,
    pub(crate) checksum: Option<Checksum>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) acl: Option<String>,
    pub(crate) owner: String,
    pub(crate) last_modified: i64,
}

impl NewVersion {
    pub(crate) fn from_received(received: &Received, key: String, now: i64) -> Self {
        Self {
            key,
            size: received.size,
            etag: format!("\"{}\"", checksum::hex(&received.md5)),
            segments: vec![Segment {
                blob: received.blob.clone(),
                inline: received.inline.clone(),
                size: received.size,
                checksum: None,
                etag: None,
            }],
            meta: ObjectMeta::default(),
            checksum: received.checksum.as_ref().map(|(a, v)| Checksum {
                algorithm: (*a).to_owned(),
                value: v.clone(),
                kind: "FULL_OBJECT".to_owned(),
            }),
            tags: Vec::new(),
            acl: None,
            owner: String::new(),
            last_modified: now,
        }
    }

    /// Stores the version as the newest of its key: commits its record and removes what it
    /// replaced. Returns the installed version and the blobs to discard.
    pub(crate) fn commit(
        self,
        s3: &S3,
        bucket: &mut Bucket,
    ) -> Result<(Arc<Version>, Vec<String>), ServiceError> {
        let version = Arc::new(Version {
            uid: super::record_id(bucket.meta.next_seq),
            key: self.key,
            seq: bucket.meta.next_seq,
            version_id: super::next_version_id(bucket),
            delete_marker: false,
            last_modified: self.last_modified,
            size: self.size,
            etag: self.etag,
            segments: self.segments,
            meta: self.meta,
            checksum: self.checksum,
            tags: self.tags,
            acl: self.acl,
            owner: self.owner,
        });
        let mut batch = Batch::new();
        let replaced = super::replaced_by_new_version(bucket, &version.key);
        if s3.keeps_records() {
            for old in &replaced {
                persist::delete_version(&mut batch, &bucket.meta.name, old);
            }
            persist::put_version(&mut batch, &bucket.meta.name, &version);
        }
        s3.commit(batch)?;
        bucket.meta.next_seq += 1;
        let replaced = super::install(bucket, Arc::clone(&version));
        Ok((version, super::blobs_of(&replaced)))
    }
}

/// Emits `name` (`ObjectCreated:Put`…) for a key to the bucket's notification targets.
pub(crate) fn notify(s3: &S3, req: &Req<'_>, bucket: &Bucket, name: &str, version: &Version) {
    if !s3.has_event_sink() {
        return;
    }
    let Some(doc) = bucket.meta.configs.get("notification") else {
        return;
    };
    let Ok(config) = events::parse(doc.as_bytes()) else {
        return;
    };
    let time = iso8601_millis(req.now());
    let created = name.starts_with("ObjectCreated");
    let principal = format!("AWS:{}", req.ctx.account_id);
    let occurrence = events::Occurrence {
        name,
        bucket: &bucket.meta.name,
        key: &version.key,
        // Only creation events describe the object's bytes, as S3's do.
        size: created.then_some(version.size),
        etag: created.then_some(version.etag.as_str()),
        version_id: bucket.versioned().then_some(version.version_id.as_str()),
        sequencer: version.seq,
        region: &bucket.meta.region,
        time: &time,
        request_id: req.ctx.request_id.as_str(),
        host_id: req.ctx.request_id.host_id(),
        principal: &principal,
    };
    for event in config.events(&occurrence) {
        s3.emit(event);
    }
}

fn check_bucket(s3: &S3, name: &str) -> Result<(), ServiceError> {
    let state = s3.read();
    super::bucket(&state, name).map(|_| ())
}

pub(crate) async fn put(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    check_bucket(s3, &req.bucket)?;
    let meta = super::meta_from_headers(&req)?;
    let tags = match req.header("x-amz-tagging") {
        Some(v) => config::parse_tagging_header(v)?,
        None => Vec::new(),
    };
    let acl = req.header("x-amz-acl").map(|a| format!("canned:{a}"));
    let body = req.take_body();
    let received = body::receive(
        s3.blobs(),
        &req.headers,
        body,
        MAX_PUT,
        Some(DEFAULT_CHECKSUM),
    )
    .await?;
    let mut new = NewVersion::from_received(&received, req.key.clone(), req.now());
    new.meta = meta;
    new.tags = tags;
    new.acl = acl;
    new.owner = req.ctx.account_id.clone();
    let (version, versioned) = write_version(s3, &req, new, "ObjectCreated:Put").await?;
    Ok(write_reply(&version, versioned))
}

/// Commits a new version (with the write conditions checked under the lock), discards the
/// blobs it replaced and emits its event. The version's bytes are new blobs of this
/// request: when the write fails they are discarded too.
pub(crate) async fn write_version(
    s3: &S3,
    req: &Req<'_>,
    new: NewVersion,
    event: &str,
) -> Result<(Arc<Version>, bool), ServiceError> {
    let bucket_name = req.bucket.clone();
    let conditions = super::WriteConditions::of(req);
    let fresh: Vec<String> = new.segments.iter().map(|s| s.blob.clone()).collect();
    let result = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &bucket_name)?;
            check_write_conditions(&conditions, bucket, &new.key)?;
            if let Some(acl) = &new.acl {
                config::check_acl(&bucket.meta.configs, acl)?;
            }
            let mut new = new;
            if bucket.meta.object_lock
                && new.meta.lock_mode.is_none()
                && let Some((mode, millis)) = config::default_retention(&bucket.meta.configs)
            {
                new.meta.lock_mode = Some(mode);
                new.meta.lock_retain_until = Some(iso8601_millis(new.last_modified + millis));
            }
            let (version, discard) = new.commit(s3, bucket)?;
            Ok((version, discard, bucket.versioned()))
        })
        .await;
    let (version, discard, versioned) = match result {
        Ok(ok) => ok,
        Err(e) => {
            // Nothing names the new bytes: they go with the failed write.
            s3.discard_blobs(fresh).await;
            return Err(e);
        }
    };
    s3.discard_blobs(discard).await;
    if s3.has_event_sink() {
        let state = s3.read();
        if let Some(bucket) = state.buckets.get(&req.bucket) {
            notify(s3, req, bucket, event, &version);
        }
    }
    Ok((version, versioned))
}

fn write_reply(version: &Version, versioned: bool) -> Reply {
    let reply = Reply::ok().header("etag", &version.etag);
    let reply = super::checksum_headers(reply, version.checksum.as_ref());
    let reply = if versioned {
        reply.header("x-amz-version-id", &version.version_id)
    } else {
        reply
    };
    super::sse_headers(reply, &version.meta)
}

/// `response-*` query parameters override these headers on GET.
const OVERRIDES: [(&str, &str); 6] = [
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

pub(crate) fn get(s3: &S3, req: &Req<'_>, head: bool) -> Result<Reply, ServiceError> {
    let version_id = req.q("versionId");
    let part_number = super::part_number(req)?;
    let range_header = req.header("range");
    if part_number.is_some() && range_header.is_some() {
        return Err(error::invalid_request(
            "Cannot specify both Range header and partNumber query parameter",
        ));
    }
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let versioned = bucket.versioned();
    let version = find_version(bucket, &req.key, version_id)?;
    if version.delete_marker {
        let reply_err = if version_id.is_some() {
            error::method_not_allowed(req.method.as_str(), "DeleteMarker").with_header(
                http::HeaderName::from_static("last-modified"),
                header_value(&http_date(version.last_modified)),
            )
        } else {
            error::no_such_key(&req.key)
        };
        return Err(reply_err
            .with_header(
                http::HeaderName::from_static("x-amz-delete-marker"),
                http::HeaderValue::from_static("true"),
            )
            .with_header(
                http::HeaderName::from_static("x-amz-version-id"),
                header_value(&version.version_id),
            ));
    }
    if !head && !version.meta.readable(req.now()) {
        return Err(invalid_object_state(
            &version.meta,
            "The operation is not valid for the object's storage class",
        ));
    }
    let mut reply = super::object_headers(Reply::ok(), &version, versioned);
    if let Some(until) = version.meta.restored_until {
        reply.set(
            "x-amz-restore",
            format!(
                "ongoing-request=\"false\", expiry-date=\"{}\"",
                http_date(until)
            ),
        );
    }
    match check_conditions(req, "", &version.etag, version.last_modified)? {
        Condition::Proceed => {}
        Condition::NotModified => {
            let mut not_modified = Reply::new(StatusCode::NOT_MODIFIED)
                .header("etag", &version.etag)
                .header("last-modified", http_date(version.last_modified));
            if versioned {
                not_modified.set("x-amz-version-id", &version.version_id);
            }
            return Ok(not_modified);
        }
    }
    let size = version.size;
    let mut whole = true;
    let (start, end) = if let Some(part) = part_number {
        let count = version.part_count();
        let (start, end) = match count {
            Some(count) => {
                let index = usize::try_from(part - 1).unwrap_or(usize::MAX);
                if index >= count {
                    return Err(part_not_satisfiable(part, count));
                }
                let start: u64 = version.segments[..index].iter().map(|s| s.size).sum();
                (start, start + version.segments[index].size)
            }
            None if part == 1 => (0, size),
            None => return Err(part_not_satisfiable(part, 1)),
        };
        if let Some(count) = count {
            reply.set("x-amz-mp-parts-count", count.to_string());
        }
        whole = false;
        (start, end.saturating_sub(1))
    } else if let Some(text) = range_header {
        match ByteRange::parse(text) {
            Some(range) => match range.resolve(size) {
                Some(r) => {
                    whole = false;
                    r
                }
                None => return Err(error::invalid_range(text, size)),
            },
            None => (0, size.saturating_sub(1)),
        }
    } else {
        (0, size.saturating_sub(1))
    };
    let len = if size == 0 { 0 } else { end - start + 1 };
    if !whole {
        reply.status = StatusCode::PARTIAL_CONTENT;
        reply.set("content-range", format!("bytes {start}-{end}/{size}"));
    }
    reply.set("accept-ranges", "bytes");
    reply.set("content-length", len.to_string());
    if whole
        && req
            .header("x-amz-checksum-mode")
            .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"))
    {
        reply = super::checksum_headers(reply, version.checksum.as_ref());
    }
    for (param, header) in OVERRIDES {
        if let Some(value) = req.q(param) {
            reply.set(header, value);
        }
    }
    if !head && len > 0 {
        let pieces = body::open_range(s3.blobs(), &version.segments, start, end)?;
        drop(state);
        reply.body = body::send(pieces);
    }
    Ok(reply)
}

fn part_not_satisfiable(part: u32, count: usize) -> ServiceError {
    ServiceError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "InvalidPartNumber",
        "The requested partnumber is not satisfiable",
    )
    .with_field("PartNumberRequested", part.to_string())
    .with_field("ActualPartCount", count.to_string())
}

fn header_value(text: &str) -> http::HeaderValue {
    http::HeaderValue::from_str(text).unwrap_or(http::HeaderValue::from_static(""))
}

/// What deleting one key (or one version) did.
pub(crate) struct Deletion {
    pub(crate) version_id: Option<String>,
    pub(crate) delete_marker: bool,
    discard: Vec<String>,
    event: Option<(&'static str, Arc<Version>)>,
}

/// Deletes `key` (a version of it with `version_id`) in a locked bucket, committing the
/// records.
/// Who deletes, when, and whether governance retention may be bypassed.
struct Deleter {
    now: i64,
    owner: String,
    bypass_governance: bool,
}

impl Deleter {
    fn of(req: &Req<'_>) -> Self {
        Self {
            now: req.now(),
            owner: req.ctx.account_id.clone(),
            bypass_governance: req
                .header("x-amz-bypass-governance-retention")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        }
    }
}

/// Object Lock: a version under legal hold, or retained (compliance, or governance without
/// the bypass header) until a future date, cannot be deleted.
fn check_lock(version: &Version, who: &Deleter) -> Result<(), ServiceError> {
    let meta = &version.meta;
    let held = meta.legal_hold.as_deref() == Some("ON");
    let retained = meta
        .lock_retain_until
        .as_deref()
        .and_then(ruststack_protocol::rest::parse_http_date)
        .is_some_and(|until| until > who.now)
        && match meta.lock_mode.as_deref() {
            Some("COMPLIANCE") => true,
            Some("GOVERNANCE") => !who.bypass_governance,
            _ => false,
        };
    if held || retained {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Access Denied because object protected by object lock.",
        ));
    }
    Ok(())
}

fn delete_one(
    s3: &S3,
    bucket: &mut Bucket,
    key: &str,
    version_id: Option<&str>,
    who: &Deleter,
) -> Result<Deletion, ServiceError> {
    let (now, owner) = (who.now, who.owner.as_str());
    let name = bucket.meta.name.clone();
    let mut batch = Batch::new();
    if let Some(id) = version_id {
        if !super::is_version_id(id) {
            return Err(error::invalid_version_id(id));
        }
        let Some(versions) = bucket.objects.get_mut(key) else {
            return Ok(Deletion {
                version_id: Some(id.to_owned()),
                delete_marker: false,
                discard: Vec::new(),
                event: None,
            });
        };
        let Some(pos) = versions.iter().position(|v| v.version_id == id) else {
            return Ok(Deletion {
                version_id: Some(id.to_owned()),
                delete_marker: false,
                discard: Vec::new(),
                event: None,
            });
        };
        let removed = Arc::clone(&versions[pos]);
        check_lock(&removed, who)?;
        persist::delete_version(&mut batch, &name, &removed);
        s3.commit(batch)?;
        versions.remove(pos);
        if versions.is_empty() {
            bucket.objects.remove(key);
        }
        return Ok(Deletion {
            version_id: Some(id.to_owned()),
            delete_marker: removed.delete_marker,
            discard: super::blobs_of(std::slice::from_ref(&removed)),
            event: Some(("ObjectRemoved:Delete", removed)),
        });
    }
    if bucket.versioned() {
        // Enabled: a new delete marker; Suspended: a `null` delete marker replacing the
        // `null` version.
        let marker = Arc::new(Version {
            uid: super::record_id(bucket.meta.next_seq),
            key: key.to_owned(),
            seq: bucket.meta.next_seq,
            version_id: super::next_version_id(bucket),
            delete_marker: true,
            last_modified: now,
            size: 0,
            etag: String::new(),
            segments: Vec::new(),
            meta: ObjectMeta::default(),
            checksum: None,
            tags: Vec::new(),
            acl: None,
            owner: owner.to_owned(),
        });
        let replaced = super::replaced_by_new_version(bucket, key);
        for old in &replaced {
            persist::delete_version(&mut batch, &name, old);
        }
        persist::put_version(&mut batch, &name, &marker);
        s3.commit(batch)?;
        bucket.meta.next_seq += 1;
        let replaced = super::install(bucket, Arc::clone(&marker));
        return Ok(Deletion {
            version_id: Some(marker.version_id.clone()),
            delete_marker: true,
            discard: super::blobs_of(&replaced),
            event: Some(("ObjectRemoved:DeleteMarkerCreated", marker)),
        });
    }
    let Some(versions) = bucket.objects.remove(key) else {
        return Ok(Deletion {
            version_id: None,
            delete_marker: false,
            discard: Vec::new(),
            event: None,
        });
    };
    for v in &versions {
        persist::delete_version(&mut batch, &name, v);
    }
    if let Err(e) = s3.commit(batch) {
        bucket.objects.insert(key.to_owned(), versions);
        return Err(e);
    }
    let event = versions.last().cloned();
    Ok(Deletion {
        version_id: None,
        delete_marker: false,
        discard: super::blobs_of(&versions),
        event: event.map(|v| ("ObjectRemoved:Delete", v)),
    })
}

pub(crate) async fn delete(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let name = req.bucket.clone();
    let key = req.key.clone();
    let version_id = req.q("versionId").map(str::to_owned);
    let who = Deleter::of(&req);
    let deletion = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &name)?;
            delete_one(s3, bucket, &key, version_id.as_deref(), &who)
        })
        .await?;
    finish_deletion(s3, &req, &deletion).await;
    let reply = Reply::no_content().opt("x-amz-version-id", deletion.version_id.as_deref());
    Ok(if deletion.delete_marker {
        reply.header("x-amz-delete-marker", "true")
    } else {
        reply
    })
}

async fn finish_deletion(s3: &S3, req: &Req<'_>, deletion: &Deletion) {
    s3.discard_blobs(deletion.discard.clone()).await;
    if let Some((name, version)) = &deletion.event {
        let state = s3.read();
        if let Some(bucket) = state.buckets.get(&req.bucket) {
            notify(s3, req, bucket, name, version);
        }
    }
}

pub(crate) async fn delete_objects(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    check_bucket(s3, &req.bucket)?;
    let body = req.document().await?;
    let doc: xml::Delete = rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
    if doc.objects.is_empty() || doc.objects.len() > 1000 {
        return Err(error::malformed_xml());
    }
    let quiet = doc
        .quiet
        .as_deref()
        .is_some_and(|q| q.eq_ignore_ascii_case("true"));
    let name = req.bucket.clone();
    let who = Deleter::of(&req);
    let objects = doc.objects;
    let results = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &name)?;
            Ok(objects
                .into_iter()
                .map(|o| {
                    let r = delete_one(s3, bucket, &o.key, o.version_id.as_deref(), &who);
                    (o, r)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let mut entries = Vec::new();
    for (object, result) in results {
        match result {
            Ok(deletion) => {
                finish_deletion(s3, &req, &deletion).await;
                if quiet {
                    continue;
                }
                let (version_id, marker_id) = match (&object.version_id, deletion.delete_marker) {
                    (Some(v), true) => (Some(v.clone()), Some(v.clone())),
                    (Some(v), false) => (Some(v.clone()), None),
                    (None, true) => (None, deletion.version_id.clone()),
                    (None, false) => (None, None),
                };
                entries.push(xml::DeleteEntry::Deleted(xml::Deleted {
                    key: object.key,
                    version_id,
                    delete_marker: deletion.delete_marker.then_some(true),
                    delete_marker_version_id: marker_id,
                }));
            }
            Err(e) => entries.push(xml::DeleteEntry::Error(xml::DeleteError {
                key: object.key,
                version_id: object.version_id,
                code: e.code().to_owned(),
                message: e.message().to_owned(),
            })),
        }
    }
    Reply::xml("DeleteResult", &xml::DeleteResult { xmlns: NS, entries })
}

/// A parsed `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded.
pub(crate) struct CopySource {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) version_id: Option<String>,
}

pub(crate) fn parse_copy_source(value: &str) -> Result<CopySource, ServiceError> {
    let invalid =
        || error::invalid_argument("Invalid copy source object key", "x-amz-copy-source", value);
    let value_trimmed = value.strip_prefix('/').unwrap_or(value);
    let (path, query) = match value_trimmed.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (value_trimmed, None),
    };
    let path = percent_decode(path).ok_or_else(invalid)?;
    let (bucket, key) = path.split_once('/').ok_or_else(invalid)?;
    if bucket.is_empty() || key.is_empty() {
        return Err(invalid());
    }
    let version_id = query.and_then(|q| form_pairs_first(q, "versionId"));
    Ok(CopySource {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id,
    })
}

fn form_pairs_first(query: &str, name: &str) -> Option<String> {
    ruststack_protocol::rest::query_map(Some(query)).remove(name)
}

/// Looks up a copy source and checks the copy-source conditions; opens its bytes in
/// `range` (inclusive) or whole.
pub(crate) fn open_copy_source(
    s3: &S3,
    req: &Req<'_>,
    source: &CopySource,
    range: Option<(u64, u64)>,
) -> Result<(Arc<Version>, bool, Vec<body::Piece>), ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &source.bucket)?;
    let version = find_version(bucket, &source.key, source.version_id.as_deref())?;
    if version.delete_marker {
        return Err(if source.version_id.is_some() {
            error::invalid_request(
                "The source of a copy request may not specifically refer to a delete marker by version id.",
            )
        } else {
            error::no_such_key(&source.key)
        });
    }
    if !version.meta.readable(req.now()) {
        return Err(invalid_object_state(
            &version.meta,
            "The source object of the COPY action is not in the active tier and is only stored in Amazon S3 Glacier.",
        ));
    }
    check_conditions(
        req,
        "x-amz-copy-source-",
        &version.etag,
        version.last_modified,
    )?;
    let (start, end) = match range {
        Some((start, end)) => {
            if end >= version.size {
                return Err(error::invalid_argument(
                    "Range specified is not valid for source object of size: ".to_owned()
                        + &version.size.to_string(),
                    "x-amz-copy-source-range",
                    req.header("x-amz-copy-source-range").unwrap_or(""),
                ));
            }
            (start, end)
        }
        None => (0, version.size.saturating_sub(1)),
    };
    let pieces = if version.size == 0 {
        Vec::new()
    } else {
        body::open_range(s3.blobs(), &version.segments, start, end)?
    };
    Ok((version, bucket.versioned(), pieces))
}

/// Whether a copy directive header says `REPLACE` (`COPY` when absent); anything else is
/// `InvalidArgument`.
fn replaces(req: &Req<'_>, header: &str, what: &str, argument: &str) -> Result<bool, ServiceError> {
    match req.header(header).unwrap_or("COPY") {
        "COPY" => Ok(false),
        "REPLACE" => Ok(true),
        other => Err(error::invalid_argument(
            format!("Unknown {what} directive."),
            argument,
            other,
        )),
    }
}

pub(crate) async fn copy(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let source_header = req
        .header("x-amz-copy-source")
        .unwrap_or_default()
        .to_owned();
    let source = parse_copy_source(&source_header)?;
    check_bucket(s3, &req.bucket)?;
    let replace = replaces(
        &req,
        "x-amz-metadata-directive",
        "metadata",
        "MetadataDirective",
    )?;
    let replace_tags = replaces(
        &req,
        "x-amz-tagging-directive",
        "tagging",
        "TaggingDirective",
    )?;
    let new_meta = super::meta_from_headers(&req)?;
    let same = source.bucket == req.bucket && source.key == req.key;
    let changes_something = replace
        || req.header("x-amz-storage-class").is_some()
        || req.header("x-amz-server-side-encryption").is_some()
        || req.header("x-amz-website-redirect-location").is_some()
        || req.header("x-amz-checksum-algorithm").is_some();
    if same && !changes_something && source.version_id.is_none() {
        return Err(error::invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    let (src, src_versioned, pieces) = open_copy_source(s3, &req, &source, None)?;
    let algorithm = match req.header("x-amz-checksum-algorithm") {
        Some(a) => Some(checksum::algorithm(a).ok_or_else(|| {
            error::invalid_request("Checksum algorithm provided is unsupported.")
        })?),
        None => src
            .checksum
            .as_ref()
            .and_then(|c| checksum::algorithm(&c.algorithm))
            .or(Some(DEFAULT_CHECKSUM)),
    };
    let tags = if replace_tags {
        match req.header("x-amz-tagging") {
            Some(v) => config::parse_tagging_header(v)?,
            None => Vec::new(),
        }
    } else {
        src.tags.clone()
    };
    let received = body::copy(s3.blobs(), pieces, algorithm).await?;
    let mut new = NewVersion::from_received(&received, req.key.clone(), req.now());
    new.meta = if replace {
        new_meta
    } else {
        // COPY keeps the content headers and user metadata; storage class, encryption,
        // website redirect and lock settings come from the copy request, as on S3.
        ObjectMeta {
            content_type: src.meta.content_type.clone(),
            content_encoding: src.meta.content_encoding.clone(),
            content_language: src.meta.content_language.clone(),
            content_disposition: src.meta.content_disposition.clone(),
            cache_control: src.meta.cache_control.clone(),
            expires: src.meta.expires.clone(),
            user: src.meta.user.clone(),
            ..new_meta
        }
    };
    new.tags = tags;
    new.acl = req.header("x-amz-acl").map(|a| format!("canned:{a}"));
    new.owner = req.ctx.account_id.clone();
    let (version, versioned) = write_version(s3, &req, new, "ObjectCreated:Copy").await?;
    let result = xml::CopyResult::new(
        iso8601_millis(version.last_modified),
        version.etag.clone(),
        version
            .checksum
            .as_ref()
            .map(|c| (c.algorithm.as_str(), c.value.as_str())),
    );
    let mut reply = Reply::xml("CopyObjectResult", &result)?;
    if versioned {
        reply.set("x-amz-version-id", &version.version_id);
    }
    if src_versioned {
        reply.set("x-amz-copy-source-version-id", &src.version_id);
    }
    Ok(super::sse_headers(reply, &version.meta))
}

#[derive(Serialize)]
struct GetObjectAttributesResponse {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(rename = "Checksum", skip_serializing_if = "Option::is_none")]
    checksum: Option<AttributesChecksum>,
    #[serde(rename = "ObjectParts", skip_serializing_if = "Option::is_none")]
    parts: Option<ObjectParts>,
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none")]
    storage_class: Option<String>,
    #[serde(rename = "ObjectSize", skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

#[derive(Serialize)]
struct AttributesChecksum {
    #[serde(rename = "$value")]
    value: Vec<ChecksumField>,
}

#[derive(Serialize)]
enum ChecksumField {
    ChecksumCRC32(String),
    ChecksumCRC32C(String),
    ChecksumCRC64NVME(String),
    ChecksumSHA1(String),
    ChecksumSHA256(String),
    ChecksumType(String),
}

fn checksum_field(algorithm: &str, value: String) -> ChecksumField {
    match algorithm {
        "CRC32" => ChecksumField::ChecksumCRC32(value),
        "CRC32C" => ChecksumField::ChecksumCRC32C(value),
        "CRC64NVME" => ChecksumField::ChecksumCRC64NVME(value),
        "SHA1" => ChecksumField::ChecksumSHA1(value),
        _ => ChecksumField::ChecksumSHA256(value),
    }
}

#[derive(Serialize)]
struct ObjectParts {
    #[serde(rename = "TotalPartsCount")]
    total: usize,
    #[serde(rename = "PartNumberMarker")]
    marker: u32,
    #[serde(rename = "NextPartNumberMarker")]
    next_marker: u32,
    #[serde(rename = "MaxParts")]
    max_parts: usize,
    #[serde(rename = "IsTruncated")]
    truncated: bool,
    #[serde(rename = "Part")]
    parts: Vec<AttributesPart>,
}

#[derive(Serialize)]
struct AttributesPart {
    #[serde(rename = "PartNumber")]
    number: usize,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "$value")]
    checksum: Vec<ChecksumField>,
}

const ATTRIBUTES: [&str; 5] = [
    "ETag",
    "Checksum",
    "ObjectParts",
    "StorageClass",
    "ObjectSize",
];

pub(crate) fn attributes(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let wanted: Vec<String> = req
        .headers
        .get_all("x-amz-object-attributes")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(error::invalid_request(
            "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
        ));
    }
    if let Some(bad) = wanted.iter().find(|a| !ATTRIBUTES.contains(&a.as_str())) {
        return Err(error::invalid_argument(
            "Invalid attribute name specified.",
            "x-amz-object-attributes",
            bad,
        ));
    }
    let want = |a: &str| wanted.iter().any(|w| w == a);
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let version = find_version(bucket, &req.key, req.q("versionId"))?;
    if version.delete_marker {
        return Err(error::no_such_key(&req.key).with_header(
            http::HeaderName::from_static("x-amz-delete-marker"),
            http::HeaderValue::from_static("true"),
        ));
    }
    let checksum = version.checksum.as_ref();
    let parts = version.part_count().map(|total| {
        let marker: u32 = req
            .q("part-number-marker")
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        let max: usize = req
            .header("x-amz-max-parts")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000);
        let all: Vec<AttributesPart> = version
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| AttributesPart {
                number: i + 1,
                size: s.size,
                checksum: match (checksum, &s.checksum) {
                    (Some(c), Some(v)) => vec![checksum_field(&c.algorithm, v.clone())],
                    _ => Vec::new(),
                },
            })
            .filter(|p| p.number > marker as usize)
            .collect();
        let truncated = all.len() > max;
        let parts: Vec<AttributesPart> = all.into_iter().take(max).collect();
        ObjectParts {
            total,
            marker,
            next_marker: parts.last().map_or(0, |p| p.number as u32),
            max_parts: max,
            truncated,
            parts,
        }
    });
    let doc = GetObjectAttributesResponse {
        xmlns: NS,
        etag: want("ETag").then(|| version.etag.trim_matches('"').to_owned()),
        checksum: checksum
            .filter(|_| want("Checksum"))
            .map(|c| AttributesChecksum {
                value: vec![
                    checksum_field(&c.algorithm, c.value.clone()),
                    ChecksumField::ChecksumType(c.kind.clone()),
                ],
            }),
        parts: parts.filter(|_| want("ObjectParts")),
        storage_class: want("StorageClass").then(|| {
            version
                .meta
                .storage_class
                .clone()
                .unwrap_or_else(|| "STANDARD".to_owned())
        }),
        size: want("ObjectSize").then_some(version.size),
    };
    let mut reply = Reply::xml("GetObjectAttributesResponse", &doc)?
        .header("last-modified", http_date(version.last_modified));
    if bucket.versioned() {
        reply.set("x-amz-version-id", &version.version_id);
    }
    Ok(reply)
}

#[derive(serde::Deserialize, Default)]
struct RestoreRequest {
    #[serde(rename = "Days", default)]
    days: Option<i64>,
}

fn invalid_object_state(meta: &ObjectMeta, message: &'static str) -> ServiceError {
    ServiceError::new(StatusCode::FORBIDDEN, "InvalidObjectState", message).with_field(
        "StorageClass",
        meta.storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".into()),
    )
}

/// RestoreObject: archived objects get a readable copy for the requested days at once
/// (202 the first time, 200 when a restored copy is extended).
pub(crate) async fn restore(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let body = req.document().await?;
    let days = if body.iter().all(u8::is_ascii_whitespace) {
        1
    } else {
        let r: RestoreRequest = rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
        r.days.unwrap_or(1)
    };
    if days < 1 {
        return Err(error::malformed_xml());
    }
    let now = req.now();
    let restored_before = {
        let state = s3.read();
        let bucket = super::bucket(&state, &req.bucket)?;
        let version = find_version(bucket, &req.key, req.q("versionId"))?;
        if version.delete_marker {
            return Err(error::no_such_key(&req.key));
        }
        if !version.meta.is_archived() {
            return Err(invalid_object_state(
                &version.meta,
                "Restore is not allowed for the object's current storage class",
            ));
        }
        version.meta.restored_until.is_some_and(|until| until > now)
    };
    update_version(s3, &req, move |v| {
        v.meta.restored_until = Some(now.saturating_add(days.saturating_mul(86_400_000)));
        Ok(())
    })
    .await?;
    Ok(if restored_before {
        Reply::ok()
    } else {
        Reply::new(StatusCode::ACCEPTED)
    })
}

/// Replaces one version with a changed copy of itself (tags, ACL, lock settings): the
/// record is rewritten in place, the bytes are shared.
async fn update_version(
    s3: &S3,
    req: &Req<'_>,
    change: impl FnOnce(&mut Version) -> Result<(), ServiceError> + Send + 'static,
) -> Result<(Arc<Version>, bool), ServiceError> {
    let name = req.bucket.clone();
    let key = req.key.clone();
    let version_id = req.q("versionId").map(str::to_owned);
    s3.write(move |s3| {
        let mut state = s3.write_lock();
        let bucket = super::bucket_mut(&mut state, &name)?;
        let current = find_version(bucket, &key, version_id.as_deref())?;
        if current.delete_marker {
            return Err(match version_id {
                Some(_) => error::method_not_allowed("PUT", "DeleteMarker"),
                None => error::no_such_key(&key),
            });
        }
        let mut updated = (*current).clone();
        change(&mut updated)?;
        let updated = Arc::new(updated);
        let mut batch = Batch::new();
        persist::put_version(&mut batch, &name, &updated);
        s3.commit(batch)?;
        let versioned = bucket.versioned();
        if let Some(slot) = bucket
            .objects
            .get_mut(&key)
            .and_then(|vs| vs.iter_mut().find(|v| v.uid == updated.uid))
        {
            *slot = Arc::clone(&updated);
        }
        Ok((updated, versioned))
    })
    .await
}

fn version_header(reply: Reply, version: &Version, versioned: bool) -> Reply {
    if versioned {
        reply.header("x-amz-version-id", &version.version_id)
    } else {
        reply
    }
}

pub(crate) fn get_tagging(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let version = find_version(bucket, &req.key, req.q("versionId"))?;
    if version.delete_marker {
        return Err(error::no_such_key(&req.key));
    }
    let reply = Reply::xml("Tagging", &xml::Tagging::of(&version.tags))?;
    Ok(version_header(reply, &version, bucket.versioned()))
}

pub(crate) async fn put_tagging(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    check_bucket(s3, &req.bucket)?;
    let body = req.document().await?;
    let tags = config::parse_tagging(&body, 10)?;
    let (version, versioned) = update_version(s3, &req, move |v| {
        v.tags = tags;
        Ok(())
    })
    .await?;
    Ok(version_header(Reply::ok(), &version, versioned))
}

pub(crate) async fn delete_tagging(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let (version, versioned) = update_version(s3, &req, |v| {
        v.tags.clear();
        Ok(())
    })
    .await?;
    Ok(version_header(Reply::no_content(), &version, versioned))
}

pub(crate) fn get_acl(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let version = find_version(bucket, &req.key, req.q("versionId"))?;
    if version.delete_marker {
        return Err(error::no_such_key(&req.key));
    }
    let reply = super::config::acl_reply(version.acl.as_deref())?;
    Ok(version_header(reply, &version, bucket.versioned()))
}

pub(crate) async fn put_acl(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    check_bucket(s3, &req.bucket)?;
    let acl = super::config::acl_from_request(&req).await?;
    {
        let state = s3.read();
        config::check_acl(&super::bucket(&state, &req.bucket)?.meta.configs, &acl)?;
    }
    let (version, versioned) = update_version(s3, &req, move |v| {
        v.acl = Some(acl);
        Ok(())
    })
    .await?;
    Ok(version_header(Reply::ok(), &version, versioned))
}

#[derive(Serialize, serde::Deserialize, Default)]
struct Retention {
    #[serde(rename = "@xmlns", skip_deserializing, default)]
    xmlns: &'static str,
    #[serde(rename = "Mode", default, skip_serializing_if = "Option::is_none")]
    mode: Option<String>,
    #[serde(
        rename = "RetainUntilDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    until: Option<String>,
}

#[derive(Serialize, serde::Deserialize, Default)]
struct LegalHold {
    #[serde(rename = "@xmlns", skip_deserializing, default)]
    xmlns: &'static str,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

fn require_lock(bucket: &Bucket) -> Result<(), ServiceError> {
    if bucket.meta.object_lock {
        Ok(())
    } else {
        Err(error::invalid_request(
            "Bucket is missing Object Lock Configuration",
        ))
    }
}

pub(crate) fn get_lock(s3: &S3, req: &Req<'_>, op: Op) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    require_lock(bucket)?;
    let version = find_version(bucket, &req.key, req.q("versionId"))?;
    if op == Op::GetObjectRetention {
        if version.meta.lock_mode.is_none() {
            return Err(ServiceError::new(
                StatusCode::NOT_FOUND,
                "NoSuchObjectLockConfiguration",
                "The specified object does not have a ObjectLock configuration",
            ));
        }
        return Reply::xml(
            "Retention",
            &Retention {
                xmlns: NS,
                mode: version.meta.lock_mode.clone(),
                until: version.meta.lock_retain_until.clone(),
            },
        );
    }
    if version.meta.legal_hold.is_none() {
        return Err(ServiceError::new(
            StatusCode::NOT_FOUND,
            "NoSuchObjectLockConfiguration",
            "The specified object does not have a ObjectLock configuration",
        ));
    }
    Reply::xml(
        "LegalHold",
        &LegalHold {
            xmlns: NS,
            status: version.meta.legal_hold.clone(),
        },
    )
}

pub(crate) async fn put_lock(s3: &S3, req: Req<'_>, op: Op) -> Result<Reply, ServiceError> {
    {
        let state = s3.read();
        require_lock(super::bucket(&state, &req.bucket)?)?;
    }
    let body = req.document().await?;
    let (version, versioned) = if op == Op::PutObjectRetention {
        let r: Retention = rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
        if r.mode
            .as_deref()
            .is_some_and(|m| m != "GOVERNANCE" && m != "COMPLIANCE")
        {
            return Err(error::malformed_xml());
        }
        update_version(s3, &req, move |v| {
            v.meta.lock_mode = r.mode;
            v.meta.lock_retain_until = r.until;
            Ok(())
        })
        .await?
    } else {
        let h: LegalHold = rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
        if h.status.as_deref().is_some_and(|s| s != "ON" && s != "OFF") {
            return Err(error::malformed_xml());
        }
        update_version(s3, &req, move |v| {
            v.meta.legal_hold = h.status;
            Ok(())
        })
        .await?
    };
    Ok(version_header(Reply::ok(), &version, versioned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources() {
        let s = parse_copy_source("/b/a%20b/c?versionId=abc").unwrap();
        assert_eq!((s.bucket.as_str(), s.key.as_str()), ("b", "a b/c"));
        assert_eq!(s.version_id.as_deref(), Some("abc"));
        let s = parse_copy_source("b/k+").unwrap();
        assert_eq!((s.key.as_str(), s.version_id), ("k+", None));
        assert!(parse_copy_source("nokey").is_err());
        assert!(parse_copy_source("/b/").is_err());
    }
}
