//! KV stores: `/resources/stores/kv[/{id}[/keys[/{key}]|/batch]]`.

use std::collections::BTreeMap;
use std::ops::Bound;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use ruststack_protocol::encoding::base64_decode;
use ruststack_protocol::{Body, RequestContext, Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::api::{self, Req, empty, json_response, kv_time, ok};
use crate::ops;
use crate::persist;
use crate::state::{self, Kind, KvEntry, StoreMeta};
use crate::{Fastly, error};

/// Longest key, in bytes.
pub(crate) const MAX_KEY: usize = 1024;
/// Largest value.
pub(crate) const MAX_VALUE: usize = 25 * 1024 * 1024;
/// Longest metadata, in bytes.
pub(crate) const MAX_METADATA: usize = 2000;
/// Largest batch body (NDJSON with base64 values).
const MAX_BATCH_BODY: usize = 256 * 1024 * 1024;

fn store_json(meta: &StoreMeta) -> Value {
    json!({
        "id": meta.id,
        "name": meta.name,
        "created_at": kv_time(meta.created_at),
        "updated_at": kv_time(meta.updated_at),
    })
}

fn no_key(key: &str) -> ServiceError {
    error::not_found(format!("Couldn't find key '{key}'"))
}

/// Fastly's key rules: 1–1024 bytes of UTF-8, not `.` or `..`, not under
/// `.well-known/acme-challenge/`, and none of `#`, `?`, `*`, `[`, `]`, CR, LF.
pub(crate) fn check_key(key: &str) -> Result<(), ServiceError> {
    match key_problem(key) {
        Some(reason) => Err(error::bad_request(format!("Invalid key '{key}': {reason}"))),
        None => Ok(()),
    }
}

/// Why `key` is not a valid key, if it is not.
fn key_problem(key: &str) -> Option<String> {
    if key.is_empty() || key.len() > MAX_KEY {
        Some(format!("keys must be 1 to {MAX_KEY} bytes long"))
    } else if key == "." || key == ".." {
        Some("keys cannot be '.' or '..'".to_owned())
    } else if key.starts_with(".well-known/acme-challenge/") {
        Some("keys cannot start with '.well-known/acme-challenge/'".to_owned())
    } else {
        key.chars()
            .find(|c| matches!(c, '#' | '?' | '*' | '[' | ']' | '\r' | '\n'))
            .map(|c| format!("keys cannot contain {c:?}"))
    }
}

/// How a write combines with an existing value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Overwrite,
    /// Only when the key does not exist.
    Add,
    Append,
    Prepend,
}

/// One write's options.
#[derive(Clone, Debug)]
pub(crate) struct Put {
    pub(crate) mode: Mode,
    pub(crate) if_generation: Option<u64>,
    pub(crate) metadata: Option<String>,
    pub(crate) ttl_secs: Option<u64>,
}

/// The entry a write leaves, checked against the live entry it replaces.
pub(crate) fn next_entry(
    existing: Option<&KvEntry>,
    key: &str,
    value: &[u8],
    put: &Put,
    now: i64,
    generation: u64,
) -> Result<KvEntry, ServiceError> {
    check_key(key)?;
    if let Some(meta) = &put.metadata
        && meta.len() > MAX_METADATA
    {
        return Err(error::bad_request(format!(
            "Metadata is longer than {MAX_METADATA} bytes"
        )));
    }
    if let Some(want) = put.if_generation
        && existing.map(|e| e.generation) != Some(want)
    {
        return Err(error::precondition(format!(
            "The generation of key '{key}' does not match {want}"
        )));
    }
    let value = match (put.mode, existing) {
        (Mode::Add, Some(_)) => {
            return Err(error::precondition(format!("Key '{key}' already exists")));
        }
        (Mode::Append, Some(e)) => [e.value.as_slice(), value].concat(),
        (Mode::Prepend, Some(e)) => [value, e.value.as_slice()].concat(),
        _ => value.to_vec(),
    };
    if value.len() > MAX_VALUE {
        return Err(error::too_large(format!(
            "Values are at most {MAX_VALUE} bytes"
        )));
    }
    Ok(KvEntry {
        value,
        metadata: put.metadata.clone(),
        generation,
        expires_at: put
            .ttl_secs
            .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000))),
    })
}

fn flag(req: &Req, name: &str) -> bool {
    matches!(req.q(name), Some("true" | "1"))
}

fn number_header(req: &Req, name: &str) -> Result<Option<u64>, ServiceError> {
    match req.header(name) {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| error::bad_request(format!("Header {name} must be an integer"))),
    }
}

/// Routes `/resources/stores/kv/…`.
pub(crate) async fn route(
    fastly: &Fastly,
    ctx: &RequestContext,
    req: &mut Req,
) -> Result<Response, ServiceError> {
    let rest: Vec<String> = req.segments[3..].to_vec();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let m = req.method.clone();
    let op = |name: &'static str| ctx.set_operation(name);
    match (m, rest.as_slice()) {
        (Method::POST, []) => {
            op("CreateKVStore");
            let body = req.json().await?;
            let name = ops::store_name(&body)?;
            let location = req.q("location").map(str::to_owned);
            fastly
                .write(move |f| ops::create_store::<KvEntry>(f, &name, location))
                .await
                .map(|m| json_response(StatusCode::CREATED, &store_json(&m)))
        }
        (Method::GET, []) => {
            op("ListKVStores");
            list_stores(fastly, req)
        }
        (Method::GET, [id]) => {
            op("GetKVStore");
            let state = fastly.read();
            let store = state::find(&state.kv, id).ok_or_else(|| ops::no_store::<KvEntry>(id))?;
            Ok(ok(&store_json(&store.meta)))
        }
        (Method::PUT, [id]) => {
            op("UpdateKVStore");
            let body = req.json().await?;
            let name = ops::store_name(&body)?;
            let id = id.to_string();
            fastly
                .write(move |f| ops::rename_store::<KvEntry>(f, &id, &name))
                .await
                .map(|m| ok(&store_json(&m)))
        }
        (Method::DELETE, [id]) => {
            op("DeleteKVStore");
            let id = id.to_string();
            fastly
                .write(move |f| {
                    let now = f.now();
                    ops::delete_store::<KvEntry>(f, &id, |store| {
                        if store.entries.values().any(|e| e.live(now)) {
                            return Err(error::conflict(format!(
                                "KV store '{}' still holds keys: a store must be empty before it can be deleted",
                                store.meta.id
                            )));
                        }
                        Ok(())
                    })
                })
                .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Method::GET, [id, "keys"]) => {
            op("ListKVStoreKeys");
            fastly.settle_kv().await;
            list_keys(fastly, req, id)
        }
        (Method::PUT | Method::POST, [id, "batch"]) => {
            op("BatchKVStoreEntries");
            let body = req.bytes(MAX_BATCH_BODY).await?;
            let lines = parse_batch(&body)?;
            let id = id.to_string();
            fastly.write(move |f| put_entries(f, &id, &lines)).await?;
            Ok(ok(&json!({"type": "", "title": "success", "errors": []})))
        }
        (m, [id, "keys", key @ ..]) if !key.is_empty() => {
            let key = key.join("/");
            match m {
                Method::GET | Method::HEAD => {
                    op("GetKVStoreEntry");
                    fastly.settle_kv().await;
                    get_entry(fastly, id, &key)
                }
                Method::PUT | Method::POST => {
                    op("PutKVStoreEntry");
                    let mode = if flag(req, "add") {
                        Mode::Add
                    } else if flag(req, "append") {
                        Mode::Append
                    } else if flag(req, "prepend") {
                        Mode::Prepend
                    } else {
                        Mode::Overwrite
                    };
                    let put = Put {
                        mode,
                        if_generation: number_header(req, "if-generation-match")?,
                        metadata: req.header("metadata").map(str::to_owned),
                        ttl_secs: number_header(req, "time_to_live_sec")?,
                    };
                    check_key(&key)?;
                    let value = req.bytes(MAX_VALUE).await?;
                    let id = id.to_string();
                    fastly
                        .write(move |f| put_entries(f, &id, &[(key, value, put)]))
                        .await?;
                    Ok(empty(StatusCode::OK))
                }
                Method::DELETE => {
                    op("DeleteKVStoreEntry");
                    let force = flag(req, "force");
                    let generation = number_header(req, "if-generation-match")?;
                    let id = id.to_string();
                    fastly
                        .write(move |f| delete_entry(f, &id, &key, force, generation))
                        .await?;
                    Ok(empty(StatusCode::NO_CONTENT))
                }
                _ => Err(api::unknown(req)),
            }
        }
        _ => Err(api::unknown(req)),
    }
}

fn list_stores(fastly: &Fastly, req: &Req) -> Result<Response, ServiceError> {
    let state = fastly.read();
    let mut stores: Vec<&StoreMeta> = state
        .kv
        .values()
        .map(|s| &s.meta)
        .filter(|m| req.q("name").is_none_or(|n| n == m.name))
        .collect();
    stores.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = stores.iter().map(|m| m.id.as_str()).collect();
    let (range, mut meta) = api::page(req, &ids, 1000, 1000)?;
    meta["total"] = json!(stores.len());
    let data: Vec<Value> = stores[range].iter().map(|m| store_json(m)).collect();
    Ok(ok(&json!({"data": data, "meta": meta})))
}

fn list_keys(fastly: &Fastly, req: &Req, id: &str) -> Result<Response, ServiceError> {
    let limit = api::limit(req, 100, 1000)?;
    let after = api::cursor_after(req)?;
    let prefix = req.q("prefix").unwrap_or_default();
    let now = fastly.now();
    let state = fastly.read();
    let store = state::find(&state.kv, id).ok_or_else(|| ops::no_store::<KvEntry>(id))?;
    let start = match &after {
        Some(a) if a.as_str() >= prefix => Bound::Excluded(a.clone()),
        _ => Bound::Included(prefix.to_owned()),
    };
    let mut keys = Vec::with_capacity(limit.min(store.entries.len()));
    let mut more = false;
    for (key, entry) in store.entries.range::<String, _>((start, Bound::Unbounded)) {
        if !key.starts_with(prefix) {
            break;
        }
        if !entry.live(now) {
            continue;
        }
        if keys.len() == limit {
            more = true;
            break;
        }
        keys.push(key.as_str());
    }
    let mut meta = json!({"limit": limit});
    if !prefix.is_empty() {
        meta["prefix"] = Value::String(prefix.to_owned());
    }
    if more && let Some(last) = keys.last() {
        meta["next_cursor"] = Value::String(api::cursor_for(last));
    }
    Ok(ok(&json!({"data": keys, "meta": meta})))
}

fn get_entry(fastly: &Fastly, id: &str, key: &str) -> Result<Response, ServiceError> {
    let now = fastly.now();
    let state = fastly.read();
    let store = state::find(&state.kv, id).ok_or_else(|| ops::no_store::<KvEntry>(id))?;
    let entry = store
        .entries
        .get(key)
        .filter(|e| e.live(now))
        .ok_or_else(|| no_key(key))?;
    let mut resp = Response::new(Body::from(Bytes::from(entry.value.clone())));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("generation", HeaderValue::from(entry.generation));
    if let Some(meta) = &entry.metadata
        && let Ok(value) = HeaderValue::from_str(meta)
    {
        headers.insert("metadata", value);
    }
    Ok(resp)
}

pub(crate) type Line = (String, Bytes, Put);

/// Parses the NDJSON batch body: one `{"key", "value" (base64), "metadata",
/// "time_to_live_sec", "mode", "if_generation_match"}` object per line. Every line is
/// checked before anything is written.
fn parse_batch(body: &[u8]) -> Result<Vec<Line>, ServiceError> {
    let mut lines = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let bad = |why: String| error::bad_request(format!("Line {}: {why}", i + 1));
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(line) else {
            return Err(bad("not a JSON object".to_owned()));
        };
        let key = obj
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("the field 'key' is required".to_owned()))?;
        if let Some(reason) = key_problem(key) {
            return Err(bad(format!("invalid key '{key}': {reason}")));
        }
        let value = match obj.get("value").and_then(Value::as_str) {
            Some(text) => base64_decode(text)
                .ok_or_else(|| bad("the field 'value' is not base64".to_owned()))?,
            None => return Err(bad("the field 'value' is required".to_owned())),
        };
        let mode = match obj.get("mode").and_then(Value::as_str) {
            None | Some("overwrite") => Mode::Overwrite,
            Some("add") => Mode::Add,
            Some("append") => Mode::Append,
            Some("prepend") => Mode::Prepend,
            Some(other) => return Err(bad(format!("unknown mode '{other}'"))),
        };
        let number = |name: &str| match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| bad(format!("the field '{name}' must be a non-negative integer"))),
        };
        let put = Put {
            mode,
            if_generation: number("if_generation_match")?,
            metadata: obj
                .get("metadata")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ttl_secs: number("time_to_live_sec")?,
        };
        lines.push((key.to_owned(), Bytes::from(value), put));
    }
    Ok(lines)
}

/// Writes entries all or nothing.
pub(crate) fn put_entries(f: &Fastly, id: &str, lines: &[Line]) -> Result<(), ServiceError> {
    let mut state = f.write_lock();
    let id = ops::store_id::<KvEntry>(&state, id)?;
    let now = f.now();
    let mut written: BTreeMap<String, KvEntry> = BTreeMap::new();
    {
        let entries = &state.kv[&id].entries;
        for (key, value, put) in lines {
            let existing = written
                .get(key)
                .or_else(|| entries.get(key))
                .filter(|e| e.live(now));
            let entry = next_entry(existing, key, value, put, now, f.next_generation())?;
            written.insert(key.clone(), entry);
        }
    }
    let mut batch = Batch::new();
    for (key, entry) in &written {
        persist::put_entry(&mut batch, Kind::Kv, &id, key, Some(entry));
    }
    f.commit(batch)?;
    f.kv_changed(&id, written.keys().cloned());
    if let Some(store) = state.kv.get_mut(&id) {
        store.entries.extend(written);
    }
    Ok(())
}

fn delete_entry(
    f: &Fastly,
    id: &str,
    key: &str,
    force: bool,
    generation: Option<u64>,
) -> Result<(), ServiceError> {
    let mut state = f.write_lock();
    let id = ops::store_id::<KvEntry>(&state, id)?;
    let now = f.now();
    let existing = state.kv[&id].entries.get(key).filter(|e| e.live(now));
    if let Some(want) = generation
        && existing.map(|e| e.generation) != Some(want)
    {
        return Err(error::precondition(format!(
            "The generation of key '{key}' does not match {want}"
        )));
    }
    if existing.is_none() {
        if force {
            return Ok(());
        }
        return Err(no_key(key));
    }
    let mut batch = Batch::new();
    persist::put_entry::<KvEntry>(&mut batch, Kind::Kv, &id, key, None);
    f.commit(batch)?;
    if let Some(store) = state.kv.get_mut(&id) {
        store.entries.remove(key);
    }
    f.kv_changed(&id, std::iter::once(key.to_owned()));
    Ok(())
}

/// A write a Compute app made: (store id, key, the value and metadata or, for a deletion,
/// nothing).
pub(crate) type AppWrite = (String, String, Option<(Vec<u8>, Option<String>)>);

/// Commits what Compute apps wrote to KV stores; each written entry gets a new generation.
pub(crate) fn apply_app_writes(f: &Fastly, writes: Vec<AppWrite>) -> Result<(), ServiceError> {
    let mut state = f.write_lock();
    let mut batch = Batch::new();
    let mut applied = Vec::with_capacity(writes.len());
    for (id, key, write) in writes {
        if !state.kv.contains_key(&id) {
            continue;
        }
        let entry = write.map(|(value, metadata)| KvEntry {
            value,
            metadata,
            generation: f.next_generation(),
            expires_at: None,
        });
        persist::put_entry(&mut batch, Kind::Kv, &id, &key, entry.as_ref());
        applied.push((id, key, entry));
    }
    f.commit(batch)?;
    for (id, key, entry) in applied {
        if let Some(store) = state.kv.get_mut(&id) {
            match entry {
                Some(entry) => store.entries.insert(key, entry),
                None => store.entries.remove(&key),
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(mode: Mode) -> Put {
        Put {
            mode,
            if_generation: None,
            metadata: None,
            ttl_secs: None,
        }
    }

    #[test]
    fn key_rules() {
        for good in ["a", "a/b/c", "hello world", "ü", &"k".repeat(MAX_KEY)] {
            assert!(check_key(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".well-known/acme-challenge/x",
            "a#b",
            "a?b",
            "a*",
            "[x]",
            "a\nb",
            &"k".repeat(MAX_KEY + 1),
        ] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn modes_and_generations() {
        let first = next_entry(None, "k", b"mid", &put(Mode::Add), 0, 7)
            .unwrap_or_else(|e| panic!("{}", e.message()));
        assert!(next_entry(Some(&first), "k", b"x", &put(Mode::Add), 0, 8).is_err());
        let appended = next_entry(Some(&first), "k", b"-end", &put(Mode::Append), 0, 8)
            .unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(appended.value, b"mid-end");
        let prepended = next_entry(Some(&appended), "k", b"start-", &put(Mode::Prepend), 0, 9)
            .unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(prepended.value, b"start-mid-end");
        let mut guarded = put(Mode::Overwrite);
        guarded.if_generation = Some(8);
        assert!(next_entry(Some(&prepended), "k", b"v", &guarded, 0, 10).is_err());
        guarded.if_generation = Some(9);
        assert!(next_entry(Some(&prepended), "k", b"v", &guarded, 0, 10).is_ok());
        assert!(next_entry(None, "k", b"v", &guarded, 0, 10).is_err());
    }

    #[test]
    fn ttl_and_metadata() {
        let mut p = put(Mode::Overwrite);
        p.ttl_secs = Some(5);
        p.metadata = Some("m".repeat(MAX_METADATA));
        let e =
            next_entry(None, "k", b"v", &p, 1_000, 1).unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(e.expires_at, Some(6_000));
        assert!(e.live(5_999) && !e.live(6_000));
        p.metadata = Some("m".repeat(MAX_METADATA + 1));
        assert!(next_entry(None, "k", b"v", &p, 1_000, 1).is_err());
    }

    #[test]
    fn batch_lines() {
        let body = b"{\"key\":\"a\",\"value\":\"aGk=\",\"metadata\":\"m\"}\n\n{\"key\":\"b\",\"value\":\"\"}\n";
        let lines = parse_batch(body).unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].1.as_ref(), b"hi");
        assert_eq!(lines[0].2.metadata.as_deref(), Some("m"));
        assert!(parse_batch(b"{\"key\":\"a\"}").is_err());
        assert!(parse_batch(b"{\"key\":\"a#\",\"value\":\"\"}").is_err());
        assert!(parse_batch(b"not json").is_err());
        assert!(parse_batch(b"{\"key\":\"a\",\"value\":\"!!\"}").is_err());
    }
}
