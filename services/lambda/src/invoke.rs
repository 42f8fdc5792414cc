//! Invoke (RequestResponse, Event, DryRun), InvokeAsync, and the asynchronous queue other
//! services' events go through (with AWS's two retries on error).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use ruststack_protocol::encoding::base64_decode;
use ruststack_protocol::rest::header as header_str;
use ruststack_protocol::{Body, RequestContext, Response, ServiceError};
use serde_json::Value;

use crate::api::{Req, empty};
use crate::exec::{Call, Outcome, Spec};
use crate::ops::{function, qualifier, resolve, version};
use crate::state::FnKey;
use crate::{Caller, Lambda, error};

/// Largest synchronous payload (6 MB).
const SYNC_LIMIT: usize = 6_291_456;
/// Largest asynchronous payload (1 MB).
const ASYNC_LIMIT: usize = 1_048_576;

/// What an invocation runs, resolved from a function name and qualifier: the spec, the
/// version that runs, and the ARN the caller named.
pub(crate) fn resolve_spec(
    lambda: &Lambda,
    key: &FnKey,
    qualifier: Option<&str>,
) -> Result<(Spec, String), ServiceError> {
    let state = lambda.read();
    let f = function(&state, key)?;
    // An alias with routing weights picks its additional version by weight.
    let chosen = match qualifier.and_then(|q| f.aliases.get(q)) {
        Some(alias) if !alias.routing.is_empty() => {
            let roll = f64::from(uuid::Uuid::new_v4().as_bytes()[0]) / 256.0;
            let mut acc = 0.0;
            let mut pick = alias.version.clone();
            for (v, w) in &alias.routing {
                acc += w;
                if roll < acc {
                    pick = v.clone();
                    break;
                }
            }
            Some(pick)
        }
        Some(alias) => Some(alias.version.clone()),
        None => qualifier.map(str::to_owned),
    };
    let (v, name) = version(key, f, chosen.as_deref()).map_err(|_| {
        error::function_not_found(&key.qualified_arn(qualifier.unwrap_or("$LATEST")))
    })?;
    Ok((
        Spec {
            key: key.clone(),
            version: name.clone(),
            revision: v.revision.clone(),
            config: v.config.clone(),
            code: v.code.clone(),
            reserved: f.reserved_concurrency,
        },
        name,
    ))
}

fn check_payload(payload: &[u8]) -> Result<(), ServiceError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(payload)
        .map(|_| ())
        .map_err(|e| error::invalid_content(&e.to_string()))
}

pub(crate) async fn invoke(
    lambda: &Lambda,
    caller: &Caller,
    ctx: &RequestContext,
    req: Req,
) -> Result<Response, ServiceError> {
    let (key, q) = resolve(caller, &req.segments[1])?;
    let q = qualifier(q, req.q("Qualifier"))?;
    let kind = header_str(&req.headers, "x-amz-invocation-type")
        .unwrap_or("RequestResponse")
        .to_owned();
    if !matches!(kind.as_str(), "RequestResponse" | "Event" | "DryRun") {
        return Err(error::validation(
            &kind,
            "invocationType",
            "Member must satisfy enum value set: [RequestResponse, Event, DryRun]",
        ));
    }
    let tail = header_str(&req.headers, "x-amz-log-type") == Some("Tail");
    let client_context = match header_str(&req.headers, "x-amz-client-context") {
        Some(b64) => Some(
            base64_decode(b64)
                .and_then(|raw| String::from_utf8(raw).ok())
                .filter(|text| serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_object()))
                .ok_or_else(|| {
                    error::invalid_parameter(
                        "Client context must be a valid Base64-encoded JSON object.",
                    )
                })?,
        ),
        None => None,
    };
    let limit = if kind == "Event" {
        ASYNC_LIMIT
    } else {
        SYNC_LIMIT
    };
    let too_large = req
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n > limit);
    if too_large {
        return Err(error::payload_too_large(limit));
    }
    let (_, payload) = req
        .bytes(limit)
        .await
        .map_err(|_| error::payload_too_large(limit))?;
    check_payload(&payload)?;
    let (spec, executed) = resolve_spec(lambda, &key, q.as_deref())?;
    let invoked_arn = key.qualified_arn(q.as_deref().unwrap_or("$LATEST"));
    let invoked_arn = if q.is_none() { key.arn() } else { invoked_arn };
    let request_id = ctx.request_id.as_str().to_owned();
    match kind.as_str() {
        "DryRun" => {
            let mut resp = empty(StatusCode::NO_CONTENT);
            set(&mut resp, "x-amz-executed-version", &executed);
            Ok(resp)
        }
        "Event" => {
            let payload = if payload.is_empty() {
                Bytes::from_static(b"{}")
            } else {
                payload
            };
            spawn_async(lambda.clone(), spec, invoked_arn, payload, request_id);
            let mut resp = empty(StatusCode::ACCEPTED);
            set(&mut resp, "x-amz-executed-version", &executed);
            Ok(resp)
        }
        _ => {
            let payload = if payload.is_empty() {
                Bytes::from_static(b"{}")
            } else {
                payload
            };
            let call = Call {
                request_id: request_id.clone(),
                payload,
                invoked_arn,
                client_context,
            };
            let outcome = lambda.exec().invoke(&spec, call).await?;
            Ok(invoke_response(outcome, &executed, tail))
        }
    }
}

fn set(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

fn invoke_response(outcome: Outcome, executed: &str, tail: bool) -> Response {
    let mut resp = Response::new(Body::from(outcome.payload));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set(&mut resp, "x-amz-executed-version", executed);
    if outcome.failed {
        set(&mut resp, "x-amz-function-error", "Unhandled");
    }
    if tail {
        set(&mut resp, "x-amz-log-result", &outcome.log_tail);
    }
    resp
}

/// The legacy InvokeAsync: 202 `{"Status": 202}`.
pub(crate) async fn invoke_async(
    lambda: &Lambda,
    caller: &Caller,
    req: Req,
) -> Result<Response, ServiceError> {
    let (key, q) = resolve(caller, &req.segments[1])?;
    let (_, payload) = req.bytes(ASYNC_LIMIT).await?;
    check_payload(&payload)?;
    let (spec, _) = resolve_spec(lambda, &key, q.as_deref())?;
    let arn = key.arn();
    spawn_async(
        lambda.clone(),
        spec,
        arn,
        payload,
        uuid::Uuid::new_v4().to_string(),
    );
    crate::api::reply(StatusCode::ACCEPTED, &serde_json::json!({ "Status": 202 }))
}

/// How many times an asynchronous invocation is retried after a function error (AWS's
/// default; `MaximumRetryAttempts` in the function's event invoke config overrides it).
const ASYNC_RETRIES: u64 = 2;
/// How often a throttled asynchronous invocation is tried again before it is dropped.
const THROTTLE_RETRIES: u32 = 60;

fn retries(lambda: &Lambda, spec: &Spec) -> u64 {
    let state = lambda.read();
    state
        .functions
        .get(&spec.key)
        .and_then(|f| {
            f.event_invoke
                .get(&spec.version)
                .or_else(|| f.event_invoke.get("$LATEST"))
        })
        .and_then(|c| c.get("MaximumRetryAttempts"))
        .and_then(Value::as_u64)
        .unwrap_or(ASYNC_RETRIES)
}

/// Runs an asynchronous invocation in the background with AWS's retry policy.
fn spawn_async(
    lambda: Lambda,
    spec: Spec,
    invoked_arn: String,
    payload: Bytes,
    request_id: String,
) {
    tokio::spawn(async move {
        let attempts = 1 + retries(&lambda, &spec);
        let mut attempt = 0;
        let mut throttles = 0;
        while attempt < attempts {
            let call = Call {
                request_id: request_id.clone(),
                payload: payload.clone(),
                invoked_arn: invoked_arn.clone(),
                client_context: None,
            };
            match lambda.exec().invoke(&spec, call).await {
                Ok(outcome) if !outcome.failed => return,
                Ok(_) => {
                    attempt += 1;
                    if attempt < attempts {
                        tokio::time::sleep(lambda.options().retry_delay * attempt as u32).await;
                    }
                }
                Err(e)
                    if e.code() == "TooManyRequestsException" && throttles < THROTTLE_RETRIES =>
                {
                    throttles += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => {
                    tracing::warn!(function = %spec.key.name, error = %e.message(), "asynchronous invocation dropped");
                    return;
                }
            }
        }
    });
}

/// Queues an event from another service for the function an ARN names.
pub(crate) fn queue_event(lambda: &Lambda, function_arn: &str, event: &Value) {
    let caller = Caller {
        account: ruststack_protocol::context::DEFAULT_ACCOUNT_ID.to_owned(),
        region: ruststack_protocol::context::DEFAULT_REGION.to_owned(),
        now: lambda.now(),
    };
    let resolved = resolve(&caller, function_arn)
        .and_then(|(key, q)| resolve_spec(lambda, &key, q.as_deref()).map(|s| (key, q, s)));
    match resolved {
        Ok((key, q, (spec, _))) => {
            let arn = match &q {
                Some(q) => key.qualified_arn(q),
                None => key.arn(),
            };
            let payload = Bytes::from(event.to_string());
            spawn_async(
                lambda.clone(),
                spec,
                arn,
                payload,
                uuid::Uuid::new_v4().to_string(),
            );
        }
        Err(e) => {
            tracing::warn!(function = %function_arn, error = %e.message(), "event for a function that cannot be invoked dropped");
        }
    }
}
