//! Builds each enabled service (one line per service) and wires cross-service events.

use std::collections::BTreeMap;
use std::sync::Arc;

use ruststack_protocol::{Clock, Service, ServiceId};
use ruststack_storage::Stores;

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

/// What services are built from.
pub struct Deps<'a> {
    /// The validated configuration.
    pub config: &'a Config,
    /// Table and blob storage.
    pub stores: &'a Stores,
    /// The shared clock.
    pub clock: &'a Clock,
}

/// Builds every enabled service that is part of this build. Each service crate adds one
/// line here when it lands; none has yet.
pub fn build(_deps: &Deps<'_>) -> Registry {
    Registry::new()
}
