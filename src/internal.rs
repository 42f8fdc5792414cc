//! ruststack's own endpoints: LocalStack's `/_localstack/*` (health, info, init, state
//! reset), Kubernetes probes, Prometheus metrics and the test clock. These never reach a
//! service.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use ruststack_protocol::body::{collect_limited, content_length};
use ruststack_protocol::{Body, Response, ServiceId};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::gateway::App;
use crate::init::Stage;

/// The version reported by health and info.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
const BODY_LIMIT: usize = 64 * 1024;

/// The operation name used in logs and metrics for an internal path.
pub fn operation(path: &str) -> &'static str {
    match path {
        "/health" | "/_localstack/health" | "/_ruststack/health" => "health",
        "/health/live" => "live",
        "/health/ready" => "ready",
        "/metrics" => "metrics",
        "/_localstack/info" => "info",
        p if p.starts_with("/_localstack/init") => "init",
        "/_localstack/state/reset" | "/_ruststack/state/reset" => "reset",
        "/_ruststack/clock" => "clock",
        _ => "unknown",
    }
}

/// Serves one internal request.
pub async fn handle(app: &App, parts: &Parts, body: Body) -> Response {
    let path = parts.uri.path();
    let method = &parts.method;
    match (method, path) {
        (
            &Method::GET | &Method::HEAD,
            "/health" | "/_localstack/health" | "/_ruststack/health",
        ) => {
            if method == Method::HEAD {
                return status_only(StatusCode::OK);
            }
            json_response(StatusCode::OK, &health(app))
        }
        (&Method::GET | &Method::HEAD, "/health/live") => {
            json_response(StatusCode::OK, &json!({"status": "live"}))
        }
        (&Method::GET | &Method::HEAD, "/health/ready") => {
            if app.is_ready() {
                json_response(StatusCode::OK, &json!({"status": "ready"}))
            } else {
                json_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &json!({"status": "starting"}),
                )
            }
        }
        (&Method::GET, "/metrics") => {
            let mut resp = Response::new(Body::from(app.metrics.encode()));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
            );
            resp
        }
        (&Method::GET, "/_localstack/info") => json_response(StatusCode::OK, &info(app)),
        (&Method::GET, "/_localstack/init") => {
            json_response(StatusCode::OK, &app.init.report(None))
        }
        (&Method::GET, p) if p.starts_with("/_localstack/init/") => {
            let name = p
                .trim_start_matches("/_localstack/init/")
                .trim_end_matches('/');
            match Stage::from_name(name) {
                Some(stage) => json_response(StatusCode::OK, &app.init.report(Some(stage))),
                None => text_response(StatusCode::NOT_FOUND, format!("unknown stage {name}")),
            }
        }
        (&Method::POST, "/_localstack/state/reset" | "/_ruststack/state/reset") => {
            reset(app, parts.uri.query())
        }
        (&Method::GET, "/_ruststack/clock") => json_response(StatusCode::OK, &clock(app)),
        (&Method::POST, "/_ruststack/clock") => match read_json(parts, body).await {
            Ok(request) => move_clock(app, &request),
            Err(resp) => resp,
        },
        (_, p) if operation(p) != "unknown" => json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"error": format!("method {method} not allowed on {p}")}),
        ),
        _ => json_response(StatusCode::NOT_FOUND, &json!({"message": "Not Found"})),
    }
}

fn health(app: &App) -> Value {
    let services: serde_json::Map<String, Value> = ServiceId::ALL
        .into_iter()
        .filter_map(|id| {
            let state = if !app.config.is_enabled(id) {
                "disabled"
            } else if app.registry.contains(id) {
                "running"
            } else {
                // Enabled, but this build does not contain the service yet.
                return None;
            };
            Some((id.name().to_owned(), Value::String(state.to_owned())))
        })
        .collect();
    json!({ "services": services, "edition": "community", "version": VERSION })
}

fn info(app: &App) -> Value {
    let now = OffsetDateTime::now_utc();
    let server_time = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    json!({
        "version": VERSION,
        "edition": "community",
        "is_license_activated": false,
        "session_id": app.session_id,
        "machine_id": app.machine_id,
        "system": std::env::consts::OS,
        "is_docker": std::path::Path::new("/.dockerenv").exists(),
        "server_time_utc": server_time,
        "uptime": app.started.elapsed().as_secs(),
    })
}

fn reset(app: &App, query: Option<&str>) -> Response {
    let requested: Vec<String> = query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "service")
                .flat_map(|(_, v)| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut targets = Vec::new();
    if requested.is_empty() {
        targets.extend(ServiceId::ALL);
    } else {
        for name in &requested {
            match ServiceId::from_name(name) {
                Some(id) => targets.push(id),
                None => {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"error": format!("unknown service '{name}'")}),
                    );
                }
            }
        }
    }
    let mut reset = Vec::new();
    for id in targets {
        if let Some(service) = app.registry.get(id) {
            if let Err(e) = service.reset() {
                tracing::error!(service = id.name(), error = %e, "reset failed");
                return json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"error": format!("resetting {id} failed: {}", e.message())}),
                );
            }
            reset.push(id.name());
        }
    }
    tracing::info!(services = ?reset, "state reset");
    json_response(StatusCode::OK, &json!({ "reset": reset }))
}

fn clock(app: &App) -> Value {
    let now = app.clock.now();
    json!({
        "now": rfc3339(now),
        "offset_seconds": app.clock.offset_millis() as f64 / 1000.0,
    })
}

fn move_clock(app: &App, request: &Value) -> Response {
    let bad = |msg: &str| json_response(StatusCode::BAD_REQUEST, &json!({ "error": msg }));
    let Some(object) = request.as_object() else {
        return bad("expected a JSON object with advance_seconds, now or reset");
    };
    if let Some(seconds) = object.get("advance_seconds") {
        match seconds.as_f64().filter(|s| s.is_finite() && s.abs() < 1e13) {
            Some(s) => app.clock.advance_millis((s * 1000.0).round() as i64),
            None => return bad("advance_seconds must be a number"),
        }
    } else if let Some(now) = object.get("now") {
        let parsed = now
            .as_str()
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
        match parsed {
            Some(at) => app.clock.set(SystemTime::from(at)),
            None => return bad("now must be an RFC 3339 timestamp"),
        }
    } else if object.get("reset") == Some(&Value::Bool(true)) {
        app.clock.reset();
    } else {
        return bad("expected advance_seconds, now or reset");
    }
    tracing::info!(offset_ms = app.clock.offset_millis(), "clock moved");
    json_response(StatusCode::OK, &clock(app))
}

fn rfc3339(t: SystemTime) -> String {
    let nanos = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

async fn read_json(parts: &Parts, body: Body) -> Result<Value, Response> {
    let bytes: Bytes = collect_limited(body, content_length(&parts.headers), BODY_LIMIT)
        .await
        .map_err(|e| {
            json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({"error": e.to_string()}),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("invalid JSON: {e}")}),
        )
    })
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(value).unwrap_or_default()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn text_response(status: StatusCode, text: String) -> Response {
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

fn status_only(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}
