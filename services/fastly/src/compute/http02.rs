//! Every conversion between ruststack's HTTP types (http 1, hyper 1) and viceroy-lib's
//! (http 0.2, hyper 0.14) lives here.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use ruststack_protocol::body::collect_limited;
use ruststack_protocol::{Body, Response};

/// Largest request body handed to an app.
pub(crate) const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;

/// Why a request could not be handed over.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) String);

/// An incoming request as viceroy-lib takes it: absolute URI from the Host header, the same
/// method, version, headers and body.
pub(crate) async fn request(
    req: http::Request<Body>,
) -> Result<hyper014::Request<hyper014::Body>, Refused> {
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let uri = format!("http://{host}{path}");
    let version = match parts.version {
        http::Version::HTTP_10 => hyper014::Version::HTTP_10,
        http::Version::HTTP_2 => hyper014::Version::HTTP_2,
        _ => hyper014::Version::HTTP_11,
    };
    let mut builder = hyper014::Request::builder()
        .method(parts.method.as_str())
        .uri(uri)
        .version(version);
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let bytes = collect_limited(
        body,
        ruststack_protocol::body::content_length(&parts.headers),
        MAX_REQUEST_BODY,
    )
    .await
    .map_err(|e| Refused(format!("the request body could not be read: {e}")))?;
    builder
        .body(hyper014::Body::from(bytes))
        .map_err(|e| Refused(format!("the request could not be handed to the app: {e}")))
}

/// An app's response as ruststack sends it.
pub(crate) async fn response(
    resp: hyper014::Response<viceroy_lib::body::Body>,
) -> Result<Response, Refused> {
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = hyper014::body::to_bytes(body)
        .await
        .map_err(|e| Refused(format!("the app's response body failed: {e}")))?;
    let mut out = Response::new(Body::from(bytes));
    *out.status_mut() =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parts.headers {
        // The body is sent whole with its own framing.
        if matches!(
            name.as_str(),
            "transfer-encoding" | "connection" | "keep-alive" | "content-length"
        ) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    Ok(out)
}
