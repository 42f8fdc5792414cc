//! Layers: PublishLayerVersion, GetLayerVersion, ListLayerVersions, ListLayers,
//! DeleteLayerVersion. A function's layers are extracted beside its code and put on the
//! search paths AWS sets (see `exec::environment`).

use http::StatusCode;
use ruststack_protocol::{Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use super::timestamp;
use crate::api::{Input, Req, empty, reply};
use crate::error;
use crate::persist;
use crate::state::{Layer, LayerVersion};
use crate::{Caller, Lambda};

type LayerKey = (String, String, String);

/// The layer a `LayerName` (a name or a layer ARN) names.
fn layer_key(caller: &Caller, raw: &str) -> Result<LayerKey, ServiceError> {
    let parts: Vec<&str> = raw.split(':').collect();
    let (account, region, name) = match parts.as_slice() {
        [name] => (caller.account.as_str(), caller.region.as_str(), *name),
        ["arn", _, "lambda", region, account, "layer", name] => (*account, *region, *name),
        _ => ("", "", ""),
    };
    let valid = !name.is_empty()
        && name.len() <= 140
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(error::validation(
            raw,
            "layerName",
            "Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
        ));
    }
    Ok((account.to_owned(), region.to_owned(), name.to_owned()))
}

fn layer_arn(k: &LayerKey) -> String {
    format!("arn:aws:lambda:{}:{}:layer:{}", k.1, k.0, k.2)
}

fn not_found() -> ServiceError {
    error::not_found("The resource you requested does not exist.".to_owned())
}

fn version_json(lambda: &Lambda, k: &LayerKey, n: u64, v: &LayerVersion, full: bool) -> Value {
    let mut out = json!({
        "LayerVersionArn": format!("{}:{n}", layer_arn(k)),
        "Version": n,
        "Description": v.description,
        "CreatedDate": timestamp(v.created),
        "CompatibleRuntimes": v.compatible_runtimes,
        "CompatibleArchitectures": v.compatible_architectures,
    });
    if let Some(license) = &v.license {
        out["LicenseInfo"] = json!(license);
    }
    if full {
        out["LayerArn"] = json!(layer_arn(k));
        out["Content"] = json!({
            "Location": format!("{}/_aws/lambda/code/{}", lambda.options().endpoint_url, v.code.blob),
            "CodeSha256": v.code.sha256,
            "CodeSize": v.code.size,
        });
    }
    out
}

pub(crate) async fn handle(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    req: Req,
) -> Result<Response, ServiceError> {
    if op == "ListLayers" {
        return list_layers(lambda, caller, &req);
    }
    if op == "GetLayerVersionByArn" {
        let arn = req.q("Arn").ok_or_else(|| error::missing("arn"))?;
        let (layer, n) = arn
            .rsplit_once(':')
            .and_then(|(layer, n)| Some((layer, n.parse::<u64>().ok()?)))
            .ok_or_else(|| {
                error::validation(
                    arn,
                    "arn",
                    "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)",
                )
            })?;
        let k = layer_key(caller, layer)?;
        let state = lambda.read();
        let v = state
            .layers
            .get(&k)
            .and_then(|l| l.versions.get(&n))
            .ok_or_else(not_found)?;
        return reply(StatusCode::OK, &version_json(lambda, &k, n, v, true));
    }
    let k = layer_key(caller, &req.segments[1])?;
    let number = |req: &Req| -> Result<u64, ServiceError> {
        req.segments[3].parse::<u64>().map_err(|_| not_found())
    };
    match op {
        "PublishLayerVersion" => publish(lambda, caller, k, req).await,
        "GetLayerVersion" => {
            let n = number(&req)?;
            let state = lambda.read();
            let v = state
                .layers
                .get(&k)
                .and_then(|l| l.versions.get(&n))
                .ok_or_else(not_found)?;
            reply(StatusCode::OK, &version_json(lambda, &k, n, v, true))
        }
        "ListLayerVersions" => {
            let runtime = req.q("CompatibleRuntime");
            let state = lambda.read();
            let versions: Vec<Value> = state
                .layers
                .get(&k)
                .map(|l| {
                    l.versions
                        .iter()
                        .rev()
                        .filter(|(_, v)| {
                            runtime.is_none_or(|r| v.compatible_runtimes.iter().any(|c| c == r))
                        })
                        .map(|(n, v)| version_json(lambda, &k, *n, v, false))
                        .collect()
                })
                .unwrap_or_default();
            reply(StatusCode::OK, &json!({ "LayerVersions": versions }))
        }
        _ => {
            let n = number(&req)?;
            let dropped = lambda
                .write(caller.clone(), (k, n), |lambda, _, (k, n)| {
                    let mut state = lambda.write_lock();
                    let Some(mut layer) = state.layers.get(&k).cloned() else {
                        return Ok(None);
                    };
                    let Some(removed) = layer.versions.remove(&n) else {
                        return Ok(None);
                    };
                    let mut batch = Batch::new();
                    persist::put_layer(&mut batch, &k, Some(&layer));
                    lambda.commit(batch)?;
                    state.layers.insert(k, layer);
                    Ok(Some(removed.code.blob))
                })
                .await?;
            // Functions keep using a deleted layer version's content, as on AWS; its blob
            // stays while a function names it.
            lambda.drop_blobs(&dropped.into_iter().collect::<Vec<_>>());
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

async fn publish(
    lambda: &Lambda,
    caller: &Caller,
    k: (String, String, String),
    req: Req,
) -> Result<Response, ServiceError> {
    let (_, input) = req.json().await?;
    let content = Input(
        input
            .get("Content")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| error::missing("content"))?,
    );
    let code = super::functions::package(lambda, &content).await?;
    let v = LayerVersion {
        code,
        description: input.str("Description").unwrap_or_default().to_owned(),
        created: caller.now,
        compatible_runtimes: input.strings("CompatibleRuntimes").unwrap_or_default(),
        compatible_architectures: input.strings("CompatibleArchitectures").unwrap_or_default(),
        license: input.str("LicenseInfo").map(str::to_owned),
    };
    let (k, n, v) = lambda
        .write(caller.clone(), (k, v), |lambda, _, (k, v)| {
            let mut state = lambda.write_lock();
            let mut layer: Layer = state.layers.get(&k).cloned().unwrap_or_default();
            let n = layer.next_version.max(1);
            layer.versions.insert(n, v.clone());
            layer.next_version = n + 1;
            let mut batch = Batch::new();
            persist::put_layer(&mut batch, &k, Some(&layer));
            lambda.commit(batch)?;
            state.layers.insert(k.clone(), layer);
            Ok((k, n, v))
        })
        .await?;
    reply(StatusCode::CREATED, &version_json(lambda, &k, n, &v, true))
}

fn list_layers(lambda: &Lambda, caller: &Caller, req: &Req) -> Result<Response, ServiceError> {
    let runtime = req.q("CompatibleRuntime");
    let state = lambda.read();
    let layers: Vec<Value> = state
        .layers
        .iter()
        .filter(|(k, _)| k.0 == caller.account && k.1 == caller.region)
        .filter_map(|(k, l)| {
            let (n, v) = l.versions.iter().rev().find(|(_, v)| {
                runtime.is_none_or(|r| v.compatible_runtimes.iter().any(|c| c == r))
            })?;
            Some(json!({
                "LayerName": k.2,
                "LayerArn": layer_arn(k),
                "LatestMatchingVersion": version_json(lambda, k, *n, v, false),
            }))
        })
        .collect();
    reply(StatusCode::OK, &json!({ "Layers": layers }))
}
