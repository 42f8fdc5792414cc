//! Resource links: `/service/{service_id}/version/{version}/resource[/{id}]`. Locally every
//! store is visible to every Compute app by name, so links only record what scripts
//! created; they are kept so that those scripts' reads and deletes work.

use http::Method;
use ruststack_protocol::{RequestContext, Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::api::{self, Req, ok, rfc3339, status_ok};
use crate::ops::new_id;
use crate::persist;
use crate::state::{self, Link, State};
use crate::{Fastly, error};

fn link_json(state: &State, link: &Link) -> Value {
    json!({
        "id": link.id,
        "resource_id": link.resource_id,
        "service_id": link.service_id,
        "version": link.version,
        "name": link.name,
        "resource_type": resource_type(state, &link.resource_id),
        "created_at": rfc3339(link.created_at),
        "updated_at": rfc3339(link.updated_at),
        "deleted_at": null,
    })
}

fn resource_type(state: &State, id: &str) -> Option<&'static str> {
    if state.config.contains_key(id) {
        Some("config-store")
    } else if state.kv.contains_key(id) {
        Some("kv-store")
    } else if state.secret.contains_key(id) {
        Some("secret-store")
    } else {
        None
    }
}

/// The store `id_or_name` names (of any kind): its id and name.
fn find_store(state: &State, id_or_name: &str) -> Option<(String, String)> {
    let meta = state::find(&state.config, id_or_name)
        .map(|s| &s.meta)
        .or_else(|| state::find(&state.kv, id_or_name).map(|s| &s.meta))
        .or_else(|| state::find(&state.secret, id_or_name).map(|s| &s.meta))?;
    Some((meta.id.clone(), meta.name.clone()))
}

/// The services a store is linked to, as `[{"id", "version"}]`.
pub(crate) fn services_of(state: &State, store_id: &str) -> Value {
    Value::Array(
        state
            .links
            .values()
            .filter(|l| l.resource_id == store_id)
            .map(|l| json!({"id": l.service_id, "version": l.version}))
            .collect(),
    )
}

/// Adds the deletion of every link to `store_id` to `batch`; returns their ids.
pub(crate) fn unlink_all(state: &State, store_id: &str, batch: &mut Batch) -> Vec<String> {
    let ids: Vec<String> = state
        .links
        .values()
        .filter(|l| l.resource_id == store_id)
        .map(|l| l.id.clone())
        .collect();
    for id in &ids {
        persist::put_link(batch, id, None);
    }
    ids
}

/// A service version as the CLI reads it before it links a store. Services are not
/// emulated: every service has versions 1 to the highest version a link names, all of them
/// editable (neither active nor locked), so `--version latest` and numbers work.
fn version_json(service: &str, number: u32, now: i64) -> Value {
    json!({
        "number": number,
        "service_id": service,
        "active": false,
        "locked": false,
        "deployed": false,
        "staging": false,
        "testing": false,
        "comment": "",
        "created_at": rfc3339(now),
        "updated_at": rfc3339(now),
        "deleted_at": null,
    })
}

/// `GET /service/{sid}/version[/{number}]`.
pub(crate) fn versions(
    fastly: &Fastly,
    service: &str,
    number: Option<&str>,
) -> Result<Response, ServiceError> {
    let latest = fastly
        .read()
        .links
        .values()
        .filter(|l| l.service_id == service)
        .map(|l| l.version)
        .max()
        .unwrap_or(1);
    let now = fastly.now();
    match number {
        None => Ok(ok(&Value::Array(
            (1..=latest)
                .map(|n| version_json(service, n, now))
                .collect(),
        ))),
        Some(text) => {
            let n: u32 = text
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| error::bad_request(format!("Invalid version '{text}'")))?;
            Ok(ok(&version_json(service, n, now)))
        }
    }
}

fn no_link(id: &str) -> ServiceError {
    error::not_found(format!("Couldn't find resource link '{id}'"))
}

/// Routes `/service/{sid}/version/{v}/resource/…`.
pub(crate) async fn route(
    fastly: &Fastly,
    ctx: &RequestContext,
    req: &mut Req,
) -> Result<Response, ServiceError> {
    let service = req.segments[1].clone();
    let version: u32 = req.segments[3]
        .parse()
        .map_err(|_| error::bad_request(format!("Invalid version '{}'", req.segments[3])))?;
    let rest: Vec<String> = req.segments[5..].to_vec();
    let m = req.method.clone();
    let op = |name: &'static str| ctx.set_operation(name);
    match (m, rest.as_slice()) {
        (Method::GET, []) => {
            op("ListResources");
            let state = fastly.read();
            let links: Vec<Value> = state
                .links
                .values()
                .filter(|l| l.service_id == service && l.version == version)
                .map(|l| link_json(&state, l))
                .collect();
            Ok(ok(&Value::Array(links)))
        }
        (Method::POST, []) => {
            op("CreateResource");
            let form = req.form().await?;
            let resource = form
                .get("resource_id")
                .cloned()
                .ok_or_else(|| error::missing("resource_id"))?;
            let name = form.get("name").cloned();
            fastly
                .write(move |f| {
                    let mut state = f.write_lock();
                    let (resource_id, store_name) =
                        find_store(&state, &resource).ok_or_else(|| {
                            error::not_found(format!("Couldn't find store '{resource}'"))
                        })?;
                    let now = f.now();
                    let link = Link {
                        id: new_id(),
                        resource_id,
                        service_id: service,
                        version,
                        name: name.filter(|n| !n.is_empty()).unwrap_or(store_name),
                        created_at: now,
                        updated_at: now,
                    };
                    let mut batch = Batch::new();
                    persist::put_link(&mut batch, &link.id, Some(&link));
                    f.commit(batch)?;
                    let out = link_json(&state, &link);
                    state.links.insert(link.id.clone(), link);
                    Ok(out)
                })
                .await
                .map(|v| ok(&v))
        }
        (Method::GET, [id]) => {
            op("GetResource");
            let state = fastly.read();
            let link = state
                .links
                .get(id)
                .filter(|l| l.service_id == service && l.version == version)
                .ok_or_else(|| no_link(id))?;
            Ok(ok(&link_json(&state, link)))
        }
        (Method::PUT, [id]) => {
            op("UpdateResource");
            let form = req.form().await?;
            let name = form
                .get("name")
                .cloned()
                .ok_or_else(|| error::missing("name"))?;
            let id = id.clone();
            fastly
                .write(move |f| {
                    let mut state = f.write_lock();
                    let mut link = state
                        .links
                        .get(&id)
                        .filter(|l| l.service_id == service && l.version == version)
                        .cloned()
                        .ok_or_else(|| no_link(&id))?;
                    link.name = name;
                    link.updated_at = f.now();
                    let mut batch = Batch::new();
                    persist::put_link(&mut batch, &id, Some(&link));
                    f.commit(batch)?;
                    let out = link_json(&state, &link);
                    state.links.insert(id, link);
                    Ok(out)
                })
                .await
                .map(|v| ok(&v))
        }
        (Method::DELETE, [id]) => {
            op("DeleteResource");
            let id = id.clone();
            fastly
                .write(move |f| {
                    let mut state = f.write_lock();
                    if !state
                        .links
                        .get(&id)
                        .is_some_and(|l| l.service_id == service && l.version == version)
                    {
                        return Err(no_link(&id));
                    }
                    let mut batch = Batch::new();
                    persist::put_link(&mut batch, &id, None);
                    f.commit(batch)?;
                    state.links.remove(&id);
                    Ok(())
                })
                .await?;
            Ok(status_ok())
        }
        _ => Err(api::unknown(req)),
    }
}
