//! CloudWatch Logs Insights queries, as StartQuery / GetQueryResults run them.
//!
//! The module is pure: [`Query::parse`] checks a query string and reports a
//! [`QueryError`] worded like the service's MalformedQueryException;
//! [`Query::run`] evaluates it over the events the caller selected (log groups
//! and time range are the caller's business) and returns rows of
//! `(field, value)` pairs in GetQueryResults' shape plus its statistics.
//!
//! Phases, one file each:
//! - `lexer`: query text to tokens (context-sensitive `/`: regex or division);
//! - `parser` (+ `ast`): tokens to a pipeline of commands, with error locations;
//! - `eval` (+ `functions`, `regex`): runs the pipeline over event rows and
//!   formats the results.
//!
//! See `README.md` beside this file for the syntax covered and its limits.

mod ast;
mod eval;
mod functions;
mod lexer;
mod parser;
mod regex;

use std::fmt;

/// A parsed Logs Insights query.
#[derive(Debug, Clone)]
pub struct Query {
    commands: Vec<ast::Command>,
    plan: eval::Plan,
}

/// One stored log event as the query engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Event time, in milliseconds since the epoch (`@timestamp`).
    pub timestamp: i64,
    /// When the event was ingested, in milliseconds since the epoch (`@ingestionTime`).
    pub ingestion_time: i64,
    /// The raw message (`@message`); JSON objects also yield their fields.
    pub message: &'a str,
    /// The log stream name (`@logStream`).
    pub log_stream: &'a str,
    /// The log group as `@log` shows it: `<account-id>:<log-group-name>`.
    pub log_group: &'a str,
    /// Opaque `@ptr` value, provided by the caller.
    pub ptr: &'a str,
}

/// Results in GetQueryResults' shape: rows of (field, value) pairs, in the order AWS returns them.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    /// Result rows; each holds the row's present fields, in column order.
    pub rows: Vec<Vec<(String, String)>>,
    /// `statistics.recordsMatched`: events that passed the filters.
    pub records_matched: f64,
    /// `statistics.recordsScanned`: events examined.
    pub records_scanned: f64,
    /// `statistics.bytesScanned`: message bytes examined.
    pub bytes_scanned: f64,
}

/// Why a query was rejected: a MalformedQueryException message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    message: String,
    start: usize,
    end: usize,
}

impl QueryError {
    /// Builds an error; `start` and `end` are char offsets of the first and
    /// last char of the offending token.
    pub(crate) fn new(message: String, start: usize, end: usize) -> QueryError {
        QueryError {
            message,
            start,
            end,
        }
    }

    /// `(startCharOffset, endCharOffset)` for `queryCompileError.location`:
    /// char offsets of the first and last char of the offending token (both
    /// the query length at end of input).
    pub fn location(&self) -> (usize, usize) {
        (self.start, self.end)
    }

    /// The exception message (same text as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

impl Query {
    /// Parses and checks `query` (at most 10,000 chars).
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        let commands = parser::parse(query)?;
        let plan = eval::plan(&commands);
        Ok(Query { commands, plan })
    }

    /// Runs the query over events (any order); `limit` is StartQuery's limit parameter if given.
    pub fn run<'a>(
        &self,
        events: impl IntoIterator<Item = Event<'a>>,
        limit: Option<usize>,
    ) -> QueryOutput {
        eval::run(&self.commands, &self.plan, events, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "123456789012:/app/web";
    /// 2022-07-18 12:00:00.000 UTC
    const T0: i64 = 1_658_145_600_000;

    struct Log {
        ts: i64,
        stream: &'static str,
        msg: String,
        ptr: String,
    }

    fn logs(entries: &[(i64, &'static str, &'static str)]) -> Vec<Log> {
        entries
            .iter()
            .enumerate()
            .map(|(i, (offset, stream, msg))| Log {
                ts: T0 + offset,
                stream,
                msg: msg.to_string(),
                ptr: format!("ptr{i}"),
            })
            .collect()
    }

    fn events(logs: &[Log]) -> Vec<Event<'_>> {
        logs.iter()
            .map(|l| Event {
                timestamp: l.ts,
                ingestion_time: l.ts + 5,
                message: &l.msg,
                log_stream: l.stream,
                log_group: GROUP,
                ptr: &l.ptr,
            })
            .collect()
    }

    fn sample() -> Vec<Log> {
        logs(&[
            (
                0,
                "a",
                r#"{"level":"INFO","latency":120,"user":{"id":"u1"},"path":"/home"}"#,
            ),
            (
                60_000,
                "a",
                r#"{"level":"ERROR","latency":900,"user":{"id":"u2"},"path":"/pay"}"#,
            ),
            (120_000, "b", "[WARN] disk 91% full on host-1"),
            (
                360_000,
                "b",
                r#"{"level":"ERROR","latency":300,"user":{"id":"u1"},"path":"/pay"}"#,
            ),
            (420_000, "c", "[INFO] user=bob, method:GET, latency := 42"),
        ])
    }

    fn run(query: &str, limit: Option<usize>) -> QueryOutput {
        let logs = sample();
        Query::parse(query).unwrap().run(events(&logs), limit)
    }

    fn cells(row: &[(String, String)]) -> Vec<(&str, &str)> {
        row.iter().map(|(f, v)| (f.as_str(), v.as_str())).collect()
    }

    fn column<'o>(out: &'o QueryOutput, field: &str) -> Vec<&'o str> {
        out.rows
            .iter()
            .filter_map(|r| r.iter().find(|(f, _)| f == field).map(|(_, v)| v.as_str()))
            .collect()
    }

    #[test]
    fn default_query_shows_timestamp_message_and_ptr_newest_first() {
        let out = run("filter @logStream = 'b'", None);
        assert_eq!(out.rows.len(), 2);
        assert_eq!(
            cells(&out.rows[0]),
            [
                ("@timestamp", "2022-07-18 12:06:00.000"),
                (
                    "@message",
                    r#"{"level":"ERROR","latency":300,"user":{"id":"u1"},"path":"/pay"}"#
                ),
                ("@ptr", "ptr3"),
            ]
        );
        assert_eq!(column(&out, "@ptr"), ["ptr3", "ptr2"]);
        assert_eq!(out.records_matched, 2.0);
        assert_eq!(out.records_scanned, 5.0);
        assert!(out.bytes_scanned > 100.0);
    }

    #[test]
    fn fields_with_aliases_expressions_and_system_fields() {
        let out = run(
            "fields @timestamp, level, user.id as uid, latency * 2 as double, @log, @logStream, \
             @ingestionTime | filter ispresent(level) | sort @timestamp asc | limit 2",
            None,
        );
        assert_eq!(
            cells(&out.rows[0]),
            [
                ("@timestamp", "2022-07-18 12:00:00.000"),
                ("level", "INFO"),
                ("uid", "u1"),
                ("double", "240"),
                ("@log", GROUP),
                ("@logStream", "a"),
                ("@ingestionTime", "2022-07-18 12:00:00.005"),
                ("@ptr", "ptr0"),
            ]
        );
        assert_eq!(out.rows.len(), 2);
        assert_eq!(out.records_matched, 3.0);
    }

    #[test]
    fn filters_regex_substring_in_and_functions() {
        let q = |query: &str| column(&run(query, None), "@ptr").join(",");
        assert_eq!(q("filter @message like /(?i)warn/"), "ptr2");
        assert_eq!(q("filter @message like 'disk'"), "ptr2");
        assert_eq!(q("filter @message =~ /\"path\":\"\\/pay\"/"), "ptr3,ptr1");
        assert_eq!(
            q("filter level in ['ERROR', 'WARN'] and latency > 500"),
            "ptr1"
        );
        assert_eq!(q("filter level not in ['ERROR']"), "ptr0");
        assert_eq!(q("filter not ispresent(level)"), "ptr4,ptr2");
        assert_eq!(q("filter strcontains(@message, 'bob')"), "ptr4");
        assert_eq!(
            q("filter (latency >= 300 or @logStream = 'c') and path != '/home'"),
            "ptr3,ptr1"
        );
        assert_eq!(q("where @message not like /ERROR|INFO/"), "ptr2");
    }

    #[test]
    fn stats_by_field_with_row_and_column_order() {
        let out = run("stats count(*) as n, avg(latency) by level", None);
        // Groups in order of first appearance, newest first; keys, then aggregates.
        assert_eq!(
            out.rows.iter().map(|r| cells(r)).collect::<Vec<_>>(),
            [
                vec![("n", "2")], // the two non-JSON events have no `level`
                vec![("level", "ERROR"), ("n", "2"), ("avg(latency)", "600")],
                vec![("level", "INFO"), ("n", "1"), ("avg(latency)", "120")],
            ]
        );
        assert_eq!(out.records_matched, 5.0);
    }

    #[test]
    fn stats_by_bin_and_second_stats() {
        let out = run("filter ispresent(level) | stats count(*) by bin(5m)", None);
        assert_eq!(
            out.rows.iter().map(|r| cells(r)).collect::<Vec<_>>(),
            [
                vec![("bin(5m)", "2022-07-18 12:05:00.000"), ("count(*)", "1")],
                vec![("bin(5m)", "2022-07-18 12:00:00.000"), ("count(*)", "2")],
            ]
        );
        assert_eq!(out.records_matched, 3.0);
        let out = run(
            "stats count(*) as c by bin(1m) as minute | stats max(c) as peak, sum(c) as total",
            None,
        );
        assert_eq!(cells(&out.rows[0]), [("peak", "1"), ("total", "5")]);
    }

    #[test]
    fn stats_then_sort_filter_and_display() {
        let out = run(
            "stats sum(latency) as total, count(*) as n by @logStream | filter n > 1 \
             | sort total desc | display @logStream, total",
            None,
        );
        assert_eq!(
            out.rows.iter().map(|r| cells(r)).collect::<Vec<_>>(),
            [
                vec![("@logStream", "a"), ("total", "1020")],
                vec![("@logStream", "b"), ("total", "300")]
            ]
        );
    }

    #[test]
    fn parse_glob_and_regex() {
        let out = run(
            "parse @message \"user=*, method:*, latency := *\" as @user, @method, @latency \
             | filter ispresent(@user) | display @user, @method, @latency",
            None,
        );
        assert_eq!(
            cells(&out.rows[0]),
            [
                ("@user", "bob"),
                ("@method", "GET"),
                ("@latency", "42"),
                ("@ptr", "ptr4")
            ]
        );
        let out = run(
            "parse @message /\\[(?<sev>[A-Z]+)\\] (?<rest>.*)/ | stats count(*) by sev",
            None,
        );
        assert_eq!(
            out.rows.iter().map(|r| cells(r)).collect::<Vec<_>>(),
            [
                vec![("sev", "INFO"), ("count(*)", "1")],
                vec![("count(*)", "3")],
                vec![("sev", "WARN"), ("count(*)", "1")]
            ]
        );
        let out = run(
            "parse @logStream '*' as s | filter s = 'c' | fields s",
            None,
        );
        assert_eq!(cells(&out.rows[0]), [("s", "c"), ("@ptr", "ptr4")]);
    }

    #[test]
    fn parse_without_fields_adds_extracted_columns() {
        let out = run(
            "parse '[*] *' as sev, text | filter ispresent(sev) | limit 1",
            None,
        );
        let fields: Vec<&str> = out.rows[0].iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["@timestamp", "@message", "sev", "text", "@ptr"]);
    }

    #[test]
    fn dedup_keeps_first_in_sort_order_and_rows_missing_the_field() {
        let out = run("fields path | dedup path", None);
        assert_eq!(column(&out, "@ptr"), ["ptr4", "ptr3", "ptr2", "ptr0"]);
        assert_eq!(out.records_matched, 5.0);
        let out = run(
            "fields path | sort @timestamp asc | dedup path | limit 2",
            None,
        );
        assert_eq!(column(&out, "@ptr"), ["ptr0", "ptr1"]);
    }

    #[test]
    fn limits_from_query_parameter_and_default() {
        assert_eq!(run("limit 2", None).rows.len(), 2);
        assert_eq!(run("limit 4", Some(3)).rows.len(), 3);
        assert_eq!(run("limit 1", Some(3)).rows.len(), 1);
        assert_eq!(run("fields @message", Some(2)).rows.len(), 2);
        let many: Vec<Log> = (0..10_050)
            .map(|i| Log {
                ts: T0 + i,
                stream: "s",
                msg: "m".into(),
                ptr: String::new(),
            })
            .collect();
        let q = Query::parse("fields @message").unwrap();
        assert_eq!(q.run(events(&many), None).rows.len(), eval::DEFAULT_LIMIT);
        let out = q.run(events(&many), None);
        assert_eq!(out.records_matched, 10_050.0);
    }

    #[test]
    fn sort_uses_natural_order_and_multiple_keys() {
        let out = run("fields latency | sort latency desc", None);
        assert_eq!(column(&out, "latency"), ["900", "300", "120"]);
        assert_eq!(out.rows.len(), 5); // rows without latency come last
        let out = run(
            "sort @logStream desc, @timestamp asc | fields @logStream",
            None,
        );
        assert_eq!(
            column(&out, "@ptr"),
            ["ptr4", "ptr2", "ptr3", "ptr0", "ptr1"]
        );
    }

    #[test]
    fn datetime_and_string_functions_in_fields() {
        let out = run(
            "filter @logStream = 'c' | fields datefloor(@timestamp, 1h) as hour, \
             toupper(substr(@logStream, 0, 1)) as s, \
             concat(@logStream, '-', strlen(@message)) as c, tomillis(@timestamp) as ms",
            None,
        );
        assert_eq!(
            cells(&out.rows[0]),
            [
                ("hour", "2022-07-18 12:00:00.000"),
                ("s", "C"),
                ("c", "c-42"),
                ("ms", "1658146020000"),
                ("@ptr", "ptr4"),
            ]
        );
    }

    #[test]
    fn errors_carry_message_and_location() {
        let err = Query::parse("fields @message | sort @timestamp desc |").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected symbol found <EOF> at line 1 and position 40"
        );
        assert_eq!(err.location(), (40, 40));
        assert_eq!(err.message(), err.to_string());
        let err = Query::parse("stats count(*) by bin(1h)\n| sort bin(1h)").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected symbol found ( at line 2 and position 10"
        );
        assert_eq!(err.location(), (36, 36));
    }

    #[test]
    fn empty_input_and_no_matches() {
        let q = Query::parse("stats count(*)").unwrap();
        let out = q.run(Vec::new(), None);
        assert!(out.rows.is_empty());
        assert_eq!(
            (out.records_matched, out.records_scanned, out.bytes_scanned),
            (0.0, 0.0, 0.0)
        );
        assert!(run("filter level = 'NOPE'", None).rows.is_empty());
    }

    /// Random token soup: every query either fails to parse or runs.
    #[test]
    fn token_soup_never_panics() {
        const VOCAB_TEXT: &str = "fields filter stats sort limit parse display dedup | , ( ) [ ] \
            = != < >= =~ + - * / % ^ and or not like in as by desc count bin 5m @message level \
            latency 1 2.5 'x' \"[*]\" /(?<a>\\w+)/ /a|/ sum strlen @timestamp";
        let vocab: Vec<&str> = VOCAB_TEXT.split_whitespace().collect();
        let logs = sample();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        const CORPUS: [&str; 8] = [
            "fields @timestamp, level, latency * 2 as d | filter level = 'ERROR' | sort d desc",
            "stats count(*) as n, avg(latency) by bin(5m), level | sort n desc | limit 3",
            "parse @message \"[*] *\" as sev, text | filter ispresent(sev) | display sev, text",
            "parse @message /(?<w>\\w+) (?<r>.*)/ | stats count_distinct(w) by r",
            "filter @message like /ERR|WARN/ and latency not in [1, 2] | dedup level | limit 2",
            "fields strlen(@message) as l | stats sum(l) / 2 as h by @logStream | stats max(h)",
            "filter not (latency > 100 or level =~ 'I') | fields concat(level, '-', @ptr) as k",
            "fields datefloor(@timestamp, 1h) as h, substr(@message, 1, 3) | sort h asc, @message",
        ];
        for query in CORPUS {
            assert!(Query::parse(query).is_ok(), "{query}");
        }
        let mut parsed = 0;
        for _ in 0..6_000 {
            let query = if next(3) == 0 {
                let len = 1 + next(12);
                let words: Vec<&str> = (0..len).map(|_| vocab[next(vocab.len())]).collect();
                words.join(" ")
            } else {
                // Mutate a valid query: cut a span and splice in a word.
                let chars: Vec<char> = CORPUS[next(CORPUS.len())].chars().collect();
                let at = next(chars.len() + 1);
                let cut = (at + next(4)).min(chars.len());
                let word = if next(2) == 0 {
                    vocab[next(vocab.len())]
                } else {
                    ""
                };
                let mut q: String = chars[..at].iter().collect();
                q.push_str(word);
                q.extend(&chars[cut..]);
                q
            };
            match Query::parse(&query) {
                Ok(q) => {
                    parsed += 1;
                    let _ = q.run(events(&logs), Some(next(5)));
                }
                Err(e) => {
                    let (start, end) = e.location();
                    let len = query.chars().count();
                    assert!(start <= len && end <= len && start <= end, "{query}");
                    assert!(
                        e.to_string().starts_with("unexpected symbol found "),
                        "{query}"
                    );
                }
            }
        }
        assert!(parsed > 500, "only {parsed} queries parsed");
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let queries = [
            "fields replace(replace(replace(@message, 'a', @message), 'a', @message), 'a', \
             @message)",
            "filter @message like /(a*)*b/",
            "fields 1/0, 0/0, -9 ^ 0.5, log(-1), 10 % 0, substr(@message, -5, 99999999999)",
            "stats pct(latency, 500), pct(latency, -1), stddev(latency) by bin(1y)",
            "fields datefloor(@timestamp, 99999999999999mon), dateceil(@message, 1q)",
            "fields frommillis(99999999999999999999), bin(1ms)",
        ];
        let logs = [Log {
            ts: i64::MIN,
            stream: "s",
            msg: "a".repeat(2_000),
            ptr: "p".into(),
        }];
        for query in queries {
            let q = Query::parse(query).unwrap();
            let _ = q.run(events(&logs), None);
            let _ = q.run(events(&sample()), Some(0));
        }
        for junk in [
            "|",
            "((((",
            "fields",
            "`",
            "'",
            "/",
            "fields a as",
            "stats",
            "sort",
            "limit x",
        ] {
            assert!(Query::parse(junk).is_err(), "{junk}");
        }
    }
}
