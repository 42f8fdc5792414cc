//! S3's error codes, with the status, message and extra elements S3 sends.

use http::StatusCode;
use ruststack_protocol::ServiceError;

fn err(status: StatusCode, code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::new(status, code, message.into())
}

pub(crate) fn no_such_bucket(bucket: &str) -> ServiceError {
    err(
        StatusCode::NOT_FOUND,
        "NoSuchBucket",
        "The specified bucket does not exist",
    )
    .with_field("BucketName", bucket)
}

pub(crate) fn no_such_key(key: &str) -> ServiceError {
    err(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist.",
    )
    .with_field("Key", key)
}

pub(crate) fn no_such_version(key: &str, version_id: &str) -> ServiceError {
    err(
        StatusCode::NOT_FOUND,
        "NoSuchVersion",
        "The specified version does not exist.",
    )
    .with_field("Key", key)
    .with_field("VersionId", version_id)
}

pub(crate) fn invalid_version_id(version_id: &str) -> ServiceError {
    invalid_argument("Invalid version id specified", "versionId", version_id)
}

pub(crate) fn no_such_upload(upload_id: &str) -> ServiceError {
    err(
        StatusCode::NOT_FOUND,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
    .with_field("UploadId", upload_id)
}

pub(crate) fn invalid_bucket_name(bucket: &str) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "InvalidBucketName",
        "The specified bucket is not valid.",
    )
    .with_field("BucketName", bucket)
}

pub(crate) fn bucket_owned_by_you(bucket: &str) -> ServiceError {
    err(
        StatusCode::CONFLICT,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
    )
    .with_field("BucketName", bucket)
}

pub(crate) fn bucket_exists(bucket: &str) -> ServiceError {
    err(
        StatusCode::CONFLICT,
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
    )
    .with_field("BucketName", bucket)
}

pub(crate) fn bucket_not_empty(bucket: &str) -> ServiceError {
    err(
        StatusCode::CONFLICT,
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty",
    )
    .with_field("BucketName", bucket)
}

pub(crate) fn illegal_location(constraint: Option<&str>) -> ServiceError {
    let message = match constraint {
        Some(c) => format!(
            "The {c} location constraint is incompatible for the region specific endpoint this request was sent to."
        ),
        None => "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.".to_owned(),
    };
    let e = err(
        StatusCode::BAD_REQUEST,
        "IllegalLocationConstraintException",
        message,
    );
    match constraint {
        Some(c) => e.with_field("LocationConstraint", c),
        None => e,
    }
}

pub(crate) fn invalid_location(constraint: &str) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
    )
    .with_field("LocationConstraint", constraint)
}

pub(crate) fn malformed_xml() -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

pub(crate) fn invalid_argument(
    message: impl Into<String>,
    name: &str,
    value: &str,
) -> ServiceError {
    err(StatusCode::BAD_REQUEST, "InvalidArgument", message)
        .with_field("ArgumentName", name)
        .with_field("ArgumentValue", value)
}

pub(crate) fn invalid_request(message: impl Into<String>) -> ServiceError {
    err(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

pub(crate) fn method_not_allowed(method: &str, resource: &str) -> ServiceError {
    err(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
    .with_field("Method", method)
    .with_field("ResourceType", resource)
}

pub(crate) fn not_implemented(what: &str) -> ServiceError {
    err(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
    )
    .with_field("Header", what)
}

pub(crate) fn invalid_range(requested: &str, size: u64) -> ServiceError {
    err(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "InvalidRange",
        "The requested range is not satisfiable",
    )
    .with_field("RangeRequested", requested)
    .with_field("ActualObjectSize", size.to_string())
}

pub(crate) fn precondition_failed(condition: &str) -> ServiceError {
    err(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    .with_field("Condition", condition)
}

pub(crate) fn bad_digest(expected: &str, calculated: &str) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
    .with_field("ExpectedDigest", expected)
    .with_field("CalculatedDigest", calculated)
}

pub(crate) fn invalid_digest(value: &str) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
    )
    .with_field("Content-MD5", value)
}

pub(crate) fn checksum_mismatch(algorithm: &str) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "BadDigest",
        format!(
            "The {} you specified did not match the calculated checksum.",
            algorithm.to_ascii_uppercase()
        ),
    )
}

pub(crate) fn incomplete_body() -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
    )
}

pub(crate) fn entity_too_large(size: u64, max: u64) -> ServiceError {
    err(
        StatusCode::BAD_REQUEST,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    )
    .with_field("ProposedSize", size.to_string())
    .with_field("MaxSizeAllowed", max.to_string())
}

pub(crate) fn invalid_tag(message: impl Into<String>) -> ServiceError {
    err(StatusCode::BAD_REQUEST, "InvalidTag", message)
}

pub(crate) fn missing_config(
    code: &'static str,
    message: &'static str,
    bucket: &str,
) -> ServiceError {
    err(StatusCode::NOT_FOUND, code, message).with_field("BucketName", bucket)
}

pub(crate) fn internal(
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> ServiceError {
    ServiceError::internal("InternalError", source)
}
