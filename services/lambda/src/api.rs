//! Request routing (`METHOD /<api date>/<resource>/…` → operation), the JSON input view and
//! the response builder.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use ruststack_protocol::body::{collect_limited, content_length};
use ruststack_protocol::rest::{percent_decode, query_map};
use ruststack_protocol::{
    Body, Endpoint, Request, RequestContext, Response, ServiceError, envelope,
};
use serde_json::{Map, Value};

use crate::{Caller, Lambda, error, invoke, mappings, ops, url};

/// Largest JSON request body (CreateFunction with a 50 MB zip, base64-encoded).
pub(crate) const BODY_LIMIT: usize = 70_167_211;

/// A decoded request: path segments after the API date, query and headers.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) raw_query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

impl Req {
    /// The body as bytes, up to `limit`.
    pub(crate) async fn bytes(self, limit: usize) -> Result<(Self, Bytes), ServiceError> {
        let Req {
            method,
            segments,
            query,
            raw_query,
            headers,
            body,
        } = self;
        let bytes = collect_limited(body, content_length(&headers), limit)
            .await
            .map_err(envelope::body_error)?;
        Ok((
            Req {
                method,
                segments,
                query,
                raw_query,
                headers,
                body: Body::empty(),
            },
            bytes,
        ))
    }

    /// The body as a JSON object (`{}` when empty).
    pub(crate) async fn json(self) -> Result<(Self, Input), ServiceError> {
        let (req, bytes) = self.bytes(BODY_LIMIT).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((req, Input(Map::new())));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok((req, Input(map))),
            _ => Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Could not parse the request body as a JSON object",
            )),
        }
    }

    /// A query parameter.
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

/// A request without its body (shareable across awaits).
pub(crate) struct Meta {
    pub(crate) segments: Vec<String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) raw_query: Option<String>,
}

impl Meta {
    /// A query parameter.
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

impl From<Req> for Meta {
    fn from(req: Req) -> Self {
        Meta {
            segments: req.segments,
            query: req.query,
            raw_query: req.raw_query,
        }
    }
}

/// A JSON request body with typed accessors.
#[derive(Debug, Default)]
pub(crate) struct Input(pub(crate) Map<String, Value>);

impl Input {
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    pub(crate) fn required_str(&self, name: &str) -> Result<&str, ServiceError> {
        self.str(name).ok_or_else(|| error::missing(name))
    }

    pub(crate) fn u64(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(Value::as_u64)
    }

    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    pub(crate) fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    }

    pub(crate) fn string_map(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.get(name).and_then(Value::as_object).map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
    }
}

/// Every `name=value` pair of a query string, repeated names kept.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                ruststack_protocol::rest::percent_decode(&s.replace('+', " "))
                    .unwrap_or_else(|| s.to_owned())
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// A JSON response.
pub(crate) fn reply(status: StatusCode, body: &Value) -> Result<Response, ServiceError> {
    let bytes =
        serde_json::to_vec(body).map_err(|e| ServiceError::internal("ServiceException", e))?;
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// An empty response with `status` (204s and the like).
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// Serves a package zip named by a `Code.Location` URL (only blobs a function or layer
/// version names).
async fn code_download(lambda: &Lambda, blob: &str) -> Result<Response, ServiceError> {
    let known = lambda.live_blobs().iter().any(|b| b.as_str() == blob);
    let id = ruststack_storage::BlobId::parse(blob)
        .filter(|_| known)
        .ok_or_else(|| {
            ServiceError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
            )
        })?;
    let bytes = tokio::fs::read(lambda.blobs().path(&id))
        .await
        .map_err(|e| ServiceError::internal("ServiceException", e))?;
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/zip"),
    );
    Ok(resp)
}

/// The operation a method and path name, and the path parameters it takes.
fn operation(
    method: &Method,
    segments: &[String],
    find_layer_version: bool,
) -> Option<&'static str> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = method.as_str();
    Some(match (m, s.as_slice()) {
        ("POST", ["functions"]) => "CreateFunction",
        ("GET", ["functions"]) => "ListFunctions",
        ("GET", ["functions", _]) => "GetFunction",
        ("DELETE", ["functions", _]) => "DeleteFunction",
        ("GET", ["functions", _, "configuration"]) => "GetFunctionConfiguration",
        ("PUT", ["functions", _, "configuration"]) => "UpdateFunctionConfiguration",
        ("PUT", ["functions", _, "code"]) => "UpdateFunctionCode",
        ("POST", ["functions", _, "invocations"]) => "Invoke",
        ("POST", ["functions", _, "invoke-async"]) => "InvokeAsync",
        ("POST", ["functions", _, "versions"]) => "PublishVersion",
        ("GET", ["functions", _, "versions"]) => "ListVersionsByFunction",
        ("POST", ["functions", _, "aliases"]) => "CreateAlias",
        ("GET", ["functions", _, "aliases"]) => "ListAliases",
        ("GET", ["functions", _, "aliases", _]) => "GetAlias",
        ("PUT", ["functions", _, "aliases", _]) => "UpdateAlias",
        ("DELETE", ["functions", _, "aliases", _]) => "DeleteAlias",
        ("POST", ["functions", _, "policy"]) => "AddPermission",
        ("GET", ["functions", _, "policy"]) => "GetPolicy",
        ("DELETE", ["functions", _, "policy", _]) => "RemovePermission",
        ("PUT", ["functions", _, "concurrency"]) => "PutFunctionConcurrency",
        ("GET", ["functions", _, "concurrency"]) => "GetFunctionConcurrency",
        ("DELETE", ["functions", _, "concurrency"]) => "DeleteFunctionConcurrency",
        ("POST", ["functions", _, "url"]) => "CreateFunctionUrlConfig",
        ("GET", ["functions", _, "url"]) => "GetFunctionUrlConfig",
        ("PUT", ["functions", _, "url"]) => "UpdateFunctionUrlConfig",
        ("DELETE", ["functions", _, "url"]) => "DeleteFunctionUrlConfig",
        ("GET", ["functions", _, "urls"]) => "ListFunctionUrlConfigs",
        ("PUT", ["functions", _, "event-invoke-config"]) => "PutFunctionEventInvokeConfig",
        ("POST", ["functions", _, "event-invoke-config"]) => "UpdateFunctionEventInvokeConfig",
        ("GET", ["functions", _, "event-invoke-config"]) => "GetFunctionEventInvokeConfig",
        ("DELETE", ["functions", _, "event-invoke-config"]) => "DeleteFunctionEventInvokeConfig",
        ("GET", ["functions", _, "event-invoke-config", "list"]) => {
            "ListFunctionEventInvokeConfigs"
        }
        ("POST", ["tags", _]) => "TagResource",
        ("GET", ["tags", _]) => "ListTags",
        ("DELETE", ["tags", _]) => "UntagResource",
        ("POST", ["event-source-mappings"]) => "CreateEventSourceMapping",
        ("GET", ["event-source-mappings"]) => "ListEventSourceMappings",
        ("GET", ["event-source-mappings", _]) => "GetEventSourceMapping",
        ("PUT", ["event-source-mappings", _]) => "UpdateEventSourceMapping",
        ("DELETE", ["event-source-mappings", _]) => "DeleteEventSourceMapping",
        ("GET", ["layers"]) if find_layer_version => "GetLayerVersionByArn",
        ("GET", ["layers"]) => "ListLayers",
        ("POST", ["layers", _, "versions"]) => "PublishLayerVersion",
        ("GET", ["layers", _, "versions"]) => "ListLayerVersions",
        ("GET", ["layers", _, "versions", _]) => "GetLayerVersion",
        ("DELETE", ["layers", _, "versions", _]) => "DeleteLayerVersion",
        ("GET", ["account-settings"]) => "GetAccountSettings",
        _ => return None,
    })
}

/// Operations of Lambda's model that ruststack does not serve, by method and path (they get
/// `501` with the operation's name).
fn unimplemented(method: &Method, segments: &[String]) -> Option<&'static str> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = method.as_str();
    Some(match (m, s.as_slice()) {
        ("PUT", ["functions", _, "provisioned-concurrency"]) => "PutProvisionedConcurrencyConfig",
        ("GET", ["functions", _, "provisioned-concurrency"]) => "GetProvisionedConcurrencyConfig",
        ("DELETE", ["functions", _, "provisioned-concurrency"]) => {
            "DeleteProvisionedConcurrencyConfig"
        }
        (_, ["functions", _, "code-signing-config"]) => match m {
            "PUT" => "PutFunctionCodeSigningConfig",
            "DELETE" => "DeleteFunctionCodeSigningConfig",
            _ => "GetFunctionCodeSigningConfig",
        },
        (_, ["functions", _, "runtime-management-config"]) => match m {
            "PUT" => "PutRuntimeManagementConfig",
            _ => "GetRuntimeManagementConfig",
        },
        (_, ["functions", _, "recursion-config"]) => match m {
            "PUT" => "PutFunctionRecursionConfig",
            _ => "GetFunctionRecursionConfig",
        },
        (_, ["functions", _, "function-scaling-config"]) => match m {
            "PUT" => "PutFunctionScalingConfig",
            _ => "GetFunctionScalingConfig",
        },
        (_, ["functions", _, "response-streaming-invocations"]) => "InvokeWithResponseStream",
        (_, ["functions", _, "durable-executions"]) => "ListDurableExecutionsByFunction",
        (_, ["layers", _, "versions", _, "policy", ..]) => match m {
            "POST" => "AddLayerVersionPermission",
            "DELETE" => "RemoveLayerVersionPermission",
            _ => "GetLayerVersionPolicy",
        },
        (_, ["code-signing-configs", ..]) => match m {
            "POST" => "CreateCodeSigningConfig",
            "PUT" => "UpdateCodeSigningConfig",
            "DELETE" => "DeleteCodeSigningConfig",
            _ => "GetCodeSigningConfig",
        },
        (_, ["capacity-providers", ..]) => "CreateCapacityProvider",
        (_, ["durable-executions" | "durable-execution-callbacks", ..]) => "GetDurableExecution",
        (_, ["resource-policy", ..]) => match m {
            "PUT" => "PutResourcePolicy",
            "DELETE" => "DeleteResourcePolicy",
            _ => "GetResourcePolicy",
        },
        _ => return None,
    })
}

pub(crate) async fn dispatch(
    lambda: &Lambda,
    ctx: &RequestContext,
    req: Request,
) -> Result<Response, ServiceError> {
    if let Endpoint::LambdaUrl { url_id } = &ctx.endpoint {
        ctx.set_operation("InvokeFunctionUrl");
        return url::handle(lambda, ctx, url_id, req).await;
    }
    if let Some(blob) = req.uri().path().strip_prefix("/_aws/lambda/code/") {
        ctx.set_operation("GetFunctionCode");
        return code_download(lambda, blob).await;
    }
    let (parts, body) = req.into_parts();
    // `/<api date>/<resource>/…`; each segment percent-decoded (function ARNs carry `:`).
    let mut segments: Vec<String> = parts
        .uri
        .path()
        .split('/')
        .skip(2)
        .map(|s| percent_decode(s).unwrap_or_else(|| s.to_owned()))
        .collect();
    if segments.last().is_some_and(String::is_empty) {
        segments.pop();
    }
    let find = parts
        .uri
        .query()
        .is_some_and(|q| q.contains("find=LayerVersion"));
    let Some(op) = operation(&parts.method, &segments, find) else {
        if let Some(name) = unimplemented(&parts.method, &segments) {
            ctx.set_operation(name);
            return Err(envelope::operation_not_implemented(
                ctx.protocol,
                ctx.service,
                name,
            ));
        }
        let name = format!("{} {}", parts.method, parts.uri.path());
        return Err(envelope::unknown_operation(ctx.protocol, &name));
    };
    ctx.set_operation(op);
    let req = Req {
        method: parts.method,
        segments,
        query: query_map(parts.uri.query()),
        raw_query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let caller = Caller::from_context(ctx);
    match op {
        "Invoke" => invoke::invoke(lambda, &caller, ctx, req).await,
        "InvokeAsync" => invoke::invoke_async(lambda, &caller, req).await,
        "CreateFunction"
        | "ListFunctions"
        | "GetFunction"
        | "DeleteFunction"
        | "GetFunctionConfiguration"
        | "UpdateFunctionConfiguration"
        | "UpdateFunctionCode"
        | "GetAccountSettings" => ops::functions::handle(lambda, &caller, op, req).await,
        "PublishVersion"
        | "ListVersionsByFunction"
        | "CreateAlias"
        | "ListAliases"
        | "GetAlias"
        | "UpdateAlias"
        | "DeleteAlias" => ops::versions::handle(lambda, &caller, op, req).await,
        "PublishLayerVersion"
        | "ListLayerVersions"
        | "GetLayerVersion"
        | "DeleteLayerVersion"
        | "ListLayers"
        | "GetLayerVersionByArn" => ops::layers::handle(lambda, &caller, op, req).await,
        "CreateEventSourceMapping"
        | "ListEventSourceMappings"
        | "GetEventSourceMapping"
        | "UpdateEventSourceMapping"
        | "DeleteEventSourceMapping" => mappings::handle(lambda, &caller, op, req).await,
        _ => ops::settings::handle(lambda, &caller, op, req).await,
    }
}
