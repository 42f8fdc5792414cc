//! Builds each enabled service (one line per service) and wires cross-service events.

use std::collections::BTreeMap;
use std::sync::Arc;

use ruststack_protocol::{Clock, Service, ServiceId};
use ruststack_storage::{StorageError, Stores};

use crate::config::Config;

/// The services a server runs, by id.
#[derive(Default)]
pub struct Registry {
    services: BTreeMap<ServiceId, Arc<dyn Service>>,
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
}

/// Builds every enabled service that is part of this build, loading its state: one line
/// per service.
pub fn build(deps: &Deps<'_>) -> Result<Registry, StorageError> {
    let mut registry = Registry::new();
    let enabled = |id| deps.config.is_enabled(id);
    let mut live_blobs = std::collections::HashSet::new();
    if enabled(ServiceId::S3) {
        let s3 =
            ruststack_s3::S3::open(deps.stores.tables.clone(), deps.stores.blobs.clone(), None)?;
        live_blobs.extend(s3.live_blobs());
        registry.register(Arc::new(s3));
    }
    if enabled(ServiceId::DynamoDb) {
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
        registry.register(Arc::new(dynamodb));
    }
    if enabled(ServiceId::Logs) {
        let logs =
            ruststack_logs::Logs::open(deps.stores.tables.clone(), deps.clock.clone(), None)?;
        registry.register(Arc::new(logs));
    }
    // Blobs no record names are leftovers of writes interrupted between their commit and
    // the removal of what they replaced. A disabled service keeps its blobs.
    if enabled(ServiceId::S3) {
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
