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
        let uuid = uuid::Uuid::new_v4();
        let bytes = uuid.as_bytes();
        let id = match protocol {
            Protocol::RestXml => bytes[..8].iter().map(|b| format!("{b:02X}")).collect(),
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
}
