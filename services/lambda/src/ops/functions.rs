//! CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
//! UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction, GetAccountSettings.

use std::collections::BTreeMap;

use http::StatusCode;
use ruststack_protocol::encoding::base64_decode;
use ruststack_protocol::{Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use super::{configuration, function, qualifier, resolve, revision, version};
use crate::api::{Input, Req, empty, reply};
use crate::code;
use crate::error;
use crate::persist;
use crate::state::{Code, Config, Function, LayerRef, State, Version};
use crate::{Caller, Lambda};

/// Environment variables AWS reserves (rejected in a function's `Environment`).
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Settings stored and returned as given.
const EXTRA_SETTINGS: &[(&str, &str)] = &[
    ("VpcConfig", "VpcConfig"),
    ("DeadLetterConfig", "DeadLetterConfig"),
    ("KMSKeyArn", "KMSKeyArn"),
    ("FileSystemConfigs", "FileSystemConfigs"),
];

pub(crate) async fn handle(
    lambda: &Lambda,
    caller: &Caller,
    op: &str,
    req: Req,
) -> Result<Response, ServiceError> {
    match op {
        "CreateFunction" => create(lambda, caller, req).await,
        "GetFunction" => get(lambda, caller, &req, true),
        "GetFunctionConfiguration" => get(lambda, caller, &req, false),
        "ListFunctions" => list(lambda, caller, &req),
        "DeleteFunction" => delete(lambda, caller, req).await,
        "UpdateFunctionCode" => update_code(lambda, caller, req).await,
        "UpdateFunctionConfiguration" => update_configuration(lambda, caller, req).await,
        _ => account_settings(lambda, caller),
    }
}

/// Reads the package a request gives (`ZipFile`, or `S3Bucket`/`S3Key`), checks and
/// stores it.
pub(crate) async fn package(lambda: &Lambda, code: &Input) -> Result<Code, ServiceError> {
    let zip = if let Some(b64) = code.str("ZipFile") {
        base64_decode(b64).ok_or_else(|| {
            error::invalid_parameter(
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            )
        })?
    } else if let (Some(bucket), Some(key)) = (code.str("S3Bucket"), code.str("S3Key")) {
        let source = lambda.hooks().objects.clone().ok_or_else(|| {
            error::invalid_parameter(
                "S3 is not enabled on this server; upload the code as ZipFile.",
            )
        })?;
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let object_version = code.str("S3ObjectVersion").map(str::to_owned);
        tokio::task::spawn_blocking(move || source(&bucket, &key, object_version.as_deref()))
            .await
            .map_err(|e| ServiceError::internal("ServiceException", e))?
            .map_err(|reason| {
                error::invalid_parameter(&format!("Error occurred while GetObject. {reason}"))
            })?
    } else if code.str("ImageUri").is_some() {
        return Err(images_unsupported());
    } else {
        return Err(error::invalid_parameter(
            "Please provide a source for function code.",
        ));
    };
    if zip.len() > code::MAX_ZIPPED {
        return Err(error::invalid_parameter(&format!(
            "Zipped size must be smaller than {} bytes",
            code::MAX_ZIPPED
        )));
    }
    let blobs = lambda.blobs().clone();
    tokio::task::spawn_blocking(move || code::store(&blobs, &zip))
        .await
        .map_err(|e| ServiceError::internal("ServiceException", e))?
}

fn images_unsupported() -> ServiceError {
    error::invalid_parameter(
        "Container image functions (PackageType Image) are not supported by ruststack: functions run \
         locally from Zip packages. Deploy the function as a Zip package instead.",
    )
}

fn check_timeout(timeout: u64) -> Result<u32, ServiceError> {
    if !(1..=900).contains(&timeout) {
        return Err(error::validation(
            &timeout.to_string(),
            "timeout",
            if timeout < 1 {
                "Member must have value greater than or equal to 1"
            } else {
                "Member must have value less than or equal to 900"
            },
        ));
    }
    Ok(timeout as u32)
}

fn check_memory(memory: u64) -> Result<u32, ServiceError> {
    if !(128..=10_240).contains(&memory) {
        return Err(error::validation(
            &memory.to_string(),
            "memorySize",
            if memory < 128 {
                "Member must have value greater than or equal to 128"
            } else {
                "Member must have value less than or equal to 10240"
            },
        ));
    }
    Ok(memory as u32)
}

fn check_runtime(runtime: &str) -> Result<(), ServiceError> {
    if !super::RUNTIMES.contains(&runtime) {
        return Err(error::invalid_parameter(&format!(
            "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
            super::RUNTIMES.join(", ")
        )));
    }
    if let Some(recommended) = super::deprecated_runtime(runtime) {
        return Err(error::invalid_parameter(&format!(
            "The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime ({recommended}) while creating or updating functions."
        )));
    }
    Ok(())
}

fn check_role(role: &str) -> Result<(), ServiceError> {
    let ok = role.starts_with("arn:")
        && role.split(':').nth(2) == Some("iam")
        && role
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("role/") && r.len() > 5);
    if !ok {
        return Err(error::validation(
            role,
            "role",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ));
    }
    Ok(())
}

fn check_environment(env: &BTreeMap<String, String>) -> Result<(), ServiceError> {
    let reserved: Vec<&str> = env
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENV.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(error::invalid_parameter(&format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let text = serde_json::to_string(env).unwrap_or_default();
    if text.len() > 4096 {
        return Err(error::invalid_parameter(&format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {text}"
        )));
    }
    Ok(())
}

/// Resolves `Layers` ARNs to the layer versions they name.
fn layer_refs(state: &State, arns: &[String]) -> Result<Vec<LayerRef>, ServiceError> {
    if arns.len() > 5 {
        return Err(error::invalid_parameter(
            "Cannot reference more than 5 layers.",
        ));
    }
    arns.iter()
        .map(|arn| {
            let parts: Vec<&str> = arn.split(':').collect();
            let found = match parts.as_slice() {
                ["arn", _, "lambda", region, account, "layer", name, v] => {
                    v.parse::<u64>().ok().and_then(|n| {
                        state
                            .layers
                            .get(&(
                                (*account).to_owned(),
                                (*region).to_owned(),
                                (*name).to_owned(),
                            ))
                            .and_then(|l| l.versions.get(&n))
                    })
                }
                _ => None,
            };
            let lv = found.ok_or_else(|| {
                error::invalid_parameter(&format!("Layer version {arn} does not exist."))
            })?;
            Ok(LayerRef {
                arn: arn.clone(),
                size: lv.code.size,
                sha256: lv.code.sha256.clone(),
                blob: lv.code.blob.clone(),
            })
        })
        .collect()
}

/// Settings of `UpdateFunctionConfiguration`/`CreateFunction` applied to `config`.
fn apply_settings(state: &State, config: &mut Config, input: &Input) -> Result<(), ServiceError> {
    if let Some(runtime) = input.str("Runtime") {
        check_runtime(runtime)?;
        config.runtime = Some(runtime.to_owned());
    }
    if let Some(role) = input.str("Role") {
        check_role(role)?;
        config.role = role.to_owned();
    }
    if let Some(handler) = input.str("Handler") {
        if handler.is_empty() || handler.len() > 128 {
            return Err(error::validation(
                handler,
                "handler",
                "Member must have length less than or equal to 128",
            ));
        }
        config.handler = Some(handler.to_owned());
    }
    if let Some(d) = input.str("Description") {
        config.description = d.to_owned();
    }
    if let Some(t) = input.u64("Timeout") {
        config.timeout = check_timeout(t)?;
    }
    if let Some(m) = input.u64("MemorySize") {
        config.memory = check_memory(m)?;
    }
    if let Some(env) = input.get("Environment") {
        let vars = env
            .get("Variables")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default();
        check_environment(&vars)?;
        config.environment = (!vars.is_empty()).then_some(vars);
    }
    if let Some(layers) = input.strings("Layers") {
        config.layers = layer_refs(state, &layers)?;
    }
    if let Some(mode) = input
        .get("TracingConfig")
        .and_then(|t| t.get("Mode"))
        .and_then(Value::as_str)
    {
        config.tracing_mode = mode.to_owned();
    }
    if let Some(size) = input
        .get("EphemeralStorage")
        .and_then(|e| e.get("Size"))
        .and_then(Value::as_u64)
    {
        if !(512..=10_240).contains(&size) {
            return Err(error::validation(
                &size.to_string(),
                "ephemeralStorage.size",
                "Member must have value between 512 and 10240",
            ));
        }
        config.ephemeral_storage = size as u32;
    }
    for (member, stored) in EXTRA_SETTINGS {
        if let Some(v) = input.get(member) {
            config.extra.insert((*stored).to_owned(), v.clone());
        }
    }
    Ok(())
}

async fn create(lambda: &Lambda, caller: &Caller, req: Req) -> Result<Response, ServiceError> {
    let (_, input) = req.json().await?;
    let name = input.required_str("FunctionName")?;
    let (key, q) = resolve(caller, name)?;
    if q.is_some() {
        return Err(error::invalid_parameter(
            "Unsupported qualifier for this operation.",
        ));
    }
    input.required_str("Role")?;
    let code_input = Input(
        input
            .get("Code")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| error::missing("code"))?,
    );
    if input.str("PackageType") == Some("Image") {
        return Err(images_unsupported());
    }
    if input.str("Runtime").is_none() || input.str("Handler").is_none() {
        return Err(error::invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        ));
    }
    if lambda.read().functions.contains_key(&key) {
        return Err(error::conflict(format!(
            "Function already exist: {}",
            key.name
        )));
    }
    // Validate the settings before storing any code.
    let mut config = Config {
        runtime: None,
        role: String::new(),
        handler: None,
        description: String::new(),
        timeout: 3,
        memory: 128,
        environment: None,
        layers: Vec::new(),
        architectures: input
            .strings("Architectures")
            .unwrap_or_else(|| vec!["x86_64".to_owned()]),
        ephemeral_storage: 512,
        tracing_mode: "PassThrough".to_owned(),
        extra: BTreeMap::new(),
    };
    apply_settings(&lambda.read(), &mut config, &input)?;
    let code = package(lambda, &code_input).await?;
    let tags = input.string_map("Tags").unwrap_or_default();
    let publish = input.bool("Publish").unwrap_or(false);
    let now = caller.now;
    let function = Function {
        latest: Version {
            config,
            code,
            modified: now,
            revision: revision(),
            description_override: None,
        },
        versions: BTreeMap::new(),
        next_version: 1,
        aliases: BTreeMap::new(),
        tags,
        policy: BTreeMap::new(),
        policy_revision: revision(),
        reserved_concurrency: None,
        urls: BTreeMap::new(),
        event_invoke: BTreeMap::new(),
    };
    let out = lambda
        .write(
            caller.clone(),
            (key, function, publish),
            |lambda, _, (key, mut f, publish)| {
                let mut state = lambda.write_lock();
                if state.functions.contains_key(&key) {
                    return Err(error::conflict(format!(
                        "Function already exist: {}",
                        key.name
                    )));
                }
                let mut shown = ("$LATEST".to_owned(), f.latest.clone());
                if publish {
                    let v = f.latest.clone();
                    f.versions.insert(1, v.clone());
                    f.next_version = 2;
                    shown = ("1".to_owned(), v);
                }
                let mut batch = Batch::new();
                persist::put_function(&mut batch, &key, Some(&f));
                lambda.commit(batch)?;
                state.functions.insert(key.clone(), f);
                Ok((key, shown))
            },
        )
        .await;
    let (key, (name, v)) = match out {
        Ok(ok) => ok,
        Err(e) => return Err(e),
    };
    let mut doc = configuration(&key, &name, &v, false);
    pending(&mut doc);
    reply(StatusCode::CREATED, &doc)
}

/// The state a function reports right after it was created: `Pending`, as on AWS (reads
/// after it see `Active`, so waiters succeed on their first poll).
fn pending(doc: &mut Value) {
    if let Value::Object(map) = doc {
        map.insert("State".into(), json!("Pending"));
        map.insert(
            "StateReason".into(),
            json!("The function is being created."),
        );
        map.insert("StateReasonCode".into(), json!("Creating"));
        map.remove("LastUpdateStatus");
    }
}

/// The state a function reports right after an update: `LastUpdateStatus: InProgress`.
fn in_progress(doc: &mut Value) {
    if let Value::Object(map) = doc {
        map.insert("LastUpdateStatus".into(), json!("InProgress"));
        map.insert(
            "LastUpdateStatusReason".into(),
            json!("The function is being created."),
        );
        map.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
    }
}

fn get(lambda: &Lambda, caller: &Caller, req: &Req, whole: bool) -> Result<Response, ServiceError> {
    let (key, q) = resolve(caller, &req.segments[1])?;
    let q = qualifier(q, req.q("Qualifier"))?;
    let state = lambda.read();
    let f = function(&state, &key)?;
    let (v, name) = version(&key, f, q.as_deref())?;
    let arn_qualifier = q
        .as_deref()
        .or((name != "$LATEST").then_some(name.as_str()));
    let config = super::configuration_as(&key, &name, v, arn_qualifier);
    if !whole {
        return reply(StatusCode::OK, &config);
    }
    let mut out = json!({
        "Configuration": config,
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("{}/_aws/lambda/code/{}", lambda.options().endpoint_url, v.code.blob),
        },
    });
    if !f.tags.is_empty() {
        out["Tags"] = json!(f.tags);
    }
    if let Some(n) = f.reserved_concurrency {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    reply(StatusCode::OK, &out)
}

fn list(lambda: &Lambda, caller: &Caller, req: &Req) -> Result<Response, ServiceError> {
    let max = super::max_items(req.q("MaxItems"), 50)?;
    let all_versions = req.q("FunctionVersion") == Some("ALL");
    let marker = req.q("Marker").unwrap_or("");
    let state = lambda.read();
    let mut items: Vec<(String, Value)> = Vec::new();
    for (key, f) in state
        .functions
        .iter()
        .filter(|(k, _)| k.account == caller.account && k.region == caller.region)
    {
        items.push((
            format!("{}\0", key.name),
            configuration(key, "$LATEST", &f.latest, false),
        ));
        if all_versions {
            for (n, v) in &f.versions {
                items.push((
                    format!("{}\0{n:020}", key.name),
                    configuration(key, &n.to_string(), v, true),
                ));
            }
        }
    }
    let start = items.partition_point(|(k, _)| k.as_str() < marker);
    let page: Vec<Value> = items[start..]
        .iter()
        .take(max)
        .map(|(_, v)| v.clone())
        .collect();
    let mut out = json!({ "Functions": page });
    if let Some((next, _)) = items.get(start + max) {
        out["NextMarker"] = json!(next);
    }
    reply(StatusCode::OK, &out)
}

async fn delete(lambda: &Lambda, caller: &Caller, req: Req) -> Result<Response, ServiceError> {
    let (key, q) = resolve(caller, &req.segments[1])?;
    let q = qualifier(q, req.q("Qualifier"))?;
    let dropped = lambda
        .write(caller.clone(), (key.clone(), q), |lambda, _, (key, q)| {
            let mut state = lambda.write_lock();
            let f = state
                .functions
                .get(&key)
                .ok_or_else(|| error::function_not_found(&key.arn()))?;
            let mut batch = Batch::new();
            let dropped: Vec<String>;
            match q.as_deref() {
                None => {
                    dropped = std::iter::once(&f.latest)
                        .chain(f.versions.values())
                        .map(|v| v.code.blob.clone())
                        .collect();
                    persist::put_function(&mut batch, &key, None);
                    lambda.commit(batch)?;
                    state.functions.remove(&key);
                }
                Some("$LATEST") => {
                    return Err(error::invalid_parameter(
                        "$LATEST version cannot be deleted without deleting the function.",
                    ));
                }
                Some(v) => {
                    let Ok(n) = v.parse::<u64>() else {
                        return Err(error::invalid_parameter(
                            "Deletion of aliases is not currently supported.",
                        ));
                    };
                    if let Some((alias, _)) = f
                        .aliases
                        .iter()
                        .find(|(_, a)| a.version == v || a.routing.contains_key(v))
                    {
                        return Err(error::conflict(format!(
                            "Unable to delete version because the following aliases reference it: [{alias}]"
                        )));
                    }
                    let mut f = f.clone();
                    let Some(removed) = f.versions.remove(&n) else {
                        // Deleting a version that does not exist succeeds, as on AWS.
                        return Ok(Vec::new());
                    };
                    dropped = vec![removed.code.blob];
                    persist::put_function(&mut batch, &key, Some(&f));
                    lambda.commit(batch)?;
                    state.functions.insert(key.clone(), f);
                }
            }
            Ok(dropped)
        })
        .await?;
    lambda.exec().retire(&key, None);
    lambda.drop_blobs(&dropped);
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn update_code(lambda: &Lambda, caller: &Caller, req: Req) -> Result<Response, ServiceError> {
    let (req, input) = req.json().await?;
    let (key, q) = resolve(caller, &req.segments[1])?;
    if q.is_some() {
        return Err(error::invalid_parameter(
            "Unsupported qualifier for this operation.",
        ));
    }
    function(&lambda.read(), &key)?;
    let code = package(lambda, &input).await?;
    let publish = input.bool("Publish").unwrap_or(false);
    let dry_run = input.bool("DryRun").unwrap_or(false);
    let expected = input.str("RevisionId").map(str::to_owned);
    let (name, v) = lambda
        .write(
            caller.clone(),
            (key.clone(), code, publish, dry_run, expected),
            |lambda, caller, (key, code, publish, dry_run, expected)| {
                let mut state = lambda.write_lock();
                let mut f = function(&state, &key)?.clone();
                if expected.as_ref().is_some_and(|r| *r != f.latest.revision) {
                    return Err(error::revision_mismatch("GetFunction/GetAlias"));
                }
                let old_blob = f.latest.code.blob.clone();
                f.latest.code = code;
                f.latest.modified = caller.now;
                f.latest.revision = revision();
                if dry_run {
                    return Ok(("$LATEST".to_owned(), f.latest));
                }
                let shown = if publish {
                    super::versions::publish(&mut f, None).1
                } else {
                    ("$LATEST".to_owned(), f.latest.clone())
                };
                let mut batch = Batch::new();
                persist::put_function(&mut batch, &key, Some(&f));
                lambda.commit(batch)?;
                state.functions.insert(key, f);
                drop(state);
                lambda.drop_blobs(&[old_blob]);
                Ok(shown)
            },
        )
        .await?;
    lambda.exec().retire(&key, Some("$LATEST"));
    let mut doc = configuration(&key, &name, &v, false);
    in_progress(&mut doc);
    reply(StatusCode::OK, &doc)
}

async fn update_configuration(
    lambda: &Lambda,
    caller: &Caller,
    req: Req,
) -> Result<Response, ServiceError> {
    let (req, input) = req.json().await?;
    let (key, q) = resolve(caller, &req.segments[1])?;
    if q.is_some() {
        return Err(error::invalid_parameter(
            "Unsupported qualifier for this operation.",
        ));
    }
    if input.str("PackageType").is_some() || input.get("ImageConfig").is_some() {
        return Err(images_unsupported());
    }
    let v = lambda
        .write(
            caller.clone(),
            (key.clone(), input),
            |lambda, caller, (key, input)| {
                let mut state = lambda.write_lock();
                let mut f = function(&state, &key)?.clone();
                if input
                    .str("RevisionId")
                    .is_some_and(|r| r != f.latest.revision)
                {
                    return Err(error::revision_mismatch("GetFunction/GetAlias"));
                }
                apply_settings(&state, &mut f.latest.config, &input)?;
                f.latest.modified = caller.now;
                f.latest.revision = revision();
                let mut batch = Batch::new();
                persist::put_function(&mut batch, &key, Some(&f));
                lambda.commit(batch)?;
                let v = f.latest.clone();
                state.functions.insert(key, f);
                Ok(v)
            },
        )
        .await?;
    lambda.exec().retire(&key, Some("$LATEST"));
    let mut doc = configuration(&key, "$LATEST", &v, false);
    in_progress(&mut doc);
    reply(StatusCode::OK, &doc)
}

fn account_settings(lambda: &Lambda, caller: &Caller) -> Result<Response, ServiceError> {
    let state = lambda.read();
    let mine = state
        .functions
        .iter()
        .filter(|(k, _)| k.account == caller.account && k.region == caller.region);
    let (count, size) = mine.fold((0u64, 0u64), |(n, s), (_, f)| {
        let versions = std::iter::once(&f.latest).chain(f.versions.values());
        (n + 1, s + versions.map(|v| v.code.size).sum::<u64>())
    });
    let limit = lambda.options().max_concurrency;
    reply(
        StatusCode::OK,
        &json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800u64,
                "CodeSizeUnzipped": code::MAX_UNZIPPED,
                "CodeSizeZipped": code::MAX_ZIPPED,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit.saturating_sub(reserved_total(&state, caller)),
            },
            "AccountUsage": { "TotalCodeSize": size, "FunctionCount": count },
        }),
    )
}

/// Concurrency reserved by the caller's functions.
pub(crate) fn reserved_total(state: &State, caller: &Caller) -> u32 {
    state
        .functions
        .iter()
        .filter(|(k, _)| k.account == caller.account && k.region == caller.region)
        .filter_map(|(_, f)| f.reserved_concurrency)
        .sum()
}
