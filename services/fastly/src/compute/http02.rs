//! Every conversion between ruststack's HTTP types (http 1, hyper 1) and viceroy-lib's
//! (http 0.2, hyper 0.14) lives here. Bodies stream both ways: nothing is buffered whole.

use http::{HeaderValue, StatusCode};
use hyper014::body::HttpBody;
use ruststack_protocol::{Body, Response};

/// Why a request could not be handed over.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) String);

/// Runs a closure when dropped: with the response body, once it has ended or its client has
/// gone.
pub(crate) struct OnEnd(Option<Box<dyn FnOnce() + Send>>);

impl OnEnd {
    pub(crate) fn new(f: impl FnOnce() + Send + 'static) -> Self {
        Self(Some(Box::new(f)))
    }
}

impl Drop for OnEnd {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// An incoming request as viceroy-lib takes it: absolute URI from the Host header, the same
/// method, version, headers, and the body as it arrives.
pub(crate) fn request(
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
    // An HTTP/1 request has a body only with a length or a transfer coding.
    let bodiless = match parts.headers.get(http::header::CONTENT_LENGTH) {
        Some(len) => len.as_bytes() == b"0",
        None => {
            parts.version <= http::Version::HTTP_11
                && !parts.headers.contains_key(http::header::TRANSFER_ENCODING)
        }
    };
    let body = if bodiless {
        hyper014::Body::empty()
    } else {
        // Each chunk is copied out of the connection's read buffer: a chunk shares that
        // buffer's allocation, and while the app (on another thread) still holds one, the
        // connection reads into a fresh allocation. Uncopied, a 256 MiB upload echoed back
        // through the gateway at full speed grew the server by 35-178 MiB at its peak;
        // copied, by 11-19 MiB.
        let copied = futures_util::StreamExt::map(body.into_data_stream(), |chunk| {
            chunk.map(|c| bytes::Bytes::copy_from_slice(&c))
        });
        hyper014::Body::wrap_stream(copied)
    };
    builder
        .body(body)
        .map_err(|e| Refused(format!("the request could not be handed to the app: {e}")))
}

/// An app's response as ruststack sends it: status, headers, and the body as the app writes
/// it, with a `Content-Length` when its length is known (as viceroy's own server sends
/// it). `on_end` is dropped with the body.
pub(crate) fn response(
    resp: hyper014::Response<viceroy_lib::body::Body>,
    on_end: OnEnd,
) -> Response {
    let (parts, body) = resp.into_parts();
    let length = body.size_hint().exact();
    let mut out = Response::new(Body::from_stream(chunks(body, on_end)));
    *out.status_mut() =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &parts.headers {
        // The body's framing is this server's.
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
    if let Some(length) = length {
        out.headers_mut()
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    out
}

type Chunk = Result<bytes::Bytes, std::io::Error>;

/// The body's chunks as they come.
fn chunks(
    body: viceroy_lib::body::Body,
    on_end: OnEnd,
) -> impl futures_util::Stream<Item = Chunk> + Send {
    futures_util::stream::unfold((body, on_end), |(mut body, on_end)| async move {
        let chunk = body
            .data()
            .await?
            .map_err(|e| std::io::Error::other(format!("the app's response body failed: {e}")));
        Some((chunk, (body, on_end)))
    })
}
