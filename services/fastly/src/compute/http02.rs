//! Every conversion between ruststack's HTTP types (http 1, hyper 1) and viceroy-lib's
//! (http 0.2, hyper 0.14) lives here. Bodies stream both ways: nothing is buffered whole.

use std::future::Future;
use std::pin::Pin;

use http::{HeaderValue, StatusCode};
use hyper014::body::HttpBody;
use ruststack_protocol::{Body, Response};

/// Why a request could not be handed over.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) String);

/// Runs once an app's response body has been sent whole.
pub(crate) type Finish = Pin<Box<dyn Future<Output = ()> + Send>>;

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
        hyper014::Body::wrap_stream(body.into_data_stream())
    };
    builder
        .body(body)
        .map_err(|e| Refused(format!("the request could not be handed to the app: {e}")))
}

/// An app's response as ruststack sends it: status, headers, and the body as the app writes
/// it, with a `Content-Length` when its length is known (as viceroy's own server sends
/// it). `finish` runs after the last byte and before the end of the body is sent.
pub(crate) fn response(
    resp: hyper014::Response<viceroy_lib::body::Body>,
    finish: Option<Finish>,
) -> Response {
    let (parts, body) = resp.into_parts();
    let length = body.size_hint().exact();
    let mut out = Response::new(Body::from_stream(chunks(body, finish)));
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

/// The body's chunks as they come. `finish` runs before the last chunk is handed on: a
/// client that knows the length has the whole body with that chunk, so the end of the
/// stream would come too late. Whether a chunk is the last is asked without waiting, so
/// no chunk is held back while the app is still writing.
fn chunks(
    body: viceroy_lib::body::Body,
    finish: Option<Finish>,
) -> impl futures_util::Stream<Item = Chunk> + Send {
    use futures_util::FutureExt;
    fn failed(e: &viceroy_lib::Error) -> std::io::Error {
        std::io::Error::other(format!("the app's response body failed: {e}"))
    }
    struct State {
        body: viceroy_lib::body::Body,
        finish: Option<Finish>,
        next: Option<Chunk>,
        ended: bool,
    }
    async fn end(state: &mut State) {
        state.ended = true;
        if let Some(finish) = state.finish.take() {
            finish.await;
        }
    }
    let state = State {
        body,
        finish,
        next: None,
        ended: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        if state.ended && state.next.is_none() {
            return None;
        }
        let chunk = match state.next.take() {
            Some(chunk) => chunk,
            None => match state.body.data().await {
                Some(chunk) => chunk.map_err(|e| failed(&e)),
                None => {
                    end(&mut state).await;
                    return None;
                }
            },
        };
        if chunk.is_ok() && !state.ended {
            match state.body.data().now_or_never() {
                Some(None) => end(&mut state).await,
                Some(Some(next)) => state.next = Some(next.map_err(|e| failed(&e))),
                None => {}
            }
        }
        Some((chunk, state))
    })
}
