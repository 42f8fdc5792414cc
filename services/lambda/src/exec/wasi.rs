//! Sandboxed WebAssembly functions: a `provided.al2023` package whose root holds
//! `bootstrap.wasm` runs as a WASI (preview 1) command inside wasmtime instead of as a
//! process. The event is its stdin and its stdout is the response; stderr goes to the log.
//! Its linear memory is limited to `MemorySize`, its time to the function's timeout (by
//! epoch interruption), and it gets no files, sockets or clocks beyond what WASI grants
//! without preopens. Each code version is compiled once and kept; every invocation gets a
//! fresh instance.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use wasmtime::{Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

use super::instance::Ended;
use super::runtime_api::MAX_RESPONSE;

/// The epoch tick: timeouts are enforced to within this.
const TICK: Duration = Duration::from_millis(5);
/// How much stderr output of one invocation is kept for the log.
const MAX_STDERR: usize = 1024 * 1024;

struct Ctx {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// How a WebAssembly invocation went.
pub(crate) struct WasmRun {
    pub(crate) ended: Ended,
    pub(crate) duration: Duration,
    pub(crate) stderr: Vec<u8>,
    pub(crate) memory_mb: u64,
}

/// The engine, the WASI linker and the compiled modules.
pub(crate) struct Wasm {
    engine: Engine,
    linker: Linker<Ctx>,
    modules: Mutex<HashMap<String, Module>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Wasm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Wasm {
    /// Builds the engine and starts its epoch ticker.
    pub(crate) fn new() -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        let mut linker: Linker<Ctx> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |ctx: &mut Ctx| &mut ctx.wasi)?;
        let stop = Arc::new(AtomicBool::new(false));
        let (ticker, stopped) = (engine.clone(), stop.clone());
        std::thread::Builder::new()
            .name("lambda-wasm-epoch".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    ticker.increment_epoch();
                }
            })?;
        Ok(Self {
            engine,
            linker,
            modules: Mutex::new(HashMap::new()),
            stop,
        })
    }

    /// The compiled module for a code version, compiling it on first use. Returns the
    /// compile time when it was compiled now. Blocking.
    pub(crate) fn module(
        &self,
        digest: &str,
        path: &Path,
    ) -> Result<(Module, Option<Duration>), String> {
        if let Some(m) = self.lock().get(digest) {
            return Ok((m.clone(), None));
        }
        let started = Instant::now();
        let module = Module::from_file(&self.engine, path).map_err(|e| format!("{e:#}"))?;
        let took = started.elapsed();
        self.lock().insert(digest.to_owned(), module.clone());
        Ok((module, Some(took)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Module>> {
        match self.modules.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Runs one invocation of `module` to its end. Blocking.
    pub(crate) fn run(
        &self,
        module: &Module,
        payload: Bytes,
        env: &[(String, String)],
        timeout: Duration,
        memory_mb: u64,
    ) -> WasmRun {
        let stdout = MemoryOutputPipe::new(MAX_RESPONSE + 1);
        let stderr = MemoryOutputPipe::new(MAX_STDERR);
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdin(MemoryInputPipe::new(payload))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&["bootstrap.wasm"]);
        for (k, v) in env {
            builder.env(k, v);
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(memory_mb * 1024 * 1024).unwrap_or(usize::MAX))
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            Ctx {
                wasi: builder.build_p1(),
                limits,
            },
        );
        store.limiter(|ctx| &mut ctx.limits);
        let ticks = timeout.as_micros().div_ceil(TICK.as_micros()) as u64 + 1;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let started = Instant::now();
        let result = self
            .linker
            .instantiate(&mut store, module)
            .and_then(|instance| {
                let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
                let result = start.call(&mut store, ());
                let memory = instance
                    .get_memory(&mut store, "memory")
                    .map_or(0, |m| m.data_size(&store));
                result.map(|()| memory)
            });
        let duration = started.elapsed();
        let (ended, memory) = match result {
            Ok(memory) => (Ended::Ok(Bytes::new()), memory),
            Err(e) => (classify(&e), 0),
        };
        let ended = match ended {
            Ended::Ok(_) => {
                let out = stdout.contents();
                if out.len() > MAX_RESPONSE {
                    Ended::Failed {
                        body: Bytes::from(format!(
                            r#"{{"errorMessage":"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE} bytes).","errorType":"Function.ResponseSizeTooLarge"}}"#
                        )),
                        fatal: false,
                    }
                } else if out.iter().all(u8::is_ascii_whitespace) {
                    Ended::Ok(Bytes::from_static(b"null"))
                } else {
                    Ended::Ok(out)
                }
            }
            other => other,
        };
        WasmRun {
            ended,
            duration,
            stderr: stderr.contents().to_vec(),
            memory_mb: (memory as u64).div_ceil(1024 * 1024),
        }
    }
}

/// How a failed run ended: a WASI exit (0 is success), the deadline, memory, or a trap.
fn classify(e: &wasmtime::Error) -> Ended {
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return if exit.0 == 0 {
            Ended::Ok(Bytes::new())
        } else {
            Ended::Exited(format!("exit status {}", exit.0))
        };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Ended::TimedOut,
        Some(trap) => Ended::Exited(format!("wasm trap: {trap}")),
        None if format!("{e:#}").contains("forcing trap when growing memory") => Ended::OutOfMemory,
        None => Ended::Exited(format!("{e:#}")),
    }
}
