//! Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
//! ListMultipartUploads. Parts are blobs; a completed object is the sequence of its part
//! blobs, so completing copies no bytes.

use http::StatusCode;
use ruststack_protocol::rest::{ByteRange, iso8601_millis};
use ruststack_protocol::{ServiceError, rest_xml};
use ruststack_storage::Batch;

use super::object::{self, DEFAULT_CHECKSUM, NewVersion};
use crate::api::{Reply, Req};
use crate::body::{self, MAX_PUT};
use crate::state::{Checksum, Part, Segment, Upload};
use crate::xml::{self, NS};
use crate::{S3, checksum, config, error, persist};

/// The smallest part S3 accepts, except for the last.
const MIN_PART: u64 = 5 * 1024 * 1024;

fn new_upload_id() -> String {
    // URL-safe and long, as S3's.
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub(crate) async fn create(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let meta = super::meta_from_headers(&req)?;
    let tags = match req.header("x-amz-tagging") {
        Some(v) => config::parse_tagging_header(v)?,
        None => Vec::new(),
    };
    let algorithm = match req.header("x-amz-checksum-algorithm") {
        Some(a) => Some(checksum::algorithm(a).ok_or_else(|| {
            error::invalid_request(
                "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
            )
        })?),
        None => None,
    };
    let checksum_type = match (req.header("x-amz-checksum-type"), algorithm) {
        (Some(t), _) if t != "COMPOSITE" && t != "FULL_OBJECT" => {
            return Err(error::invalid_request(
                "Value for x-amz-checksum-type header is invalid.",
            ));
        }
        (Some("FULL_OBJECT"), Some("SHA1" | "SHA256")) | (Some("COMPOSITE"), Some("CRC64NVME")) => {
            return Err(error::invalid_request(format!(
                "The {} checksum type cannot be used with the {} checksum algorithm.",
                req.header("x-amz-checksum-type").unwrap_or_default(),
                algorithm.unwrap_or_default().to_ascii_lowercase()
            )));
        }
        (Some(t), Some(_)) => Some(t.to_owned()),
        (Some(_), None) => {
            return Err(error::invalid_request(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
            ));
        }
        (None, Some("CRC64NVME")) => Some("FULL_OBJECT".to_owned()),
        (None, Some(_)) => Some("COMPOSITE".to_owned()),
        (None, None) => None,
    };
    let upload = Upload {
        upload_id: new_upload_id(),
        key: req.key.clone(),
        initiated: req.now(),
        meta,
        checksum_algorithm: algorithm.map(str::to_owned),
        checksum_type: checksum_type.clone(),
        tags,
        acl: req.header("x-amz-acl").map(|a| format!("canned:{a}")),
        owner: req.ctx.account_id.clone(),
        parts: Default::default(),
    };
    let name = req.bucket.clone();
    let upload_id = upload.upload_id.clone();
    let meta = upload.meta.clone();
    s3.write(move |s3| {
        let mut state = s3.write_lock();
        let bucket = super::bucket_mut(&mut state, &name)?;
        if let Some(acl) = &upload.acl {
            config::check_acl(&bucket.meta.configs, acl)?;
        }
        let mut batch = Batch::new();
        persist::put_upload(&mut batch, &name, &upload);
        s3.commit(batch)?;
        bucket.uploads.insert(upload.upload_id.clone(), upload);
        Ok(())
    })
    .await?;
    let reply = Reply::xml(
        "InitiateMultipartUploadResult",
        &xml::InitiateMultipartUploadResult {
            xmlns: NS,
            bucket: req.bucket.clone(),
            key: req.key.clone(),
            upload_id,
        },
    )?
    .opt("x-amz-checksum-algorithm", algorithm)
    .opt("x-amz-checksum-type", checksum_type);
    Ok(super::sse_headers(reply, &meta))
}

fn part_number(req: &Req<'_>) -> Result<u32, ServiceError> {
    super::part_number(req)?.ok_or_else(|| {
        error::invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
            "partNumber",
            "",
        )
    })
}

/// The upload's checksum algorithm, or `NoSuchUpload`.
fn upload_algorithm(
    s3: &S3,
    req: &Req<'_>,
    upload_id: &str,
) -> Result<Option<String>, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let upload = super::upload(bucket, upload_id, &req.key)?;
    Ok(upload.checksum_algorithm.clone())
}

/// Records a received part (replacing an earlier one with the same number).
async fn store_part(
    s3: &S3,
    req: &Req<'_>,
    upload_id: String,
    number: u32,
    part: Part,
) -> Result<(), ServiceError> {
    let name = req.bucket.clone();
    let key = req.key.clone();
    let blob = part.blob.clone();
    let result = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &name)?;
            let mut updated = super::upload(bucket, &upload_id, &key)?.clone();
            let old = updated.parts.insert(number, part);
            let mut batch = Batch::new();
            persist::put_upload(&mut batch, &name, &updated);
            s3.commit(batch)?;
            bucket.uploads.insert(upload_id, updated);
            Ok(old.map(|p| p.blob))
        })
        .await;
    match result {
        Ok(old) => {
            s3.discard_blobs(old.into_iter().collect()).await;
            Ok(())
        }
        Err(e) => {
            s3.discard_blobs(vec![blob]).await;
            Err(e)
        }
    }
}

pub(crate) async fn upload_part(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let number = part_number(&req)?;
    let upload_id = req.q("uploadId").unwrap_or_default().to_owned();
    let algorithm = upload_algorithm(s3, &req, &upload_id)?;
    let default = algorithm
        .as_deref()
        .and_then(checksum::algorithm)
        .or(Some(DEFAULT_CHECKSUM));
    let body = req.take_body();
    let received = body::receive(s3.blobs(), &req.headers, body, MAX_PUT, default).await?;
    if let (Some(want), Some((got, _))) = (algorithm.as_deref(), &received.checksum)
        && want != *got
    {
        s3.discard_blobs(vec![received.blob.clone()]).await;
        return Err(error::invalid_request(format!(
            "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
            want.to_ascii_lowercase(),
            got.to_ascii_lowercase()
        )));
    }
    let etag = format!("\"{}\"", checksum::hex(&received.md5));
    let part = Part {
        etag: etag.clone(),
        size: received.size,
        blob: received.blob.clone(),
        inline: received.inline.clone(),
        last_modified: req.now(),
        // Only a checksum of the upload's algorithm (or the default one) can be combined
        // into the object's checksum at completion.
        checksum: received
            .checksum
            .as_ref()
            .filter(|(alg, _)| Some(*alg) == default)
            .map(|(_, v)| v.clone()),
    };
    store_part(s3, &req, upload_id, number, part).await?;
    let mut reply = Reply::ok().header("etag", &etag);
    // The checksum is echoed only when the client asked for one.
    if let Some((alg, value)) = &received.checksum
        && (algorithm.is_some() || body::requested_algorithm(&req.headers)?.is_some())
    {
        reply.set(checksum::header_name(alg), value);
    }
    Ok(reply.header("x-amz-server-side-encryption", "AES256"))
}

pub(crate) async fn upload_part_copy(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let number = part_number(&req)?;
    let upload_id = req.q("uploadId").unwrap_or_default().to_owned();
    let algorithm = upload_algorithm(s3, &req, &upload_id)?;
    let source = object::parse_copy_source(req.header("x-amz-copy-source").unwrap_or_default())?;
    let range = match req.header("x-amz-copy-source-range") {
        Some(text) => match ByteRange::parse(text) {
            Some(ByteRange::From {
                first,
                last: Some(last),
            }) => Some((first, last)),
            _ => {
                return Err(error::invalid_argument(
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                    "x-amz-copy-source-range",
                    text,
                ));
            }
        },
        None => None,
    };
    let (src, src_versioned, pieces) = object::open_copy_source(s3, &req, &source, range)?;
    let alg = algorithm
        .as_deref()
        .and_then(checksum::algorithm)
        .or(Some(DEFAULT_CHECKSUM));
    let received = body::copy(s3.blobs(), pieces, alg).await?;
    let etag = format!("\"{}\"", checksum::hex(&received.md5));
    let now = req.now();
    let part = Part {
        etag: etag.clone(),
        size: received.size,
        blob: received.blob.clone(),
        inline: received.inline.clone(),
        last_modified: now,
        checksum: received.checksum.as_ref().map(|(_, v)| v.clone()),
    };
    store_part(s3, &req, upload_id, number, part).await?;
    let shown = received
        .checksum
        .as_ref()
        .filter(|_| algorithm.is_some())
        .map(|(a, v)| (*a, v.as_str()));
    let mut reply = Reply::xml(
        "CopyPartResult",
        &xml::CopyResult::new(iso8601_millis(now), etag, shown),
    )?;
    if src_versioned {
        reply.set("x-amz-copy-source-version-id", &src.version_id);
    }
    Ok(reply)
}

pub(crate) async fn complete(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let upload_id = req.q("uploadId").unwrap_or_default().to_owned();
    upload_algorithm(s3, &req, &upload_id)?;
    let body = req.document().await?;
    let doc: xml::CompleteMultipartUpload =
        rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
    if doc.parts.is_empty() {
        return Err(error::malformed_xml());
    }
    let name = req.bucket.clone();
    let key = req.key.clone();
    let now = req.now();
    let (new, unused) = {
        let state = s3.read();
        let bucket = super::bucket(&state, &name)?;
        let upload = super::upload(bucket, &upload_id, &key)?;
        assemble(upload, &doc, &upload_id, now)?
    };
    let upload_for_write = upload_id.clone();
    let bucket_name = name.clone();
    let conditions = super::WriteConditions::of(&req);
    let (version, versioned, unused_blobs) = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &bucket_name)?;
            super::upload(bucket, &upload_for_write, &new.key)?;
            super::check_write_conditions(&conditions, bucket, &new.key)?;
            let mut batch = Batch::new();
            persist::delete_upload(&mut batch, &bucket_name, &upload_for_write);
            s3.commit(batch)?;
            bucket.uploads.remove(&upload_for_write);
            let (version, discard) = new.commit(s3, bucket)?;
            let mut blobs = discard;
            blobs.extend(unused);
            Ok((version, bucket.versioned(), blobs))
        })
        .await?;
    s3.discard_blobs(unused_blobs).await;
    {
        let state = s3.read();
        if let Some(bucket) = state.buckets.get(&name) {
            object::notify(
                s3,
                &req,
                bucket,
                "ObjectCreated:CompleteMultipartUpload",
                &version,
            );
        }
    }
    let c = version.checksum.as_ref();
    let doc = xml::CompleteMultipartUploadResult {
        xmlns: NS,
        location: format!("http://{name}.s3.localhost.localstack.cloud:4566/{key}"),
        bucket: name.clone(),
        key: key.clone(),
        etag: version.etag.clone(),
        checksums: xml::ChecksumValues::of(c.map(|c| (c.algorithm.as_str(), c.value.as_str()))),
        checksum_type: c.map(|c| c.kind.clone()),
    };
    let mut reply = Reply::xml("CompleteMultipartUploadResult", &doc)?;
    if versioned {
        reply.set("x-amz-version-id", &version.version_id);
    }
    Ok(super::sse_headers(reply, &version.meta))
}

/// Checks the part list against the upload and builds the object; also returns the blobs
/// of uploaded parts the list left out.
fn assemble(
    upload: &Upload,
    doc: &xml::CompleteMultipartUpload,
    upload_id: &str,
    now: i64,
) -> Result<(NewVersion, Vec<String>), ServiceError> {
    let algorithm = upload.checksum_algorithm.as_deref();
    // The order is checked for the whole list before any part is looked at.
    if doc
        .parts
        .windows(2)
        .any(|w| w[1].part_number <= w[0].part_number)
    {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        )
        .with_field("UploadId", upload_id.to_owned()));
    }
    let mut chosen: Vec<(u32, &Part)> = Vec::new();
    for (i, p) in doc.parts.iter().enumerate() {
        let invalid_part = || {
            ServiceError::new(
                StatusCode::BAD_REQUEST,
                "InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            )
            .with_field("UploadId", upload_id.to_owned())
            .with_field("PartNumber", p.part_number.to_string())
            .with_field("ETag", p.etag.clone())
        };
        let number = u32::try_from(p.part_number).map_err(|_| invalid_part())?;
        let stored = upload.parts.get(&number).ok_or_else(invalid_part)?;
        if stored.etag.trim_matches('"') != p.etag.trim().trim_matches('"') {
            return Err(invalid_part());
        }
        if let Some(alg) = algorithm {
            match p.checksum(alg) {
                None if upload.checksum_type.as_deref() == Some("COMPOSITE") => {
                    return Err(error::invalid_request(format!(
                        "The upload was created using a {} checksum. The complete request must include the checksum for each part. It was missing for part {} in the request.",
                        alg.to_ascii_lowercase(),
                        p.part_number
                    )));
                }
                Some(sent) if Some(sent) != stored.checksum.as_deref() => {
                    return Err(invalid_part());
                }
                _ => {}
            }
        }
        let last = i + 1 == doc.parts.len();
        if !last && stored.size < MIN_PART {
            return Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
            .with_field("ProposedSize", stored.size.to_string())
            .with_field("MinSizeAllowed", MIN_PART.to_string())
            .with_field("PartNumber", p.part_number.to_string())
            .with_field("ETag", p.etag.clone()));
        }
        chosen.push((number, stored));
    }
    let etags: Vec<&str> = chosen.iter().map(|(_, p)| p.etag.as_str()).collect();
    let size: u64 = chosen.iter().map(|(_, p)| p.size).sum();
    let checksum_alg = algorithm.unwrap_or(DEFAULT_CHECKSUM);
    let kind = upload
        .checksum_type
        .clone()
        .unwrap_or_else(|| "FULL_OBJECT".to_owned());
    let part_checksums: Option<Vec<&str>> =
        chosen.iter().map(|(_, p)| p.checksum.as_deref()).collect();
    let checksum = part_checksums.and_then(|sums| {
        let value = if kind == "COMPOSITE" {
            checksum::composite(checksum_alg, &sums)?
        } else {
            let with_len: Vec<(&str, u64)> = sums
                .iter()
                .zip(&chosen)
                .map(|(s, (_, p))| (*s, p.size))
                .collect();
            checksum::combine_crc(checksum_alg, &with_len)?
        };
        Some(Checksum {
            algorithm: checksum_alg.to_owned(),
            value,
            kind: kind.clone(),
        })
    });
    let used: std::collections::HashSet<u32> = chosen.iter().map(|(n, _)| *n).collect();
    let unused = upload
        .parts
        .iter()
        .filter(|(n, _)| !used.contains(n))
        .map(|(_, p)| p.blob.clone())
        .collect();
    let segments = chosen
        .iter()
        .map(|(_, p)| Segment {
            blob: p.blob.clone(),
            inline: p.inline.clone(),
            size: p.size,
            checksum: p.checksum.clone(),
            etag: Some(p.etag.clone()),
        })
        .collect();
    Ok((
        NewVersion {
            key: upload.key.clone(),
            size,
            etag: checksum::multipart_etag(&etags),
            segments,
            meta: upload.meta.clone(),
            checksum,
            tags: upload.tags.clone(),
            acl: upload.acl.clone(),
            owner: upload.owner.clone(),
            last_modified: now,
        },
        unused,
    ))
}

pub(crate) async fn abort(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let upload_id = req.q("uploadId").unwrap_or_default().to_owned();
    let name = req.bucket.clone();
    let key = req.key.clone();
    let blobs = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket_mut(&mut state, &name)?;
            super::upload(bucket, &upload_id, &key)?;
            let mut batch = Batch::new();
            persist::delete_upload(&mut batch, &name, &upload_id);
            s3.commit(batch)?;
            Ok(bucket
                .uploads
                .remove(&upload_id)
                .map(|u| u.parts.into_values().map(|p| p.blob).collect())
                .unwrap_or_default())
        })
        .await?;
    s3.discard_blobs(blobs).await;
    Ok(Reply::no_content())
}

fn part_entry(number: u32, part: &Part, algorithm: Option<&str>) -> xml::PartEntry {
    xml::PartEntry {
        part_number: number,
        last_modified: iso8601_millis(part.last_modified),
        etag: part.etag.clone(),
        size: part.size,
        checksums: xml::ChecksumValues::of(algorithm.zip(part.checksum.as_deref())),
    }
}

pub(crate) fn list_parts(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let upload_id = req.q("uploadId").unwrap_or_default();
    let marker: u32 = match req.q("part-number-marker") {
        Some(m) => m.parse().map_err(|_| {
            error::invalid_argument(
                "Provided part-number-marker not an integer or within integer range",
                "part-number-marker",
                m,
            )
        })?,
        None => 0,
    };
    let max = super::list::max_keys(req, "max-parts")?;
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let upload = super::upload(bucket, upload_id, &req.key)?;
    let algorithm = upload.checksum_algorithm.as_deref();
    let mut parts: Vec<xml::PartEntry> = upload
        .parts
        .range(marker.saturating_add(1)..)
        .take(max + 1)
        .map(|(n, p)| part_entry(*n, p, algorithm))
        .collect();
    let truncated = parts.len() > max;
    parts.truncate(max);
    let doc = xml::ListPartsResult {
        xmlns: NS,
        bucket: req.bucket.clone(),
        key: req.key.clone(),
        upload_id: upload_id.to_owned(),
        part_number_marker: marker,
        next_part_number_marker: parts.last().map_or(0, |p| p.part_number),
        max_parts: max,
        is_truncated: truncated,
        parts,
        initiator: xml::OWNER,
        owner: xml::OWNER,
        storage_class: upload
            .meta
            .storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".to_owned()),
        checksum_algorithm: upload.checksum_algorithm.clone(),
        checksum_type: upload.checksum_type.clone(),
    };
    Reply::xml("ListPartsResult", &doc)
}

pub(crate) fn list_uploads(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let max = super::list::max_keys(req, "max-uploads")?;
    let url = super::list::encoding(req)?;
    let enc = |s: &str| {
        if url {
            ruststack_protocol::rest::percent_encode(s, true)
        } else {
            s.to_owned()
        }
    };
    let prefix = req.q("prefix").unwrap_or("");
    let delimiter = req.q("delimiter").filter(|d| !d.is_empty());
    let key_marker = req.q("key-marker").unwrap_or("");
    let upload_marker = req.q("upload-id-marker").unwrap_or("");
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let mut sorted: Vec<&Upload> = bucket
        .uploads
        .values()
        .filter(|u| u.key.starts_with(prefix))
        .collect();
    sorted.sort_by(|a, b| {
        (&a.key, a.initiated, &a.upload_id).cmp(&(&b.key, b.initiated, &b.upload_id))
    });
    // Resume after (key-marker, upload-id-marker).
    if !key_marker.is_empty() {
        sorted.retain(|u| {
            u.key.as_str() > key_marker
                || (!upload_marker.is_empty()
                    && u.key == key_marker
                    && u.upload_id.as_str() > upload_marker)
        });
    }
    let mut uploads = Vec::new();
    let mut common_prefixes: Vec<xml::CommonPrefix> = Vec::new();
    let mut last_cp: Option<String> = None;
    let mut truncated = false;
    let mut next: Option<(String, String)> = None;
    for u in sorted {
        let cp = delimiter.and_then(|d| {
            u.key[prefix.len()..]
                .find(d)
                .map(|i| u.key[..prefix.len() + i + d.len()].to_owned())
        });
        if let Some(cp) = &cp
            && last_cp.as_ref() == Some(cp)
        {
            continue;
        }
        if uploads.len() + common_prefixes.len() == max {
            truncated = true;
            break;
        }
        match cp {
            Some(cp) => {
                next = Some((cp.clone(), String::new()));
                common_prefixes.push(xml::CommonPrefix { prefix: enc(&cp) });
                last_cp = Some(cp);
            }
            None => {
                next = Some((u.key.clone(), u.upload_id.clone()));
                uploads.push(xml::UploadEntry {
                    key: enc(&u.key),
                    upload_id: u.upload_id.clone(),
                    initiator: xml::OWNER,
                    owner: xml::OWNER,
                    storage_class: u
                        .meta
                        .storage_class
                        .clone()
                        .unwrap_or_else(|| "STANDARD".to_owned()),
                    initiated: iso8601_millis(u.initiated),
                    checksum_algorithm: u.checksum_algorithm.clone(),
                });
            }
        }
    }
    let (next_key, next_upload) = match (truncated, next) {
        (true, Some((k, u))) => (Some(enc(&k)), Some(u)),
        _ => (None, None),
    };
    let doc = xml::ListMultipartUploadsResult {
        xmlns: NS,
        bucket: req.bucket.clone(),
        key_marker: enc(key_marker),
        upload_id_marker: upload_marker.to_owned(),
        next_key_marker: next_key,
        next_upload_id_marker: next_upload,
        prefix: enc(prefix),
        delimiter: delimiter.map(&enc),
        max_uploads: max,
        is_truncated: truncated,
        uploads,
        common_prefixes,
        encoding_type: url.then(|| "url".to_owned()),
    };
    Reply::xml("ListMultipartUploadsResult", &doc)
}
