//! Request ids, in the format each protocol's clients expect to see.

use std::fmt;

use crate::Protocol;

/// A request id. JSON services use a UUID (`x-amzn-RequestId`); S3 uses 16 upper-case hex
/// characters (`x-amz-request-id`) plus a base64 extended id (`x-amz-id-2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId {
    id: String,
    host_id: String,
}

impl RequestId {
    /// A fresh id in the format of `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        let uuid = uuid::Builder::from_random_bytes(random_bytes()).into_uuid();
        let bytes = uuid.as_bytes();
        let id = match protocol {
            Protocol::RestXml => {
                let mut id = String::with_capacity(16);
                for b in &bytes[..8] {
                    id.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                    id.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
                }
                id
            }
            _ => uuid.hyphenated().to_string(),
        };
        // S3's extended request id is an opaque base64 string; derive it from the same UUID.
        let mut host = Vec::with_capacity(48);
        for round in 0u8..3 {
            host.extend(
                bytes
                    .iter()
                    .map(|b| b.rotate_left(u32::from(round)) ^ round),
            );
        }
        Self {
            id,
            host_id: crate::encoding::base64_encode(&host),
        }
    }

    /// The id as sent in the protocol's request-id header.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// S3's `x-amz-id-2` / `<HostId>` value.
    pub fn host_id(&self) -> &str {
        &self.host_id
    }
}

/// 16 random bytes from a per-thread generator (SplitMix64) seeded once from the OS: ids
/// must be unique, not secret, and a system call per request costs more than the rest of
/// the id.
fn random_bytes() -> [u8; 16] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let seed = uuid::Uuid::new_v4().as_u64_pair();
            seed.0 ^ seed.1.rotate_left(17)
        });
    }
    let next = || {
        STATE.with(|state| {
            let mut z = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&next().to_le_bytes());
    out[8..].copy_from_slice(&next().to_le_bytes());
    out
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_ids_are_sixteen_upper_hex() {
        let id = RequestId::new(Protocol::RestXml);
        assert_eq!(id.as_str().len(), 16);
        assert!(
            id.as_str()
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(id.host_id().len(), 64);
    }

    #[test]
    fn json_ids_are_uuids() {
        let id = RequestId::new(Protocol::AwsJson1_0);
        assert!(uuid::Uuid::parse_str(id.as_str()).is_ok());
        assert_ne!(id, RequestId::new(Protocol::AwsJson1_0));
    }

    #[test]
    fn ids_do_not_repeat() {
        let ids: std::collections::HashSet<String> = (0..10_000)
            .map(|_| RequestId::new(Protocol::RestXml).as_str().to_owned())
            .collect();
        assert_eq!(ids.len(), 10_000);
    }
}
