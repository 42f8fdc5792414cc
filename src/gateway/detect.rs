//! Decides which service a request is for, from its head alone (never the body).
//!
//! Rules run in a fixed order; the S3 fallback is last. The order follows LocalStack's
//! `service_router.py` where clients depend on it:
//!
//! 0. ruststack's own endpoints: `/_localstack/*`, `/_ruststack/*`, and the unsigned
//!    probes `/health`, `/health/live`, `/health/ready`, `/metrics`.
//! 1. Data-plane hosts, before any API rule (LocalStack handles these ahead of detection,
//!    because a function URL or a Compute app receives arbitrary requests):
//!    `<url-id>.lambda-url.<region>.<domain>` → Lambda, `<name>.edgecompute.<domain>` → Fastly.
//! 2. `X-Amz-Target` prefix: `DynamoDB_20120810` → dynamodb, `DynamoDBStreams_20120810` →
//!    dynamodbstreams, `Logs_20140328` → logs. Any other prefix names a service ruststack
//!    does not emulate.
//! 3. The SigV4 credential scope (`Authorization` or the presigned `X-Amz-Credential`):
//!    `s3` (and `s3express`, `s3-object-lambda`; S3 Control's `/v20180820` paths excepted),
//!    `lambda`, `logs`, `dynamodb`. Both DynamoDB and Streams sign as `dynamodb`; a
//!    Streams request always has its target, so rule 2 already took it.
//! 4. Lambda's REST paths (`/<api-date>/functions…`, `…/layers…`, `…/event-source-mappings…`,
//!    `…/tags…`), so that unsigned invokes work.
//! 5. Fastly's management API: a `Fastly-Key` header, or `/resources/stores/…` and the
//!    account endpoint's `/realms/fastly/…`.
//! 6. Host names: `<bucket>.s3.<anything>`, `<bucket>.localhost`, and the endpoint-prefix
//!    hosts (`dynamodb.…`, `logs.…`, `lambda.…`, `streams.dynamodb.…`, `s3.…`).
//! 7. Otherwise S3 (so `curl http://localhost:4566/bucket/key` works).

use http::request::Parts;
use ruststack_protocol::sigv4::{Auth, PRESIGN_QUERY_PARAMS};
use ruststack_protocol::{Endpoint, Protocol, ServiceId};

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// One of ruststack's own endpoints (health, reset, clock, metrics…).
    Internal,
    /// A service ruststack emulates.
    Service {
        /// The service.
        service: ServiceId,
        /// How it was addressed.
        endpoint: Endpoint,
        /// A region named by the host (`<bucket>.s3.<region>.amazonaws.com`), used when the
        /// request carries no SigV4 scope.
        host_region: Option<String>,
    },
    /// A service ruststack does not emulate (named by its target prefix or signing name),
    /// answered in the protocol the client speaks.
    Unsupported {
        /// The target prefix or signing name.
        name: String,
        /// The protocol to answer in.
        protocol: Protocol,
    },
}

/// Lambda's REST resources, the second path segment after an API date (botocore's
/// `requestUri`s, all of the form `/YYYY-MM-DD/<resource>…`).
const LAMBDA_RESOURCES: [&str; 10] = [
    "functions",
    "event-source-mappings",
    "layers",
    "tags",
    "account-settings",
    "code-signing-configs",
    "capacity-providers",
    "durable-executions",
    "durable-execution-callbacks",
    "resource-policy",
];

/// Paths served by ruststack itself when the request is unsigned (a signed request for
/// them is an S3 request for a bucket of that name).
const PROBE_PATHS: [&str; 4] = ["/health", "/health/live", "/health/ready", "/metrics"];

/// The detection function. `auth` is the request's parsed signature, if any.
pub fn detect(parts: &Parts, auth: Option<&Auth>) -> Route {
    let path = parts.uri.path();
    let host = host_name(parts);

    // 0. internal
    if path.starts_with("/_localstack/")
        || path == "/_localstack"
        || path.starts_with("/_ruststack/")
        || (auth.is_none() && PROBE_PATHS.contains(&path))
    {
        return Route::Internal;
    }

    // 1. data-plane hosts
    if let Some(host) = host {
        if let Some((url_id, rest)) = host.split_once(".lambda-url.")
            && !url_id.is_empty()
            && !url_id.contains('.')
        {
            let region = rest.split('.').next().filter(|r| looks_like_region(r));
            return service_route(
                ServiceId::Lambda,
                Endpoint::LambdaUrl {
                    url_id: url_id.to_owned(),
                },
                region,
            );
        }
        if let Some((name, _)) = host.split_once(".edgecompute.")
            && !name.is_empty()
            && !name.contains('.')
        {
            return service_route(
                ServiceId::Fastly,
                Endpoint::FastlyCompute {
                    service: name.to_owned(),
                },
                None,
            );
        }
    }

    // Lambda's own data-plane paths: function URLs without DNS
    // (`/_aws/lambda-url/<url-id>/…`) and code downloads (`/_aws/lambda/code/<id>`).
    if let Some(rest) = path.strip_prefix("/_aws/lambda-url/") {
        let url_id = rest.split('/').next().unwrap_or_default();
        if !url_id.is_empty() {
            return service_route(
                ServiceId::Lambda,
                Endpoint::LambdaUrl {
                    url_id: url_id.to_owned(),
                },
                None,
            );
        }
    }
    if path.starts_with("/_aws/lambda/code/") {
        return service_route(ServiceId::Lambda, Endpoint::Api, None);
    }

    // 2. X-Amz-Target
    if let Some(target) = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        let prefix = target.split_once('.').map_or(target, |(p, _)| p);
        let service = match prefix {
            "DynamoDB_20120810" => Some(ServiceId::DynamoDb),
            "DynamoDBStreams_20120810" => Some(ServiceId::DynamoDbStreams),
            "Logs_20140328" => Some(ServiceId::Logs),
            _ => None,
        };
        return match service {
            Some(service) => service_route(service, Endpoint::Api, None),
            None => Route::Unsupported {
                name: prefix.to_owned(),
                protocol: guess_protocol(parts),
            },
        };
    }

    // 3. SigV4 signing name
    if let Some(name) = auth.and_then(Auth::signing_name) {
        return match name {
            // S3 Control shares the signing name; its API lives under /v20180820.
            "s3" if path.starts_with("/v20180820") => Route::Unsupported {
                name: "s3control".to_owned(),
                protocol: Protocol::RestXml,
            },
            // Directory-bucket and Object Lambda operations are S3 operations.
            "s3" | "s3express" | "s3-object-lambda" => s3_route(host),
            "lambda" => service_route(ServiceId::Lambda, Endpoint::Api, None),
            "logs" => service_route(ServiceId::Logs, Endpoint::Api, None),
            "dynamodb" => service_route(ServiceId::DynamoDb, Endpoint::Api, None),
            other => Route::Unsupported {
                name: other.to_owned(),
                protocol: guess_protocol(parts),
            },
        };
    }

    // 4. Lambda REST paths
    let mut segments = path.trim_start_matches('/').split('/');
    if let (Some(date), Some(resource)) = (segments.next(), segments.next())
        && is_api_date(date)
        && LAMBDA_RESOURCES.contains(&resource)
    {
        return service_route(ServiceId::Lambda, Endpoint::Api, None);
    }

    // 5. Fastly management API
    if parts.headers.contains_key("fastly-key")
        || path == "/resources/stores"
        || path.starts_with("/resources/stores/")
        || path.starts_with("/realms/fastly/")
    {
        return service_route(ServiceId::Fastly, Endpoint::Api, None);
    }

    // 6. host names
    if let Some(host) = host {
        for (prefix, service) in [
            ("streams.dynamodb.", ServiceId::DynamoDbStreams),
            ("dynamodb.", ServiceId::DynamoDb),
            ("logs.", ServiceId::Logs),
            ("lambda.", ServiceId::Lambda),
        ] {
            if host.starts_with(prefix) {
                return service_route(service, Endpoint::Api, None);
            }
        }
    }

    // 7. S3: virtual host or path style, the catch-all
    s3_route(host)
}

fn service_route(service: ServiceId, endpoint: Endpoint, host_region: Option<&str>) -> Route {
    Route::Service {
        service,
        endpoint,
        host_region: host_region.map(str::to_owned),
    }
}

/// S3 with the bucket taken from the host when it is virtual-hosted:
/// `<bucket>.s3.<anything>` (the last `.s3.` wins, bucket names may contain dots, as in
/// LocalStack) or `<bucket>.localhost`.
fn s3_route(host: Option<&str>) -> Route {
    let Some(host) = host else {
        return service_route(ServiceId::S3, Endpoint::Api, None);
    };
    if let Some(idx) = host.rfind(".s3.") {
        let bucket = &host[..idx];
        let region = host[idx + 4..]
            .split('.')
            .next()
            .filter(|r| looks_like_region(r));
        if !bucket.is_empty() {
            let endpoint = Endpoint::S3VirtualHost {
                bucket: bucket.to_owned(),
            };
            return service_route(ServiceId::S3, endpoint, region);
        }
    }
    if let Some(bucket) = host.strip_suffix(".localhost")
        && !bucket.is_empty()
        && !bucket.contains('.')
    {
        let endpoint = Endpoint::S3VirtualHost {
            bucket: bucket.to_owned(),
        };
        return service_route(ServiceId::S3, endpoint, None);
    }
    service_route(ServiceId::S3, Endpoint::Api, None)
}

/// The host name without its port: the `Host` header first, then the URI authority (HTTP/2).
fn host_name(parts: &Parts) -> Option<&str> {
    let raw = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())?;
    let host = if raw.starts_with('[') {
        raw.find(']').map_or(raw, |end| &raw[..=end])
    } else {
        raw.split(':').next().unwrap_or(raw)
    };
    Some(host)
}

/// `YYYY-MM-DD`.
fn is_api_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// An AWS region label such as `us-east-1`, `eu-central-2`, `us-gov-west-1`.
fn looks_like_region(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() >= 2
        && rest
            .last()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && rest[..rest.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// The protocol a client of an unknown service speaks, from its content type and query.
fn guess_protocol(parts: &Parts) -> Protocol {
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-amz-json-1.1") {
        Protocol::AwsJson1_1
    } else if content_type.starts_with("application/x-amz-json-1.0") {
        Protocol::AwsJson1_0
    } else if content_type.starts_with("application/x-www-form-urlencoded")
        || parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("Action=")))
    {
        Protocol::Query
    } else if parts.headers.contains_key("x-amz-target") {
        Protocol::AwsJson1_0
    } else {
        Protocol::RestJson
    }
}

/// Whether the query string carries a presigned-URL parameter.
pub fn has_presign_query(parts: &Parts) -> bool {
    parts.uri.query().is_some_and(|q| {
        q.split('&')
            .any(|kv| PRESIGN_QUERY_PARAMS.contains(&kv.split('=').next().unwrap_or_default()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruststack_protocol::sigv4;

    fn route(method: &str, uri: &str, headers: &[(&str, &str)]) -> Route {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let parts = b.body(()).unwrap().into_parts().0;
        let auth = sigv4::parse(&parts);
        detect(&parts, auth.as_ref())
    }

    fn api(service: ServiceId) -> Route {
        Route::Service {
            service,
            endpoint: Endpoint::Api,
            host_region: None,
        }
    }

    fn vhost(bucket: &str, region: Option<&str>) -> Route {
        Route::Service {
            service: ServiceId::S3,
            endpoint: Endpoint::S3VirtualHost {
                bucket: bucket.into(),
            },
            host_region: region.map(Into::into),
        }
    }

    fn sig(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, \
             SignedHeaders=host, Signature=00"
        )
    }

    #[test]
    fn detection_table() {
        let h = "localhost:4566";
        let (s3, ddb, lambda, sqs) = (sig("s3"), sig("dynamodb"), sig("lambda"), sig("sqs"));
        let (s3x, s3ol) = (sig("s3express"), sig("s3-object-lambda"));
        type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Route);
        let cases: Vec<Case<'_>> = vec![
            // internal
            ("GET", "/_localstack/health", vec![], Route::Internal),
            (
                "POST",
                "/_ruststack/state/reset?service=s3",
                vec![],
                Route::Internal,
            ),
            ("GET", "/health", vec![("host", h)], Route::Internal),
            ("GET", "/metrics", vec![], Route::Internal),
            // a signed request for /health is ListObjects on bucket "health"
            (
                "GET",
                "/health",
                vec![("authorization", &s3)],
                api(ServiceId::S3),
            ),
            // X-Amz-Target
            (
                "POST",
                "/",
                vec![
                    ("x-amz-target", "DynamoDB_20120810.ListTables"),
                    ("authorization", &ddb),
                ],
                api(ServiceId::DynamoDb),
            ),
            (
                "POST",
                "/",
                vec![
                    ("x-amz-target", "DynamoDBStreams_20120810.ListStreams"),
                    ("authorization", &ddb),
                ],
                api(ServiceId::DynamoDbStreams),
            ),
            (
                "POST",
                "/",
                vec![("x-amz-target", "Logs_20140328.PutLogEvents")],
                api(ServiceId::Logs),
            ),
            (
                "POST",
                "/",
                vec![
                    ("x-amz-target", "AmazonSQS.SendMessage"),
                    ("content-type", "application/x-amz-json-1.0"),
                ],
                Route::Unsupported {
                    name: "AmazonSQS".into(),
                    protocol: Protocol::AwsJson1_0,
                },
            ),
            (
                "POST",
                "/",
                vec![
                    ("x-amz-target", "Kinesis_20131202.ListStreams"),
                    ("content-type", "application/x-amz-json-1.1"),
                ],
                Route::Unsupported {
                    name: "Kinesis_20131202".into(),
                    protocol: Protocol::AwsJson1_1,
                },
            ),
            // signing name
            ("GET", "/", vec![("authorization", &s3)], api(ServiceId::S3)),
            (
                "GET",
                "/",
                vec![("authorization", &s3x)],
                api(ServiceId::S3),
            ),
            (
                "POST",
                "/WriteGetObjectResponse",
                vec![("authorization", &s3ol)],
                api(ServiceId::S3),
            ),
            (
                "GET",
                "/v20180820/configuration/publicAccessBlock",
                vec![("authorization", &s3)],
                Route::Unsupported {
                    name: "s3control".into(),
                    protocol: Protocol::RestXml,
                },
            ),
            (
                "GET",
                "/2015-03-31/functions/",
                vec![("authorization", &lambda)],
                api(ServiceId::Lambda),
            ),
            (
                "POST",
                "/",
                vec![
                    ("authorization", &sqs),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                Route::Unsupported {
                    name: "sqs".into(),
                    protocol: Protocol::Query,
                },
            ),
            (
                "GET",
                "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2Fus-east-1%2Fs3%2Faws4_request",
                vec![],
                api(ServiceId::S3),
            ),
            (
                "GET",
                "/?Action=GetCallerIdentity&X-Amz-Credential=test%2F20240101%2Fus-east-1%2Fsts%2Faws4_request",
                vec![],
                Route::Unsupported {
                    name: "sts".into(),
                    protocol: Protocol::Query,
                },
            ),
            // lambda paths, unsigned
            (
                "POST",
                "/2015-03-31/functions/f/invocations",
                vec![],
                api(ServiceId::Lambda),
            ),
            (
                "GET",
                "/2021-10-31/functions/f/url",
                vec![],
                api(ServiceId::Lambda),
            ),
            ("GET", "/2018-10-31/layers", vec![], api(ServiceId::Lambda)),
            (
                "GET",
                "/2015-03-31/event-source-mappings/",
                vec![],
                api(ServiceId::Lambda),
            ),
            (
                "GET",
                "/2017-03-31/tags/arn",
                vec![],
                api(ServiceId::Lambda),
            ),
            ("GET", "/2015-03-31/not-lambda", vec![], api(ServiceId::S3)),
            // fastly
            (
                "GET",
                "/resources/stores/kv",
                vec![("fastly-key", "t")],
                api(ServiceId::Fastly),
            ),
            (
                "POST",
                "/resources/stores/config",
                vec![],
                api(ServiceId::Fastly),
            ),
            (
                "GET",
                "/realms/fastly/.well-known/openid-configuration",
                vec![],
                api(ServiceId::Fastly),
            ),
            (
                "GET",
                "/anything",
                vec![("fastly-key", "t")],
                api(ServiceId::Fastly),
            ),
            // hosts
            (
                "GET",
                "/key",
                vec![("host", "mybucket.s3.localhost.localstack.cloud:4566")],
                vhost("mybucket", None),
            ),
            (
                "GET",
                "/key",
                vec![("host", "my.dotted.bucket.s3.eu-west-1.amazonaws.com")],
                vhost("my.dotted.bucket", Some("eu-west-1")),
            ),
            (
                "PUT",
                "/key",
                vec![
                    ("host", "mybucket.s3.localhost.localstack.cloud:4566"),
                    ("authorization", &s3),
                ],
                vhost("mybucket", None),
            ),
            (
                "GET",
                "/",
                vec![("host", "mybucket.localhost:4566")],
                vhost("mybucket", None),
            ),
            (
                "GET",
                "/b",
                vec![("host", "s3.localhost.localstack.cloud:4566")],
                api(ServiceId::S3),
            ),
            (
                "GET",
                "/b",
                vec![("host", "localhost.localstack.cloud:4566")],
                api(ServiceId::S3),
            ),
            (
                "GET",
                "/",
                vec![("host", "abc123.lambda-url.us-east-1.localhost:4566")],
                Route::Service {
                    service: ServiceId::Lambda,
                    endpoint: Endpoint::LambdaUrl {
                        url_id: "abc123".into(),
                    },
                    host_region: Some("us-east-1".into()),
                },
            ),
            (
                "POST",
                "/2015-03-31/functions",
                vec![
                    ("host", "abc123.lambda-url.us-east-1.localhost"),
                    ("x-amz-target", "DynamoDB_20120810.ListTables"),
                ],
                Route::Service {
                    service: ServiceId::Lambda,
                    endpoint: Endpoint::LambdaUrl {
                        url_id: "abc123".into(),
                    },
                    host_region: Some("us-east-1".into()),
                },
            ),
            (
                "GET",
                "/x",
                vec![("host", "my-app.edgecompute.localhost:4566")],
                Route::Service {
                    service: ServiceId::Fastly,
                    endpoint: Endpoint::FastlyCompute {
                        service: "my-app".into(),
                    },
                    host_region: None,
                },
            ),
            (
                "POST",
                "/",
                vec![("host", "dynamodb.us-east-1.localhost")],
                api(ServiceId::DynamoDb),
            ),
            (
                "POST",
                "/",
                vec![("host", "streams.dynamodb.us-east-1.amazonaws.com")],
                api(ServiceId::DynamoDbStreams),
            ),
            (
                "POST",
                "/",
                vec![("host", "logs.us-east-1.amazonaws.com")],
                api(ServiceId::Logs),
            ),
            // fallback
            ("GET", "/bucket/key", vec![("host", h)], api(ServiceId::S3)),
            ("PUT", "/bucket", vec![], api(ServiceId::S3)),
            (
                "GET",
                "/",
                vec![("authorization", "AWS test:sig")],
                api(ServiceId::S3),
            ),
            (
                "GET",
                "/",
                vec![("authorization", "garbage")],
                api(ServiceId::S3),
            ),
        ];
        for (method, uri, headers, expected) in cases {
            assert_eq!(
                route(method, uri, &headers),
                expected,
                "{method} {uri} {headers:?}"
            );
        }
    }

    #[test]
    fn region_labels() {
        for r in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(looks_like_region(r), "{r}");
        }
        for r in [
            "localhost",
            "s3",
            "us-east",
            "us-east-x",
            "USA-east-1",
            "",
            "u-e-1",
        ] {
            assert!(!looks_like_region(r), "{r}");
        }
    }

    #[test]
    fn host_parsing() {
        let parts = |h: &str| {
            http::Request::builder()
                .header("host", h)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        assert_eq!(host_name(&parts("a.b:4566")), Some("a.b"));
        assert_eq!(host_name(&parts("a.b")), Some("a.b"));
        assert_eq!(host_name(&parts("[::1]:4566")), Some("[::1]"));
        assert_eq!(host_name(&parts("[::1]")), Some("[::1]"));
    }
}
