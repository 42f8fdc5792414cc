//! Phase 3: runs a parsed pattern against one log message.
//!
//! - Terms: case-sensitive substring search, so `ERROR` matches `ERRORCODE` and
//!   `Exception` matches `InvalidQueryException` (both AWS examples).
//! - JSON: the message must parse as JSON. A comparison holds only on a string, number
//!   or boolean; on an object, array, `null` or a missing field both `=` and `!=` fail.
//! - Space-delimited: the message is split on whitespace, `[...]` and `"..."` each being
//!   one field (delimiters dropped). Without `...` the last pattern field takes the rest
//!   of the line; with `...` the fixed fields are aligned around the ellipses.
//!
//! Wildcards (`*`) reproduce AWS's observed behaviour, including a quirk of the
//! service: the final segment is looked up at its first occurrence, so `*111.111.111`
//! does not match `111.111.111.111` although `*.111.111.111` does.

use std::collections::HashMap;

use serde_json::Value;

use super::ast::{
    CompareOp, Cond, DelimitedPattern, FieldSpec, JsonExpr, JsonTest, Operand, Pattern, Selector,
    Step, TermAtom, TermPattern, parse_number,
};

/// Whether `message` matches.
pub(crate) fn matches(pattern: &Pattern, message: &str) -> bool {
    match pattern {
        Pattern::MatchAll => true,
        Pattern::Terms(terms) => terms_match(terms, message),
        Pattern::Json(expr) => parse_json(message).is_some_and(|root| json_holds(expr, &root)),
        Pattern::Delimited(d) => match_delimited(d, message).is_some(),
    }
}

/// The extracted values of a matching message, `None` when it does not match.
pub(crate) fn extract(pattern: &Pattern, message: &str) -> Option<Vec<(String, String)>> {
    match pattern {
        Pattern::MatchAll => Some(Vec::new()),
        Pattern::Terms(terms) => terms_match(terms, message).then(Vec::new),
        Pattern::Json(expr) => {
            let root = parse_json(message)?;
            json_holds(expr, &root).then(|| json_values(expr, &root))
        }
        Pattern::Delimited(d) => match_delimited(d, message).map(|m| m.values()),
    }
}

// ----- terms -----

fn terms_match(terms: &TermPattern, message: &str) -> bool {
    let found = |atom: &TermAtom| match atom {
        TermAtom::Text(text) => message.contains(text.as_str()),
        TermAtom::Regex(re) => re.is_match(message),
    };
    terms.required.iter().all(found)
        && !terms.excluded.iter().any(found)
        && (terms.optional.is_empty() || terms.optional.iter().any(found))
}

// ----- shared comparisons -----

/// `*` wildcard match as CloudWatch Logs does it: the first segment is a prefix, the
/// middle ones are found left to right, and the last must end the value where it first
/// occurs after them (no backtracking for it).
fn wildcard_match(pattern: &str, value: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = value.strip_prefix(first) else {
        return false;
    };
    let Some(last) = parts.next_back() else {
        return first == value;
    };
    for middle in parts.filter(|m| !m.is_empty()) {
        match rest.find(middle) {
            Some(at) => rest = rest.get(at + middle.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    if last.is_empty() {
        return true;
    }
    rest.find(last)
        .is_some_and(|at| at + last.len() == rest.len())
}

fn order_holds(op: CompareOp, left: f64, right: f64) -> bool {
    match op {
        CompareOp::Eq => left == right,
        CompareOp::Ne => left != right,
        CompareOp::Lt => left < right,
        CompareOp::Le => left <= right,
        CompareOp::Gt => left > right,
        CompareOp::Ge => left >= right,
    }
}

/// Compares a textual value; numbers in text are compared as numbers when the operand is
/// one (a string that is not a number is only ever "not equal").
fn text_holds(op: CompareOp, operand: &Operand, value: &str) -> bool {
    let equal = match operand {
        Operand::Number(n) => {
            return match parse_number(value) {
                Some(v) => order_holds(op, v, *n),
                None => op == CompareOp::Ne,
            };
        }
        Operand::Text(pattern) => wildcard_match(pattern, value),
        Operand::Regex(re) => re.is_match(value),
    };
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        // The parser only lets numbers reach ordering operators.
        _ => false,
    }
}

// ----- JSON -----

fn parse_json(message: &str) -> Option<Value> {
    // serde_json caps nesting at 128, so hostile messages cannot exhaust the stack.
    serde_json::from_str(message).ok()
}

fn json_holds(expr: &JsonExpr, root: &Value) -> bool {
    match expr {
        JsonExpr::And(items) => items.iter().all(|e| json_holds(e, root)),
        JsonExpr::Or(items) => items.iter().any(|e| json_holds(e, root)),
        JsonExpr::Cond(cond) => {
            let values = resolve(root, &cond.selector.steps);
            match &cond.test {
                JsonTest::NotExists => values.is_empty(),
                JsonTest::IsNull => values.iter().any(|v| v.is_null()),
                JsonTest::IsTrue => values.iter().any(|v| **v == Value::Bool(true)),
                JsonTest::IsFalse => values.iter().any(|v| **v == Value::Bool(false)),
                // With a wildcard selector, any selected value may satisfy the test.
                JsonTest::Compare(op, operand) => {
                    values.iter().any(|v| json_value_holds(*op, operand, v))
                }
            }
        }
    }
}

fn json_value_holds(op: CompareOp, operand: &Operand, value: &Value) -> bool {
    match (value, operand) {
        (Value::Number(n), Operand::Number(want)) => {
            n.as_f64().is_some_and(|v| order_holds(op, v, *want))
        }
        (Value::Bool(_), Operand::Number(_)) => false,
        _ => scalar_text(value).is_some_and(|text| text_holds(op, operand, &text)),
    }
}

/// The text a scalar is compared as; `None` for null, objects and arrays, which AWS
/// treats as "not a value node".
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn resolve<'v>(root: &'v Value, steps: &[Step]) -> Vec<&'v Value> {
    let mut current = vec![root];
    for step in steps {
        current = current
            .into_iter()
            .flat_map(|value| -> Vec<&'v Value> {
                match (step, value) {
                    (Step::Key(key), Value::Object(map)) => map.get(key).into_iter().collect(),
                    (Step::Index(i), Value::Array(items)) => items.get(*i).into_iter().collect(),
                    (Step::Wildcard, Value::Object(map)) => map.values().collect(),
                    (Step::Wildcard, Value::Array(items)) => items.iter().collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    current
}

/// Each selector named in the pattern, with the first scalar it selects.
fn json_values(expr: &JsonExpr, root: &Value) -> Vec<(String, String)> {
    let mut selectors: Vec<&Selector> = Vec::new();
    collect_selectors(expr, &mut selectors);
    let mut out: Vec<(String, String)> = Vec::new();
    for selector in selectors {
        if out.iter().any(|(key, _)| *key == selector.text) {
            continue;
        }
        let first = resolve(root, &selector.steps)
            .into_iter()
            .find_map(scalar_text);
        if let Some(text) = first {
            out.push((selector.text.clone(), text));
        }
    }
    out
}

fn collect_selectors<'e>(expr: &'e JsonExpr, out: &mut Vec<&'e Selector>) {
    match expr {
        JsonExpr::And(items) | JsonExpr::Or(items) => {
            for item in items {
                collect_selectors(item, out);
            }
        }
        JsonExpr::Cond(cond) => out.push(&cond.selector),
    }
}

// ----- space-delimited -----

/// One field of a space-delimited message.
#[derive(Debug, PartialEq)]
struct MsgField<'m> {
    /// The value, without surrounding `[]` or `""`.
    value: &'m str,
    /// Byte offset where the raw field starts (at the delimiter, if any).
    start: usize,
}

/// Splits a message into fields: runs of non-whitespace, or text between `[` and the
/// next `]`, or between `"` and the next `"`.
fn split_fields(message: &str) -> Vec<MsgField<'_>> {
    let bytes = message.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let close = match b {
            b'[' => Some(b']'),
            b'"' => Some(b'"'),
            _ => None,
        };
        let closing = close.and_then(|c| {
            let after = bytes.get(start + 1..)?;
            after.iter().position(|&x| x == c).map(|p| start + 1 + p)
        });
        let (value, next) = match closing {
            Some(end) => (message.get(start + 1..end), end + 1),
            // Unclosed delimiters are ordinary characters.
            None => {
                let end = bytes
                    .get(start..)
                    .and_then(|rest| rest.iter().position(u8::is_ascii_whitespace))
                    .map_or(bytes.len(), |p| start + p);
                (message.get(start..end), end)
            }
        };
        fields.push(MsgField {
            value: value.unwrap_or_default(),
            start,
        });
        i = next;
    }
    fields
}

/// A successful space-delimited match: which message field each pattern field took.
struct DelimitedMatch<'p, 'm> {
    /// Per message field: the pattern field's name if a named field covers it.
    names: Vec<Option<&'p str>>,
    /// Per message field: its value (the last may hold the rest of the line).
    values: Vec<&'m str>,
}

impl DelimitedMatch<'_, '_> {
    /// `$name` for named fields, `$N` (1-based position) for the rest; a repeated name
    /// keeps its last value, as a map would.
    fn values(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(self.values.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, value) in self.values.iter().enumerate() {
            let name = self.names.get(i).copied().flatten();
            match name.and_then(|n| seen.get(n).copied()) {
                Some(slot) => {
                    if let Some(entry) = out.get_mut(slot) {
                        entry.1 = (*value).to_owned();
                    }
                }
                None => {
                    let key = match name {
                        Some(n) => {
                            seen.insert(n, out.len());
                            format!("${n}")
                        }
                        None => format!("${}", i + 1),
                    };
                    out.push((key, (*value).to_owned()));
                }
            }
        }
        out
    }
}

fn field_ok(spec: &FieldSpec, value: &str) -> bool {
    match spec {
        FieldSpec::Field {
            cond: Some(cond), ..
        } => cond_holds(cond, value),
        FieldSpec::Field { cond: None, .. } | FieldSpec::Ellipsis => true,
    }
}

fn cond_holds(cond: &Cond, value: &str) -> bool {
    match cond {
        Cond::And(items) => items.iter().all(|c| cond_holds(c, value)),
        Cond::Or(items) => items.iter().any(|c| cond_holds(c, value)),
        Cond::Cmp(op, operand) => text_holds(*op, operand, value),
    }
}

fn spec_name(spec: &FieldSpec) -> Option<&str> {
    match spec {
        FieldSpec::Field { name, .. } if !name.is_empty() => Some(name),
        _ => None,
    }
}

fn match_delimited<'p, 'm>(
    pattern: &'p DelimitedPattern,
    message: &'m str,
) -> Option<DelimitedMatch<'p, 'm>> {
    let fields = split_fields(message);
    let mut values: Vec<&str> = fields.iter().map(|f| f.value).collect();
    let mut names = vec![None; fields.len()];
    let specs = &pattern.fields;

    if !specs.iter().any(|s| matches!(s, FieldSpec::Ellipsis)) {
        let n = specs.len();
        if n == 0 || fields.len() < n {
            return None;
        }
        // Extra fields belong to the last one: `[w1=ERROR, w2]` is AWS's documented way
        // to test only the first word of a longer line.
        if fields.len() > n {
            let rest = fields.get(n - 1).and_then(|f| message.get(f.start..))?;
            values.truncate(n);
            names.truncate(n);
            if let Some(last) = values.last_mut() {
                *last = rest.trim_end();
            }
        }
        for (i, spec) in specs.iter().enumerate() {
            if !field_ok(spec, values.get(i)?) {
                return None;
            }
            if let Some(slot) = names.get_mut(i) {
                *slot = spec_name(spec);
            }
        }
        return Some(DelimitedMatch { names, values });
    }

    // Fixed runs of fields between ellipses: the first is anchored at the start, the
    // last at the end, and each middle one goes to its leftmost fit, which leaves the
    // most room for the runs after it.
    let runs: Vec<&[FieldSpec]> = specs.split(|s| matches!(s, FieldSpec::Ellipsis)).collect();
    let fixed: usize = runs.iter().map(|r| r.len()).sum();
    if fixed > fields.len() {
        return None;
    }
    let run_fits = |run: &[FieldSpec], at: usize| {
        run.iter()
            .enumerate()
            .all(|(j, spec)| values.get(at + j).is_some_and(|v| field_ok(spec, v)))
    };
    let (first, last) = (runs.first()?, runs.last()?);
    let last_at = fields.len() - last.len();
    if !run_fits(first, 0) || !run_fits(last, last_at) {
        return None;
    }
    let mut placed = vec![(0, *first), (last_at, *last)];
    let mut cursor = first.len();
    for run in runs.get(1..runs.len() - 1).unwrap_or_default() {
        let at = (cursor..=last_at.checked_sub(run.len())?).find(|&at| run_fits(run, at))?;
        placed.push((at, run));
        cursor = at + run.len();
    }
    for (at, run) in placed {
        for (j, spec) in run.iter().enumerate() {
            if let Some(slot) = names.get_mut(at + j) {
                *slot = spec_name(spec);
            }
        }
    }
    Some(DelimitedMatch { names, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matcher() {
        // (pattern, value, expected); the quirky rows were verified against CloudWatch.
        let cases = [
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("*", "", true),
            ("*", "anything", true),
            ("111*", "111.111.111.111", true),
            ("*.111.111.111", "111.111.111.111", true),
            ("*111.111.111", "111.111.111.111", false),
            ("111*111", "111.111.111.111", false),
            ("1*3", "123", true),
            ("1*4", "12.34", true),
            ("*111*", "111.111.111.111", true),
            ("11*1", "111.111.111.111", false),
            ("*23", "123", true),
            ("*1", "123", false),
            ("12.*", "12.34", true),
            ("*.html*", "GET /index.html HTTP/1.0", true),
            ("*html*", "GET /x.gif HTTP/1.0", false),
            ("4*", "404", true),
            ("4*", "504", false),
            ("a**b", "ab", true),
            ("*-*", "3f2c-11", true),
            ("*Event", "PutEvent", true),
            ("Event*", "EventName", true),
            ("Ev*ent", "Ev*ent", true),
            ("é*", "été", true),
        ];
        for (pattern, value, want) in cases {
            assert_eq!(
                wildcard_match(pattern, value),
                want,
                "{pattern:?} vs {value:?}"
            );
        }
    }

    #[test]
    fn text_comparisons() {
        use CompareOp::*;
        let n = |v| Operand::Number(v);
        let t = |s: &str| Operand::Text(s.to_owned());
        let cases = [
            (Eq, n(404.0), "404", true),
            (Eq, n(404.0), "404.0", true),
            (Ne, n(404.0), "404", false),
            (Ne, n(404.0), "abc", true),
            (Eq, n(404.0), "abc", false),
            (Gt, n(1000.0), "1534", true),
            (Gt, n(1000.0), "1534,", false),
            (Le, n(5.0), "5", true),
            (Lt, n(0.0), "-1", true),
            (Ge, n(1.0), "x", false),
            (Eq, t("ERROR"), "ERROR", true),
            (Ne, t("ERROR"), "WARN", true),
            (Ne, t("2*"), "200", false),
            (Ne, t("2*"), "404", true),
        ];
        for (op, operand, value, want) in cases {
            assert_eq!(
                text_holds(op, &operand, value),
                want,
                "{op:?} {operand:?} {value:?}"
            );
        }
    }

    #[test]
    fn message_fields() {
        let msg = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /a HTTP/1.0" 200 1534"#;
        let values: Vec<_> = split_fields(msg).into_iter().map(|f| f.value).collect();
        assert_eq!(
            values,
            [
                "127.0.0.1",
                "-",
                "frank",
                "10/Oct/2000:13:25:15 -0700",
                "GET /a HTTP/1.0",
                "200",
                "1534"
            ]
        );
        let values: Vec<_> = split_fields("  a\tb  [unclosed x \"\" \"open")
            .into_iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(values, ["a", "b", "[unclosed", "x", "", "\"open"]);
        let values: Vec<_> = split_fields("[a \"b] c\"")
            .into_iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(values, ["a \"b", "c\""]);
        assert!(split_fields("").is_empty());
        assert!(split_fields(" \t\n").is_empty());
        let fields = split_fields("[a]b \"é\"");
        assert_eq!(
            fields,
            [
                MsgField {
                    value: "a",
                    start: 0
                },
                MsgField {
                    value: "b",
                    start: 3
                },
                MsgField {
                    value: "é",
                    start: 5
                }
            ]
        );
    }

    #[test]
    fn json_resolution() {
        let root: Value =
            serde_json::from_str(r#"{"a":{"b":[10,{"c":"x"}]},"d.e":1,"n":null,"arr":[1,2,3]}"#)
                .unwrap();
        let key = |k: &str| Step::Key(k.to_owned());
        assert_eq!(
            resolve(&root, &[key("a"), key("b"), Step::Index(0)]),
            [&Value::from(10)]
        );
        assert_eq!(
            resolve(&root, &[key("a"), key("b"), Step::Index(1), key("c")]),
            [&Value::from("x")]
        );
        assert_eq!(resolve(&root, &[key("d.e")]), [&Value::from(1)]);
        assert_eq!(resolve(&root, &[key("arr"), Step::Wildcard]).len(), 3);
        assert_eq!(resolve(&root, &[Step::Wildcard]).len(), 4);
        assert!(resolve(&root, &[key("n"), key("x")]).is_empty());
        assert!(resolve(&root, &[key("arr"), Step::Index(9)]).is_empty());
        assert!(resolve(&root, &[key("a"), Step::Index(0)]).is_empty());
        assert!(resolve(&root, &[key("missing")]).is_empty());
    }

    #[test]
    fn scalar_texts() {
        let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(scalar_text(&parse("123")).as_deref(), Some("123"));
        assert_eq!(scalar_text(&parse("12.0")).as_deref(), Some("12.0"));
        assert_eq!(scalar_text(&parse("12.34")).as_deref(), Some("12.34"));
        assert_eq!(scalar_text(&parse("true")).as_deref(), Some("true"));
        assert_eq!(scalar_text(&parse(r#""s""#)).as_deref(), Some("s"));
        assert_eq!(scalar_text(&parse("null")), None);
        assert_eq!(scalar_text(&parse("[]")), None);
        assert_eq!(scalar_text(&parse("{}")), None);
    }
}
