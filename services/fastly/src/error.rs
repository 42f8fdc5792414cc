//! Fastly's API errors: `{"msg", "detail"}` bodies with the statuses the API sends.

use http::StatusCode;
use ruststack_protocol::ServiceError;

fn error(
    status: StatusCode,
    code: &'static str,
    msg: &'static str,
    detail: String,
) -> ServiceError {
    ServiceError::new(status, code, msg).with_field("detail", detail)
}

/// 404 `Record not found`.
pub(crate) fn not_found(detail: String) -> ServiceError {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "Record not found",
        detail,
    )
}

/// 400 `Bad request` for invalid input.
pub(crate) fn bad_request(detail: String) -> ServiceError {
    error(StatusCode::BAD_REQUEST, "BadRequest", "Bad request", detail)
}

/// 409 `Duplicate record` (a name or key that already exists).
pub(crate) fn duplicate(detail: String) -> ServiceError {
    error(StatusCode::CONFLICT, "Conflict", "Duplicate record", detail)
}

/// 409 `Conflict` for a state that forbids the change.
pub(crate) fn conflict(detail: String) -> ServiceError {
    error(StatusCode::CONFLICT, "Conflict", "Conflict", detail)
}

/// 412 `Precondition failed` (KV generation or add-mode checks).
pub(crate) fn precondition(detail: String) -> ServiceError {
    error(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
        "Precondition failed",
        detail,
    )
}

/// 413 for a value or body over Fastly's limit.
pub(crate) fn too_large(detail: String) -> ServiceError {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PayloadTooLarge",
        "Payload too large",
        detail,
    )
}

/// A missing required field.
pub(crate) fn missing(field: &str) -> ServiceError {
    bad_request(format!("The field '{field}' is required"))
}
