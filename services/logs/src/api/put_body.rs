//! PutLogEvents request bodies: the one body large enough for its parsing to matter.
//!
//! serde_json's derived deserialiser spends about 200 ns an event on a body of 100
//! events, a third of the whole request. [`parse`] first tries a scanner written for
//! this shape alone, which takes about a third of that; anything it does not know for certain
//! how to read goes to serde_json, so every accepted body and every error is serde's:
//! - the scanner reads one object whose members are `logGroupName`, `logStreamName`
//!   (strings or null), `logEvents` (null or an array of objects with `timestamp`, a plain
//!   integer, and `message`, a string, either null), and other members whose values are
//!   strings, integers, booleans or null (ignored, as serde ignores unknown members);
//! - it gives up on invalid UTF-8, keys with escapes, a member given twice, numbers with a
//!   fraction, exponent or more than 18 digits, `-0`, lone surrogates, raw control
//!   characters, nested values in unknown members, and anything malformed.
//!
//! [`agrees_with_serde`] states that contract; the unit tests and the `logs_put_body`
//! fuzz target check it.

use std::borrow::Cow;

use ruststack_protocol::{ServiceError, json};

use super::shapes::{InputLogEvent, PutLogEventsRequest};

/// Parses a PutLogEvents body, as [`json::parse`] would.
pub(crate) fn parse(body: &[u8]) -> Result<PutLogEventsRequest<'_>, ServiceError> {
    match scan(body) {
        Some(request) => Ok(request),
        None => json::parse(body),
    }
}

/// Whether the scanner, where it reads `body` at all, reads what serde_json reads.
pub fn agrees_with_serde(body: &[u8]) -> bool {
    match scan(body) {
        None => true,
        Some(fast) => json::parse::<PutLogEventsRequest<'_>>(body).is_ok_and(|slow| fast == slow),
    }
}

fn scan(body: &[u8]) -> Option<PutLogEventsRequest<'_>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut s = Scanner { text, at: 0 };
    let mut out = PutLogEventsRequest::default();
    let (mut group, mut stream, mut events) = (false, false, false);
    s.object(|s, key| {
        match key {
            "logGroupName" => {
                first(&mut group)?;
                out.log_group_name = s.string_or_null()?;
            }
            "logStreamName" => {
                first(&mut stream)?;
                out.log_stream_name = s.string_or_null()?;
            }
            "logEvents" => {
                first(&mut events)?;
                out.log_events = s.events()?;
            }
            _ => s.skip_scalar()?,
        }
        Some(())
    })?;
    s.ws();
    (s.at == s.text.len()).then_some(out)
}

/// Skips string bytes eight at a time while none of them is a quote, a backslash or a
/// control character; returns where the byte loop goes on.
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A byte of `x` is zero exactly when this sets its high bit (no false positives
    // below the first zero byte, which is all that matters: the word is then skipped
    // by the byte loop instead).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        let special = has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if special != 0 {
            break;
        }
        at += 8;
    }
    at
}

/// Marks a member as seen; a second one is serde's "duplicate field" error.
fn first(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.ws();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn literal(&mut self, word: &str) -> bool {
        self.ws();
        let found = self.text[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    /// `{ "key": value, … }`, calling `member` with the scanner placed before each value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.ws();
            let key = match self.string()? {
                Cow::Borrowed(key) => key,
                Cow::Owned(_) => return None,
            };
            if !self.eat(b':') {
                return None;
            }
            member(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn events(&mut self) -> Option<Option<Vec<InputLogEvent<'a>>>> {
        if self.literal("null") {
            return Some(None);
        }
        if !self.eat(b'[') {
            return None;
        }
        let mut events = Vec::new();
        if self.eat(b']') {
            return Some(Some(events));
        }
        loop {
            let mut event = InputLogEvent {
                timestamp: None,
                message: None,
            };
            let (mut timestamp, mut message) = (false, false);
            self.object(|s, key| {
                match key {
                    "timestamp" => {
                        first(&mut timestamp)?;
                        event.timestamp = if s.literal("null") {
                            None
                        } else {
                            Some(s.integer()?)
                        };
                    }
                    "message" => {
                        first(&mut message)?;
                        event.message = s.string_or_null()?;
                    }
                    _ => return None,
                }
                Some(())
            })?;
            events.push(event);
            if self.eat(b']') {
                return Some(Some(events));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn string_or_null(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.literal("null") {
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    /// A string, borrowed unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        self.at += 1;
        let start = self.at;
        let bytes = self.text.as_bytes();
        self.at = plain_run(bytes, self.at);
        loop {
            match *bytes.get(self.at)? {
                b'"' => {
                    let s = &self.text[start..self.at];
                    self.at += 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut owned = String::with_capacity(self.at - start + 16);
        owned.push_str(&self.text[start..self.at]);
        loop {
            let run = self.at;
            self.at = plain_run(bytes, self.at);
            while let Some(&b) = bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            owned.push_str(&self.text[run..self.at]);
            match *bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(owned));
                }
                b'\\' => {
                    let escape = *bytes.get(self.at + 1)?;
                    self.at += 2;
                    owned.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => return None,
            }
        }
    }

    /// The rest of a `\u` escape (the scanner is past the `u`): a character, or a
    /// surrogate pair written as two escapes.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xE000).contains(&high) {
            return char::from_u32(high);
        }
        if high >= 0xDC00 || !self.text[self.at..].starts_with("\\u") {
            return None;
        }
        self.at += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// A plain integer: an optional minus, no leading zeros, at most 18 digits (so it
    /// fits an i64 however serde would have read it), followed by neither a fraction nor
    /// an exponent. `-0` is a float to serde_json.
    fn integer(&mut self) -> Option<i64> {
        self.ws();
        let bytes = self.text.as_bytes();
        let negative = self.peek() == Some(b'-');
        let start = self.at + usize::from(negative);
        let mut end = start;
        let mut value: i64 = 0;
        while let Some(digit) = bytes.get(end).filter(|b| b.is_ascii_digit()) {
            if end - start == 18 {
                return None;
            }
            value = value * 10 + i64::from(digit - b'0');
            end += 1;
        }
        let digits = &self.text[start..end];
        let leading_zero = digits.len() > 1 && digits.starts_with('0');
        if digits.is_empty()
            || leading_zero
            || (negative && digits == "0")
            || matches!(bytes.get(end), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        self.at = end;
        Some(if negative { -value } else { value })
    }

    /// The value of a member serde ignores, when it is a scalar.
    fn skip_scalar(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => self.integer().map(drop),
            _ => ["null", "true", "false"]
                .into_iter()
                .any(|word| self.literal(word))
                .then_some(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(body: &str) -> PutLogEventsRequest<'_> {
        let fast = scan(body.as_bytes()).unwrap_or_else(|| panic!("not scanned: {body}"));
        assert!(agrees_with_serde(body.as_bytes()), "{body}");
        fast
    }

    fn falls_back(body: &str) {
        assert!(scan(body.as_bytes()).is_none(), "scanned: {body}");
    }

    #[test]
    fn reads_the_common_body_borrowing_its_strings() {
        let r = scanned(
            r#"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1765065600123,"message":"hello world"},{"message":"x","timestamp":-5}]}"#,
        );
        assert_eq!(r.log_group_name.as_deref(), Some("g"));
        assert_eq!(r.log_stream_name.as_deref(), Some("s"));
        let events = r.log_events.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].timestamp, Some(1_765_065_600_123));
        assert!(matches!(
            events[0].message,
            Some(Cow::Borrowed("hello world"))
        ));
        assert_eq!(events[1].timestamp, Some(-5));
    }

    #[test]
    fn reads_whitespace_nulls_ignored_members_and_escapes() {
        let r = scanned(
            " {\n\t\"sequenceToken\" : \"49590302\", \"other\": 12, \"flag\": true,\r\n \"logGroupName\": null,\n \"logEvents\": [ { \"timestamp\": null, \"message\": \"a \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \\u0000\" }, {} ] } ",
        );
        assert_eq!(r.log_group_name, None);
        let events = r.log_events.unwrap();
        assert_eq!(
            events[0].message.as_deref(),
            Some("a \"q\" \\ / \u{8}\u{c}\n\r\t é 😀 \u{0}")
        );
        assert_eq!(events[0].timestamp, None);
        assert_eq!(
            (events[1].timestamp, events[1].message.as_deref()),
            (None, None)
        );
        scanned(r#"{}"#);
        scanned(r#"{"logEvents":[]}"#);
        scanned(r#"{"logEvents":null,"logStreamName":"é"}"#);
        scanned(r#"{"logEvents":[{"timestamp":0},{"timestamp":999999999999999999}]}"#);
    }

    #[test]
    fn leaves_everything_else_to_serde() {
        for body in [
            "",
            "  ",
            "[]",
            "null",
            r#"{"logGroupName":"g","logGroupName":"h"}"#,
            r#"{"logEvents":[{"timestamp":1,"timestamp":2}]}"#,
            r#"{"log\u0047roupName":"g"}"#,
            r#"{"logEvents":[{"timestamp":1.5}]}"#,
            r#"{"logEvents":[{"timestamp":1e3}]}"#,
            r#"{"logEvents":[{"timestamp":-0}]}"#,
            r#"{"logEvents":[{"timestamp":01}]}"#,
            r#"{"logEvents":[{"timestamp":9223372036854775807}]}"#,
            r#"{"logEvents":[{"timestamp":"1"}]}"#,
            r#"{"logEvents":[{"message":"\ud83d"}]}"#,
            r#"{"logEvents":[{"message":"\udc00\ud83d"}]}"#,
            r#"{"logEvents":[{"message":"\x"}]}"#,
            "{\"logEvents\":[{\"message\":\"a\tb\"}]}",
            r#"{"logEvents":[{"message":"a","extra":1}]}"#,
            r#"{"logEvents":[[1,"a"]]}"#,
            r#"{"tags":{"a":"b"}}"#,
            r#"{"logGroupName":"g",}"#,
            r#"{"logGroupName":"g"} x"#,
            r#"{"logGroupName":"g""#,
            r#"{"logGroupName":nul}"#,
            r#"{"logEvents":[{"message":"a"},]}"#,
        ] {
            falls_back(body);
            assert!(agrees_with_serde(body.as_bytes()));
        }
        assert!(scan(b"{\"logGroupName\":\"\xff\"}").is_none());
    }

    /// Long strings, with a quote, backslash or control character at every position of
    /// the eight-byte words the scanner skips.
    #[test]
    fn finds_special_bytes_anywhere_in_long_strings() {
        for special in [
            "\\\"", "\\n", "\\u00e9", "\"", "\u{1}", "\u{1f}", "é", "\u{7f}",
        ] {
            for at in 0..40 {
                let message = format!("{}{special}{}", "a".repeat(at), "b".repeat(40 - at));
                let body = format!(r#"{{"logEvents":[{{"message":"{message}"}}]}}"#);
                assert!(agrees_with_serde(body.as_bytes()), "{body}");
                let expected = serde_json::from_str::<serde_json::Value>(&body).ok();
                let scanned = scan(body.as_bytes()).map(|r| {
                    r.log_events.unwrap()[0]
                        .message
                        .as_deref()
                        .unwrap()
                        .to_owned()
                });
                assert_eq!(
                    scanned.is_some(),
                    expected.is_some() && !special.starts_with('"'),
                    "{body}"
                );
            }
        }
    }

    /// Every single-byte change, deletion and duplication of a body with escapes: where
    /// the scanner reads the result, serde_json reads the same.
    #[test]
    fn agrees_with_serde_on_mutated_bodies() {
        let body = br#" {"logGroupName":"g-1","sequenceToken":"t","logStreamName":"s\n\u00e9","logEvents":[{"timestamp":1765065600123,"message":"a \"b\" c"},{"message":"\ud83d\ude00","timestamp":-42},{}],"x":null,"y":false,"z":-7} "#;
        let replacements = b" \t\n\"\\/{}[]:,-.0123456789eEabfnrtuxlsdDC\x01\x7f";
        let mut scanned_variants = 0;
        for at in 0..body.len() {
            let mut deleted = body.to_vec();
            deleted.remove(at);
            let mut doubled = body.to_vec();
            doubled.insert(at, body[at]);
            for variant in [deleted, doubled]
                .into_iter()
                .chain(replacements.iter().map(|&b| {
                    let mut v = body.to_vec();
                    v[at] = b;
                    v
                }))
            {
                assert!(
                    agrees_with_serde(&variant),
                    "{}",
                    String::from_utf8_lossy(&variant)
                );
                scanned_variants += usize::from(scan(&variant).is_some());
            }
        }
        assert!(scanned_variants > 1000, "{scanned_variants}");
    }
}
