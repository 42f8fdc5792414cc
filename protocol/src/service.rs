//! The seam between the gateway and a service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::{Body, RequestContext, ServiceError};

/// An HTTP request as a service receives it (the body is streamed, never pre-read).
pub type Request = http::Request<Body>;
/// An HTTP response as a service returns it.
pub type Response = http::Response<Body>;
/// A boxed, sendable future (services are called through `dyn Service`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Every service ruststack knows, whether or not it is enabled or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceId {
    /// Amazon S3 (rest-xml).
    S3,
    /// Amazon DynamoDB (awsJson 1.0).
    DynamoDb,
    /// Amazon DynamoDB Streams (awsJson 1.0, signing name `dynamodb`).
    DynamoDbStreams,
    /// AWS Lambda (rest-json).
    Lambda,
    /// Amazon CloudWatch Logs (awsJson 1.1).
    Logs,
    /// Fastly: the management API for stores, and Compute.
    Fastly,
}

impl ServiceId {
    /// All services, in the order they are listed to users.
    pub const ALL: [ServiceId; 6] = [
        ServiceId::S3,
        ServiceId::DynamoDb,
        ServiceId::DynamoDbStreams,
        ServiceId::Lambda,
        ServiceId::Logs,
        ServiceId::Fastly,
    ];

    /// The name used in `--services`, health output, metrics and logs (LocalStack's names).
    pub fn name(self) -> &'static str {
        match self {
            ServiceId::S3 => "s3",
            ServiceId::DynamoDb => "dynamodb",
            ServiceId::DynamoDbStreams => "dynamodbstreams",
            ServiceId::Lambda => "lambda",
            ServiceId::Logs => "logs",
            ServiceId::Fastly => "fastly",
        }
    }

    /// Looks a service up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The wire protocol the service speaks.
    pub fn protocol(self) -> Protocol {
        match self {
            ServiceId::S3 => Protocol::RestXml,
            ServiceId::DynamoDb | ServiceId::DynamoDbStreams => Protocol::AwsJson1_0,
            ServiceId::Lambda => Protocol::RestJson,
            ServiceId::Logs => Protocol::AwsJson1_1,
            ServiceId::Fastly => Protocol::FastlyApi,
        }
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A wire protocol: decides the error envelope and the request-id headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// REST with XML bodies (S3).
    RestXml,
    /// JSON RPC over POST with `X-Amz-Target`, version 1.0 (DynamoDB).
    AwsJson1_0,
    /// JSON RPC over POST with `X-Amz-Target`, version 1.1 (CloudWatch Logs).
    AwsJson1_1,
    /// REST with JSON bodies (Lambda).
    RestJson,
    /// Form-encoded `Action=` requests with XML responses (SQS, SNS, STS…); ruststack only
    /// answers these with errors.
    Query,
    /// Fastly's REST API (`{"msg","detail"}` errors).
    FastlyApi,
}

/// Which kind of endpoint a request addressed, as the gateway found from the Host and path.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Endpoint {
    /// The service's ordinary API endpoint (path-style for S3).
    #[default]
    Api,
    /// S3 virtual-hosted style: the bucket came from the Host header.
    S3VirtualHost {
        /// Bucket name taken from the Host.
        bucket: String,
    },
    /// A Lambda function URL (`<url-id>.lambda-url.<region>.<domain>`).
    LambdaUrl {
        /// The URL id (first label of the host).
        url_id: String,
    },
    /// A Fastly Compute service host (`<name>.edgecompute.<domain>`).
    FastlyCompute {
        /// The service name (first label of the host).
        service: String,
    },
}

/// What the gateway needs from a service.
///
/// Implementations decode the request with this crate's codecs, run the operation on typed
/// input and encode the typed output; they never build error envelopes themselves.
pub trait Service: Send + Sync + 'static {
    /// Which service this is.
    fn id(&self) -> ServiceId;

    /// Handles one request. The operation name must be recorded with
    /// [`RequestContext::set_operation`] as soon as it is known.
    fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: Request,
    ) -> BoxFuture<'a, Result<Response, ServiceError>>;

    /// Empties all state of this service (in memory and on disk).
    fn reset(&self) -> Result<(), ServiceError>;
}
