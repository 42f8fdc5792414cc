//! The in-memory model: buckets → keys → versions, and multipart uploads. Object bytes are
//! blobs on disk; only their ids are here.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// All buckets. The bucket namespace is global across accounts and regions, as in S3.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) buckets: BTreeMap<String, Bucket>,
}

/// A bucket: its persisted settings, its keys and its in-progress uploads.
pub(crate) struct Bucket {
    pub(crate) meta: BucketMeta,
    /// Every key's versions, oldest first; the last is the current one.
    pub(crate) objects: BTreeMap<String, Vec<Arc<Version>>>,
    pub(crate) uploads: BTreeMap<String, Upload>,
}

impl Bucket {
    pub(crate) fn new(meta: BucketMeta) -> Self {
        Self {
            meta,
            objects: BTreeMap::new(),
            uploads: BTreeMap::new(),
        }
    }

    /// The current version of `key`, if it exists and is not a delete marker.
    pub(crate) fn current(&self, key: &str) -> Option<&Arc<Version>> {
        self.objects
            .get(key)
            .and_then(|v| v.last())
            .filter(|v| !v.delete_marker)
    }

    /// Whether the bucket has any object version, delete markers included.
    pub(crate) fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub(crate) fn versioning_enabled(&self) -> bool {
        self.meta.versioning.as_deref() == Some("Enabled")
    }

    /// Whether the bucket has ever had versioning set (new versions then get ids when
    /// enabled, and `null` when suspended).
    pub(crate) fn versioned(&self) -> bool {
        self.meta.versioning.is_some()
    }
}

/// A bucket's settings, stored as one record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct BucketMeta {
    pub(crate) name: String,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) created: i64,
    /// `Enabled` or `Suspended`; `None` while never set.
    #[serde(default)]
    pub(crate) versioning: Option<String>,
    #[serde(default)]
    pub(crate) mfa_delete: Option<String>,
    #[serde(default)]
    pub(crate) object_lock: bool,
    /// Configuration documents by subresource (`cors`, `lifecycle`, `policy`…), as sent.
    #[serde(default)]
    pub(crate) configs: BTreeMap<String, String>,
    /// The next sequence number for versions in this bucket.
    #[serde(default)]
    pub(crate) next_seq: u64,
}

/// One version of one key (or a delete marker). Immutable once stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Version {
    /// The record id (unique across the bucket's history).
    pub(crate) uid: String,
    pub(crate) key: String,
    /// Order of creation within the bucket.
    pub(crate) seq: u64,
    /// `null` for versions written while versioning was never enabled or was suspended.
    pub(crate) version_id: String,
    #[serde(default)]
    pub(crate) delete_marker: bool,
    pub(crate) last_modified: i64,
    pub(crate) size: u64,
    /// Quoted, as sent in the `ETag` header.
    pub(crate) etag: String,
    /// The bytes: one blob for a simple upload, one per part for a multipart upload.
    #[serde(default)]
    pub(crate) segments: Vec<Segment>,
    #[serde(default)]
    pub(crate) meta: ObjectMeta,
    #[serde(default)]
    pub(crate) checksum: Option<Checksum>,
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    /// A canned ACL or an ACL document, as sent.
    #[serde(default)]
    pub(crate) acl: Option<String>,
    pub(crate) owner: String,
}

impl Version {
    /// Sizes of the parts a multipart object was assembled from (empty for simple uploads).
    pub(crate) fn part_count(&self) -> Option<usize> {
        (self.etag.contains('-')).then_some(self.segments.len())
    }
}

/// A run of an object's bytes: one blob, or inline bytes for small ones.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Segment {
    /// The blob id; empty when the bytes are inline.
    pub(crate) blob: String,
    #[serde(
        default,
        with = "inline_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) inline: Option<Bytes>,
    pub(crate) size: u64,
    /// The part's own checksum (multipart), for `partNumber` reads and GetObjectAttributes.
    #[serde(default)]
    pub(crate) checksum: Option<String>,
    #[serde(default)]
    pub(crate) etag: Option<String>,
}

/// The headers stored with an object and returned on GET/HEAD.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    #[serde(default)]
    pub(crate) content_encoding: Option<String>,
    #[serde(default)]
    pub(crate) content_language: Option<String>,
    #[serde(default)]
    pub(crate) content_disposition: Option<String>,
    #[serde(default)]
    pub(crate) cache_control: Option<String>,
    #[serde(default)]
    pub(crate) expires: Option<String>,
    #[serde(default)]
    pub(crate) website_redirect: Option<String>,
    #[serde(default)]
    pub(crate) storage_class: Option<String>,
    /// `x-amz-meta-*` without the prefix, names lower-cased.
    #[serde(default)]
    pub(crate) user: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) sse: Option<String>,
    #[serde(default)]
    pub(crate) sse_kms_key_id: Option<String>,
    #[serde(default)]
    pub(crate) bucket_key_enabled: Option<String>,
    #[serde(default)]
    pub(crate) sse_customer_algorithm: Option<String>,
    #[serde(default)]
    pub(crate) sse_customer_key_md5: Option<String>,
    #[serde(default)]
    pub(crate) lock_mode: Option<String>,
    #[serde(default)]
    pub(crate) lock_retain_until: Option<String>,
    #[serde(default)]
    pub(crate) legal_hold: Option<String>,
    /// Until when a restored copy of an archived object is readable (epoch millis).
    #[serde(default)]
    pub(crate) restored_until: Option<i64>,
}

impl ObjectMeta {
    /// Whether the storage class is an archive that must be restored before reading.
    pub(crate) fn is_archived(&self) -> bool {
        matches!(
            self.storage_class.as_deref(),
            Some("GLACIER" | "DEEP_ARCHIVE")
        )
    }

    /// Whether the bytes can be read at `now`: not archived, or restored.
    pub(crate) fn readable(&self, now: i64) -> bool {
        !self.is_archived() || self.restored_until.is_some_and(|until| until > now)
    }
}

/// A stored checksum: the algorithm (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`), its
/// base64 value, and whether it covers the whole object or is a checksum of part checksums.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Checksum {
    pub(crate) algorithm: String,
    pub(crate) value: String,
    /// `FULL_OBJECT` or `COMPOSITE`.
    pub(crate) kind: String,
}

/// An in-progress multipart upload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Upload {
    pub(crate) upload_id: String,
    pub(crate) key: String,
    pub(crate) initiated: i64,
    pub(crate) meta: ObjectMeta,
    #[serde(default)]
    pub(crate) checksum_algorithm: Option<String>,
    #[serde(default)]
    pub(crate) checksum_type: Option<String>,
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) acl: Option<String>,
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) parts: BTreeMap<u32, Part>,
}

/// One uploaded part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Part {
    pub(crate) etag: String,
    pub(crate) size: u64,
    pub(crate) blob: String,
    #[serde(
        default,
        with = "inline_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) inline: Option<Bytes>,
    pub(crate) last_modified: i64,
    #[serde(default)]
    pub(crate) checksum: Option<String>,
}

/// Inline bytes in records, as base64 text.
mod inline_bytes {
    use bytes::Bytes;
    use ruststack_protocol::encoding::{base64_decode, base64_encode};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => s.serialize_str(&base64_encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => base64_decode(&text)
                .map(|b| Some(Bytes::from(b)))
                .ok_or_else(|| serde::de::Error::custom("inline bytes are not base64")),
            None => Ok(None),
        }
    }
}
