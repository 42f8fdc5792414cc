//! The keys of the secret-store API:
//! - the **vault key** seals secret values at rest (an X25519 key kept in the data
//!   directory as `keys/fastly-secret-store.key`, mode 0600; a fresh one per process
//!   without a data directory). A value is sealed with NaCl's `crypto_box` to the key's own
//!   public half under a random nonce: `nonce (24 bytes) ‖ ciphertext`.
//! - the **signing key** (Ed25519, per process) signs the client keys handed out by
//!   `POST /resources/stores/secret/client-key`;
//! - **client keys** (X25519, one per request, valid for an hour) are what the Fastly CLI
//!   encrypts a new secret to with a sealed box (`crypto_box_seal`); the server opens it
//!   with the matching private key.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::{Aead, AeadCore, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use ed25519_dalek::{Signer, SigningKey};

/// How long a client key may be used, in milliseconds.
pub(crate) const CLIENT_KEY_LIFETIME: i64 = 60 * 60 * 1000;
/// The vault key's file name, under the data directory's key directory.
pub(crate) const VAULT_KEY_FILE: &str = "fastly-secret-store.key";
const NONCE_LEN: usize = 24;
/// At most this many unexpired client keys are kept.
const MAX_CLIENT_KEYS: usize = 10_000;

/// A client key handed out to a caller.
pub(crate) struct ClientKey {
    pub(crate) public_key: [u8; 32],
    pub(crate) signature: [u8; 64],
    pub(crate) expires_at: i64,
}

pub(crate) struct Keys {
    vault: SalsaBox,
    signing: SigningKey,
    client_keys: Mutex<Vec<(PublicKey, SecretKey, i64)>>,
}

/// `n` random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

impl Keys {
    /// Loads the vault key from `key_dir` (creating it on first use), or makes a fresh one.
    pub(crate) fn open(key_dir: Option<&Path>) -> io::Result<Self> {
        let vault_secret = match key_dir {
            Some(dir) => load_or_create(&dir.join(VAULT_KEY_FILE))?,
            None => random::<32>(),
        };
        let secret = SecretKey::from(vault_secret);
        let vault = SalsaBox::new(&secret.public_key(), &secret);
        Ok(Self {
            vault,
            signing: SigningKey::from_bytes(&random::<32>()),
            client_keys: Mutex::new(Vec::new()),
        })
    }

    /// Seals a secret value for storage.
    pub(crate) fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = SalsaBox::generate_nonce(&mut OsRng);
        // Encryption with an in-memory key cannot fail for inputs of any length we accept.
        let ciphertext = self.vault.encrypt(&nonce, plaintext).unwrap_or_default();
        [nonce.as_slice(), &ciphertext].concat()
    }

    /// Opens a stored secret value.
    pub(crate) fn unseal(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.vault
            .decrypt(crypto_box::Nonce::from_slice(nonce), ciphertext)
            .ok()
    }

    /// The Ed25519 public key client keys are signed with.
    pub(crate) fn signing_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// A new client key, valid from `now` for [`CLIENT_KEY_LIFETIME`].
    pub(crate) fn client_key(&self, now: i64) -> ClientKey {
        let secret = SecretKey::from(random::<32>());
        let public = secret.public_key();
        let public_key = *public.as_bytes();
        let signature = self.signing.sign(&public_key).to_bytes();
        let expires_at = now + CLIENT_KEY_LIFETIME;
        let mut keys = self.lock();
        keys.retain(|(_, _, expires)| *expires > now);
        if keys.len() >= MAX_CLIENT_KEYS {
            keys.remove(0);
        }
        keys.push((public, secret, expires_at));
        ClientKey {
            public_key,
            signature,
            expires_at,
        }
    }

    /// Opens a sealed box addressed to one of the unexpired client keys.
    pub(crate) fn open_sealed(
        &self,
        client_key: &[u8],
        sealed: &[u8],
        now: i64,
    ) -> Result<Vec<u8>, &'static str> {
        let keys = self.lock();
        let Some((_, secret, _)) = keys
            .iter()
            .find(|(public, _, expires)| public.as_bytes() == client_key && *expires > now)
        else {
            return Err("unknown or expired client key");
        };
        secret
            .unseal(sealed)
            .map_err(|_| "the secret could not be decrypted with the client key")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(PublicKey, SecretKey, i64)>> {
        crate::lock(&self.client_keys)
    }
}

/// Reads a 32-byte key file, or writes a new random key there durably (temp file, fsync,
/// rename, fsync of the directory), readable by the owner only.
fn load_or_create(path: &Path) -> io::Result<[u8; 32]> {
    match fs::read(path) {
        Ok(bytes) => {
            return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a 32-byte key", path.display()),
                )
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let key = random::<32>();
    let tmp = dir.join(format!(".{VAULT_KEY_FILE}.tmp"));
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&key)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    fs::File::open(dir)?.sync_all()?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_round_trip_and_tamper() {
        let keys = Keys::open(None).unwrap_or_else(|e| panic!("{e}"));
        let sealed = keys.seal(b"s3cr3t");
        assert_ne!(&sealed[NONCE_LEN..], b"s3cr3t");
        assert_eq!(keys.unseal(&sealed).as_deref(), Some(&b"s3cr3t"[..]));
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(keys.unseal(&bad), None);
        assert_eq!(keys.unseal(&sealed[..10]), None);
    }

    #[test]
    fn vault_key_is_kept_in_the_key_dir() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sealed = Keys::open(Some(dir.path()))
            .unwrap_or_else(|e| panic!("{e}"))
            .seal(b"value");
        let again = Keys::open(Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.unseal(&sealed).as_deref(), Some(&b"value"[..]));
        let meta = fs::metadata(dir.path().join(VAULT_KEY_FILE)).unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn sealed_box_to_a_client_key_opens_once_signed_and_unexpired() {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let keys = Keys::open(None).unwrap_or_else(|e| panic!("{e}"));
        let ck = keys.client_key(1_000);
        let verifying =
            VerifyingKey::from_bytes(&keys.signing_key()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            verifying
                .verify(&ck.public_key, &Signature::from_bytes(&ck.signature))
                .is_ok()
        );
        let sealed = PublicKey::from(ck.public_key)
            .seal(&mut OsRng, b"plain")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            keys.open_sealed(&ck.public_key, &sealed, 2_000).as_deref(),
            Ok(&b"plain"[..])
        );
        assert!(
            keys.open_sealed(&ck.public_key, &sealed, 1_000 + CLIENT_KEY_LIFETIME)
                .is_err()
        );
        assert!(keys.open_sealed(&[0u8; 32], &sealed, 2_000).is_err());
    }
}
