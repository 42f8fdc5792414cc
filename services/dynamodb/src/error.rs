//! DynamoDB's errors, with the namespaces and messages DynamoDB sends.

use http::StatusCode;
use ruststack_protocol::ServiceError;

/// `com.amazon.coral.validate#ValidationException`.
pub(crate) fn validation(message: impl Into<String>) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        message.into(),
    )
    .with_namespace("com.amazon.coral.validate")
}

/// AWS's generic model-validation wording.
pub(crate) fn constraint(value: &str, member: &str, constraint: &str) -> ServiceError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

pub(crate) fn missing(member: &str) -> ServiceError {
    validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

/// "One or more parameter values were invalid: …".
pub(crate) fn invalid_parameter(detail: impl std::fmt::Display) -> ServiceError {
    validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

pub(crate) fn resource_not_found() -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        "Requested resource not found",
    )
}

pub(crate) fn table_not_found(table: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        format!("Requested resource not found: Table: {table} not found"),
    )
}

pub(crate) fn resource_in_use(message: impl Into<String>) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ResourceInUseException",
        message.into(),
    )
}

pub(crate) fn conditional_check_failed() -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_REQUEST,
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
}

pub(crate) fn key_schema_mismatch() -> ServiceError {
    validation("The provided key element does not match the schema")
}
