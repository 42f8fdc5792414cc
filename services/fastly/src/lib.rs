//! Fastly for ruststack: the store management API the Fastly CLI speaks (Config, KV and
//! Secret stores, resource links, and the account endpoint's OpenID discovery document), and
//! the Compute runtime that serves apps against those stores.
//!
//! # Layout
//! - [`api`] — routing (`/resources/stores/…`, `/service/…/resource`, `/realms/fastly/…`)
//!   and the request/response helpers.
//! - `ops/` — one file per store kind, plus links.
//! - `state` — the model: stores by id with their entries.
//! - `persist` — record encoding and rebuilding the model at boot.
//! - `crypto` — the vault key that seals secrets at rest and the client-key exchange the
//!   CLI encrypts new secrets with.
//! - [`compute`] — Compute apps in viceroy-lib, kept current with the stores;
//!   `import` — the stores an app's `fastly.toml` declares.
//!
//! # Invariants
//! - Every mutation validates against the model, commits its records, and only then changes
//!   the model, all under the one writer lock; a failed commit changes nothing.
//! - Secret values exist in plaintext only while a request handles them and in the Compute
//!   contexts apps read them from: records hold them sealed, and no response, record or
//!   log line carries them.

pub mod api;
pub mod compute;
mod crypto;
mod error;
mod import;
mod ops;
mod persist;
mod state;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Clock, Request, RequestContext, Response, Service, ServiceError, ServiceId,
};
use ruststack_storage::{Batch, Model, Storage, StorageError};

/// The Fastly service. Cloning is cheap; clones share state.
#[derive(Clone)]
pub struct Fastly {
    inner: Arc<Inner>,
}

struct Inner {
    state: Model<state::State>,
    storage: Arc<dyn Storage>,
    clock: Clock,
    keys: crypto::Keys,
    /// The last KV generation handed out.
    generation: AtomicU64,
    /// The Compute runtime, when apps are served.
    compute: Option<compute::Compute>,
}

impl Fastly {
    /// Loads the service's state from `storage`. `key_dir` is where the key that seals
    /// secrets at rest is kept (the data directory's key directory); without one a fresh
    /// key is made and secrets live as long as the process.
    ///
    /// With `compute`, its apps are served (contexts built on first use).
    pub fn open(
        storage: Arc<dyn Storage>,
        clock: Clock,
        key_dir: Option<&Path>,
        compute: Option<compute::ComputeOptions>,
    ) -> Result<Self, StorageError> {
        let state = persist::load(storage.as_ref())?;
        let keys = crypto::Keys::open(key_dir).map_err(|source| StorageError::Io {
            path: key_dir
                .map(|d| d.join(crypto::VAULT_KEY_FILE))
                .unwrap_or_default(),
            source,
        })?;
        let last = state
            .kv
            .values()
            .flat_map(|s| s.entries.values().map(|e| e.generation))
            .max()
            .unwrap_or(0);
        let idle = compute.as_ref().map(|c| c.idle);
        let compute = match compute {
            // Named after the option, so that the one-line error reads `--fastly-wasm: …`.
            Some(options) => {
                Some(
                    compute::Compute::new(options).map_err(|source| StorageError::Io {
                        path: PathBuf::from("--fastly-wasm"),
                        source,
                    })?,
                )
            }
            None => None,
        };
        let fastly = Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                clock,
                keys,
                generation: AtomicU64::new(last),
                compute,
            }),
        };
        let configs = fastly
            .inner
            .compute
            .as_ref()
            .map(compute::Compute::config_paths)
            .unwrap_or_default();
        for path in configs {
            match import::import(&fastly, &path) {
                Ok(names) if !names.is_empty() => {
                    tracing::info!(file = %path.display(), stores = ?names, "imported the stores of fastly.toml");
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(StorageError::Io {
                        path: PathBuf::from("--fastly-wasm"),
                        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                    });
                }
            }
        }
        if let Some(idle) = idle {
            let weak = Arc::downgrade(&fastly.inner);
            let period = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(period).await;
                    let Some(inner) = weak.upgrade() else { break };
                    if let Some(compute) = &inner.compute {
                        compute.unload_idle(idle);
                    }
                }
            });
        }
        Ok(fastly)
    }

    /// The Compute apps served: the one `--fastly-addr` serves, and all names.
    pub fn compute_apps(&self) -> Option<(Option<&str>, Vec<&str>)> {
        self.inner.compute.as_ref().map(compute::Compute::names)
    }

    /// Where the first Compute app's own listener (`--fastly-addr`) serves its connections:
    /// the runtime that app's instances run on, so its requests need not cross runtimes.
    /// `None` when no app is served.
    pub fn compute_runtime(&self) -> Option<std::io::Result<tokio::runtime::Handle>> {
        self.inner.compute.as_ref()?.first_runtime()
    }

    /// Serves a request with Compute app `name` (`None`: the first app).
    pub async fn serve_compute(&self, name: Option<&str>, req: Request) -> Response {
        match &self.inner.compute {
            Some(compute) => compute.serve(self, name, req).await,
            None => {
                let mut resp = Response::new(ruststack_protocol::Body::from(
                    "ruststack: no Compute apps are served; start ruststack with --fastly-wasm\n",
                ));
                *resp.status_mut() = http::StatusCode::NOT_FOUND;
                resp
            }
        }
    }

    /// Notes a change of stores (secrets, the set of stores) that loaded apps cannot see
    /// without a new context.
    pub(crate) fn stores_changed(&self) {
        if let Some(compute) = &self.inner.compute {
            compute.stores_changed();
        }
    }

    /// Notes KV entries (of the store with id `store_id`) a write changed, for the stores
    /// loaded apps share.
    pub(crate) fn kv_changed(&self, store_id: &str, keys: impl Iterator<Item = String>) {
        if let Some(compute) = &self.inner.compute {
            compute.kv_changed(store_id, keys);
        }
    }

    /// Commits what Compute apps have written to KV stores, so that a read sees it.
    pub(crate) async fn settle_kv(&self) {
        if let Some(compute) = &self.inner.compute {
            compute.settle(self).await;
        }
    }

    /// Schedules a commit of what a Compute app that has just answered wrote to KV stores.
    pub(crate) fn settle_app_writes_soon(&self) {
        if let Some(compute) = &self.inner.compute {
            compute.settle_soon(self);
        }
    }

    /// Runs a scheduled commit of Compute apps' KV writes.
    pub(crate) async fn settle_scheduled_kv(&self) {
        if let Some(compute) = &self.inner.compute {
            compute.settle_scheduled(self).await;
        }
    }

    /// The KV stores by name, with their ids.
    pub(crate) fn kv_names(&self) -> std::collections::BTreeMap<String, String> {
        self.read()
            .kv
            .values()
            .map(|s| (s.meta.name.clone(), s.meta.id.clone()))
            .collect()
    }

    /// Rewrites the file a config store's items are read from by loaded apps.
    pub(crate) fn config_changed(&self, store_id: &str) {
        let Some(compute) = &self.inner.compute else {
            return;
        };
        let _files = compute.file_lock();
        let state = self.read();
        if let Some(store) = state.config.get(store_id)
            && let Err(e) = write_config_file(compute.work_dir(), store)
        {
            tracing::error!(error = %e, store = %store.meta.name, "could not write the config store file Compute apps read");
        }
    }

    /// Writes every config store's current contents where a new context reads them, and
    /// returns the config and secret stores it is built with.
    pub(crate) fn compute_snapshot(&self, dir: &Path) -> Result<compute::Snapshot, String> {
        use viceroy_lib::config::{Dictionary, SecretStore, SecretStores};
        let Some(compute) = &self.inner.compute else {
            return Err("no Compute runtime".to_owned());
        };
        let failed = |e: std::io::Error| format!("the store files could not be written: {e}");
        let _files = compute.file_lock();
        let state = self.read();
        let mut dictionaries = viceroy_lib::config::Dictionaries::new();
        for store in state.config.values() {
            let file = write_config_file(dir, store).map_err(failed)?;
            dictionaries.insert(store.meta.name.clone(), Dictionary::Json { file });
        }
        let mut secrets = SecretStores::new();
        for store in state.secret.values() {
            let mut out = SecretStore::new();
            for (name, secret) in &store.entries {
                if let Some(plain) = self.inner.keys.unseal(&secret.sealed) {
                    out.add_secret(name.clone(), bytes::Bytes::from(plain));
                }
            }
            secrets.add_store(store.meta.name.clone(), out);
        }
        Ok(compute::Snapshot {
            dictionaries,
            secrets,
        })
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, state::State> {
        self.inner.state.read()
    }

    pub(crate) fn write_lock(&self) -> std::sync::RwLockWriteGuard<'_, state::State> {
        self.inner.state.write()
    }

    pub(crate) fn commit(&self, batch: Batch) -> Result<(), ServiceError> {
        self.inner
            .storage
            .commit(batch)
            .map_err(|e| ServiceError::internal("InternalError", e))
    }

    pub(crate) fn keys(&self) -> &crypto::Keys {
        &self.inner.keys
    }

    /// Runs a management API mutation (validate, commit, apply) where a durable commit does
    /// not block an async worker, in step with the Compute apps' stores (see
    /// `Compute::write`).
    pub(crate) async fn write<O: Send + 'static>(
        &self,
        work: impl FnOnce(&Fastly) -> Result<O, ServiceError> + Send + 'static,
    ) -> Result<O, ServiceError> {
        match &self.inner.compute {
            Some(compute) => compute.write(self, work).await,
            None => self.apply(work).await,
        }
    }

    /// Runs a mutation where a durable commit does not block an async worker.
    pub(crate) async fn apply<O: Send + 'static>(
        &self,
        work: impl FnOnce(&Fastly) -> Result<O, ServiceError> + Send + 'static,
    ) -> Result<O, ServiceError> {
        let this = self.clone();
        ruststack_storage::run_write(self.inner.storage.as_ref(), move || work(&this))
            .await
            .map_err(|e| ServiceError::internal("InternalError", e))?
    }

    /// The plaintext of secret `name` in the secret store `store` (id or name): what a
    /// Compute app reads.
    pub fn secret_value(&self, store: &str, name: &str) -> Option<Vec<u8>> {
        let state = self.read();
        let sealed = &state::find(&state.secret, store)?.entries.get(name)?.sealed;
        self.inner.keys.unseal(sealed)
    }

    /// A KV generation greater than every one handed out before: the time in microseconds,
    /// or one more than the last when the clock has not moved on.
    pub(crate) fn next_generation(&self) -> u64 {
        let now = u64::try_from(self.now()).unwrap_or(0).saturating_mul(1000);
        let mut last = self.inner.generation.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self.inner.generation.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

impl Service for Fastly {
    fn id(&self) -> ServiceId {
        ServiceId::Fastly
    }

    fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: Request,
    ) -> BoxFuture<'a, Result<Response, ServiceError>> {
        Box::pin(api::dispatch(self, ctx, req))
    }

    fn reset(&self) -> Result<(), ServiceError> {
        let mut state = self.write_lock();
        self.commit(Batch::clearing(&persist::ALL_TABLES))?;
        *state = state::State::default();
        drop(state);
        self.stores_changed();
        Ok(())
    }
}

/// Locks `m`, also when a thread panicked while holding it (the data stays usable).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `<dir>/config/<id>.json`: the store's items as one JSON object (viceroy's JSON
/// dictionary format).
fn write_config_file(
    dir: &Path,
    store: &state::Store<state::ConfigItem>,
) -> std::io::Result<PathBuf> {
    let items: serde_json::Map<String, serde_json::Value> = store
        .entries
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.value.clone())))
        .collect();
    let path = dir.join("config").join(format!("{}.json", store.meta.id));
    compute::write_atomically(&path, &serde_json::to_vec(&items).unwrap_or_default())?;
    Ok(path)
}
