//! Command-line flags and their environment variables (clap derive). Every flag has a
//! `RUSTSTACK_*` twin; LocalStack's variables are read here too, as hidden arguments, so
//! that [`Config`](crate::config::Config) is the one place that interprets them.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// ruststack: S3, DynamoDB, Lambda, CloudWatch Logs and Fastly on one port.
#[derive(Parser, Debug, Default)]
#[command(name = "ruststack", version, about, long_about = None)]
pub struct Cli {
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long, env = "RUSTSTACK_HOST", value_name = "ADDR")]
    pub host: Option<String>,

    /// Port to listen on [default: 4566].
    #[arg(long, env = "RUSTSTACK_PORT")]
    pub port: Option<u16>,

    /// Services to enable, comma separated: s3,dynamodb,lambda,logs,fastly [default: all].
    #[arg(long, env = "RUSTSTACK_SERVICES", value_name = "LIST")]
    pub services: Option<String>,

    /// Keep state durably in this directory (no flag: state is in memory only).
    #[arg(long, env = "RUSTSTACK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log level (`RUST_LOG` overrides it) [default: info].
    #[arg(long, env = "RUSTSTACK_LOG_LEVEL", value_enum)]
    pub log_level: Option<LogLevel>,

    /// Log format.
    #[arg(long, env = "RUSTSTACK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Directory of init hooks (`boot.d`, `start.d`, `ready.d`, `shutdown.d`).
    #[arg(
        long,
        env = "RUSTSTACK_INIT_DIR",
        value_name = "DIR",
        default_value = "/etc/localstack/init"
    )]
    pub init_dir: PathBuf,

    /// LocalStack's `SERVICES`.
    #[arg(long = "ls-services", env = "SERVICES", hide = true)]
    pub ls_services: Option<String>,
    /// LocalStack's `GATEWAY_LISTEN` (`host:port[,…]`).
    #[arg(long = "ls-gateway-listen", env = "GATEWAY_LISTEN", hide = true)]
    pub ls_gateway_listen: Option<String>,
    /// LocalStack's `LOCALSTACK_HOST` (`host[:port]` used in URLs ruststack returns).
    #[arg(long = "ls-localstack-host", env = "LOCALSTACK_HOST", hide = true)]
    pub ls_localstack_host: Option<String>,
    /// LocalStack's `PERSISTENCE`.
    #[arg(long = "ls-persistence", env = "PERSISTENCE", hide = true)]
    pub ls_persistence: Option<String>,
    /// LocalStack's `DATA_DIR`.
    #[arg(long = "ls-data-dir", env = "DATA_DIR", hide = true)]
    pub ls_data_dir: Option<PathBuf>,
    /// LocalStack's `DEBUG`.
    #[arg(long = "ls-debug", env = "DEBUG", hide = true)]
    pub ls_debug: Option<String>,
    /// LocalStack's `LS_LOG`.
    #[arg(long = "ls-log", env = "LS_LOG", hide = true)]
    pub ls_log: Option<String>,
    /// How long an idle Lambda function instance stays warm, in seconds (default 600).
    #[arg(long, env = "RUSTSTACK_LAMBDA_KEEPALIVE", value_name = "SECONDS")]
    pub lambda_keepalive: Option<u64>,
    /// A Fastly Compute app to serve, `[NAME=]PATH` to its `bin/main.wasm` (repeatable; the
    /// variable takes a comma-separated list).
    #[arg(
        long,
        env = "RUSTSTACK_FASTLY_WASM",
        value_name = "[NAME=]PATH",
        value_delimiter = ','
    )]
    pub fastly_wasm: Vec<String>,
    /// The first app's `fastly.toml` (default: beside its wasm file or one directory up).
    #[arg(long, env = "RUSTSTACK_FASTLY_CONFIG", value_name = "PATH")]
    pub fastly_config: Option<PathBuf>,
    /// Where the first Compute app is also served, as `fastly compute serve` serves it
    /// [default: 127.0.0.1:7676].
    #[arg(long, env = "RUSTSTACK_FASTLY_ADDR", value_name = "ADDR")]
    pub fastly_addr: Option<String>,
    /// How long a Compute app stays loaded without requests, in seconds [default: 300].
    #[arg(long, env = "RUSTSTACK_FASTLY_IDLE", value_name = "SECONDS")]
    pub fastly_idle: Option<u64>,
    /// How long a Compute app may take to answer, in seconds [default: 120, Fastly's limit].
    #[arg(long, env = "RUSTSTACK_FASTLY_TIMEOUT", value_name = "SECONDS")]
    pub fastly_timeout: Option<u64>,
    /// Runs core-module Compute apps as components, through viceroy's component adapter (as
    /// `viceroy --adapt` does).
    #[arg(long, env = "RUSTSTACK_FASTLY_ADAPT", value_parser = clap::builder::BoolishValueParser::new())]
    pub fastly_adapt: bool,
    /// LocalStack's `LAMBDA_LIMITS_CONCURRENT_EXECUTIONS`.
    #[arg(
        long = "ls-lambda-concurrency",
        env = "LAMBDA_LIMITS_CONCURRENT_EXECUTIONS",
        hide = true
    )]
    pub ls_lambda_concurrency: Option<String>,
    /// LocalStack's `LAMBDA_RETRY_BASE_DELAY` (seconds).
    #[arg(
        long = "ls-lambda-retry-base-delay",
        env = "LAMBDA_RETRY_BASE_DELAY",
        hide = true
    )]
    pub ls_lambda_retry_base_delay: Option<String>,
    /// LocalStack's `LAMBDA_KEEPALIVE_MS`.
    #[arg(
        long = "ls-lambda-keepalive-ms",
        env = "LAMBDA_KEEPALIVE_MS",
        hide = true
    )]
    pub ls_lambda_keepalive_ms: Option<String>,
    /// LocalStack's `S3_SKIP_SIGNATURE_VALIDATION`.
    #[arg(
        long = "ls-s3-skip-signature-validation",
        env = "S3_SKIP_SIGNATURE_VALIDATION",
        hide = true
    )]
    pub ls_s3_skip_signature_validation: Option<String>,
    /// LocalStack's `DYNAMODB_REMOVE_EXPIRED_ITEMS`.
    #[arg(
        long = "ls-dynamodb-remove-expired-items",
        env = "DYNAMODB_REMOVE_EXPIRED_ITEMS",
        hide = true
    )]
    pub ls_dynamodb_remove_expired_items: Option<String>,
    /// `RUST_LOG`: a full tracing filter; overrides every other log setting.
    #[arg(long = "rust-log", env = "RUST_LOG", hide = true)]
    pub rust_log: Option<String>,
}

/// Log verbosity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Debugging detail.
    Debug,
    /// One line per request (the default).
    Info,
    /// Problems only.
    Warn,
    /// Failures only.
    Error,
}

impl LogLevel {
    /// The tracing directive for this level.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}
