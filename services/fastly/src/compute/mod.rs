//! The Compute runtime: Fastly Compute apps (`bin/main.wasm`) run in viceroy-lib against the
//! stores of the management API.
//!
//! # How stores reach an app
//! viceroy-lib builds one `ExecuteCtx` per app (a full compile of the app) with the stores it
//! will see. Its public API allows three ways of keeping them current:
//! - **config stores** are JSON-file dictionaries (`Dictionary::Json`), which viceroy re-reads
//!   every time the app opens one: an item change rewrites the store's file before the API
//!   call returns, and the next request reads it. No rebuild.
//! - **KV stores** are one `ObjectStores` that every loaded app shares, reached by the host
//!   through a tiny admin guest ([`kv`]): an entry change is made there before the API call
//!   returns, and what apps write there is committed to the database. No rebuild.
//! - **Secret stores**, and the set of stores itself, are fixed when a context is built: any
//!   such change bumps a version; the API call then waits while every app that is loaded
//!   gets a new context, built in the background and swapped in atomically (in-flight
//!   requests finish on the old one). An app that is not loaded builds its context on its
//!   next request.
//!
//! A context is built on an app's first request, rebuilt when its wasm file changes (checked
//! on every request by modification time and size) and dropped after an idle period, so an
//! idle server runs no epoch thread.

mod guests;
pub(crate) mod http02;
pub(crate) mod kv;

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderValue, StatusCode};
use ruststack_protocol::{Body, Response};
use viceroy_lib::config::{FastlyConfig, ObjectStores, UnknownImportBehavior};
use viceroy_lib::{ExecuteCtx, ProfilingConfig, WasmFeatures};

use crate::{Fastly, lock};

/// Receives app log lines: (log group, log stream, lines).
pub type ComputeLogSink = Arc<dyn Fn(&str, &str, &[String]) + Send + Sync>;

/// One app to serve.
#[derive(Clone, Debug)]
pub struct AppSpec {
    /// The name it is served under; by default the `name` of its `fastly.toml`, else the
    /// wasm file's stem.
    pub name: Option<String>,
    /// The app (`bin/main.wasm`, or a `.wat` text module).
    pub wasm: PathBuf,
    /// Its `fastly.toml`; by default the one in the wasm file's directory or the directory
    /// above it (a Fastly project's `bin/main.wasm`).
    pub config: Option<PathBuf>,
}

/// What the Compute runtime is built from.
#[derive(Clone)]
pub struct ComputeOptions {
    /// The apps.
    pub apps: Vec<AppSpec>,
    /// Where the store files the apps read are written (`None`: a temporary directory).
    pub work_dir: Option<PathBuf>,
    /// How long a loaded app stays loaded without requests.
    pub idle: Duration,
    /// How long an app may take to answer a request (Fastly's limit is two minutes).
    pub request_timeout: Duration,
    /// Where app log lines go besides ruststack's log (CloudWatch Logs).
    pub logs: Option<ComputeLogSink>,
    /// Runs core-module apps as components, through viceroy's component adapter.
    pub adapt: bool,
}

/// A file's identity for change detection: modification time and length.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
}

#[derive(Clone)]
struct Live {
    ctx: Arc<ExecuteCtx>,
    version: u64,
    stamp: Stamp,
    /// Whether the app can write to KV stores (see [`kv::writes_kv`]).
    writes_kv: bool,
}

struct App {
    name: String,
    wasm: PathBuf,
    config: Option<FastlyConfig>,
    config_path: Option<PathBuf>,
    live: RwLock<Option<Live>>,
    /// Held while a context is built: concurrent requests wait for one build.
    building: tokio::sync::Mutex<()>,
    last_used: Mutex<Instant>,
    /// The last failed build, so a broken app is not recompiled on every request.
    failed: Mutex<Option<(Stamp, u64, String)>>,
    /// The runtime its requests are handled on (see [`guests`]), made on demand.
    guests: Mutex<Option<Arc<guests::Guests>>>,
}

impl App {
    fn current(&self) -> Option<Live> {
        match self.live.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, live: Option<Live>) {
        match self.live.write() {
            Ok(mut g) => *g = live,
            Err(p) => *p.into_inner() = live,
        }
    }

    fn touch(&self) {
        if let Ok(mut t) = self.last_used.lock() {
            *t = Instant::now();
        }
    }

    /// The app's runtime, made if there is none or it was retired.
    fn guests(&self) -> io::Result<Arc<guests::Guests>> {
        let mut slot = lock(&self.guests);
        match slot.as_ref() {
            Some(g) if !g.is_retired() => Ok(g.clone()),
            _ => {
                let fresh = guests::Guests::new(&self.name)?;
                *slot = Some(fresh.clone());
                Ok(fresh)
            }
        }
    }

    /// Admits a request to the app's runtime.
    fn admit(&self) -> io::Result<guests::Admission> {
        loop {
            if let Some(admission) = self.guests()?.admit() {
                return Ok(admission);
            }
        }
    }
}

/// The apps and the state their contexts are built from.
pub(crate) struct Compute {
    apps: BTreeMap<String, Arc<App>>,
    first: Option<String>,
    work_dir: PathBuf,
    request_timeout: Duration,
    adapt: bool,
    /// The temporary work directory, removed with the runtime.
    _tmp: Option<tempfile::TempDir>,
    logs: Option<ComputeLogSink>,
    /// Bumped by every change a built context cannot see.
    version: AtomicU64,
    /// Serialises config-store file writes (each writes the store as it is when it runs).
    files: Mutex<()>,
    /// The KV stores loaded apps share (none while no app is loaded). Held by every
    /// management API write, so that the database and these stores change in step.
    kv: tokio::sync::Mutex<Option<kv::LiveKv>>,
    /// Set when an app that can write to KV stores has served a request since the last
    /// commit of app writes.
    app_wrote: AtomicBool,
    /// Whether a commit of app writes is scheduled, and how long the last one took.
    settle_scheduled: AtomicBool,
    settle_cost: Mutex<Duration>,
    /// KV entries (store id, key) the current management API write changed.
    kv_changes: Mutex<Vec<(String, String)>>,
    /// The admin guest's source file.
    admin_wat: PathBuf,
}

/// The name an app is served under: lower case letters, digits and `-`.
fn host_label(name: &str) -> String {
    let label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    label.trim_matches('-').to_owned()
}

/// The `fastly.toml` of an app: given, or beside the wasm file, or one directory up.
fn find_config(spec: &AppSpec) -> Option<PathBuf> {
    if let Some(c) = &spec.config {
        return Some(c.clone());
    }
    let dir = spec.wasm.parent()?;
    [dir.join("fastly.toml"), dir.parent()?.join("fastly.toml")]
        .into_iter()
        .find(|p| p.is_file())
}

/// An app's `fastly.toml` as viceroy reads it, without the stores (ruststack imports those
/// into its own, see `import.rs`) and with the files it names (geolocation, device
/// detection, ACLs) taken relative to the file's directory, as for `fastly compute serve`
/// run in the project.
fn read_config(path: &Path) -> Result<FastlyConfig, String> {
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| failed(&e))?;
    let mut doc: toml::Table = text.parse().map_err(|e| failed(&e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    fn absolute(dir: &Path, value: &mut toml::Value) {
        if let toml::Value::String(file) = value
            && Path::new(file.as_str()).is_relative()
        {
            *file = dir.join(file.as_str()).display().to_string();
        }
    }
    if let Some(toml::Value::Table(local)) = doc.get_mut("local_server") {
        for section in [
            "config_stores",
            "dictionaries",
            "kv_stores",
            "object_stores",
            "object_store",
            "secret_stores",
        ] {
            local.remove(section);
        }
        for section in ["geolocation", "device_detection"] {
            if let Some(file) = local.get_mut(section).and_then(|s| s.get_mut("file")) {
                absolute(dir, file);
            }
        }
        if let Some(toml::Value::Table(acls)) = local.get_mut("acls") {
            for (_, acl) in acls.iter_mut() {
                match acl {
                    toml::Value::Table(t) => {
                        if let Some(file) = t.get_mut("file") {
                            absolute(dir, file);
                        }
                    }
                    other => absolute(dir, other),
                }
            }
        }
    }
    toml::to_string(&doc)
        .map_err(|e| failed(&e))?
        .parse::<FastlyConfig>()
        .map_err(|e| failed(&e))
}

impl Compute {
    /// Reads each app's `fastly.toml` and names the apps.
    pub(crate) fn new(options: ComputeOptions) -> io::Result<Self> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        let mut apps = BTreeMap::new();
        let mut first = None;
        for spec in options.apps {
            let config_path = find_config(&spec);
            let config = match &config_path {
                Some(path) => Some(read_config(path).map_err(invalid)?),
                None => None,
            };
            let name = spec
                .name
                .clone()
                .or_else(|| {
                    config
                        .as_ref()
                        .map(|c| c.name().to_owned())
                        .filter(|n| !n.is_empty())
                })
                .or_else(|| {
                    spec.wasm
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                })
                .map(|n| host_label(&n))
                .filter(|n| !n.is_empty())
                .ok_or_else(|| invalid(format!("{}: no name for this app", spec.wasm.display())))?;
            if apps.contains_key(&name) {
                return Err(invalid(format!(
                    "two Compute apps are named '{name}'; name them with NAME=PATH"
                )));
            }
            first.get_or_insert_with(|| name.clone());
            apps.insert(
                name.clone(),
                Arc::new(App {
                    name,
                    wasm: spec.wasm,
                    config,
                    config_path,
                    live: RwLock::new(None),
                    building: tokio::sync::Mutex::new(()),
                    last_used: Mutex::new(Instant::now()),
                    failed: Mutex::new(None),
                    guests: Mutex::new(None),
                }),
            );
        }
        let (work_dir, tmp) = match options.work_dir {
            Some(dir) => (dir, None),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("ruststack-fastly-")
                    .tempdir()?;
                (tmp.path().to_owned(), Some(tmp))
            }
        };
        std::fs::create_dir_all(work_dir.join("config"))?;
        let admin_wat = work_dir.join("kv-admin.wat");
        write_atomically(&admin_wat, kv::ADMIN_WAT.as_bytes())?;
        Ok(Self {
            apps,
            first,
            work_dir,
            request_timeout: options.request_timeout,
            adapt: options.adapt,
            _tmp: tmp,
            logs: options.logs,
            version: AtomicU64::new(0),
            files: Mutex::new(()),
            kv: tokio::sync::Mutex::new(None),
            app_wrote: AtomicBool::new(false),
            settle_scheduled: AtomicBool::new(false),
            settle_cost: Mutex::new(Duration::ZERO),
            kv_changes: Mutex::new(Vec::new()),
            admin_wat,
        })
    }

    /// The served apps' names, the one `--fastly-addr` serves first.
    pub(crate) fn names(&self) -> (Option<&str>, Vec<&str>) {
        (
            self.first.as_deref(),
            self.apps.keys().map(String::as_str).collect(),
        )
    }

    /// The apps' `fastly.toml` files.
    pub(crate) fn config_paths(&self) -> Vec<PathBuf> {
        self.apps
            .values()
            .filter_map(|a| a.config_path.clone())
            .collect()
    }

    /// Notes a change that built contexts cannot see (returns the new version).
    pub(crate) fn stores_changed(&self) -> u64 {
        self.version.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    pub(crate) fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    pub(crate) fn file_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        lock(&self.files)
    }

    /// Where the first app's listener serves its connections: the app's runtime (see
    /// [`guests`]).
    pub(crate) fn first_runtime(&self) -> Option<io::Result<tokio::runtime::Handle>> {
        let app = self.apps.get(self.first.as_deref()?)?;
        Some(app.guests().and_then(|g| {
            g.handle()
                .ok_or_else(|| io::Error::other("the runtime was shut down"))
        }))
    }

    /// Rebuilds the context of every loaded app that is older than the current version;
    /// returns when they serve it.
    pub(crate) async fn refresh(&self, fastly: &Fastly) {
        for app in self.apps.values() {
            if app.current().is_some()
                && let Err(e) = self.context(fastly, app).await
            {
                tracing::error!(app = %app.name, error = %e, "the Compute app could not be rebuilt");
            }
        }
    }

    /// Drops the contexts of apps idle for longer than `idle`.
    pub(crate) fn unload_idle(&self, idle: Duration) {
        for app in self.apps.values() {
            let idle_for = app
                .last_used
                .lock()
                .map(|t| t.elapsed())
                .unwrap_or_default();
            if idle_for >= idle && app.current().is_some() {
                // A build in progress keeps its app loaded.
                if let Ok(_guard) = app.building.try_lock() {
                    // Its runtime stays: parked, it costs nothing, and the connections
                    // served there (`--fastly-addr`) stay open.
                    app.set(None);
                    tracing::info!(app = %app.name, "unloaded the idle Compute app");
                }
            }
        }
        // With no app loaded or being built, and no app writes left to commit, the shared
        // KV stores go too: the next build fills new ones from the database.
        let building: Vec<_> = self.apps.values().map(|a| a.building.try_lock()).collect();
        if building.iter().all(Result::is_ok)
            && self.apps.values().all(|a| a.current().is_none())
            && !self.app_wrote.load(Ordering::SeqCst)
            && let Ok(mut kv) = self.kv.try_lock()
        {
            *kv = None;
        }
    }

    /// Runs a management API write (`work` commits to the database) in step with the KV
    /// stores apps share: app writes are committed first, the write's KV entry changes are
    /// made in the shared stores before it returns, and when loaded apps need a new context
    /// for the change, it returns once they serve it.
    pub(crate) async fn write<O: Send + 'static>(
        &self,
        fastly: &Fastly,
        work: impl FnOnce(&Fastly) -> Result<O, ruststack_protocol::ServiceError> + Send + 'static,
    ) -> Result<O, ruststack_protocol::ServiceError> {
        let mut kv = self.kv.lock().await;
        if let Some(live) = kv.as_mut() {
            self.settle_locked(fastly, live).await;
        }
        let before = self.version();
        let out = fastly.apply(work).await;
        let changed = std::mem::take(&mut *lock(&self.kv_changes));
        if let Some(live) = kv.as_mut() {
            live.mirror(fastly, changed).await;
        }
        drop(kv);
        if before != self.version() {
            self.refresh(fastly).await;
        }
        out
    }

    /// Notes KV entries a management API write changed.
    pub(crate) fn kv_changed(&self, store_id: &str, keys: impl Iterator<Item = String>) {
        lock(&self.kv_changes).extend(keys.map(|k| (store_id.to_owned(), k)));
    }

    /// Commits what apps wrote to the shared KV stores, if any app may have.
    pub(crate) async fn settle(&self, fastly: &Fastly) {
        let mut kv = self.kv.lock().await;
        if let Some(live) = kv.as_mut() {
            self.settle_locked(fastly, live).await;
        }
    }

    async fn settle_locked(&self, fastly: &Fastly, live: &mut kv::LiveKv) {
        if !self.app_wrote.swap(false, Ordering::SeqCst) {
            return;
        }
        let started = Instant::now();
        let settled = live.settle(fastly).await;
        *lock(&self.settle_cost) = started.elapsed();
        if let Err(e) = settled {
            self.app_wrote.store(true, Ordering::SeqCst);
            tracing::error!(error = %e, "the KV writes of Compute apps could not be committed");
        }
    }

    /// Schedules a commit of what apps wrote to KV stores, shortly after an app's answer:
    /// a commit compares every key, so under load one runs for many requests. The delay is
    /// four times what the last one took (at least 10 ms, at most a second), which keeps
    /// commits to a fifth of a core at most.
    pub(crate) fn settle_soon(&self, fastly: &Fastly) {
        self.app_wrote.store(true, Ordering::SeqCst);
        if self.settle_scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let delay =
            (*lock(&self.settle_cost) * 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Shutting down: there is nothing left to run it.
            self.settle_scheduled.store(false, Ordering::SeqCst);
            return;
        };
        let fastly = fastly.clone();
        runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            fastly.settle_scheduled_kv().await;
        });
    }

    /// Runs the scheduled commit of app writes.
    pub(crate) async fn settle_scheduled(&self, fastly: &Fastly) {
        self.settle_scheduled.store(false, Ordering::SeqCst);
        self.settle(fastly).await;
    }

    /// The KV stores apps share, made (and filled from the database) when there are none or
    /// the set of KV stores has changed since.
    async fn live_stores(&self, fastly: &Fastly) -> Result<ObjectStores, String> {
        let mut kv = self.kv.lock().await;
        let names = fastly.kv_names();
        if let Some(live) = kv.as_mut() {
            if live.names == names && !live.stale {
                return Ok(live.stores.clone());
            }
            // What apps wrote to the old stores goes to the database, and from there to
            // the new ones.
            self.settle_locked(fastly, live).await;
        }
        let mut live = kv::LiveKv::new(names, &self.admin_wat)?;
        live.fill(fastly).await?;
        let stores = live.stores.clone();
        *kv = Some(live);
        Ok(stores)
    }

    /// The app's context for the current stores and wasm file, built if needed.
    async fn context(&self, fastly: &Fastly, app: &Arc<App>) -> Result<Live, String> {
        let fresh = |live: &Option<Live>, version: u64, stamp: &Stamp| {
            live.as_ref()
                .filter(|l| l.version >= version && l.stamp == *stamp)
                .cloned()
        };
        let version = self.version();
        let file = stamp(&app.wasm);
        if let Some(ctx) = fresh(&app.current(), version, &file) {
            return Ok(ctx);
        }
        let _building = app.building.lock().await;
        let version = self.version();
        let file = stamp(&app.wasm);
        if let Some(ctx) = fresh(&app.current(), version, &file) {
            return Ok(ctx);
        }
        if let Ok(failed) = app.failed.lock()
            && let Some((s, v, why)) = failed.as_ref()
            && *s == file
            && *v == version
        {
            return Err(why.clone());
        }
        let started = Instant::now();
        let built = match self.live_stores(fastly).await {
            Ok(stores) => {
                let (fastly, app2, dir) = (fastly.clone(), app.clone(), self.work_dir.clone());
                let adapt = self.adapt;
                let writer: Arc<Mutex<dyn Write + Send>> =
                    Arc::new(Mutex::new(LogWriter::new(&app.name, self.logs.clone())));
                on_build_thread(move || {
                    let snapshot = fastly.compute_snapshot(&dir)?;
                    let writes_kv = kv::writes_kv(&app2.wasm);
                    build(&app2, snapshot, stores, writer, adapt).map(|ctx| (ctx, writes_kv))
                })
                .await
            }
            Err(e) => Err(e),
        };
        match built {
            Ok((ctx, writes_kv)) => {
                tracing::info!(
                    app = %app.name,
                    ms = started.elapsed().as_millis() as u64,
                    component = ctx.is_component(),
                    "loaded the Compute app"
                );
                let live = Live {
                    ctx,
                    version,
                    stamp: file,
                    writes_kv,
                };
                app.set(Some(live.clone()));
                if let Ok(mut failed) = app.failed.lock() {
                    *failed = None;
                }
                Ok(live)
            }
            Err(why) => {
                tracing::error!(app = %app.name, wasm = %app.wasm.display(), error = %why, "the Compute app could not be loaded");
                if let Ok(mut failed) = app.failed.lock() {
                    *failed = Some((file, version, why.clone()));
                }
                Err(why)
            }
        }
    }

    /// Serves one request with app `name` (`None`: the first app).
    pub(crate) async fn serve(
        &self,
        fastly: &Fastly,
        name: Option<&str>,
        req: http::Request<Body>,
    ) -> Response {
        let Some(app) = name
            .or(self.first.as_deref())
            .and_then(|n| self.apps.get(n))
        else {
            let known: Vec<&str> = self.apps.keys().map(String::as_str).collect();
            return text(
                StatusCode::NOT_FOUND,
                &format!(
                    "ruststack: no Compute app named '{}' is served (apps: {})\n",
                    name.unwrap_or_default(),
                    if known.is_empty() {
                        "none; start ruststack with --fastly-wasm".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        };
        app.touch();
        let live = match self.context(fastly, app).await {
            Ok(live) => live,
            Err(why) => {
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!(
                        "ruststack: the Compute app '{}' could not be loaded: {why}\n",
                        app.name
                    ),
                );
            }
        };
        let req = match http02::request(req) {
            Ok(r) => r,
            Err(http02::Refused(why)) => return text(StatusCode::BAD_REQUEST, &why),
        };
        let admission = match app.admit() {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(app = %app.name, error = %e, "no runtime for the Compute app");
                return text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!(
                        "ruststack: the Compute app '{}' could not be run: {e}\n",
                        app.name
                    ),
                );
            }
        };
        // A request on a connection served on a runtime keeps it until it ends; if that is
        // the app's runtime, the request is handled in place.
        let pinned = guests::Guests::here().map(|g| g.pin());
        let in_place = pinned
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(p.guests(), admission.guests()));
        let (Some(runtime), guests) = (admission.handle(), admission.guests().clone()) else {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "ruststack: the Compute runtime is shutting down\n",
            );
        };
        // The admission ends with the response body (or the client's going). What an app
        // that can write to KV stores wrote is committed shortly after; management API
        // reads in the meantime commit what it has written so far.
        let writes_kv = live.writes_kv;
        if writes_kv {
            self.app_wrote.store(true, Ordering::SeqCst);
        }
        let on_end = {
            let fastly = fastly.clone();
            http02::OnEnd::new(move || {
                drop((admission, pinned));
                if writes_kv {
                    fastly.settle_app_writes_soon();
                }
            })
        };
        let local = std::net::SocketAddr::from(([127, 0, 0, 1], 7676));
        let remote = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let handling = live.ctx.handle_request(req, local, remote);
        let handled = if in_place {
            tokio::time::timeout(self.request_timeout, async {
                Ok::<_, tokio::task::JoinError>(handling.await)
            })
            .await
        } else {
            tokio::time::timeout(self.request_timeout, runtime.spawn(handling)).await
        };
        let failed = |why: String| (StatusCode::INTERNAL_SERVER_ERROR, why);
        let answer = match handled {
            Err(_) => {
                // The instance cannot be stopped alone: its runtime is retired, and stops it
                // once the other requests on it have ended.
                guests.retire();
                let secs = self.request_timeout.as_secs_f64();
                tracing::error!(app = %app.name, seconds = secs, "the Compute app ran past its time limit");
                Err((
                    StatusCode::GATEWAY_TIMEOUT,
                    format!(
                        "ruststack: the Compute app '{}' did not answer within {secs} seconds\n",
                        app.name
                    ),
                ))
            }
            Ok(Err(e)) => {
                // viceroy-lib panics on an error that is not a trap.
                let why = if e.is_panic() {
                    "the runtime failed while running it"
                } else {
                    "its runtime was shut down"
                };
                tracing::error!(app = %app.name, "the Compute app could not handle a request: {why}");
                Err(failed(format!(
                    "ruststack: the Compute app '{}' failed: {why}\n",
                    app.name
                )))
            }
            Ok(Ok(Ok((resp, None)))) => Ok(resp),
            // An error comes back only when the app ended without sending a response.
            Ok(Ok(Ok((_, Some(trap))))) => {
                tracing::error!(app = %app.name, error = %format!("{trap:#}"), "the Compute app failed while handling a request");
                Err(failed(format!(
                    "ruststack: the Compute app '{}' failed: {trap:#}\n",
                    app.name
                )))
            }
            Ok(Ok(Err(e))) => {
                tracing::error!(app = %app.name, error = %e, "the Compute app could not handle a request");
                Err(failed(format!(
                    "ruststack: the Compute app '{}' failed: {e}\n",
                    app.name
                )))
            }
        };
        match answer {
            Ok(resp) => http02::response(resp, on_end),
            // The admission lasts until this is sent too: the runtime it keeps may be the one
            // this connection is served on.
            Err((status, message)) => text_holding(status, message, on_end),
        }
    }
}

/// The timer slack of a context's epoch thread.
///
/// viceroy-lib gives every context a thread that sleeps 50 µs and bumps the engine's epoch,
/// forever: 20,000 wake-ups a second, a fifth of a core with nothing to do. The kernel may
/// defer a sleeping thread's wake-up by its timer slack (inherited from the thread that
/// starts it), so with this slack the thread wakes about every 20 ms when the machine is
/// idle, and more often when other wake-ups come first. An app that computes without
/// waiting yields to other requests at each tick, so this is also the longest it holds a
/// worker thread.
#[cfg(target_os = "linux")]
const EPOCH_SLACK: Duration = Duration::from_millis(20);

/// Runs `work` (a compile) on a thread of its own, whose name and timer slack the threads it
/// starts (a context's epoch thread, the compiler's workers) inherit: they show as
/// `fastly-compute`.
pub(crate) async fn on_build_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("fastly-compute".into())
        .spawn(move || {
            #[cfg(target_os = "linux")]
            if let Err(e) = rustix::thread::set_current_timer_slack(std::num::NonZeroU64::new(
                EPOCH_SLACK.as_nanos() as u64,
            )) {
                tracing::debug!(error = %e, "the timer slack of Compute threads could not be set");
            }
            let _ = tx.send(work());
        })
        .map_err(|e| format!("the build could not start: {e}"))?;
    rx.await
        .map_err(|_| "the build failed".to_owned())
        .and_then(|r| r)
}

fn text(status: StatusCode, message: &str) -> Response {
    let mut resp = Response::new(Body::from(message.to_owned()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// [`text`], with `on_end` dropped once it has been sent (or its client has gone).
fn text_holding(status: StatusCode, message: String, on_end: http02::OnEnd) -> Response {
    let mut resp = text(status, "");
    let bytes = bytes::Bytes::from(message);
    resp.headers_mut()
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    // The message, then the end, which drops `on_end`.
    let stream = futures_util::stream::unfold((Some(bytes), on_end), |(bytes, on_end)| async {
        Some((Ok::<_, io::Error>(bytes?), (None, on_end)))
    });
    *resp.body_mut() = Body::from_stream(stream);
    resp
}

/// The config and secret stores a context is built with.
pub(crate) struct Snapshot {
    pub(crate) dictionaries: viceroy_lib::config::Dictionaries,
    pub(crate) secrets: viceroy_lib::config::SecretStores,
}

fn build(
    app: &App,
    snapshot: Snapshot,
    kv: ObjectStores,
    logs: Arc<Mutex<dyn Write + Send>>,
    adapt: bool,
) -> Result<Arc<ExecuteCtx>, String> {
    let mut builder = ExecuteCtx::build(
        &app.wasm,
        ProfilingConfig::None,
        HashSet::new(),
        UnknownImportBehavior::LinkError,
        adapt,
        WasmFeatures::default(),
    )
    .map_err(|e| e.to_string())?
    .with_dictionaries(snapshot.dictionaries)
    .with_object_stores(kv)
    .with_secret_stores(snapshot.secrets)
    .with_capture_logs(logs)
    .with_log_stdout(true)
    .with_log_stderr(true);
    if let Some(config) = &app.config {
        builder = builder
            .with_backends(config.backends().clone())
            .with_geolocation(config.geolocation().clone())
            .with_acls(config.acls().clone())
            .with_device_detection(config.device_detection().clone());
    }
    builder.finish().map_err(|e| format!("{e:#}"))
}

/// Writes `bytes` to `path` atomically (temporary file, rename), so a reader sees the old
/// or the new contents, never a part.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// App log lines (`<endpoint> :: <message>`, stdout and stderr included) to ruststack's log
/// and to CloudWatch Logs, group `/fastly/<app>`.
struct LogWriter {
    app: String,
    group: String,
    pending: Vec<u8>,
    sink: Option<ComputeLogSink>,
}

impl LogWriter {
    fn new(app: &str, sink: Option<ComputeLogSink>) -> Self {
        Self {
            app: app.to_owned(),
            group: format!("/fastly/{app}"),
            pending: Vec::new(),
            sink,
        }
    }
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') else {
            return Ok(buf.len());
        };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        let lines: Vec<String> = String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_owned)
            .collect();
        for line in &lines {
            tracing::info!(target: "ruststack_fastly::app", app = %self.app, "{line}");
        }
        if let Some(sink) = &self.sink {
            let date = ruststack_protocol::rest::iso8601_millis(
                i64::try_from(
                    SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_millis(),
                )
                .unwrap_or(0),
            );
            let stream = format!("{}/{}/{}", &date[0..4], &date[5..7], &date[8..10]);
            sink(&self.group, &stream, &lines);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_host_labels() {
        assert_eq!(host_label("My App_1"), "my-app-1");
        assert_eq!(host_label("--x--"), "x");
        assert_eq!(host_label("é"), "");
    }

    #[test]
    fn log_lines_are_split_and_grouped() {
        type Seen = Vec<(String, String, Vec<String>)>;
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let seen2 = seen.clone();
        let sink: ComputeLogSink = Arc::new(move |g, s, l| {
            if let Ok(mut v) = seen2.lock() {
                v.push((g.to_owned(), s.to_owned(), l.to_vec()));
            }
        });
        let mut w = LogWriter::new("app", Some(sink));
        assert!(w.write(b"stdout :: one\nstdout :: tw").is_ok());
        assert!(w.write(b"o\n").is_ok());
        let v = seen.lock().map(|v| v.clone()).unwrap_or_default();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].0, "/fastly/app");
        assert_eq!(v[0].2, vec!["stdout :: one"]);
        assert_eq!(v[1].2, vec!["stdout :: two"]);
        assert_eq!(v[0].1.len(), 10);
    }
}
