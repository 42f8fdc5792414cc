//! The gateway: one handler for every request on the port.
//!
//! `context → detect → dispatch → error envelope`, then one log line and the metrics. A
//! service's panic is caught here and answered as a 500 in the service's envelope (and
//! logged: it is a bug).

pub mod detect;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use futures_util::FutureExt;
use http::Method;
use ruststack_protocol::request_id::RequestId;
use ruststack_protocol::sigv4::{self, AcceptAll, Verifier};
use ruststack_protocol::{
    Body, Clock, RequestContext, Response, ServiceError, ServiceId, envelope,
};
use tracing::Instrument;

use crate::config::Config;
use crate::init::InitHooks;
use crate::internal;
use crate::metrics::Metrics;
use crate::registry::Registry;
use detect::Route;

/// Everything the gateway shares between requests.
pub struct App {
    pub(crate) config: Config,
    pub(crate) registry: Registry,
    pub(crate) clock: Clock,
    pub(crate) metrics: Metrics,
    pub(crate) init: InitHooks,
    pub(crate) started: Instant,
    pub(crate) session_id: String,
    pub(crate) machine_id: String,
    verifier: Box<dyn Verifier>,
    ready: AtomicBool,
}

impl App {
    /// Builds the shared state of a server.
    pub fn new(config: Config, registry: Registry, clock: Clock, init: InitHooks) -> Arc<Self> {
        Arc::new(Self {
            config,
            registry,
            clock,
            metrics: Metrics::default(),
            init,
            started: Instant::now(),
            session_id: uuid::Uuid::new_v4().to_string(),
            machine_id: format!(
                "ruststack-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            verifier: Box::new(AcceptAll),
            ready: AtomicBool::new(false),
        })
    }

    /// The router serving every path.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new().fallback(handle).with_state(Arc::clone(self))
    }

    /// Marks the server ready (`/health/ready` turns 200).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Whether the server finished starting (ready.d hooks included).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The shared clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}

async fn handle(State(app): State<Arc<App>>, req: http::Request<Body>) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let auth = sigv4::parse(&parts);
    let is_head = parts.method == Method::HEAD;

    match detect::detect(&parts, auth.as_ref()) {
        Route::Internal => {
            let resp = internal::handle(&app, &parts, body).await;
            let operation = internal::operation(parts.uri.path());
            let status = resp.status().as_u16();
            app.metrics
                .record("internal", operation, status, started.elapsed());
            tracing::debug!(
                operation,
                status,
                path = parts.uri.path(),
                "internal request"
            );
            resp
        }
        Route::Unsupported { name, protocol } => {
            let request_id = RequestId::new(protocol);
            let err = envelope::unavailable(
                protocol,
                format!(
                    "Service '{name}' is not emulated by ruststack (it serves: {})",
                    ServiceId::ALL.map(ServiceId::name).join(", ")
                ),
            );
            let resp = envelope::error_response(&err, protocol, None, &request_id, is_head);
            let status = resp.status().as_u16();
            let elapsed = started.elapsed();
            app.metrics
                .record("unsupported", "unknown", status, elapsed);
            tracing::info!(
                request_id = %request_id, service = %name, operation = "unknown", status,
                latency_ms = elapsed.as_secs_f64() * 1000.0, "request"
            );
            resp
        }
        Route::Service {
            service,
            endpoint,
            host_region,
        } => {
            let region = auth
                .as_ref()
                .and_then(|a| a.region())
                .or(host_region.as_deref());
            let mut ctx = RequestContext::new(
                service,
                service.protocol(),
                region,
                auth.as_ref().map(|a| a.access_key()),
                app.clock.clone(),
            );
            ctx.endpoint = endpoint;
            ctx.is_head = is_head;
            let span = tracing::info_span!(
                "request",
                request_id = %ctx.request_id,
                service = service.name(),
            );
            let result = dispatch(&app, &ctx, parts, auth.as_ref(), body)
                .instrument(span)
                .await;
            let mut resp = match result {
                Ok(resp) => resp,
                Err(err) => {
                    // Internal failures were logged with their cause where they were converted.
                    tracing::debug!(request_id = %ctx.request_id, error = %err, "request failed");
                    envelope::for_context(&ctx, &err)
                }
            };
            envelope::stamp(&mut resp, ctx.protocol, &ctx.request_id);
            let status = resp.status().as_u16();
            let elapsed = started.elapsed();
            let operation = ctx.operation().unwrap_or("unknown");
            app.metrics
                .record(service.name(), operation, status, elapsed);
            tracing::info!(
                request_id = %ctx.request_id, service = service.name(), operation, status,
                latency_ms = elapsed.as_secs_f64() * 1000.0, "request"
            );
            resp
        }
    }
}

async fn dispatch(
    app: &App,
    ctx: &RequestContext,
    parts: http::request::Parts,
    auth: Option<&sigv4::Auth>,
    body: Body,
) -> Result<Response, ServiceError> {
    let service = ctx.service;
    if let Some(op) = ruststack_protocol::json::target(&parts.headers).map(|(_, op)| op.to_owned())
    {
        // Known before the service decodes anything, so even a rejected request is labelled.
        ctx.set_operation(op);
    }
    if !app.config.is_enabled(service) {
        return Err(envelope::unavailable(
            ctx.protocol,
            format!(
                "Service '{service}' is not enabled. Please check your 'SERVICES' configuration variable."
            ),
        ));
    }
    app.verifier.verify(&parts, auth)?;
    let Some(handler) = app.registry.get(service) else {
        return Err(envelope::unavailable(
            ctx.protocol,
            format!("Service '{service}' is not available in this ruststack build yet."),
        ));
    };
    let req = http::Request::from_parts(parts, body);
    match AssertUnwindSafe(handler.call(ctx, req))
        .catch_unwind()
        .await
    {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            tracing::error!(request_id = %ctx.request_id, panic = %message, "service panicked (a bug)");
            Err(ServiceError::internal(
                envelope::internal_error_code(service),
                message,
            ))
        }
    }
}
