//! ListObjects (v1), ListObjectsV2 and ListObjectVersions: a walk over the bucket's sorted
//! keys from the marker, folding keys under a delimiter into common prefixes.

use std::ops::Bound;
use std::sync::Arc;

use ruststack_protocol::ServiceError;
use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::rest::{iso8601_millis, percent_encode};

use crate::api::{Reply, Req};
use crate::state::{Bucket, Version};
use crate::xml::{self, NS};
use crate::{S3, error};

/// One listing entry: a key (with its versions) or a common prefix.
pub(crate) enum Entry<'a> {
    Key(&'a str, &'a [Arc<Version>]),
    Prefix(String),
}

/// Walks keys after `after` (exclusive; `None` = from the start) under `prefix`, folding
/// keys containing `delimiter` after the prefix into common prefixes, skipping keys `keep`
/// rejects. Stops after `max + 1` entries so the caller can tell whether it truncated.
pub(crate) fn walk<'a>(
    bucket: &'a Bucket,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max: usize,
    keep: impl Fn(&[Arc<Version>]) -> bool,
) -> Vec<Entry<'a>> {
    let mut out = Vec::new();
    let mut cursor: Bound<String> = match after {
        Some(a) if a >= prefix => Bound::Excluded(a.to_owned()),
        _ => Bound::Included(prefix.to_owned()),
    };
    let mut last_prefix: Option<String> = None;
    while out.len() <= max {
        let mut range = bucket
            .objects
            .range::<String, _>((cursor.clone(), Bound::Unbounded));
        let Some((key, versions)) = range.next() else {
            break;
        };
        if !key.starts_with(prefix) {
            break;
        }
        cursor = Bound::Excluded(key.clone());
        let folded = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
            key[prefix.len()..]
                .find(d)
                .map(|i| key[..prefix.len() + i + d.len()].to_owned())
        });
        match folded {
            Some(cp) => {
                let seen = last_prefix.as_deref() == Some(cp.as_str())
                    || after.is_some_and(|a| a.starts_with(&cp));
                if !seen && keep_any(bucket, &cp, &keep) {
                    out.push(Entry::Prefix(cp.clone()));
                }
                // Skip every key under this prefix.
                cursor = Bound::Excluded(format!("{cp}\u{10FFFF}"));
                last_prefix = Some(cp);
            }
            None => {
                if keep(versions) {
                    out.push(Entry::Key(key, versions));
                }
            }
        }
    }
    out
}

/// Whether any key under `cp` is kept (a prefix of only deleted keys is not listed).
fn keep_any(bucket: &Bucket, cp: &str, keep: &impl Fn(&[Arc<Version>]) -> bool) -> bool {
    bucket
        .objects
        .range::<str, _>((Bound::Included(cp), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with(cp))
        .any(|(_, v)| keep(v))
}

pub(crate) fn max_keys(req: &Req<'_>, name: &str) -> Result<usize, ServiceError> {
    match req.q(name) {
        None => Ok(1000),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| usize::try_from(n.min(1000)).unwrap_or(1000))
            .ok_or_else(|| {
                error::invalid_argument(
                    "Provided max-keys not an integer or within integer range",
                    name,
                    v,
                )
            }),
    }
}

pub(crate) fn encoding(req: &Req<'_>) -> Result<bool, ServiceError> {
    match req.q("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(error::invalid_argument(
            "Invalid Encoding Method specified in Request",
            "encoding-type",
            other,
        )),
    }
}

fn encoder(url: bool) -> impl Fn(&str) -> String {
    move |s: &str| {
        if url {
            percent_encode(s, true)
        } else {
            s.to_owned()
        }
    }
}

pub(crate) fn list_objects(s3: &S3, req: &Req<'_>, v2: bool) -> Result<Reply, ServiceError> {
    let max = max_keys(req, "max-keys")?;
    let url = encoding(req)?;
    let enc = encoder(url);
    let prefix = req.q("prefix").unwrap_or("");
    let delimiter = req.q("delimiter").filter(|d| !d.is_empty());
    let token = if v2 {
        match req.q("continuation-token") {
            Some(t) => Some(
                base64_decode(t)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        error::invalid_argument(
                            "The continuation token provided is incorrect",
                            "continuation-token",
                            t,
                        )
                    })?,
            ),
            None => None,
        }
    } else {
        None
    };
    let after = if v2 {
        token
            .clone()
            .or_else(|| req.q("start-after").map(str::to_owned))
    } else {
        req.q("marker").map(str::to_owned)
    };
    let fetch_owner = !v2 || req.q("fetch-owner").is_some_and(|v| v == "true");
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let mut entries = walk(
        bucket,
        prefix,
        delimiter,
        after.as_deref().filter(|a| !a.is_empty()),
        max,
        |versions| versions.last().is_some_and(|v| !v.delete_marker),
    );
    let truncated = entries.len() > max;
    entries.truncate(max);
    let last = entries.last().map(|e| match e {
        Entry::Key(k, _) => (*k).to_owned(),
        Entry::Prefix(p) => p.clone(),
    });
    let mut contents = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in entries {
        match entry {
            Entry::Key(key, versions) => {
                let Some(v) = versions.last() else { continue };
                contents.push(xml::Contents {
                    key: enc(key),
                    last_modified: iso8601_millis(v.last_modified),
                    etag: v.etag.clone(),
                    checksum_algorithm: v.checksum.as_ref().map(|c| c.algorithm.clone()),
                    checksum_type: v.checksum.as_ref().map(|c| c.kind.clone()),
                    size: v.size,
                    owner: fetch_owner.then_some(xml::OWNER),
                    storage_class: v
                        .meta
                        .storage_class
                        .clone()
                        .unwrap_or_else(|| "STANDARD".to_owned()),
                });
            }
            Entry::Prefix(p) => common_prefixes.push(xml::CommonPrefix { prefix: enc(&p) }),
        }
    }
    let key_count = contents.len() + common_prefixes.len();
    let doc = xml::ListBucketResult {
        xmlns: NS,
        is_truncated: truncated,
        marker: (!v2).then(|| enc(req.q("marker").unwrap_or(""))),
        next_marker: (!v2 && truncated && delimiter.is_some())
            .then(|| last.as_deref().map(&enc))
            .flatten(),
        contents,
        name: req.bucket.clone(),
        prefix: enc(prefix),
        delimiter: delimiter.map(&enc),
        max_keys: max,
        common_prefixes,
        encoding_type: url.then(|| "url".to_owned()),
        key_count: v2.then_some(key_count),
        continuation_token: if v2 {
            req.q("continuation-token").map(str::to_owned)
        } else {
            None
        },
        next_continuation_token: (v2 && truncated)
            .then(|| last.map(|l| base64_encode(l.as_bytes())))
            .flatten(),
        start_after: if v2 {
            req.q("start-after").map(&enc)
        } else {
            None
        },
    };
    Reply::xml("ListBucketResult", &doc)
}

pub(crate) fn list_versions(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let max = max_keys(req, "max-keys")?;
    let url = encoding(req)?;
    let enc = encoder(url);
    let prefix = req.q("prefix").unwrap_or("");
    let delimiter = req.q("delimiter").filter(|d| !d.is_empty());
    let key_marker = req.q("key-marker").unwrap_or("");
    let version_marker = req.q("version-id-marker").unwrap_or("");
    if !version_marker.is_empty() && key_marker.is_empty() {
        return Err(error::invalid_argument(
            "A version-id marker cannot be specified without a key marker.",
            "version-id-marker",
            version_marker,
        ));
    }
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    // With a version marker, the marker key itself still has versions to list.
    let resume_in_key = !version_marker.is_empty();
    let after: Option<String> = if key_marker.is_empty() {
        None
    } else if resume_in_key {
        // Start at the marker key (inclusive): step back to just before it.
        bucket
            .objects
            .range::<str, _>((Bound::Unbounded, Bound::Excluded(key_marker)))
            .next_back()
            .map(|(k, _)| k.clone())
            .or(Some(String::new()))
    } else {
        Some(key_marker.to_owned())
    };
    let entries = walk(
        bucket,
        prefix,
        delimiter,
        after.as_deref().filter(|a| !a.is_empty()),
        max,
        |_| true,
    );
    let mut out = Vec::new();
    let mut common_prefixes = Vec::new();
    let mut truncated = false;
    let mut next: Option<(String, String)> = None;
    'entries: for entry in entries {
        match entry {
            Entry::Prefix(p) => {
                if out.len() + common_prefixes.len() == max {
                    truncated = true;
                    break;
                }
                next = Some((p.clone(), String::new()));
                common_prefixes.push(xml::CommonPrefix { prefix: enc(&p) });
            }
            Entry::Key(key, versions) => {
                let mut newest_first: Vec<&Arc<Version>> = versions.iter().rev().collect();
                if resume_in_key && key == key_marker {
                    match newest_first
                        .iter()
                        .position(|v| v.version_id == version_marker)
                    {
                        Some(pos) => newest_first.drain(..=pos),
                        None => newest_first.drain(..0),
                    };
                }
                for v in &newest_first {
                    if out.len() + common_prefixes.len() == max {
                        truncated = true;
                        break 'entries;
                    }
                    let is_latest = std::ptr::eq(
                        Arc::as_ptr(v),
                        versions.last().map_or(std::ptr::null(), Arc::as_ptr),
                    );
                    next = Some((key.to_owned(), v.version_id.clone()));
                    out.push(if v.delete_marker {
                        xml::VersionEntry::DeleteMarker(xml::DeleteMarkerEntry {
                            key: enc(key),
                            version_id: v.version_id.clone(),
                            is_latest,
                            last_modified: iso8601_millis(v.last_modified),
                            owner: xml::OWNER,
                        })
                    } else {
                        xml::VersionEntry::Version(xml::ObjectVersionEntry {
                            key: enc(key),
                            version_id: v.version_id.clone(),
                            is_latest,
                            last_modified: iso8601_millis(v.last_modified),
                            etag: v.etag.clone(),
                            size: v.size,
                            storage_class: v
                                .meta
                                .storage_class
                                .clone()
                                .unwrap_or_else(|| "STANDARD".to_owned()),
                            owner: xml::OWNER,
                        })
                    });
                }
            }
        }
    }
    let (next_key, next_version) = match (truncated, next) {
        (true, Some((k, v))) => (Some(enc(&k)), Some(v)),
        _ => (None, None),
    };
    let doc = xml::ListVersionsResult {
        xmlns: NS,
        is_truncated: truncated,
        key_marker: enc(key_marker),
        version_id_marker: version_marker.to_owned(),
        next_key_marker: next_key,
        next_version_id_marker: next_version.filter(|v| !v.is_empty()),
        entries: out,
        name: req.bucket.clone(),
        prefix: enc(prefix),
        delimiter: delimiter.map(&enc),
        max_keys: max,
        common_prefixes,
        encoding_type: url.then(|| "url".to_owned()),
    };
    Reply::xml("ListVersionsResult", &doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{BucketMeta, ObjectMeta};

    fn bucket(keys: &[&str]) -> Bucket {
        let mut b = Bucket::new(BucketMeta {
            name: "b".into(),
            account: "a".into(),
            region: "r".into(),
            created: 0,
            versioning: None,
            mfa_delete: None,
            object_lock: false,
            configs: Default::default(),
            next_seq: 0,
        });
        for k in keys {
            b.objects.insert(
                (*k).to_owned(),
                vec![Arc::new(Version {
                    uid: String::new(),
                    key: (*k).to_owned(),
                    seq: 0,
                    version_id: "null".into(),
                    delete_marker: false,
                    last_modified: 0,
                    size: 0,
                    etag: String::new(),
                    segments: vec![],
                    meta: ObjectMeta::default(),
                    checksum: None,
                    tags: vec![],
                    acl: None,
                    owner: String::new(),
                })],
            );
        }
        b
    }

    fn names(entries: &[Entry<'_>]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match e {
                Entry::Key(k, _) => (*k).to_owned(),
                Entry::Prefix(p) => format!("P:{p}"),
            })
            .collect()
    }

    #[test]
    fn walks_with_prefix_delimiter_and_marker() {
        let b = bucket(&["a/1", "a/2", "b", "c/x/1", "c/y", "d"]);
        let all = |after: Option<&str>| names(&walk(&b, "", Some("/"), after, 10, |_| true));
        assert_eq!(all(None), ["P:a/", "b", "P:c/", "d"]);
        assert_eq!(all(Some("a/")), ["b", "P:c/", "d"]);
        assert_eq!(all(Some("a/1")), ["b", "P:c/", "d"]);
        assert_eq!(
            names(&walk(&b, "c/", Some("/"), None, 10, |_| true)),
            ["P:c/x/", "c/y"]
        );
        assert_eq!(
            names(&walk(&b, "", None, Some("b"), 2, |_| true)),
            ["c/x/1", "c/y", "d"]
        );
        assert_eq!(
            names(&walk(&b, "zz", None, None, 10, |_| true)),
            Vec::<String>::new()
        );
    }
}
