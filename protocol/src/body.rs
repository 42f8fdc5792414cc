//! The streaming body type and size-limited collection of buffered payloads.
//!
//! Payloads that may be large (S3 objects, Lambda code) stay streams; everything a service
//! needs whole (JSON and XML documents) is collected through [`collect_limited`], so no
//! request can make the server buffer more than the service's limit.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};

pub use axum_core::body::Body;

/// Why a body could not be collected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is larger than the limit (by `Content-Length` or while reading).
    #[error("request body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The connection failed while the body was being read.
    #[error("failed to read request body: {0}")]
    Read(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Reads the whole body, failing as soon as it exceeds `limit` bytes.
///
/// `content_length` (from the request head) lets an oversized upload be refused before any of
/// it is read.
pub async fn collect_limited(
    body: Body,
    content_length: Option<u64>,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge { limit }),
        Err(e) => Err(BodyError::Read(e)),
    }
}

/// The `Content-Length` of a request head, if present and well-formed.
pub fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn collects_within_limit() {
        let got = collect_limited(Body::from("hello"), None, 5).await.unwrap();
        assert_eq!(got, Bytes::from_static(b"hello"));
    }

    #[tokio::test]
    async fn refuses_by_content_length_before_reading() {
        let err = collect_limited(Body::from("x"), Some(10), 5)
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { limit: 5 }));
    }

    #[tokio::test]
    async fn refuses_while_streaming() {
        let err = collect_limited(Body::from("123456"), None, 5)
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { limit: 5 }));
    }
}
