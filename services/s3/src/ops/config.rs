//! Get/Put/Delete of the bucket configuration subresources. Documents are validated, kept
//! as sent and returned as stored; versioning, object lock, tags, CORS and notifications
//! are also parsed because ruststack acts on them.

use ruststack_protocol::ServiceError;
use ruststack_protocol::rest_xml::{from_document, is_well_formed};
use ruststack_storage::Batch;

use crate::api::{Reply, Req};
use crate::config::{self, ConfigKind, Missing};
use crate::xml::{self, NS};
use crate::{S3, error, persist};

/// The stored value marking a default configuration (ownership, public access block) as
/// deleted, so GET then fails as on S3.
const DELETED: &str = "";

pub(crate) fn get(s3: &S3, req: &Req<'_>, kind: ConfigKind) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let stored = bucket.meta.configs.get(kind.marker());
    match kind {
        ConfigKind::Versioning => {
            return Reply::xml(
                "VersioningConfiguration",
                &config::Versioning {
                    xmlns: NS,
                    status: bucket.meta.versioning.clone(),
                    mfa_delete: bucket.meta.mfa_delete.clone(),
                },
            );
        }
        ConfigKind::Acl => return acl_reply(stored.map(String::as_str)),
        ConfigKind::Policy => {
            if let Some(policy) = stored {
                return Ok(Reply::ok().body_text(policy.clone()));
            }
        }
        ConfigKind::ObjectLock if stored.is_none() && bucket.meta.object_lock => {
            return Ok(Reply::ok().raw_xml(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration xmlns=\"{NS}\"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
            )));
        }
        _ => {}
    }
    match stored {
        Some(doc) if doc != DELETED => Ok(Reply::ok().raw_xml(doc.clone())),
        _ => match kind.missing(stored.is_some()) {
            Missing::Error(code, message) => Err(error::missing_config(code, message, &req.bucket)),
            Missing::Default(doc) => {
                Ok(Reply::ok()
                    .raw_xml(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doc}")))
            }
        },
    }
}

/// An ACL document: the stored one, the grants of a stored canned ACL, or the owner's
/// full control.
pub(crate) fn acl_reply(stored: Option<&str>) -> Result<Reply, ServiceError> {
    match stored {
        Some(doc) if !doc.starts_with("canned:") => Ok(Reply::ok().raw_xml(doc.to_owned())),
        other => {
            let canned = other
                .and_then(|c| c.strip_prefix("canned:"))
                .unwrap_or("private");
            let policy = xml::canned_acl(canned)
                .or_else(|| xml::canned_acl("private"))
                .ok_or_else(|| error::internal("private ACL"))?;
            Reply::xml("AccessControlPolicy", &policy)
        }
    }
}

/// Reads an ACL from a PutBucketAcl/PutObjectAcl request: a canned `x-amz-acl`, `x-amz-grant-*`
/// headers (kept as the owner's ACL), or an `AccessControlPolicy` document.
pub(crate) async fn acl_from_request(req: &Req<'_>) -> Result<String, ServiceError> {
    if let Some(acl) = req.header("x-amz-acl") {
        if xml::canned_acl(acl).is_none() {
            return Err(error::invalid_argument("", "x-amz-acl", acl));
        }
        return Ok(format!("canned:{acl}"));
    }
    let body = req.document().await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        if req
            .headers
            .keys()
            .any(|k| k.as_str().starts_with("x-amz-grant-"))
        {
            return Ok("canned:private".to_owned());
        }
        return Err(error::malformed_xml());
    }
    if !is_well_formed(&body) {
        return Err(error::malformed_xml());
    }
    String::from_utf8(body.to_vec()).map_err(|_| error::malformed_xml())
}

pub(crate) async fn put(s3: &S3, req: Req<'_>, kind: ConfigKind) -> Result<Reply, ServiceError> {
    let name = req.bucket.clone();
    {
        let state = s3.read();
        super::bucket(&state, &name)?;
    }
    let (stored, versioning) = match kind {
        ConfigKind::Acl => (acl_from_request(&req).await?, None),
        _ => {
            let body = req.document().await?;
            validate(kind, &body)?
        }
    };
    let account = req.ctx.account_id.clone();
    s3.write(move |s3| {
        let mut state = s3.write_lock();
        let bucket = super::bucket(&state, &name)?;
        check_against_bucket(&state, bucket, kind, &stored, &account)?;
        let mut meta = bucket.meta.clone();
        match kind {
            ConfigKind::Versioning => {
                let status = versioning.and_then(|v| v.status);
                if let Some(status) = status {
                    if meta.object_lock && status != "Enabled" {
                        return Err(ServiceError::new(
                            http::StatusCode::CONFLICT,
                            "InvalidBucketState",
                            "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
                        ));
                    }
                    meta.versioning = Some(status);
                }
            }
            ConfigKind::ObjectLock => {
                if !meta.object_lock && !bucket.versioning_enabled() {
                    return Err(ServiceError::new(
                        http::StatusCode::CONFLICT,
                        "InvalidBucketState",
                        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                    ));
                }
                meta.object_lock = true;
                meta.configs.insert(kind.marker().to_owned(), stored);
            }
            _ => {
                meta.configs.insert(kind.marker().to_owned(), stored);
            }
        }
        save_meta(s3, &mut state, meta)
    })
    .await?;
    Ok(match kind {
        ConfigKind::Policy => Reply::no_content(),
        _ => Reply::ok(),
    })
}

/// The checks that depend on the bucket or on other buckets.
fn check_against_bucket(
    state: &crate::state::State,
    bucket: &crate::state::Bucket,
    kind: ConfigKind,
    doc: &str,
    account: &str,
) -> Result<(), ServiceError> {
    match kind {
        ConfigKind::Acl => config::check_acl(&bucket.meta.configs, doc),
        ConfigKind::Policy => {
            if config::policy_is_public(doc)
                && config::public_access_block(&bucket.meta.configs).block_public_policy
            {
                return Err(ServiceError::new(
                    http::StatusCode::FORBIDDEN,
                    "AccessDenied",
                    format!(
                        "User: arn:aws:iam::{account}:root is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::{}\" because public policies are blocked by the BlockPublicPolicy block public access setting.",
                        bucket.meta.name
                    ),
                ));
            }
            Ok(())
        }
        ConfigKind::Accelerate if bucket.meta.name.contains('.') && doc.contains("Enabled") => {
            Err(error::invalid_request(
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names",
            ))
        }
        ConfigKind::Logging => {
            #[derive(serde::Deserialize, Default)]
            struct Status {
                #[serde(rename = "LoggingEnabled", default)]
                enabled: Option<Enabled>,
            }
            #[derive(serde::Deserialize, Default)]
            struct Enabled {
                #[serde(rename = "TargetBucket", default)]
                target: String,
            }
            let status: Status = from_document(doc.as_bytes()).unwrap_or_default();
            match status.enabled {
                Some(e) if !state.buckets.contains_key(&e.target) => Err(ServiceError::new(
                    http::StatusCode::BAD_REQUEST,
                    "InvalidTargetBucketForLogging",
                    "The target bucket for logging does not exist",
                )
                .with_field("TargetBucket", e.target)),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Checks a configuration document; returns what to store (and the parsed versioning
/// configuration for PutBucketVersioning).
fn validate(
    kind: ConfigKind,
    body: &[u8],
) -> Result<(String, Option<config::Versioning>), ServiceError> {
    let text = std::str::from_utf8(body).map_err(|_| error::malformed_xml())?;
    if kind == ConfigKind::Policy {
        let malformed = |message: &'static str| {
            ServiceError::new(http::StatusCode::BAD_REQUEST, "MalformedPolicy", message)
        };
        let doc = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|v| text.trim_start().starts_with('{') && v.is_object())
            .ok_or_else(|| {
                malformed("Policies must be valid JSON and the first byte must be '{'")
            })?;
        if doc.get("Statement").is_none() {
            return Err(malformed("Missing required field Statement"));
        }
        return Ok((text.to_owned(), None));
    }
    if !is_well_formed(body) {
        return Err(error::malformed_xml());
    }
    match kind {
        ConfigKind::Versioning => {
            let v: config::Versioning = from_document(body).ok_or_else(error::malformed_xml)?;
            if let Some(status) = &v.status
                && status != "Enabled"
                && status != "Suspended"
            {
                return Err(error::malformed_xml());
            }
            if let Some(mfa) = &v.mfa_delete
                && mfa != "Enabled"
                && mfa != "Disabled"
            {
                return Err(error::malformed_xml());
            }
            return Ok((String::new(), Some(v)));
        }
        ConfigKind::Tagging => {
            config::parse_tagging(body, 50)?;
        }
        ConfigKind::Cors => {
            config::parse_cors(body)?;
        }
        ConfigKind::Lifecycle => config::validate_lifecycle(body)?,
        ConfigKind::Accelerate => {
            #[derive(serde::Deserialize)]
            struct Accelerate {
                #[serde(rename = "Status", default)]
                status: Option<String>,
            }
            let doc: Accelerate = from_document(body).ok_or_else(error::malformed_xml)?;
            if doc
                .status
                .as_deref()
                .is_some_and(|s| s != "Enabled" && s != "Suspended")
            {
                return Err(error::malformed_xml());
            }
        }
        ConfigKind::Notification => {
            crate::events::parse(body).map_err(|reason| {
                if reason == "malformed" {
                    error::malformed_xml()
                } else {
                    error::invalid_argument(reason, "Event", "")
                }
            })?;
        }
        _ => {}
    }
    Ok((text.to_owned(), None))
}

pub(crate) async fn delete(s3: &S3, req: Req<'_>, kind: ConfigKind) -> Result<Reply, ServiceError> {
    let name = req.bucket.clone();
    s3.write(move |s3| {
        let mut state = s3.write_lock();
        let bucket = super::bucket(&state, &name)?;
        let mut meta = bucket.meta.clone();
        match kind {
            ConfigKind::OwnershipControls | ConfigKind::PublicAccessBlock => {
                meta.configs
                    .insert(kind.marker().to_owned(), DELETED.to_owned());
            }
            _ => {
                meta.configs.remove(kind.marker());
            }
        }
        save_meta(s3, &mut state, meta)
    })
    .await?;
    Ok(Reply::no_content())
}

/// Commits a bucket's new settings, then applies them.
fn save_meta(
    s3: &S3,
    state: &mut crate::state::State,
    meta: crate::state::BucketMeta,
) -> Result<(), ServiceError> {
    let mut batch = Batch::new();
    persist::put_bucket(&mut batch, &meta);
    s3.commit(batch)?;
    let name = meta.name.clone();
    super::bucket_mut(state, &name)?.meta = meta;
    Ok(())
}

impl Reply {
    /// A plain body (bucket policies are JSON, returned as stored).
    pub(crate) fn body_text(mut self, text: String) -> Self {
        self.body = ruststack_protocol::Body::from(text);
        self
    }
}
