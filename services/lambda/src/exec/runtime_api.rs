//! The Lambda Runtime API (2018-06-01) one function instance talks to, on its own loopback
//! port (`AWS_LAMBDA_RUNTIME_API`), exactly as the official runtime clients and the
//! `lambda_runtime` crate expect it:
//! - `GET  /2018-06-01/runtime/invocation/next` → the event, with the `Lambda-Runtime-*`
//!   headers (request id, deadline, function ARN, trace id, client context, identity);
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `…/{id}/error`;
//! - `POST /2018-06-01/runtime/init/error`.
//!
//! Everything the runtime reports becomes an [`Event`] for the invocation waiting on the
//! instance.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Mutex, mpsc};

/// Largest response a function may return (AWS: 6 MB plus framing).
pub(crate) const MAX_RESPONSE: usize = 6_291_556;

/// One invocation handed to the runtime.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) function_arn: String,
    pub(crate) timeout_ms: u64,
    pub(crate) client_context: Option<String>,
    pub(crate) identity: Option<String>,
    pub(crate) trace_id: String,
}

/// What the runtime reported.
#[derive(Debug)]
pub(crate) enum Event {
    /// The runtime asked for its next event (its init phase is over).
    Ready,
    /// The handler's result.
    Response(String, Bytes),
    /// The handler failed: request id, error body (its `errorType` is in the body).
    Error(String, Bytes),
    /// Initialisation failed: the error body.
    InitError(Bytes),
}

struct Shared {
    invocations: Mutex<mpsc::Receiver<Invocation>>,
    events: mpsc::UnboundedSender<Event>,
}

/// Serves the API on `listener` until the returned task is aborted.
pub(crate) fn serve(
    listener: tokio::net::TcpListener,
    invocations: mpsc::Receiver<Invocation>,
    events: mpsc::UnboundedSender<Event>,
) -> tokio::task::JoinHandle<()> {
    let shared = Arc::new(Shared {
        invocations: Mutex::new(invocations),
        events,
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(DefaultBodyLimit::max(4 * MAX_RESPONSE))
        .with_state(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let _ = shared.events.send(Event::Ready);
    let mut invocations = shared.invocations.lock().await;
    let Some(inv) = invocations.recv().await else {
        return StatusCode::GONE.into_response();
    };
    drop(invocations);
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
        + inv.timeout_ms;
    let mut resp = (StatusCode::OK, inv.payload).into_response();
    let headers = resp.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("content-type", "application/json");
    set("lambda-runtime-aws-request-id", &inv.request_id);
    set("lambda-runtime-deadline-ms", &deadline.to_string());
    set("lambda-runtime-invoked-function-arn", &inv.function_arn);
    set("lambda-runtime-trace-id", &inv.trace_id);
    if let Some(cc) = &inv.client_context {
        set("lambda-runtime-client-context", cc);
    }
    if let Some(id) = &inv.identity {
        set("lambda-runtime-cognito-identity", id);
    }
    resp
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let event = if body.len() > MAX_RESPONSE {
        Event::Error(
            id,
            Bytes::from(format!(
                r#"{{"errorMessage":"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE} bytes).","errorType":"Function.ResponseSizeTooLarge"}}"#
            )),
        )
    } else {
        Event::Response(id, body)
    };
    let _ = shared.events.send(event);
    accepted()
}

async fn error(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let _ = shared.events.send(Event::Error(id, body));
    accepted()
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let _ = shared.events.send(Event::InitError(body));
    accepted()
}
