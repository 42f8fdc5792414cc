//! Config stores: `/resources/stores/config[/{id}[/info|/services|/items|/item[/{key}]]]`.

use std::collections::BTreeMap;

use http::{HeaderValue, Method};
use ruststack_protocol::{RequestContext, Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::api::{self, Req, ok, rfc3339, status_ok};
use crate::ops::{self, check_name};
use crate::persist;
use crate::state::{self, ConfigItem, Kind, State, Store, StoreMeta};
use crate::{Fastly, error};

/// Longest item key, in characters.
pub(crate) const MAX_KEY: usize = 256;
/// Longest item value, in characters.
pub(crate) const MAX_VALUE: usize = 8000;
/// Most items a store holds.
pub(crate) const MAX_ITEMS: usize = 500;
/// Most operations in one batch update.
const MAX_BATCH: usize = 1000;

fn store_json(meta: &StoreMeta) -> Value {
    json!({
        "name": meta.name,
        "id": meta.id,
        "created_at": rfc3339(meta.created_at),
        "updated_at": rfc3339(meta.updated_at),
        "deleted_at": null,
    })
}

fn item_json(store_id: &str, key: &str, item: &ConfigItem) -> Value {
    json!({
        "store_id": store_id,
        "item_key": key,
        "item_value": item.value,
        "created_at": rfc3339(item.created_at),
        "updated_at": rfc3339(item.updated_at),
        "deleted_at": null,
    })
}

fn no_item(key: &str) -> ServiceError {
    error::not_found(format!("Couldn't find config store item '{key}'"))
}

fn check_item(key: &str, value: &str) -> Result<(), ServiceError> {
    if key.is_empty() || key.chars().count() > MAX_KEY {
        return Err(error::bad_request(format!(
            "Item key must be 1 to {MAX_KEY} characters long"
        )));
    }
    if value.chars().count() > MAX_VALUE {
        return Err(error::bad_request(format!(
            "Item value for key '{key}' is longer than {MAX_VALUE} characters"
        )));
    }
    Ok(())
}

/// Routes `/resources/stores/config/…`.
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
            op("CreateConfigStore");
            let form = req.form().await?;
            let name = form
                .get("name")
                .cloned()
                .ok_or_else(|| error::missing("name"))?;
            check_name("store name", &name)?;
            fastly
                .write(move |f| ops::create_store::<ConfigItem>(f, &name, None))
                .await
                .map(|m| ok(&store_json(&m)))
        }
        (Method::GET, []) => {
            op("ListConfigStores");
            let state = fastly.read();
            let stores: Vec<Value> = sorted(&state)
                .into_iter()
                .filter(|s| req.q("name").is_none_or(|n| n == s.meta.name))
                .map(|s| store_json(&s.meta))
                .collect();
            Ok(ok(&Value::Array(stores)))
        }
        (Method::GET, [id]) => {
            op("GetConfigStore");
            let state = fastly.read();
            let store =
                state::find(&state.config, id).ok_or_else(|| ops::no_store::<ConfigItem>(id))?;
            Ok(ok(&store_json(&store.meta)))
        }
        (Method::GET, [id, "info"]) => {
            op("GetConfigStoreMetadata");
            let state = fastly.read();
            let store =
                state::find(&state.config, id).ok_or_else(|| ops::no_store::<ConfigItem>(id))?;
            Ok(ok(&json!({"item_count": store.entries.len()})))
        }
        (Method::GET, [id, "services"]) => {
            op("ListConfigStoreServices");
            let state = fastly.read();
            let id = ops::store_id::<ConfigItem>(&state, id)?;
            Ok(ok(&crate::ops::links::services_of(&state, &id)))
        }
        (Method::PUT, [id]) => {
            op("UpdateConfigStore");
            let form = req.form().await?;
            let name = form
                .get("name")
                .cloned()
                .ok_or_else(|| error::missing("name"))?;
            check_name("store name", &name)?;
            let id = id.to_string();
            fastly
                .write(move |f| ops::rename_store::<ConfigItem>(f, &id, &name))
                .await
                .map(|m| ok(&store_json(&m)))
        }
        (Method::DELETE, [id]) => {
            op("DeleteConfigStore");
            let id = id.to_string();
            fastly
                .write(move |f| ops::delete_store::<ConfigItem>(f, &id, |_| Ok(())))
                .await?;
            Ok(status_ok())
        }
        (Method::GET, [id, "items"]) => {
            op("ListConfigStoreItems");
            list_items(fastly, req, id)
        }
        (Method::PATCH, [id, "items"]) => {
            op("BatchModifyConfigStoreItems");
            let body = req.json().await?;
            let ops = batch_ops(&body)?;
            let id = id.to_string();
            fastly.write(move |f| batch(f, &id, ops)).await?;
            Ok(status_ok())
        }
        (Method::POST, [id, "item"]) => {
            op("CreateConfigStoreItem");
            let form = req.form().await?;
            let key = form
                .get("item_key")
                .cloned()
                .ok_or_else(|| error::missing("item_key"))?;
            let value = form
                .get("item_value")
                .cloned()
                .ok_or_else(|| error::missing("item_value"))?;
            let id = id.to_string();
            fastly
                .write(move |f| put_item(f, &id, &key, &value, Write::Create))
                .await
                .map(|v| ok(&v))
        }
        (m, [id, "item", key @ ..]) if !key.is_empty() => {
            let key = key.join("/");
            match m {
                Method::GET => {
                    op("GetConfigStoreItem");
                    let state = fastly.read();
                    let store = state::find(&state.config, id)
                        .ok_or_else(|| ops::no_store::<ConfigItem>(id))?;
                    let item = store.entries.get(&key).ok_or_else(|| no_item(&key))?;
                    Ok(ok(&item_json(&store.meta.id, &key, item)))
                }
                Method::PUT | Method::PATCH => {
                    let mode = if m == Method::PUT {
                        op("UpsertConfigStoreItem");
                        Write::Upsert
                    } else {
                        op("UpdateConfigStoreItem");
                        Write::Update
                    };
                    let form = req.form().await?;
                    let value = form
                        .get("item_value")
                        .cloned()
                        .ok_or_else(|| error::missing("item_value"))?;
                    let id = id.to_string();
                    fastly
                        .write(move |f| put_item(f, &id, &key, &value, mode))
                        .await
                        .map(|v| ok(&v))
                }
                Method::DELETE => {
                    op("DeleteConfigStoreItem");
                    let id = id.to_string();
                    fastly
                        .write(move |f| {
                            let id = ops::delete_entry::<ConfigItem>(f, &id, &key, no_item)?;
                            f.config_changed(&id);
                            Ok(())
                        })
                        .await?;
                    Ok(status_ok())
                }
                _ => Err(api::unknown(req)),
            }
        }
        _ => Err(api::unknown(req)),
    }
}

fn sorted(state: &State) -> Vec<&Store<ConfigItem>> {
    let mut stores: Vec<_> = state.config.values().collect();
    stores.sort_by_key(|s| (s.meta.created_at, s.meta.id.clone()));
    stores
}

fn list_items(fastly: &Fastly, req: &Req, id: &str) -> Result<Response, ServiceError> {
    let state = fastly.read();
    let store = state::find(&state.config, id).ok_or_else(|| ops::no_store::<ConfigItem>(id))?;
    let paged = req.q("limit").is_some() || req.q("cursor").is_some();
    let limit = api::limit(req, MAX_ITEMS, MAX_ITEMS)?;
    let after = api::cursor_after(req)?;
    let mut page: Vec<(&String, &ConfigItem)> = match &after {
        Some(key) => store
            .entries
            .range::<String, _>((std::ops::Bound::Excluded(key), std::ops::Bound::Unbounded))
            .collect(),
        None => store.entries.iter().collect(),
    };
    let more = page.len() > limit;
    page.truncate(limit);
    let items: Vec<Value> = page
        .iter()
        .map(|(k, item)| item_json(&store.meta.id, k, item))
        .collect();
    let mut resp = ok(&Value::Array(items));
    if paged
        && more
        && let Some((last, _)) = page.last()
    {
        let link = format!(
            "</resources/stores/config/{}/items?cursor={}&limit={limit}>; rel=\"next\"",
            store.meta.id,
            ruststack_protocol::rest::percent_encode(&api::cursor_for(last), false)
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(http::header::LINK, value);
        }
    }
    Ok(resp)
}

/// How an item write treats an existing item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Write {
    /// The item must not exist.
    Create,
    /// The item must exist.
    Update,
    /// Either.
    Upsert,
    /// Remove it (it must exist).
    Delete,
}

/// Applies one write to a store's item map (validated, not yet committed).
fn apply(
    items: &mut BTreeMap<String, ConfigItem>,
    key: &str,
    value: &str,
    mode: Write,
    now: i64,
) -> Result<(), ServiceError> {
    let existing = items.get(key);
    match (mode, existing) {
        (Write::Create, Some(_)) => {
            return Err(error::duplicate(format!(
                "Config store item '{key}' already exists"
            )));
        }
        (Write::Update | Write::Delete, None) => return Err(no_item(key)),
        _ => {}
    }
    if mode == Write::Delete {
        items.remove(key);
        return Ok(());
    }
    check_item(key, value)?;
    if existing.is_none() && items.len() >= MAX_ITEMS {
        return Err(error::bad_request(format!(
            "A config store holds at most {MAX_ITEMS} items"
        )));
    }
    let created_at = existing.map_or(now, |i| i.created_at);
    items.insert(
        key.to_owned(),
        ConfigItem {
            value: value.to_owned(),
            created_at,
            updated_at: now,
        },
    );
    Ok(())
}

/// Commits the items of `keys` as they are in `items` (deleted when absent).
fn commit_items(
    f: &Fastly,
    id: &str,
    items: &BTreeMap<String, ConfigItem>,
    keys: &[String],
) -> Result<(), ServiceError> {
    let mut batch = Batch::new();
    for key in keys {
        persist::put_entry(&mut batch, Kind::Config, id, key, items.get(key));
    }
    f.commit(batch)
}

pub(crate) fn put_item(
    f: &Fastly,
    id: &str,
    key: &str,
    value: &str,
    mode: Write,
) -> Result<Value, ServiceError> {
    let mut state = f.write_lock();
    let id = ops::store_id::<ConfigItem>(&state, id)?;
    let mut items = state.config[&id].entries.clone();
    apply(&mut items, key, value, mode, f.now())?;
    commit_items(f, &id, &items, &[key.to_owned()])?;
    let out = items
        .get(key)
        .map(|i| item_json(&id, key, i))
        .unwrap_or(Value::Null);
    if let Some(store) = state.config.get_mut(&id) {
        store.entries = items;
    }
    drop(state);
    f.config_changed(&id);
    Ok(out)
}

type BatchOp = (Write, String, String);

/// The operations of a batch body `{"items": [{"op", "item_key", "item_value"}]}`.
fn batch_ops(body: &serde_json::Map<String, Value>) -> Result<Vec<BatchOp>, ServiceError> {
    let items = body
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| error::missing("items"))?;
    if items.len() > MAX_BATCH {
        return Err(error::bad_request(format!(
            "A batch holds at most {MAX_BATCH} operations"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |name: &str| item.get(name).and_then(Value::as_str);
            let op = match field("op") {
                Some("create") => Write::Create,
                Some("update") => Write::Update,
                Some("upsert") => Write::Upsert,
                Some("delete") => Write::Delete,
                other => {
                    return Err(error::bad_request(format!(
                        "items[{i}].op must be one of create, update, upsert, delete (got {})",
                        other.unwrap_or("nothing")
                    )));
                }
            };
            let key =
                field("item_key").ok_or_else(|| error::missing(&format!("items[{i}].item_key")))?;
            let value = match (op, field("item_value")) {
                (Write::Delete, v) => v.unwrap_or_default(),
                (_, Some(v)) => v,
                (_, None) => return Err(error::missing(&format!("items[{i}].item_value"))),
            };
            Ok((op, key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Applies a batch all or nothing.
fn batch(f: &Fastly, id: &str, ops: Vec<BatchOp>) -> Result<(), ServiceError> {
    let mut state = f.write_lock();
    let id = ops::store_id::<ConfigItem>(&state, id)?;
    let mut items = state.config[&id].entries.clone();
    let now = f.now();
    let mut touched = Vec::with_capacity(ops.len());
    for (mode, key, value) in ops {
        apply(&mut items, &key, &value, mode, now)?;
        touched.push(key);
    }
    commit_items(f, &id, &items, &touched)?;
    if let Some(store) = state.config.get_mut(&id) {
        store.entries = items;
    }
    drop(state);
    f.config_changed(&id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_writes_follow_their_mode() {
        let mut items = BTreeMap::new();
        assert!(apply(&mut items, "k", "v", Write::Update, 1).is_err());
        assert!(apply(&mut items, "k", "v", Write::Delete, 1).is_err());
        assert!(apply(&mut items, "k", "v", Write::Create, 1).is_ok());
        assert!(apply(&mut items, "k", "w", Write::Create, 2).is_err());
        assert!(apply(&mut items, "k", "w", Write::Upsert, 3).is_ok());
        assert_eq!(items["k"].value, "w");
        assert_eq!((items["k"].created_at, items["k"].updated_at), (1, 3));
        assert!(apply(&mut items, "k", "", Write::Delete, 4).is_ok());
        assert!(items.is_empty());
    }

    #[test]
    fn item_limits() {
        let mut items = BTreeMap::new();
        let long_key = "k".repeat(MAX_KEY + 1);
        assert!(apply(&mut items, &long_key, "v", Write::Create, 1).is_err());
        assert!(
            apply(
                &mut items,
                "k",
                &"v".repeat(MAX_VALUE + 1),
                Write::Create,
                1
            )
            .is_err()
        );
        assert!(apply(&mut items, "k", &"é".repeat(MAX_VALUE), Write::Create, 1).is_ok());
        for i in 1..MAX_ITEMS {
            assert!(apply(&mut items, &format!("k{i}"), "v", Write::Create, 1).is_ok());
        }
        assert!(apply(&mut items, "one-more", "v", Write::Create, 1).is_err());
        assert!(apply(&mut items, "k1", "changed", Write::Update, 1).is_ok());
    }
}
