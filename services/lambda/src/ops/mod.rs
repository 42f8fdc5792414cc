//! The operations, by area, and what they share: resolving a function name or ARN and a
//! qualifier, and the `FunctionConfiguration` document.

pub(crate) mod functions;
pub(crate) mod layers;
pub(crate) mod settings;
pub(crate) mod versions;

use ruststack_protocol::ServiceError;
use serde_json::{Map, Value, json};

use crate::Caller;
use crate::error;
use crate::state::{FnKey, Function, State, Version};

/// The runtimes Lambda accepts today (botocore's `Runtime` enum, deprecated ones included:
/// AWS still lists them, and rejects them only when creating new functions).
pub(crate) const RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "java8",
    "java8.al2",
    "java11",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "dotnet8",
    "nodejs4.3-edge",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
    "provided.al2",
    "nodejs18.x",
    "python3.10",
    "java17",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "python3.11",
    "nodejs20.x",
    "provided.al2023",
    "python3.12",
    "java21",
    "python3.13",
    "nodejs22.x",
    "nodejs24.x",
    "python3.14",
    "java25",
    "dotnet10",
];

/// Runtimes AWS no longer allows for new functions, with the runtime it recommends.
pub(crate) fn deprecated_runtime(runtime: &str) -> Option<&'static str> {
    match runtime {
        "python2.7" | "python3.6" | "python3.7" | "python3.8" => Some("python3.13"),
        "nodejs" | "nodejs4.3" | "nodejs4.3-edge" | "nodejs6.10" | "nodejs8.10" | "nodejs10.x"
        | "nodejs12.x" | "nodejs14.x" | "nodejs16.x" => Some("nodejs22.x"),
        "dotnetcore1.0" | "dotnetcore2.0" | "dotnetcore2.1" | "dotnetcore3.1" => Some("dotnet8"),
        "ruby2.5" | "ruby2.7" => Some("ruby3.3"),
        "go1.x" => Some("provided.al2023"),
        _ => None,
    }
}

/// `1970-01-01T00:00:00.000+0000`, Lambda's `LastModified` format.
pub(crate) fn timestamp(ms: i64) -> String {
    let iso = ruststack_protocol::rest::iso8601_millis(ms);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// A new revision id.
pub(crate) fn revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The pattern AWS reports for a bad function name.
const NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Resolves a `FunctionName` as Lambda accepts it: a name, `name:qualifier`, a partial ARN
/// (`123456789012:function:name`) or a full ARN, each optionally qualified. Returns the
/// function's key and the qualifier the name carried.
pub(crate) fn resolve(caller: &Caller, raw: &str) -> Result<(FnKey, Option<String>), ServiceError> {
    let bad = || {
        error::validation(
            raw,
            "functionName",
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        )
    };
    if raw.is_empty() || raw.len() > 170 {
        return Err(bad());
    }
    let parts: Vec<&str> = raw.split(':').collect();
    let (account, region, name, qualifier) = match parts.as_slice() {
        [name] => (caller.account.as_str(), caller.region.as_str(), *name, None),
        [name, q] => (
            caller.account.as_str(),
            caller.region.as_str(),
            *name,
            Some(*q),
        ),
        [acct, "function", name] => (*acct, caller.region.as_str(), *name, None),
        [acct, "function", name, q] => (*acct, caller.region.as_str(), *name, Some(*q)),
        ["arn", _, "lambda", region, acct, "function", name] => (*acct, *region, *name, None),
        ["arn", _, "lambda", region, acct, "function", name, q] => {
            (*acct, *region, *name, Some(*q))
        }
        _ => return Err(bad()),
    };
    if !valid_name(name) || qualifier.is_some_and(|q| q.is_empty() || q.len() > 128) {
        return Err(bad());
    }
    Ok((
        FnKey {
            account: account.to_owned(),
            region: region.to_owned(),
            name: name.to_owned(),
        },
        qualifier.map(str::to_owned),
    ))
}

/// The qualifier a request names, from the name and the `Qualifier` parameter (they must
/// agree when both are given).
pub(crate) fn qualifier(
    from_name: Option<String>,
    param: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    match (from_name, param) {
        (Some(a), Some(b)) if a != b => Err(error::invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, Some(b)) => Ok(Some(b.to_owned())),
        (None, None) => Ok(None),
    }
}

/// The function `key` names, or `ResourceNotFoundException`.
pub(crate) fn function<'a>(state: &'a State, key: &FnKey) -> Result<&'a Function, ServiceError> {
    state
        .functions
        .get(key)
        .ok_or_else(|| error::function_not_found(&key.arn()))
}

/// Resolves a qualifier to the version it names: `$LATEST`, a number, or an alias (its
/// primary version). Returns the version and its name.
pub(crate) fn version<'a>(
    key: &FnKey,
    f: &'a Function,
    qualifier: Option<&str>,
) -> Result<(&'a Version, String), ServiceError> {
    let not_found = || error::function_not_found(&key.qualified_arn(qualifier.unwrap_or("")));
    match qualifier {
        None | Some("$LATEST") => Ok((&f.latest, "$LATEST".to_owned())),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u64 = q.parse().map_err(|_| not_found())?;
            f.versions
                .get(&n)
                .map(|v| (v, n.to_string()))
                .ok_or_else(not_found)
        }
        Some(alias) => {
            let a = f.aliases.get(alias).ok_or_else(not_found)?;
            version(key, f, Some(&a.version))
        }
    }
}

/// The `FunctionConfiguration` document of one version. `qualified` puts the version in
/// the ARN (as AWS does for published versions and explicit qualifiers).
pub(crate) fn configuration(
    key: &FnKey,
    version_name: &str,
    v: &Version,
    qualified: bool,
) -> Value {
    let qualifier = (qualified || version_name != "$LATEST").then_some(version_name);
    configuration_as(key, version_name, v, qualifier)
}

/// [`configuration`] with the ARN qualified by `arn_qualifier` (an alias, a version), or
/// unqualified when `None`.
pub(crate) fn configuration_as(
    key: &FnKey,
    version_name: &str,
    v: &Version,
    arn_qualifier: Option<&str>,
) -> Value {
    let c = &v.config;
    let arn = match arn_qualifier {
        Some(q) => key.qualified_arn(q),
        None => key.arn(),
    };
    let mut out = Map::new();
    out.insert("FunctionName".into(), json!(key.name));
    out.insert("FunctionArn".into(), json!(arn));
    if let Some(runtime) = &c.runtime {
        out.insert("Runtime".into(), json!(runtime));
    }
    out.insert("Role".into(), json!(c.role));
    if let Some(handler) = &c.handler {
        out.insert("Handler".into(), json!(handler));
    }
    out.insert("CodeSize".into(), json!(v.code.size));
    out.insert(
        "Description".into(),
        json!(v.description_override.as_deref().unwrap_or(&c.description)),
    );
    out.insert("Timeout".into(), json!(c.timeout));
    out.insert("MemorySize".into(), json!(c.memory));
    out.insert("LastModified".into(), json!(timestamp(v.modified)));
    out.insert("CodeSha256".into(), json!(v.code.sha256));
    out.insert("Version".into(), json!(version_name));
    if let Some(env) = &c.environment {
        out.insert("Environment".into(), json!({ "Variables": env }));
    }
    out.insert("TracingConfig".into(), json!({ "Mode": c.tracing_mode }));
    out.insert("RevisionId".into(), json!(v.revision));
    if !c.layers.is_empty() {
        let layers: Vec<Value> = c
            .layers
            .iter()
            .map(|l| json!({ "Arn": l.arn, "CodeSize": l.size }))
            .collect();
        out.insert("Layers".into(), Value::Array(layers));
    }
    out.insert("State".into(), json!("Active"));
    out.insert("LastUpdateStatus".into(), json!("Successful"));
    out.insert("PackageType".into(), json!("Zip"));
    out.insert("Architectures".into(), json!(c.architectures));
    out.insert(
        "EphemeralStorage".into(),
        json!({ "Size": c.ephemeral_storage }),
    );
    out.insert(
        "SnapStart".into(),
        json!({ "ApplyOn": "None", "OptimizationStatus": "Off" }),
    );
    if let Some(runtime) = &c.runtime {
        out.insert(
            "RuntimeVersionConfig".into(),
            json!({ "RuntimeVersionArn": format!("arn:aws:lambda:{}::runtime:{}", key.region, runtime_version_id(runtime)) }),
        );
    }
    out.insert(
        "LoggingConfig".into(),
        json!({ "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", key.name) }),
    );
    for (k, value) in &c.extra {
        out.insert(k.clone(), value.clone());
    }
    Value::Object(out)
}

/// A stable 64-hex runtime version id per runtime name (AWS's ids are opaque hashes).
fn runtime_version_id(runtime: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(runtime.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a positive page size (`MaxItems`), AWS's range 1–10000.
pub(crate) fn max_items(raw: Option<&str>, default: usize) -> Result<usize, ServiceError> {
    match raw {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => Ok(n),
            _ => Err(error::validation(
                s,
                "maxItems",
                "Member must have value less than or equal to 10000",
            )),
        },
    }
}
