//! The operations, one file per store kind, plus resource links.

pub(crate) mod config;
pub(crate) mod kv;
pub(crate) mod links;
pub(crate) mod secret;

use ruststack_protocol::ServiceError;

use crate::crypto::random;
use crate::error;

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
