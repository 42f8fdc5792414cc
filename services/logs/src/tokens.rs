//! Pagination tokens. They are opaque to clients; here they are a kind letter and a
//! position, hex-encoded so that any name survives the round trip.

use crate::error;
use ruststack_protocol::ServiceError;

/// Encodes a position (a name, or a numeric cursor) as a token.
pub(crate) fn encode(kind: char, position: &str) -> String {
    let mut out = String::with_capacity(2 + position.len() * 2);
    out.push(kind);
    out.push('/');
    for b in position.as_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Decodes a token made by [`encode`] with the same `kind`.
pub(crate) fn decode(kind: char, token: &str) -> Result<String, ServiceError> {
    let hex = token
        .strip_prefix(kind)
        .and_then(|t| t.strip_prefix('/'))
        .ok_or_else(error::invalid_token)?;
    if hex.len() % 2 != 0 {
        return Err(error::invalid_token());
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    bytes
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(error::invalid_token)
}

/// A page size: `limit` if given (validated against `1..=max`), else `default`.
pub(crate) fn page_size(
    limit: Option<i64>,
    default: usize,
    max: usize,
) -> Result<usize, ServiceError> {
    match limit {
        None => Ok(default),
        Some(l) if l < 1 => Err(error::validation(
            &l.to_string(),
            "limit",
            "Member must have value greater than or equal to 1",
        )),
        Some(l) if l as u64 > max as u64 => Err(error::validation(
            &l.to_string(),
            "limit",
            &format!("Member must have value less than or equal to {max}"),
        )),
        Some(l) => Ok(l as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = encode('g', "/aws/lambda/fn:ü");
        assert_eq!(decode('g', &t).unwrap(), "/aws/lambda/fn:ü");
        assert!(decode('s', &t).is_err());
        assert!(decode('g', "g/zz").is_err());
        assert!(decode('g', "g/abc").is_err());
        assert!(decode('g', "").is_err());
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None, 50, 50).unwrap(), 50);
        assert_eq!(page_size(Some(3), 50, 50).unwrap(), 3);
        assert!(page_size(Some(0), 50, 50).is_err());
        assert!(page_size(Some(51), 50, 50).is_err());
    }
}
