//! The validated configuration: built once from [`Cli`] (flags, `RUSTSTACK_*` and
//! LocalStack's variables); the rest of the program reads only this.
//!
//! Precedence: a `--flag` or its `RUSTSTACK_*` variable, then LocalStack's variable, then
//! the default. LocalStack's booleans follow LocalStack (`1`/`true` are true, anything else
//! false), so a `DEBUG=express:*` left over from another tool does not stop ruststack.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use ruststack_protocol::ServiceId;

use crate::cli::{Cli, LogFormat, LogLevel};

/// Default port (LocalStack's edge port).
pub const DEFAULT_PORT: u16 = 4566;
/// Where `PERSISTENCE=1` keeps state when no data directory is named (LocalStack's volume).
pub const LOCALSTACK_STATE_DIR: &str = "/var/lib/localstack/state";

/// A configuration value that cannot be used; printed as one line, exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The option (flag or variable) at fault.
    pub option: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid value for '{}': {}", self.option, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(option: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        option,
        message: message.into(),
    }
}

/// A Fastly Compute app from `--fastly-wasm [NAME=]PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastlyApp {
    /// The name given with `NAME=`.
    pub name: Option<String>,
    /// The wasm file.
    pub wasm: PathBuf,
    /// Its `fastly.toml`, when given.
    pub config: Option<PathBuf>,
}

/// Everything ruststack needs to know to start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Socket address to listen on.
    pub listen: SocketAddr,
    /// Enabled services.
    pub services: BTreeSet<ServiceId>,
    /// Durable state directory, or `None` for in-memory state.
    pub data_dir: Option<PathBuf>,
    /// tracing filter directives.
    pub log_filter: String,
    /// Log output format.
    pub log_format: LogFormat,
    /// Init hook root (`boot.d`, `start.d`, `ready.d`, `shutdown.d` below it).
    pub init_dir: PathBuf,
    /// `host:port` put into URLs ruststack hands out (LocalStack's `LOCALSTACK_HOST`).
    pub external_host: String,
    /// How long an idle Lambda instance stays warm (`LAMBDA_KEEPALIVE_MS`).
    pub lambda_keepalive: Duration,
    /// How many Lambda instances may run at once (`LAMBDA_LIMITS_CONCURRENT_EXECUTIONS`).
    pub lambda_max_concurrency: u32,
    /// Delay before the first retry of a failed asynchronous invocation
    /// (`LAMBDA_RETRY_BASE_DELAY`, seconds; AWS waits about a minute).
    pub lambda_retry_delay: Duration,
    /// Whether presigned S3 URLs skip signature checks (`S3_SKIP_SIGNATURE_VALIDATION`).
    pub s3_skip_signature_validation: bool,
    /// Whether DynamoDB deletes TTL-expired items (`DYNAMODB_REMOVE_EXPIRED_ITEMS`, default
    /// on as in AWS; LocalStack's default was off).
    pub dynamodb_remove_expired_items: bool,
    /// Fastly Compute apps to serve.
    pub fastly_apps: Vec<FastlyApp>,
    /// Where the first Compute app is also served.
    pub fastly_addr: SocketAddr,
    /// How long a Compute app stays loaded without requests.
    pub fastly_idle: Duration,
    /// How long a Compute app may take to answer a request.
    pub fastly_timeout: Duration,
    /// Whether core-module Compute apps run as components (through viceroy's adapter).
    pub fastly_adapt: bool,
    /// Things worth a warning once logging is up (ignored unknown LocalStack services…).
    pub warnings: Vec<String>,
}

impl Config {
    /// The URL a local client (an init hook, a function) should use to reach the gateway.
    pub fn local_endpoint_url(&self) -> String {
        let ip = match self.listen.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.listen.port()))
    }

    /// Whether `service` is enabled.
    pub fn is_enabled(&self, service: ServiceId) -> bool {
        self.services.contains(&service)
    }
}

impl TryFrom<Cli> for Config {
    type Error = ConfigError;

    fn try_from(cli: Cli) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();

        let gateway = cli
            .ls_gateway_listen
            .as_deref()
            .map(parse_gateway_listen)
            .transpose()?
            .flatten();
        let host = match (&cli.host, gateway) {
            (Some(host), _) => parse_host(host).ok_or_else(|| {
                invalid(
                    "--host",
                    format!("'{host}' is not an IP address or 'localhost'"),
                )
            })?,
            (None, Some((Some(ip), _))) => ip,
            (None, _) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let port = cli
            .port
            .or(gateway.and_then(|(_, port)| port))
            .unwrap_or(DEFAULT_PORT);

        let services = match (&cli.services, &cli.ls_services) {
            (Some(list), _) => parse_services(list, "--services", None)?,
            (None, Some(list)) => parse_services(list, "SERVICES", Some(&mut warnings))?,
            (None, None) => ServiceId::ALL.into_iter().collect(),
        };

        let data_dir = match (&cli.data_dir, &cli.ls_data_dir) {
            (Some(dir), _) => Some(dir.clone()),
            (None, Some(dir)) if !dir.as_os_str().is_empty() => Some(dir.clone()),
            (None, _) if localstack_true(cli.ls_persistence.as_deref()) => {
                Some(PathBuf::from(LOCALSTACK_STATE_DIR))
            }
            (None, _) => None,
        };
        if matches!(&data_dir, Some(d) if d.as_os_str().is_empty()) {
            return Err(invalid("--data-dir", "must not be empty"));
        }

        let log_filter = match (&cli.rust_log, cli.log_level) {
            (Some(filter), _) if !filter.trim().is_empty() => filter.clone(),
            (_, level) => {
                let level = level
                    .or_else(|| cli.ls_log.as_deref().and_then(ls_log_level))
                    .or_else(|| localstack_true(cli.ls_debug.as_deref()).then_some(LogLevel::Debug))
                    .unwrap_or(LogLevel::Info);
                // Our crates at the chosen level; dependencies only when they warn.
                format!("warn,ruststack={}", level.as_str())
            }
        };

        let external_host = match cli.ls_localstack_host.as_deref().map(str::trim) {
            Some(h) if !h.is_empty() => {
                if h.contains(':') {
                    h.to_owned()
                } else {
                    format!("{h}:{port}")
                }
            }
            _ => format!("localhost:{port}"),
        };

        let lambda_keepalive = match (
            cli.lambda_keepalive,
            cli.ls_lambda_keepalive_ms.as_deref().map(str::trim),
        ) {
            (Some(secs), _) => Duration::from_secs(secs),
            (None, None | Some("")) => Duration::from_millis(600_000),
            (None, Some(ms)) => Duration::from_millis(ms.parse().map_err(|_| {
                invalid(
                    "LAMBDA_KEEPALIVE_MS",
                    format!("'{ms}' is not a number of milliseconds"),
                )
            })?),
        };
        let lambda_max_concurrency = match cli.ls_lambda_concurrency.as_deref().map(str::trim) {
            None | Some("") => 1000,
            Some(n) => n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                invalid(
                    "LAMBDA_LIMITS_CONCURRENT_EXECUTIONS",
                    format!("'{n}' is not a positive number"),
                )
            })?,
        };
        let mut fastly_apps = Vec::new();
        for (i, value) in cli.fastly_wasm.iter().map(|v| v.trim()).enumerate() {
            if value.is_empty() {
                continue;
            }
            let (name, path) = match value.split_once('=') {
                Some((name, path)) if !name.contains('/') => (Some(name.to_owned()), path),
                _ => (None, value),
            };
            let wasm = PathBuf::from(path);
            if !wasm.is_file() {
                return Err(invalid(
                    "--fastly-wasm",
                    format!("'{}' is not a file", wasm.display()),
                ));
            }
            fastly_apps.push(FastlyApp {
                name,
                wasm,
                config: if i == 0 {
                    cli.fastly_config.clone()
                } else {
                    None
                },
            });
        }
        let fastly_addr = match cli.fastly_addr.as_deref().map(str::trim) {
            None | Some("") => SocketAddr::from(([127, 0, 0, 1], 7676)),
            Some(text) => text.parse().map_err(|_| {
                invalid(
                    "--fastly-addr",
                    format!("'{text}' is not an address (host:port)"),
                )
            })?,
        };
        let fastly_idle = Duration::from_secs(cli.fastly_idle.unwrap_or(300));
        let fastly_timeout = Duration::from_secs(cli.fastly_timeout.unwrap_or(120).max(1));
        let lambda_retry_delay = match cli.ls_lambda_retry_base_delay.as_deref().map(str::trim) {
            None | Some("") => Duration::from_secs(60),
            Some(s) => Duration::from_secs_f64(
                s.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| {
                        invalid(
                            "LAMBDA_RETRY_BASE_DELAY",
                            format!("'{s}' is not a number of seconds"),
                        )
                    })?,
            ),
        };

        Ok(Config {
            listen: SocketAddr::new(host, port),
            services,
            data_dir,
            log_filter,
            log_format: cli.log_format,
            init_dir: cli.init_dir,
            external_host,
            lambda_keepalive,
            lambda_max_concurrency,
            lambda_retry_delay,
            fastly_apps,
            fastly_addr,
            fastly_idle,
            fastly_timeout,
            fastly_adapt: cli.fastly_adapt,
            // LocalStack's default is to skip (is_env_not_false).
            s3_skip_signature_validation: !localstack_false(
                cli.ls_s3_skip_signature_validation.as_deref(),
            ),
            // DynamoDB deletes expired items in the background; `=0` turns that off.
            dynamodb_remove_expired_items: !localstack_false(
                cli.ls_dynamodb_remove_expired_items.as_deref(),
            ),
            warnings,
        })
    }
}

fn parse_host(host: &str) -> Option<IpAddr> {
    match host.trim() {
        "localhost" => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        h => h.trim_start_matches('[').trim_end_matches(']').parse().ok(),
    }
}

/// The host and port a `GATEWAY_LISTEN` entry names (either may be left out).
type ListenParts = (Option<IpAddr>, Option<u16>);

/// `GATEWAY_LISTEN=[host]:port[,…]`: the first entry is used; an empty host keeps the
/// default host.
fn parse_gateway_listen(value: &str) -> Result<Option<ListenParts>, ConfigError> {
    let Some(first) = value.split(',').map(str::trim).find(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let (host, port) = match first.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') || h.starts_with('[') => (h, Some(p)),
        _ => (first, None),
    };
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .map_err(|_| invalid("GATEWAY_LISTEN", format!("'{first}' has no valid port")))
        })
        .transpose()?;
    let host = if host.is_empty() {
        None
    } else {
        Some(parse_host(host).ok_or_else(|| {
            invalid(
                "GATEWAY_LISTEN",
                format!("'{host}' is not an IP address or 'localhost'"),
            )
        })?)
    };
    Ok(Some((host, port)))
}

/// A comma-separated service list. `dynamodb` brings `dynamodbstreams` with it (Streams
/// reads DynamoDB's tables). Unknown names are an error for our own flag, and a warning
/// for LocalStack's `SERVICES` (which may name services ruststack does not emulate).
fn parse_services(
    list: &str,
    option: &'static str,
    mut warnings: Option<&mut Vec<String>>,
) -> Result<BTreeSet<ServiceId>, ConfigError> {
    let mut services = BTreeSet::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let lowered = name.to_ascii_lowercase();
        match ServiceId::from_name(&lowered) {
            Some(service) => {
                services.insert(service);
                if service == ServiceId::DynamoDb {
                    services.insert(ServiceId::DynamoDbStreams);
                }
            }
            None => {
                let known: Vec<&str> = ServiceId::ALL.iter().map(|s| s.name()).collect();
                let message = format!("unknown service '{name}' (known: {})", known.join(", "));
                match warnings.as_deref_mut() {
                    Some(w) => w.push(format!("{option}: ignoring {message}")),
                    None => return Err(invalid(option, message)),
                }
            }
        }
    }
    if services.is_empty() && warnings.is_none() {
        return Err(invalid(option, "names no service"));
    }
    Ok(services)
}

fn ls_log_level(value: &str) -> Option<LogLevel> {
    match value.trim().to_ascii_lowercase().as_str() {
        "trace" | "trace-internal" => Some(LogLevel::Trace),
        "debug" => Some(LogLevel::Debug),
        "info" => Some(LogLevel::Info),
        "warn" | "warning" => Some(LogLevel::Warn),
        "error" => Some(LogLevel::Error),
        _ => None,
    }
}

/// LocalStack's `is_env_true`.
fn localstack_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
}

/// LocalStack's "not `is_env_not_false`".
fn localstack_false(value: Option<&str>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cli: Cli) -> Result<Config, ConfigError> {
        Config::try_from(cli)
    }

    #[test]
    fn defaults() {
        let c = config(Cli::default()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:4566".parse().unwrap());
        assert_eq!(c.services.len(), ServiceId::ALL.len());
        assert_eq!(c.data_dir, None);
        assert_eq!(c.log_filter, "warn,ruststack=info");
        assert_eq!(c.external_host, "localhost:4566");
        assert!(c.s3_skip_signature_validation);
        assert!(c.dynamodb_remove_expired_items);
        assert_eq!(c.lambda_keepalive, Duration::from_secs(600));
        assert_eq!(c.local_endpoint_url(), "http://127.0.0.1:4566");
    }

    #[test]
    fn flags_beat_gateway_listen() {
        let cli = Cli {
            ls_gateway_listen: Some("0.0.0.0:5000,:443".into()),
            ..Cli::default()
        };
        let c = config(cli).unwrap();
        assert_eq!(c.listen, "0.0.0.0:5000".parse().unwrap());
        assert_eq!(c.local_endpoint_url(), "http://127.0.0.1:5000");
        let cli = Cli {
            ls_gateway_listen: Some(":5000".into()),
            port: Some(6000),
            ..Cli::default()
        };
        assert_eq!(
            config(cli).unwrap().listen,
            "127.0.0.1:6000".parse().unwrap()
        );
        let cli = Cli {
            ls_gateway_listen: Some("nonsense:x".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap_err().option, "GATEWAY_LISTEN");
    }

    #[test]
    fn services_flag_is_strict_and_localstack_variable_lenient() {
        let cli = Cli {
            services: Some("s3, Logs".into()),
            ..Cli::default()
        };
        let c = config(cli).unwrap();
        assert_eq!(c.services, BTreeSet::from([ServiceId::S3, ServiceId::Logs]));
        let cli = Cli {
            services: Some("s3,sqs".into()),
            ..Cli::default()
        };
        let err = config(cli).unwrap_err();
        assert_eq!(err.option, "--services");
        assert!(err.to_string().contains("unknown service 'sqs'"), "{err}");
        let cli = Cli {
            ls_services: Some("dynamodb,sqs".into()),
            ..Cli::default()
        };
        let c = config(cli).unwrap();
        assert_eq!(
            c.services,
            BTreeSet::from([ServiceId::DynamoDb, ServiceId::DynamoDbStreams])
        );
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn persistence_and_data_dir() {
        let cli = Cli {
            ls_persistence: Some("1".into()),
            ..Cli::default()
        };
        assert_eq!(
            config(cli).unwrap().data_dir,
            Some(PathBuf::from(LOCALSTACK_STATE_DIR))
        );
        let cli = Cli {
            ls_persistence: Some("1".into()),
            ls_data_dir: Some("/tmp/x".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().data_dir, Some(PathBuf::from("/tmp/x")));
        let cli = Cli {
            ls_persistence: Some("0".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().data_dir, None);
    }

    #[test]
    fn log_precedence() {
        let cli = Cli {
            ls_debug: Some("1".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().log_filter, "warn,ruststack=debug");
        let cli = Cli {
            ls_debug: Some("express:*".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().log_filter, "warn,ruststack=info");
        let cli = Cli {
            ls_log: Some("trace".into()),
            ls_debug: Some("1".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().log_filter, "warn,ruststack=trace");
        let cli = Cli {
            log_level: Some(LogLevel::Error),
            ls_log: Some("trace".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().log_filter, "warn,ruststack=error");
        let cli = Cli {
            rust_log: Some("hyper=debug".into()),
            log_level: Some(LogLevel::Error),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap().log_filter, "hyper=debug");
    }

    #[test]
    fn localstack_values() {
        let cli = Cli {
            ls_localstack_host: Some("ruststack".into()),
            ls_lambda_keepalive_ms: Some("0".into()),
            ls_s3_skip_signature_validation: Some("0".into()),
            ls_dynamodb_remove_expired_items: Some("0".into()),
            ..Cli::default()
        };
        let c = config(cli).unwrap();
        assert_eq!(c.external_host, "ruststack:4566");
        assert_eq!(c.lambda_keepalive, Duration::ZERO);
        assert!(!c.s3_skip_signature_validation);
        assert!(!c.dynamodb_remove_expired_items);
        let cli = Cli {
            ls_lambda_keepalive_ms: Some("soon".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap_err().option, "LAMBDA_KEEPALIVE_MS");
        let cli = Cli {
            host: Some("example.com".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap_err().option, "--host");
    }

    #[test]
    fn fastly_apps() {
        let dir = std::env::temp_dir().join(format!("ruststack-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wasm = dir.join("main.wasm");
        std::fs::write(&wasm, b"\0asm").unwrap();
        let cli = Cli {
            fastly_wasm: vec![
                format!("shop={}", wasm.display()),
                wasm.display().to_string(),
            ],
            fastly_config: Some(dir.join("fastly.toml")),
            fastly_addr: Some("0.0.0.0:7000".into()),
            ..Cli::default()
        };
        let c = config(cli).unwrap();
        assert_eq!(c.fastly_apps.len(), 2);
        assert_eq!(c.fastly_apps[0].name.as_deref(), Some("shop"));
        assert_eq!(c.fastly_apps[0].config, Some(dir.join("fastly.toml")));
        assert_eq!(
            (
                c.fastly_apps[1].name.as_deref(),
                c.fastly_apps[1].config.as_ref()
            ),
            (None, None)
        );
        assert_eq!(c.fastly_addr.to_string(), "0.0.0.0:7000");
        assert_eq!(c.fastly_idle, Duration::from_secs(300));
        let cli = Cli {
            fastly_wasm: vec![dir.join("missing.wasm").display().to_string()],
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap_err().option, "--fastly-wasm");
        let cli = Cli {
            fastly_addr: Some("nowhere".into()),
            ..Cli::default()
        };
        assert_eq!(config(cli).unwrap_err().option, "--fastly-addr");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
