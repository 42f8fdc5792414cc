//! CORS as S3 applies a bucket's rules: preflight `OPTIONS` answered, and
//! `Access-Control-*` headers on responses to requests that carry an `Origin`.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use ruststack_protocol::ServiceError;

use crate::api::{Reply, Req};
use crate::config::{CorsRule, parse_cors};
use crate::{S3, error};

fn rule_headers(rule: &CorsRule, origin: &str, method_list: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    if rule.origins.iter().any(|o| o == "*") {
        set("access-control-allow-origin", "*");
    } else {
        set("access-control-allow-origin", origin);
        set("access-control-allow-credentials", "true");
    }
    if method_list {
        set("access-control-allow-methods", &rule.methods.join(", "));
    }
    if !rule.expose.is_empty() {
        set("access-control-expose-headers", &rule.expose.join(", "));
    }
    if let Some(age) = rule.max_age {
        set("access-control-max-age", &age.to_string());
    }
    set(
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );
    h
}

/// The CORS headers for an actual (non-preflight) request, if a rule matches.
pub(crate) fn response_headers(s3: &S3, bucket: &str, origin: &str, method: &str) -> HeaderMap {
    let state = s3.read();
    let Some(doc) = state
        .buckets
        .get(bucket)
        .and_then(|b| b.meta.configs.get("cors"))
    else {
        return HeaderMap::new();
    };
    let Ok(cors) = parse_cors(doc.as_bytes()) else {
        return HeaderMap::new();
    };
    cors.find(origin, method, &[])
        .map(|rule| rule_headers(rule, origin, true))
        .unwrap_or_default()
}

fn forbidden(message: &'static str, method: &str, resource: &str) -> ServiceError {
    ServiceError::new(StatusCode::FORBIDDEN, "AccessForbidden", message)
        .with_field("Method", method.to_owned())
        .with_field("ResourceType", resource.to_owned())
}

pub(crate) fn preflight(s3: &S3, req: &Req<'_>) -> Result<Reply, ServiceError> {
    let Some(origin) = req.header("origin") else {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Insufficient information. Origin request header needed.",
        ));
    };
    let Some(method) = req.header("access-control-request-method") else {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid Access-Control-Request-Method: null",
        ));
    };
    let resource = if req.key.is_empty() {
        "BUCKET"
    } else {
        "OBJECT"
    };
    let state = s3.read();
    let bucket = super::bucket(&state, &req.bucket)?;
    let Some(doc) = bucket.meta.configs.get("cors") else {
        return Err(forbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
            method,
            resource,
        ));
    };
    let cors = parse_cors(doc.as_bytes()).map_err(|_| error::malformed_xml())?;
    let requested: Vec<String> = req
        .header("access-control-request-headers")
        .map(|v| {
            v.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let Some(rule) = cors.find(origin, method, &requested) else {
        return Err(forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            method,
            resource,
        ));
    };
    let mut reply = Reply::ok();
    reply.headers = rule_headers(rule, origin, true);
    if !requested.is_empty() {
        reply.set("access-control-allow-headers", requested.join(", "));
    }
    Ok(reply)
}
