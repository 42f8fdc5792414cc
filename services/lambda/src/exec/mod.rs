//! Running functions: a pool of warm instances per function version, started on demand up
//! to the function's reserved concurrency and the global limit, reused while warm, retired
//! after `keepalive` idle time or when the function changes. Each invocation's output,
//! framed by AWS's `START`/`END`/`REPORT` lines, goes to CloudWatch Logs.

mod instance;
mod runtime_api;
mod wasi;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use ruststack_protocol::ServiceError;
use ruststack_protocol::encoding::base64_encode;
use ruststack_storage::BlobStore;
use tokio::sync::mpsc;

use crate::state::{Code, Config, FnKey};
use crate::{LogBatch, LogSink, Options, code, error};
use instance::{Ended, Instance, Launch};
pub(crate) use runtime_api::Invocation;

/// The Python runtime client, written to `<runtime dir>/python/bootstrap.py`.
const PYTHON_CLIENT: &str = include_str!("../../runtimes/python/bootstrap.py");
/// The Node.js runtime client, written to `<runtime dir>/node/bootstrap.js`.
const NODE_CLIENT: &str = include_str!("../../runtimes/node/bootstrap.js");

/// How much of the log `LogType: Tail` returns.
const TAIL_BYTES: usize = 4096;

/// What to run: one version of a function as it is now.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) key: FnKey,
    /// `$LATEST` or a version number.
    pub(crate) version: String,
    pub(crate) revision: String,
    pub(crate) config: Config,
    pub(crate) code: Code,
    pub(crate) reserved: Option<u32>,
}

/// One call of a function.
pub(crate) struct Call {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    /// The ARN the caller used (with its qualifier), as the context reports it.
    pub(crate) invoked_arn: String,
    pub(crate) client_context: Option<String>,
}

/// The result of a call.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) payload: Bytes,
    /// The function failed (`X-Amz-Function-Error: Unhandled`).
    pub(crate) failed: bool,
    /// The last 4 KB of the invocation's log.
    pub(crate) log_tail: String,
}

type PoolKey = (FnKey, String, String);

/// How one invocation went, for [`Executor::finish`].
struct Finished {
    ended: Ended,
    duration: Duration,
    /// The initialisation time, on a cold start.
    init: Option<Duration>,
    /// Lines written before the invocation started (initialisation, background output).
    pre: Vec<String>,
    output: Vec<String>,
    max_memory_mb: u64,
    log_stream: String,
}

#[derive(Default)]
struct Pools {
    idle: HashMap<PoolKey, Vec<Instance>>,
    running: HashMap<FnKey, u32>,
    total: u32,
    /// Bumped when a function changes: older instances are not reused.
    generations: HashMap<FnKey, u64>,
    /// Bumped by `stop_all`.
    epoch: u64,
}

impl Pools {
    fn generation(&self, key: &FnKey) -> (u64, u64) {
        (self.epoch, self.generations.get(key).copied().unwrap_or(0))
    }
}

struct ExecInner {
    blobs: BlobStore,
    runtime_dir: PathBuf,
    code_dir: PathBuf,
    endpoint_url: String,
    keepalive: Duration,
    max: u32,
    logs: Option<mpsc::UnboundedSender<LogBatch>>,
    pools: Mutex<Pools>,
    /// The WebAssembly engine, built on the first sandboxed invocation.
    wasm: std::sync::OnceLock<Result<Arc<wasi::Wasm>, String>>,
    interpreters: Mutex<HashMap<String, Result<PathBuf, String>>>,
}

/// The function runner. Cloning is cheap.
#[derive(Clone)]
pub(crate) struct Executor {
    inner: Arc<ExecInner>,
}

impl Executor {
    /// Writes the runtime clients, and starts the log writer and the idle reaper.
    pub(crate) fn new(
        options: &Options,
        work_dir: &Path,
        blobs: BlobStore,
        logs: Option<LogSink>,
    ) -> io::Result<Self> {
        let runtime_dir = work_dir.join("runtime");
        let code_dir = work_dir.join("code");
        std::fs::create_dir_all(runtime_dir.join("python"))?;
        std::fs::create_dir_all(runtime_dir.join("node"))?;
        std::fs::create_dir_all(&code_dir)?;
        std::fs::write(runtime_dir.join("python/bootstrap.py"), PYTHON_CLIENT)?;
        std::fs::write(runtime_dir.join("node/bootstrap.js"), NODE_CLIENT)?;
        let logs = logs.map(|sink| {
            let (tx, mut rx) = mpsc::unbounded_channel::<LogBatch>();
            tokio::spawn(async move {
                while let Some(batch) = rx.recv().await {
                    let sink = sink.clone();
                    let _ = tokio::task::spawn_blocking(move || sink(batch)).await;
                }
            });
            tx
        });
        let exec = Self {
            inner: Arc::new(ExecInner {
                blobs,
                runtime_dir,
                code_dir,
                endpoint_url: options.endpoint_url.clone(),
                keepalive: options.keepalive,
                max: options.max_concurrency,
                logs,
                pools: Mutex::new(Pools::default()),
                wasm: std::sync::OnceLock::new(),
                interpreters: Mutex::new(HashMap::new()),
            }),
        };
        let weak = Arc::downgrade(&exec.inner);
        let tick = (options.keepalive / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                let Some(inner) = weak.upgrade() else { break };
                Executor { inner }.reap();
            }
        });
        Ok(exec)
    }

    fn pools(&self) -> MutexGuard<'_, Pools> {
        match self.inner.pools.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Stops idle instances past their keep-alive.
    fn reap(&self) {
        let keepalive = self.inner.keepalive;
        let mut expired = Vec::new();
        {
            let mut pools = self.pools();
            for list in pools.idle.values_mut() {
                let (old, keep): (Vec<_>, Vec<_>) = std::mem::take(list)
                    .into_iter()
                    .partition(|i| i.last_used.elapsed() >= keepalive || !i.alive());
                *list = keep;
                expired.extend(old);
            }
            pools.idle.retain(|_, l| !l.is_empty());
        }
        drop(expired);
    }

    /// Stops the instances of a function (of one version, or all) and makes running ones
    /// stop when they finish: the function's code or configuration changed.
    pub(crate) fn retire(&self, key: &FnKey, version: Option<&str>) {
        let mut stopped = Vec::new();
        {
            let mut pools = self.pools();
            *pools.generations.entry(key.clone()).or_default() += 1;
            let keys: Vec<PoolKey> = pools
                .idle
                .keys()
                .filter(|(k, v, _)| k == key && version.is_none_or(|want| v == want))
                .cloned()
                .collect();
            for k in keys {
                stopped.extend(pools.idle.remove(&k).unwrap_or_default());
            }
        }
        drop(stopped);
    }

    /// Stops every instance (reset, shutdown).
    pub(crate) fn stop_all(&self) {
        let stopped: Vec<Instance> = {
            let mut pools = self.pools();
            pools.epoch += 1;
            pools.idle.drain().flat_map(|(_, l)| l).collect()
        };
        drop(stopped);
    }

    /// Takes a concurrency slot (and a warm instance, if one is idle).
    fn acquire(&self, spec: &Spec) -> Result<Option<Instance>, ServiceError> {
        let mut pools = self.pools();
        let running = pools.running.get(&spec.key).copied().unwrap_or(0);
        if spec.reserved.is_some_and(|r| running >= r) {
            return Err(error::throttled(
                "ReservedFunctionConcurrentInvocationLimitExceeded",
            ));
        }
        if pools.total >= self.inner.max {
            return Err(error::throttled("ConcurrentInvocationLimitExceeded"));
        }
        *pools.running.entry(spec.key.clone()).or_default() += 1;
        pools.total += 1;
        let generation = pools.generation(&spec.key);
        let pk = (
            spec.key.clone(),
            spec.version.clone(),
            spec.revision.clone(),
        );
        let mut found = None;
        if let Some(list) = pools.idle.get_mut(&pk) {
            while let Some(inst) = list.pop() {
                if inst.alive() && inst.generation == generation {
                    found = Some(inst);
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Returns a slot, keeping a healthy current instance warm.
    fn release(&self, spec: &Spec, inst: Option<Instance>) {
        let mut pools = self.pools();
        if let Some(n) = pools.running.get_mut(&spec.key) {
            *n = n.saturating_sub(1);
        }
        pools.total = pools.total.saturating_sub(1);
        let generation = pools.generation(&spec.key);
        if let Some(inst) = inst
            && inst.alive()
            && inst.generation == generation
        {
            let pk = (
                spec.key.clone(),
                spec.version.clone(),
                spec.revision.clone(),
            );
            pools.idle.entry(pk).or_default().push(inst);
        }
    }

    /// Runs one call, starting an instance if none is warm.
    pub(crate) async fn invoke(&self, spec: &Spec, call: Call) -> Result<Outcome, ServiceError> {
        if let Some(wasm) = self.wasm_package(spec).await? {
            return self.invoke_wasm(spec, call, wasm).await;
        }
        let warm = self.acquire(spec)?;
        let mut inst = match warm {
            Some(inst) => inst,
            None => match self.start(spec).await {
                Ok(inst) => inst,
                Err(e) => {
                    self.release(spec, None);
                    return Err(e);
                }
            },
        };
        let outcome = self.run(spec, &mut inst, call).await;
        self.release(spec, Some(inst));
        Ok(outcome)
    }

    async fn run(&self, spec: &Spec, inst: &mut Instance, call: Call) -> Outcome {
        let cold = inst.init_duration.is_none();
        let id = call.request_id.clone();
        let timeout = Duration::from_secs(u64::from(spec.config.timeout));
        let inv = Invocation {
            request_id: id.clone(),
            payload: call.payload,
            function_arn: call.invoked_arn,
            timeout_ms: timeout.as_millis() as u64,
            client_context: call.client_context,
            identity: None,
            trace_id: format!(
                "Root=1-{:08x}-{};Parent={};Sampled=0",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                &uuid::Uuid::new_v4().simple().to_string()[..24],
                &uuid::Uuid::new_v4().simple().to_string()[..16],
            ),
        };
        let before = inst.take_output();
        let memory = u64::from(spec.config.memory);
        let (ended, duration) = inst.invoke(inv, timeout, memory).await;
        let output = inst.take_output();

        let mut pre = std::mem::take(&mut inst.init_output);
        pre.extend(before);
        self.finish(
            spec,
            &id,
            Finished {
                ended,
                duration,
                init: inst.init_duration.filter(|_| cold),
                pre,
                output,
                max_memory_mb: inst.max_memory_mb(),
                log_stream: inst.log_stream.clone(),
            },
        )
    }

    /// Frames one invocation's output with AWS's log lines, sends them to CloudWatch Logs
    /// and builds the outcome (the payload AWS returns for each way an invocation ends).
    fn finish(&self, spec: &Spec, id: &str, run: Finished) -> Outcome {
        let Finished {
            ended,
            duration,
            init,
            pre,
            output,
            max_memory_mb,
            log_stream,
        } = run;
        let timeout = Duration::from_secs(u64::from(spec.config.timeout));
        let mut lines = Vec::new();
        if init.is_some() {
            lines.push(format!(
                "INIT_START Runtime Version: {}\tRuntime Version ARN: arn:aws:lambda:{}::runtime:{}",
                runtime_version(spec.config.runtime.as_deref().unwrap_or("provided")),
                spec.key.region,
                spec.revision.replace('-', "")
            ));
        }
        lines.extend(pre);
        lines.push(format!("START RequestId: {id} Version: {}", spec.version));
        lines.extend(output);
        let secs = timeout.as_secs_f64();
        let (payload, failed, status) = match ended {
            Ended::Ok(body) => (body, false, None),
            Ended::Failed { body, .. } => (body, true, None),
            Ended::TimedOut => {
                let now = ruststack_protocol::rest::iso8601_millis(now_millis());
                lines.push(format!("{now} {id} Task timed out after {secs:.2} seconds"));
                let body = serde_json::json!({
                    "errorMessage": format!("RequestId: {id} Error: Task timed out after {secs:.2} seconds"),
                    "errorType": "Sandbox.Timedout",
                });
                (Bytes::from(body.to_string()), true, Some("timeout"))
            }
            Ended::OutOfMemory => {
                let message =
                    format!("RequestId: {id} Error: Runtime exited with error: signal: killed");
                lines.push(message.clone());
                lines.push("Runtime.OutOfMemory".to_owned());
                let body = serde_json::json!({
                    "errorType": "Runtime.OutOfMemory",
                    "errorMessage": message,
                });
                (Bytes::from(body.to_string()), true, Some("oom"))
            }
            Ended::Exited(reason) => {
                let message = format!("RequestId: {id} Error: Runtime exited with error: {reason}");
                lines.push(message.clone());
                lines.push("Runtime.ExitError".to_owned());
                let body = serde_json::json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": message,
                });
                (Bytes::from(body.to_string()), true, Some("error"))
            }
        };
        let ms = duration.as_secs_f64() * 1000.0;
        let used = match status {
            Some("oom") => u64::from(spec.config.memory),
            _ => max_memory_mb.clamp(1, u64::from(spec.config.memory)),
        };
        let mut report = format!(
            "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {used} MB\t",
            (ms.ceil() as u64).max(1),
            spec.config.memory,
        );
        if let Some(init) = init {
            report.push_str(&format!(
                "Init Duration: {:.2} ms\t",
                init.as_secs_f64() * 1000.0
            ));
        }
        match status {
            Some("timeout") => report.push_str("Status: timeout"),
            Some("oom") => report.push_str("Status: error\tError Type: Runtime.OutOfMemory"),
            Some(_) => report.push_str("Status: error\tError Type: Runtime.ExitError"),
            None => {}
        }
        lines.push(format!("END RequestId: {id}"));
        lines.push(report);
        let log_tail = tail(&lines);
        if let Some(logs) = &self.inner.logs {
            let _ = logs.send(LogBatch {
                account: spec.key.account.clone(),
                region: spec.key.region.clone(),
                group: format!("/aws/lambda/{}", spec.key.name),
                stream: log_stream,
                lines,
            });
        }
        Outcome {
            payload,
            failed,
            log_tail,
        }
    }

    /// The `bootstrap.wasm` of a `provided` package that has no `bootstrap` executable.
    async fn wasm_package(&self, spec: &Spec) -> Result<Option<PathBuf>, ServiceError> {
        let provided = spec
            .config
            .runtime
            .as_deref()
            .is_some_and(|r| r.starts_with("provided"));
        if !provided {
            return Ok(None);
        }
        let dirs = self.extract(vec![spec.code.clone()]).await?;
        let dir = &dirs[0];
        let wasm = dir.join("bootstrap.wasm");
        Ok((wasm.is_file() && !dir.join("bootstrap").exists()).then_some(wasm))
    }

    fn wasm(&self) -> Result<Arc<wasi::Wasm>, ServiceError> {
        self.inner
            .wasm
            .get_or_init(|| {
                wasi::Wasm::new()
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"))
            })
            .clone()
            .map_err(|e| error::service(format!("The WebAssembly engine could not start: {e}")))
    }

    /// Runs one call of a sandboxed WebAssembly function.
    async fn invoke_wasm(
        &self,
        spec: &Spec,
        call: Call,
        path: PathBuf,
    ) -> Result<Outcome, ServiceError> {
        let engine = self.wasm()?;
        self.acquire(spec)?;
        let id = call.request_id;
        let log_stream = stream_name(&spec.version, &spec.revision.replace('-', ""));
        let env: Vec<(String, String)> = environment(
            self,
            spec,
            "provided.al2023",
            Path::new("/"),
            &[],
            &log_stream,
        )
        .into_iter()
        .filter(|(k, _)| !HOST_PATH_VARS.contains(&k.as_str()))
        .collect();
        let digest = spec.code.sha256.clone();
        let timeout = Duration::from_secs(u64::from(spec.config.timeout));
        let memory = u64::from(spec.config.memory);
        let payload = call.payload;
        let ran = tokio::task::spawn_blocking(move || {
            let (module, compiled) = engine.module(&digest, &path)?;
            Ok::<_, String>((
                engine.run(&module, payload, &env, timeout, memory),
                compiled,
            ))
        })
        .await;
        self.release(spec, None);
        let (run, compiled) = match ran {
            Ok(Ok(done)) => done,
            Ok(Err(reason)) => {
                let body = serde_json::json!({
                    "errorType": "Runtime.InvalidEntrypoint",
                    "errorMessage": format!("RequestId: {id} Error: bootstrap.wasm is not a valid WebAssembly module: {reason}"),
                });
                return Ok(Outcome {
                    payload: Bytes::from(body.to_string()),
                    failed: true,
                    log_tail: tail(&[]),
                });
            }
            Err(e) => return Err(ServiceError::internal("ServiceException", e)),
        };
        let output = String::from_utf8_lossy(&run.stderr)
            .lines()
            .map(str::to_owned)
            .collect();
        Ok(self.finish(
            spec,
            &id,
            Finished {
                ended: run.ended,
                duration: run.duration,
                init: compiled,
                pre: Vec::new(),
                output,
                max_memory_mb: run.memory_mb,
                log_stream,
            },
        ))
    }

    /// Extracts packages (once per digest) and returns their directories.
    async fn extract(&self, packages: Vec<Code>) -> Result<Vec<PathBuf>, ServiceError> {
        let blobs = self.inner.blobs.clone();
        let code_dir = self.inner.code_dir.clone();
        tokio::task::spawn_blocking(move || {
            packages
                .iter()
                .map(|c| code::extract(&blobs, c, &code_dir))
                .collect::<io::Result<Vec<PathBuf>>>()
        })
        .await
        .map_err(|e| ServiceError::internal("ServiceException", e))?
        .map_err(|e| error::service(format!("Could not unpack the function's code: {e}")))
    }

    /// Starts a new instance of `spec`.
    async fn start(&self, spec: &Spec) -> Result<Instance, ServiceError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let log_stream = stream_name(&spec.version, &id);
        let launch = self.launch(spec, &log_stream).await?;
        let generation = self.pools().generation(&spec.key);
        Instance::start(launch, log_stream, generation)
            .await
            .map_err(|e| error::service(format!("Could not start the function's process: {e}")))
    }

    /// Extracts the package and layers and works out the command and environment.
    async fn launch(&self, spec: &Spec, log_stream: &str) -> Result<Launch, ServiceError> {
        let packages: Vec<Code> = std::iter::once(spec.code.clone())
            .chain(spec.config.layers.iter().map(|l| Code {
                sha256: l.sha256.clone(),
                size: l.size,
                blob: l.blob.clone(),
            }))
            .collect();
        let dirs = self.extract(packages).await?;
        let task_root = dirs[0].clone();
        let layers = &dirs[1..];
        let runtime = spec.config.runtime.clone().unwrap_or_default();
        let (program, args) = self.command(&runtime, &task_root, layers)?;
        let env = environment(self, spec, &runtime, &task_root, layers, log_stream);
        Ok(Launch {
            program,
            args,
            cwd: task_root,
            env,
        })
    }

    /// The program that runs `runtime`, and its arguments.
    fn command(
        &self,
        runtime: &str,
        task_root: &Path,
        layers: &[PathBuf],
    ) -> Result<(PathBuf, Vec<String>), ServiceError> {
        let runtime_dir = &self.inner.runtime_dir;
        if let Some(version) = runtime.strip_prefix("python") {
            let python = self.interpreter(&format!("python{version}"), version)?;
            let client = runtime_dir.join("python/bootstrap.py");
            return Ok((python, vec![client.display().to_string()]));
        }
        if let Some(major) = runtime
            .strip_prefix("nodejs")
            .and_then(|v| v.strip_suffix(".x"))
        {
            let node = self.interpreter("node", major)?;
            let client = runtime_dir.join("node/bootstrap.js");
            return Ok((node, vec![client.display().to_string()]));
        }
        if runtime.starts_with("provided") {
            let bootstrap = std::iter::once(task_root)
                .chain(layers.iter().rev().map(PathBuf::as_path))
                .map(|d| d.join("bootstrap"))
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    invalid_runtime(&format!(
                        "The {runtime} runtime needs an executable named bootstrap at the root of the function's package or of a layer."
                    ))
                })?;
            return Ok((bootstrap, Vec::new()));
        }
        Err(invalid_runtime(&format!(
            "The runtime {runtime} is not supported by ruststack, which runs functions on this machine: use python3.9–python3.13, nodejs18.x–nodejs22.x or provided.al2023 (a bootstrap executable)."
        )))
    }

    /// Finds `name` on `PATH` (or `python3`/`node` whose version matches `version`).
    fn interpreter(&self, name: &str, version: &str) -> Result<PathBuf, ServiceError> {
        let mut cache = match self.inner.interpreters.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let found = cache
            .entry(name.to_owned())
            .or_insert_with(|| find_interpreter(name, version))
            .clone();
        found.map_err(|reason| invalid_runtime(&reason))
    }
}

/// Variables naming host paths, left out of a sandboxed function's environment.
const HOST_PATH_VARS: [&str; 6] = [
    "PATH",
    "LD_LIBRARY_PATH",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "PYTHONPATH",
    "NODE_PATH",
];

/// `YYYY/MM/DD/[<version>]<instance id>`, the log stream of an execution environment.
fn stream_name(version: &str, id: &str) -> String {
    let date = ruststack_protocol::rest::iso8601_millis(now_millis());
    format!(
        "{}/{}/{}/[{version}]{id}",
        &date[0..4],
        &date[5..7],
        &date[8..10]
    )
}

fn invalid_runtime(message: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::BAD_GATEWAY,
        "InvalidRuntimeException",
        message.to_owned(),
    )
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `python:3.11.v1`, the shape of AWS's runtime version names.
fn runtime_version(runtime: &str) -> String {
    let (lang, version) = runtime
        .find(|c: char| c.is_ascii_digit())
        .map_or((runtime, ""), |i| runtime.split_at(i));
    format!("{lang}:{}.v1", version.trim_end_matches(".x"))
}

/// The last 4 KB of the log lines, base64-encoded (`X-Amz-Log-Result`).
fn tail(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    let bytes = text.as_bytes();
    let start = bytes.len().saturating_sub(TAIL_BYTES);
    base64_encode(&bytes[start..])
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn find_interpreter(name: &str, version: &str) -> Result<PathBuf, String> {
    if name.starts_with("python") {
        // `python3.X` itself, else a `python3` of that version. The interpreter reports its
        // real executable, which is what instances start: a wrapper on PATH (a pyenv shim
        // is a shell script that runs `pyenv exec`) would add its own start-up to every cold
        // start.
        for candidate in [name, "python3"] {
            if let Some(p) = find_on_path(candidate)
                && let Some(real) = python_of_version(&p, version)
            {
                return Ok(real);
            }
        }
        return Err(format!(
            "The runtime {name} needs the {name} interpreter, which is not on this machine's PATH. Install Python {version}, or deploy the function with the runtime of an installed Python."
        ));
    }
    let Some(node) = find_on_path("node") else {
        return Err(format!(
            "The runtime nodejs{version}.x needs Node.js {version} (`node` on PATH), which is not installed on this machine."
        ));
    };
    let out = std::process::Command::new(&node).arg("--version").output();
    let found = out
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let major = found
        .trim_start_matches('v')
        .split('.')
        .next()
        .unwrap_or("");
    if major == version {
        Ok(node)
    } else {
        Err(format!(
            "The runtime nodejs{version}.x needs Node.js {version}; `node` on this machine's PATH is {found}. Install Node.js {version}, or deploy the function with runtime nodejs{major}.x."
        ))
    }
}

/// The real executable of the Python at `path` if it is version `version` (`3.X`).
fn python_of_version(path: &Path, version: &str) -> Option<PathBuf> {
    let out = std::process::Command::new(path)
        .args([
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    if lines.next()?.trim() != version {
        return None;
    }
    let real = PathBuf::from(lines.next().unwrap_or_default().trim());
    Some(if real.is_file() {
        real
    } else {
        path.to_owned()
    })
}

/// The environment AWS gives a function, plus `AWS_ENDPOINT_URL` back to ruststack, with
/// the function's own variables on top.
fn environment(
    exec: &Executor,
    spec: &Spec,
    runtime: &str,
    task_root: &Path,
    layers: &[PathBuf],
    log_stream: &str,
) -> Vec<(String, String)> {
    let join = |parts: Vec<PathBuf>| {
        parts
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    };
    let layers_rev: Vec<&PathBuf> = layers.iter().rev().collect();
    let host_path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let mut path: Vec<PathBuf> = layers_rev.iter().map(|l| l.join("bin")).collect();
    path.push(task_root.join("bin"));
    let mut ld: Vec<PathBuf> = vec![task_root.to_path_buf(), task_root.join("lib")];
    ld.extend(layers_rev.iter().map(|l| l.join("lib")));
    let c = &spec.config;
    let endpoint = &exec.inner.endpoint_url;
    let host = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let (hostname, port) = host.rsplit_once(':').unwrap_or((host, "4566"));
    let access_key = if spec.key.account == ruststack_protocol::context::DEFAULT_ACCOUNT_ID {
        "test".to_owned()
    } else {
        spec.key.account.clone()
    };
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), format!("{}:{host_path}", join(path))),
        ("LD_LIBRARY_PATH".into(), join(ld)),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("TZ".into(), ":UTC".into()),
        ("_HANDLER".into(), c.handler.clone().unwrap_or_default()),
        ("LAMBDA_TASK_ROOT".into(), task_root.display().to_string()),
        (
            "LAMBDA_RUNTIME_DIR".into(),
            exec.inner.runtime_dir.display().to_string(),
        ),
        ("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{runtime}")),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), spec.key.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), spec.version.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            c.memory.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_TIMEOUT".into(), c.timeout.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            format!("/aws/lambda/{}", spec.key.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), log_stream.to_owned()),
        ("AWS_REGION".into(), spec.key.region.clone()),
        ("AWS_DEFAULT_REGION".into(), spec.key.region.clone()),
        ("AWS_ACCESS_KEY_ID".into(), access_key),
        ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
        ("AWS_SESSION_TOKEN".into(), "test".into()),
        ("AWS_ENDPOINT_URL".into(), endpoint.clone()),
        ("LOCALSTACK_HOSTNAME".into(), hostname.to_owned()),
        ("EDGE_PORT".into(), port.to_owned()),
        ("AWS_XRAY_CONTEXT_MISSING".into(), "LOG_ERROR".into()),
    ];
    if runtime.starts_with("python") {
        let version = runtime.trim_start_matches("python");
        let mut py = vec![exec.inner.runtime_dir.join("python")];
        for l in &layers_rev {
            py.push(l.join(format!("python/lib/python{version}/site-packages")));
            py.push(l.join("python"));
        }
        env.push(("PYTHONPATH".into(), join(py)));
        env.push(("PYTHONUNBUFFERED".into(), "1".into()));
        env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    }
    if let Some(major) = runtime
        .strip_prefix("nodejs")
        .and_then(|v| v.strip_suffix(".x"))
    {
        let mut node = Vec::new();
        for l in &layers_rev {
            node.push(l.join(format!("nodejs/node{major}/node_modules")));
            node.push(l.join("nodejs/node_modules"));
        }
        node.push(exec.inner.runtime_dir.join("node"));
        node.push(task_root.to_path_buf());
        env.push(("NODE_PATH".into(), join(node)));
    }
    if let Some(user) = &c.environment {
        for (k, v) in user {
            env.retain(|(name, _)| name != k);
            env.push((k.clone(), v.clone()));
        }
    }
    env
}
