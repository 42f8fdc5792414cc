//! Amazon CloudWatch Logs for ruststack (awsJson 1.1, `X-Amz-Target: Logs_20140328.*`).
//!
//! # Layout
//! - [`api`] — operation dispatch and the request/response shapes (botocore names).
//! - `ops/` — one file per resource area: groups, streams, events, filters, queries, tags.
//! - `state` — the in-memory model (groups → streams → time-ordered events).
//! - `persist` — record encoding for the storage layer and rebuilding the model at boot.
//! - `timeline` — a stream's events: a sorted index into chunked message text.
//! - `tokens` — pagination tokens.
//! - [`filter_pattern`] — the filter-pattern language (FilterLogEvents, subscription and
//!   metric filters); [`insights`] — the Logs Insights query language.
//! - `subscription` — the `awslogs` payload delivered to subscription destinations.
//!
//! # Invariants
//! - Every mutating operation validates against the model, commits its records, and only
//!   then changes the model, all under the one writer lock; a failed commit changes nothing.
//! - Events are kept per stream ordered by (timestamp, arrival), so time-range reads do not
//!   scan a whole group.
//! - Retention is applied when reading (events older than the group's retention, by the
//!   shared clock, are invisible) and when a policy is set (they are deleted).

pub mod api;
pub mod filter_pattern;
pub mod insights;
mod ops;
mod persist;
mod state;
mod subscription;
mod timeline;
mod tokens;

mod error;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLockReadGuard, RwLockWriteGuard};

use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Clock, Request, RequestContext, Response, Service, ServiceError, ServiceId,
};
use ruststack_storage::{Batch, Model, Storage, StorageError};

pub use subscription::{Deliver, Delivery};

/// The CloudWatch Logs service. Cloning is cheap; clones share state.
#[derive(Clone)]
pub struct Logs {
    inner: Arc<Inner>,
}

struct Inner {
    state: Model<state::State>,
    storage: Arc<dyn Storage>,
    clock: Clock,
    next_seq: AtomicU64,
    queries: Mutex<BTreeMap<String, ops::queries::QueryRecord>>,
    deliver: Option<Deliver>,
}

/// Who is calling: the account and region whose log groups a request sees, and the time.
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

impl Logs {
    /// Loads the service's state from `storage`. `deliver` receives subscription-filter
    /// deliveries (wired to Lambda by the registry); `None` drops them.
    pub fn open(
        storage: Arc<dyn Storage>,
        clock: Clock,
        deliver: Option<Deliver>,
    ) -> Result<Self, StorageError> {
        let (state, next_seq) = persist::load(storage.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                clock,
                next_seq: AtomicU64::new(next_seq),
                queries: Mutex::new(BTreeMap::new()),
                deliver,
            }),
        })
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, state::State> {
        self.inner.state.read()
    }

    pub(crate) fn write_lock(&self) -> RwLockWriteGuard<'_, state::State> {
        self.inner.state.write()
    }

    pub(crate) fn commit(&self, batch: Batch) -> Result<(), ServiceError> {
        self.inner
            .storage
            .commit(batch)
            .map_err(|e| ServiceError::internal("ServiceUnavailableException", e))
    }

    /// Whether records need building at all (in-memory servers discard them).
    pub(crate) fn keeps_records(&self) -> bool {
        self.inner.storage.keeps_records()
    }

    pub(crate) fn next_seq(&self, count: u64) -> u64 {
        self.inner.next_seq.fetch_add(count, Ordering::Relaxed)
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    /// Runs a mutating operation through [`ruststack_storage::run_write`].
    pub(crate) async fn write<I, O>(
        &self,
        caller: Caller,
        input: I,
        op: fn(&Logs, &Caller, I) -> Result<O, ServiceError>,
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
        .map_err(|e| ServiceError::internal("ServiceUnavailableException", e))?
    }

    /// Appends lines to `group`/`stream`, creating both if needed: how the Lambda service
    /// writes its functions' output. Events are stamped with the current time.
    pub fn append(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        messages: &[String],
    ) -> Result<(), ServiceError> {
        let caller = Caller {
            account: account.to_owned(),
            region: region.to_owned(),
            now: self.now(),
        };
        ops::events::append(self, &caller, group, stream, messages)
    }
}

impl Service for Logs {
    fn id(&self) -> ServiceId {
        ServiceId::Logs
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
        if let Ok(mut queries) = self.inner.queries.lock() {
            queries.clear();
        }
        Ok(())
    }
}
