//! The Lambda model: functions with their versions, aliases and settings, layers, and event
//! source mappings. Every record is plain serde data so it persists as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Identifies a function: `(account, region, name)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct FnKey {
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) name: String,
}

impl FnKey {
    /// The unqualified function ARN.
    pub(crate) fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.name
        )
    }

    /// The ARN with a qualifier (`$LATEST`, a version or an alias).
    pub(crate) fn qualified_arn(&self, qualifier: &str) -> String {
        format!("{}:{qualifier}", self.arn())
    }
}

/// The deployment package of a version: the zip is a blob, extracted once per digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Code {
    /// Base64 SHA-256 of the zip (`CodeSha256`).
    pub(crate) sha256: String,
    /// Zip size in bytes (`CodeSize`).
    pub(crate) size: u64,
    /// The zip's blob id.
    pub(crate) blob: String,
}

/// A layer version a function uses: its ARN and size (as `FunctionConfiguration.Layers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LayerRef {
    pub(crate) arn: String,
    pub(crate) size: u64,
    /// Digest of the layer's zip: where it is extracted.
    pub(crate) sha256: String,
    pub(crate) blob: String,
}

/// The configuration of one version of a function (what `FunctionConfiguration` shows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Config {
    pub(crate) runtime: Option<String>,
    pub(crate) role: String,
    pub(crate) handler: Option<String>,
    pub(crate) description: String,
    pub(crate) timeout: u32,
    pub(crate) memory: u32,
    pub(crate) environment: Option<BTreeMap<String, String>>,
    pub(crate) layers: Vec<LayerRef>,
    pub(crate) architectures: Vec<String>,
    pub(crate) ephemeral_storage: u32,
    pub(crate) tracing_mode: String,
    /// Settings stored and returned as given (VPC, dead-letter queue, KMS key, logging…).
    pub(crate) extra: BTreeMap<String, Value>,
}

/// One version of a function: `$LATEST` or a published number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Version {
    pub(crate) config: Config,
    pub(crate) code: Code,
    /// `LastModified` in milliseconds.
    pub(crate) modified: i64,
    pub(crate) revision: String,
    pub(crate) description_override: Option<String>,
}

/// An alias: a name for a version, optionally splitting traffic with a second version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Alias {
    pub(crate) version: String,
    pub(crate) description: String,
    /// Additional version → weight (0.0–1.0).
    pub(crate) routing: BTreeMap<String, f64>,
    pub(crate) revision: String,
}

/// A function URL configuration (per qualifier: unqualified or an alias).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct UrlConfig {
    pub(crate) url_id: String,
    pub(crate) auth_type: String,
    pub(crate) cors: Option<Value>,
    pub(crate) invoke_mode: String,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

/// A function with everything attached to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Function {
    pub(crate) latest: Version,
    /// Published versions by number.
    pub(crate) versions: BTreeMap<u64, Version>,
    pub(crate) next_version: u64,
    pub(crate) aliases: BTreeMap<String, Alias>,
    pub(crate) tags: BTreeMap<String, String>,
    /// Resource-policy statements (`AddPermission`), by qualifier ("" = unqualified).
    pub(crate) policy: BTreeMap<String, Vec<Value>>,
    pub(crate) policy_revision: String,
    pub(crate) reserved_concurrency: Option<u32>,
    /// URL configs by qualifier ("" = unqualified).
    pub(crate) urls: BTreeMap<String, UrlConfig>,
    /// Async invoke settings (`PutFunctionEventInvokeConfig`) by qualifier.
    pub(crate) event_invoke: BTreeMap<String, Value>,
}

/// One version of a layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct LayerVersion {
    pub(crate) code: Code,
    pub(crate) description: String,
    pub(crate) created: i64,
    pub(crate) compatible_runtimes: Vec<String>,
    pub(crate) compatible_architectures: Vec<String>,
    pub(crate) license: Option<String>,
}

/// A layer: its versions by number.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Layer {
    pub(crate) versions: BTreeMap<u64, LayerVersion>,
    pub(crate) next_version: u64,
}

/// An event source mapping (DynamoDB Streams).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Mapping {
    pub(crate) uuid: String,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) function_arn: String,
    pub(crate) source_arn: String,
    pub(crate) batch_size: u32,
    pub(crate) batching_window: u32,
    pub(crate) starting_position: String,
    pub(crate) enabled: bool,
    pub(crate) modified: i64,
    pub(crate) last_result: String,
    /// The last stream sequence number delivered (polling resumes after it).
    pub(crate) position: Option<u64>,
    /// Other settings stored and returned as given.
    pub(crate) extra: BTreeMap<String, Value>,
}

/// The whole service state.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) functions: BTreeMap<FnKey, Function>,
    /// `(account, region, layer name)` → layer.
    pub(crate) layers: BTreeMap<(String, String, String), Layer>,
    pub(crate) mappings: BTreeMap<String, Mapping>,
}

impl State {
    /// The function and qualifier a function URL id belongs to.
    pub(crate) fn url_owner(&self, url_id: &str) -> Option<(&FnKey, &str)> {
        self.functions.iter().find_map(|(key, f)| {
            f.urls
                .iter()
                .find(|(_, u)| u.url_id == url_id)
                .map(|(q, _)| (key, q.as_str()))
        })
    }
}
