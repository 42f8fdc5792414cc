//! Typed request and response documents (botocore's S3 shapes), serialised by quick-xml.

use serde::{Deserialize, Serialize};

use crate::{OWNER_ID, OWNER_NAME};

pub(crate) use ruststack_protocol::rest_xml::S3_NAMESPACE as NS;

#[derive(Serialize)]
pub(crate) struct Owner {
    #[serde(rename = "ID")]
    pub(crate) id: &'static str,
    #[serde(rename = "DisplayName")]
    pub(crate) display_name: &'static str,
}

pub(crate) const OWNER: Owner = Owner {
    id: OWNER_ID,
    display_name: OWNER_NAME,
};

#[derive(Serialize)]
pub(crate) struct ListAllMyBucketsResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
    #[serde(rename = "Buckets")]
    pub(crate) buckets: Buckets,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub(crate) continuation_token: Option<String>,
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none")]
    pub(crate) prefix: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Buckets {
    #[serde(rename = "Bucket")]
    pub(crate) buckets: Vec<BucketEntry>,
}

#[derive(Serialize)]
pub(crate) struct BucketEntry {
    #[serde(rename = "Name")]
    pub(crate) name: String,
    #[serde(rename = "CreationDate")]
    pub(crate) creation_date: String,
    #[serde(rename = "BucketRegion")]
    pub(crate) region: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CreateBucketConfiguration {
    #[serde(rename = "LocationConstraint", default)]
    pub(crate) location_constraint: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct LocationConstraint {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "$text", skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Contents {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_type: Option<String>,
    #[serde(rename = "Size")]
    pub(crate) size: u64,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<Owner>,
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: String,
}

#[derive(Serialize)]
pub(crate) struct CommonPrefix {
    #[serde(rename = "Prefix")]
    pub(crate) prefix: String,
}

/// ListObjects (v1) and ListObjectsV2 share the root; the members differ.
#[derive(Serialize)]
pub(crate) struct ListBucketResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "IsTruncated")]
    pub(crate) is_truncated: bool,
    #[serde(rename = "Marker", skip_serializing_if = "Option::is_none")]
    pub(crate) marker: Option<String>,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none")]
    pub(crate) next_marker: Option<String>,
    #[serde(rename = "Contents")]
    pub(crate) contents: Vec<Contents>,
    #[serde(rename = "Name")]
    pub(crate) name: String,
    #[serde(rename = "Prefix")]
    pub(crate) prefix: String,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub(crate) delimiter: Option<String>,
    #[serde(rename = "MaxKeys")]
    pub(crate) max_keys: usize,
    #[serde(rename = "CommonPrefixes")]
    pub(crate) common_prefixes: Vec<CommonPrefix>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub(crate) encoding_type: Option<String>,
    #[serde(rename = "KeyCount", skip_serializing_if = "Option::is_none")]
    pub(crate) key_count: Option<usize>,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub(crate) continuation_token: Option<String>,
    #[serde(
        rename = "NextContinuationToken",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) next_continuation_token: Option<String>,
    #[serde(rename = "StartAfter", skip_serializing_if = "Option::is_none")]
    pub(crate) start_after: Option<String>,
}

#[derive(Serialize)]
pub(crate) enum VersionEntry {
    Version(ObjectVersionEntry),
    DeleteMarker(DeleteMarkerEntry),
}

#[derive(Serialize)]
pub(crate) struct ObjectVersionEntry {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "VersionId")]
    pub(crate) version_id: String,
    #[serde(rename = "IsLatest")]
    pub(crate) is_latest: bool,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(rename = "Size")]
    pub(crate) size: u64,
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: String,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
}

#[derive(Serialize)]
pub(crate) struct DeleteMarkerEntry {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "VersionId")]
    pub(crate) version_id: String,
    #[serde(rename = "IsLatest")]
    pub(crate) is_latest: bool,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
}

#[derive(Serialize)]
pub(crate) struct ListVersionsResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "IsTruncated")]
    pub(crate) is_truncated: bool,
    #[serde(rename = "KeyMarker")]
    pub(crate) key_marker: String,
    #[serde(rename = "VersionIdMarker")]
    pub(crate) version_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub(crate) next_key_marker: Option<String>,
    #[serde(
        rename = "NextVersionIdMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) next_version_id_marker: Option<String>,
    #[serde(rename = "$value")]
    pub(crate) entries: Vec<VersionEntry>,
    #[serde(rename = "Name")]
    pub(crate) name: String,
    #[serde(rename = "Prefix")]
    pub(crate) prefix: String,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub(crate) delimiter: Option<String>,
    #[serde(rename = "MaxKeys")]
    pub(crate) max_keys: usize,
    #[serde(rename = "CommonPrefixes")]
    pub(crate) common_prefixes: Vec<CommonPrefix>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub(crate) encoding_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delete {
    #[serde(rename = "Object", default)]
    pub(crate) objects: Vec<ObjectIdentifier>,
    #[serde(rename = "Quiet", default)]
    pub(crate) quiet: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ObjectIdentifier {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "VersionId", default)]
    pub(crate) version_id: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct DeleteResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "$value")]
    pub(crate) entries: Vec<DeleteEntry>,
}

#[derive(Serialize)]
pub(crate) enum DeleteEntry {
    Deleted(Deleted),
    Error(DeleteError),
}

#[derive(Serialize)]
pub(crate) struct Deleted {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub(crate) version_id: Option<String>,
    #[serde(rename = "DeleteMarker", skip_serializing_if = "Option::is_none")]
    pub(crate) delete_marker: Option<bool>,
    #[serde(
        rename = "DeleteMarkerVersionId",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) delete_marker_version_id: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct DeleteError {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub(crate) version_id: Option<String>,
    #[serde(rename = "Code")]
    pub(crate) code: String,
    #[serde(rename = "Message")]
    pub(crate) message: String,
}

#[derive(Serialize)]
pub(crate) struct CopyResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(flatten)]
    pub(crate) checksums: ChecksumValues,
}

impl CopyResult {
    pub(crate) fn new(last_modified: String, etag: String, checksum: Option<(&str, &str)>) -> Self {
        Self {
            xmlns: NS,
            last_modified,
            etag,
            checksums: ChecksumValues::of(checksum),
        }
    }
}

/// The `Checksum<ALGORITHM>` members several results carry; at most one is set.
#[derive(Serialize, Default)]
pub(crate) struct ChecksumValues {
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub(crate) crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub(crate) crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", skip_serializing_if = "Option::is_none")]
    pub(crate) crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub(crate) sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub(crate) sha256: Option<String>,
}

impl ChecksumValues {
    /// The member for `(algorithm, value)`, if any.
    pub(crate) fn of(checksum: Option<(&str, &str)>) -> Self {
        let mut c = Self::default();
        if let Some((alg, value)) = checksum {
            let slot = match alg {
                "CRC32" => &mut c.crc32,
                "CRC32C" => &mut c.crc32c,
                "CRC64NVME" => &mut c.crc64nvme,
                "SHA1" => &mut c.sha1,
                _ => &mut c.sha256,
            };
            *slot = Some(value.to_owned());
        }
        c
    }
}

#[derive(Serialize)]
pub(crate) struct InitiateMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: String,
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "UploadId")]
    pub(crate) upload_id: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    pub(crate) parts: Vec<CompletedPart>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CompletedPart {
    #[serde(rename = "PartNumber")]
    pub(crate) part_number: i64,
    #[serde(rename = "ETag", default)]
    pub(crate) etag: String,
    #[serde(rename = "ChecksumCRC32", default)]
    pub(crate) crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", default)]
    pub(crate) crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", default)]
    pub(crate) crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", default)]
    pub(crate) sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", default)]
    pub(crate) sha256: Option<String>,
}

impl CompletedPart {
    pub(crate) fn checksum(&self, algorithm: &str) -> Option<&str> {
        match algorithm {
            "CRC32" => self.crc32.as_deref(),
            "CRC32C" => self.crc32c.as_deref(),
            "CRC64NVME" => self.crc64nvme.as_deref(),
            "SHA1" => self.sha1.as_deref(),
            "SHA256" => self.sha256.as_deref(),
            _ => None,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct CompleteMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Location")]
    pub(crate) location: String,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: String,
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(flatten)]
    pub(crate) checksums: ChecksumValues,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_type: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct PartEntry {
    #[serde(rename = "PartNumber")]
    pub(crate) part_number: u32,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
    #[serde(rename = "ETag")]
    pub(crate) etag: String,
    #[serde(rename = "Size")]
    pub(crate) size: u64,
    #[serde(flatten)]
    pub(crate) checksums: ChecksumValues,
}

#[derive(Serialize)]
pub(crate) struct ListPartsResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: String,
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "UploadId")]
    pub(crate) upload_id: String,
    #[serde(rename = "PartNumberMarker")]
    pub(crate) part_number_marker: u32,
    #[serde(rename = "NextPartNumberMarker")]
    pub(crate) next_part_number_marker: u32,
    #[serde(rename = "MaxParts")]
    pub(crate) max_parts: usize,
    #[serde(rename = "IsTruncated")]
    pub(crate) is_truncated: bool,
    #[serde(rename = "Part")]
    pub(crate) parts: Vec<PartEntry>,
    #[serde(rename = "Initiator")]
    pub(crate) initiator: Owner,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_algorithm: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_type: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct UploadEntry {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "UploadId")]
    pub(crate) upload_id: String,
    #[serde(rename = "Initiator")]
    pub(crate) initiator: Owner,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
    #[serde(rename = "StorageClass")]
    pub(crate) storage_class: String,
    #[serde(rename = "Initiated")]
    pub(crate) initiated: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_algorithm: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct ListMultipartUploadsResult {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub(crate) bucket: String,
    #[serde(rename = "KeyMarker")]
    pub(crate) key_marker: String,
    #[serde(rename = "UploadIdMarker")]
    pub(crate) upload_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub(crate) next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", skip_serializing_if = "Option::is_none")]
    pub(crate) next_upload_id_marker: Option<String>,
    #[serde(rename = "Prefix")]
    pub(crate) prefix: String,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub(crate) delimiter: Option<String>,
    #[serde(rename = "MaxUploads")]
    pub(crate) max_uploads: usize,
    #[serde(rename = "IsTruncated")]
    pub(crate) is_truncated: bool,
    #[serde(rename = "Upload")]
    pub(crate) uploads: Vec<UploadEntry>,
    #[serde(rename = "CommonPrefixes")]
    pub(crate) common_prefixes: Vec<CommonPrefix>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub(crate) encoding_type: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct AccessControlPolicy {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Owner")]
    pub(crate) owner: Owner,
    #[serde(rename = "AccessControlList")]
    pub(crate) list: AccessControlList,
}

#[derive(Serialize)]
pub(crate) struct AccessControlList {
    #[serde(rename = "Grant")]
    pub(crate) grants: Vec<Grant>,
}

#[derive(Serialize)]
pub(crate) struct Grant {
    #[serde(rename = "Grantee")]
    pub(crate) grantee: Grantee,
    #[serde(rename = "Permission")]
    pub(crate) permission: &'static str,
}

#[derive(Serialize)]
pub(crate) struct Grantee {
    #[serde(rename = "@xmlns:xsi")]
    pub(crate) xmlns_xsi: &'static str,
    #[serde(rename = "@xsi:type")]
    pub(crate) kind: &'static str,
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<&'static str>,
    #[serde(rename = "DisplayName", skip_serializing_if = "Option::is_none")]
    pub(crate) display_name: Option<&'static str>,
    #[serde(rename = "URI", skip_serializing_if = "Option::is_none")]
    pub(crate) uri: Option<&'static str>,
}

/// The grants of a canned ACL (`private`, `public-read`…); `None` for an unknown name.
pub(crate) fn canned_acl(name: &str) -> Option<AccessControlPolicy> {
    const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    let owner = |permission| Grant {
        grantee: Grantee {
            xmlns_xsi: XSI,
            kind: "CanonicalUser",
            id: Some(OWNER_ID),
            display_name: Some(OWNER_NAME),
            uri: None,
        },
        permission,
    };
    let group = |uri, permission| Grant {
        grantee: Grantee {
            xmlns_xsi: XSI,
            kind: "Group",
            id: None,
            display_name: None,
            uri: Some(uri),
        },
        permission,
    };
    const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
    const AUTH_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
    let mut grants = vec![owner("FULL_CONTROL")];
    match name {
        "private" | "bucket-owner-read" | "bucket-owner-full-control" | "aws-exec-read" => {}
        "public-read" => grants.push(group(ALL_USERS, "READ")),
        "public-read-write" => {
            grants.push(group(ALL_USERS, "READ"));
            grants.push(group(ALL_USERS, "WRITE"));
        }
        "authenticated-read" => grants.push(group(AUTH_USERS, "READ")),
        "log-delivery-write" => {
            grants.push(group(LOG_DELIVERY, "WRITE"));
            grants.push(group(LOG_DELIVERY, "READ_ACP"));
        }
        _ => return None,
    }
    Some(AccessControlPolicy {
        xmlns: NS,
        owner: OWNER,
        list: AccessControlList { grants },
    })
}

#[derive(Serialize)]
pub(crate) struct PolicyStatus {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "IsPublic")]
    pub(crate) is_public: bool,
}

#[derive(Serialize)]
pub(crate) struct Tagging {
    #[serde(rename = "@xmlns")]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "TagSet")]
    pub(crate) tag_set: TagSetOut,
}

#[derive(Serialize)]
pub(crate) struct TagSetOut {
    #[serde(rename = "Tag")]
    pub(crate) tags: Vec<TagOut>,
}

#[derive(Serialize)]
pub(crate) struct TagOut {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "Value")]
    pub(crate) value: String,
}

impl Tagging {
    pub(crate) fn of(tags: &[(String, String)]) -> Self {
        Self {
            xmlns: NS,
            tag_set: TagSetOut {
                tags: tags
                    .iter()
                    .map(|(k, v)| TagOut {
                        key: k.clone(),
                        value: v.clone(),
                    })
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruststack_protocol::rest_xml::to_document;

    #[test]
    fn version_listing_keeps_entry_order() {
        let doc = ListVersionsResult {
            xmlns: NS,
            is_truncated: false,
            key_marker: String::new(),
            version_id_marker: String::new(),
            next_key_marker: None,
            next_version_id_marker: None,
            entries: vec![
                VersionEntry::DeleteMarker(DeleteMarkerEntry {
                    key: "k".into(),
                    version_id: "2".into(),
                    is_latest: true,
                    last_modified: "t".into(),
                    owner: OWNER,
                }),
                VersionEntry::Version(ObjectVersionEntry {
                    key: "k".into(),
                    version_id: "1".into(),
                    is_latest: false,
                    last_modified: "t".into(),
                    etag: "\"e\"".into(),
                    size: 1,
                    storage_class: "STANDARD".into(),
                    owner: OWNER,
                }),
            ],
            name: "b".into(),
            prefix: String::new(),
            delimiter: None,
            max_keys: 1000,
            common_prefixes: vec![],
            encoding_type: None,
        };
        let text = String::from_utf8(to_document("ListVersionsResult", &doc).unwrap()).unwrap();
        let dm = text.find("<DeleteMarker>").unwrap();
        let v = text.find("<Version>").unwrap();
        assert!(dm < v, "{text}");
        assert!(text.contains("<ETag>\"e\"</ETag>"), "{text}");
    }

    #[test]
    fn canned_acls() {
        let text = String::from_utf8(
            to_document("AccessControlPolicy", &canned_acl("public-read").unwrap()).unwrap(),
        )
        .unwrap();
        assert!(text.contains("xsi:type=\"Group\""), "{text}");
        assert!(text.contains("<Permission>READ</Permission>"));
        assert!(canned_acl("nope").is_none());
    }
}
