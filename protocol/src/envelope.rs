//! Serialises a [`ServiceError`] in the envelope of the request's protocol, and stamps the
//! request-id headers every response carries, success or error.

use http::{HeaderValue, StatusCode};

use crate::body::BodyError;
use crate::request_id::RequestId;
use crate::{Protocol, RequestContext, Response, ServiceError, ServiceId};
use crate::{fastly_api, json, query, rest_json, rest_xml};

/// The error response for `err` in `protocol`, request-id headers included.
pub fn error_response(
    err: &ServiceError,
    protocol: Protocol,
    service: Option<ServiceId>,
    request_id: &RequestId,
    is_head: bool,
) -> Response {
    let mut resp = match protocol {
        Protocol::RestXml => rest_xml::error_response(err, request_id, is_head),
        Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => json::error_response(err, protocol, service),
        Protocol::RestJson => rest_json::error_response(err),
        Protocol::Query => query::error_response(err, request_id),
        Protocol::FastlyApi => fastly_api::error_response(err),
    };
    stamp(&mut resp, protocol, request_id);
    resp
}

/// [`error_response`] for a request whose context is known.
pub fn for_context(ctx: &RequestContext, err: &ServiceError) -> Response {
    error_response(
        err,
        ctx.protocol,
        Some(ctx.service),
        &ctx.request_id,
        ctx.is_head,
    )
}

/// Adds the protocol's request-id headers unless the service already set them:
/// `x-amz-request-id` + `x-amz-id-2` for S3, `x-amzn-RequestId` for the others.
pub fn stamp(resp: &mut Response, protocol: Protocol, request_id: &RequestId) {
    let headers = resp.headers_mut();
    let ids: &[(&str, &str)] = match protocol {
        Protocol::RestXml => &[
            ("x-amz-request-id", request_id.as_str()),
            ("x-amz-id-2", request_id.host_id()),
        ],
        _ => &[("x-amzn-requestid", request_id.as_str())],
    };
    for (name, value) in ids {
        if !headers.contains_key(*name)
            && let Ok(value) = HeaderValue::from_str(value)
        {
            headers.insert(*name, value);
        }
    }
}

pub(crate) fn add_error_headers(resp: &mut Response, err: &ServiceError) {
    for (name, value) in err.headers() {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
}

/// The error for a body that could not be collected: 413 when it is too large.
pub fn body_error(err: BodyError) -> ServiceError {
    match err {
        BodyError::TooLarge { limit } => ServiceError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLargeException",
            format!("Request must be smaller than {limit} bytes"),
        ),
        BodyError::Read(source) => ServiceError::new(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "The request body could not be read completely",
        )
        .with_source(source),
    }
}

/// The error for an operation a service does not know, in the protocol's own words.
pub fn unknown_operation(protocol: Protocol, operation: &str) -> ServiceError {
    match protocol {
        Protocol::RestXml => ServiceError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
        ),
        Protocol::AwsJson1_0 => ServiceError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        )
        .with_namespace("com.amazon.coral.service"),
        Protocol::AwsJson1_1 | Protocol::Query => ServiceError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        ),
        Protocol::RestJson | Protocol::FastlyApi => ServiceError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        ),
    }
}

/// The code a service uses for its own internal failures.
pub fn internal_error_code(service: ServiceId) -> &'static str {
    match service {
        ServiceId::S3 => "InternalError",
        ServiceId::DynamoDb | ServiceId::DynamoDbStreams => "InternalServerError",
        ServiceId::Lambda => "ServiceException",
        ServiceId::Logs => "ServiceUnavailableException",
        ServiceId::Fastly => "InternalError",
    }
}

/// An operation of a service's model that ruststack does not implement (LocalStack's
/// wording), or — for a name that is not an operation at all — the unknown-operation error.
pub fn operation_not_implemented(
    protocol: Protocol,
    service: ServiceId,
    operation: &str,
) -> ServiceError {
    if operation.is_empty() || !operation.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return unknown_operation(protocol, operation);
    }
    unavailable(
        protocol,
        format!("API action '{operation}' for service '{service}' not yet implemented"),
    )
}

/// The error for a request ruststack routed but cannot serve (service disabled, not part of
/// this build, or not emulated at all): 501 in the protocol's words.
pub fn unavailable(protocol: Protocol, message: String) -> ServiceError {
    let code = match protocol {
        Protocol::RestXml => "NotImplemented",
        _ => "InternalFailure",
    };
    ServiceError::new(StatusCode::NOT_IMPLEMENTED, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_stamps_request_ids() {
        for protocol in [
            Protocol::RestXml,
            Protocol::AwsJson1_0,
            Protocol::AwsJson1_1,
            Protocol::RestJson,
            Protocol::Query,
            Protocol::FastlyApi,
        ] {
            let id = RequestId::new(protocol);
            let err = unavailable(protocol, "x".into());
            let resp = error_response(&err, protocol, None, &id, false);
            assert_eq!(resp.status(), 501);
            let header = if protocol == Protocol::RestXml {
                "x-amz-request-id"
            } else {
                "x-amzn-requestid"
            };
            assert_eq!(resp.headers()[header], id.as_str(), "{protocol:?}");
        }
    }

    #[test]
    fn stamp_keeps_ids_the_service_set() {
        let id = RequestId::new(Protocol::RestXml);
        let mut resp = Response::new(crate::Body::empty());
        resp.headers_mut()
            .insert("x-amz-request-id", HeaderValue::from_static("MINE"));
        stamp(&mut resp, Protocol::RestXml, &id);
        assert_eq!(resp.headers()["x-amz-request-id"], "MINE");
        assert_eq!(resp.headers()["x-amz-id-2"], id.host_id());
    }
}
