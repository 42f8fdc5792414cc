//! HTTP-binding helpers for the REST protocols: query strings, headers, timestamp formats,
//! byte ranges and URI escaping.

use std::collections::BTreeMap;

use http::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::macros::format_description;

/// The query parameters of a request, decoded; a name without `=` maps to `""`. When a
/// name repeats, the first value wins.
pub fn query_map(query: Option<&str>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    if let Some(q) = query {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
    }
    map
}

/// A header's value as text, if present and visible ASCII.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `Tue, 29 Apr 2014 18:30:38 GMT` (RFC 7231 IMF-fixdate) for epoch milliseconds.
pub fn http_date(millis: i64) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    datetime(millis).format(&format).unwrap_or_default()
}

/// `2014-04-29T18:30:38.000Z` (ISO 8601 with milliseconds, as S3 writes XML timestamps).
pub fn iso8601_millis(millis: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    datetime(millis).format(&format).unwrap_or_default()
}

fn datetime(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Parses an HTTP date (IMF-fixdate or asctime; RFC 2822 with a zone) or an ISO 8601
/// timestamp into epoch milliseconds.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let imf = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let asctime = format_description!(
        "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] [year]"
    );
    let parsed = time::PrimitiveDateTime::parse(text, &imf)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &asctime))
        .map(|dt| dt.assume_utc())
        .or_else(|_| OffsetDateTime::parse(text, &Rfc2822))
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339))
        .ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses the compact ISO 8601 basic format of SigV4 (`20130524T000000Z`) into epoch seconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(|dt| dt.assume_utc().unix_timestamp())
}

/// A byte range as requested in a `Range` header (`bytes=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `first-` or `first-last`.
    From {
        /// First byte.
        first: u64,
        /// Last byte, inclusive.
        last: Option<u64>,
    },
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses a `Range` header; `None` when it is not a single `bytes=` range (S3 then ignores
    /// the header and returns the whole object).
    pub fn parse(text: &str) -> Option<Self> {
        let spec = text.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        if first.is_empty() {
            return last.parse().ok().map(ByteRange::Suffix);
        }
        let first = first.parse().ok()?;
        let last = if last.is_empty() {
            None
        } else {
            Some(last.parse().ok()?)
        };
        if last.is_some_and(|l| l < first) {
            return None;
        }
        Some(ByteRange::From { first, last })
    }

    /// The inclusive `(start, end)` of this range in an object of `size` bytes, or `None`
    /// when it is not satisfiable.
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        match self {
            ByteRange::From { first, last } => {
                (first < size).then(|| (first, last.map_or(size - 1, |l| l.min(size - 1))))
            }
            ByteRange::Suffix(n) => (n > 0 && size > 0).then(|| (size - n.min(size), size - 1)),
        }
    }
}

/// Percent-decodes a URI path segment (`+` stays `+`); `None` when it is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` when
/// `keep_slash`), as S3 does for `encoding-type=url`.
pub fn percent_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(
            http_date(1_398_796_238_000),
            "Tue, 29 Apr 2014 18:30:38 GMT"
        );
        assert_eq!(
            iso8601_millis(1_398_796_238_123),
            "2014-04-29T18:30:38.123Z"
        );
        assert_eq!(
            parse_http_date("Tue, 29 Apr 2014 18:30:38 GMT"),
            Some(1_398_796_238_000)
        );
        assert_eq!(
            parse_http_date("Tue Apr 29 18:30:38 2014"),
            Some(1_398_796_238_000)
        );
        assert_eq!(
            parse_http_date("2014-04-29T18:30:38Z"),
            Some(1_398_796_238_000)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_amz_date("20140429T183038Z"), Some(1_398_796_238));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            ByteRange::parse("bytes=0-9"),
            Some(ByteRange::From {
                first: 0,
                last: Some(9)
            })
        );
        assert_eq!(ByteRange::parse("bytes=-5"), Some(ByteRange::Suffix(5)));
        assert_eq!(ByteRange::parse("bytes=5-1"), None);
        assert_eq!(ByteRange::parse("bytes=0-1,3-4"), None);
        assert_eq!(ByteRange::parse("items=0-1"), None);
        let r = |s| ByteRange::parse(s).and_then(|r| r.resolve(10));
        assert_eq!(r("bytes=0-9"), Some((0, 9)));
        assert_eq!(r("bytes=5-100"), Some((5, 9)));
        assert_eq!(r("bytes=5-"), Some((5, 9)));
        assert_eq!(r("bytes=-3"), Some((7, 9)));
        assert_eq!(r("bytes=-30"), Some((0, 9)));
        assert_eq!(r("bytes=10-"), None);
        assert_eq!(r("bytes=-0"), None);
        assert_eq!(ByteRange::Suffix(1).resolve(0), None);
    }

    #[test]
    fn uri_escaping() {
        assert_eq!(percent_decode("a%20b+c%2F").as_deref(), Some("a b+c/"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_encode("a b/ü+", true), "a%20b/%C3%BC%2B");
        assert_eq!(percent_encode("a/b", false), "a%2Fb");
    }
}
