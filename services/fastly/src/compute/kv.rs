//! Live KV stores: the one set of KV stores every loaded app reads and writes, kept in step
//! with the database both ways without rebuilding an app.
//!
//! viceroy-lib keeps KV entries in an `ObjectStores` whose clones share their contents, but
//! it gives the host no way to name a key: its key types are private. So the host works on
//! the stores as an app does, through a second, tiny guest (`kv_admin.wat`, compiled in a few
//! milliseconds) built with a clone of the same `ObjectStores`. Each call hands it a batch of
//! commands (insert, delete, lookup, list) and reads back one result per command. Its
//! context is built when needed and dropped a second after its last use.
//!
//! - A management API write commits to the database, then the same change is made here
//!   before the API call returns: the next request of any app sees it.
//! - A write an app makes through the guest API lands only here. The stores are compared
//!   with the database by generation and what changed is committed: before every management
//!   API read or write of KV, and shortly after each response of an app that can write (see
//!   [`writes_kv`]; scheduled by `Compute::settle_soon`).
//! - The set of stores is fixed when an `ObjectStores` is made, so a new, renamed or deleted
//!   KV store makes a new one (filled from the database) and new app contexts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use viceroy_lib::config::{FastlyConfig, ObjectStores, UnknownImportBehavior};

use crate::Fastly;
use crate::state::KvEntry;
use viceroy_lib::{ExecuteCtx, ProfilingConfig, WasmFeatures};

/// The admin guest's source.
pub(crate) const ADMIN_WAT: &str = include_str!("kv_admin.wat");

/// Commands are sent in calls of about this many bytes (a guest has 128 MiB of memory).
const CALL_BYTES: usize = 16 * 1024 * 1024;

/// One command for the admin guest.
#[derive(Debug, Clone)]
pub(crate) enum Cmd {
    /// Overwrites a key; its result is the new value's generation.
    Insert {
        store: String,
        key: String,
        value: Vec<u8>,
        metadata: Option<String>,
        ttl_secs: u32,
    },
    Delete {
        store: String,
        key: String,
    },
    /// Looks a key up, with or without its value.
    Lookup {
        store: String,
        key: String,
        body: bool,
    },
    /// Lists every key of a store.
    List {
        store: String,
    },
}

/// A command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Inserted (with the value's generation) or deleted.
    Done(Option<u64>),
    Missing,
    Found {
        generation: u64,
        metadata: Option<String>,
        value: Option<Vec<u8>>,
    },
    Listed(Vec<String>),
    /// The guest's result code (see `kv_admin.wat`).
    Failed(u32),
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn encode(cmd: &Cmd, out: &mut Vec<u8>) {
    let (op, store, key) = match cmd {
        Cmd::Insert { store, key, .. } => (1u32, store, key.as_str()),
        Cmd::Delete { store, key } => (2, store, key.as_str()),
        Cmd::Lookup { store, key, .. } => (3, store, key.as_str()),
        Cmd::List { store } => (4, store, ""),
    };
    out.extend_from_slice(&op.to_le_bytes());
    put_field(out, store.as_bytes());
    put_field(out, key.as_bytes());
    match cmd {
        Cmd::Insert {
            value,
            metadata,
            ttl_secs,
            ..
        } => {
            put_field(out, metadata.as_deref().unwrap_or_default().as_bytes());
            out.extend_from_slice(&ttl_secs.to_le_bytes());
            put_field(out, value);
        }
        Cmd::Lookup { body, .. } => out.extend_from_slice(&u32::from(*body).to_le_bytes()),
        Cmd::Delete { .. } | Cmd::List { .. } => {}
    }
}

/// Reads the guest's results, one per command.
fn decode(cmds: &[Cmd], bytes: &[u8]) -> Result<Vec<Outcome>, String> {
    let short = || "the KV admin guest's answer is cut short".to_owned();
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let end = at
            .checked_add(n)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(short)?;
        let slice = &bytes[at..end];
        at = end;
        Ok(slice)
    };
    fn word(b: &[u8]) -> u32 {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    let mut out = Vec::with_capacity(cmds.len());
    for cmd in cmds {
        let code = word(take(4)?);
        if code == 3 {
            out.push(Outcome::Missing);
            continue;
        }
        if code != 1 {
            out.push(Outcome::Failed(code));
            continue;
        }
        out.push(match cmd {
            Cmd::Insert { .. } => {
                let g = take(8)?;
                Outcome::Done(Some(u64::from_le_bytes(g.try_into().map_err(|_| short())?)))
            }
            Cmd::Delete { .. } => Outcome::Done(None),
            Cmd::Lookup { body, .. } => {
                let g = take(8)?;
                let generation = u64::from_le_bytes(g.try_into().map_err(|_| short())?);
                let len = word(take(4)?) as usize;
                let metadata = take(len)?;
                let metadata =
                    (!metadata.is_empty()).then(|| String::from_utf8_lossy(metadata).into_owned());
                let value = if *body {
                    let len = word(take(4)?) as usize;
                    Some(take(len)?.to_vec())
                } else {
                    None
                };
                Outcome::Found {
                    generation,
                    metadata,
                    value,
                }
            }
            Cmd::List { .. } => {
                let len = word(take(4)?) as usize;
                let listing: serde_json::Value =
                    serde_json::from_slice(take(len)?).map_err(|e| e.to_string())?;
                Outcome::Listed(
                    listing["data"]
                        .as_array()
                        .map(|keys| {
                            keys.iter()
                                .filter_map(|k| k.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            }
        });
    }
    Ok(out)
}

/// The KV stores loaded apps share, and the guest that reaches into them.
pub(crate) struct LiveKv {
    pub(crate) stores: ObjectStores,
    /// Store name → id, as the stores were made.
    pub(crate) names: BTreeMap<String, String>,
    admin: Arc<Admin>,
    /// (store name, key) → the generation, here, of the value the database holds.
    pub(crate) seen: HashMap<(String, String), u64>,
    /// Set when a change could not be made here: these stores no longer hold what the
    /// database holds, so they are not compared with it, and the next build replaces them.
    pub(crate) stale: bool,
}

/// How long the admin guest's context stays after its last use. Every context runs a thread
/// that ticks every 50 µs, so it is built when needed (a few milliseconds) and dropped soon
/// after, not kept beside every loaded app.
const ADMIN_IDLE: Duration = Duration::from_secs(1);

/// The admin guest: its source, and its context while it is in use.
struct Admin {
    wat: PathBuf,
    stores: ObjectStores,
    /// The context and when it was last used. While there is one, a task waits to drop it.
    ctx: Mutex<(Option<Arc<ExecuteCtx>>, Instant)>,
}

impl Admin {
    /// The context, built if there is none; a task drops it once it has been idle for
    /// [`ADMIN_IDLE`].
    async fn ctx(self: &Arc<Self>) -> Result<Arc<ExecuteCtx>, String> {
        let existing = self.lock().0.clone();
        let ctx = match existing {
            Some(ctx) => ctx,
            None => {
                let (wat, stores) = (self.wat.clone(), self.stores.clone());
                super::on_build_thread(move || {
                    ExecuteCtx::build(
                        &wat,
                        ProfilingConfig::None,
                        HashSet::new(),
                        UnknownImportBehavior::LinkError,
                        false,
                        WasmFeatures::default(),
                    )
                    .map_err(|e| e.to_string())?
                    .with_object_stores(stores)
                    .with_log_stdout(false)
                    .with_log_stderr(false)
                    .finish()
                    .map_err(|e| format!("the KV admin guest could not be built: {e:#}"))
                })
                .await?
            }
        };
        let mut slot = self.lock();
        slot.1 = Instant::now();
        if slot.0.replace(ctx.clone()).is_none() {
            let admin = Arc::downgrade(self);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ADMIN_IDLE).await;
                    let Some(admin) = admin.upgrade() else { break };
                    let mut slot = admin.lock();
                    if slot.1.elapsed() >= ADMIN_IDLE {
                        slot.0 = None;
                        break;
                    }
                }
            });
        }
        Ok(ctx)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<Arc<ExecuteCtx>>, Instant)> {
        crate::lock(&self.ctx)
    }
}

impl LiveKv {
    /// Makes empty stores named `names` (name → id); the admin guest's source is at
    /// `admin_wat`.
    pub(crate) fn new(names: BTreeMap<String, String>, admin_wat: &Path) -> Result<Self, String> {
        let mut toml = String::from("[local_server.kv_stores]\n");
        for name in names.keys() {
            toml.push_str(&format!(
                "{} = []\n",
                serde_json::Value::String(name.clone())
            ));
        }
        let config: FastlyConfig = toml
            .parse()
            .map_err(|e| format!("the KV stores could not be made: {e}"))?;
        let stores = config.object_stores().clone();
        Ok(Self {
            admin: Arc::new(Admin {
                wat: admin_wat.to_owned(),
                stores: stores.clone(),
                ctx: Mutex::new((None, Instant::now())),
            }),
            stores,
            names,
            seen: HashMap::new(),
            stale: false,
        })
    }

    /// Runs `cmds`, in order, and returns their results.
    pub(crate) async fn run(&self, cmds: &[Cmd]) -> Result<Vec<Outcome>, String> {
        if cmds.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(cmds.len());
        let mut start = 0;
        while start < cmds.len() {
            let mut body = Vec::new();
            let mut end = start;
            while end < cmds.len() && (end == start || body.len() < CALL_BYTES) {
                encode(&cmds[end], &mut body);
                end += 1;
            }
            let answer = self.call(body).await?;
            out.extend(decode(&cmds[start..end], &answer)?);
            start = end;
        }
        Ok(out)
    }

    async fn call(&self, body: Vec<u8>) -> Result<bytes::Bytes, String> {
        let req = hyper014::Request::post("http://kv-admin.localhost/")
            .body(hyper014::Body::from(body))
            .map_err(|e| e.to_string())?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let (resp, trap) = self
            .admin
            .ctx()
            .await?
            .handle_request(req, addr, addr)
            .await
            .map_err(|e| format!("the KV admin guest failed: {e}"))?;
        if let Some(trap) = trap {
            return Err(format!("the KV admin guest failed: {trap:#}"));
        }
        hyper014::body::to_bytes(resp.into_body())
            .await
            .map_err(|e| format!("the KV admin guest's answer failed: {e}"))
    }
}

impl LiveKv {
    /// The insert that gives `entry` of store `name` its place here.
    fn insert(name: &str, key: &str, entry: &KvEntry, now: i64) -> Cmd {
        let ttl_secs = entry.expires_at.map_or(0, |at| {
            u32::try_from(((at - now).max(1) + 999) / 1000).unwrap_or(u32::MAX)
        });
        Cmd::Insert {
            store: name.to_owned(),
            key: key.to_owned(),
            value: entry.value.clone(),
            metadata: entry.metadata.clone().filter(|m| !m.is_empty()),
            ttl_secs,
        }
    }

    /// Records the generations the inserts and deletes in `cmds` left.
    fn note(&mut self, cmds: &[Cmd], outcomes: Vec<Outcome>) {
        for (cmd, outcome) in cmds.iter().zip(outcomes) {
            match (cmd, outcome) {
                (Cmd::Insert { store, key, .. }, Outcome::Done(Some(generation))) => {
                    self.seen.insert((store.clone(), key.clone()), generation);
                }
                (Cmd::Delete { store, key }, Outcome::Done(_) | Outcome::Missing) => {
                    self.seen.remove(&(store.clone(), key.clone()));
                }
                (Cmd::Insert { store, key, .. } | Cmd::Delete { store, key }, outcome) => {
                    tracing::warn!(store = %store, key = %key, result = ?outcome, "a KV entry could not be given to Compute apps");
                }
                _ => {}
            }
        }
    }

    /// Fills the new stores with every live entry of the database.
    pub(crate) async fn fill(&mut self, fastly: &Fastly) -> Result<(), String> {
        let cmds: Vec<Cmd> = {
            let state = fastly.read();
            let now = fastly.now();
            state
                .kv
                .values()
                .filter(|s| self.names.contains_key(&s.meta.name))
                .flat_map(|s| {
                    s.entries
                        .iter()
                        .filter(|(_, e)| e.live(now))
                        .map(|(k, e)| Self::insert(&s.meta.name, k, e, now))
                })
                .collect()
        };
        let outcomes = self.run(&cmds).await?;
        self.note(&cmds, outcomes);
        Ok(())
    }

    /// Gives the stores the database's entries `changed` (store id, key) now hold: their
    /// values, or their absence. A store these stores do not have is left to the next ones.
    pub(crate) async fn mirror(&mut self, fastly: &Fastly, changed: Vec<(String, String)>) {
        let cmds: Vec<Cmd> = {
            let state = fastly.read();
            let now = fastly.now();
            changed
                .into_iter()
                .filter_map(|(id, key)| {
                    let store = state.kv.get(&id)?;
                    let name = &store.meta.name;
                    if self.names.get(name) != Some(&id) {
                        return None;
                    }
                    Some(match store.entries.get(&key).filter(|e| e.live(now)) {
                        Some(entry) => Self::insert(name, &key, entry, now),
                        None => Cmd::Delete {
                            store: name.clone(),
                            key,
                        },
                    })
                })
                .collect()
        };
        if cmds.is_empty() {
            return;
        }
        match self.run(&cmds).await {
            Ok(outcomes) => self.note(&cmds, outcomes),
            Err(e) => {
                tracing::error!(error = %e, "KV changes could not be given to Compute apps; they get new stores");
                self.stale = true;
                fastly.stores_changed();
            }
        }
    }

    /// Commits to the database what apps have written to the stores since the last time:
    /// every key whose generation here is not the one of the database's value.
    pub(crate) async fn settle(&mut self, fastly: &Fastly) -> Result<(), String> {
        if self.stale {
            // A key missing here may be one the database has and these stores never got.
            return Ok(());
        }
        // What the database holds, as these stores name it.
        let known: Vec<(String, String, Vec<String>)> = {
            let state = fastly.read();
            let now = fastly.now();
            self.names
                .iter()
                .filter_map(|(name, id)| {
                    let store = state.kv.get(id)?;
                    let keys = store
                        .entries
                        .iter()
                        .filter(|(_, e)| e.live(now))
                        .map(|(k, _)| k.clone())
                        .collect();
                    Some((name.clone(), id.clone(), keys))
                })
                .collect()
        };
        let mut cmds = Vec::new();
        for (name, _, keys) in &known {
            cmds.push(Cmd::List {
                store: name.clone(),
            });
            cmds.extend(keys.iter().map(|k| Cmd::Lookup {
                store: name.clone(),
                key: k.clone(),
                body: false,
            }));
        }
        let outcomes = self.run(&cmds).await?;
        let mut fetch = Vec::new();
        let mut deleted = Vec::new();
        let mut outcomes = outcomes.into_iter();
        for (name, id, keys) in &known {
            let listed = match outcomes.next() {
                Some(Outcome::Listed(listed)) => listed,
                other => return Err(format!("store {name} could not be listed: {other:?}")),
            };
            let keys_set: HashSet<&String> = keys.iter().collect();
            for key in keys {
                let seen = self.seen.get(&(name.clone(), key.clone())).copied();
                match outcomes.next() {
                    Some(Outcome::Found { generation, .. }) if Some(generation) != seen => {
                        fetch.push((id.clone(), name.clone(), key.clone()));
                    }
                    Some(Outcome::Missing) => deleted.push((id.clone(), name.clone(), key.clone())),
                    _ => {}
                }
            }
            fetch.extend(
                listed
                    .into_iter()
                    .filter(|k| !keys_set.contains(k))
                    .map(|k| (id.clone(), name.clone(), k)),
            );
        }
        if fetch.is_empty() && deleted.is_empty() {
            return Ok(());
        }
        let cmds: Vec<Cmd> = fetch
            .iter()
            .map(|(_, name, key)| Cmd::Lookup {
                store: name.clone(),
                key: key.clone(),
                body: true,
            })
            .collect();
        let outcomes = self.run(&cmds).await?;
        let mut writes = Vec::new();
        for ((id, name, key), outcome) in fetch.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Found {
                    generation,
                    metadata,
                    value: Some(value),
                } => {
                    self.seen.insert((name, key.clone()), generation);
                    writes.push((id, key, Some((value, metadata))));
                }
                Outcome::Missing => {
                    self.seen.remove(&(name, key.clone()));
                    writes.push((id, key, None));
                }
                _ => {}
            }
        }
        for (id, name, key) in deleted {
            self.seen.remove(&(name, key.clone()));
            writes.push((id, key, None));
        }
        let count = writes.len();
        fastly
            .apply(move |f| crate::ops::kv::apply_app_writes(f, writes))
            .await
            .map_err(|e| e.message().to_owned())?;
        tracing::debug!(entries = count, "committed the KV writes of Compute apps");
        Ok(())
    }
}

/// Whether an app can write to KV stores: a core module importing a KV write, or a
/// component (whose imports are not looked into). Unreadable files count as writers.
pub(crate) fn writes_kv(path: &Path) -> bool {
    use wasmparser::{Encoding, Parser, Payload};
    let Ok(bytes) = std::fs::read(path) else {
        return true;
    };
    let binary = if bytes.starts_with(b"\0asm") {
        bytes
    } else {
        match wat::parse_bytes(&bytes) {
            Ok(b) => b.into_owned(),
            Err(_) => return true,
        }
    };
    for payload in Parser::new(0).parse_all(&binary) {
        match payload {
            Ok(Payload::Version {
                encoding: Encoding::Component,
                ..
            })
            | Err(_) => return true,
            Ok(Payload::ImportSection(imports)) => {
                return imports.into_imports().any(|i| match i {
                    Ok(i) => matches!(
                        (i.module, i.name),
                        ("fastly_kv_store", "insert" | "delete")
                            | (
                                "fastly_object_store",
                                "insert" | "insert_async" | "delete_async"
                            )
                    ),
                    Err(_) => true,
                });
            }
            // Imports come before code: none so far means none.
            Ok(Payload::CodeSectionStart { .. }) => return false,
            Ok(_) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    #[test]
    fn commands_encode_as_the_guest_reads_them() {
        let mut out = Vec::new();
        encode(
            &Cmd::Insert {
                store: "s".into(),
                key: "k".into(),
                value: b"vv".to_vec(),
                metadata: None,
                ttl_secs: 9,
            },
            &mut out,
        );
        let want = [
            word(1),
            word(1),
            b"s".to_vec(),
            word(1),
            b"k".to_vec(),
            word(0),
            word(9),
            word(2),
            b"vv".to_vec(),
        ]
        .concat();
        assert_eq!(out, want);
        out.clear();
        encode(&Cmd::List { store: "s".into() }, &mut out);
        assert_eq!(out, [word(4), word(1), b"s".to_vec(), word(0)].concat());
    }

    #[test]
    fn results_decode_per_command() {
        let cmds = [
            Cmd::Insert {
                store: "s".into(),
                key: "k".into(),
                value: vec![],
                metadata: None,
                ttl_secs: 0,
            },
            Cmd::Lookup {
                store: "s".into(),
                key: "k".into(),
                body: true,
            },
            Cmd::Lookup {
                store: "s".into(),
                key: "x".into(),
                body: false,
            },
            Cmd::List { store: "s".into() },
            Cmd::Delete {
                store: "t".into(),
                key: "k".into(),
            },
        ];
        let listing = br#"{"data":["a","b"],"meta":{"limit":1}}"#;
        let bytes = [
            word(1),
            7u64.to_le_bytes().to_vec(),
            word(1),
            8u64.to_le_bytes().to_vec(),
            word(1),
            b"m".to_vec(),
            word(2),
            b"hi".to_vec(),
            word(3),
            word(1),
            word(listing.len() as u32),
            listing.to_vec(),
            word(200),
        ]
        .concat();
        let out = decode(&cmds, &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out,
            vec![
                Outcome::Done(Some(7)),
                Outcome::Found {
                    generation: 8,
                    metadata: Some("m".into()),
                    value: Some(b"hi".to_vec())
                },
                Outcome::Missing,
                Outcome::Listed(vec!["a".into(), "b".into()]),
                Outcome::Failed(200),
            ]
        );
        assert!(decode(&cmds, &bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn the_admin_guest_reaches_into_the_shared_stores() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let wat = dir.path().join("admin.wat");
        std::fs::write(&wat, ADMIN_WAT).unwrap_or_else(|e| panic!("{e}"));
        let names = BTreeMap::from([("s".to_owned(), "id".to_owned())]);
        let live = LiveKv::new(names, &wat).unwrap_or_else(|e| panic!("{e}"));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let run = |cmds: Vec<Cmd>| {
            rt.block_on(live.run(&cmds))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let insert = |key: &str, value: &[u8], metadata: Option<&str>| Cmd::Insert {
            store: "s".into(),
            key: key.into(),
            value: value.to_vec(),
            metadata: metadata.map(str::to_owned),
            ttl_secs: 0,
        };
        let lookup = |key: &str| Cmd::Lookup {
            store: "s".into(),
            key: key.into(),
            body: true,
        };
        let big = vec![7u8; 200_000];
        let out = run(vec![
            insert("a", b"one", Some("meta")),
            insert("b", &big, None),
            insert("a;b", b"viceroy refuses this key", None),
            lookup("a"),
            lookup("b"),
            lookup("nope"),
            Cmd::List { store: "s".into() },
            Cmd::Delete {
                store: "s".into(),
                key: "a".into(),
            },
            Cmd::Delete {
                store: "s".into(),
                key: "a".into(),
            },
            Cmd::List {
                store: "other".into(),
            },
        ]);
        let Outcome::Done(Some(generation)) = out[0] else {
            panic!("{:?}", out[0])
        };
        assert!(
            matches!(out[2], Outcome::Failed(c) if c > 100),
            "{:?}",
            out[2]
        );
        assert_eq!(
            out[3],
            Outcome::Found {
                generation,
                metadata: Some("meta".into()),
                value: Some(b"one".to_vec())
            }
        );
        assert!(
            matches!(&out[4], Outcome::Found { value: Some(v), metadata: None, .. } if *v == big)
        );
        assert_eq!(out[5], Outcome::Missing);
        assert_eq!(out[6], Outcome::Listed(vec!["a".into(), "b".into()]));
        assert_eq!(out[7], Outcome::Done(None));
        assert_eq!(out[8], Outcome::Missing);
        assert_eq!(out[9], Outcome::Failed(200));
    }

    #[test]
    fn kv_writers_are_told_from_readers() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            path
        };
        let reader = write(
            "reader.wat",
            r#"(module (import "fastly_kv_store" "lookup" (func (param i32 i32 i32 i32 i32 i32) (result i32))) (func (export "_start")))"#,
        );
        let writer = write(
            "writer.wat",
            r#"(module (import "fastly_kv_store" "insert" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32))) (func (export "_start")))"#,
        );
        let none = write("none.wat", r#"(module (func (export "_start")))"#);
        assert!(!writes_kv(&reader));
        assert!(writes_kv(&writer));
        assert!(!writes_kv(&none));
        assert!(writes_kv(&dir.path().join("missing.wasm")));
        let admin = write("admin.wat", ADMIN_WAT);
        assert!(writes_kv(&admin));
    }
}
