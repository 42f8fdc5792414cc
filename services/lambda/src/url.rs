//! Function URLs: an HTTP request to `<url-id>.lambda-url.<region>.<domain>` (or to
//! `/_aws/lambda-url/<url-id>/…`) becomes a payload-format 2.0 event, and the function's
//! result becomes the HTTP response.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use ruststack_protocol::body::collect_limited;
use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::{Body, Request, RequestContext, Response, ServiceError};
use serde_json::{Map, Value, json};

use crate::Lambda;
use crate::exec::Call;
use crate::invoke::resolve_spec;

/// Largest request body a function URL accepts (6 MB).
const LIMIT: usize = 6_291_456;

fn plain(status: StatusCode, message: &str) -> Response {
    let mut resp = Response::new(Body::from(json!({ "Message": message }).to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Whether a body of this content type is passed as text (else base64).
fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("text/")
        || ["json", "xml", "javascript", "x-www-form-urlencoded", "yaml"]
            .iter()
            .any(|t| ct.contains(t))
}

pub(crate) async fn handle(
    lambda: &Lambda,
    ctx: &RequestContext,
    url_id: &str,
    req: Request,
) -> Result<Response, ServiceError> {
    let Some((key, qualifier, auth)) = ({
        let state = lambda.read();
        state.url_owner(url_id).and_then(|(key, q)| {
            let f = state.functions.get(key)?;
            let auth = f.urls.get(q)?.auth_type.clone();
            Some((key.clone(), (!q.is_empty()).then(|| q.to_owned()), auth))
        })
    }) else {
        return Ok(plain(StatusCode::FORBIDDEN, "Forbidden"));
    };
    if auth == "AWS_IAM" && !req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(plain(StatusCode::FORBIDDEN, "Forbidden"));
    }
    let (parts, body) = req.into_parts();
    let prefix = format!("/_aws/lambda-url/{url_id}");
    let raw_path = parts.uri.path();
    let path = match raw_path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) => rest,
        None => raw_path,
    }
    .to_owned();
    let body = collect_limited(body, None, LIMIT)
        .await
        .map_err(ruststack_protocol::envelope::body_error)?;
    let event = event(ctx, url_id, &parts, &path, &body);
    let (spec, _) = resolve_spec(lambda, &key, qualifier.as_deref())?;
    let call = Call {
        request_id: ctx.request_id.as_str().to_owned(),
        payload: Bytes::from(event.to_string()),
        invoked_arn: match &qualifier {
            Some(q) => key.qualified_arn(q),
            None => key.arn(),
        },
        client_context: None,
    };
    let outcome = match lambda.exec().invoke(&spec, call).await {
        Ok(o) => o,
        Err(e) if e.code() == "TooManyRequestsException" => {
            return Ok(plain(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded."));
        }
        Err(e) => return Err(e),
    };
    if outcome.failed {
        return Ok(plain(StatusCode::BAD_GATEWAY, "Internal Server Error"));
    }
    Ok(result_response(&outcome.payload))
}

fn event(
    ctx: &RequestContext,
    url_id: &str,
    parts: &http::request::Parts,
    path: &str,
    body: &[u8],
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in crate::api::query_pairs(&raw_query) {
        query
            .entry(k)
            .and_modify(|old| {
                old.push(',');
                old.push_str(&v);
            })
            .or_insert(v);
    }
    let now = ctx.clock.now_millis();
    let host = headers.get("host").cloned().unwrap_or_default();
    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!("$default"));
    event.insert("rawPath".into(), json!(path));
    event.insert("rawQueryString".into(), json!(raw_query));
    if !cookies.is_empty() {
        event.insert("cookies".into(), json!(cookies));
    }
    event.insert("headers".into(), json!(headers));
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), json!(query));
    }
    event.insert(
        "requestContext".into(),
        json!({
            "accountId": "anonymous",
            "apiId": url_id,
            "domainName": host,
            "domainPrefix": url_id,
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": ctx.request_id.as_str(),
            "routeKey": "$default",
            "stage": "$default",
            "time": clf_time(now),
            "timeEpoch": now,
        }),
    );
    if !body.is_empty() {
        let text = is_text(headers.get("content-type").map(String::as_str))
            .then(|| std::str::from_utf8(body).ok())
            .flatten();
        match text {
            Some(t) => {
                event.insert("body".into(), json!(t));
                event.insert("isBase64Encoded".into(), json!(false));
            }
            None => {
                event.insert("body".into(), json!(base64_encode(body)));
                event.insert("isBase64Encoded".into(), json!(true));
            }
        }
    } else {
        event.insert("isBase64Encoded".into(), json!(false));
    }
    Value::Object(event)
}

/// `12/Mar/2020:19:03:58 +0000`.
fn clf_time(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = ruststack_protocol::rest::iso8601_millis(ms);
    let month = iso[5..7].parse::<usize>().unwrap_or(1).clamp(1, 12);
    format!(
        "{}/{}/{}:{} +0000",
        &iso[8..10],
        MONTHS[month - 1],
        &iso[0..4],
        &iso[11..19]
    )
}

/// Maps a function's result to the HTTP response, as function URLs do: an object with
/// `statusCode` is a response description; anything else is a 200 JSON body.
fn result_response(payload: &[u8]) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(payload).ok();
    let Some(Value::Object(obj)) = parsed.filter(|v| v.get("statusCode").is_some()) else {
        let mut resp = Response::new(Body::from(payload.to_vec()));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return resp;
    };
    let status = obj
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let body = match obj.get("body") {
        Some(Value::String(s)) => {
            if obj.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                base64_decode(s).unwrap_or_default()
            } else {
                s.clone().into_bytes()
            }
        }
        Some(Value::Null) | None => Vec::new(),
        Some(other) => other.to_string().into_bytes(),
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(Value::Object(h)) = obj.get("headers") {
        for (k, v) in h {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                headers.insert(name, value);
            }
        }
    }
    if let Some(Value::Array(cookies)) = obj.get("cookies") {
        for c in cookies.iter().filter_map(Value::as_str) {
            if let Ok(value) = HeaderValue::from_str(c) {
                headers.append(header::SET_COOKIE, value);
            }
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_mapping() {
        let resp = result_response(br#"{"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["a=1", "b=2"], "body": "hi"}"#);
        assert_eq!(resp.status(), 201);
        assert_eq!(resp.headers()["x-a"], "1");
        assert_eq!(resp.headers().get_all("set-cookie").iter().count(), 2);
        let bare = result_response(br#"{"ok": true}"#);
        assert_eq!(bare.status(), 200);
        assert_eq!(bare.headers()["content-type"], "application/json");
    }

    #[test]
    fn common_log_time() {
        assert_eq!(clf_time(1_584_039_838_000), "12/Mar/2020:19:03:58 +0000");
    }

    #[test]
    fn text_types() {
        assert!(is_text(Some("application/json; charset=utf-8")));
        assert!(is_text(Some("text/plain")));
        assert!(!is_text(Some("application/octet-stream")));
        assert!(!is_text(None));
    }
}
