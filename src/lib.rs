//! ruststack: one binary that stands in for LocalStack. A single listener serves S3,
//! DynamoDB, Lambda, CloudWatch Logs and Fastly with the real clouds' wire formats.
//!
//! # Layout
//! - [`cli`] / [`config`] — flags and variables → a validated [`Config`] (read nowhere else).
//! - [`gateway`] — the one request handler; [`gateway::detect`] decides the service.
//! - [`registry`] — builds the enabled services.
//! - [`internal`] — `/_localstack/*`, `/_ruststack/*`, probes and metrics.
//! - [`init`] — LocalStack-style init hooks.
//! - [`metrics`] — Prometheus counters and histograms.
//!
//! The server is a function of (listener, config, shutdown): [`run`]. Tests build the same
//! router without a socket through [`gateway::App::router`].

pub mod cli;
pub mod config;
pub mod gateway;
pub mod init;
pub mod internal;
pub mod metrics;
pub mod registry;

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use ruststack_protocol::Clock;
use ruststack_storage::{StorageError, Stores};
use tokio::net::TcpListener;

pub use config::Config;
use init::{InitHooks, Stage};

/// How long in-flight requests may take to finish after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long `shutdown.d` scripts may run before ruststack exits anyway.
pub const SHUTDOWN_HOOKS_TIMEOUT: Duration = Duration::from_millis(1500);
/// The line printed on stdout once the server serves and `ready.d` has run.
pub const READY_MARKER: &str = "Ready.";

fn print_ready_marker() {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{READY_MARKER}");
    let _ = stdout.flush();
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The data directory could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The listener failed.
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// Serves on `listener` until `shutdown` completes, then drains in-flight requests, runs the
/// `shutdown.d` hooks and returns (within about 5 seconds of the signal).
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let local = listener.local_addr()?;
    let clock = Clock::new();
    let stores = Stores::open(config.data_dir.as_deref())?;
    let endpoint = {
        let mut c = config.clone();
        c.listen = local;
        c.local_endpoint_url()
    };
    let registry = registry::build(&registry::Deps {
        config: &config,
        stores: &stores,
        clock: &clock,
        endpoint_url: endpoint.clone(),
    })?;
    let compute = registry
        .fastly()
        .filter(|f| f.compute_apps().is_some())
        .cloned();
    let hooks = InitHooks::discover(&config.init_dir);
    let hook_env = [
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    hooks.run_stage(Stage::Boot, &hook_env).await;

    let app = gateway::App::new(config, registry, clock, hooks);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    // No Nagle delay: a response written as head then body (streamed objects) must not wait
    // for the client's delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app.router())
        .with_graceful_shutdown(async move {
            let _ = stop_rx.wait_for(|stop| *stop).await;
        })
        .into_future();
    let mut server = tokio::spawn(server);
    tracing::info!(address = %local, data_dir = ?app.config.data_dir, "listening");
    let compute_server = match compute {
        Some(fastly) => Some(tokio::spawn(serve_compute(
            TcpListener::bind(app.config.fastly_addr).await?,
            fastly,
            stop_tx.subscribe(),
        ))),
        None => None,
    };

    let startup = async {
        app.init.run_stage(Stage::Start, &hook_env).await;
        app.init.run_stage(Stage::Ready, &hook_env).await;
        app.set_ready();
        print_ready_marker();
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = startup => {}
        () = shutdown => {}
        result = &mut server => {
            return result.map_err(std::io::Error::other)?.map_err(RunError::Serve);
        }
    }

    tracing::info!("shutting down: draining in-flight requests");
    let _ = stop_tx.send(true);
    if let Some(compute_server) = compute_server {
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, compute_server).await;
    }
    match tokio::time::timeout(DRAIN_TIMEOUT, &mut server).await {
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "server error while draining"),
        Ok(_) => {}
        Err(_) => {
            tracing::warn!("requests still running after {DRAIN_TIMEOUT:?}; closing them");
            server.abort();
        }
    }
    if tokio::time::timeout(
        SHUTDOWN_HOOKS_TIMEOUT,
        app.init.run_stage(Stage::Shutdown, &hook_env),
    )
    .await
    .is_err()
    {
        tracing::warn!(
            "shutdown.d scripts still running after {SHUTDOWN_HOOKS_TIMEOUT:?}; exiting"
        );
    }
    app.registry.shutdown();
    // Every acknowledged write is already committed; dropping the stores closes the database.
    drop(app);
    drop(stores);
    tracing::info!("stopped");
    Ok(())
}

/// Serves the first Fastly Compute app on its own address (`--fastly-addr`), as
/// `fastly compute serve` does; every app is also served through the gateway at
/// `<name>.edgecompute.localhost`.
async fn serve_compute(
    listener: TcpListener,
    fastly: ruststack_fastly::Fastly,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if let Ok(addr) = listener.local_addr()
        && let Some((Some(first), names)) = fastly.compute_apps()
    {
        tracing::info!(address = %addr, app = first, apps = ?names, "serving Fastly Compute");
    }
    let router = {
        let fastly = fastly.clone();
        axum::Router::new().fallback(move |req: axum::extract::Request| {
            let fastly = fastly.clone();
            async move { fastly.serve_compute(None, req).await }
        })
    };
    // Connections tell the loop they have ended by dropping their `ended` receiver; the loop
    // tells them to finish (the request in hand, then close) through `finish`.
    let (finish, finishing) = tokio::sync::watch::channel(());
    let (ended_tx, ended) = tokio::sync::watch::channel(());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, say: wait rather than spin.
                    tracing::debug!(error = %e, "the Fastly Compute listener could not accept");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = async { drop(stop.wait_for(|stop| *stop).await) } => break,
        };
        // As on the gateway: a response written as head then body must not wait for the
        // client's delayed ACK.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        // A socket's readiness is reported by the runtime it is registered with: it moves to
        // the one that serves it, or every read and write would wake this one too.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(e) => {
                tracing::debug!(error = %e, "a Fastly Compute connection could not be handed over");
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let (mut finishing, ended) = (finishing.clone(), ended.clone());
        let connection = async move {
            let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
                return;
            };
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            let conn = builder
                .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = finishing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(ended);
        };
        // Served where the app's instances run (see `Fastly::compute_runtime`).
        match fastly.compute_runtime() {
            Some(Ok(runtime)) => drop(runtime.spawn(connection)),
            Some(Err(e)) => {
                tracing::error!(error = %e, "no runtime for the Fastly Compute app");
                drop(tokio::spawn(connection));
            }
            None => drop(tokio::spawn(connection)),
        }
    }
    let _ = finish.send(());
    drop((finishing, ended));
    ended_tx.closed().await;
}
