//! Amazon DynamoDB for ruststack (awsJson 1.0, `X-Amz-Target: DynamoDB_20120810.*`).
//!
//! # Layout
//! - [`api`] — operation dispatch.
//! - `ops/` — one file per resource area: tables, items, queries (Query/Scan), batches,
//!   settings (TTL, tags, limits).
//! - [`value`] — AttributeValue and its wire form; [`number`] — 38-digit decimals.
//! - [`expr`] — the expression language (condition, filter, update, projection, key
//!   condition), a pure lexer → parser → validate → eval pipeline.
//! - `keys` — key schemas and key ordering; `state` — the model; `persist` — records.
//!
//! # Invariants
//! - Every mutating operation validates, commits its records, then changes the model, all
//!   under the one writer lock, so conditional writes and `ADD` are atomic per item and a
//!   failed commit changes nothing.

pub mod api;
pub mod expr;
mod keys;
pub mod number;
mod ops;
pub mod partiql;
mod persist;
mod state;
mod stored;
pub mod stream;
pub mod value;

mod error;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLockReadGuard, RwLockWriteGuard};

use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Clock, Request, RequestContext, Response, Service, ServiceError, ServiceId,
};
use ruststack_storage::{Batch, Model, Storage, StorageError};
use serde_json::Value;

/// The DynamoDB service. Cloning is cheap; clones share state.
#[derive(Clone)]
pub struct DynamoDb {
    inner: Arc<Inner>,
}

struct Inner {
    state: Model<state::State>,
    storage: Arc<dyn Storage>,
    /// TransactWriteItems client request tokens → (request, when).
    tokens: Mutex<HashMap<TokenKey, (Value, i64)>>,
    /// The next stream record sequence number (one counter for all streams).
    stream_seq: AtomicU64,
}

/// A client request token in its account and region.
type TokenKey = (String, String, String);

/// How long a client request token makes TransactWriteItems idempotent (DynamoDB: 10 min).
const TOKEN_TTL_MS: i64 = 10 * 60 * 1000;

/// The caller's account and region, and the time.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) now: i64,
}

impl Caller {
    fn from_context(ctx: &RequestContext) -> Self {
        Self {
            account: ctx.account_id.clone(),
            region: ctx.region.clone(),
            now: ctx.clock.now_millis(),
        }
    }
}

impl DynamoDb {
    /// Loads the service's state from `storage`.
    pub fn open(storage: Arc<dyn Storage>, _clock: Clock) -> Result<Self, StorageError> {
        let (state, next_stream_seq) = persist::load(storage.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                tokens: Mutex::new(HashMap::new()),
                stream_seq: AtomicU64::new(next_stream_seq),
            }),
        })
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, state::State> {
        self.inner.state.read()
    }

    pub(crate) fn write_lock(&self) -> RwLockWriteGuard<'_, state::State> {
        self.inner.state.write()
    }

    pub(crate) fn next_stream_seq(&self) -> u64 {
        self.inner.stream_seq.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn peek_stream_seq(&self) -> u64 {
        self.inner.stream_seq.load(Ordering::Relaxed)
    }

    pub(crate) fn keeps_records(&self) -> bool {
        self.inner.storage.keeps_records()
    }

    pub(crate) fn commit(&self, batch: Batch) -> Result<(), ServiceError> {
        self.inner
            .storage
            .commit(batch)
            .map_err(|e| ServiceError::internal("InternalServerError", e))
    }

    /// The result of an earlier TransactWriteItems with the same token, or an
    /// `IdempotentParameterMismatchException` if the token was used for another request.
    pub(crate) fn idempotent_result(
        &self,
        caller: &Caller,
        token: &str,
        input: &Value,
    ) -> Result<Option<Value>, ServiceError> {
        let mut tokens = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens.retain(|_, (_, at)| caller.now - *at < TOKEN_TTL_MS);
        let key = (
            caller.account.clone(),
            caller.region.clone(),
            token.to_owned(),
        );
        match tokens.get(&key) {
            Some((request, _)) if request == input => Ok(Some(serde_json::json!({}))),
            Some(_) => Err(ServiceError::new(
                http::StatusCode::BAD_REQUEST,
                "IdempotentParameterMismatchException",
                "Specified idempotent token was used with different request parameters within the idempotency window.",
            )),
            None => Ok(None),
        }
    }

    pub(crate) fn remember_token(
        &self,
        caller: &Caller,
        token: String,
        input: &Value,
        _out: &Value,
    ) {
        let mut tokens = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens.insert(
            (caller.account.clone(), caller.region.clone(), token),
            (input.clone(), caller.now),
        );
    }

    /// Deletes TTL-expired items every `interval` by `clock`, as DynamoDB's background
    /// process does (reads may still see an expired item until then).
    pub async fn expire_periodically(self, clock: Clock, interval: std::time::Duration) {
        loop {
            tokio::time::sleep(interval).await;
            let this = self.clone();
            let now = clock.now_millis();
            match tokio::task::spawn_blocking(move || ops::settings::expire(&this, now)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::debug!(items = n, "deleted TTL-expired items"),
                Ok(Err(e)) => tracing::warn!(error = %e, "TTL expiry failed"),
                Err(e) => tracing::warn!(error = %e, "TTL expiry task failed"),
            }
        }
    }

    /// Runs a mutating operation through [`ruststack_storage::run_write`].
    pub(crate) async fn write<I, O>(
        &self,
        caller: Caller,
        input: I,
        op: fn(&DynamoDb, &Caller, I) -> Result<O, ServiceError>,
    ) -> Result<O, ServiceError>
    where
        I: Send + 'static,
        O: Send + 'static,
    {
        let this = self.clone();
        ruststack_storage::run_write(self.inner.storage.as_ref(), move || {
            op(&this, &caller, input)
        })
        .await
        .map_err(|e| ServiceError::internal("InternalServerError", e))?
    }
}

impl Service for DynamoDb {
    fn id(&self) -> ServiceId {
        ServiceId::DynamoDb
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
