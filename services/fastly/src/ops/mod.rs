//! The operations, one file per store kind, plus resource links.

pub(crate) mod config;
pub(crate) mod kv;
pub(crate) mod links;
pub(crate) mod secret;

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;

use crate::crypto::random;
use crate::state::{self, Entry, State, Store, StoreMeta};
use crate::{Fastly, error, persist};

/// `404` for a store of `T`'s kind that does not exist.
pub(crate) fn no_store<T: Entry>(id: &str) -> ServiceError {
    error::not_found(format!("Couldn't find {} '{id}'", T::KIND.label()))
}

/// The id of the store of `T`'s kind named by `id_or_name`.
pub(crate) fn store_id<T: Entry>(state: &State, id_or_name: &str) -> Result<String, ServiceError> {
    state::resolve(T::stores(state), id_or_name).ok_or_else(|| no_store::<T>(id_or_name))
}

fn name_free<T: Entry>(state: &State, name: &str, except: &str) -> Result<(), ServiceError> {
    if state::name_taken(T::stores(state), name, except) {
        return Err(error::duplicate(format!(
            "A {} named '{name}' already exists",
            T::KIND.label()
        )));
    }
    Ok(())
}

/// Creates a store of `T`'s kind; its name must be free among stores of that kind.
pub(crate) fn create_store<T: Entry>(
    f: &Fastly,
    name: &str,
    location: Option<String>,
) -> Result<StoreMeta, ServiceError> {
    let mut state = f.write_lock();
    name_free::<T>(&state, name, "")?;
    let now = f.now();
    let meta = StoreMeta {
        id: new_id(),
        name: name.to_owned(),
        created_at: now,
        updated_at: now,
        location,
    };
    let mut batch = Batch::new();
    persist::put_store(&mut batch, T::KIND, &meta);
    f.commit(batch)?;
    T::stores_mut(&mut state).insert(meta.id.clone(), Store::new(meta.clone()));
    f.stores_changed();
    Ok(meta)
}

/// Renames a store of `T`'s kind.
pub(crate) fn rename_store<T: Entry>(
    f: &Fastly,
    id_or_name: &str,
    name: &str,
) -> Result<StoreMeta, ServiceError> {
    let mut state = f.write_lock();
    let id = store_id::<T>(&state, id_or_name)?;
    name_free::<T>(&state, name, &id)?;
    let mut meta = T::stores(&state)[&id].meta.clone();
    meta.name = name.to_owned();
    meta.updated_at = f.now();
    let mut batch = Batch::new();
    persist::put_store(&mut batch, T::KIND, &meta);
    f.commit(batch)?;
    if let Some(store) = T::stores_mut(&mut state).get_mut(&id) {
        store.meta = meta.clone();
    }
    f.stores_changed();
    Ok(meta)
}

/// Deletes entry `key` of a store of `T`'s kind (`missing` when it has none); returns the
/// store's id.
pub(crate) fn delete_entry<T: Entry + serde::Serialize>(
    f: &Fastly,
    id_or_name: &str,
    key: &str,
    missing: fn(&str) -> ServiceError,
) -> Result<String, ServiceError> {
    let mut state = f.write_lock();
    let id = store_id::<T>(&state, id_or_name)?;
    if !T::stores(&state)[&id].entries.contains_key(key) {
        return Err(missing(key));
    }
    let mut batch = Batch::new();
    persist::put_entry::<T>(&mut batch, T::KIND, &id, key, None);
    f.commit(batch)?;
    if let Some(store) = T::stores_mut(&mut state).get_mut(&id) {
        store.entries.remove(key);
    }
    Ok(id)
}

/// Deletes a store of `T`'s kind with its entries and links, once `check` allows it.
pub(crate) fn delete_store<T: Entry>(
    f: &Fastly,
    id_or_name: &str,
    check: impl FnOnce(&Store<T>) -> Result<(), ServiceError>,
) -> Result<(), ServiceError> {
    let mut state = f.write_lock();
    let id = store_id::<T>(&state, id_or_name)?;
    check(&T::stores(&state)[&id])?;
    let mut batch = Batch::new();
    persist::delete_store(&mut batch, T::KIND, &id);
    let links = links::unlink_all(&state, &id, &mut batch);
    f.commit(batch)?;
    T::stores_mut(&mut state).remove(&id);
    for link in links {
        state.links.remove(&link);
    }
    f.stores_changed();
    Ok(())
}

/// The `name` of a JSON store-creation body, checked.
pub(crate) fn store_name(
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, ServiceError> {
    let name = body
        .get("name")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| error::missing("name"))?;
    check_name("store name", name)?;
    Ok(name.to_owned())
}

/// Fastly's ids: 22 characters from letters and digits.
pub(crate) fn new_id() -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    random::<22>()
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Store names (every kind) and secret names: 1–255 of letters, digits, `-`, `_` and `.`.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), ServiceError> {
    let ok = (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(error::bad_request(format!(
            "Invalid {what} '{name}': it must be 1 to 255 characters of letters, digits, '-', '_' and '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        let id = new_id();
        assert_eq!(id.len(), 22);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(new_id(), id);
        assert!(check_name("name", "my-store_1.x").is_ok());
        for bad in ["", "has space", "slash/", "é", &"x".repeat(256)] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
    }
}
