//! CloudWatch Logs' error codes, with the messages AWS sends.

use http::StatusCode;
use ruststack_protocol::ServiceError;

fn bad(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::new(StatusCode::BAD_REQUEST, code, message.into())
}

/// `InvalidParameterException` with a message.
pub(crate) fn invalid(message: impl Into<String>) -> ServiceError {
    bad("InvalidParameterException", message)
}

/// AWS's model-validation wording, reported as `InvalidParameterException`.
pub(crate) fn validation(value: &str, member: &str, constraint: &str) -> ServiceError {
    invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// A required member is missing.
pub(crate) fn missing(member: &str) -> ServiceError {
    invalid(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

pub(crate) fn group_not_found() -> ServiceError {
    bad(
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )
}

pub(crate) fn stream_not_found() -> ServiceError {
    bad(
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
}

pub(crate) fn group_exists() -> ServiceError {
    bad(
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
}

pub(crate) fn stream_exists() -> ServiceError {
    bad(
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    )
}

pub(crate) fn filter_not_found() -> ServiceError {
    bad(
        "ResourceNotFoundException",
        "The specified filter does not exist.",
    )
}

pub(crate) fn limit_exceeded() -> ServiceError {
    bad("LimitExceededException", "Resource limit exceeded.")
}

pub(crate) fn query_not_found() -> ServiceError {
    bad(
        "ResourceNotFoundException",
        "The specified query could not be found.",
    )
}

pub(crate) fn malformed_query(message: String) -> ServiceError {
    bad("MalformedQueryException", message)
}

pub(crate) fn invalid_token() -> ServiceError {
    invalid("The specified nextToken is invalid.")
}
