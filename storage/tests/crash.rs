//! Crash consistency: a writer process is killed with SIGKILL in the middle of a stream of
//! commits; every commit it acknowledged must be there when the data directory is reopened.
//!
//! The test binary re-executes itself as the writer (selected by an environment variable),
//! so the kill hits a real process holding the database open.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::stream;
use ruststack_storage::{Batch, BlobId, BlobStore, RedbStorage, Storage, Table, durable};

const ITEMS: Table = Table::new("crash.items");
const WRITER_ENV: &str = "RUSTSTACK_CRASH_WRITER_DIR";

/// In the child: commit rows (each with a blob) forever, printing "ack <n>" after each
/// commit returns.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let storage = RedbStorage::open(&dir).unwrap();
    let blobs = BlobStore::open(&dir.join(durable::BLOB_DIR)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut out = std::io::stdout().lock();
    for n in 0u64.. {
        let payload = format!("payload-{n}-").repeat(50);
        let (id, _) = runtime
            .block_on(blobs.put(
                stream::iter([Ok::<_, std::io::Error>(payload.into())]),
                None,
            ))
            .unwrap();
        let mut batch = Batch::new();
        batch.put(ITEMS, n.to_be_bytes(), id.as_str());
        storage.commit(batch).unwrap();
        writeln!(out, "ack {n}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_writer_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.len() < 300 && Instant::now() < deadline {
        let Some(line) = lines.next() else { break };
        if let Some(n) = line.unwrap().strip_prefix("ack ") {
            acked.push(n.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructors, no flush
    child.wait().unwrap();
    assert!(
        acked.len() >= 50,
        "writer made too little progress: {}",
        acked.len()
    );

    let storage = RedbStorage::open(dir.path()).unwrap();
    let blobs = BlobStore::open(&dir.path().join(durable::BLOB_DIR)).unwrap();
    let rows = storage.load(ITEMS).unwrap();
    let mut live = HashSet::new();
    for (key, value) in &rows {
        let n = u64::from_be_bytes(key.as_slice().try_into().unwrap());
        let id = BlobId::parse(std::str::from_utf8(value).unwrap()).unwrap();
        let bytes = std::fs::read(blobs.path(&id)).unwrap();
        assert_eq!(
            bytes,
            format!("payload-{n}-").repeat(50).into_bytes(),
            "blob of row {n}"
        );
        live.insert(id);
    }
    let present: HashSet<u64> = rows
        .iter()
        .map(|(k, _)| u64::from_be_bytes(k.as_slice().try_into().unwrap()))
        .collect();
    for n in &acked {
        assert!(present.contains(n), "acknowledged write {n} lost");
    }
    // Blobs written but never committed (the kill hit between put and commit) are swept.
    blobs.sweep(&live).unwrap();
}
