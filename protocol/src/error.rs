//! [`ServiceError`]: the one error type that reaches the wire.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderName, HeaderValue, StatusCode};

/// Who is at fault (botocore's `senderFault`): decides `Sender`/`Receiver` in query
/// envelopes and `User`/`Service` in Lambda's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The caller sent something wrong (4xx).
    Client,
    /// The server failed (5xx).
    Server,
}

type Source = Box<dyn std::error::Error + Send + Sync>;

/// An error with the exact wire code, message and status AWS would send.
///
/// Boxed so that `Result<T, ServiceError>` stays small.
pub struct ServiceError(Box<Inner>);

struct Inner {
    status: StatusCode,
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    namespace: Option<&'static str>,
    fields: Vec<(Cow<'static, str>, serde_json::Value)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    source: Option<Source>,
}

impl ServiceError {
    /// An error with an exact AWS code (`NoSuchBucket`, `ResourceNotFoundException`).
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self(Box::new(Inner {
            status,
            code: code.into(),
            message: message.into(),
            namespace: None,
            fields: Vec::new(),
            headers: Vec::new(),
            source: None,
        }))
    }

    /// A 500 for an internal failure. The cause is kept for the log and never serialised.
    #[track_caller]
    pub fn internal(
        code: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        let source = source.into();
        let at = std::panic::Location::caller();
        tracing::error!(%at, error = %ErrorChain(&*source), "internal failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            "We encountered an internal error. Please try again.",
        )
        .with_source(source)
    }

    /// Sets the awsJson 1.0 `__type` namespace (`com.amazonaws.dynamodb.v20120810`),
    /// overriding the service's default.
    pub fn with_namespace(mut self, namespace: &'static str) -> Self {
        self.0.namespace = Some(namespace);
        self
    }

    /// Adds a modelled member of the error shape (`BucketName`, `CancellationReasons`…).
    pub fn with_field(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.0.fields.push((name.into(), value.into()));
        self
    }

    /// Adds a response header (`Retry-After`, `x-amz-bucket-region`…).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    /// Attaches the underlying cause (logged, never sent).
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// Exact wire code.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// Human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The awsJson 1.0 namespace override, if any.
    pub fn namespace(&self) -> Option<&'static str> {
        self.0.namespace
    }

    /// Extra modelled members, in insertion order.
    pub fn fields(&self) -> &[(Cow<'static, str>, serde_json::Value)] {
        &self.0.fields
    }

    /// Extra response headers.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.0.headers
    }

    /// Client or server fault, from the status.
    pub fn fault(&self) -> Fault {
        if self.0.status.is_server_error() {
            Fault::Server
        } else {
            Fault::Client
        }
    }
}

/// Formats an error and its `source()` chain on one line: `outer: inner: root`.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("status", &self.0.status)
            .field("code", &self.0.code)
            .field("message", &self.0.message)
            .field("source", &self.0.source)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.0.code,
            self.0.status.as_u16(),
            self.0.message
        )
    }
}

impl std::error::Error for ServiceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_follows_status() {
        let e = ServiceError::new(StatusCode::NOT_FOUND, "NoSuchBucket", "gone");
        assert_eq!(e.fault(), Fault::Client);
        let e = ServiceError::internal("InternalError", "disk on fire");
        assert_eq!(e.fault(), Fault::Server);
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(std::error::Error::source(&e).is_some());
        assert!(
            !e.to_string().contains("disk on fire"),
            "causes are never in the message"
        );
    }
}
