//! Bucket configurations addressed by a query marker (`?cors`, `?lifecycle`…): what each is
//! called, what S3 answers when none is set, and how the ones ruststack acts on (CORS,
//! tagging, versioning) are parsed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error;
use ruststack_protocol::ServiceError;

/// A configuration subresource of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigKind {
    Versioning,
    Tagging,
    Cors,
    Policy,
    Acl,
    Lifecycle,
    Encryption,
    OwnershipControls,
    PublicAccessBlock,
    Website,
    Notification,
    ObjectLock,
    Accelerate,
    RequestPayment,
    Logging,
    Replication,
}

/// What a GET answers when the configuration was never set (or was deleted).
pub(crate) enum Missing {
    /// A 404 with this code and message.
    Error(&'static str, &'static str),
    /// This document (S3's default for the bucket).
    Default(&'static str),
}

impl ConfigKind {
    pub(crate) const ALL: [ConfigKind; 16] = [
        ConfigKind::Versioning,
        ConfigKind::Tagging,
        ConfigKind::Cors,
        ConfigKind::Policy,
        ConfigKind::Acl,
        ConfigKind::Lifecycle,
        ConfigKind::Encryption,
        ConfigKind::OwnershipControls,
        ConfigKind::PublicAccessBlock,
        ConfigKind::Website,
        ConfigKind::Notification,
        ConfigKind::ObjectLock,
        ConfigKind::Accelerate,
        ConfigKind::RequestPayment,
        ConfigKind::Logging,
        ConfigKind::Replication,
    ];

    /// The query marker, which is also the key the document is stored under.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            ConfigKind::Versioning => "versioning",
            ConfigKind::Tagging => "tagging",
            ConfigKind::Cors => "cors",
            ConfigKind::Policy => "policy",
            ConfigKind::Acl => "acl",
            ConfigKind::Lifecycle => "lifecycle",
            ConfigKind::Encryption => "encryption",
            ConfigKind::OwnershipControls => "ownershipControls",
            ConfigKind::PublicAccessBlock => "publicAccessBlock",
            ConfigKind::Website => "website",
            ConfigKind::Notification => "notification",
            ConfigKind::ObjectLock => "object-lock",
            ConfigKind::Accelerate => "accelerate",
            ConfigKind::RequestPayment => "requestPayment",
            ConfigKind::Logging => "logging",
            ConfigKind::Replication => "replication",
        }
    }

    pub(crate) fn get_op(self) -> &'static str {
        match self {
            ConfigKind::Versioning => "GetBucketVersioning",
            ConfigKind::Tagging => "GetBucketTagging",
            ConfigKind::Cors => "GetBucketCors",
            ConfigKind::Policy => "GetBucketPolicy",
            ConfigKind::Acl => "GetBucketAcl",
            ConfigKind::Lifecycle => "GetBucketLifecycleConfiguration",
            ConfigKind::Encryption => "GetBucketEncryption",
            ConfigKind::OwnershipControls => "GetBucketOwnershipControls",
            ConfigKind::PublicAccessBlock => "GetPublicAccessBlock",
            ConfigKind::Website => "GetBucketWebsite",
            ConfigKind::Notification => "GetBucketNotificationConfiguration",
            ConfigKind::ObjectLock => "GetObjectLockConfiguration",
            ConfigKind::Accelerate => "GetBucketAccelerateConfiguration",
            ConfigKind::RequestPayment => "GetBucketRequestPayment",
            ConfigKind::Logging => "GetBucketLogging",
            ConfigKind::Replication => "GetBucketReplication",
        }
    }

    pub(crate) fn put_op(self) -> &'static str {
        match self {
            ConfigKind::Versioning => "PutBucketVersioning",
            ConfigKind::Tagging => "PutBucketTagging",
            ConfigKind::Cors => "PutBucketCors",
            ConfigKind::Policy => "PutBucketPolicy",
            ConfigKind::Acl => "PutBucketAcl",
            ConfigKind::Lifecycle => "PutBucketLifecycleConfiguration",
            ConfigKind::Encryption => "PutBucketEncryption",
            ConfigKind::OwnershipControls => "PutBucketOwnershipControls",
            ConfigKind::PublicAccessBlock => "PutPublicAccessBlock",
            ConfigKind::Website => "PutBucketWebsite",
            ConfigKind::Notification => "PutBucketNotificationConfiguration",
            ConfigKind::ObjectLock => "PutObjectLockConfiguration",
            ConfigKind::Accelerate => "PutBucketAccelerateConfiguration",
            ConfigKind::RequestPayment => "PutBucketRequestPayment",
            ConfigKind::Logging => "PutBucketLogging",
            ConfigKind::Replication => "PutBucketReplication",
        }
    }

    /// The DELETE operation, for the configurations that have one.
    pub(crate) fn delete_op(self) -> Option<&'static str> {
        Some(match self {
            ConfigKind::Tagging => "DeleteBucketTagging",
            ConfigKind::Cors => "DeleteBucketCors",
            ConfigKind::Policy => "DeleteBucketPolicy",
            ConfigKind::Lifecycle => "DeleteBucketLifecycle",
            ConfigKind::Encryption => "DeleteBucketEncryption",
            ConfigKind::OwnershipControls => "DeleteBucketOwnershipControls",
            ConfigKind::PublicAccessBlock => "DeletePublicAccessBlock",
            ConfigKind::Website => "DeleteBucketWebsite",
            ConfigKind::Replication => "DeleteBucketReplication",
            _ => return None,
        })
    }

    /// What GET answers when nothing is stored. New buckets on AWS have SSE-S3 encryption,
    /// `BucketOwnerEnforced` ownership and a full public access block by default; deleting
    /// those configurations makes GET fail like the others.
    pub(crate) fn missing(self, deleted: bool) -> Missing {
        match self {
            ConfigKind::Tagging => Missing::Error("NoSuchTagSet", "The TagSet does not exist"),
            ConfigKind::Cors => Missing::Error(
                "NoSuchCORSConfiguration",
                "The CORS configuration does not exist",
            ),
            ConfigKind::Policy => {
                Missing::Error("NoSuchBucketPolicy", "The bucket policy does not exist")
            }
            ConfigKind::Lifecycle => Missing::Error(
                "NoSuchLifecycleConfiguration",
                "The lifecycle configuration does not exist",
            ),
            ConfigKind::Website => Missing::Error(
                "NoSuchWebsiteConfiguration",
                "The specified bucket does not have a website configuration",
            ),
            ConfigKind::ObjectLock => Missing::Error(
                "ObjectLockConfigurationNotFoundError",
                "Object Lock configuration does not exist for this bucket",
            ),
            ConfigKind::Replication => Missing::Error(
                "ReplicationConfigurationNotFoundError",
                "The replication configuration was not found",
            ),
            ConfigKind::OwnershipControls if deleted => Missing::Error(
                "OwnershipControlsNotFoundError",
                "The bucket ownership controls were not found",
            ),
            ConfigKind::PublicAccessBlock if deleted => Missing::Error(
                "NoSuchPublicAccessBlockConfiguration",
                "The public access block configuration was not found",
            ),
            ConfigKind::OwnershipControls => Missing::Default(
                "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>",
            ),
            ConfigKind::PublicAccessBlock => Missing::Default(
                "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
            ),
            ConfigKind::Encryption => Missing::Default(
                "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>",
            ),
            ConfigKind::Versioning => Missing::Default(
                "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
            ),
            ConfigKind::Notification => Missing::Default(
                "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
            ),
            ConfigKind::Accelerate => Missing::Default(
                "<AccelerateConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
            ),
            ConfigKind::RequestPayment => Missing::Default(
                "<RequestPaymentConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>",
            ),
            ConfigKind::Logging => Missing::Default(
                "<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
            ),
            // ACLs are built from the owner; see `acl`.
            ConfigKind::Acl => Missing::Default(""),
        }
    }
}

/// `<PublicAccessBlockConfiguration>`: what a bucket's public access block blocks.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PublicAccessBlock {
    #[serde(rename = "BlockPublicAcls", default)]
    pub(crate) block_public_acls: bool,
    #[serde(rename = "BlockPublicPolicy", default)]
    pub(crate) block_public_policy: bool,
}

#[derive(Debug, Default, Deserialize)]
struct OwnershipControls {
    #[serde(rename = "Rule", default)]
    rule: OwnershipRule,
}

#[derive(Debug, Default, Deserialize)]
struct OwnershipRule {
    #[serde(rename = "ObjectOwnership", default)]
    object_ownership: String,
}

/// The bucket's public access block: all on when never set (AWS's default for new
/// buckets), all off once deleted.
pub(crate) fn public_access_block(configs: &BTreeMap<String, String>) -> PublicAccessBlock {
    match configs.get(ConfigKind::PublicAccessBlock.marker()) {
        None => PublicAccessBlock {
            block_public_acls: true,
            block_public_policy: true,
        },
        Some(doc) => {
            ruststack_protocol::rest_xml::from_document(doc.as_bytes()).unwrap_or_default()
        }
    }
}

/// Whether ACLs are disabled (`BucketOwnerEnforced`, the default for new buckets).
pub(crate) fn acls_disabled(configs: &BTreeMap<String, String>) -> bool {
    match configs.get(ConfigKind::OwnershipControls.marker()) {
        None => true,
        Some(doc) => {
            ruststack_protocol::rest_xml::from_document::<OwnershipControls>(doc.as_bytes())
                .is_some_and(|o| o.rule.object_ownership == "BucketOwnerEnforced")
        }
    }
}

/// Whether a stored ACL (`canned:<name>` or a document) grants anything beyond the owner.
fn acl_grants_others(acl: &str) -> bool {
    match acl.strip_prefix("canned:") {
        Some(name) => !matches!(
            name,
            "private" | "bucket-owner-full-control" | "bucket-owner-read"
        ),
        None => acl.contains("<URI>") || acl.matches("<Grant>").count() > 1,
    }
}

fn acl_is_public(acl: &str) -> bool {
    match acl.strip_prefix("canned:") {
        Some(name) => matches!(
            name,
            "public-read" | "public-read-write" | "authenticated-read"
        ),
        None => acl.contains("/global/AllUsers") || acl.contains("/global/AuthenticatedUsers"),
    }
}

/// Checks an ACL being set on a bucket or object against the bucket's ownership controls
/// and public access block, as S3 does.
pub(crate) fn check_acl(configs: &BTreeMap<String, String>, acl: &str) -> Result<(), ServiceError> {
    if acls_disabled(configs) && acl_grants_others(acl) {
        return Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "AccessControlListNotSupported",
            "The bucket does not allow ACLs",
        ));
    }
    if acl_is_public(acl) && public_access_block(configs).block_public_acls {
        return Err(ServiceError::new(
            http::StatusCode::FORBIDDEN,
            "AccessDenied",
            "Access Denied",
        ));
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
struct ObjectLockConfiguration {
    #[serde(rename = "Rule", default)]
    rule: Option<LockRule>,
}

#[derive(Debug, Default, Deserialize)]
struct LockRule {
    #[serde(rename = "DefaultRetention", default)]
    retention: Option<DefaultRetention>,
}

#[derive(Debug, Default, Deserialize)]
struct DefaultRetention {
    #[serde(rename = "Mode", default)]
    mode: String,
    #[serde(rename = "Days", default)]
    days: Option<i64>,
    #[serde(rename = "Years", default)]
    years: Option<i64>,
}

/// The default retention of a bucket's Object Lock configuration: the mode and how long
/// new versions are retained, in milliseconds.
pub(crate) fn default_retention(configs: &BTreeMap<String, String>) -> Option<(String, i64)> {
    let doc = configs.get(ConfigKind::ObjectLock.marker())?;
    let config: ObjectLockConfiguration =
        ruststack_protocol::rest_xml::from_document(doc.as_bytes())?;
    let r = config.rule?.retention?;
    let days = r.days.or(r.years.map(|y| y * 365))?;
    Some((r.mode, days.saturating_mul(86_400_000)))
}

#[derive(Debug, Default, Deserialize)]
struct Lifecycle {
    #[serde(rename = "Rule", default)]
    rules: Vec<LifecycleRule>,
}

#[derive(Debug, Default, Deserialize)]
struct LifecycleRule {
    #[serde(rename = "ID", default)]
    id: Option<String>,
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "Filter", default)]
    filter: Option<serde::de::IgnoredAny>,
    #[serde(rename = "Prefix", default)]
    prefix: Option<String>,
    #[serde(rename = "Expiration", default)]
    expiration: Option<Expiration>,
    #[serde(rename = "Transition", default)]
    transitions: Vec<serde::de::IgnoredAny>,
    #[serde(rename = "NoncurrentVersionExpiration", default)]
    noncurrent_expiration: Option<serde::de::IgnoredAny>,
    #[serde(rename = "NoncurrentVersionTransition", default)]
    noncurrent_transitions: Vec<serde::de::IgnoredAny>,
    #[serde(rename = "AbortIncompleteMultipartUpload", default)]
    abort_incomplete: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
struct Expiration {
    #[serde(rename = "Days", default)]
    days: Option<i64>,
}

/// Validates a lifecycle configuration as PutBucketLifecycleConfiguration does: a status
/// per rule, a filter or (legacy) prefix but not both, at least one action, unique ids,
/// positive expiration days. The rules are stored, not applied.
pub(crate) fn validate_lifecycle(body: &[u8]) -> Result<(), ServiceError> {
    let config: Lifecycle =
        ruststack_protocol::rest_xml::from_document(body).ok_or_else(error::malformed_xml)?;
    if config.rules.is_empty() || config.rules.len() > 1000 {
        return Err(error::malformed_xml());
    }
    for (i, rule) in config.rules.iter().enumerate() {
        if rule.status != "Enabled" && rule.status != "Disabled" {
            return Err(error::malformed_xml());
        }
        if rule.filter.is_some() == rule.prefix.is_some() {
            return Err(error::malformed_xml());
        }
        if rule.id.as_ref().is_some_and(|id| id.chars().count() > 255) {
            return Err(error::invalid_argument(
                "ID length should not exceed allowed limit of 255",
                "ID",
                rule.id.as_deref().unwrap_or(""),
            ));
        }
        if let Some(id) = &rule.id
            && config.rules[..i].iter().any(|r| r.id.as_ref() == Some(id))
        {
            return Err(error::invalid_argument(
                "Rule ID must be unique. Found same ID for more than one rule",
                "ID",
                id,
            ));
        }
        let has_action = rule.expiration.is_some()
            || !rule.transitions.is_empty()
            || rule.noncurrent_expiration.is_some()
            || !rule.noncurrent_transitions.is_empty()
            || rule.abort_incomplete.is_some();
        if !has_action {
            return Err(error::invalid_request(
                "At least one action needs to be specified in a rule",
            ));
        }
        if let Some(days) = rule.expiration.as_ref().and_then(|e| e.days)
            && days <= 0
        {
            return Err(error::invalid_argument(
                "'Days' for Expiration action must be a positive integer",
                "Days",
                &days.to_string(),
            ));
        }
    }
    Ok(())
}

/// Whether a bucket policy lets everyone in: an `Allow` statement for principal `*`
/// without conditions.
pub(crate) fn policy_is_public(policy: &str) -> bool {
    let doc: serde_json::Value = serde_json::from_str(policy).unwrap_or_default();
    let statements = match &doc["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    statements.iter().any(|s| {
        s["Effect"] == "Allow"
            && (s["Principal"] == "*" || s["Principal"]["AWS"] == "*")
            && s.get("Condition").is_none()
    })
}

/// `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Tagging {
    #[serde(rename = "@xmlns", skip_deserializing, default)]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "TagSet", default)]
    pub(crate) tag_set: TagSet,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct TagSet {
    #[serde(rename = "Tag", default)]
    pub(crate) tags: Vec<Tag>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Tag {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "Value", default)]
    pub(crate) value: String,
}

/// Parses and validates a tag set (object tags allow 10, bucket tags 50).
pub(crate) fn parse_tagging(
    body: &[u8],
    max: usize,
) -> Result<Vec<(String, String)>, ServiceError> {
    let tagging: Tagging =
        ruststack_protocol::rest_xml::from_document(body).ok_or_else(error::malformed_xml)?;
    let tags: Vec<(String, String)> = tagging
        .tag_set
        .tags
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    validate_tags(&tags, max)?;
    Ok(tags)
}

/// S3's tag rules: count, key and value lengths, unique keys, no `aws:` keys.
pub(crate) fn validate_tags(tags: &[(String, String)], max: usize) -> Result<(), ServiceError> {
    if tags.len() > max {
        return Err(error::invalid_tag(if max == 10 {
            "Object tags cannot be greater than 10"
        } else {
            "Bucket tag count cannot be greater than 50"
        }));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(error::invalid_tag(
                "The TagKey you have provided is invalid",
            ));
        }
        if value.chars().count() > 256 {
            return Err(error::invalid_tag(
                "The TagValue you have provided is invalid",
            ));
        }
        if key.starts_with("aws:") {
            return Err(error::invalid_tag(
                "System tags cannot be added/updated by requester",
            ));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return Err(error::invalid_tag(
                "Cannot provide multiple Tags with the same key",
            ));
        }
    }
    Ok(())
}

/// Parses `x-amz-tagging` (`k1=v1&k2=v2`, URL-encoded).
pub(crate) fn parse_tagging_header(value: &str) -> Result<Vec<(String, String)>, ServiceError> {
    let tags: Vec<(String, String)> = form_pairs(value);
    validate_tags(&tags, 10)?;
    Ok(tags)
}

fn form_pairs(value: &str) -> Vec<(String, String)> {
    value
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                ruststack_protocol::rest::percent_decode(&s.replace('+', " "))
                    .unwrap_or_else(|| s.to_owned())
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// `<VersioningConfiguration><Status/><MfaDelete/></VersioningConfiguration>`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Versioning {
    #[serde(rename = "@xmlns", skip_deserializing, default)]
    pub(crate) xmlns: &'static str,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
    #[serde(rename = "MfaDelete", default, skip_serializing_if = "Option::is_none")]
    pub(crate) mfa_delete: Option<String>,
}

/// A CORS configuration.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Cors {
    #[serde(rename = "CORSRule", default)]
    pub(crate) rules: Vec<CorsRule>,
}

/// One CORS rule.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CorsRule {
    #[serde(rename = "AllowedOrigin", default)]
    pub(crate) origins: Vec<String>,
    #[serde(rename = "AllowedMethod", default)]
    pub(crate) methods: Vec<String>,
    #[serde(rename = "AllowedHeader", default)]
    pub(crate) headers: Vec<String>,
    #[serde(rename = "ExposeHeader", default)]
    pub(crate) expose: Vec<String>,
    #[serde(rename = "MaxAgeSeconds", default)]
    pub(crate) max_age: Option<u64>,
}

/// Parses and validates a CORS configuration as PutBucketCors does.
pub(crate) fn parse_cors(body: &[u8]) -> Result<Cors, ServiceError> {
    let cors: Cors =
        ruststack_protocol::rest_xml::from_document(body).ok_or_else(error::malformed_xml)?;
    if cors.rules.is_empty() || cors.rules.len() > 100 {
        return Err(error::malformed_xml());
    }
    for rule in &cors.rules {
        if rule.origins.is_empty() || rule.methods.is_empty() {
            return Err(error::malformed_xml());
        }
        if let Some(m) = rule
            .methods
            .iter()
            .find(|m| !matches!(m.as_str(), "GET" | "PUT" | "POST" | "DELETE" | "HEAD"))
        {
            return Err(error::invalid_request(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
            )));
        }
    }
    Ok(cors)
}

/// Matches `text` against a CORS pattern with at most one `*` wildcard (case-insensitive
/// for headers, exact for origins).
fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t) = if ignore_case {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_owned(), text.to_owned())
    };
    match p.split_once('*') {
        None => p == t,
        Some((prefix, suffix)) => {
            t.len() >= prefix.len() + suffix.len() && t.starts_with(prefix) && t.ends_with(suffix)
        }
    }
}

impl Cors {
    /// The first rule allowing `origin`, `method` and every requested header.
    pub(crate) fn find(&self, origin: &str, method: &str, headers: &[String]) -> Option<&CorsRule> {
        self.rules.iter().find(|rule| {
            rule.origins
                .iter()
                .any(|o| wildcard_match(o, origin, false))
                && rule.methods.iter().any(|m| m == method)
                && headers.iter().all(|h| {
                    rule.headers
                        .iter()
                        .any(|allowed| wildcard_match(allowed, h, true))
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_validated() {
        let body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>";
        assert_eq!(
            parse_tagging(body, 10).unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), String::new())]
        );
        let dup = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>";
        assert_eq!(parse_tagging(dup, 10).unwrap_err().code(), "InvalidTag");
        assert_eq!(
            parse_tagging(b"<Tagging>", 10).unwrap_err().code(),
            "MalformedXML"
        );
        assert_eq!(
            parse_tagging_header("a=1&b=x%20y&c").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), String::new())
            ]
        );
        assert_eq!(
            parse_tagging_header("aws:x=1").unwrap_err().code(),
            "InvalidTag"
        );
    }

    #[test]
    fn lifecycle_rules_are_validated() {
        let ok = b"<LifecycleConfiguration><Rule><ID>a</ID><Filter><Prefix>x/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>";
        assert!(validate_lifecycle(ok).is_ok());
        let legacy = b"<LifecycleConfiguration><Rule><Prefix>x/</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>";
        assert!(validate_lifecycle(legacy).is_ok());
        let code = |doc: &[u8]| validate_lifecycle(doc).unwrap_err().code().to_owned();
        assert_eq!(code(b"<LifecycleConfiguration><Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>"), "MalformedXML");
        assert_eq!(code(b"<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>"), "MalformedXML");
        assert_eq!(code(b"<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status></Rule></LifecycleConfiguration>"), "InvalidRequest");
        assert_eq!(code(b"<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule></LifecycleConfiguration>"), "InvalidArgument");
        assert_eq!(code(b"<LifecycleConfiguration/>"), "MalformedXML");
    }

    #[test]
    fn cors_rules_match() {
        let cors = parse_cors(
            b"<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>\
              <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\
              <AllowedHeader>x-amz-*</AllowedHeader><MaxAgeSeconds>30</MaxAgeSeconds></CORSRule>\
              <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>\
              </CORSConfiguration>",
        )
        .unwrap();
        assert!(cors.find("https://a.example.com", "GET", &[]).is_some());
        assert!(
            cors.find("https://a.example.com", "PUT", &["X-Amz-Date".into()])
                .is_some()
        );
        assert!(
            cors.find("https://a.example.com", "PUT", &["content-type".into()])
                .is_none()
        );
        assert!(cors.find("https://example.org", "GET", &[]).is_none());
        assert!(cors.find("https://example.org", "HEAD", &[]).is_some());
        assert_eq!(
            parse_cors(b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>")
                .unwrap_err()
                .code(),
            "InvalidRequest"
        );
    }
}
