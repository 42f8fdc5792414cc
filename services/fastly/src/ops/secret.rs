//! Secret stores: `/resources/stores/secret[/{id}[/secrets[/{name}]]]`, and the
//! `client-key` / `signing-key` endpoints of the CLI's client-side encryption.

use http::{Method, StatusCode};
use ruststack_protocol::encoding::{base64_decode, base64_encode};
use ruststack_protocol::{RequestContext, Response, ServiceError};
use ruststack_storage::Batch;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::api::{self, Req, empty, json_response, ok, rfc3339};
use crate::ops::{self, check_name};
use crate::persist;
use crate::state::{self, Kind, Secret, StoreMeta};
use crate::{Fastly, error};

/// Largest secret value.
pub(crate) const MAX_SECRET: usize = 64 * 1024;

fn store_json(meta: &StoreMeta) -> Value {
    json!({
        "id": meta.id,
        "name": meta.name,
        "created_at": rfc3339(meta.created_at),
    })
}

fn secret_json(name: &str, secret: &Secret) -> Value {
    json!({
        "name": name,
        "digest": base64_encode(&secret.digest),
        "created_at": rfc3339(secret.created_at),
    })
}

fn no_secret(name: &str) -> ServiceError {
    error::not_found(format!("Couldn't find secret '{name}'"))
}

/// How a secret write treats an existing secret of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Write {
    /// `POST`: the name must be new.
    Create,
    /// `PATCH`: the secret must exist.
    Recreate,
    /// `PUT`: either.
    Upsert,
}

/// Routes `/resources/stores/secret/…`.
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
        (Method::POST, ["client-key"]) => {
            op("CreateClientKey");
            let key = fastly.keys().client_key(fastly.now());
            Ok(ok(&json!({
                "public_key": base64_encode(&key.public_key),
                "signature": base64_encode(&key.signature),
                "expires_at": rfc3339(key.expires_at),
            })))
        }
        (Method::GET, ["signing-key"]) => {
            op("GetSigningKey");
            Ok(ok(
                &json!({"signing_key": base64_encode(&fastly.keys().signing_key())}),
            ))
        }
        (Method::POST, []) => {
            op("CreateSecretStore");
            let name = ops::store_name(&req.json().await?)?;
            fastly
                .write(move |f| ops::create_store::<Secret>(f, &name, None))
                .await
                .map(|m| json_response(StatusCode::CREATED, &store_json(&m)))
        }
        (Method::GET, []) => {
            op("ListSecretStores");
            let state = fastly.read();
            let mut stores: Vec<&StoreMeta> = state
                .secret
                .values()
                .map(|s| &s.meta)
                .filter(|m| req.q("name").is_none_or(|n| n == m.name))
                .collect();
            stores.sort_by(|a, b| a.id.cmp(&b.id));
            let ids: Vec<&str> = stores.iter().map(|m| m.id.as_str()).collect();
            let (range, meta) = api::page(req, &ids, 100, 200)?;
            let data: Vec<Value> = stores[range].iter().map(|m| store_json(m)).collect();
            Ok(ok(&json!({"data": data, "meta": meta})))
        }
        (Method::GET, [id]) => {
            op("GetSecretStore");
            let state = fastly.read();
            let store =
                state::find(&state.secret, id).ok_or_else(|| ops::no_store::<Secret>(id))?;
            Ok(ok(&store_json(&store.meta)))
        }
        (Method::DELETE, [id]) => {
            op("DeleteSecretStore");
            let id = id.to_string();
            fastly
                .write(move |f| ops::delete_store::<Secret>(f, &id, |_| Ok(())))
                .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Method::GET, [id, "secrets"]) => {
            op("ListSecrets");
            let state = fastly.read();
            let store =
                state::find(&state.secret, id).ok_or_else(|| ops::no_store::<Secret>(id))?;
            let names: Vec<&str> = store.entries.keys().map(String::as_str).collect();
            let (range, meta) = api::page(req, &names, 100, 200)?;
            let data: Vec<Value> = names[range]
                .iter()
                .map(|n| secret_json(n, &store.entries[*n]))
                .collect();
            Ok(ok(&json!({"data": data, "meta": meta})))
        }
        (m @ (Method::POST | Method::PUT | Method::PATCH), [id, "secrets"]) => {
            let mode = match m {
                Method::POST => {
                    op("CreateSecret");
                    Write::Create
                }
                Method::PATCH => {
                    op("RecreateSecret");
                    Write::Recreate
                }
                _ => {
                    op("UpsertSecret");
                    Write::Upsert
                }
            };
            let body = req.json().await?;
            let (name, plaintext) = decode_secret(fastly, &body)?;
            let id = id.to_string();
            fastly
                .write(move |f| put_secret(f, &id, &name, &plaintext, mode))
                .await
                .map(|v| ok(&v))
        }
        (Method::GET, [id, "secrets", name]) => {
            op("GetSecret");
            let state = fastly.read();
            let store =
                state::find(&state.secret, id).ok_or_else(|| ops::no_store::<Secret>(id))?;
            let secret = store.entries.get(*name).ok_or_else(|| no_secret(name))?;
            Ok(ok(&secret_json(name, secret)))
        }
        (Method::DELETE, [id, "secrets", name]) => {
            op("DeleteSecret");
            let (id, name) = (id.to_string(), name.to_string());
            fastly
                .write(move |f| {
                    ops::delete_entry::<Secret>(f, &id, &name, no_secret)?;
                    f.stores_changed();
                    Ok(())
                })
                .await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(api::unknown(req)),
    }
}

/// The secret's name and plaintext from `{"name", "secret", "client_key"}`: `secret` is the
/// base64 plaintext, or with `client_key` a base64 sealed box addressed to that client key.
fn decode_secret(
    fastly: &Fastly,
    body: &Map<String, Value>,
) -> Result<(String, Vec<u8>), ServiceError> {
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let name = field("name").ok_or_else(|| error::missing("name"))?;
    check_name("secret name", name)?;
    let secret = field("secret").ok_or_else(|| error::missing("secret"))?;
    let bytes = base64_decode(secret)
        .ok_or_else(|| error::bad_request("The field 'secret' is not base64".to_owned()))?;
    let plaintext = match field("client_key").filter(|k| !k.is_empty()) {
        None => bytes,
        Some(client_key) => {
            let client_key = base64_decode(client_key).ok_or_else(|| {
                error::bad_request("The field 'client_key' is not base64".to_owned())
            })?;
            fastly
                .keys()
                .open_sealed(&client_key, &bytes, fastly.now())
                .map_err(|why| error::bad_request(format!("Invalid secret: {why}")))?
        }
    };
    if plaintext.len() > MAX_SECRET {
        return Err(error::bad_request(format!(
            "Secrets are at most {MAX_SECRET} bytes"
        )));
    }
    Ok((name.to_owned(), plaintext))
}

pub(crate) fn put_secret(
    f: &Fastly,
    id: &str,
    name: &str,
    plaintext: &[u8],
    mode: Write,
) -> Result<Value, ServiceError> {
    let mut state = f.write_lock();
    let id = ops::store_id::<Secret>(&state, id)?;
    let exists = state.secret[&id].entries.contains_key(name);
    match (mode, exists) {
        (Write::Create, true) => {
            return Err(error::duplicate(format!("Secret '{name}' already exists")));
        }
        (Write::Recreate, false) => return Err(no_secret(name)),
        _ => {}
    }
    let secret = Secret {
        digest: Sha256::digest(plaintext).to_vec(),
        sealed: f.keys().seal(plaintext),
        created_at: f.now(),
    };
    let mut batch = Batch::new();
    persist::put_entry(&mut batch, Kind::Secret, &id, name, Some(&secret));
    f.commit(batch)?;
    let mut out = secret_json(name, &secret);
    if exists {
        out["recreated"] = Value::Bool(true);
    }
    if let Some(store) = state.secret.get_mut(&id) {
        store.entries.insert(name.to_owned(), secret);
    }
    f.stores_changed();
    Ok(out)
}
