//! The `ruststack` executable: parse flags, set up logging, bind, run until a signal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use ruststack::cli::{Cli, LogFormat};
use ruststack::config::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: measured, less CPU a request for Compute apps,
/// health checks and DynamoDB, at the cost of 15 MB more idle memory and a millisecond more
/// start-up (docs/architecture.md, "Memory allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            // One line naming the option, exit code 2 (clap's own usage text is omitted).
            let rendered = e.render().to_string();
            return fail(
                rendered
                    .lines()
                    .next()
                    .unwrap_or("error: invalid arguments"),
                2,
            );
        }
    };
    let config = match Config::try_from(cli) {
        Ok(config) => config,
        Err(e) => return fail(&format!("error: {e}"), 2),
    };
    let _log_flush = init_logging(&config);
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("error: cannot start the async runtime: {e}"), 1),
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        // Each error's message already names its cause; `{e:#}` would repeat it.
        Err(e) => fail(&format!("error: {e}"), 1),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // Handlers are installed before anything is served, so a signal that arrives right after
    // `Ready.` is never handled by the default action (immediate death).
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    ruststack::run(listener, config, shutdown).await?;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
        }
    })
}

/// Lines the log queue holds (see [`init_logging`]).
const LOG_QUEUE_LINES: usize = 8192;

/// Logs go to stderr through a writer thread, so a request never waits for a write to the
/// terminal or pipe (one line per request at `info`). It blocks rather than drops lines when
/// it falls behind, and the returned guard flushes everything when `main` returns. The queue
/// holds 8,192 lines: enough for bursts, and allocated (and touched) at start, where the
/// default 128,000 cost 4 MB of memory and a third of the start-up time.
fn init_logging(config: &Config) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| EnvFilter::new("warn,ruststack=info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("ruststack-log")
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
    guard
}

fn fail(message: &str, code: u8) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "{message}");
    ExitCode::from(code)
}
