//! Imports the stores a Compute app's `fastly.toml` declares under `[local_server]`
//! (`config_stores`/`dictionaries`, `kv_stores`/`object_stores`, `secret_stores`, in every
//! form viceroy accepts) into the persisted stores. A store is imported only when no store of
//! its kind has its name, so what was changed through the API since is never overwritten.

use std::path::Path;

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::Fastly;
use crate::ops::{self, config, kv, secret};
use crate::state::{self, ConfigItem, Entry, KvEntry, Secret};

/// One declared store: its entries as (key, value, metadata).
type Declared = Vec<(String, Vec<u8>, Option<String>)>;

/// Imports the stores of the `fastly.toml` at `path`; returns the names imported.
pub(crate) fn import(f: &Fastly, path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let Some(local) = doc.get("local_server").and_then(Value::as_table) else {
        return Ok(Vec::new());
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut imported = Vec::new();
    for (section, kind) in [
        ("config_stores", state::Kind::Config),
        ("dictionaries", state::Kind::Config),
        ("kv_stores", state::Kind::Kv),
        ("object_stores", state::Kind::Kv),
        ("object_store", state::Kind::Kv),
        ("secret_stores", state::Kind::Secret),
    ] {
        let Some(stores) = local.get(section).and_then(Value::as_table) else {
            continue;
        };
        for (name, def) in stores {
            let what = format!("{}: [local_server.{section}.{name}]", path.display());
            let entries = match kind {
                state::Kind::Config => config_entries(def, dir),
                _ => list_entries(def, dir),
            }
            .map_err(|e| format!("{what}: {e}"))?;
            let done = match kind {
                state::Kind::Config => import_config(f, name, &entries),
                state::Kind::Kv => import_kv(f, name, &entries),
                state::Kind::Secret => import_secrets(f, name, &entries),
            }
            .map_err(|e| format!("{what}: {e}"))?;
            if done {
                imported.push(format!("{} {name}", kind.label()));
            }
        }
    }
    Ok(imported)
}

/// Creates the store `name` of kind `T` and returns its id, or `None` when a store of that
/// kind already has the name (it is never overwritten).
fn new_store<T: Entry>(f: &Fastly, name: &str) -> Result<Option<String>, String> {
    if T::stores(&f.read()).values().any(|s| s.meta.name == name) {
        return Ok(None);
    }
    ops::check_name("store name", name).map_err(|e| failed(&e))?;
    let store = ops::create_store::<T>(f, name, None).map_err(|e| failed(&e))?;
    Ok(Some(store.id))
}

fn failed(e: &ruststack_protocol::ServiceError) -> String {
    let detail = e
        .fields()
        .iter()
        .find(|(k, _)| k == "detail")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default();
    format!("{} {detail}", e.message())
}

fn import_config(f: &Fastly, name: &str, entries: &Declared) -> Result<bool, String> {
    let Some(id) = new_store::<ConfigItem>(f, name)? else {
        return Ok(false);
    };
    for (key, value, _) in entries {
        let value = String::from_utf8_lossy(value);
        config::put_item(f, &id, key, &value, config::Write::Upsert).map_err(|e| failed(&e))?;
    }
    Ok(true)
}

fn import_kv(f: &Fastly, name: &str, entries: &Declared) -> Result<bool, String> {
    let Some(id) = new_store::<KvEntry>(f, name)? else {
        return Ok(false);
    };
    let lines: Vec<kv::Line> = entries
        .iter()
        .map(|(key, value, metadata)| {
            (
                key.clone(),
                bytes::Bytes::from(value.clone()),
                kv::Put {
                    mode: kv::Mode::Overwrite,
                    if_generation: None,
                    metadata: metadata.clone(),
                    ttl_secs: None,
                },
            )
        })
        .collect();
    kv::put_entries(f, &id, &lines).map_err(|e| failed(&e))?;
    Ok(true)
}

fn import_secrets(f: &Fastly, name: &str, entries: &Declared) -> Result<bool, String> {
    let Some(id) = new_store::<Secret>(f, name)? else {
        return Ok(false);
    };
    for (key, value, _) in entries {
        ops::check_name("secret name", key).map_err(|e| failed(&e))?;
        secret::put_secret(f, &id, key, value, secret::Write::Upsert).map_err(|e| failed(&e))?;
    }
    Ok(true)
}

fn read(dir: &Path, file: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(file);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A JSON file of `{"key": "value"}` or `{"key": {"data"|"file", "metadata"}}`.
fn json_entries(dir: &Path, file: &str) -> Result<Declared, String> {
    let bytes = read(dir, file)?;
    let Ok(Json::Object(map)) = serde_json::from_slice::<Json>(&bytes) else {
        return Err(format!("{file} is not a JSON object"));
    };
    map.into_iter()
        .map(|(key, v)| match v {
            Json::String(s) => Ok((key, s.into_bytes(), None)),
            Json::Object(o) => {
                let value = match (o.get("data"), o.get("file")) {
                    (Some(Json::String(d)), _) => d.clone().into_bytes(),
                    (_, Some(Json::String(file))) => read(dir, file)?,
                    _ => return Err(format!("entry '{key}' has neither data nor file")),
                };
                let metadata = o.get("metadata").and_then(Json::as_str).map(str::to_owned);
                Ok((key, value, metadata))
            }
            _ => Err(format!("entry '{key}' is neither a string nor an object")),
        })
        .collect()
}

/// `format = "inline-toml"` with `contents`, or `format = "json"` with `file`.
fn config_entries(def: &Value, dir: &Path) -> Result<Declared, String> {
    let field = |name: &str| def.get(name).and_then(Value::as_str);
    match field("format") {
        Some("inline-toml") => def
            .get("contents")
            .and_then(Value::as_table)
            .ok_or("an inline-toml store needs contents")?
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.as_bytes().to_vec(), None))
                    .ok_or_else(|| format!("the value of '{k}' is not a string"))
            })
            .collect(),
        Some("json") => json_entries(dir, field("file").ok_or("a json store needs a file")?),
        other => Err(format!(
            "format must be inline-toml or json, not {}",
            other.unwrap_or("nothing")
        )),
    }
}

/// KV and secret stores: an array of `{key, data | file | env, metadata}`, or a table
/// `{file, format = "json"}`.
fn list_entries(def: &Value, dir: &Path) -> Result<Declared, String> {
    if let Some(table) = def.as_table() {
        return match (table.get("file"), table.get("format")) {
            (Some(Value::String(file)), Some(Value::String(format))) if format == "json" => {
                json_entries(dir, file)
            }
            _ => Err("expected an array of entries or { file, format = \"json\" }".to_owned()),
        };
    }
    let items = def.as_array().ok_or("expected an array of entries")?;
    items
        .iter()
        .map(|item| {
            let field = |name: &str| item.get(name).and_then(Value::as_str);
            let key = field("key").ok_or("an entry has no key")?.to_owned();
            let value = match (field("data"), field("file"), field("env")) {
                (Some(d), _, _) => d.as_bytes().to_vec(),
                (_, Some(file), _) => read(dir, file)?,
                (_, _, Some(var)) => std::env::var(var)
                    .map_err(|_| format!("entry '{key}': ${var} is not set"))?
                    .into_bytes(),
                _ => return Err(format!("entry '{key}' has no data, file or env")),
            };
            Ok((key, value, field("metadata").map(str::to_owned)))
        })
        .collect()
}
