//! PublishVersion, ListVersionsByFunction and aliases (with weighted routing).

use std::collections::BTreeMap;

use http::StatusCode;
use ruststack_protocol::{Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use super::{configuration, function, max_items, resolve, revision, version};
use crate::api::{Input, Req, empty, reply};
use crate::error;
use crate::persist;
use crate::state::{Alias, FnKey, Function, Version};
use crate::{Caller, Lambda};

pub(crate) async fn handle(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    req: Req,
) -> Result<Response, ServiceError> {
    let (req, input) = if matches!(op, "PublishVersion" | "CreateAlias" | "UpdateAlias") {
        req.json().await?
    } else {
        (req, Input::default())
    };
    let (key, q) = resolve(caller, &req.segments[1])?;
    if q.is_some() {
        return Err(error::invalid_parameter(
            "Unsupported qualifier for this operation.",
        ));
    }
    match op {
        "PublishVersion" => publish_version(lambda, caller, key, input).await,
        "ListVersionsByFunction" => list_versions(lambda, &key, &req),
        "CreateAlias" => write_alias(lambda, caller, key, None, input).await,
        "UpdateAlias" => {
            let name = req.segments[3].clone();
            write_alias(lambda, caller, key, Some(name), input).await
        }
        "GetAlias" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            let name = &req.segments[3];
            let alias = f
                .aliases
                .get(name)
                .ok_or_else(|| alias_not_found(&key, name))?;
            reply(StatusCode::OK, &alias_json(&key, name, alias))
        }
        "ListAliases" => list_aliases(lambda, &key, &req),
        _ => delete_alias(lambda, caller, key, req.segments[3].clone()).await,
    }
}

/// Publishes `$LATEST` as a new version unless the last published version already has the
/// same code and configuration (then that version is returned, as on AWS). Returns whether
/// a version was added, and the version shown.
pub(crate) fn publish(f: &mut Function, description: Option<String>) -> (bool, (String, Version)) {
    if let Some((n, last)) = f.versions.iter().next_back()
        && last.code.sha256 == f.latest.code.sha256
        && last.config == f.latest.config
    {
        return (false, (n.to_string(), last.clone()));
    }
    let n = f.next_version.max(1);
    let mut v = f.latest.clone();
    v.revision = revision();
    v.description_override = description;
    f.versions.insert(n, v.clone());
    f.next_version = n + 1;
    (true, (n.to_string(), v))
}

async fn publish_version(
    lambda: &Lambda,
    caller: &Caller,
    key: FnKey,
    input: Input,
) -> Result<Response, ServiceError> {
    let (name, v) = lambda
        .write(caller.clone(), (key.clone(), input), |lambda, _, (key, input)| {
            let mut state = lambda.write_lock();
            let mut f = function(&state, &key)?.clone();
            if let Some(sha) = input.str("CodeSha256")
                && sha != f.latest.code.sha256
            {
                return Err(error::invalid_parameter(&format!(
                    "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                    f.latest.code.sha256
                )));
            }
            if input.str("RevisionId").is_some_and(|r| r != f.latest.revision) {
                return Err(error::revision_mismatch("GetFunction/GetAlias"));
            }
            let (added, shown) = publish(&mut f, input.str("Description").map(str::to_owned));
            if added {
                let mut batch = Batch::new();
                persist::put_function(&mut batch, &key, Some(&f));
                lambda.commit(batch)?;
                state.functions.insert(key, f);
            }
            Ok(shown)
        })
        .await?;
    reply(StatusCode::CREATED, &configuration(&key, &name, &v, true))
}

fn list_versions(lambda: &Lambda, key: &FnKey, req: &Req) -> Result<Response, ServiceError> {
    let max = max_items(req.q("MaxItems"), 50)?;
    let state = lambda.read();
    let f = function(&state, key)?;
    let mut all = vec![("$LATEST".to_owned(), &f.latest)];
    all.extend(f.versions.iter().map(|(n, v)| (n.to_string(), v)));
    let start = match req.q("Marker") {
        Some(m) => all.iter().position(|(n, _)| n == m).unwrap_or(all.len()),
        None => 0,
    };
    let page: Vec<Value> = all[start..]
        .iter()
        .take(max)
        .map(|(n, v)| configuration(key, n, v, true))
        .collect();
    let mut out = json!({ "Versions": page });
    if let Some((next, _)) = all.get(start + max) {
        out["NextMarker"] = json!(next);
    }
    reply(StatusCode::OK, &out)
}

fn alias_not_found(key: &FnKey, name: &str) -> ServiceError {
    error::not_found(format!(
        "Cannot find alias arn: {}",
        key.qualified_arn(name)
    ))
}

pub(crate) fn alias_json(key: &FnKey, name: &str, a: &Alias) -> Value {
    let mut out = json!({
        "AliasArn": key.qualified_arn(name),
        "Name": name,
        "FunctionVersion": a.version,
        "Description": a.description,
        "RevisionId": a.revision,
    });
    if !a.routing.is_empty() {
        out["RoutingConfig"] = json!({ "AdditionalVersionWeights": a.routing });
    }
    out
}

fn valid_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.bytes().all(|b| b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a routing configuration against the function's versions.
fn routing(
    key: &FnKey,
    f: &Function,
    primary: &str,
    input: &Input,
) -> Result<Option<BTreeMap<String, f64>>, ServiceError> {
    let Some(config) = input.get("RoutingConfig") else {
        return Ok(None);
    };
    let weights = config
        .get("AdditionalVersionWeights")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for (v, w) in weights {
        let w = w.as_f64().unwrap_or(-1.0);
        if !(0.0..=1.0).contains(&w) {
            return Err(error::validation(
                &w.to_string(),
                "routingConfig.additionalVersionWeights",
                "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]",
            ));
        }
        if v == primary {
            return Err(error::invalid_parameter(&format!(
                "Invalid function version {v}. Function version {v} is already included in routing configuration."
            )));
        }
        version(key, f, Some(&v))?;
        out.insert(v, w);
    }
    if out.len() > 1 {
        return Err(error::invalid_parameter(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    Ok(Some(out))
}

async fn write_alias(
    lambda: &Lambda,
    caller: &Caller,
    key: FnKey,
    existing: Option<String>,
    input: Input,
) -> Result<Response, ServiceError> {
    let out = lambda
        .write(
            caller.clone(),
            (key, existing, input),
            |lambda, _, (key, existing, input)| {
                let mut state = lambda.write_lock();
                let mut f = function(&state, &key)?.clone();
                let (name, mut alias) = match &existing {
                    Some(name) => {
                        let a = f
                            .aliases
                            .get(name)
                            .cloned()
                            .ok_or_else(|| alias_not_found(&key, name))?;
                        if input.str("RevisionId").is_some_and(|r| r != a.revision) {
                            return Err(error::revision_mismatch("GetFunction/GetAlias"));
                        }
                        (name.clone(), a)
                    }
                    None => {
                        let name = input.required_str("Name")?.to_owned();
                        if !valid_alias_name(&name) {
                            return Err(error::validation(
                                &name,
                                "name",
                                "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
                            ));
                        }
                        if f.aliases.contains_key(&name) {
                            return Err(error::conflict(format!(
                                "Alias already exists: {}",
                                key.qualified_arn(&name)
                            )));
                        }
                        input.required_str("FunctionVersion")?;
                        let alias = Alias {
                            version: String::new(),
                            description: String::new(),
                            routing: BTreeMap::new(),
                            revision: String::new(),
                        };
                        (name, alias)
                    }
                };
                if let Some(v) = input.str("FunctionVersion") {
                    if v != "$LATEST" {
                        version(&key, &f, Some(v))?;
                    }
                    alias.version = v.to_owned();
                }
                if let Some(d) = input.str("Description") {
                    alias.description = d.to_owned();
                }
                if let Some(r) = routing(&key, &f, &alias.version, &input)? {
                    alias.routing = r;
                }
                alias.revision = revision();
                f.aliases.insert(name.clone(), alias.clone());
                let mut batch = Batch::new();
                persist::put_function(&mut batch, &key, Some(&f));
                lambda.commit(batch)?;
                state.functions.insert(key.clone(), f);
                Ok((existing.is_none(), alias_json(&key, &name, &alias)))
            },
        )
        .await?;
    let status = if out.0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    reply(status, &out.1)
}

fn list_aliases(lambda: &Lambda, key: &FnKey, req: &Req) -> Result<Response, ServiceError> {
    let max = max_items(req.q("MaxItems"), 50)?;
    let state = lambda.read();
    let f = function(&state, key)?;
    let filter = req.q("FunctionVersion");
    let all: Vec<(&String, &Alias)> = f
        .aliases
        .iter()
        .filter(|(_, a)| filter.is_none_or(|v| a.version == v))
        .collect();
    let marker = req.q("Marker").unwrap_or("");
    let start = all.partition_point(|(n, _)| n.as_str() < marker);
    let page: Vec<Value> = all[start..]
        .iter()
        .take(max)
        .map(|(n, a)| alias_json(key, n, a))
        .collect();
    let mut out = json!({ "Aliases": page });
    if let Some((next, _)) = all.get(start + max) {
        out["NextMarker"] = json!(next);
    }
    reply(StatusCode::OK, &out)
}

async fn delete_alias(
    lambda: &Lambda,
    caller: &Caller,
    key: FnKey,
    name: String,
) -> Result<Response, ServiceError> {
    lambda
        .write(caller.clone(), (key, name), |lambda, _, (key, name)| {
            let mut state = lambda.write_lock();
            let mut f = function(&state, &key)?.clone();
            if f.aliases.remove(&name).is_none() {
                return Ok(());
            }
            f.urls.remove(&name);
            let mut batch = Batch::new();
            persist::put_function(&mut batch, &key, Some(&f));
            lambda.commit(batch)?;
            state.functions.insert(key, f);
            Ok(())
        })
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
