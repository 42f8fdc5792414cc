//! What hangs off a function besides its code: tags, the resource policy
//! (AddPermission/RemovePermission/GetPolicy), reserved concurrency, function URL configs
//! and asynchronous invocation settings.

use http::StatusCode;
use ruststack_protocol::{Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Map, Value, json};

use super::{function, max_items, qualifier, resolve, revision, timestamp, version};
use crate::api::{Input, Meta, Req, empty, reply};
use crate::error;
use crate::persist;
use crate::state::{FnKey, Function, UrlConfig};
use crate::{Caller, Lambda};

pub(crate) async fn handle(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    req: Req,
) -> Result<Response, ServiceError> {
    let (req, input) = if req.method == http::Method::GET || req.method == http::Method::DELETE {
        (req, Input::default())
    } else {
        req.json().await?
    };
    let req = Meta::from(req);
    let (key, q) = resolve(caller, &req.segments[1])?;
    let q = qualifier(q, req.q("Qualifier"))?;
    match op {
        "TagResource" | "UntagResource" | "ListTags" => {
            tags(lambda, caller, op, key, &req, input).await
        }
        "AddPermission" | "RemovePermission" | "GetPolicy" => {
            policy(lambda, caller, op, key, q, &req, input).await
        }
        "PutFunctionConcurrency" | "GetFunctionConcurrency" | "DeleteFunctionConcurrency" => {
            concurrency(lambda, caller, op, key, input).await
        }
        "CreateFunctionUrlConfig"
        | "GetFunctionUrlConfig"
        | "UpdateFunctionUrlConfig"
        | "DeleteFunctionUrlConfig"
        | "ListFunctionUrlConfigs" => urls(lambda, caller, op, key, q, &req, input).await,
        "PutFunctionEventInvokeConfig"
        | "UpdateFunctionEventInvokeConfig"
        | "GetFunctionEventInvokeConfig"
        | "DeleteFunctionEventInvokeConfig"
        | "ListFunctionEventInvokeConfigs" => event_invoke(lambda, caller, op, key, q, input).await,
        other => Err(ruststack_protocol::envelope::operation_not_implemented(
            ruststack_protocol::Protocol::RestJson,
            ruststack_protocol::ServiceId::Lambda,
            other,
        )),
    }
}

/// Applies `change` to a copy of the function and commits it; returns what `change` returns.
async fn modify<I, O>(
    lambda: &Lambda,
    caller: &Caller,
    key: FnKey,
    input: I,
    change: fn(&FnKey, &mut Function, I, i64) -> Result<O, ServiceError>,
) -> Result<O, ServiceError>
where
    I: Send + 'static,
    O: Send + 'static,
{
    lambda
        .write(
            caller.clone(),
            (key, input, change),
            |lambda, caller, (key, input, change)| {
                let mut state = lambda.write_lock();
                let mut f = function(&state, &key)?.clone();
                let out = change(&key, &mut f, input, caller.now)?;
                if state.functions.get(&key) != Some(&f) {
                    let mut batch = Batch::new();
                    persist::put_function(&mut batch, &key, Some(&f));
                    lambda.commit(batch)?;
                    state.functions.insert(key, f);
                }
                Ok(out)
            },
        )
        .await
}

async fn tags(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    key: FnKey,
    req: &Meta,
    input: Input,
) -> Result<Response, ServiceError> {
    match op {
        "ListTags" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            reply(StatusCode::OK, &json!({ "Tags": f.tags }))
        }
        "TagResource" => {
            let tags = input
                .string_map("Tags")
                .ok_or_else(|| error::missing("tags"))?;
            modify(lambda, caller, key, tags, |_, f, tags, _| {
                f.tags.extend(tags);
                if f.tags.len() > 50 {
                    return Err(error::invalid_parameter(
                        "Number of tags exceeds resource tag limit.",
                    ));
                }
                Ok(())
            })
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let keys: Vec<String> = crate::api::query_pairs(req.raw_query.as_deref().unwrap_or(""))
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            modify(lambda, caller, key, keys, |_, f, keys, _| {
                for k in keys {
                    f.tags.remove(&k);
                }
                Ok(())
            })
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

fn principal(p: &str) -> Value {
    if p == "*" {
        json!("*")
    } else if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{p}:root") })
    } else if p.starts_with("arn:") {
        json!({ "AWS": p })
    } else {
        json!({ "Service": p })
    }
}

fn policy_document(statements: &[Value]) -> String {
    json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements }).to_string()
}

async fn policy(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    key: FnKey,
    q: Option<String>,
    req: &Meta,
    input: Input,
) -> Result<Response, ServiceError> {
    let slot = q.clone().unwrap_or_default();
    {
        let state = lambda.read();
        let f = function(&state, &key)?;
        if q.is_some() {
            version(&key, f, q.as_deref())?;
        }
        if op == "GetPolicy" {
            let statements = f
                .policy
                .get(&slot)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    error::not_found("The resource you requested does not exist.".to_owned())
                })?;
            return reply(
                StatusCode::OK,
                &json!({ "Policy": policy_document(statements), "RevisionId": f.policy_revision }),
            );
        }
    }
    if op == "RemovePermission" {
        let sid = req.segments[3].clone();
        modify(lambda, caller, key, (slot, sid), |_, f, (slot, sid), _| {
            let statements = f.policy.entry(slot).or_default();
            let before = statements.len();
            statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid.as_str()));
            if statements.len() == before {
                return Err(error::not_found(format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            f.policy_revision = revision();
            Ok(())
        })
        .await?;
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    let sid = input.required_str("StatementId")?.to_owned();
    let action = input.required_str("Action")?.to_owned();
    let who = input.required_str("Principal")?.to_owned();
    let resource = match &q {
        Some(q) => key.qualified_arn(q),
        None => key.arn(),
    };
    let mut statement = Map::new();
    statement.insert("Sid".into(), json!(sid));
    statement.insert("Effect".into(), json!("Allow"));
    statement.insert("Principal".into(), principal(&who));
    statement.insert("Action".into(), json!(action));
    statement.insert("Resource".into(), json!(resource));
    let mut condition = Map::new();
    if let Some(arn) = input.str("SourceArn") {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut equals = Map::new();
    if let Some(acct) = input.str("SourceAccount") {
        equals.insert("AWS:SourceAccount".into(), json!(acct));
    }
    if let Some(org) = input.str("PrincipalOrgID") {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(auth) = input.str("FunctionUrlAuthType") {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
    }
    if let Some(token) = input.str("EventSourceToken") {
        equals.insert("lambda:EventSourceToken".into(), json!(token));
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    if !condition.is_empty() {
        statement.insert("Condition".into(), Value::Object(condition));
    }
    let statement = Value::Object(statement);
    let expected = input.str("RevisionId").map(str::to_owned);
    modify(
        lambda,
        caller,
        key,
        (slot, sid, statement.clone(), expected),
        |_, f, (slot, sid, statement, expected), _| {
            if expected.is_some_and(|r| r != f.policy_revision) {
                return Err(error::revision_mismatch("GetPolicy"));
            }
            let statements = f.policy.entry(slot).or_default();
            if statements
                .iter()
                .any(|s| s.get("Sid").and_then(Value::as_str) == Some(sid.as_str()))
            {
                return Err(error::conflict(format!(
                    "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
                )));
            }
            statements.push(statement);
            f.policy_revision = revision();
            Ok(())
        },
    )
    .await?;
    reply(
        StatusCode::CREATED,
        &json!({ "Statement": statement.to_string() }),
    )
}

async fn concurrency(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    key: FnKey,
    input: Input,
) -> Result<Response, ServiceError> {
    match op {
        "GetFunctionConcurrency" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            let out = match f.reserved_concurrency {
                Some(n) => json!({ "ReservedConcurrentExecutions": n }),
                None => json!({}),
            };
            reply(StatusCode::OK, &out)
        }
        "DeleteFunctionConcurrency" => {
            modify(lambda, caller, key, (), |_, f, (), _| {
                f.reserved_concurrency = None;
                Ok(())
            })
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let n = input
                .u64("ReservedConcurrentExecutions")
                .ok_or_else(|| error::missing("reservedConcurrentExecutions"))?;
            let limit = u64::from(lambda.options().max_concurrency);
            let others = {
                let state = lambda.read();
                function(&state, &key)?;
                let total = u64::from(super::functions::reserved_total(&state, caller));
                total
                    - u64::from(
                        state
                            .functions
                            .get(&key)
                            .and_then(|f| f.reserved_concurrency)
                            .unwrap_or(0),
                    )
            };
            let minimum = 100.min(limit);
            if n + others + minimum > limit {
                return Err(error::invalid_parameter(&format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
                )));
            }
            let n = n as u32;
            modify(lambda, caller, key, n, |_, f, n, _| {
                f.reserved_concurrency = Some(n);
                Ok(())
            })
            .await?;
            reply(
                StatusCode::OK,
                &json!({ "ReservedConcurrentExecutions": n }),
            )
        }
    }
}

/// The URL a function URL id is served on.
pub(crate) fn function_url(lambda: &Lambda, region: &str, url_id: &str) -> String {
    let port = lambda
        .options()
        .endpoint_url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
        .unwrap_or(4566);
    format!("http://{url_id}.lambda-url.{region}.localhost:{port}/")
}

fn url_json(lambda: &Lambda, key: &FnKey, q: &str, u: &UrlConfig, with_modified: bool) -> Value {
    let arn = if q.is_empty() {
        key.arn()
    } else {
        key.qualified_arn(q)
    };
    let mut out = json!({
        "FunctionUrl": function_url(lambda, &key.region, &u.url_id),
        "FunctionArn": arn,
        "AuthType": u.auth_type,
        "CreationTime": timestamp(u.created),
        "InvokeMode": u.invoke_mode,
    });
    if let Some(cors) = &u.cors {
        out["Cors"] = cors.clone();
    }
    if with_modified {
        out["LastModifiedTime"] = json!(timestamp(u.modified));
    }
    out
}

fn url_not_found() -> ServiceError {
    error::not_found("The resource you requested does not exist.".to_owned())
}

fn check_url_input(input: &Input) -> Result<(), ServiceError> {
    if let Some(auth) = input.str("AuthType")
        && !matches!(auth, "NONE" | "AWS_IAM")
    {
        return Err(error::validation(
            auth,
            "authType",
            "Member must satisfy enum value set: [NONE, AWS_IAM]",
        ));
    }
    if let Some(mode) = input.str("InvokeMode")
        && !matches!(mode, "BUFFERED" | "RESPONSE_STREAM")
    {
        return Err(error::validation(
            mode,
            "invokeMode",
            "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
        ));
    }
    Ok(())
}

async fn urls(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    key: FnKey,
    q: Option<String>,
    req: &Meta,
    input: Input,
) -> Result<Response, ServiceError> {
    if let Some(q) = &q
        && (q == "$LATEST" || q.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(error::validation(
            q,
            "qualifier",
            "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
        ));
    }
    let slot = q.clone().unwrap_or_default();
    match op {
        "GetFunctionUrlConfig" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            let u = f.urls.get(&slot).ok_or_else(url_not_found)?;
            reply(StatusCode::OK, &url_json(lambda, &key, &slot, u, true))
        }
        "ListFunctionUrlConfigs" => {
            let max = max_items(req.q("MaxItems"), 50)?;
            let state = lambda.read();
            let f = function(&state, &key)?;
            let all: Vec<Value> = f
                .urls
                .iter()
                .map(|(q, u)| url_json(lambda, &key, q, u, true))
                .collect();
            let start = req
                .q("Marker")
                .and_then(|m| m.parse::<usize>().ok())
                .unwrap_or(0);
            let page: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
            let mut out = json!({ "FunctionUrlConfigs": page });
            if all.len() > start + max {
                out["NextMarker"] = json!((start + max).to_string());
            }
            reply(StatusCode::OK, &out)
        }
        "DeleteFunctionUrlConfig" => {
            modify(lambda, caller, key, slot, |_, f, slot, _| {
                f.urls.remove(&slot).map(|_| ()).ok_or_else(url_not_found)
            })
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        "CreateFunctionUrlConfig" => {
            input.required_str("AuthType")?;
            check_url_input(&input)?;
            {
                let state = lambda.read();
                let f = function(&state, &key)?;
                if q.is_some() {
                    version(&key, f, q.as_deref())?;
                }
            }
            let u = modify(lambda, caller, key.clone(), (slot.clone(), input), |key, f, (slot, input), now| {
                if f.urls.contains_key(&slot) {
                    let arn = if slot.is_empty() { key.arn() } else { key.qualified_arn(&slot) };
                    return Err(error::conflict(format!(
                        "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
                    )));
                }
                let u = UrlConfig {
                    url_id: uuid::Uuid::new_v4().simple().to_string(),
                    auth_type: input.str("AuthType").unwrap_or("NONE").to_owned(),
                    cors: input.get("Cors").cloned(),
                    invoke_mode: input.str("InvokeMode").unwrap_or("BUFFERED").to_owned(),
                    created: now,
                    modified: now,
                };
                f.urls.insert(slot, u.clone());
                Ok(u)
            })
            .await?;
            reply(
                StatusCode::CREATED,
                &url_json(lambda, &key, &slot, &u, false),
            )
        }
        _ => {
            check_url_input(&input)?;
            let u = modify(
                lambda,
                caller,
                key.clone(),
                (slot.clone(), input),
                |_, f, (slot, input), now| {
                    let u = f.urls.get_mut(&slot).ok_or_else(url_not_found)?;
                    if let Some(auth) = input.str("AuthType") {
                        auth.clone_into(&mut u.auth_type);
                    }
                    if let Some(cors) = input.get("Cors") {
                        u.cors = Some(cors.clone());
                    }
                    if let Some(mode) = input.str("InvokeMode") {
                        mode.clone_into(&mut u.invoke_mode);
                    }
                    u.modified = now;
                    Ok(u.clone())
                },
            )
            .await?;
            reply(StatusCode::OK, &url_json(lambda, &key, &slot, &u, true))
        }
    }
}

async fn event_invoke(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    key: FnKey,
    q: Option<String>,
    input: Input,
) -> Result<Response, ServiceError> {
    let slot = q.clone().unwrap_or_else(|| "$LATEST".to_owned());
    let not_found = |key: &FnKey| {
        error::not_found(format!(
            "The function {} doesn't have an EventInvokeConfig",
            key.qualified_arn("$LATEST")
        ))
    };
    match op {
        "GetFunctionEventInvokeConfig" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            let c = f.event_invoke.get(&slot).ok_or_else(|| not_found(&key))?;
            reply(StatusCode::OK, c)
        }
        "ListFunctionEventInvokeConfigs" => {
            let state = lambda.read();
            let f = function(&state, &key)?;
            let all: Vec<&Value> = f.event_invoke.values().collect();
            reply(
                StatusCode::OK,
                &json!({ "FunctionEventInvokeConfigs": all }),
            )
        }
        "DeleteFunctionEventInvokeConfig" => {
            modify(lambda, caller, key.clone(), slot, |key, f, slot, _| {
                f.event_invoke.remove(&slot).map(|_| ()).ok_or_else(|| {
                    error::not_found(format!(
                        "The function {} doesn't have an EventInvokeConfig",
                        key.qualified_arn(&slot)
                    ))
                })
            })
            .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            if let Some(n) = input.u64("MaximumRetryAttempts")
                && n > 2
            {
                return Err(error::validation(
                    &n.to_string(),
                    "maximumRetryAttempts",
                    "Member must have value less than or equal to 2",
                ));
            }
            let replace = op == "PutFunctionEventInvokeConfig";
            let c = modify(
                lambda,
                caller,
                key,
                (slot, input, replace),
                |key, f, (slot, input, replace), now| {
                    let mut doc = if replace {
                        Map::new()
                    } else {
                        f.event_invoke
                            .get(&slot)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default()
                    };
                    for member in [
                        "MaximumRetryAttempts",
                        "MaximumEventAgeInSeconds",
                        "DestinationConfig",
                    ] {
                        if let Some(v) = input.get(member) {
                            doc.insert(member.into(), v.clone());
                        }
                    }
                    doc.insert("FunctionArn".into(), json!(key.qualified_arn(&slot)));
                    doc.insert("LastModified".into(), json!(now as f64 / 1000.0));
                    let doc = Value::Object(doc);
                    f.event_invoke.insert(slot, doc.clone());
                    Ok(doc)
                },
            )
            .await?;
            reply(StatusCode::OK, &c)
        }
    }
}
