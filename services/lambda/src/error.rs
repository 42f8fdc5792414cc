//! Lambda's error codes, with the statuses and messages AWS sends.

use http::{HeaderValue, StatusCode};
use ruststack_protocol::ServiceError;

/// `InvalidParameterValueException` (400).
pub(crate) fn invalid_parameter(message: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameterValueException",
        message.to_owned(),
    )
}

/// `ValidationException` (400) with AWS's model-validation wording.
pub(crate) fn validation(value: &str, member: &str, constraint: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ),
    )
}

/// `ValidationException` for a required member that is missing.
pub(crate) fn missing(member: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ),
    )
}

/// `ResourceNotFoundException` (404).
pub(crate) fn not_found(message: String) -> ServiceError {
    ServiceError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
}

/// The function (or its qualifier) does not exist.
pub(crate) fn function_not_found(arn: &str) -> ServiceError {
    not_found(format!("Function not found: {arn}"))
}

/// `ResourceConflictException` (409).
pub(crate) fn conflict(message: String) -> ServiceError {
    ServiceError::new(StatusCode::CONFLICT, "ResourceConflictException", message)
}

/// `PreconditionFailedException` (412) for a stale `RevisionId`.
pub(crate) fn revision_mismatch(what: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailedException",
        format!(
            "The Revision Id provided does not match the latest Revision Id. Call the {what} API to retrieve the latest Revision Id"
        ),
    )
}

/// `TooManyRequestsException` (429) with its `Reason`.
pub(crate) fn throttled(reason: &'static str) -> ServiceError {
    ServiceError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Rate Exceeded.",
    )
    .with_field("Reason", reason)
    .with_header(http::header::RETRY_AFTER, HeaderValue::from_static("1"))
}

/// `RequestTooLargeException` (413) for an invoke payload over 6 MB.
pub(crate) fn payload_too_large(limit: usize) -> ServiceError {
    ServiceError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestTooLargeException",
        format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
    )
}

/// `InvalidRequestContentException` (400) for a payload that is not JSON.
pub(crate) fn invalid_content(detail: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "InvalidRequestContentException",
        format!(
            "Could not parse request body into json: Could not parse payload into json: {detail}"
        ),
    )
}

/// `ServiceException` (500) for a failure of the machinery around a function.
pub(crate) fn service(message: String) -> ServiceError {
    ServiceError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceException",
        message,
    )
}
