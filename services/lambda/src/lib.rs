//! AWS Lambda (rest-json, `/2015-03-31/…`): functions, versions, aliases, layers, URLs and
//! event source mappings, with functions run on this machine as subprocesses that talk to
//! ruststack's implementation of the Lambda Runtime API (see [`exec`]).
//!
//! Cross-service effects go through [`Hooks`]: function output is written to CloudWatch
//! Logs through a [`LogSink`], DynamoDB stream records are read through a [`StreamSource`],
//! and other services hand events in with [`Lambda::invoke_event`].

mod api;
mod code;
mod error;
mod exec;
mod invoke;
mod mappings;
mod ops;
mod persist;
mod state;
mod url;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{
    Clock, Request, RequestContext, Response, Service, ServiceError, ServiceId,
};
use ruststack_storage::{Batch, BlobId, BlobStore, Model, Storage, StorageError};

/// Lines a function instance wrote, for one log stream.
#[derive(Debug, Clone)]
pub struct LogBatch {
    /// Account of the function.
    pub account: String,
    /// Region of the function.
    pub region: String,
    /// `/aws/lambda/<name>`.
    pub group: String,
    /// `YYYY/MM/DD/[<version>]<instance id>`.
    pub stream: String,
    /// The lines, in order.
    pub lines: Vec<String>,
}

/// Where function output goes (the Logs service); called on the blocking pool.
pub type LogSink = Arc<dyn Fn(LogBatch) + Send + Sync>;

/// Reads a DynamoDB stream for event source mappings.
pub trait StreamSource: Send + Sync {
    /// Up to `limit` records after sequence number `after` (from the oldest kept record
    /// when `None`), each as `(sequence number, record in Lambda's event shape)`, or
    /// `Err` with a reason when the stream does not exist.
    fn read(
        &self,
        stream_arn: &str,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, serde_json::Value)>, String>;

    /// The sequence number of the newest record (what `LATEST` starts after), `None` when
    /// the stream is empty; `Err` when it does not exist.
    fn latest(&self, stream_arn: &str) -> Result<Option<u64>, String>;
}

/// Reads an object from the S3 service (code packages given as `S3Bucket`/`S3Key`).
pub type ObjectSource =
    Arc<dyn Fn(&str, &str, Option<&str>) -> Result<Vec<u8>, String> + Send + Sync>;

/// The other services' handles Lambda uses. Each may be absent when that service is off.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Function output → CloudWatch Logs.
    pub logs: Option<LogSink>,
    /// DynamoDB stream records for event source mappings.
    pub streams: Option<Arc<dyn StreamSource>>,
    /// S3 objects for code packages.
    pub objects: Option<ObjectSource>,
}

/// How functions run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The URL functions use to reach ruststack (`AWS_ENDPOINT_URL`).
    pub endpoint_url: String,
    /// Where packages are extracted and runtime clients are written; a temporary directory
    /// removed at exit when `None`.
    pub work_dir: Option<PathBuf>,
    /// How long an idle instance stays warm.
    pub keepalive: Duration,
    /// How many instances may run at once over all functions.
    pub max_concurrency: u32,
    /// The delay before the first retry of a failed asynchronous invocation (doubled for
    /// the second).
    pub retry_delay: Duration,
}

/// The Lambda service. Cloning is cheap; clones share state.
#[derive(Clone)]
pub struct Lambda {
    inner: Arc<Inner>,
}

struct Inner {
    state: Model<state::State>,
    storage: Arc<dyn Storage>,
    blobs: BlobStore,
    clock: Clock,
    hooks: Hooks,
    options: Options,
    exec: exec::Executor,
    /// The temporary work directory (when no work directory was given).
    _scratch: Option<tempfile::TempDir>,
}

/// Who is calling: account, region and the time.
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

impl Lambda {
    /// Loads the service's state and prepares the executor. Must be called inside a Tokio
    /// runtime (pollers and the instance reaper are spawned).
    pub fn open(
        storage: Arc<dyn Storage>,
        blobs: BlobStore,
        clock: Clock,
        hooks: Hooks,
        options: Options,
    ) -> Result<Self, StorageError> {
        let state = persist::load(storage.as_ref())?;
        let io_error = |path: PathBuf| move |source| StorageError::Io { path, source };
        let (scratch, work_dir) = match &options.work_dir {
            Some(dir) => (None, dir.clone()),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("ruststack-lambda-")
                    .tempdir()
                    .map_err(io_error(std::env::temp_dir()))?;
                let dir = tmp.path().to_owned();
                (Some(tmp), dir)
            }
        };
        let exec = exec::Executor::new(&options, &work_dir, blobs.clone(), hooks.logs.clone())
            .map_err(io_error(work_dir.clone()))?;
        let lambda = Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                blobs,
                clock,
                hooks,
                options,
                exec,
                _scratch: scratch,
            }),
        };
        mappings::start(&lambda);
        Ok(lambda)
    }

    /// Blobs the records name (zips), for the boot-time sweep.
    pub fn live_blobs(&self) -> HashSet<BlobId> {
        persist::live_blobs(&self.read())
    }

    /// Stops every running function instance (at shutdown).
    pub fn shutdown(&self) {
        self.inner.exec.stop_all();
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
            .map_err(|e| ServiceError::internal("ServiceException", e))
    }

    pub(crate) fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    pub(crate) fn hooks(&self) -> &Hooks {
        &self.inner.hooks
    }

    pub(crate) fn options(&self) -> &Options {
        &self.inner.options
    }

    pub(crate) fn exec(&self) -> &exec::Executor {
        &self.inner.exec
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    /// Runs a mutating operation through [`ruststack_storage::run_write`].
    pub(crate) async fn write<I, O>(
        &self,
        caller: Caller,
        input: I,
        op: fn(&Lambda, &Caller, I) -> Result<O, ServiceError>,
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
        .map_err(|e| ServiceError::internal("ServiceException", e))?
    }

    /// Removes blobs that no record names any more (after a delete has committed).
    pub(crate) fn drop_blobs(&self, candidates: &[String]) {
        if candidates.is_empty() {
            return;
        }
        let live = self.live_blobs();
        for blob in candidates.iter().filter_map(|b| BlobId::parse(b)) {
            if !live.contains(&blob) {
                let _ = std::fs::remove_file(self.inner.blobs.path(&blob));
            }
        }
    }

    /// Queues an asynchronous invocation from another service (an S3 notification, a
    /// Logs subscription): `function_arn` names the function (qualified or not), `event`
    /// is the payload. Never blocks.
    pub fn invoke_event(&self, function_arn: &str, event: &serde_json::Value) {
        invoke::queue_event(self, function_arn, event);
    }
}

impl Service for Lambda {
    fn id(&self) -> ServiceId {
        ServiceId::Lambda
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
        let blobs: Vec<String> = persist::live_blobs(&state)
            .into_iter()
            .map(|b| b.as_str().to_owned())
            .collect();
        *state = state::State::default();
        drop(state);
        self.inner.exec.stop_all();
        self.drop_blobs(&blobs);
        Ok(())
    }
}
