//! Fastly for ruststack: the store management API the Fastly CLI speaks (Config, KV and
//! Secret stores, resource links, and the account endpoint's OpenID discovery document).
//!
//! # Layout
//! - [`api`] — routing (`/resources/stores/…`, `/service/…/resource`, `/realms/fastly/…`)
//!   and the request/response helpers.
//! - `ops/` — one file per store kind, plus links.
//! - `state` — the model: stores by id with their entries.
//! - `persist` — record encoding and rebuilding the model at boot.
//! - `crypto` — the vault key that seals secrets at rest and the client-key exchange the
//!   CLI encrypts new secrets with.
//!
//! # Invariants
//! - Every mutation validates against the model, commits its records, and only then changes
//!   the model, all under the one writer lock; a failed commit changes nothing.
//! - Secret values exist in plaintext only while a request handles them: records hold them
//!   sealed, and no response, record or log line carries them.

pub mod api;
mod crypto;
mod error;
mod ops;
mod persist;
mod state;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
}

impl Fastly {
    /// Loads the service's state from `storage`. `key_dir` is where the key that seals
    /// secrets at rest is kept (the data directory's key directory); without one a fresh
    /// key is made and secrets live as long as the process.
    pub fn open(
        storage: Arc<dyn Storage>,
        clock: Clock,
        key_dir: Option<&Path>,
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
        Ok(Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                clock,
                keys,
                generation: AtomicU64::new(last),
            }),
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

    /// Runs a mutation (validate, commit, apply) where a durable commit does not block an
    /// async worker.
    pub(crate) async fn write<O: Send + 'static>(
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
        Ok(())
    }
}
