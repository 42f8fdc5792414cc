//! Init hooks, LocalStack's convention: scripts in `<init-dir>/{boot,start,ready,shutdown}.d`,
//! found recursively and run in lexicographic order of their relative path. `*.sh` files are
//! executed directly (they must be executable), `*.py` files with `python3`; other files are
//! ignored. Output is logged line by line; a failing script is logged and the stage goes on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Value, json};

/// A lifecycle stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Stage {
    /// Before the gateway listens (no AWS APIs yet).
    Boot,
    /// Once the gateway listens.
    Start,
    /// Once the gateway serves; `Ready.` is printed after these scripts finish.
    Ready,
    /// On shutdown, after requests have drained.
    Shutdown,
}

impl Stage {
    /// Every stage, in lifecycle order.
    pub const ALL: [Stage; 4] = [Stage::Boot, Stage::Start, Stage::Ready, Stage::Shutdown];

    fn dir(self) -> &'static str {
        match self {
            Stage::Boot => "boot.d",
            Stage::Start => "start.d",
            Stage::Ready => "ready.d",
            Stage::Shutdown => "shutdown.d",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Stage::Boot => "BOOT",
            Stage::Start => "START",
            Stage::Ready => "READY",
            Stage::Shutdown => "SHUTDOWN",
        }
    }

    /// Parses a stage name as used in `/_localstack/init/<stage>` (any case).
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(name))
    }
}

/// A script's state, as `/_localstack/init` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ScriptState {
    /// Not run yet.
    Unknown,
    /// Running now.
    Running,
    /// Exited with status 0.
    Successful,
    /// Failed to start or exited non-zero.
    Error,
}

#[derive(Clone, Debug, Serialize)]
struct Script {
    stage: Stage,
    name: String,
    state: ScriptState,
    #[serde(skip)]
    path: PathBuf,
}

#[derive(Debug, Default)]
struct Status {
    completed: [bool; 4],
    scripts: Vec<Script>,
}

/// The init scripts of one server and their states.
#[derive(Debug, Default)]
pub struct InitHooks {
    status: Mutex<Status>,
}

impl InitHooks {
    /// Finds the scripts under `root` (a missing directory means no scripts).
    pub fn discover(root: &Path) -> Self {
        let mut scripts = Vec::new();
        for stage in Stage::ALL {
            let dir = root.join(stage.dir());
            let mut found = Vec::new();
            collect(&dir, &dir, &mut found);
            found.sort();
            scripts.extend(found.into_iter().map(|name| Script {
                stage,
                path: dir.join(&name),
                name,
                state: ScriptState::Unknown,
            }));
        }
        Self {
            status: Mutex::new(Status {
                completed: [false; 4],
                scripts,
            }),
        }
    }

    /// Runs a stage's scripts one after another with `env` added to their environment.
    pub async fn run_stage(&self, stage: Stage, env: &[(&str, String)]) {
        let scripts: Vec<(usize, PathBuf, String)> = self
            .lock()
            .scripts
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stage == stage)
            .map(|(i, s)| (i, s.path.clone(), s.name.clone()))
            .collect();
        for (index, path, name) in scripts {
            self.set_state(index, ScriptState::Running);
            let state = run_script(stage, &path, &name, env).await;
            self.set_state(index, state);
        }
        self.lock().completed[stage as usize] = true;
    }

    /// `/_localstack/init`, or `/_localstack/init/<stage>` when `stage` is given.
    pub fn report(&self, stage: Option<Stage>) -> Value {
        let status = self.lock();
        let scripts: Vec<&Script> = status
            .scripts
            .iter()
            .filter(|s| stage.is_none_or(|st| s.stage == st))
            .collect();
        match stage {
            Some(stage) => {
                json!({ "completed": status.completed[stage as usize], "scripts": scripts })
            }
            None => {
                let completed: serde_json::Map<String, Value> = Stage::ALL
                    .iter()
                    .map(|s| {
                        (
                            s.key().to_owned(),
                            Value::Bool(status.completed[*s as usize]),
                        )
                    })
                    .collect();
                json!({ "completed": completed, "scripts": scripts })
            }
        }
    }

    fn set_state(&self, index: usize, state: ScriptState) {
        if let Some(script) = self.lock().scripts.get_mut(index) {
            script.state = state;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Status> {
        // A poisoned lock only means a panic elsewhere; the status itself is still valid.
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("sh" | "py"))
            && let Ok(relative) = path.strip_prefix(base)
        {
            out.push(relative.to_string_lossy().into_owned());
        }
    }
}

async fn run_script(stage: Stage, path: &Path, name: &str, env: &[(&str, String)]) -> ScriptState {
    let mut command = if path.extension().is_some_and(|e| e == "py") {
        let mut c = tokio::process::Command::new("python3");
        c.arg(path);
        c
    } else {
        tokio::process::Command::new(path)
    };
    // A script still running when ruststack stops (a signal during ready.d) is killed with it.
    command
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    tracing::info!(stage = stage.key(), script = name, "running init script");
    match command.output().await {
        Ok(output) => {
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                tracing::info!(script = name, "{line}");
            }
            for line in String::from_utf8_lossy(&output.stderr).lines() {
                tracing::warn!(script = name, "{line}");
            }
            if output.status.success() {
                ScriptState::Successful
            } else {
                tracing::error!(script = name, status = %output.status, "init script failed");
                ScriptState::Error
            }
        }
        Err(e) => {
            tracing::error!(script = name, error = %e, "init script could not be started");
            ScriptState::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[tokio::test]
    async fn runs_in_order_and_survives_failures() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out.txt");
        let ready = root.path().join("ready.d");
        script(
            &ready.join("02-second.sh"),
            &format!("#!/bin/sh\necho second >> {}\n", out.display()),
        );
        script(&ready.join("01-fail.sh"), "#!/bin/sh\nexit 3\n");
        script(
            &ready.join("00-dir/a.sh"),
            &format!("#!/bin/sh\necho \"$GREETING\" >> {}\n", out.display()),
        );
        std::fs::write(ready.join("notes.txt"), "ignored").unwrap();
        let hooks = InitHooks::discover(root.path());
        assert_eq!(hooks.report(Some(Stage::Ready))["completed"], false);
        hooks
            .run_stage(Stage::Ready, &[("GREETING", "hi".into())])
            .await;
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "hi\nsecond\n");
        let report = hooks.report(None);
        assert_eq!(report["completed"]["READY"], true);
        assert_eq!(report["completed"]["BOOT"], false);
        let states: Vec<(String, String)> = report["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().into(),
                    s["state"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            states,
            vec![
                ("00-dir/a.sh".into(), "SUCCESSFUL".into()),
                ("01-fail.sh".into(), "ERROR".into()),
                ("02-second.sh".into(), "SUCCESSFUL".into()),
            ]
        );
        assert_eq!(report["scripts"][0]["stage"], "READY");
    }

    #[test]
    fn missing_directory_has_no_scripts() {
        let hooks = InitHooks::discover(Path::new("/nonexistent/ruststack/init"));
        assert_eq!(hooks.report(None)["scripts"], json!([]));
        assert_eq!(Stage::from_name("ready"), Some(Stage::Ready));
        assert_eq!(Stage::from_name("later"), None);
    }
}
