//! The wire side of ruststack: everything that knows how AWS (and Fastly) requests and
//! responses look, and nothing that knows what a service does.
//!
//! # Layout
//! - [`service`] — the [`Service`](service::Service) trait (the gateway's only view of a
//!   service), [`ServiceId`](service::ServiceId) and [`Protocol`](service::Protocol).
//! - [`context`] — [`RequestContext`](context::RequestContext), built once per request by the
//!   gateway: request id, account, region, clock.
//! - [`clock`] — the one clock every expiry reads; tests move it.
//! - [`error`] — [`ServiceError`](error::ServiceError), the one error type on the wire.
//! - [`envelope`] — serialises a `ServiceError` in the envelope of each protocol and stamps
//!   request-id headers on every response.
//! - [`json`], [`rest_json`], [`rest_xml`], [`query`], [`fastly_api`]: per-protocol codecs.
//! - [`sigv4`]: parses (does not verify) `Authorization` headers and presigned queries.
//! - [`rest`] — REST bindings: query, headers, HTTP dates, byte ranges, URI escaping;
//!   [`aws_chunked`] — the S3 streaming-upload body encoding.
//! - [`body`] — the streaming body type and size-limited collection.
//! - [`request_id`] — request ids in each protocol's format.
//! - [`encoding`] — base64.
//! - [`scope`] — state partitioned by (account, region).
//!
//! # Invariants
//! - Only this crate writes error envelopes; services return `ServiceError`.
//! - Nothing here panics on input: every parser returns `Option`/`Result`.

pub mod aws_chunked;
pub mod body;
pub mod clock;
pub mod context;
pub mod encoding;
pub mod envelope;
pub mod error;
pub mod fastly_api;
pub mod json;
pub mod query;
pub mod request_id;
pub mod rest;
pub mod rest_json;
pub mod rest_xml;
pub mod scope;
pub mod service;
pub mod sigv4;
mod xml;

pub use body::Body;
pub use clock::Clock;
pub use context::RequestContext;
pub use error::ServiceError;
pub use service::{Endpoint, Protocol, Request, Response, Service, ServiceId};
