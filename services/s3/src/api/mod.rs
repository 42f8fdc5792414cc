//! The S3 request view, dispatch, presigned-URL expiry and CORS on responses.

pub(crate) mod route;

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use ruststack_protocol::rest::{header, parse_amz_date, query_map};
use ruststack_protocol::{Body, Endpoint, Request, RequestContext, Response, ServiceError};

use crate::ops;
use crate::{S3, error};
use route::Op;

/// The largest XML or JSON document S3 accepts in a request (configurations, Delete,
/// CompleteMultipartUpload).
const DOCUMENT_LIMIT: usize = 4 * 1024 * 1024;

/// What an operation reads from its request.
pub(crate) struct Req<'a> {
    pub(crate) ctx: &'a RequestContext,
    pub(crate) method: Method,
    /// Empty for ListBuckets.
    pub(crate) bucket: String,
    /// Empty for bucket operations.
    pub(crate) key: String,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) headers: HeaderMap,
    /// Behind a lock only so that `&Req` is `Sync` (a body is `Send` but not `Sync`) and
    /// operations can hold it across awaits; it is taken once.
    body: std::sync::Mutex<Option<Body>>,
}

impl<'a> Req<'a> {
    pub(crate) fn new(
        ctx: &'a RequestContext,
        method: Method,
        bucket: String,
        key: String,
        query: BTreeMap<String, String>,
        headers: HeaderMap,
        body: Body,
    ) -> Self {
        Self {
            ctx,
            method,
            bucket,
            key,
            query,
            headers,
            body: std::sync::Mutex::new(Some(body)),
        }
    }

    /// The request body (empty if already taken).
    pub(crate) fn take_body(&self) -> Body {
        self.body
            .lock()
            .map(|mut b| b.take())
            .unwrap_or_default()
            .unwrap_or_default()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The whole body, for documents (bounded).
    pub(crate) async fn document(&self) -> Result<Bytes, ServiceError> {
        let body = self.take_body();
        ruststack_protocol::body::collect_limited(
            body,
            ruststack_protocol::body::content_length(&self.headers),
            DOCUMENT_LIMIT,
        )
        .await
        .map_err(|e| match e {
            ruststack_protocol::body::BodyError::TooLarge { .. } => error::malformed_xml(),
            other => ruststack_protocol::envelope::body_error(other),
        })
    }

    pub(crate) fn now(&self) -> i64 {
        self.ctx.clock.now_millis()
    }
}

/// Response building.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

impl Reply {
    pub(crate) fn new(status: StatusCode) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Body::empty(),
        }
    }

    pub(crate) fn ok() -> Self {
        Self::new(StatusCode::OK)
    }

    pub(crate) fn no_content() -> Self {
        Self::new(StatusCode::NO_CONTENT)
    }

    /// A typed XML document under `root`.
    pub(crate) fn xml<T: serde::Serialize>(root: &str, value: &T) -> Result<Self, ServiceError> {
        let bytes = ruststack_protocol::rest_xml::to_document(root, value)?;
        Ok(Self::ok().raw_xml(bytes))
    }

    /// An XML body already serialised (stored configurations).
    pub(crate) fn raw_xml(mut self, bytes: impl Into<Bytes>) -> Self {
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        self.body = Body::from(bytes.into());
        self
    }

    /// Sets a header; values that are not valid header text are dropped (they came from
    /// stored metadata that was valid when stored).
    pub(crate) fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.set(name, value);
        self
    }

    pub(crate) fn set(&mut self, name: &str, value: impl AsRef<str>) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value.as_ref()),
        ) {
            self.headers.insert(name, value);
        }
    }

    pub(crate) fn opt(mut self, name: &str, value: Option<impl AsRef<str>>) -> Self {
        if let Some(v) = value {
            self.set(name, v);
        }
        self
    }

    pub(crate) fn into_response(self) -> Response {
        let mut resp = Response::new(self.body);
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers;
        resp
    }
}

pub(crate) async fn dispatch(
    s3: &S3,
    ctx: &RequestContext,
    req: Request,
) -> Result<Response, ServiceError> {
    let (parts, body) = req.into_parts();
    let host_bucket = match &ctx.endpoint {
        Endpoint::S3VirtualHost { bucket } => Some(bucket.as_str()),
        _ => None,
    };
    let (bucket, key) = route::split_path(parts.uri.path(), host_bucket).ok_or_else(|| {
        error::invalid_argument("Invalid URI: not UTF-8", "uri", parts.uri.path())
    })?;
    let query = query_map(parts.uri.query());
    let op = route::resolve(
        &parts.method,
        bucket.is_some(),
        key.is_some(),
        &query,
        &parts.headers,
    )
    .map_err(|no| error::method_not_allowed(parts.method.as_str(), no.resource))?;
    ctx.set_operation(op.name());
    check_expiry(&query, ctx.clock.now_millis())?;
    if key.as_ref().is_some_and(|k| k.len() > 1024) {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "KeyTooLongError",
            "Your key is too long",
        ));
    }
    if let (Some(expected), Some(bucket)) = (
        header(&parts.headers, "x-amz-expected-bucket-owner"),
        bucket.as_deref(),
    ) && s3
        .read()
        .buckets
        .get(bucket)
        .is_some_and(|b| b.meta.account != expected)
    {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Access Denied",
        ));
    }
    let origin = header(&parts.headers, "origin").map(str::to_owned);
    let req = Req::new(
        ctx,
        parts.method,
        bucket.unwrap_or_default(),
        key.unwrap_or_default(),
        query,
        parts.headers,
        body,
    );
    let bucket_name = req.bucket.clone();
    let method = req.method.clone();
    let result = ops::call(s3, op, req)
        .await
        .map(|reply| reply.header("server", "AmazonS3"))
        .map_err(|e| e.with_header(http::header::SERVER, HeaderValue::from_static("AmazonS3")));
    let Some(origin) = origin.filter(|_| op != Op::Preflight && !bucket_name.is_empty()) else {
        return result.map(Reply::into_response);
    };
    // CORS headers go on successful responses and errors alike, as S3 does.
    let cors = ops::cors::response_headers(s3, &bucket_name, &origin, method.as_str());
    match result {
        Ok(mut reply) => {
            reply.headers.extend(cors);
            Ok(reply.into_response())
        }
        Err(mut err) => {
            for (name, value) in cors.iter() {
                err = err.with_header(name.clone(), value.clone());
            }
            Err(err)
        }
    }
}

/// Presigned URLs stop working when they expire: SigV4 `X-Amz-Date` + `X-Amz-Expires`,
/// SigV2 `Expires` (epoch seconds).
fn check_expiry(query: &BTreeMap<String, String>, now_millis: i64) -> Result<(), ServiceError> {
    use ruststack_protocol::rest::iso8601_millis;
    let now = now_millis.div_euclid(1000);
    let expired = |at: i64, sigv4_expires: Option<&str>| {
        let err = ServiceError::new(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
        let err = match sigv4_expires {
            Some(seconds) => err.with_field("X-Amz-Expires", seconds.to_owned()),
            None => err,
        };
        err.with_field("Expires", iso8601_millis(at.saturating_mul(1000)))
            .with_field("ServerTime", iso8601_millis(now_millis))
    };
    let query_error = |message: &'static str| {
        ServiceError::new(
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            message,
        )
    };
    if let (Some(date), Some(expires)) = (query.get("X-Amz-Date"), query.get("X-Amz-Expires")) {
        let (Some(signed), Ok(seconds)) = (parse_amz_date(date), expires.parse::<i64>()) else {
            return Err(query_error("X-Amz-Expires should be a number"));
        };
        if !(0..=604_800).contains(&seconds) {
            return Err(query_error(
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
            ));
        }
        if now > signed + seconds {
            return Err(expired(signed + seconds, Some(expires)));
        }
    } else if query.contains_key("AWSAccessKeyId")
        && let Some(expires) = query.get("Expires")
    {
        let Ok(at) = expires.parse::<i64>() else {
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                format!("Invalid date (should be seconds since epoch): {expires}"),
            ));
        };
        if now > at {
            return Err(expired(at, None));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn presigned_expiry() {
        // 2013-05-24T00:00:00Z = 1369353600
        let signed = q(&[("X-Amz-Date", "20130524T000000Z"), ("X-Amz-Expires", "60")]);
        assert!(check_expiry(&signed, 1_369_353_600_000).is_ok());
        assert!(check_expiry(&signed, 1_369_353_660_000).is_ok());
        let err = check_expiry(&signed, 1_369_353_661_000).unwrap_err();
        assert_eq!((err.status().as_u16(), err.code()), (403, "AccessDenied"));
        assert_eq!(err.message(), "Request has expired");
        let v2 = q(&[("AWSAccessKeyId", "test"), ("Expires", "1369353600")]);
        assert!(check_expiry(&v2, 1_369_353_600_000).is_ok());
        assert!(check_expiry(&v2, 1_369_353_601_000).is_err());
        let week = q(&[
            ("X-Amz-Date", "20130524T000000Z"),
            ("X-Amz-Expires", "604801"),
        ]);
        assert_eq!(
            check_expiry(&week, 0).unwrap_err().code(),
            "AuthorizationQueryParametersError"
        );
        assert!(check_expiry(&q(&[]), 0).is_ok());
    }
}
