//! Builds each enabled service (one line per service) and wires cross-service events.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use ruststack_protocol::{Clock, Service, ServiceId};
use ruststack_storage::{StorageError, Stores};

use crate::config::Config;

/// The services a server runs, by id.
#[derive(Default)]
pub struct Registry {
    services: BTreeMap<ServiceId, Arc<dyn Service>>,
    /// The Lambda service, stopped explicitly at shutdown (its function processes).
    lambda: Option<ruststack_lambda::Lambda>,
    /// The Fastly service, whose Compute apps also get their own listener.
    fastly: Option<ruststack_fastly::Fastly>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a service (replacing one with the same id).
    pub fn register(&mut self, service: Arc<dyn Service>) {
        self.services.insert(service.id(), service);
    }

    /// The service for `id`, if this build has it.
    pub fn get(&self, id: ServiceId) -> Option<&Arc<dyn Service>> {
        self.services.get(&id)
    }

    /// Stops what services run outside the request path (function processes).
    pub fn shutdown(&self) {
        if let Some(lambda) = &self.lambda {
            lambda.shutdown();
        }
    }

    /// The Fastly service, when enabled.
    pub fn fastly(&self) -> Option<&ruststack_fastly::Fastly> {
        self.fastly.as_ref()
    }

    /// Whether this build has the service.
    pub fn contains(&self, id: ServiceId) -> bool {
        self.services.contains_key(&id)
    }
}

/// How often TTL-expired DynamoDB items are looked for.
const TTL_SWEEP: std::time::Duration = std::time::Duration::from_secs(1);

/// What services are built from.
pub struct Deps<'a> {
    /// The validated configuration.
    pub config: &'a Config,
    /// Table and blob storage.
    pub stores: &'a Stores,
    /// The shared clock.
    pub clock: &'a Clock,
    /// The URL local clients (functions) reach the gateway on.
    pub endpoint_url: String,
}

/// Reads DynamoDB streams for Lambda's event source mappings.
struct StreamReader(ruststack_dynamodb::DynamoDb);

impl ruststack_lambda::StreamSource for StreamReader {
    fn read(
        &self,
        stream_arn: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, serde_json::Value)>, String> {
        self.0.stream_records(stream_arn, after, limit)
    }

    fn latest(&self, stream_arn: &str) -> Result<Option<u64>, String> {
        self.0.stream_latest(stream_arn)
    }
}

/// Builds every enabled service that is part of this build, loading its state, and wires
/// the cross-service events: S3 notifications, Logs subscriptions and DynamoDB stream
/// mappings reach Lambda; Lambda's function output reaches Logs.
pub fn build(deps: &Deps<'_>) -> Result<Registry, StorageError> {
    let mut registry = Registry::new();
    let enabled = |id| deps.config.is_enabled(id);
    let mut live_blobs = std::collections::HashSet::new();
    // Services built later than Lambda but used by it are reached through these cells.
    let logs_cell: Arc<OnceLock<ruststack_logs::Logs>> = Arc::default();
    let s3_cell: Arc<OnceLock<ruststack_s3::S3>> = Arc::default();

    let dynamodb = if enabled(ServiceId::DynamoDb) {
        let dynamodb =
            ruststack_dynamodb::DynamoDb::open(deps.stores.tables.clone(), deps.clock.clone())?;
        if deps.config.dynamodb_remove_expired_items {
            let expiry = dynamodb
                .clone()
                .expire_periodically(deps.clock.clone(), TTL_SWEEP);
            tokio::spawn(expiry);
        }
        if enabled(ServiceId::DynamoDbStreams) {
            registry.register(Arc::new(dynamodb.streams()));
        }
        registry.register(Arc::new(dynamodb.clone()));
        Some(dynamodb)
    } else {
        None
    };

    let lambda = if enabled(ServiceId::Lambda) {
        let logs_for_lambda = logs_cell.clone();
        let log_sink: ruststack_lambda::LogSink = Arc::new(
            move |batch: ruststack_lambda::LogBatch| {
                if let Some(logs) = logs_for_lambda.get()
                    && let Err(e) = logs.append(
                        &batch.account,
                        &batch.region,
                        &batch.group,
                        &batch.stream,
                        &batch.lines,
                    )
                {
                    tracing::warn!(error = %e.message(), "could not write function output to CloudWatch Logs");
                }
            },
        );
        let s3_for_lambda = s3_cell.clone();
        let objects: ruststack_lambda::ObjectSource = Arc::new(move |bucket, key, version| {
            let s3 = s3_for_lambda
                .get()
                .ok_or_else(|| "S3 is not enabled on this server".to_owned())?;
            s3.object_bytes(bucket, key, version)
        });
        let hooks = ruststack_lambda::Hooks {
            logs: enabled(ServiceId::Logs).then_some(log_sink),
            streams: dynamodb
                .clone()
                .map(|d| Arc::new(StreamReader(d)) as Arc<dyn ruststack_lambda::StreamSource>),
            objects: enabled(ServiceId::S3).then_some(objects),
        };
        let options = ruststack_lambda::Options {
            endpoint_url: deps.endpoint_url.clone(),
            work_dir: deps
                .config
                .data_dir
                .as_ref()
                .map(|d| d.join(ruststack_storage::WORK_DIR).join("lambda")),
            keepalive: deps.config.lambda_keepalive,
            max_concurrency: deps.config.lambda_max_concurrency,
            retry_delay: deps.config.lambda_retry_delay,
        };
        let lambda = ruststack_lambda::Lambda::open(
            deps.stores.tables.clone(),
            deps.stores.blobs.clone(),
            deps.clock.clone(),
            hooks,
            options,
        )?;
        live_blobs.extend(lambda.live_blobs());
        registry.lambda = Some(lambda.clone());
        registry.register(Arc::new(lambda.clone()));
        Some(lambda)
    } else {
        None
    };

    if enabled(ServiceId::S3) {
        let sink = lambda.clone().map(|lambda| {
            Arc::new(move |event: ruststack_s3::S3Event| {
                if event.destination.starts_with("arn:aws:lambda:") {
                    lambda.invoke_event(&event.destination, &event.payload);
                }
            }) as ruststack_s3::EventSink
        });
        let s3 =
            ruststack_s3::S3::open(deps.stores.tables.clone(), deps.stores.blobs.clone(), sink)?;
        live_blobs.extend(s3.live_blobs());
        let _ = s3_cell.set(s3.clone());
        registry.register(Arc::new(s3));
    }
    if enabled(ServiceId::Logs) {
        let deliver = lambda.clone().map(|lambda| {
            Arc::new(move |d: ruststack_logs::Delivery| {
                if d.destination_arn.starts_with("arn:aws:lambda:") {
                    lambda.invoke_event(&d.destination_arn, &d.event);
                }
            }) as ruststack_logs::Deliver
        });
        let logs =
            ruststack_logs::Logs::open(deps.stores.tables.clone(), deps.clock.clone(), deliver)?;
        let _ = logs_cell.set(logs.clone());
        registry.register(Arc::new(logs));
    }
    if enabled(ServiceId::Fastly) {
        let key_dir = deps
            .config
            .data_dir
            .as_ref()
            .map(|d| d.join(ruststack_storage::KEYS_DIR));
        let compute = (!deps.config.fastly_apps.is_empty()).then(|| {
            // App output is appended in order by one task on the blocking pool: a durable
            // append waits for the disk, which must not hold up the app.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String, Vec<String>)>();
            let logs = logs_cell.clone();
            tokio::spawn(async move {
                while let Some(first) = rx.recv().await {
                    let mut batch = vec![first];
                    while let Ok(more) = rx.try_recv() {
                        batch.push(more);
                    }
                    let logs = logs.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        let Some(logs) = logs.get() else { return };
                        for (group, stream, lines) in batch {
                            if let Err(e) = logs.append(
                                ruststack_protocol::context::DEFAULT_ACCOUNT_ID,
                                ruststack_protocol::context::DEFAULT_REGION,
                                &group,
                                &stream,
                                &lines,
                            ) {
                                tracing::warn!(error = %e.message(), "could not write Compute app output to CloudWatch Logs");
                            }
                        }
                    })
                    .await;
                }
            });
            let sink: ruststack_fastly::compute::ComputeLogSink =
                Arc::new(move |group: &str, stream: &str, lines: &[String]| {
                    let _ = tx.send((group.to_owned(), stream.to_owned(), lines.to_vec()));
                });
            ruststack_fastly::compute::ComputeOptions {
                apps: deps
                    .config
                    .fastly_apps
                    .iter()
                    .map(|a| ruststack_fastly::compute::AppSpec {
                        name: a.name.clone(),
                        wasm: a.wasm.clone(),
                        config: a.config.clone(),
                    })
                    .collect(),
                work_dir: deps
                    .config
                    .data_dir
                    .as_ref()
                    .map(|d| d.join(ruststack_storage::WORK_DIR).join("fastly")),
                idle: deps.config.fastly_idle,
                request_timeout: deps.config.fastly_timeout,
                adapt: deps.config.fastly_adapt,
                logs: enabled(ServiceId::Logs).then_some(sink),
            }
        });
        let fastly = ruststack_fastly::Fastly::open(
            deps.stores.tables.clone(),
            deps.clock.clone(),
            key_dir.as_deref(),
            compute,
        )?;
        registry.fastly = Some(fastly.clone());
        registry.register(Arc::new(fastly));
    }
    // Blobs no record names are leftovers of writes interrupted between their commit and
    // the removal of what they replaced. Only swept when every blob user is enabled: a
    // disabled service keeps its blobs.
    if enabled(ServiceId::S3) && enabled(ServiceId::Lambda) {
        let removed = deps
            .stores
            .blobs
            .sweep(&live_blobs)
            .map_err(|source| StorageError::Io {
                path: deps.stores.blobs.root().to_owned(),
                source,
            })?;
        if removed > 0 {
            tracing::info!(removed, "removed unreferenced blobs");
        }
    }
    Ok(registry)
}
