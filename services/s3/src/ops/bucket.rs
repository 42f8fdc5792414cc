//! CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation,
//! GetBucketPolicyStatus.

use http::StatusCode;
use ruststack_protocol::ServiceError;
use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::rest::iso8601_millis;
use ruststack_storage::Batch;

use crate::api::{Reply, Req};
use crate::state::{Bucket, BucketMeta};
use crate::xml::{self, NS};
use crate::{S3, error, persist};

/// S3's bucket naming rules (general purpose buckets).
pub(crate) fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    if !(3..=63).contains(&b.len()) {
        return false;
    }
    let edge_ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !edge_ok(b[0]) || !edge_ok(b[b.len() - 1]) {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
    {
        return false;
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return false;
    }
    let is_ip = name.split('.').count() == 4
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.parse::<u8>().is_ok());
    !(is_ip
        || name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.starts_with("amzn-s3-demo-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
        || name.ends_with(".mrap")
        || name.ends_with("--x-s3"))
}

pub(crate) async fn create(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let name = req.bucket.clone();
    if !is_valid_name(&name) {
        return Err(error::invalid_bucket_name(&name));
    }
    let body = req.document().await?;
    let constraint = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let config: xml::CreateBucketConfiguration =
            ruststack_protocol::rest_xml::from_document(&body).ok_or_else(error::malformed_xml)?;
        config.location_constraint.filter(|c| !c.is_empty())
    };
    let region = req.ctx.region.clone();
    match constraint.as_deref() {
        Some("us-east-1") => return Err(error::invalid_location("us-east-1")),
        Some(c) if c != region => return Err(error::illegal_location(Some(c))),
        None if region != "us-east-1" => return Err(error::illegal_location(None)),
        _ => {}
    }
    if let Some(acl) = req.header("x-amz-acl") {
        if xml::canned_acl(acl).is_none() {
            return Err(error::invalid_argument("", "x-amz-acl", acl));
        }
        let enforced = req
            .header("x-amz-object-ownership")
            .is_none_or(|o| o == "BucketOwnerEnforced");
        if enforced && !matches!(acl, "private" | "bucket-owner-full-control") {
            return Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "InvalidBucketAclWithObjectOwnership",
                "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
            ));
        }
    }
    let object_lock = req
        .header("x-amz-bucket-object-lock-enabled")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut meta = BucketMeta {
        name: name.clone(),
        account: req.ctx.account_id.clone(),
        region: region.clone(),
        created: req.now(),
        versioning: object_lock.then(|| "Enabled".to_owned()),
        mfa_delete: None,
        object_lock,
        configs: Default::default(),
        next_seq: 0,
    };
    if let Some(acl) = req.header("x-amz-acl") {
        meta.configs.insert("acl".into(), format!("canned:{acl}"));
    }
    if let Some(ownership) = req.header("x-amz-object-ownership") {
        if !matches!(
            ownership,
            "BucketOwnerPreferred" | "ObjectWriter" | "BucketOwnerEnforced"
        ) {
            return Err(error::invalid_argument(
                "Invalid x-amz-object-ownership header",
                "x-amz-object-ownership",
                ownership,
            ));
        }
        meta.configs.insert(
            "ownershipControls".into(),
            format!(
                "<OwnershipControls xmlns=\"{NS}\"><Rule><ObjectOwnership>{ownership}</ObjectOwnership></Rule></OwnershipControls>"
            ),
        );
    }
    let account = req.ctx.account_id.clone();
    s3.write(move |s3| {
        let mut state = s3.write_lock();
        if let Some(existing) = state.buckets.get(&name) {
            if existing.meta.account != account {
                return Err(error::bucket_exists(&name));
            }
            // us-east-1 answers a repeated CreateBucket by its owner with success.
            if existing.meta.region == "us-east-1" && region == "us-east-1" {
                return Ok(());
            }
            return Err(error::bucket_owned_by_you(&name));
        }
        let mut batch = Batch::new();
        persist::put_bucket(&mut batch, &meta);
        s3.commit(batch)?;
        state.buckets.insert(name, Bucket::new(meta));
        Ok(())
    })
    .await?;
    Ok(Reply::ok().header("location", format!("/{}", req.bucket)))
}

pub(crate) fn head(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    Ok(Reply::ok()
        .header("x-amz-bucket-region", &bucket.meta.region)
        .header("x-amz-access-point-alias", "false"))
}

pub(crate) async fn delete(s3: &S3, req: Req<'_>) -> Result<Reply, ServiceError> {
    let name = req.bucket.clone();
    let blobs = s3
        .write(move |s3| {
            let mut state = s3.write_lock();
            let bucket = super::bucket(&state, &name)?;
            if !bucket.is_empty() {
                return Err(error::bucket_not_empty(&name));
            }
            let mut batch = Batch::new();
            persist::delete_bucket(&mut batch, &name);
            s3.commit(batch)?;
            let removed = state.buckets.remove(&name);
            Ok(removed
                .map(|b| {
                    b.uploads
                        .into_values()
                        .flat_map(|u| u.parts.into_values().map(|p| p.blob))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default())
        })
        .await?;
    s3.discard_blobs(blobs).await;
    Ok(Reply::no_content())
}

pub(crate) fn list_buckets(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let max = match req.q("max-buckets") {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                return Err(error::invalid_argument(
                    "Argument max-buckets must be an integer between 1 and 10000",
                    "max-buckets",
                    v,
                ));
            }
        },
        None => usize::MAX,
    };
    let after = match req.q("continuation-token") {
        Some(token) => Some(
            base64_decode(token)
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    error::invalid_argument(
                        "The continuation token provided is incorrect",
                        "continuation-token",
                        token,
                    )
                })?,
        ),
        None => None,
    };
    let prefix = req.q("prefix").unwrap_or("");
    let region = req.q("bucket-region");
    let state = s3.read();
    let mut buckets = Vec::new();
    let mut truncated = false;
    for b in state.buckets.values() {
        if b.meta.account != req.ctx.account_id
            || !b.meta.name.starts_with(prefix)
            || region.is_some_and(|r| r != b.meta.region)
            || after.as_ref().is_some_and(|a| b.meta.name <= *a)
        {
            continue;
        }
        if buckets.len() == max {
            truncated = true;
            break;
        }
        buckets.push(xml::BucketEntry {
            name: b.meta.name.clone(),
            creation_date: iso8601_millis(b.meta.created),
            region: b.meta.region.clone(),
        });
    }
    let continuation_token = truncated
        .then(|| buckets.last().map(|b| base64_encode(b.name.as_bytes())))
        .flatten();
    Reply::xml(
        "ListAllMyBucketsResult",
        &xml::ListAllMyBucketsResult {
            xmlns: NS,
            owner: xml::OWNER,
            buckets: xml::Buckets { buckets },
            continuation_token,
            prefix: req.q("prefix").map(str::to_owned),
        },
    )
}

pub(crate) fn location(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let region = (bucket.meta.region != "us-east-1").then(|| bucket.meta.region.clone());
    Reply::xml(
        "LocationConstraint",
        &xml::LocationConstraint { xmlns: NS, region },
    )
}

pub(crate) fn policy_status(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let Some(policy) = bucket.meta.configs.get("policy") else {
        return Err(ServiceError::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucketPolicy",
            "The bucket policy does not exist",
        )
        .with_field("BucketName", req.bucket.clone()));
    };
    let is_public = crate::config::policy_is_public(policy);
    Reply::xml(
        "PolicyStatus",
        &xml::PolicyStatus {
            xmlns: NS,
            is_public,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "a.b-c", "my-bucket-1", "1bucket", &"a".repeat(63)] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Abc",
            "a_b",
            "-ab",
            "ab-",
            "a..b",
            "a.-b",
            "192.168.5.4",
            "xn--abc",
            "sthree-x",
            "abc-s3alias",
            "abc--ol-s3",
            "a b",
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
