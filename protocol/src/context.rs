//! The typed request context the gateway builds once per request.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::SystemTime;

use crate::request_id::RequestId;
use crate::{Clock, Endpoint, Protocol, ServiceId};

/// The account used when the access key does not name one (LocalStack's default).
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
/// The region used when a request carries no SigV4 scope.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The access key assumed for unsigned requests.
pub const DEFAULT_ACCESS_KEY: &str = "test";

/// Everything a service may know about a request besides its typed input.
#[derive(Debug)]
pub struct RequestContext {
    /// The request id sent back in the protocol's request-id headers.
    pub request_id: RequestId,
    /// The service the gateway routed the request to.
    pub service: ServiceId,
    /// The wire protocol of the response.
    pub protocol: Protocol,
    /// Which endpoint form was addressed (path-style, virtual host, function URL…).
    pub endpoint: Endpoint,
    /// Region from the SigV4 scope, else [`DEFAULT_REGION`].
    pub region: String,
    /// Access key id from SigV4/SigV2, else [`DEFAULT_ACCESS_KEY`].
    pub access_key: String,
    /// Account id: a 12-digit access key is the account, otherwise [`DEFAULT_ACCOUNT_ID`].
    pub account_id: String,
    /// Whether the request was `HEAD` (error envelopes then carry no body).
    pub is_head: bool,
    /// When the gateway received the request, by [`clock`](Self::clock).
    pub received_at: SystemTime,
    /// The shared clock.
    pub clock: Clock,
    operation: OnceLock<Cow<'static, str>>,
}

impl RequestContext {
    /// Builds a context; `region`/`access_key` fall back to the defaults when `None`.
    pub fn new(
        service: ServiceId,
        protocol: Protocol,
        region: Option<&str>,
        access_key: Option<&str>,
        clock: Clock,
    ) -> Self {
        let region = region
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_REGION)
            .to_owned();
        let access_key = access_key
            .filter(|k| !k.is_empty())
            .unwrap_or(DEFAULT_ACCESS_KEY)
            .to_owned();
        let account_id = account_for_access_key(&access_key).to_owned();
        Self {
            request_id: RequestId::new(protocol),
            service,
            protocol,
            endpoint: Endpoint::Api,
            region,
            access_key,
            account_id,
            is_head: false,
            received_at: clock.now(),
            clock,
            operation: OnceLock::new(),
        }
    }

    /// Records the operation name (first call wins); used by logs and metrics.
    pub fn set_operation(&self, operation: impl Into<Cow<'static, str>>) {
        let _ = self.operation.set(operation.into());
    }

    /// The operation name, once the service has resolved it.
    pub fn operation(&self) -> Option<&str> {
        self.operation.get().map(|o| o.as_ref())
    }
}

/// LocalStack's rule: an access key of exactly 12 digits is the account id.
pub fn account_for_access_key(access_key: &str) -> &str {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key
    } else {
        DEFAULT_ACCOUNT_ID
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_from_access_key() {
        assert_eq!(account_for_access_key("123456789012"), "123456789012");
        assert_eq!(account_for_access_key("test"), DEFAULT_ACCOUNT_ID);
        assert_eq!(
            account_for_access_key("AKIAIOSFODNN7EXAMPLE"),
            DEFAULT_ACCOUNT_ID
        );
        assert_eq!(account_for_access_key("12345678901a"), DEFAULT_ACCOUNT_ID);
        assert_eq!(account_for_access_key("1234567890123"), DEFAULT_ACCOUNT_ID);
    }

    #[test]
    fn defaults_apply_to_missing_scope() {
        let ctx = RequestContext::new(
            ServiceId::S3,
            Protocol::RestXml,
            None,
            Some(""),
            Clock::new(),
        );
        assert_eq!(ctx.region, DEFAULT_REGION);
        assert_eq!(ctx.access_key, DEFAULT_ACCESS_KEY);
        assert_eq!(ctx.account_id, DEFAULT_ACCOUNT_ID);
        assert_eq!(ctx.operation(), None);
        ctx.set_operation("ListBuckets");
        ctx.set_operation("Ignored");
        assert_eq!(ctx.operation(), Some("ListBuckets"));
    }
}
