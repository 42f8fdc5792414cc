//! The CloudWatch Logs filter-pattern language, as used by FilterLogEvents, subscription
//! filters and metric filters (TestMetricFilter).
//!
//! Pure code: a pattern is parsed once into a [`FilterPattern`], which is then matched
//! against any number of messages. The work is split into phases, each in its own file:
//!
//! 1. `lexer` — picks the dialect from the first character (`{` JSON, `[` space-delimited,
//!    anything else terms) and splits the text into tokens.
//! 2. `parser` — builds the `ast` and enforces AWS's structural rules and quotas.
//! 3. `eval` — matches a message and produces TestMetricFilter's extracted values.
//!
//! `regex` checks `%...%` expressions (during parsing) against AWS's subset and compiles
//! them with `regex_lite`, whose linear-time matcher `eval` runs.
//!
//! The three dialects, with AWS's semantics:
//!
//! - **Terms** — `ERROR`, `"exact phrase"`, `-excluded`, `?either ?or`, `%regex%`.
//!   Case-sensitive substring search; unquoted terms may hold only letters, digits and
//!   `_`. `?` terms are ignored when mixed with plain or `-` terms.
//! - **JSON** — `{ $.a.b[0] = "x" && ($.n > 5 || $.s != abc*) }`, `IS NULL`, `IS TRUE`,
//!   `IS FALSE`, `NOT EXISTS`, `$.list[*]`, `$.*`, `$.['dotted.key']`. Messages that are
//!   not JSON never match.
//! - **Space-delimited** — `[ip, user, ..., status_code = 4* && status_code != 404,
//!   bytes > 1000]`; `[...]` and `"..."` in the message are single fields.
//!
//! Limits keep hostile input cheap: patterns longer than AWS's 1024 characters are
//! refused, parenthesis nesting stops at 64, regex programs are size-capped, and nothing
//! recurses on message data beyond serde_json's own depth limit.

mod ast;
mod eval;
mod lexer;
mod parser;
mod regex;

use std::fmt;

/// Longest pattern AWS accepts (`filterPattern` length constraint).
const MAX_PATTERN_CHARS: usize = 1024;

/// The message AWS gives for patterns it cannot parse.
const INVALID_PATTERN: &str = "Invalid metric filter pattern";

/// A parsed CloudWatch Logs filter pattern.
#[derive(Clone, Debug)]
pub struct FilterPattern {
    pattern: ast::Pattern,
}

impl FilterPattern {
    /// Parses a pattern; the empty (or all-whitespace) pattern matches every event.
    pub fn parse(pattern: &str) -> Result<FilterPattern, PatternError> {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(PatternError::too_long(pattern));
        }
        parser::parse(pattern).map(|pattern| FilterPattern { pattern })
    }

    /// Whether an event message matches.
    pub fn matches(&self, message: &str) -> bool {
        eval::matches(&self.pattern, message)
    }

    /// For TestMetricFilter / metric values: `None` if the message does not match, else
    /// the extracted values as AWS reports them in `extractedValues`: `$name` for named
    /// space-delimited fields and `$N` (1-based position) for the others; the selector as
    /// written (`$.latency`) for JSON patterns; nothing for term patterns.
    pub fn extract(&self, message: &str) -> Option<Vec<(String, String)>> {
        eval::extract(&self.pattern, message)
    }
}

/// Why a pattern was rejected; `Display` gives the message CloudWatch Logs returns in its
/// `InvalidParameterException`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    message: String,
}

impl PatternError {
    /// A character (or selector, name or operand) the pattern cannot hold where it is.
    pub(crate) fn invalid_term(term: &str) -> Self {
        Self {
            message: format!("Invalid character(s) in term '{term}'"),
        }
    }

    /// [`Self::invalid_term`] for a single character.
    pub(crate) fn invalid_char(c: char) -> Self {
        Self::invalid_term(c.encode_utf8(&mut [0; 4]))
    }

    /// Any other syntax error.
    pub(crate) fn invalid_pattern() -> Self {
        Self {
            message: INVALID_PATTERN.to_owned(),
        }
    }

    /// The pattern exceeds AWS's length constraint (AWS's validation wording).
    fn too_long(pattern: &str) -> Self {
        Self {
            message: format!(
                "1 validation error detected: Value '{pattern}' at 'filterPattern' failed to \
                 satisfy constraint: Member must have length less than or equal to \
                 {MAX_PATTERN_CHARS}"
            ),
        }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatternError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(p: &str) -> FilterPattern {
        FilterPattern::parse(p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// A JSON event used by several AWS examples, on one line as AWS requires.
    const TRAIL: &str = concat!(
        r#"{"eventType":"UpdateTrail","sourceIPAddress":"111.111.111.111","#,
        r#""arrayKey":["value","another value"],"objectList":[{"name":"a","#,
        r#""id":1},{"name":"b","id":2}],"SomeObject":null,"ThisFlag":true,"#,
        r#""cluster.name":"c","someInt":123,"someFloat":12.34,"someFloat2":12.0,"#,
        r#""emptyString":"","someString":"111.111.111.111","someObj":{},"someArray":[]}"#,
    );

    /// The compound-condition example event from the AWS docs.
    const USERS: &str = concat!(
        r#"{"user":{"id":1,"email":"John.Stiles@example.com"},"users":[{"id":2,"#,
        r#""email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],"#,
        r#""actions":["GET","PUT","DELETE"],"coordinates":[[0,1,2],[4,5,6],[7,8,9]]}"#,
    );

    /// The docs' Apache access-log lines all start the same way.
    macro_rules! apache {
        ($tail:literal) => {
            concat!("127.0.0.1 - frank [10/Oct/2000:", $tail)
        };
    }

    const APACHE: &str = apache!(r#"13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#);

    #[test]
    fn match_table() {
        // (pattern, message, expected)
        let cases: &[(&str, &str, bool)] = &[
            // --- everything ---
            ("", "anything", true),
            ("   ", "anything", true),
            (r#"" ""#, "nospace", true),
            // --- single and multiple terms (AND), case-sensitive substrings ---
            ("ERROR", "[ERROR 400] BAD REQUEST", true),
            ("ERROR", "Exiting with ERRORCODE: -1", true),
            ("ERROR", "error: lower case", false),
            ("ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", true),
            ("ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST", false),
            (
                "ERROR Exception",
                "[ERROR] Caught IllegalArgumentException",
                true,
            ),
            (
                r#""[ERROR]" Exception"#,
                "[ERROR] Unhanded exception: InvalidQueryException",
                true,
            ),
            (
                r#""[ERROR]" Exception"#,
                "[ERROR] Terminating the application",
                false,
            ),
            (
                "Failed to process the request",
                "[WARN] request: Failed to process the",
                true,
            ),
            ("404", "GET /x 404 12", true),
            ("snake_case", "a snake_case word", true),
            // --- quoted phrases ---
            (
                r#""INTERNAL SERVER ERROR""#,
                "[ERROR 500] INTERNAL SERVER ERROR",
                true,
            ),
            (r#""INTERNAL SERVER ERROR""#, "INTERNAL ERROR SERVER", false),
            (
                r#""[ERROR]""#,
                "02 May 2014 00:34:16,142 [ERROR] Unhanded",
                true,
            ),
            (
                r#""[ERROR]""#,
                "02 May 2014 00:34:12,525 [INFO] Starting",
                false,
            ),
            (r#""user=\"bob\"""#, r#"login user="bob" ok"#, true),
            (r#""C:\\temp""#, r"saved C:\temp\x", true),
            (r#""café""#, "au café", true),
            // --- exclusions ---
            ("ERROR -ARGUMENTS", "[ERROR 401] UNAUTHORIZED REQUEST", true),
            ("ERROR -ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS", false),
            ("ERROR -Exiting", "Exiting with ERRORCODE: -1", false),
            ("-DEBUG", "INFO hello", true),
            ("-DEBUG", "DEBUG hello", false),
            (r#"ERROR -"not found""#, "ERROR page not found", false),
            // --- alternatives (OR) ---
            ("?ERROR ?WARN", "ERROR message", true),
            ("?ERROR ?WARN", "WARN message", true),
            ("?ERROR ?WARN", "INFO message", false),
            (r#"?"a b" ?c"#, "xx a b", true),
            // `?` terms are ignored next to plain or `-` terms (AWS docs).
            ("?ERROR ?ARGUMENTS REQUEST", "[INFO] REQUEST FAILED", true),
            ("?ERROR ?ARGUMENTS REQUEST", "[ERROR] BAD", false),
            ("?ERROR -WARN", "INFO", true),
            // --- regex terms ---
            ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true),
            ("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", true),
            ("%^\\[ERROR%", "[ERROR 401] x", true),
            ("%^\\[ERROR%", "x [ERROR 401]", false),
            ("%[Ee]rror|[Ff]ail%", "request failed", true),
            ("%\\d{3}$%", "status 404", true),
            ("%\\d{3}$%", "status 40", false),
            ("ERROR -%DEBUG|TRACE%", "ERROR at TRACE level", false),
            ("?%timeout% ?%refused%", "connection refused", true),
            // --- JSON: strings, wildcards, numbers ---
            (r#"{ $.eventType = "UpdateTrail" }"#, TRAIL, true),
            ("{ $.eventType = UpdateTrail }", TRAIL, true),
            (r#"{ $.eventType != "NoTrail" }"#, TRAIL, true),
            (r#"{ $.eventType = "updatetrail" }"#, TRAIL, false),
            ("{ $.sourceIPAddress != 123.123.* }", TRAIL, true),
            ("{ $.sourceIPAddress = 111.111.* }", TRAIL, true),
            (r#"{ $.sourceIPAddress = "*111*" }"#, TRAIL, true),
            ("{ $.eventType = *Trail }", TRAIL, true),
            ("{ $.eventType = Update* }", TRAIL, true),
            ("{ $.someString = *.111.111.111 }", TRAIL, true),
            ("{ $.someString = *111.111.111 }", TRAIL, false),
            ("{ $.someString != 111*111 }", TRAIL, true),
            ("{ $.someString = * }", TRAIL, true),
            (r#"{ $.emptyString = "*" }"#, TRAIL, true),
            ("{ $.someString != 111 }", TRAIL, true),
            ("{ $.someString = 123 }", TRAIL, false),
            ("{ $.someString > 123 }", TRAIL, false),
            ("{ $.someInt = 123 }", TRAIL, true),
            ("{ $.someInt = 123.0 }", TRAIL, true),
            (r#"{ $.someInt = "123" }"#, TRAIL, true),
            (r#"{ $.someInt != "123.0" }"#, TRAIL, true),
            ("{ $.someInt != 123 }", TRAIL, false),
            ("{ $.someInt = 1* }", TRAIL, true),
            ("{ $.someInt = *23 }", TRAIL, true),
            ("{ $.someInt != *1 }", TRAIL, true),
            ("{ $.someInt != 1*3 }", TRAIL, false),
            (
                "{ $.someInt > 1 && $.someInt >= 123 && $.someInt < 1000 }",
                TRAIL,
                true,
            ),
            ("{ $.someInt <= 122 }", TRAIL, false),
            ("{ $.someFloat = 12.34 }", TRAIL, true),
            ("{ $.someFloat = 12.* }", TRAIL, true),
            ("{ $.someFloat != 4* }", TRAIL, true),
            ("{ $.someFloat >= 1.0 }", TRAIL, true),
            ("{ $.someFloat2 = 12 }", TRAIL, true),
            (r#"{ $.someFloat2 != "12" }"#, TRAIL, true),
            ("{ $.someInt < 10e3 }", TRAIL, true),
            ("{ $.someInt > +100 }", TRAIL, true),
            ("{ $.someInt = 1.23e2 }", TRAIL, true),
            // --- JSON: nested selectors, arrays, wildcards, bracket keys ---
            (r#"{ $.arrayKey[0] = "value" }"#, TRAIL, true),
            (r#"{ $.arrayKey[1] = "value" }"#, TRAIL, false),
            ("{ $.objectList[1].id = 2 }", TRAIL, true),
            ("{ $.objectList[1].number = 2 }", TRAIL, false),
            (r#"{ $.ThisFlag[0] = "value" }"#, TRAIL, false),
            ("{ $.arrayKey[*] = %val.{2}% }", TRAIL, true),
            (r#"{ $.arrayKey[*] = "another value" }"#, TRAIL, true),
            ("{ $.objectList[*].id = 2 }", TRAIL, true),
            ("{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }", TRAIL, true),
            (r#"{ $.['cluster.name'] = "c" }"#, TRAIL, true),
            ("{ $.eventType = %Trail% }", TRAIL, true),
            ("{ $.eventType != %^Up% }", TRAIL, false),
            // --- JSON: objects/arrays/null are not value nodes ---
            ("{ $.arrayKey = 1 }", TRAIL, false),
            ("{ $.arrayKey != 1 }", TRAIL, false),
            ("{ $.someObj = 123 }", TRAIL, false),
            (r#"{ $.someObj != "123" }"#, TRAIL, false),
            ("{ $.SomeObject = null }", TRAIL, false),
            ("{ $.missing != x }", TRAIL, false),
            // --- JSON: IS / NOT EXISTS ---
            ("{ $.SomeObject IS NULL }", TRAIL, true),
            ("{ $.eventType IS NULL }", TRAIL, false),
            ("{ $.missing IS NULL }", TRAIL, false),
            ("{ $.SomeOtherObject NOT EXISTS }", TRAIL, true),
            ("{ $.SomeObject NOT EXISTS }", TRAIL, false),
            ("{ $.ThisFlag IS TRUE }", TRAIL, true),
            ("{ $.ThisFlag IS FALSE }", TRAIL, false),
            ("{ $.eventType IS TRUE }", TRAIL, false),
            // --- JSON: && || and parentheses (AWS compound examples) ---
            (
                r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
                USERS,
                true,
            ),
            (
                r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
                USERS,
                false,
            ),
            (
                concat!(
                    r#"{ $.user.email = "John.Stiles@example.com" || "#,
                    "$.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }",
                ),
                USERS,
                true,
            ),
            (
                concat!(
                    r#"{ ($.user.email = "John.Stiles@example.com" || "#,
                    "$.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }",
                ),
                USERS,
                false,
            ),
            ("{ $.coordinates[2][0] = 7 }", USERS, true),
            ("{ $.foo = bar || $.foo = baz }", r#"{"foo": "baz"}"#, true),
            (
                "{($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)}",
                r#"{"eventName":"DisableKey"}"#,
                true,
            ),
            // --- JSON: non-JSON messages never match ---
            ("{ $.a NOT EXISTS }", "plain text", false),
            ("{ $.a NOT EXISTS }", r#"{"a": 1"#, false),
            ("{ $.a = 1 }", r#"prefix {"a": 1}"#, false),
            ("{ $.a NOT EXISTS }", "  {}  ", true),
            // --- space-delimited ---
            (
                "[ip, user, username, timestamp, request, status_code, bytes]",
                APACHE,
                true,
            ),
            (
                "[ip, user, username, timestamp, request, status_code = 200, bytes]",
                APACHE,
                true,
            ),
            (
                "[ip, user, username, timestamp, request, status_code = 404, bytes]",
                APACHE,
                false,
            ),
            (
                "[ip, user, username, timestamp, request, status_code != 2*, bytes]",
                APACHE,
                false,
            ),
            (
                "[ip, user, username, timestamp, request, status_code = 2*, bytes > 1000]",
                APACHE,
                true,
            ),
            (
                "[ip, user, username, timestamp, request, status_code, bytes > 2000]",
                APACHE,
                false,
            ),
            (
                "[ip, user, username, timestamp, request = *gif*, status_code, bytes]",
                APACHE,
                true,
            ),
            (
                "[ip, user, username, timestamp, request = *html*, status_code, bytes]",
                APACHE,
                false,
            ),
            (r#"[ip, user, username = "frank", ...]"#, APACHE, true),
            ("[ip=%127\\.0\\.0\\.[1-9]%, user, ...]", APACHE, true),
            ("[ip=%^10\\.%, user, ...]", APACHE, false),
            ("[..., status_code, bytes]", APACHE, true),
            ("[ip, user, ..., status_code, bytes]", APACHE, true),
            ("[ip, user, ...]", APACHE, true),
            (
                "[..., status_code = 200 || status_code = 404, bytes]",
                APACHE,
                true,
            ),
            (
                "[..., status_code = 4* && status_code != 404, bytes]",
                APACHE,
                false,
            ),
            ("[..., request, ..., bytes = 1534]", APACHE, true),
            ("[..., request = *POST*, ..., bytes]", APACHE, false),
            ("[a, b, c, d, e, f, g, h]", APACHE, false),
            ("[]", APACHE, true),
            ("[]", "", true),
            ("[...]", "one", true),
            ("[a]", "", false),
            // The last field takes the rest of the line.
            (
                "[w1=ERROR, w2]",
                "ERROR 09/25/2014 12:00:02 Failed to process request",
                true,
            ),
            ("[w1=ERROR]", "ERROR message", false),
            (
                "[w1=ERROR || w1=WARNING, w2]",
                "WARNING 09/25/2014 Invalid user request",
                true,
            ),
            (
                "[w1!=ERROR && w1!=WARNING, w2]",
                "INFO 09/25/2014 12:00:00 GET",
                true,
            ),
            (
                "[w1!=ERROR && w1!=WARNING, w2]",
                "ERROR 09/25/2014 12:00:02",
                false,
            ),
            ("[w1=ERROR || w1=%WARN%, w2]", "PREWARNING x", true),
            (
                "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
                "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
                true,
            ),
            (
                "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
                "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
                false,
            ),
            (
                "[timestamp=*Z, request_id=\"*-*\", event]",
                "2024-01-01T00:00:00.000Z\tab-12\tsome text here",
                true,
            ),
            ("[level = ERROR, msg]", "INFO [ERROR] in brackets", false),
        ];
        for (p, message, want) in cases {
            assert_eq!(pattern(p).matches(message), *want, "{p:?} on {message:?}");
            assert_eq!(
                pattern(p).extract(message).is_some(),
                *want,
                "extract {p:?}"
            );
        }
    }

    #[test]
    fn malformed_table() {
        let cases: &[(&str, &str)] = &[
            ("ERROR:", "Invalid character(s) in term ':'"),
            ("?Status: timeout", "Invalid character(s) in term ':'"),
            ("PlayerSpawned (reason", "Invalid character(s) in term '('"),
            (
                r#""retrievedReferences":[]"#,
                "Invalid character(s) in term ':'",
            ),
            ("level\\\"error", "Invalid character(s) in term '\\'"),
            ("`ERROR", "Invalid character(s) in term '`'"),
            ("user@host", "Invalid character(s) in term '@'"),
            ("ERR*", "Invalid character(s) in term '*'"),
            ("%something!%", "Invalid character(s) in term '!'"),
            ("%(a|b)%", "Invalid character(s) in term '('"),
            ("%\\(x%", "Invalid character(s) in term '('"),
            ("\"unterminated", INVALID_PATTERN),
            ("%unterminated", INVALID_PATTERN),
            (" {$.ThisFlag IS TRUE} ", INVALID_PATTERN),
            ("{ $.a = 1", INVALID_PATTERN),
            ("{ $.a IS NOT NULL }", INVALID_PATTERN),
            ("{ $.a EXISTS }", INVALID_PATTERN),
            (
                r#"{ $."sc-status" = 5* }"#,
                r#"Invalid character(s) in term '$."'"#,
            ),
            (
                r#"{ $.m = "x", $.p = "y" }"#,
                "Invalid character(s) in term ','",
            ),
            (
                "{ $.eventType > UpdateTrail }",
                "Invalid character(s) in term 'UpdateTrail'",
            ),
            (
                r#"{ $.n >= "123" }"#,
                r#"Invalid character(s) in term '"123"'"#,
            ),
            ("{ $.a = 1 } trailing", INVALID_PATTERN),
            ("[a, b", INVALID_PATTERN),
            (
                "[...fields, status=FAILED]",
                "Invalid character(s) in term '...fields'",
            ),
            ("[ip, status_code = 4* && bytes > 1000]", INVALID_PATTERN),
            ("[a = %x%, b = %y%, c = %z%]", INVALID_PATTERN),
        ];
        for (p, want) in cases {
            let got = FilterPattern::parse(p).map(|_| ()).unwrap_err();
            assert_eq!(got.to_string(), *want, "{p:?}");
        }
    }

    #[test]
    fn length_limit() {
        assert!(FilterPattern::parse(&"a".repeat(1024)).is_ok());
        let long = "a".repeat(1025);
        let err = FilterPattern::parse(&long)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("1 validation error detected: Value 'aaa"),
            "{err}"
        );
        assert!(
            err.ends_with("Member must have length less than or equal to 1024"),
            "{err}"
        );
        // Characters, not bytes, are counted.
        assert!(FilterPattern::parse(&format!("\"{}\"", "é".repeat(1022))).is_ok());
    }

    #[test]
    fn extract_mirrors_test_metric_filter_examples() {
        // The TestMetricFilter examples from the CloudWatch Logs API reference.
        let named = pattern("[ip, identity, user_id, timestamp, request, status_code, size]");
        assert_eq!(
            named.extract(APACHE),
            Some(pairs(&[
                ("$ip", "127.0.0.1"),
                ("$identity", "-"),
                ("$user_id", "frank"),
                ("$timestamp", "10/Oct/2000:13:25:15 -0700"),
                ("$request", "GET /apache_pb.gif HTTP/1.0"),
                ("$status_code", "200"),
                ("$size", "1534"),
            ]))
        );

        assert_eq!(
            pattern("[..., size]").extract(APACHE),
            Some(pairs(&[
                ("$1", "127.0.0.1"),
                ("$2", "-"),
                ("$3", "frank"),
                ("$4", "10/Oct/2000:13:25:15 -0700"),
                ("$5", "GET /apache_pb.gif HTTP/1.0"),
                ("$6", "200"),
                ("$size", "1534"),
            ]))
        );

        assert_eq!(
            pattern("[]").extract(APACHE),
            Some(pairs(&[
                ("$1", "127.0.0.1"),
                ("$2", "-"),
                ("$3", "frank"),
                ("$4", "10/Oct/2000:13:25:15 -0700"),
                ("$5", "GET /apache_pb.gif HTTP/1.0"),
                ("$6", "200"),
                ("$7", "1534"),
            ]))
        );

        let ok_200 = pattern("[..., status_code=200, size]");
        assert_eq!(
            ok_200.extract(APACHE),
            Some(pairs(&[
                ("$1", "127.0.0.1"),
                ("$2", "-"),
                ("$3", "frank"),
                ("$4", "10/Oct/2000:13:25:15 -0700"),
                ("$5", "GET /apache_pb.gif HTTP/1.0"),
                ("$status_code", "200"),
                ("$size", "1534"),
            ]))
        );
        let err_500 = apache!(r#"13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#);
        assert_eq!(ok_200.extract(err_500), None);

        let html_4xx = pattern("[..., request=*.html*, status_code=4*,]");
        let messages = [
            apache!(r#"13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#),
            apache!(r#"13:35:22 -0700] "GET /about-us/index.html HTTP/1.0" 200 5324"#),
            apache!(r#"13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 404 4355"#),
            apache!(r#"13:25:15 -0700] "GET /products/index.html HTTP/1.0" 400 1534"#),
        ];
        let matched: Vec<_> = messages.iter().map(|m| html_4xx.extract(m)).collect();
        assert_eq!(
            matched.first().cloned().flatten(),
            Some(pairs(&[
                ("$1", "127.0.0.1"),
                ("$2", "-"),
                ("$3", "frank"),
                ("$4", "10/Oct/2000:13:25:15 -0700"),
                ("$request", "GET /index.html HTTP/1.0"),
                ("$status_code", "404"),
                ("$7", "1534"),
            ]))
        );
        assert_eq!(matched.get(1), Some(&None));
        assert_eq!(matched.get(2), Some(&None));
        let fourth = matched.get(3).cloned().flatten().unwrap_or_default();
        assert!(fourth.contains(&("$status_code".to_owned(), "400".to_owned())));
        assert!(fourth.contains(&(
            "$request".to_owned(),
            "GET /products/index.html HTTP/1.0".to_owned()
        )));

        // Term patterns match with no extracted values.
        let error_lines = [
            "02 May 2014 00:34:12,525 [INFO] Starting the application",
            "02 May 2014 00:35:14,245 [DEBUG] Database connection established",
            "02 May 2014 00:34:14,663 [INFO] Executing SQL Query",
            "02 May 2014 00:34:16,142 [ERROR] Unhanded exception: InvalidQueryException",
            "02 May 2014 00:34:16,224 [ERROR] Terminating the application",
        ];
        let bracketed = pattern(r#""[ERROR]""#);
        let got: Vec<_> = error_lines.iter().map(|m| bracketed.extract(m)).collect();
        assert_eq!(got, [None, None, None, Some(vec![]), Some(vec![])]);
        let with_exception = pattern(r#""[ERROR]" Exception"#);
        let got: Vec<_> = error_lines
            .iter()
            .map(|m| with_exception.extract(m))
            .collect();
        assert_eq!(got, [None, None, None, Some(vec![]), None]);
    }

    #[test]
    fn extract_metric_filter_doc_examples() {
        // "Publishing dimensions" example from the metric filter guide.
        let line = concat!(
            "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] ",
            r#""GET /index.html HTTP/1.0" 404 1534"#
        );
        assert_eq!(
            pattern("[ip, server, username, timestamp, request, status_code, bytes > 1000]")
                .extract(line),
            Some(pairs(&[
                ("$ip", "127.0.0.1"),
                ("$server", "Prod"),
                ("$username", "frank"),
                ("$timestamp", "10/Oct/2000:13:25:15 -0700"),
                ("$request", "GET /index.html HTTP/1.0"),
                ("$status_code", "404"),
                ("$bytes", "1534"),
            ]))
        );
        // The last field of a shorter pattern carries the rest of the line.
        assert_eq!(
            pattern("[w1=ERROR, w2]").extract("ERROR 09/25/2014 12:00:02 Failed to process  "),
            Some(pairs(&[
                ("$w1", "ERROR"),
                ("$w2", "09/25/2014 12:00:02 Failed to process")
            ]))
        );
        // A repeated name keeps the last value, as a map would.
        assert_eq!(
            pattern("[a, a, b]").extract("1 2 3"),
            Some(pairs(&[("$a", "2"), ("$b", "3")]))
        );
        // JSON: each selector in the pattern with the value it selected.
        assert_eq!(
            pattern("{ $.latency = * }").extract(r#"{"latency": 50, "requestType": "GET"}"#),
            Some(pairs(&[("$.latency", "50")]))
        );
        assert_eq!(
            pattern(
                r#"{ $.eventType = "*" && $.sourceIPAddress != 123.123.* || $.nope NOT EXISTS }"#
            )
            .extract(TRAIL),
            Some(pairs(&[
                ("$.eventType", "UpdateTrail"),
                ("$.sourceIPAddress", "111.111.111.111")
            ]))
        );
        assert_eq!(
            pattern("{ $.objectList[*].id = 2 && $.SomeObject IS NULL }").extract(TRAIL),
            Some(pairs(&[("$.objectList[*].id", "1")]))
        );
        assert_eq!(
            pattern("{ $.latency > 100 }").extract(r#"{"latency": 5}"#),
            None
        );
        assert_eq!(pattern("%x%").extract("axb"), Some(vec![]));
        assert_eq!(pattern("").extract("anything"), Some(vec![]));
    }

    #[test]
    fn hostile_input_is_cheap_and_safe() {
        let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(!pattern("{ $.a NOT EXISTS }").matches(&deep_json));
        let many_fields = "x ".repeat(50_000);
        assert_eq!(
            pattern("[]").extract(&many_fields).map(|v| v.len()),
            Some(50_000)
        );
        assert!(
            pattern("[..., a = y, ..., b = y, ...]")
                .extract(&many_fields)
                .is_none()
        );
        let re = pattern("%a*a*a*a*a*a*a*a*a*a*b%");
        assert!(!re.matches(&"a".repeat(50_000)));
        for p in [
            "(",
            "[",
            "{",
            "[[",
            "{{",
            "{ (",
            "[(",
            "%",
            "\"",
            "-",
            "?",
            "[,,,]",
            "{ $.a = ( }",
        ] {
            let _ = FilterPattern::parse(p).map(|fp| fp.extract("x y z"));
        }
        assert!(pattern("[,,,]").matches("a b c d"));
    }

    #[test]
    fn error_trait() {
        let err: Box<dyn std::error::Error> =
            Box::new(FilterPattern::parse("a:b").map(|_| ()).unwrap_err());
        assert_eq!(err.to_string(), "Invalid character(s) in term ':'");
    }
}
