//! Request routing and the helpers every operation uses: path segments, query, form and
//! JSON bodies, and Fastly's response shapes and timestamp formats.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ruststack_protocol::body::{collect_limited, content_length};
use ruststack_protocol::rest::{iso8601_millis, percent_decode, query_map};
use ruststack_protocol::{
    Body, Endpoint, Request, RequestContext, Response, ServiceError, envelope,
};
use serde_json::{Map, Value, json};

use crate::ops::{config, kv, links, secret};
use crate::{Fastly, error};

/// Largest form or JSON body of the store APIs.
const SMALL_BODY: usize = 1024 * 1024;

/// A decoded request.
pub(crate) struct Req {
    pub(crate) method: Method,
    /// Percent-decoded path segments.
    pub(crate) segments: Vec<String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) headers: HeaderMap,
    body: Option<Body>,
}

impl Req {
    /// A query parameter.
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as bytes, refused past `limit`.
    pub(crate) async fn bytes(&mut self, limit: usize) -> Result<Bytes, ServiceError> {
        let body = self.body.take().unwrap_or_else(Body::empty);
        collect_limited(body, content_length(&self.headers), limit)
            .await
            .map_err(|e| match e {
                ruststack_protocol::body::BodyError::TooLarge { limit } => {
                    error::too_large(format!("The request body is larger than {limit} bytes"))
                }
                other => envelope::body_error(other),
            })
    }

    /// An `application/x-www-form-urlencoded` body (unknown fields are ignored by callers).
    pub(crate) async fn form(&mut self) -> Result<BTreeMap<String, String>, ServiceError> {
        let bytes = self.bytes(SMALL_BODY).await?;
        Ok(form_urlencoded::parse(&bytes).into_owned().collect())
    }

    /// A JSON object body (`{}` when empty).
    pub(crate) async fn json(&mut self) -> Result<Map<String, Value>, ServiceError> {
        let bytes = self.bytes(SMALL_BODY).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(error::bad_request(
                "The request body is not a JSON object".to_owned(),
            )),
        }
    }
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(value).unwrap_or_default()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 JSON response.
pub(crate) fn ok(value: &Value) -> Response {
    json_response(StatusCode::OK, value)
}

/// `{"status":"ok"}`, what config-store and link deletions answer.
pub(crate) fn status_ok() -> Response {
    ok(&json!({"status": "ok"}))
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// RFC 3339 to the second (`2023-03-01T22:12:20Z`), as config and secret stores write times.
pub(crate) fn rfc3339(millis: i64) -> String {
    let text = iso8601_millis(millis);
    format!("{}Z", &text[..19])
}

/// `2025-06-23 19:41:15`, as KV stores write times.
pub(crate) fn kv_time(millis: i64) -> String {
    let text = iso8601_millis(millis);
    format!("{} {}", &text[..10], &text[11..19])
}

/// A page size from `limit`: `default` when absent, at most `max`.
pub(crate) fn limit(req: &Req, default: usize, max: usize) -> Result<usize, ServiceError> {
    match req.q("limit") {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(error::bad_request(format!(
                "limit must be an integer between 1 and {max}"
            ))),
        },
    }
}

/// An opaque pagination cursor naming the last item of a page.
pub(crate) fn cursor_for(last: &str) -> String {
    ruststack_protocol::encoding::base64_encode(last.as_bytes())
}

/// The item a cursor names; a malformed cursor is a bad request.
pub(crate) fn cursor_after(req: &Req) -> Result<Option<String>, ServiceError> {
    match req.q("cursor") {
        None | Some("") => Ok(None),
        Some(text) => ruststack_protocol::encoding::base64_decode(text)
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| error::bad_request(format!("Invalid cursor '{text}'"))),
    }
}

/// One page of sorted `items` after the request's cursor (`limit`: `default`, at most
/// `max`), and the page's `meta` (`limit`, and `next_cursor` when more follow).
pub(crate) fn page(
    req: &Req,
    items: &[&str],
    default: usize,
    max: usize,
) -> Result<(std::ops::Range<usize>, Value), ServiceError> {
    let limit = limit(req, default, max)?;
    let start = match cursor_after(req)? {
        Some(after) => items.partition_point(|i| *i <= after.as_str()),
        None => 0,
    };
    let end = (start + limit).min(items.len());
    let mut meta = json!({"limit": limit});
    if end < items.len() && end > start {
        meta["next_cursor"] = Value::String(cursor_for(items[end - 1]));
    }
    Ok((start..end, meta))
}

/// The gateway's entry point.
pub async fn dispatch(
    fastly: &Fastly,
    ctx: &RequestContext,
    req: Request,
) -> Result<Response, ServiceError> {
    if let Endpoint::FastlyCompute { service } = &ctx.endpoint {
        ctx.set_operation("Compute");
        return Ok(fastly.serve_compute(Some(service), req).await);
    }
    let (parts, body) = req.into_parts();
    let mut segments = Vec::new();
    for raw in parts.uri.path().split('/').filter(|s| !s.is_empty()) {
        segments.push(
            percent_decode(raw)
                .ok_or_else(|| error::bad_request(format!("Invalid path segment '{raw}'")))?,
        );
    }
    let mut req = Req {
        method: parts.method,
        segments,
        query: query_map(parts.uri.query()),
        headers: parts.headers,
        body: Some(body),
    };
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let m = req.method.clone();
    match segs.as_slice() {
        ["realms", "fastly", ".well-known", "openid-configuration"] if m == Method::GET => {
            ctx.set_operation("OpenIdConfiguration");
            Ok(openid_configuration(&req))
        }
        ["resources", "stores", "config", ..] => config::route(fastly, ctx, &mut req).await,
        ["resources", "stores", "kv", ..] => kv::route(fastly, ctx, &mut req).await,
        ["resources", "stores", "secret", ..] => secret::route(fastly, ctx, &mut req).await,
        ["service", _, "version", _, "resource", ..] => links::route(fastly, ctx, &mut req).await,
        ["service", service, "version", rest @ ..] if m == Method::GET && rest.len() <= 1 => {
            ctx.set_operation(if rest.is_empty() {
                "ListServiceVersions"
            } else {
                "GetServiceVersion"
            });
            links::versions(fastly, service, rest.first().copied())
        }
        _ => Err(unknown(&req)),
    }
}

/// The answer to a path or method the API does not have.
pub(crate) fn unknown(req: &Req) -> ServiceError {
    error::not_found(format!(
        "{} /{} is not part of the API ruststack serves",
        req.method,
        req.segments.join("/")
    ))
}

/// The account endpoint's discovery document the CLI fetches before any token-using
/// command.
fn openid_configuration(req: &Req) -> Response {
    let host = req.header("host").unwrap_or("localhost:4566");
    let base = format!("http://{host}/realms/fastly");
    ok(&json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/protocol/openid-connect/auth"),
        "token_endpoint": format!("{base}/protocol/openid-connect/token"),
        "jwks_uri": format!("{base}/protocol/openid-connect/certs"),
        "userinfo_endpoint": format!("{base}/protocol/openid-connect/userinfo"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_formats() {
        assert_eq!(rfc3339(1_677_708_740_123), "2023-03-01T22:12:20Z");
        assert_eq!(kv_time(1_750_707_675_000), "2025-06-23 19:41:15");
    }
}
