//! Operation resolution: method, then whether a bucket and key are addressed, then the
//! query markers and headers that select a sub-operation (as S3's REST API defines them).

use std::collections::BTreeMap;

use http::{HeaderMap, Method};

use crate::config::ConfigKind;

/// Every operation ruststack's S3 answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    GetBucketPolicyStatus,
    ListObjects,
    ListObjectsV2,
    ListObjectVersions,
    ListMultipartUploads,
    DeleteObjects,
    PostObject,
    GetConfig(ConfigKind),
    PutConfig(ConfigKind),
    DeleteConfig(ConfigKind),
    Preflight,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    GetObjectAttributes,
    RestoreObject,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    GetObjectAcl,
    PutObjectAcl,
    GetObjectRetention,
    PutObjectRetention,
    GetObjectLegalHold,
    PutObjectLegalHold,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    SelectObjectContent,
}

impl Op {
    /// The botocore operation name (for logs and metrics).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::ListBuckets => "ListBuckets",
            Op::CreateBucket => "CreateBucket",
            Op::HeadBucket => "HeadBucket",
            Op::DeleteBucket => "DeleteBucket",
            Op::GetBucketLocation => "GetBucketLocation",
            Op::GetBucketPolicyStatus => "GetBucketPolicyStatus",
            Op::ListObjects => "ListObjects",
            Op::ListObjectsV2 => "ListObjectsV2",
            Op::ListObjectVersions => "ListObjectVersions",
            Op::ListMultipartUploads => "ListMultipartUploads",
            Op::DeleteObjects => "DeleteObjects",
            Op::PostObject => "PostObject",
            Op::GetConfig(kind) => kind.get_op(),
            Op::PutConfig(kind) => kind.put_op(),
            Op::DeleteConfig(kind) => kind.delete_op().unwrap_or("DeleteBucketConfiguration"),
            Op::Preflight => "OptionsObject",
            Op::PutObject => "PutObject",
            Op::CopyObject => "CopyObject",
            Op::GetObject => "GetObject",
            Op::HeadObject => "HeadObject",
            Op::DeleteObject => "DeleteObject",
            Op::GetObjectAttributes => "GetObjectAttributes",
            Op::RestoreObject => "RestoreObject",
            Op::GetObjectTagging => "GetObjectTagging",
            Op::PutObjectTagging => "PutObjectTagging",
            Op::DeleteObjectTagging => "DeleteObjectTagging",
            Op::GetObjectAcl => "GetObjectAcl",
            Op::PutObjectAcl => "PutObjectAcl",
            Op::GetObjectRetention => "GetObjectRetention",
            Op::PutObjectRetention => "PutObjectRetention",
            Op::GetObjectLegalHold => "GetObjectLegalHold",
            Op::PutObjectLegalHold => "PutObjectLegalHold",
            Op::CreateMultipartUpload => "CreateMultipartUpload",
            Op::UploadPart => "UploadPart",
            Op::UploadPartCopy => "UploadPartCopy",
            Op::CompleteMultipartUpload => "CompleteMultipartUpload",
            Op::AbortMultipartUpload => "AbortMultipartUpload",
            Op::ListParts => "ListParts",
            Op::SelectObjectContent => "SelectObjectContent",
        }
    }
}

/// Why no operation matched: S3 answers `MethodNotAllowed` naming the resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoRoute {
    pub(crate) resource: &'static str,
}

/// Resolves the operation of a request.
pub(crate) fn resolve(
    method: &Method,
    has_bucket: bool,
    has_key: bool,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Result<Op, NoRoute> {
    let q = |name: &str| query.contains_key(name);
    if !has_bucket {
        return match *method {
            Method::GET => Ok(Op::ListBuckets),
            _ => Err(NoRoute {
                resource: "SERVICE",
            }),
        };
    }
    if *method == Method::OPTIONS {
        return Ok(Op::Preflight);
    }
    if !has_key {
        let config = ConfigKind::ALL.into_iter().find(|k| q(k.marker()));
        let op = match *method {
            Method::GET => match config {
                Some(kind) => Op::GetConfig(kind),
                None if q("location") => Op::GetBucketLocation,
                None if q("policyStatus") => Op::GetBucketPolicyStatus,
                None if q("uploads") => Op::ListMultipartUploads,
                None if q("versions") => Op::ListObjectVersions,
                None if query.get("list-type").is_some_and(|v| v == "2") => Op::ListObjectsV2,
                None => Op::ListObjects,
            },
            Method::PUT => match config {
                Some(kind) => Op::PutConfig(kind),
                None => Op::CreateBucket,
            },
            Method::DELETE => match config {
                Some(kind) if kind.delete_op().is_some() => Op::DeleteConfig(kind),
                Some(_) => return Err(NoRoute { resource: "BUCKET" }),
                None => Op::DeleteBucket,
            },
            Method::HEAD => Op::HeadBucket,
            Method::POST if q("delete") => Op::DeleteObjects,
            Method::POST => Op::PostObject,
            _ => return Err(NoRoute { resource: "BUCKET" }),
        };
        return Ok(op);
    }
    let copy = headers.contains_key("x-amz-copy-source");
    let op = match *method {
        Method::GET if q("uploadId") => Op::ListParts,
        Method::GET if q("tagging") => Op::GetObjectTagging,
        Method::GET if q("acl") => Op::GetObjectAcl,
        Method::GET if q("attributes") => Op::GetObjectAttributes,
        Method::GET if q("retention") => Op::GetObjectRetention,
        Method::GET if q("legal-hold") => Op::GetObjectLegalHold,
        Method::GET => Op::GetObject,
        Method::HEAD => Op::HeadObject,
        Method::PUT if q("partNumber") && q("uploadId") => {
            if copy {
                Op::UploadPartCopy
            } else {
                Op::UploadPart
            }
        }
        Method::PUT if q("tagging") => Op::PutObjectTagging,
        Method::PUT if q("acl") => Op::PutObjectAcl,
        Method::PUT if q("retention") => Op::PutObjectRetention,
        Method::PUT if q("legal-hold") => Op::PutObjectLegalHold,
        Method::PUT if copy => Op::CopyObject,
        Method::PUT => Op::PutObject,
        Method::DELETE if q("uploadId") => Op::AbortMultipartUpload,
        Method::DELETE if q("tagging") => Op::DeleteObjectTagging,
        Method::DELETE => Op::DeleteObject,
        Method::POST if q("uploads") => Op::CreateMultipartUpload,
        Method::POST if q("uploadId") => Op::CompleteMultipartUpload,
        Method::POST if q("restore") => Op::RestoreObject,
        Method::POST if q("select") => Op::SelectObjectContent,
        _ => return Err(NoRoute { resource: "OBJECT" }),
    };
    Ok(op)
}

/// Splits a request into `(bucket, key)`: the bucket from the virtual host when there is
/// one, otherwise the first path segment. The key is percent-decoded and kept exactly
/// (`a//b`, trailing `/`); `None` when the path is not valid UTF-8 after decoding.
pub(crate) fn split_path(
    raw_path: &str,
    host_bucket: Option<&str>,
) -> Option<(Option<String>, Option<String>)> {
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    let (bucket, key) = match host_bucket {
        Some(bucket) => (Some(bucket.to_owned()), path),
        None => {
            let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
            let bucket = ruststack_protocol::rest::percent_decode(bucket)?;
            ((!bucket.is_empty()).then_some(bucket), key)
        }
    };
    let key = ruststack_protocol::rest::percent_decode(key)?;
    Some((bucket, (!key.is_empty()).then_some(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(
        method: &Method,
        bucket: bool,
        key: bool,
        query: &str,
        copy: bool,
    ) -> Result<Op, NoRoute> {
        let query = ruststack_protocol::rest::query_map(Some(query));
        let mut headers = HeaderMap::new();
        if copy {
            headers.insert("x-amz-copy-source", http::HeaderValue::from_static("b/k"));
        }
        resolve(method, bucket, key, &query, &headers)
    }

    #[test]
    fn resolves_operations() {
        use Method as M;
        assert_eq!(op(&M::GET, false, false, "", false), Ok(Op::ListBuckets));
        assert!(op(&M::PUT, false, false, "", false).is_err());
        assert_eq!(op(&M::PUT, true, false, "", false), Ok(Op::CreateBucket));
        assert_eq!(
            op(&M::GET, true, false, "list-type=2&prefix=a", false),
            Ok(Op::ListObjectsV2)
        );
        assert_eq!(
            op(&M::GET, true, false, "prefix=a", false),
            Ok(Op::ListObjects)
        );
        assert_eq!(
            op(&M::GET, true, false, "versions", false),
            Ok(Op::ListObjectVersions)
        );
        assert_eq!(
            op(&M::PUT, true, false, "versioning", false),
            Ok(Op::PutConfig(ConfigKind::Versioning))
        );
        assert_eq!(
            op(&M::DELETE, true, false, "cors", false),
            Ok(Op::DeleteConfig(ConfigKind::Cors))
        );
        assert!(op(&M::DELETE, true, false, "versioning", false).is_err());
        assert_eq!(
            op(&M::POST, true, false, "delete", false),
            Ok(Op::DeleteObjects)
        );
        assert_eq!(op(&M::POST, true, false, "", false), Ok(Op::PostObject));
        assert_eq!(op(&M::PUT, true, true, "", true), Ok(Op::CopyObject));
        assert_eq!(
            op(&M::PUT, true, true, "partNumber=1&uploadId=x", true),
            Ok(Op::UploadPartCopy)
        );
        assert_eq!(
            op(&M::PUT, true, true, "partNumber=1&uploadId=x", false),
            Ok(Op::UploadPart)
        );
        assert_eq!(
            op(&M::POST, true, true, "uploads", false),
            Ok(Op::CreateMultipartUpload)
        );
        assert_eq!(
            op(&M::DELETE, true, true, "uploadId=x", false),
            Ok(Op::AbortMultipartUpload)
        );
        assert_eq!(op(&M::OPTIONS, true, true, "", false), Ok(Op::Preflight));
        assert_eq!(
            op(&M::PATCH, true, true, "", false),
            Err(NoRoute { resource: "OBJECT" })
        );
    }

    #[test]
    fn splits_paths() {
        let s = |p, h| split_path(p, h).unwrap();
        assert_eq!(s("/", None), (None, None));
        assert_eq!(s("/b", None), (Some("b".into()), None));
        assert_eq!(s("/b/", None), (Some("b".into()), None));
        assert_eq!(
            s("/b/a%20b+c", None),
            (Some("b".into()), Some("a b+c".into()))
        );
        assert_eq!(s("/b//x/", None), (Some("b".into()), Some("/x/".into())));
        assert_eq!(
            s("/k%2Fx", Some("vb")),
            (Some("vb".into()), Some("k/x".into()))
        );
        assert_eq!(s("/", Some("vb")), (Some("vb".into()), None));
        assert!(split_path("/b/%ff", None).is_none());
    }
}
