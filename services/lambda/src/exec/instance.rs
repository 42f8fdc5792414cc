//! One function instance: a subprocess (in its own process group) whose runtime client
//! talks to a private Runtime API port, with its stdout and stderr captured from one pipe.

use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

use super::runtime_api::{self, Event, Invocation};

/// How often a running invocation's memory is checked against its limit.
const MEMORY_CHECK: Duration = Duration::from_millis(20);

/// How long a runtime may take to initialise before its first invocation fails.
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// What to start.
pub(crate) struct Launch {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) cwd: PathBuf,
    pub(crate) env: Vec<(String, String)>,
}

/// How one invocation ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The handler returned this payload.
    Ok(Bytes),
    /// The handler (or its initialisation) failed with this payload; the instance stays
    /// usable unless `fatal`.
    Failed { body: Bytes, fatal: bool },
    /// The deadline passed; the process group was killed.
    TimedOut,
    /// The process's resident memory passed the function's `MemorySize`; it was killed.
    OutOfMemory,
    /// The process exited (status text as AWS words it: `exit status 1`, `signal: killed`).
    Exited(String),
}

/// Output captured from the instance's pipe, split into lines.
struct Output {
    rx: pipe::Receiver,
    buf: Mutex<(Vec<u8>, Vec<String>)>,
}

impl Output {
    /// Reads whatever the pipe holds now, without waiting. Returns `false` at end of file.
    fn drain(&self) -> bool {
        let mut guard = match self.buf.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (partial, lines) = &mut *guard;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.rx.try_read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    partial.extend_from_slice(&chunk[..n]);
                    while let Some(pos) = partial.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = partial.drain(..=pos).collect();
                        let text = String::from_utf8_lossy(&line[..line.len() - 1]);
                        lines.push(text.trim_end_matches('\r').to_owned());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(_) => return false,
            }
        }
    }

    /// The lines read so far (a trailing partial line included), emptied.
    fn take(&self) -> Vec<String> {
        self.drain();
        let mut guard = match self.buf.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (partial, lines) = &mut *guard;
        if !partial.is_empty() {
            lines.push(String::from_utf8_lossy(partial).into_owned());
            partial.clear();
        }
        std::mem::take(lines)
    }
}

/// A running instance.
pub(crate) struct Instance {
    pub(crate) log_stream: String,
    pid: Option<u32>,
    invocations: mpsc::Sender<Invocation>,
    events: mpsc::UnboundedReceiver<Event>,
    exited: tokio::sync::watch::Receiver<Option<String>>,
    output: Arc<Output>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    started: Instant,
    /// Set once the runtime asked for its first event.
    pub(crate) init_duration: Option<Duration>,
    pub(crate) generation: (u64, u64),
    pub(crate) last_used: Instant,
    pub(crate) healthy: bool,
    /// Lines written during initialisation, not yet logged.
    pub(crate) init_output: Vec<String>,
    peak_mb: u64,
}

impl Instance {
    /// Starts the process and its Runtime API. `launch.env` gets `AWS_LAMBDA_RUNTIME_API`.
    pub(crate) async fn start(
        mut launch: Launch,
        log_stream: String,
        generation: (u64, u64),
    ) -> io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (inv_tx, inv_rx) = mpsc::channel(1);
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let server = runtime_api::serve(listener, inv_rx, ev_tx);
        launch
            .env
            .push(("AWS_LAMBDA_RUNTIME_API".to_owned(), addr.to_string()));
        let (reader, writer) = io::pipe()?;
        let mut cmd = tokio::process::Command::new(&launch.program);
        cmd.args(&launch.args)
            .current_dir(&launch.cwd)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer)
            .process_group(0)
            .kill_on_drop(true);
        let started = Instant::now();
        let spawned = cmd.spawn();
        drop(cmd);
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                return Err(e);
            }
        };
        let pid = child.id();
        let output = Arc::new(Output {
            rx: pipe::Receiver::from_owned_fd(reader.into())?,
            buf: Mutex::new((Vec::new(), Vec::new())),
        });
        let reader_output = output.clone();
        let reader = tokio::spawn(async move {
            loop {
                if reader_output.rx.readable().await.is_err() || !reader_output.drain() {
                    break;
                }
            }
        });
        let (exit_tx, exit_rx) = tokio::sync::watch::channel(None);
        let waiter = tokio::spawn(async move {
            let status = child.wait().await;
            let text = match status {
                Ok(s) => status_text(s),
                Err(e) => e.to_string(),
            };
            let _ = exit_tx.send(Some(text));
        });
        Ok(Self {
            log_stream,
            pid,
            invocations: inv_tx,
            events: ev_rx,
            exited: exit_rx,
            output,
            tasks: vec![server, reader, waiter],
            started,
            init_duration: None,
            generation,
            last_used: Instant::now(),
            healthy: true,
            init_output: Vec::new(),
            peak_mb: 0,
        })
    }

    /// Runs one invocation to its end. `timeout` and `memory_mb` are the function's limits.
    /// Returns how it ended and how long the invocation itself took (initialisation
    /// excluded).
    pub(crate) async fn invoke(
        &mut self,
        inv: Invocation,
        timeout: Duration,
        memory_mb: u64,
    ) -> (Ended, Duration) {
        let request_id = inv.request_id.clone();
        let mut begun = Instant::now();
        if self.invocations.send(inv).await.is_err() {
            self.healthy = false;
            let reason = "Runtime exited without providing a reason".to_owned();
            return (Ended::Exited(reason), Duration::ZERO);
        }
        let mut deadline = if self.init_duration.is_some() {
            tokio::time::Instant::now() + timeout
        } else {
            tokio::time::Instant::from_std(self.started) + INIT_LIMIT.max(timeout)
        };
        let mut memory_check =
            tokio::time::interval_at(tokio::time::Instant::now() + MEMORY_CHECK, MEMORY_CHECK);
        memory_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let ended = loop {
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(Event::Ready) => {
                        if self.init_duration.is_none() {
                            self.init_duration = Some(self.started.elapsed());
                            self.init_output = self.output.take();
                            begun = Instant::now();
                            deadline = tokio::time::Instant::now() + timeout;
                        }
                    }
                    Some(Event::Response(id, body)) if id == request_id => break Ended::Ok(body),
                    Some(Event::Error(id, body)) if id == request_id => {
                        break Ended::Failed { body, fatal: false };
                    }
                    Some(Event::InitError(body)) => break Ended::Failed { body, fatal: true },
                    Some(_) => {}
                    None => break Ended::Exited("Runtime exited without providing a reason".to_owned()),
                },
                changed = self.exited.changed() => {
                    if changed.is_err() {
                        break Ended::Exited("Runtime exited without providing a reason".to_owned());
                    }
                    let status = self.exited.borrow().clone();
                    if let Some(status) = status {
                        // A result posted just before exiting wins.
                        if let Ok(Event::Response(id, body)) = self.events.try_recv()
                            && id == request_id
                        {
                            break Ended::Ok(body);
                        }
                        break Ended::Exited(status);
                    }
                }
                () = tokio::time::sleep_until(deadline) => break Ended::TimedOut,
                _ = memory_check.tick() => {
                    if self.read_status_mb("VmRSS:") > memory_mb {
                        break Ended::OutOfMemory;
                    }
                }
            }
        };
        self.peak_mb = self.read_peak_mb().max(self.peak_mb);
        match &ended {
            Ended::Ok(_) | Ended::Failed { fatal: false, .. } => {}
            _ => {
                self.healthy = false;
                self.kill();
            }
        }
        self.last_used = Instant::now();
        (ended, begun.elapsed())
    }

    /// Lines the instance wrote since the last call.
    pub(crate) fn take_output(&self) -> Vec<String> {
        self.output.take()
    }

    /// Peak resident memory of the process, in MB, as of the end of the last invocation.
    pub(crate) fn max_memory_mb(&self) -> u64 {
        self.peak_mb
    }

    /// Reads the process's peak resident memory (`VmHWM`), in MB.
    fn read_peak_mb(&self) -> u64 {
        self.read_status_mb("VmHWM:")
    }

    /// A memory figure of the process from `/proc/<pid>/status`, in MB (0 when unknown).
    fn read_status_mb(&self, field: &str) -> u64 {
        let Some(pid) = self.pid else { return 0 };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map_or(0, |kb| kb.div_ceil(1024))
    }

    /// Whether the process is still running.
    pub(crate) fn alive(&self) -> bool {
        self.healthy && self.exited.borrow().is_none()
    }

    /// Kills the whole process group.
    pub(crate) fn kill(&mut self) {
        self.healthy = false;
        if let Some(pid) = self.pid.take().and_then(|p| i32::try_from(p).ok())
            && let Some(pid) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// An exit status as the Lambda service words it.
fn status_text(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(9)) => "signal: killed".to_owned(),
        (None, Some(sig)) => format!("signal: {sig}"),
        (None, None) => "exit status unknown".to_owned(),
    }
}
