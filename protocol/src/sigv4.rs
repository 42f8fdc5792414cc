//! Parses (never verifies) AWS request signatures: the SigV4 `Authorization` header, SigV4
//! presigned queries (`X-Amz-Credential`), and the legacy SigV2 header and query.
//!
//! ruststack reads the credential scope for routing, region and account, as LocalStack does;
//! a malformed signature is ignored rather than rejected. [`Verifier`] is the seam for a
//! strict mode that recomputes signatures.

use http::request::Parts;

use crate::ServiceError;

/// The credential scope of a SigV4 signature: `<AKID>/<date>/<region>/<service>/aws4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialScope {
    /// Access key id.
    pub access_key: String,
    /// `YYYYMMDD`.
    pub date: String,
    /// Region; `None` for SigV4a scopes, which carry no region.
    pub region: Option<String>,
    /// Signing name (`s3`, `dynamodb`, `lambda`, `logs`…).
    pub service: String,
}

/// A parsed request signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// AWS Signature Version 4 (or 4a), in the header or a presigned query.
    V4 {
        /// The credential scope.
        scope: CredentialScope,
        /// Whether it came from the query string (a presigned URL).
        presigned: bool,
    },
    /// The legacy S3 signature: `Authorization: AWS <AKID>:<sig>` or `AWSAccessKeyId=` query.
    V2 {
        /// Access key id.
        access_key: String,
        /// Whether it came from the query string (a presigned URL).
        presigned: bool,
    },
}

impl Auth {
    /// The access key id.
    pub fn access_key(&self) -> &str {
        match self {
            Auth::V4 { scope, .. } => &scope.access_key,
            Auth::V2 { access_key, .. } => access_key,
        }
    }

    /// The region of the scope, if the signature names one.
    pub fn region(&self) -> Option<&str> {
        match self {
            Auth::V4 { scope, .. } => scope.region.as_deref(),
            Auth::V2 { .. } => None,
        }
    }

    /// The signing name, if the signature names one.
    pub fn signing_name(&self) -> Option<&str> {
        match self {
            Auth::V4 { scope, .. } => Some(&scope.service),
            Auth::V2 { .. } => None,
        }
    }

    /// Whether the signature came from the query string.
    pub fn is_presigned(&self) -> bool {
        match self {
            Auth::V4 { presigned, .. } | Auth::V2 { presigned, .. } => *presigned,
        }
    }
}

/// The query parameters that mark a presigned (SigV4 or SigV2) URL.
pub const PRESIGN_QUERY_PARAMS: [&str; 8] = [
    "AWSAccessKeyId",
    "Signature",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
];

/// Finds the signature of a request: the `Authorization` header first, then the query.
pub fn parse(parts: &Parts) -> Option<Auth> {
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION)
        && let Some(auth) = value.to_str().ok().and_then(parse_authorization)
    {
        return Some(auth);
    }
    parts.uri.query().and_then(parse_query)
}

/// Parses an `Authorization` header value (SigV4, SigV4a or SigV2).
pub fn parse_authorization(value: &str) -> Option<Auth> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("AWS ") {
        let (access_key, _signature) = rest.trim().split_once(':')?;
        return (!access_key.is_empty()).then(|| Auth::V2 {
            access_key: access_key.to_owned(),
            presigned: false,
        });
    }
    let (algorithm, params) = value.split_once(char::is_whitespace)?;
    if !algorithm.starts_with("AWS4-") {
        return None;
    }
    let credential = params
        .split(',')
        .filter_map(|p| p.trim().split_once('='))
        .find_map(|(k, v)| (k.trim() == "Credential").then_some(v.trim()))?;
    let scope = parse_credential(credential)?;
    Some(Auth::V4 {
        scope,
        presigned: false,
    })
}

/// Parses a presigned query string (`X-Amz-Credential=…` or `AWSAccessKeyId=…`).
pub fn parse_query(query: &str) -> Option<Auth> {
    let mut v2_key = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "X-Amz-Credential" => {
                let scope = parse_credential(&value)?;
                return Some(Auth::V4 {
                    scope,
                    presigned: true,
                });
            }
            "AWSAccessKeyId" if !value.is_empty() => v2_key = Some(value.into_owned()),
            _ => {}
        }
    }
    v2_key.map(|access_key| Auth::V2 {
        access_key,
        presigned: true,
    })
}

/// Parses `<AKID>/<date>/<region>/<service>/aws4_request` (or the 4-part SigV4a form).
pub fn parse_credential(credential: &str) -> Option<CredentialScope> {
    let parts: Vec<&str> = credential.split('/').collect();
    let (access_key, date, region, service) = match parts.as_slice() {
        [key, date, region, service, "aws4_request"] => (*key, *date, Some(*region), *service),
        [key, date, service, "aws4_request"] => (*key, *date, None, *service),
        _ => return None,
    };
    if access_key.is_empty() || service.is_empty() {
        return None;
    }
    Some(CredentialScope {
        access_key: access_key.to_owned(),
        date: date.to_owned(),
        region: region.filter(|r| !r.is_empty()).map(str::to_owned),
        service: service.to_owned(),
    })
}

/// Decides whether a request's signature is acceptable. The default accepts everything
/// (LocalStack Community never verifies header signatures); a strict mode plugs in here.
pub trait Verifier: Send + Sync + 'static {
    /// `Ok` to let the request through, or the error to answer with.
    fn verify(&self, parts: &Parts, auth: Option<&Auth>) -> Result<(), ServiceError>;
}

/// The default verifier: signatures are parsed, never checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct AcceptAll;

impl Verifier for AcceptAll {
    fn verify(&self, _parts: &Parts, _auth: Option<&Auth>) -> Result<(), ServiceError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, auth: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn sigv4_header() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/dynamodb/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abc";
        let auth = parse(&parts("/", Some(h))).unwrap();
        assert_eq!(auth.access_key(), "AKIDEXAMPLE");
        assert_eq!(auth.region(), Some("eu-west-1"));
        assert_eq!(auth.signing_name(), Some("dynamodb"));
        assert!(!auth.is_presigned());
    }

    #[test]
    fn sigv4a_scope_has_no_region() {
        let h = "AWS4-ECDSA-P256-SHA256 Credential=AK/20150830/s3/aws4_request, SignedHeaders=host, Signature=x";
        let auth = parse_authorization(h).unwrap();
        assert_eq!(auth.region(), None);
        assert_eq!(auth.signing_name(), Some("s3"));
    }

    #[test]
    fn presigned_query_v4_and_v2() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Expires=60";
        let auth = parse(&parts(&format!("/b/k?{q}"), None)).unwrap();
        assert_eq!(auth.region(), Some("us-west-2"));
        assert!(auth.is_presigned());
        let auth = parse_query("AWSAccessKeyId=AK&Signature=s&Expires=1").unwrap();
        assert_eq!(
            auth,
            Auth::V2 {
                access_key: "AK".into(),
                presigned: true
            }
        );
    }

    #[test]
    fn sigv2_header() {
        let auth = parse_authorization("AWS 123456789012:c2lnbmF0dXJl").unwrap();
        assert_eq!(auth.access_key(), "123456789012");
        assert_eq!(auth.signing_name(), None);
    }

    #[test]
    fn malformed_signatures_are_ignored() {
        for h in [
            "",
            "Bearer x",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=",
            "AWS4-HMAC-SHA256 Credential=a/b/c",
            "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/s3/aws4_request",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f",
            "AWS nocolon",
            "AWS :sig",
        ] {
            assert_eq!(parse_authorization(h), None, "{h:?}");
        }
        assert_eq!(parse_query("X-Amz-Credential=%ZZ"), None);
        assert_eq!(parse(&parts("/?a=b", Some("garbage"))), None);
    }
}
