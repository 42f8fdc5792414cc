//! Gateway integration tests: the router without a socket (envelopes, request ids, limits,
//! panics) and `run` on a real socket (readiness, graceful shutdown).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod gateway;
mod server;

use std::path::PathBuf;

use ruststack::cli::Cli;
use ruststack::config::Config;

/// A configuration for tests: all services, in memory, no init scripts.
pub fn test_config(init_dir: Option<PathBuf>) -> Config {
    let cli = Cli {
        init_dir: init_dir.unwrap_or_else(|| PathBuf::from("/nonexistent/ruststack-test-init")),
        ..Cli::default()
    };
    Config::try_from(cli).expect("valid test config")
}
