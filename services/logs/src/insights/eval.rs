//! Phase 3: runs a parsed pipeline over log events.
//!
//! Each event becomes a row of fields: the system fields (`@timestamp`,
//! `@message`, `@logStream`, `@log`, `@ptr`, `@ingestionTime`) plus the fields
//! discovered in a JSON message (nested keys joined with `.`, array items by
//! index). Rows start newest first and flow through the commands in order;
//! `stats` turns them into one row per group. The last step picks the output
//! columns and formats every value as text.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::ast::{AggFunc, AggSpec, BinOp, Command, Expr, ParseMatcher, SortKey, Stats, UnOp};
use super::functions::{self, Arg, Value};
use super::parser::MAX_LIMIT;
use super::{Event, QueryOutput};

/// Rows a query returns when neither it nor the caller sets a limit.
pub(crate) const DEFAULT_LIMIT: usize = 10_000;
/// Most fields discovered in one JSON message.
const MAX_JSON_FIELDS: usize = 200;
/// Deepest JSON nesting flattened.
const MAX_JSON_DEPTH: usize = 64;

/// One record: field name to value.
pub(crate) type Row = HashMap<String, Value>;

/// What the final result shows, worked out from the commands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// Output columns, in order.
    pub(crate) columns: Vec<String>,
    /// Rows are events (no `stats`), so each carries its `@ptr`.
    pub(crate) include_ptr: bool,
    /// The query has its own `limit`.
    pub(crate) has_limit: bool,
}

/// Works out the output columns. The last `display` wins; otherwise a
/// `stats` shows its group keys then its aggregates; otherwise the fields
/// named by `fields` commands (or `@timestamp, @message` when there are
/// none). Fields created by `parse` (and by `fields` after a `stats`) are
/// added after those.
pub(crate) fn plan(commands: &[Command]) -> Plan {
    let mut display: Option<Vec<String>> = None;
    let mut stats_columns: Option<Vec<String>> = None;
    let mut fields = Vec::new();
    let mut parsed = Vec::new();
    let mut has_limit = false;
    for command in commands {
        match command {
            Command::Fields(projections) => {
                fields.extend(projections.iter().map(|p| p.name.clone()));
            }
            Command::Parse { matcher, .. } => match matcher {
                ParseMatcher::Glob { names, .. } => parsed.extend(names.iter().cloned()),
                ParseMatcher::Regex(re) => parsed.extend(re.names().iter().map(|(n, _)| n.clone())),
            },
            Command::Stats(stats) => {
                let columns = stats.by.iter().chain(&stats.items).map(|p| p.name.clone());
                stats_columns = Some(columns.collect());
                fields.clear();
                parsed.clear();
            }
            Command::Display(names) => display = Some(names.clone()),
            Command::Limit(_) => has_limit = true,
            Command::Filter(_) | Command::Sort(_) | Command::Dedup(_) => {}
        }
    }
    let include_ptr = stats_columns.is_none();
    let mut columns = match (display, stats_columns) {
        (Some(display), _) => display,
        (None, Some(mut stats)) => {
            stats.extend(fields);
            stats.extend(parsed);
            stats
        }
        (None, None) => {
            let mut base = if fields.is_empty() {
                vec!["@timestamp".to_string(), "@message".to_string()]
            } else {
                fields
            };
            base.extend(parsed);
            base
        }
    };
    let mut seen = HashSet::new();
    columns.retain(|c| seen.insert(c.clone()));
    Plan {
        columns,
        include_ptr,
        has_limit,
    }
}

/// The row of one event: JSON fields first, then the system fields.
pub(crate) fn event_row(event: &Event<'_>) -> Row {
    let mut row = Row::new();
    discover_json(event.message, &mut row);
    row.insert("@timestamp".into(), Value::Time(event.timestamp));
    row.insert("@ingestionTime".into(), Value::Time(event.ingestion_time));
    row.insert("@message".into(), Value::Str(event.message.to_string()));
    row.insert(
        "@logStream".into(),
        Value::Str(event.log_stream.to_string()),
    );
    row.insert("@log".into(), Value::Str(event.log_group.to_string()));
    row.insert("@ptr".into(), Value::Str(event.ptr.to_string()));
    row
}

/// Adds the fields of a JSON-object message: nested keys joined with `.`,
/// array items by index, top-level keys starting with `@` get another `@`.
fn discover_json(message: &str, row: &mut Row) {
    if !message.trim_start().starts_with('{') {
        return;
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(message)
    else {
        return;
    };
    let mut budget = MAX_JSON_FIELDS;
    for (key, value) in &map {
        let name = if key.starts_with('@') {
            format!("@{key}")
        } else {
            key.clone()
        };
        flatten(name, value, row, &mut budget, 0);
    }
}

fn flatten(
    name: String,
    value: &serde_json::Value,
    row: &mut Row,
    budget: &mut usize,
    depth: usize,
) {
    if *budget == 0 || depth > MAX_JSON_DEPTH {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                flatten(format!("{name}.{key}"), child, row, budget, depth + 1);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten(format!("{name}.{i}"), child, row, budget, depth + 1);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => {
            *budget -= 1;
            row.insert(name, Value::Str(s.clone()));
        }
        serde_json::Value::Number(n) => {
            *budget -= 1;
            row.insert(name, Value::Str(n.to_string()));
        }
        serde_json::Value::Bool(b) => {
            *budget -= 1;
            row.insert(name, Value::Str(b.to_string()));
        }
    }
}

/// Evaluates `expr` on `row`; `aggs` holds the aggregate values inside `stats`.
pub(crate) fn eval(expr: &Expr, row: &Row, aggs: &[Option<Value>]) -> Option<Value> {
    match expr {
        Expr::Field(name) => row.get(name).cloned(),
        Expr::Str(s) => Some(Value::Str(s.clone())),
        Expr::Num(n) => Some(Value::Num(*n)),
        Expr::Regex(re) => Some(Value::Str(re.source().to_string())),
        Expr::Period(p) => functions::period_millis(*p).map(|ms| Value::Num(ms as f64)),
        Expr::Unary(UnOp::Neg, inner) => number(-eval(inner, row, aggs)?.as_number()?),
        Expr::Unary(UnOp::Not, inner) => Some(Value::Bool(!truth(&eval(inner, row, aggs)?)?)),
        Expr::Binary(op, left, right) => binary(*op, eval(left, row, aggs), eval(right, row, aggs)),
        Expr::Like {
            expr,
            pattern,
            negated,
        } => {
            let text = eval(expr, row, aggs)?.to_text()?;
            let hit = match pattern.as_ref() {
                Expr::Regex(re) => re.is_match(&text),
                other => text.contains(&eval(other, row, aggs)?.to_text()?),
            };
            Some(Value::Bool(hit != *negated))
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            let value = eval(expr, row, aggs)?;
            let hit = list
                .iter()
                .any(|item| eval(item, row, aggs).is_some_and(|v| equal(&value, &v)));
            Some(Value::Bool(hit != *negated))
        }
        Expr::Call(func, args) => {
            let args: Vec<Arg<'_>> = args
                .iter()
                .map(|a| match a {
                    Expr::Regex(re) => Arg::Regex(re),
                    Expr::Period(p) => Arg::Period(*p),
                    other => Arg::Value(eval(other, row, aggs)),
                })
                .collect();
            let timestamp = row.get("@timestamp").and_then(Value::as_time);
            functions::call(*func, &args, timestamp)
        }
        Expr::Agg(slot) => aggs.get(*slot).cloned().flatten(),
    }
}

fn number(n: f64) -> Option<Value> {
    n.is_finite().then_some(Value::Num(n))
}

/// Truth of a condition's value; `None` when it has none.
fn truth(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Num(n) => Some(*n != 0.0),
        Value::Time(_) => Some(true),
        Value::Str(s) => Some(match functions::parse_decimal(s) {
            Some(n) => n != 0.0,
            None => !(s.is_empty() || s.eq_ignore_ascii_case("false")),
        }),
    }
}

/// Equality: numerically when both sides are numbers, else as text.
fn equal(a: &Value, b: &Value) -> bool {
    match (a.as_number(), b.as_number()) {
        (Some(x), Some(y)) => x == y,
        _ => a.to_text() == b.to_text(),
    }
}

/// Ordering: numerically when both sides are numbers, else as text.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a.as_number(), b.as_number()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(a.to_text()?.cmp(&b.to_text()?)),
    }
}

/// Binary operators with SQL-like missing-value rules: arithmetic and
/// comparisons on a missing value are missing; `and`/`or` use three-valued
/// logic.
fn binary(op: BinOp, left: Option<Value>, right: Option<Value>) -> Option<Value> {
    match op {
        BinOp::And | BinOp::Or => {
            let l = left.as_ref().and_then(truth);
            let r = right.as_ref().and_then(truth);
            let (absorbing, result) = if op == BinOp::And {
                (false, l.zip(r).map(|(a, b)| a && b))
            } else {
                (true, l.zip(r).map(|(a, b)| a || b))
            };
            if l == Some(absorbing) || r == Some(absorbing) {
                return Some(Value::Bool(absorbing));
            }
            result.map(Value::Bool)
        }
        BinOp::Eq => Some(Value::Bool(equal(&left?, &right?))),
        BinOp::Ne => Some(Value::Bool(!equal(&left?, &right?))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = order(&left?, &right?)?;
            Some(Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Le => ord != Ordering::Greater,
                BinOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow => {
            let a = left?.as_number()?;
            let b = right?.as_number()?;
            number(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => return None,
                BinOp::Div => a / b,
                BinOp::Mod if b == 0.0 => return None,
                BinOp::Mod => a % b,
                _ => a.powf(b),
            })
        }
    }
}

/// Runs `commands` over `events`; `limit` is StartQuery's limit parameter.
pub(crate) fn run<'a>(
    commands: &[Command],
    plan: &Plan,
    events: impl IntoIterator<Item = Event<'a>>,
    limit: Option<usize>,
) -> QueryOutput {
    let mut scanned = 0usize;
    let mut bytes = 0usize;
    let mut keyed: Vec<(i64, i64, Row)> = Vec::new();
    for event in events {
        scanned += 1;
        bytes = bytes.saturating_add(event.message.len());
        keyed.push((event.timestamp, event.ingestion_time, event_row(&event)));
    }
    // Without a `sort`, results are newest first.
    keyed.sort_by_key(|k| std::cmp::Reverse((k.0, k.1)));
    let mut rows: Vec<Row> = keyed.into_iter().map(|(_, _, row)| row).collect();

    let mut matched: Option<usize> = None;
    for command in commands {
        match command {
            Command::Fields(projections) => {
                for row in &mut rows {
                    let values: Vec<Option<Value>> = projections
                        .iter()
                        .map(|p| eval(&p.expr, row, &[]))
                        .collect();
                    for (p, value) in projections.iter().zip(values) {
                        match value {
                            Some(v) => row.insert(p.name.clone(), v),
                            None => row.remove(&p.name),
                        };
                    }
                }
            }
            Command::Filter(condition) => {
                rows.retain(|row| eval(condition, row, &[]).as_ref().and_then(truth) == Some(true));
            }
            Command::Parse { source, matcher } => {
                for row in &mut rows {
                    parse_into(row, source, matcher);
                }
            }
            Command::Stats(stats) => {
                matched.get_or_insert(rows.len());
                rows = run_stats(stats, &rows);
            }
            Command::Sort(keys) => rows.sort_by(|a, b| compare_rows(a, b, keys)),
            Command::Limit(n) => {
                matched.get_or_insert(rows.len());
                rows.truncate(*n);
            }
            Command::Dedup(fields) => {
                matched.get_or_insert(rows.len());
                let mut seen = HashSet::new();
                rows.retain(|row| {
                    let key: Option<Vec<String>> = fields
                        .iter()
                        .map(|f| row.get(f).and_then(Value::to_text))
                        .collect();
                    // Rows missing any dedup field are never duplicates.
                    key.is_none_or(|k| seen.insert(k))
                });
            }
            Command::Display(_) => {}
        }
    }
    let records_matched = matched.unwrap_or(rows.len());

    let cap = match (limit, plan.has_limit) {
        (Some(n), _) => n.min(MAX_LIMIT),
        (None, true) => MAX_LIMIT,
        (None, false) => DEFAULT_LIMIT,
    };
    rows.truncate(cap);
    let ptr_listed = plan.columns.iter().any(|c| c == "@ptr");
    let output = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<(String, String)> = plan
                .columns
                .iter()
                .filter_map(|c| Some((c.clone(), row.get(c)?.to_text()?)))
                .collect();
            if plan.include_ptr
                && !ptr_listed
                && let Some(ptr) = row.get("@ptr").and_then(Value::to_text)
            {
                cells.push(("@ptr".to_string(), ptr));
            }
            cells
        })
        .collect();
    QueryOutput {
        rows: output,
        records_matched: records_matched as f64,
        records_scanned: scanned as f64,
        bytes_scanned: bytes as f64,
    }
}

/// Applies `parse` to one row: extracted fields are added when the pattern
/// matches; otherwise the row is left as it is.
fn parse_into(row: &mut Row, source: &str, matcher: &ParseMatcher) {
    let Some(text) = row.get(source).and_then(Value::to_text) else {
        return;
    };
    match matcher {
        ParseMatcher::Glob { regex, names } => {
            let Some(caps) = regex.captures(&text) else {
                return;
            };
            for (i, name) in names.iter().enumerate() {
                if let Some(Some((s, e))) = caps.get(i + 1) {
                    row.insert(
                        name.clone(),
                        Value::Str(text.get(*s..*e).unwrap_or("").to_string()),
                    );
                }
            }
        }
        ParseMatcher::Regex(regex) => {
            let Some(caps) = regex.captures(&text) else {
                return;
            };
            for (name, group) in regex.names() {
                if let Some(Some((s, e))) = caps.get(*group) {
                    row.insert(
                        name.clone(),
                        Value::Str(text.get(*s..*e).unwrap_or("").to_string()),
                    );
                }
            }
        }
    }
}

/// The running state of one aggregate in one group.
#[derive(Debug)]
enum Acc {
    Count(u64),
    Distinct(HashSet<String>),
    Numbers(Vec<f64>),
    Pct(Vec<f64>, Option<f64>),
    Best(Option<Value>),
    AtTime(Option<(i64, Value)>),
}

impl Acc {
    fn new(func: AggFunc) -> Acc {
        match func {
            AggFunc::Count => Acc::Count(0),
            AggFunc::CountDistinct => Acc::Distinct(HashSet::new()),
            AggFunc::Sum | AggFunc::Avg | AggFunc::Stddev => Acc::Numbers(Vec::new()),
            AggFunc::Pct => Acc::Pct(Vec::new(), None),
            AggFunc::Min | AggFunc::Max => Acc::Best(None),
            AggFunc::Earliest | AggFunc::Latest => Acc::AtTime(None),
        }
    }

    fn add(&mut self, spec: &AggSpec, row: &Row) {
        let arg = |i: usize| spec.args.get(i).and_then(|e| eval(e, row, &[]));
        match self {
            Acc::Count(n) => {
                if spec.args.is_empty() || arg(0).is_some() {
                    *n += 1;
                }
            }
            Acc::Distinct(set) => {
                if let Some(text) = arg(0).and_then(|v| v.to_text()) {
                    set.insert(text);
                }
            }
            Acc::Numbers(values) => values.extend(arg(0).and_then(|v| v.as_number())),
            Acc::Pct(values, p) => {
                values.extend(arg(0).and_then(|v| v.as_number()));
                if p.is_none() {
                    *p = arg(1).and_then(|v| v.as_number());
                }
            }
            Acc::Best(best) => {
                let Some(value) = arg(0) else { return };
                let better = match best.as_ref() {
                    None => true,
                    Some(current) => {
                        let ord = order(&value, current);
                        if spec.func == AggFunc::Min {
                            ord == Some(Ordering::Less)
                        } else {
                            ord == Some(Ordering::Greater)
                        }
                    }
                };
                if better {
                    *best = Some(value);
                }
            }
            Acc::AtTime(best) => {
                let Some(value) = arg(0) else { return };
                let Some(t) = row.get("@timestamp").and_then(Value::as_time) else {
                    return;
                };
                let better = best.as_ref().is_none_or(|(bt, _)| {
                    if spec.func == AggFunc::Earliest {
                        t < *bt
                    } else {
                        t > *bt
                    }
                });
                if better {
                    *best = Some((t, value));
                }
            }
        }
    }

    fn finish(self, func: AggFunc) -> Option<Value> {
        match self {
            Acc::Count(n) => number(n as f64),
            Acc::Distinct(set) => number(set.len() as f64),
            Acc::Numbers(values) if values.is_empty() => None,
            Acc::Numbers(values) => {
                let n = values.len() as f64;
                let sum: f64 = values.iter().sum();
                match func {
                    AggFunc::Sum => number(sum),
                    AggFunc::Avg => number(sum / n),
                    _ => {
                        if values.len() < 2 {
                            return number(0.0);
                        }
                        let mean = sum / n;
                        let var =
                            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                        number(var.sqrt())
                    }
                }
            }
            Acc::Pct(mut values, p) => {
                if values.is_empty() {
                    return None;
                }
                values.sort_by(f64::total_cmp);
                let p = p?.clamp(0.0, 100.0);
                let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
                number(*values.get(rank.clamp(1, values.len()) - 1)?)
            }
            Acc::Best(best) => best,
            Acc::AtTime(best) => best.map(|(_, v)| match v {
                Value::Time(t) => Value::Num(t as f64),
                other => other,
            }),
        }
    }
}

/// One group of a `stats`.
struct Group {
    keys: Vec<Option<Value>>,
    accs: Vec<Acc>,
}

/// Aggregates `rows` into one row per group, groups in order of first
/// appearance.
fn run_stats(stats: &Stats, rows: &[Row]) -> Vec<Row> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    for row in rows {
        let keys: Vec<Option<Value>> = stats.by.iter().map(|p| eval(&p.expr, row, &[])).collect();
        let key_text: Vec<Option<String>> = keys
            .iter()
            .map(|k| k.as_ref().and_then(Value::to_text))
            .collect();
        let slot = *index.entry(key_text).or_insert_with(|| {
            groups.push(Group {
                keys: keys.clone(),
                accs: stats.aggs.iter().map(|a| Acc::new(a.func)).collect(),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(slot) {
            for (acc, spec) in group.accs.iter_mut().zip(&stats.aggs) {
                acc.add(spec, row);
            }
        }
    }
    groups
        .into_iter()
        .map(|group| {
            let mut out = Row::new();
            for (p, key) in stats.by.iter().zip(group.keys) {
                if let Some(key) = key {
                    out.insert(p.name.clone(), key);
                }
            }
            let values: Vec<Option<Value>> = group
                .accs
                .into_iter()
                .zip(&stats.aggs)
                .map(|(acc, spec)| acc.finish(spec.func))
                .collect();
            for item in &stats.items {
                if let Some(v) = eval(&item.expr, &out, &values) {
                    out.insert(item.name.clone(), v);
                }
            }
            out
        })
        .collect()
}

/// Compares rows by `sort` keys. Values follow the documented natural order:
/// ascending puts non-number values (compared chunk by chunk) before number
/// values; descending reverses that. Missing values always come last.
fn compare_rows(a: &Row, b: &Row, keys: &[SortKey]) -> Ordering {
    for key in keys {
        let ord = match (a.get(&key.field), b.get(&key.field)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let ord = natural(x, y);
                if key.descending { ord.reverse() } else { ord }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// A value's sort class: numbers, or text.
fn sort_number(v: &Value) -> Option<f64> {
    match v {
        Value::Str(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let plain = !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                && digits.chars().filter(|c| *c == '.').count() <= 1
                && digits.chars().next().is_some_and(|c| c.is_ascii_digit());
            if plain {
                functions::parse_decimal(s)
            } else {
                None
            }
        }
        other => other.as_number(),
    }
}

/// Natural ascending order of two values (see [`compare_rows`]).
pub(crate) fn natural(a: &Value, b: &Value) -> Ordering {
    match (sort_number(a), sort_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| {
            a.to_text()
                .unwrap_or_default()
                .cmp(&b.to_text().unwrap_or_default())
        }),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => natural_text(
            &a.to_text().unwrap_or_default(),
            &b.to_text().unwrap_or_default(),
        ),
    }
}

/// Splits text into runs of digits and runs of other chars.
fn chunks(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut digit: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let d = c.is_ascii_digit();
        if digit.is_some_and(|prev| prev != d) {
            out.push(s.get(start..i).unwrap_or(""));
            start = i;
        }
        digit = Some(d);
    }
    if start < s.len() {
        out.push(s.get(start..).unwrap_or(""));
    }
    out
}

/// Chunk-wise comparison: two digit runs by length then value, anything else
/// by Unicode order.
fn natural_text(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let both_digits = x.starts_with(|c: char| c.is_ascii_digit())
            && y.starts_with(|c: char| c.is_ascii_digit());
        let ord = if both_digits {
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            x.cmp(y)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    fn filter_expr(query: &str) -> Expr {
        match parse(query).unwrap().remove(0) {
            Command::Filter(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn holds(query: &str, r: &Row) -> bool {
        eval(&filter_expr(query), r, &[]).as_ref().and_then(truth) == Some(true)
    }

    #[test]
    fn json_messages_are_flattened() {
        let mut r = Row::new();
        discover_json(
            r#"{"level":"ERROR","a":{"b":1.5,"c":[{"d":true},null]},"@x":"y","n":null}"#,
            &mut r,
        );
        assert_eq!(r.get("level"), Some(&s("ERROR")));
        assert_eq!(r.get("a.b"), Some(&s("1.5")));
        assert_eq!(r.get("a.c.0.d"), Some(&s("true")));
        assert_eq!(r.get("@@x"), Some(&s("y")));
        assert!(!r.contains_key("n") && !r.contains_key("a.c.1") && !r.contains_key("a"));
        let mut r = Row::new();
        discover_json("not json {", &mut r);
        discover_json("[1,2]", &mut r);
        assert!(r.is_empty());
        let wide: Vec<String> = (0..500).map(|i| format!("\"k{i}\":{i}")).collect();
        let mut r = Row::new();
        discover_json(&format!("{{{}}}", wide.join(",")), &mut r);
        assert_eq!(r.len(), MAX_JSON_FIELDS);
    }

    #[test]
    fn comparisons_coerce_numbers_and_treat_missing_as_unknown() {
        let r = row(&[
            ("status", s("200")),
            ("level", s("ERROR")),
            ("d", s("2500")),
        ]);
        assert!(holds("filter status = 200", &r));
        assert!(holds("filter status = '200'", &r));
        assert!(holds("filter d > 2000 and level = 'ERROR'", &r));
        assert!(holds("filter d > 999", &r)); // numeric, not text, order
        assert!(!holds("filter level = 'error'", &r));
        assert!(holds("filter level != 'INFO'", &r));
        assert!(!holds("filter missing != 'INFO'", &r));
        assert!(!holds("filter not missing = 1", &r));
        assert!(holds("filter missing = 1 or status = 200", &r));
        assert!(!holds("filter missing = 1 and status = 200", &r));
        assert!(holds("filter not ispresent(missing)", &r));
        assert!(holds("filter status in [404, 200]", &r));
        assert!(holds("filter level not in ['WARN', 'INFO']", &r));
        assert!(holds("filter level like /^ERR/ and level =~ 'RRO'", &r));
        assert!(holds("filter level not like /(?i)warn/", &r));
        assert!(holds("filter strcontains(level, 'RR')", &r));
        assert!(holds(
            "filter (d - 500) * 2 = 4000 and d % 7 = 1 and 2 ^ 3 = 8",
            &r
        ));
        assert!(!holds("filter d / 0 = 1", &r));
    }

    #[test]
    fn natural_sort_matches_documented_example() {
        let mut values: Vec<Value> = [
            "0",
            "A",
            "@_",
            "2345_",
            "!:",
            "5A",
            "3",
            "a12345hfh",
            "#",
            "111A",
            "*%04",
            "01",
            "@",
            "0#",
            "1",
            "A9876fghj",
            "2",
        ]
        .iter()
        .map(|t| s(t))
        .collect();
        values.sort_by(natural);
        let sorted: Vec<String> = values.iter().filter_map(Value::to_text).collect();
        assert_eq!(
            sorted,
            [
                "!:",
                "#",
                "*%04",
                "0#",
                "5A",
                "111A",
                "2345_",
                "@",
                "@_",
                "A",
                "A9876fghj",
                "a12345hfh",
                "0",
                "01",
                "1",
                "2",
                "3"
            ]
        );
    }

    #[test]
    fn sort_keys_direction_and_missing_values() {
        let mut rows = [
            row(&[("n", s("10"))]),
            row(&[]),
            row(&[("n", s("9"))]),
            row(&[("n", Value::Num(11.0))]),
        ];
        let keys = vec![SortKey {
            field: "n".into(),
            descending: true,
        }];
        rows.sort_by(|a, b| compare_rows(a, b, &keys));
        let got: Vec<Option<String>> = rows
            .iter()
            .map(|r| r.get("n").and_then(Value::to_text))
            .collect();
        assert_eq!(
            got,
            [Some("11".into()), Some("10".into()), Some("9".into()), None]
        );
    }

    #[test]
    fn plan_picks_columns() {
        let p = |q: &str| plan(&parse(q).unwrap());
        assert_eq!(p("filter x = 1").columns, ["@timestamp", "@message"]);
        assert!(p("filter x = 1").include_ptr);
        assert_eq!(p("fields a | fields b, a").columns, ["a", "b"]);
        assert_eq!(
            p("parse @message '* *' as x, y").columns,
            ["@timestamp", "@message", "x", "y"]
        );
        assert_eq!(
            p("fields a | parse b '[*]' as c | display c").columns,
            ["c"]
        );
        let stats = p("fields a | stats count(*) as n by bin(1h), host | fields n * 2 as m");
        assert_eq!(stats.columns, ["bin(1h)", "host", "n", "m"]);
        assert!(!stats.include_ptr);
        assert!(p("limit 3").has_limit);
    }

    #[test]
    fn aggregates() {
        let rows: Vec<Row> = [("a", "1"), ("a", "2"), ("b", "x"), ("a", "6")]
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                row(&[
                    ("k", s(k)),
                    ("v", s(v)),
                    ("@timestamp", Value::Time(i as i64)),
                ])
            })
            .collect();
        let cmd = parse(
            "stats count(*) as c, count(v) as cv, sum(v) as s, avg(v) as a, min(v) as mn, \
             max(v) as mx, pct(v, 50) as p, stddev(v) as sd, count_distinct(v) as cd, \
             earliest(v) as e, latest(v) as l by k",
        )
        .unwrap();
        let Command::Stats(stats) = &cmd[0] else {
            panic!()
        };
        let out = run_stats(stats, &rows);
        assert_eq!(out.len(), 2);
        let a = &out[0];
        let text = |f: &str| a.get(f).and_then(Value::to_text);
        assert_eq!(text("k").as_deref(), Some("a"));
        assert_eq!(text("c").as_deref(), Some("3"));
        assert_eq!(text("s").as_deref(), Some("9"));
        assert_eq!(text("a").as_deref(), Some("3"));
        assert_eq!(text("mn").as_deref(), Some("1"));
        assert_eq!(text("mx").as_deref(), Some("6"));
        assert_eq!(text("p").as_deref(), Some("2"));
        assert_eq!(text("sd").as_deref(), Some("2.6457513110645907"));
        assert_eq!(text("cd").as_deref(), Some("3"));
        assert_eq!(text("e").as_deref(), Some("1"));
        assert_eq!(text("l").as_deref(), Some("6"));
        let b = &out[1];
        assert_eq!(b.get("c").and_then(Value::to_text).as_deref(), Some("1"));
        assert_eq!(b.get("mx").and_then(Value::to_text).as_deref(), Some("x"));
        assert!(!b.contains_key("s") && !b.contains_key("a"));
    }

    #[test]
    fn parse_leaves_unmatched_rows_alone() {
        let cmd = parse("parse @message '[*] *' as level, text").unwrap();
        let Command::Parse { source, matcher } = &cmd[0] else {
            panic!()
        };
        let mut hit = row(&[("@message", s("[ERROR] disk full"))]);
        parse_into(&mut hit, source, matcher);
        assert_eq!(hit.get("level"), Some(&s("ERROR")));
        assert_eq!(hit.get("text"), Some(&s("disk full")));
        let mut miss = row(&[("@message", s("no brackets"))]);
        parse_into(&mut miss, source, matcher);
        assert_eq!(miss.len(), 1);
    }
}
