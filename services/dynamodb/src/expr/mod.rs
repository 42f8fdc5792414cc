//! DynamoDB's expression language: condition and filter expressions, update expressions,
//! projection expressions and key condition expressions, with DynamoDB's validation rules
//! and messages.
//!
//! Each expression is parsed once per request, together with the request's
//! `ExpressionAttributeNames` ([`Names`]) and `ExpressionAttributeValues` ([`Values`]): like
//! DynamoDB, every static problem (syntax, reserved words, undefined placeholders, function
//! misuse, overlapping paths, …) is reported before any item is read, as an [`ExprError`]
//! whose text is the `ValidationException` message, prefixed as DynamoDB prefixes it
//! (`Invalid UpdateExpression: …`). The parsed form then needs only items:
//!
//! - [`Condition::evaluate`] decides a `ConditionExpression` or `FilterExpression`;
//! - [`Update::apply`] runs an `UpdateExpression` and says which paths it wrote, for
//!   `ReturnValues` `UPDATED_OLD`/`UPDATED_NEW` ([`UpdatedPaths::project`]);
//! - [`Projection::apply`] cuts an item down to a `ProjectionExpression`;
//! - [`KeyCondition`] splits a `KeyConditionExpression` into the partition-key value and
//!   an optional [`SortCondition`] for range scans.
//!
//! Each parsed expression records which placeholders it used ([`Usage`]); once all of a
//! request's expressions are parsed, [`check_unused`] reports the names and values none of
//! them used, as DynamoDB does.
//!
//! Inside, the work is a pipeline of pure phases (see `README.md` next to this file):
//! `lexer` → `parser` → `validate` → `eval`.

mod ast;
mod eval;
mod lexer;
mod parser;
mod reserved;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Bound;

pub use ast::{DocPath, PathElement};

use crate::value::{AttributeValue, Item};
use ast::{Action, Cond};
use eval::ProjectionTree;

/// Longest expression DynamoDB accepts, in bytes of the text as sent.
const MAX_EXPRESSION_BYTES: usize = 4096;

/// An expression DynamoDB would reject; `Display` is the `ValidationException` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError(pub String);

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExprError {}

/// A request's `ExpressionAttributeNames` (`#placeholder` → attribute name).
#[derive(Clone, Copy, Debug)]
pub struct Names<'a>(pub &'a BTreeMap<String, String>);

/// A request's `ExpressionAttributeValues` (`:placeholder` → value).
#[derive(Clone, Copy, Debug)]
pub struct Values<'a>(pub &'a BTreeMap<String, AttributeValue>);

/// The placeholders one parsed expression used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    names: BTreeSet<String>,
    values: BTreeSet<String>,
}

impl Usage {
    /// `#name` placeholders used.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.names
    }

    /// `:value` placeholders used.
    pub fn values(&self) -> &BTreeSet<String> {
        &self.values
    }
}

/// Fails if `names` or `values` hold placeholders that none of a request's expressions
/// (`used`) refer to: `Value provided in ExpressionAttributeNames unused in expressions:
/// keys: {#a, #b}` (names are checked before values; keys are listed in sorted order).
pub fn check_unused(
    names: Names<'_>,
    values: Values<'_>,
    used: &[&Usage],
) -> Result<(), ExprError> {
    let unused = |keys: Vec<&String>, pick: fn(&Usage) -> &BTreeSet<String>| -> Vec<String> {
        keys.into_iter()
            .filter(|key| !used.iter().any(|usage| pick(usage).contains(*key)))
            .cloned()
            .collect()
    };
    let names = unused(names.0.keys().collect(), Usage::names);
    if !names.is_empty() {
        return Err(ExprError(format!(
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
            names.join(", ")
        )));
    }
    let values = unused(values.0.keys().collect(), Usage::values);
    if !values.is_empty() {
        return Err(ExprError(format!(
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
            values.join(", ")
        )));
    }
    Ok(())
}

/// Checks that hold for every expression kind before parsing; `kind` is the request
/// parameter name DynamoDB puts in the message prefix.
fn precheck(expression: &str, kind: &str) -> Result<(), ExprError> {
    if expression.is_empty() {
        return Err(invalid(kind, "The expression can not be empty;"));
    }
    if expression.len() > MAX_EXPRESSION_BYTES {
        return Err(invalid(
            kind,
            format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                expression.len()
            ),
        ));
    }
    Ok(())
}

fn invalid(kind: &str, message: impl fmt::Display) -> ExprError {
    ExprError(format!("Invalid {kind}: {message}"))
}

/// Which request parameter a condition came from (it only changes the message prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionKind {
    /// `ConditionExpression` (PutItem, UpdateItem, DeleteItem, transactions).
    Condition,
    /// `FilterExpression` (Query, Scan).
    Filter,
}

impl ConditionKind {
    fn parameter(self) -> &'static str {
        match self {
            ConditionKind::Condition => "ConditionExpression",
            ConditionKind::Filter => "FilterExpression",
        }
    }
}

/// A parsed and validated condition or filter expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    cond: Cond,
    usage: Usage,
}

impl Condition {
    /// Parses and validates `expression` against the request's placeholders.
    pub fn parse(
        expression: &str,
        kind: ConditionKind,
        names: Names<'_>,
        values: Values<'_>,
    ) -> Result<Condition, ExprError> {
        let parameter = kind.parameter();
        precheck(expression, parameter)?;
        let parsed = parser::parse_condition(expression).map_err(|e| invalid(parameter, e))?;
        let (cond, usage) = validate::condition(&parsed, names.0, values.0, true)
            .map_err(|e| invalid(parameter, e))?;
        Ok(Condition { cond, usage })
    }

    /// Whether the condition holds for `item` (pass an empty item when there is none).
    /// Evaluation never fails: operands that are missing or of mismatched types make a
    /// comparison false (and `<>` true), as in DynamoDB.
    pub fn evaluate(&self, item: &Item) -> bool {
        eval::condition(&self.cond, item)
    }

    /// The placeholders this expression used.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }
}

/// A parsed and validated update expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    actions: Vec<Action>,
    usage: Usage,
}

/// The document paths an update wrote, in expression order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdatedPaths(Vec<DocPath>);

impl UpdatedPaths {
    /// The paths.
    pub fn paths(&self) -> &[DocPath] {
        &self.0
    }

    /// What `ReturnValues` `UPDATED_OLD` (given the item before the update) or `UPDATED_NEW`
    /// (given the item after) returns: the written paths projected out of `item`.
    pub fn project(&self, item: &Item) -> Item {
        ProjectionTree::new(&self.0).project(item)
    }
}

impl Update {
    /// Parses and validates `expression` against the request's placeholders.
    pub fn parse(
        expression: &str,
        names: Names<'_>,
        values: Values<'_>,
    ) -> Result<Update, ExprError> {
        const PARAMETER: &str = "UpdateExpression";
        precheck(expression, PARAMETER)?;
        let parsed = parser::parse_update(expression).map_err(|e| invalid(PARAMETER, e))?;
        let (actions, usage) =
            validate::update(&parsed, names.0, values.0).map_err(|e| invalid(PARAMETER, e))?;
        Ok(Update { actions, usage })
    }

    /// Applies the update to `item` (an empty item when creating one). Every operand reads
    /// the item as it was before the update. On error (a path that cannot be written, an
    /// operand missing or of the wrong type, a number out of range, documents nested deeper
    /// than 32 levels) the item is left as it was; those messages carry no prefix, as in
    /// DynamoDB.
    pub fn apply(&self, item: &mut Item) -> Result<UpdatedPaths, ExprError> {
        eval::apply(&self.actions, item).map_err(ExprError)?;
        Ok(UpdatedPaths(self.paths().cloned().collect()))
    }

    /// The paths the update writes, in expression order (for example to refuse updates to
    /// key attributes: check each path's [`DocPath::root`]).
    pub fn paths(&self) -> impl Iterator<Item = &DocPath> {
        self.actions.iter().map(Action::path)
    }

    /// The placeholders this expression used.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }
}

/// A parsed and validated projection expression.
pub struct Projection {
    paths: Vec<DocPath>,
    /// Built from `paths` once; the impls below go through `paths`, never through this.
    tree: ProjectionTree,
    usage: Usage,
}

impl Clone for Projection {
    fn clone(&self) -> Projection {
        Projection {
            paths: self.paths.clone(),
            tree: ProjectionTree::new(&self.paths),
            usage: self.usage.clone(),
        }
    }
}

impl PartialEq for Projection {
    fn eq(&self, other: &Projection) -> bool {
        self.paths == other.paths && self.usage == other.usage
    }
}

impl Eq for Projection {}

impl fmt::Debug for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Projection")
            .field("paths", &self.paths)
            .field("usage", &self.usage)
            .finish()
    }
}

impl Projection {
    /// Parses and validates `expression` (projections take no values).
    pub fn parse(expression: &str, names: Names<'_>) -> Result<Projection, ExprError> {
        const PARAMETER: &str = "ProjectionExpression";
        precheck(expression, PARAMETER)?;
        let parsed = parser::parse_projection(expression).map_err(|e| invalid(PARAMETER, e))?;
        let (paths, usage) =
            validate::projection(&parsed, names.0).map_err(|e| invalid(PARAMETER, e))?;
        let tree = ProjectionTree::new(&paths);
        Ok(Projection { paths, tree, usage })
    }

    /// The projected item: nested paths keep their structure (`a.b` gives `{a: {b: …}}`),
    /// list elements keep their order and close up (`l[2], l[0]` gives a two-element list),
    /// and paths naming nothing in `item` are left out.
    pub fn apply(&self, item: &Item) -> Item {
        self.tree.project(item)
    }

    /// The projected paths, in expression order.
    pub fn paths(&self) -> &[DocPath] {
        &self.paths
    }

    /// The placeholders this expression used.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }
}

/// The sort-key part of a key condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortCondition {
    /// `sk = v`
    Eq(AttributeValue),
    /// `sk < v`
    Lt(AttributeValue),
    /// `sk <= v`
    Le(AttributeValue),
    /// `sk > v`
    Gt(AttributeValue),
    /// `sk >= v`
    Ge(AttributeValue),
    /// `sk BETWEEN lo AND hi` (inclusive)
    Between(AttributeValue, AttributeValue),
    /// `begins_with(sk, prefix)`
    BeginsWith(AttributeValue),
}

impl SortCondition {
    /// Whether a sort-key value satisfies the condition (values of another type never do).
    pub fn matches(&self, value: &AttributeValue) -> bool {
        eval::sort_matches(self, value)
    }

    /// Bounds on the sort key for a range scan over keys in DynamoDB order. Every match lies
    /// within them; for `BeginsWith` the range is open above (`[prefix, ∞)`), so a scan stops
    /// at the first key that no longer [`matches`](SortCondition::matches).
    pub fn bounds(&self) -> (Bound<&AttributeValue>, Bound<&AttributeValue>) {
        match self {
            SortCondition::Eq(v) => (Bound::Included(v), Bound::Included(v)),
            SortCondition::Lt(v) => (Bound::Unbounded, Bound::Excluded(v)),
            SortCondition::Le(v) => (Bound::Unbounded, Bound::Included(v)),
            SortCondition::Gt(v) => (Bound::Excluded(v), Bound::Unbounded),
            SortCondition::Ge(v) => (Bound::Included(v), Bound::Unbounded),
            SortCondition::Between(lo, hi) => (Bound::Included(lo), Bound::Included(hi)),
            SortCondition::BeginsWith(prefix) => (Bound::Included(prefix), Bound::Unbounded),
        }
    }
}

/// A parsed and validated key condition expression for a table or index whose partition
/// key is `hash_key` and sort key `range_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCondition {
    partition_key: String,
    partition: AttributeValue,
    sort: Option<(String, SortCondition)>,
    usage: Usage,
}

impl KeyCondition {
    /// Parses `expression` and checks it is an equality on `hash_key`, optionally AND one of
    /// `= < <= > >= BETWEEN begins_with` on `range_key`. Syntax and placeholder errors carry
    /// the `Invalid KeyConditionExpression:` prefix; shape errors (`Query key condition not
    /// supported`, `Query condition missed key schema element: pk`, …) do not, as in
    /// DynamoDB. Whether the values' types match the key schema is the caller's check.
    pub fn parse(
        expression: &str,
        names: Names<'_>,
        values: Values<'_>,
        hash_key: &str,
        range_key: Option<&str>,
    ) -> Result<KeyCondition, ExprError> {
        const PARAMETER: &str = "KeyConditionExpression";
        precheck(expression, PARAMETER)?;
        let parsed = parser::parse_condition(expression).map_err(|e| invalid(PARAMETER, e))?;
        // DynamoDB tolerates redundant parentheses here, unlike in conditions and filters.
        let (cond, usage) = validate::condition(&parsed, names.0, values.0, false)
            .map_err(|e| invalid(PARAMETER, e))?;
        let parts = validate::key_condition(&cond, hash_key, range_key).map_err(ExprError)?;
        Ok(KeyCondition {
            partition_key: hash_key.to_owned(),
            partition: parts.partition,
            sort: parts.sort,
            usage,
        })
    }

    /// The partition key's name.
    pub fn partition_key(&self) -> &str {
        &self.partition_key
    }

    /// The value the partition key must equal.
    pub fn partition_value(&self) -> &AttributeValue {
        &self.partition
    }

    /// The sort key's name, if the expression constrains it.
    pub fn sort_key(&self) -> Option<&str> {
        self.sort.as_ref().map(|(name, _)| name.as_str())
    }

    /// The sort-key condition, if any.
    pub fn sort_condition(&self) -> Option<&SortCondition> {
        self.sort.as_ref().map(|(_, condition)| condition)
    }

    /// Whether a sort-key value satisfies the expression (always, without a sort condition).
    pub fn sort_matches(&self, value: &AttributeValue) -> bool {
        self.sort_condition()
            .is_none_or(|condition| condition.matches(value))
    }

    /// The placeholders this expression used.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::item_from_json;
    use serde_json::json;

    fn item(value: &serde_json::Value) -> Item {
        item_from_json(value).unwrap()
    }

    fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn sample() -> Item {
        item(&json!({
            "pk": {"S": "p1"},
            "s": {"S": "hello world"},
            "u": {"S": "é𝄞"},
            "n": {"N": "10"},
            "neg": {"N": "-2.5"},
            "b": {"B": "AQID"},
            "t": {"BOOL": true},
            "nul": {"NULL": true},
            "ss": {"SS": ["a", "b", "c"]},
            "ns": {"NS": ["1", "2"]},
            "bs": {"BS": ["AQ=="]},
            "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"k": {"S": "v"}}}]},
            "m": {"M": {"a": {"N": "1"}, "b": {"L": [{"N": "5"}]}, "dot.key": {"S": "d"}}},
            "status": {"S": "active"}
        }))
    }

    fn condition_values() -> BTreeMap<String, AttributeValue> {
        item(&json!({
            ":s": {"S": "hello world"}, ":hello": {"S": "hello"}, ":world": {"S": "world"},
            ":x": {"S": "x"}, ":a": {"S": "a"}, ":v": {"S": "v"}, ":d": {"S": "d"},
            ":active": {"S": "active"}, ":empty": {"S": ""},
            ":zero": {"N": "0"}, ":one": {"N": "1"}, ":two": {"N": "2"}, ":three": {"N": "3"},
            ":n5": {"N": "5"}, ":ten": {"N": "10.0"}, ":eleven": {"N": "11"}, ":n20": {"N": "20"},
            ":b": {"B": "AQID"}, ":b12": {"B": "AQI="}, ":t": {"BOOL": true}, ":f": {"BOOL": false},
            ":null": {"NULL": true},
            ":ss": {"SS": ["c", "b", "a"]}, ":ssab": {"SS": ["a", "b"]}, ":ns": {"NS": ["2", "1"]},
            ":l": {"L": [{"S": "x"}, {"N": "1.0"}, {"M": {"k": {"S": "v"}}}]},
            ":typeS": {"S": "S"}, ":typeN": {"S": "N"}, ":typeSS": {"S": "SS"}, ":typeL": {"S": "L"},
            ":typeM": {"S": "M"}, ":typeNULL": {"S": "NULL"}, ":typeBOOL": {"S": "BOOL"},
            ":typeB": {"S": "B"}, ":typeNS": {"S": "NS"}, ":typeBS": {"S": "BS"}
        }))
    }

    fn condition_names() -> BTreeMap<String, String> {
        names(&[
            ("#s", "status"),
            ("#m", "m"),
            ("#dot", "dot.key"),
            ("#l", "l"),
            ("#n", "n"),
        ])
    }

    fn condition(expression: &str) -> Result<Condition, ExprError> {
        let (names, values) = (condition_names(), condition_values());
        Condition::parse(
            expression,
            ConditionKind::Condition,
            Names(&names),
            Values(&values),
        )
    }

    #[test]
    fn condition_evaluation_table() {
        let cases: &[(&str, bool)] = &[
            // Comparisons: same type compares, other types never equal.
            ("s = :s", true),
            ("s = :hello", false),
            ("s <> :hello", true),
            ("n = :ten", true),
            ("n = :s", false),
            ("n <> :s", true),
            ("nope = :s", false),
            ("nope <> :s", true),
            ("nope < :s", false),
            ("n > :n5", true),
            ("n < :n5", false),
            ("n >= :ten", true),
            ("n <= :ten", true),
            ("n > :ten", false),
            ("neg < :one", true),
            ("neg < :zero", true),
            ("s > :hello", true),
            ("s < :world", true),
            ("s > :n5", false),
            ("s < :n5", false),
            ("b = :b", true),
            ("b > :b12", true),
            ("t = :t", true),
            ("t = :f", false),
            ("t <> :f", true),
            ("t < :f", false),
            ("t >= :t", false),
            ("nul = :null", true),
            ("ss = :ss", true),
            ("ss = :ssab", false),
            ("ss <> :ssab", true),
            ("ns = :ns", true),
            ("l = :l", true),
            ("m.a = :one", true),
            ("m.b[0] = :n5", true),
            ("m.b[1] = :n5", false),
            ("l[2].k = :v", true),
            ("l[0] = :x", true),
            ("l[1] = :one", true),
            ("#m.#dot = :d", true),
            ("m.dot = :d", false),
            ("#s = :active", true),
            ("(n) = (:ten)", true),
            ("s = m.a", false),
            ("m.a = l[1]", true),
            // BETWEEN and IN.
            ("n BETWEEN :n5 AND :n20", true),
            ("n BETWEEN :ten AND :ten", true),
            ("n BETWEEN :eleven AND :n20", false),
            ("n BETWEEN :hello AND :world", false),
            ("nope BETWEEN :n5 AND :n20", false),
            ("s BETWEEN :hello AND :world", true),
            ("n BETWEEN m.a AND :n20", true),
            ("n BETWEEN nope AND :n20", false),
            ("n IN (:n5, :ten)", true),
            ("n IN (:n5, :n20)", false),
            ("s IN (:s)", true),
            ("nope IN (:s)", false),
            ("ss IN (:ssab, :ss)", true),
            ("m.a IN (:two, l[1])", true),
            // Functions.
            ("attribute_exists(s)", true),
            ("attribute_exists(nope)", false),
            ("attribute_not_exists(nope)", true),
            ("attribute_not_exists(s)", false),
            ("attribute_exists(m.a)", true),
            ("attribute_exists(m.zz)", false),
            ("attribute_exists(l[5])", false),
            ("attribute_exists(l[2].k)", true),
            ("attribute_exists(s.k)", false),
            ("attribute_exists(#s)", true),
            ("attribute_exists(nul)", true),
            ("attribute_type(s, :typeS)", true),
            ("attribute_type(s, :typeN)", false),
            ("attribute_type(n, :typeN)", true),
            ("attribute_type(ss, :typeSS)", true),
            ("attribute_type(ns, :typeNS)", true),
            ("attribute_type(bs, :typeBS)", true),
            ("attribute_type(b, :typeB)", true),
            ("attribute_type(nul, :typeNULL)", true),
            ("attribute_type(t, :typeBOOL)", true),
            ("attribute_type(m, :typeM)", true),
            ("attribute_type(l, :typeL)", true),
            ("attribute_type(nope, :typeS)", false),
            ("begins_with(s, :hello)", true),
            ("begins_with(s, :world)", false),
            ("begins_with(s, :empty)", true),
            ("begins_with(b, :b12)", true),
            ("begins_with(n, :hello)", false),
            ("begins_with(nope, :hello)", false),
            ("begins_with(ss, :a)", false),
            ("begins_with(s, :b12)", false),
            ("contains(s, :world)", true),
            ("contains(s, :x)", false),
            ("contains(ss, :a)", true),
            ("contains(ss, :x)", false),
            ("contains(ss, :one)", false),
            ("contains(ns, :one)", true),
            ("contains(ns, :a)", false),
            ("contains(l, :x)", true),
            ("contains(l, :one)", true),
            ("contains(l, :n5)", false),
            ("contains(b, :b12)", true),
            ("contains(n, :one)", false),
            ("contains(m, :a)", false),
            ("contains(nope, :a)", false),
            ("contains(s, m.zz)", false),
            ("size(s) = :eleven", true),
            ("size(u) = :three", true),
            ("size(b) = :three", true),
            ("size(ss) = :three", true),
            ("size(l) = :three", true),
            ("size(m) = :three", true),
            ("size(m.b) = :one", true),
            ("size(n) = :two", false),
            ("size(nope) > :zero", false),
            ("size(:s) = :eleven", true),
            ("size(s) BETWEEN :ten AND :n20", true),
            ("size(ss) IN (:one, :three)", true),
            ("size(s) > size(ss)", true),
            // Logic and precedence.
            ("s = :s AND n = :ten", true),
            ("s = :s AND n = :n5", false),
            ("s = :hello OR n = :ten", true),
            ("NOT s = :hello", true),
            ("NOT (s = :s OR n = :n5)", false),
            ("s = :hello OR n = :n5 OR t = :t", true),
            (
                "(s = :hello OR n = :ten) AND NOT attribute_exists(nope)",
                true,
            ),
            ("s = :hello AND n = :n5 OR t = :t", true),
            ("s = :hello AND (n = :n5 OR t = :t)", false),
            ("NOT s = :hello AND n = :n5", false),
            ("NOT NOT s = :s", true),
            ("t = :t and not (n < :n5 or n > :n20)", true),
            ("n between :n5 and :n20 and s = :s", true),
        ];
        let sample = sample();
        for (expression, expected) in cases {
            let parsed = condition(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            assert_eq!(parsed.evaluate(&sample), *expected, "{expression}");
        }
        // No item at all.
        let empty = Item::new();
        assert!(
            condition("attribute_not_exists(pk)")
                .unwrap()
                .evaluate(&empty)
        );
        assert!(!condition("attribute_exists(pk)").unwrap().evaluate(&empty));
        assert!(condition("pk <> :s").unwrap().evaluate(&empty));
        assert!(!condition("pk = :s").unwrap().evaluate(&empty));
    }

    #[test]
    fn condition_and_filter_errors_carry_their_prefix() {
        let (names, values) = (condition_names(), condition_values());
        let parse = |expression: &str, kind| {
            Condition::parse(expression, kind, Names(&names), Values(&values))
                .unwrap_err()
                .0
        };
        let cases = [
            ("", "The expression can not be empty;"),
            ("s = ", "Syntax error; token: \"<EOF>\", near: \"= \""),
            (
                "status = :s",
                "Attribute name is a reserved keyword; reserved keyword: status",
            ),
            (
                "#zz = :s",
                "An expression attribute name used in the document path is not defined; attribute name: #zz",
            ),
            (
                "s = :zz",
                "An expression attribute value used in expression is not defined; attribute value: :zz",
            ),
            ("((s = :s))", "The expression has redundant parentheses;"),
            (
                "begins_with(s, :one)",
                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
        ];
        for (expression, message) in cases {
            assert_eq!(
                parse(expression, ConditionKind::Condition),
                format!("Invalid ConditionExpression: {message}"),
                "{expression}"
            );
            assert_eq!(
                parse(expression, ConditionKind::Filter),
                format!("Invalid FilterExpression: {message}"),
                "{expression}"
            );
        }
        let long = format!("s = :s{}", " ".repeat(4091));
        assert_eq!(
            parse(&long, ConditionKind::Filter),
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"
        );
        assert!(condition(&format!("s = :s{}", " ".repeat(4090))).is_ok());
    }

    fn update_values() -> BTreeMap<String, AttributeValue> {
        item(&json!({
            ":v": {"S": "v"}, ":one": {"N": "1"}, ":two": {"N": "2"}, ":ten": {"N": "10"},
            ":ss": {"SS": ["b", "c"]}, ":ssa": {"SS": ["a"]}, ":ssall": {"SS": ["a", "b", "c"]},
            ":ns": {"NS": ["1", "3"]}, ":bs": {"BS": ["AQ=="]},
            ":l": {"L": [{"S": "x"}]}, ":empty": {"L": []}, ":m": {"M": {"k": {"S": "v"}}},
            ":big": {"N": "9.9e125"}, ":deep": {"L": [{"L": [{"S": "x"}]}]}
        }))
    }

    fn update(expression: &str) -> Result<Update, ExprError> {
        let (names, values) = (names(&[("#n", "n"), ("#dot", "a.b")]), update_values());
        Update::parse(expression, Names(&names), Values(&values))
    }

    #[test]
    fn update_table() {
        let cases: Vec<(&str, serde_json::Value, serde_json::Value)> = vec![
            ("SET a = :v", json!({}), json!({"a": {"S": "v"}})),
            (
                "SET a = :v, b = :one",
                json!({}),
                json!({"a": {"S": "v"}, "b": {"N": "1"}}),
            ),
            ("SET #dot = :v", json!({}), json!({"a.b": {"S": "v"}})),
            (
                "SET a = :m",
                json!({"a": {"N": "1"}}),
                json!({"a": {"M": {"k": {"S": "v"}}}}),
            ),
            (
                "SET n = n + :one",
                json!({"n": {"N": "10"}}),
                json!({"n": {"N": "11"}}),
            ),
            (
                "SET #n = #n - :ten",
                json!({"n": {"N": "10"}}),
                json!({"n": {"N": "0"}}),
            ),
            ("SET n = :one + :two", json!({}), json!({"n": {"N": "3"}})),
            ("SET n = :one - :two", json!({}), json!({"n": {"N": "-1"}})),
            (
                "SET n = if_not_exists(n, :ten)",
                json!({}),
                json!({"n": {"N": "10"}}),
            ),
            (
                "SET n = if_not_exists(n, :ten)",
                json!({"n": {"N": "1"}}),
                json!({"n": {"N": "1"}}),
            ),
            (
                "SET n = if_not_exists(n, :one) + :two",
                json!({}),
                json!({"n": {"N": "3"}}),
            ),
            (
                "SET n = (if_not_exists(n, :one) + :two)",
                json!({"n": {"N": "5"}}),
                json!({"n": {"N": "7"}}),
            ),
            (
                "SET a = if_not_exists(m.k, b)",
                json!({"b": {"S": "bb"}}),
                json!({"a": {"S": "bb"}, "b": {"S": "bb"}}),
            ),
            (
                "SET l = list_append(l, :l)",
                json!({"l": {"L": [{"N": "1"}]}}),
                json!({"l": {"L": [{"N": "1"}, {"S": "x"}]}}),
            ),
            (
                "SET l = list_append(:l, l)",
                json!({"l": {"L": [{"N": "1"}]}}),
                json!({"l": {"L": [{"S": "x"}, {"N": "1"}]}}),
            ),
            (
                "SET l = list_append(if_not_exists(l, :empty), :l)",
                json!({}),
                json!({"l": {"L": [{"S": "x"}]}}),
            ),
            (
                "SET m.k = :v",
                json!({"m": {"M": {}}}),
                json!({"m": {"M": {"k": {"S": "v"}}}}),
            ),
            (
                "SET m.a.b = :v",
                json!({"m": {"M": {"a": {"M": {}}}}}),
                json!({"m": {"M": {"a": {"M": {"b": {"S": "v"}}}}}}),
            ),
            (
                "SET l[0] = :v",
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}]}}),
                json!({"l": {"L": [{"S": "v"}, {"N": "2"}]}}),
            ),
            (
                "SET l[5] = :v",
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}]}}),
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}, {"S": "v"}]}}),
            ),
            (
                "SET l[0] = :v",
                json!({"l": {"L": []}}),
                json!({"l": {"L": [{"S": "v"}]}}),
            ),
            (
                "SET l[5] = :v, l[9] = :one",
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}]}}),
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}, {"S": "v"}, {"N": "1"}]}}),
            ),
            (
                "SET l[9] = :one, l[5] = :v",
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}]}}),
                json!({"l": {"L": [{"N": "1"}, {"N": "2"}, {"S": "v"}, {"N": "1"}]}}),
            ),
            (
                "SET l[1].k = :v",
                json!({"l": {"L": [{"N": "1"}, {"M": {}}]}}),
                json!({"l": {"L": [{"N": "1"}, {"M": {"k": {"S": "v"}}}]}}),
            ),
            (
                "SET a = b",
                json!({"b": {"N": "1"}}),
                json!({"a": {"N": "1"}, "b": {"N": "1"}}),
            ),
            (
                "SET a = b, b = a",
                json!({"a": {"N": "1"}, "b": {"N": "2"}}),
                json!({"a": {"N": "2"}, "b": {"N": "1"}}),
            ),
            (
                "SET a = m.k",
                json!({"m": {"M": {"k": {"L": []}}}}),
                json!({"a": {"L": []}, "m": {"M": {"k": {"L": []}}}}),
            ),
            (
                "REMOVE a",
                json!({"a": {"N": "1"}, "b": {"N": "2"}}),
                json!({"b": {"N": "2"}}),
            ),
            (
                "REMOVE nope",
                json!({"b": {"N": "2"}}),
                json!({"b": {"N": "2"}}),
            ),
            (
                "REMOVE m.k",
                json!({"m": {"M": {"k": {"N": "1"}}}}),
                json!({"m": {"M": {}}}),
            ),
            (
                "REMOVE m.zz",
                json!({"m": {"M": {"k": {"N": "1"}}}}),
                json!({"m": {"M": {"k": {"N": "1"}}}}),
            ),
            (
                "REMOVE l[1]",
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}),
                json!({"l": {"L": [{"N": "0"}, {"N": "2"}, {"N": "3"}]}}),
            ),
            (
                "REMOVE l[1], l[3]",
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}),
                json!({"l": {"L": [{"N": "0"}, {"N": "2"}]}}),
            ),
            (
                "REMOVE l[3], l[1]",
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}),
                json!({"l": {"L": [{"N": "0"}, {"N": "2"}]}}),
            ),
            (
                "REMOVE l[9]",
                json!({"l": {"L": [{"N": "0"}]}}),
                json!({"l": {"L": [{"N": "0"}]}}),
            ),
            (
                "SET l[9] = :v REMOVE l[1]",
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}]}}),
                json!({"l": {"L": [{"N": "0"}, {"S": "v"}]}}),
            ),
            (
                "SET l[9] = :v REMOVE l[2]",
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}]}}),
                json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"S": "v"}]}}),
            ),
            ("ADD n :one", json!({}), json!({"n": {"N": "1"}})),
            (
                "ADD n :one",
                json!({"n": {"N": "10"}}),
                json!({"n": {"N": "11"}}),
            ),
            (
                "ADD ss :ss",
                json!({"ss": {"SS": ["a", "b"]}}),
                json!({"ss": {"SS": ["a", "b", "c"]}}),
            ),
            ("ADD ss :ss", json!({}), json!({"ss": {"SS": ["b", "c"]}})),
            (
                "ADD ns :ns",
                json!({"ns": {"NS": ["1", "2"]}}),
                json!({"ns": {"NS": ["1", "2", "3"]}}),
            ),
            (
                "ADD bs :bs",
                json!({"bs": {"BS": ["Ag=="]}}),
                json!({"bs": {"BS": ["Ag==", "AQ=="]}}),
            ),
            (
                "ADD m.c :one",
                json!({"m": {"M": {}}}),
                json!({"m": {"M": {"c": {"N": "1"}}}}),
            ),
            (
                "ADD l[5] :ssa",
                json!({"l": {"L": [{"N": "1"}]}}),
                json!({"l": {"L": [{"N": "1"}, {"SS": ["a"]}]}}),
            ),
            (
                "DELETE ss :ssa",
                json!({"ss": {"SS": ["a", "b"]}}),
                json!({"ss": {"SS": ["b"]}}),
            ),
            (
                "DELETE ss :ssall",
                json!({"ss": {"SS": ["a", "b"]}}),
                json!({}),
            ),
            ("DELETE ss :ssa", json!({}), json!({})),
            (
                "DELETE ns :ns",
                json!({"ns": {"NS": ["1", "2"]}}),
                json!({"ns": {"NS": ["2"]}}),
            ),
            (
                "DELETE bs :bs",
                json!({"bs": {"BS": ["AQ==", "Ag=="]}}),
                json!({"bs": {"BS": ["Ag=="]}}),
            ),
            (
                "DELETE m.s :ssa",
                json!({"m": {"M": {}}}),
                json!({"m": {"M": {}}}),
            ),
            (
                "SET a = :v REMOVE b ADD n :one DELETE ss :ssa",
                json!({"b": {"N": "1"}, "n": {"N": "1"}, "ss": {"SS": ["a", "z"]}}),
                json!({"a": {"S": "v"}, "n": {"N": "2"}, "ss": {"SS": ["z"]}}),
            ),
            (
                "add n :one, ss :ssa remove b set a=:v",
                json!({}),
                json!({"a": {"S": "v"}, "n": {"N": "1"}, "ss": {"SS": ["a"]}}),
            ),
        ];
        for (expression, before, after) in cases {
            let parsed = update(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            let mut subject = item(&before);
            parsed
                .apply(&mut subject)
                .unwrap_or_else(|e| panic!("{expression}: {e}"));
            assert_eq!(subject, item(&after), "{expression}");
        }
    }

    #[test]
    fn update_reads_the_old_item_and_orders_list_writes() {
        // One expression touching a map and a list in several places: every operand reads
        // the item as it was, and list writes past the end land in index order.
        let values = item(&json!({":a": {"N": "2"}, ":b": {"SS": ["a"]}}));
        let names = BTreeMap::new();
        let expression = "set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a";
        let parsed = Update::parse(expression, Names(&names), Values(&values)).unwrap();
        let before = item(&json!({
            "a": {"S": "key"},
            "b": {"M": {"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}}},
            "c": {"L": [{"N": "1"}, {"N": "3"}]}
        }));
        let mut after = before.clone();
        let written = parsed.apply(&mut after).unwrap();
        assert_eq!(
            after,
            item(&json!({
                "a": {"S": "key"},
                "b": {"M": {"a": {"S": "key"}, "b": {"N": "2"}, "c": {"N": "4"}}},
                "c": {"L": [{"N": "1"}, {"S": "key"}, {"N": "3"}, {"N": "-1"}, {"N": "2"}, {"SS": ["a"]}]}
            }))
        );
        // ReturnValues: UPDATED_NEW and UPDATED_OLD.
        assert_eq!(
            written.project(&after),
            item(&json!({
                "b": {"M": {"a": {"S": "key"}, "c": {"N": "4"}}},
                "c": {"L": [{"S": "key"}, {"N": "3"}, {"N": "2"}]}
            }))
        );
        assert_eq!(
            written.project(&before),
            item(
                &json!({"b": {"M": {"a": {"N": "1"}, "c": {"N": "3"}}}, "c": {"L": [{"N": "3"}]}})
            )
        );
        assert_eq!(written.paths().len(), 7);
        assert_eq!(written.paths()[0].to_string(), "b.c");
    }

    #[test]
    fn updated_paths_for_return_values() {
        let parsed = update("SET a = :v REMOVE b ADD n :one").unwrap();
        let before = item(&json!({"a": {"S": "old"}, "b": {"N": "1"}, "c": {"N": "9"}}));
        let mut after = before.clone();
        let written = parsed.apply(&mut after).unwrap();
        assert_eq!(
            written.project(&before),
            item(&json!({"a": {"S": "old"}, "b": {"N": "1"}}))
        );
        assert_eq!(
            written.project(&after),
            item(&json!({"a": {"S": "v"}, "n": {"N": "1"}}))
        );
        let roots: Vec<&str> = parsed.paths().map(DocPath::root).collect();
        assert_eq!(roots, ["a", "b", "n"]);
    }

    #[test]
    fn update_errors_on_the_item_leave_it_untouched() {
        const INVALID_PATH: &str =
            "The document path provided in the update expression is invalid for update";
        const MISSING: &str =
            "The provided expression refers to an attribute that does not exist in the item";
        const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
        let mut deep = json!({"S": "leaf"});
        for _ in 0..32 {
            deep = json!({"L": [deep]});
        }
        let deep_path = format!("SET d{} = :deep", "[0]".repeat(31));
        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            ("SET a.b = :v", json!({}), INVALID_PATH),
            ("SET a.b = :v", json!({"a": {"S": "x"}}), INVALID_PATH),
            ("SET a.b = :v", json!({"a": {"L": []}}), INVALID_PATH),
            ("SET a[0] = :v", json!({"a": {"M": {}}}), INVALID_PATH),
            ("SET a[0] = :v", json!({}), INVALID_PATH),
            ("SET a.b.c = :v", json!({"a": {"M": {}}}), INVALID_PATH),
            ("SET a = b", json!({}), MISSING),
            ("SET a = b.c", json!({"b": {"M": {}}}), MISSING),
            ("SET a = list_append(b, :l)", json!({}), MISSING),
            ("SET a = b + :one", json!({}), MISSING),
            (
                "SET a = list_append(s, :l)",
                json!({"s": {"S": "x"}}),
                WRONG_TYPE,
            ),
            (
                "SET a = list_append(:l, s)",
                json!({"s": {"SS": ["x"]}}),
                WRONG_TYPE,
            ),
            ("SET a = s + :one", json!({"s": {"S": "x"}}), WRONG_TYPE),
            ("SET a = :one - s", json!({"s": {"L": []}}), WRONG_TYPE),
            (
                "SET a = :big + :big",
                json!({}),
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ),
            (
                "ADD n :big",
                json!({"n": {"N": "9.9e125"}}),
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ),
            ("ADD s :one", json!({"s": {"S": "x"}}), WRONG_TYPE),
            ("ADD ss :ns", json!({"ss": {"SS": ["x"]}}), WRONG_TYPE),
            ("ADD n :ss", json!({"n": {"N": "1"}}), WRONG_TYPE),
            ("DELETE n :ns", json!({"n": {"N": "1"}}), WRONG_TYPE),
            ("DELETE ss :ns", json!({"ss": {"SS": ["x"]}}), WRONG_TYPE),
            ("DELETE l :ssa", json!({"l": {"L": []}}), WRONG_TYPE),
            ("REMOVE a.b", json!({}), INVALID_PATH),
            ("REMOVE a.b", json!({"a": {"S": "x"}}), INVALID_PATH),
            ("REMOVE a[1]", json!({"a": {"M": {}}}), INVALID_PATH),
            ("REMOVE a.b", json!({"a": {"L": []}}), INVALID_PATH),
            ("DELETE a.b :ssa", json!({"a": {"S": "x"}}), INVALID_PATH),
            ("DELETE a.b :ssa", json!({}), INVALID_PATH),
            ("ADD a.b :one", json!({"a": {"S": "x"}}), INVALID_PATH),
            ("ADD a[0] :one", json!({"a": {"M": {}}}), INVALID_PATH),
            ("SET ok = :v, a.b = :v", json!({}), INVALID_PATH),
            (
                &deep_path,
                json!({"d": deep}),
                "Nesting Levels have exceeded supported limits: Maximum nesting level of 32 has been exceeded",
            ),
        ];
        for (expression, before, message) in cases {
            let parsed = update(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            let original = item(&before);
            let mut subject = original.clone();
            assert_eq!(
                parsed.apply(&mut subject).unwrap_err().0,
                message,
                "{expression}"
            );
            assert_eq!(subject, original, "{expression}");
        }
        // One level shallower is fine.
        let parsed = update(&format!("SET d{} = :l", "[0]".repeat(31))).unwrap();
        let mut subject = item(&json!({"d": deep}));
        assert!(parsed.apply(&mut subject).is_ok());
    }

    #[test]
    fn update_parse_errors_carry_the_prefix() {
        let cases = [
            (
                "",
                "Invalid UpdateExpression: The expression can not be empty;",
            ),
            (
                "SET a = :v SET b = :v",
                "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
            ),
            (
                "SET x",
                "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"x\"",
            ),
            (
                "ADD hits : incr",
                "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"",
            ),
            (
                "ADD a :v",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
            ),
            (
                "SET #zz = :v",
                "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #zz",
            ),
            (
                "SET a = :zz",
                "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz",
            ),
            (
                "SET a = :v REMOVE a.b",
                "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
            ),
            (
                "SET status = :v",
                "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
            ),
        ];
        for (expression, message) in cases {
            assert_eq!(update(expression).unwrap_err().0, message, "{expression}");
        }
    }

    fn projection(expression: &str) -> Result<Projection, ExprError> {
        let names = condition_names();
        Projection::parse(expression, Names(&names))
    }

    #[test]
    fn projection_table() {
        let cases: Vec<(&str, serde_json::Value)> = vec![
            ("s", json!({"s": {"S": "hello world"}})),
            ("s, n", json!({"s": {"S": "hello world"}, "n": {"N": "10"}})),
            ("m.a", json!({"m": {"M": {"a": {"N": "1"}}}})),
            (
                "m.a, m.b",
                json!({"m": {"M": {"a": {"N": "1"}, "b": {"L": [{"N": "5"}]}}}}),
            ),
            ("m.b[0]", json!({"m": {"M": {"b": {"L": [{"N": "5"}]}}}})),
            (
                "l[2].k, l[0]",
                json!({"l": {"L": [{"S": "x"}, {"M": {"k": {"S": "v"}}}]}}),
            ),
            (
                "l[2], l[0]",
                json!({"l": {"L": [{"S": "x"}, {"M": {"k": {"S": "v"}}}]}}),
            ),
            ("l[9]", json!({})),
            ("l[9], l[1]", json!({"l": {"L": [{"N": "1"}]}})),
            ("nope", json!({})),
            ("m.zz", json!({})),
            ("s.x", json!({})),
            ("s[0]", json!({})),
            ("l[2].zz", json!({})),
            ("#m.#dot", json!({"m": {"M": {"dot.key": {"S": "d"}}}})),
            ("#s", json!({"status": {"S": "active"}})),
            (
                "l[1], ss",
                json!({"l": {"L": [{"N": "1"}]}, "ss": {"SS": ["a", "b", "c"]}}),
            ),
            (
                "m",
                json!({"m": {"M": {"a": {"N": "1"}, "b": {"L": [{"N": "5"}]}, "dot.key": {"S": "d"}}}}),
            ),
        ];
        let sample = sample();
        for (expression, expected) in cases {
            let parsed = projection(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            assert_eq!(parsed.apply(&sample), item(&expected), "{expression}");
        }
        let parsed = projection("#m.a, l[0]").unwrap();
        assert_eq!(
            parsed
                .paths()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["m.a", "l[0]"]
        );
        assert_eq!(
            parsed.usage().names(),
            &["#m".to_owned()].into_iter().collect()
        );
        assert!(parsed.usage().values().is_empty());
    }

    #[test]
    fn projection_errors() {
        let cases = [
            (
                "",
                "Invalid ProjectionExpression: The expression can not be empty;",
            ),
            (
                "a,",
                "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"",
            ),
            (
                "a, name",
                "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
            ),
            (
                "#zz",
                "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz",
            ),
            (
                "a, a.b",
                "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
            ),
            (
                "a[0], a.b",
                "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]",
            ),
        ];
        for (expression, message) in cases {
            assert_eq!(
                projection(expression).unwrap_err().0,
                message,
                "{expression}"
            );
        }
    }

    fn key_values() -> BTreeMap<String, AttributeValue> {
        item(&json!({
            ":p": {"S": "p1"}, ":a": {"S": "a"}, ":c": {"S": "c"}, ":pre": {"S": "pre"},
            ":n": {"N": "10"}, ":b": {"B": "AQ=="}
        }))
    }

    fn key(expression: &str) -> Result<KeyCondition, ExprError> {
        let (names, values) = (names(&[("#pk", "pk"), ("#sk", "sk")]), key_values());
        KeyCondition::parse(expression, Names(&names), Values(&values), "pk", Some("sk"))
    }

    #[test]
    fn key_condition_table() {
        let s = |text: &str| AttributeValue::S(text.to_owned());
        let n = |text: &str| AttributeValue::N(crate::number::Number::parse(text).unwrap());
        let cases: Vec<(&str, Vec<AttributeValue>, Vec<AttributeValue>)> = vec![
            ("pk = :p", vec![s("anything"), n("1")], vec![]),
            (
                "pk = :p AND sk = :a",
                vec![s("a")],
                vec![s("b"), s("A"), n("1")],
            ),
            (
                "pk = :p AND sk < :c",
                vec![s("a"), s("b"), s("bzzz")],
                vec![s("c"), s("d"), n("1")],
            ),
            (
                "pk = :p AND sk <= :c",
                vec![s("a"), s("c")],
                vec![s("ca"), s("d")],
            ),
            (
                "pk = :p AND sk > :a",
                vec![s("b"), s("aa")],
                vec![s("a"), s("A")],
            ),
            (
                "pk = :p AND sk >= :a",
                vec![s("a"), s("b")],
                vec![s("A"), s("")],
            ),
            (
                "pk = :p AND sk BETWEEN :a AND :c",
                vec![s("a"), s("b"), s("c")],
                vec![s("ca"), s("d"), n("1")],
            ),
            (
                "pk = :p AND begins_with(sk, :pre)",
                vec![s("pre"), s("prefix")],
                vec![s("pr"), s("xpre"), n("1")],
            ),
            (
                "begins_with(#sk, :pre) AND #pk = :p",
                vec![s("pre1")],
                vec![s("p")],
            ),
            (
                "pk = :p AND sk <= :n",
                vec![n("9.5"), n("10"), n("-1")],
                vec![n("10.1"), s("1")],
            ),
            ("pk = :p AND :n < sk", vec![n("11")], vec![n("10"), n("9")]),
            (
                "pk = :p AND begins_with(sk, :b)",
                vec![AttributeValue::B(vec![1, 2])],
                vec![AttributeValue::B(vec![2])],
            ),
            ("(pk = :p) AND (sk = :a)", vec![s("a")], vec![s("b")]),
            ("((pk = :p)) AND ((sk = :a))", vec![s("a")], vec![s("b")]),
            ("(#pk = :p AND #sk = :a)", vec![s("a")], vec![s("b")]),
            (
                "pk = :p and sk between :a and :c",
                vec![s("b")],
                vec![s("d")],
            ),
        ];
        for (expression, matching, other) in cases {
            let parsed = key(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            assert_eq!(parsed.partition_value(), &s("p1"), "{expression}");
            assert_eq!(parsed.partition_key(), "pk");
            for value in &matching {
                assert!(
                    parsed.sort_matches(value),
                    "{expression} should match {value:?}"
                );
            }
            for value in &other {
                assert!(
                    !parsed.sort_matches(value),
                    "{expression} should not match {value:?}"
                );
            }
        }
        let parsed = key("pk = :p AND sk BETWEEN :a AND :c").unwrap();
        assert_eq!(parsed.sort_key(), Some("sk"));
        assert_eq!(
            parsed.sort_condition(),
            Some(&SortCondition::Between(s("a"), s("c")))
        );
        assert_eq!(parsed.usage().values().len(), 3);
        assert_eq!(key("pk = :p").unwrap().sort_key(), None);
    }

    #[test]
    fn sort_bounds() {
        let v = AttributeValue::S("v".to_owned());
        let w = AttributeValue::S("w".to_owned());
        let cases = [
            (
                SortCondition::Eq(v.clone()),
                (Bound::Included(&v), Bound::Included(&v)),
            ),
            (
                SortCondition::Lt(v.clone()),
                (Bound::Unbounded, Bound::Excluded(&v)),
            ),
            (
                SortCondition::Le(v.clone()),
                (Bound::Unbounded, Bound::Included(&v)),
            ),
            (
                SortCondition::Gt(v.clone()),
                (Bound::Excluded(&v), Bound::Unbounded),
            ),
            (
                SortCondition::Ge(v.clone()),
                (Bound::Included(&v), Bound::Unbounded),
            ),
            (
                SortCondition::Between(v.clone(), w.clone()),
                (Bound::Included(&v), Bound::Included(&w)),
            ),
            (
                SortCondition::BeginsWith(v.clone()),
                (Bound::Included(&v), Bound::Unbounded),
            ),
        ];
        for (condition, bounds) in &cases {
            assert_eq!(condition.bounds(), *bounds, "{condition:?}");
        }
    }

    #[test]
    fn key_condition_errors() {
        let cases = [
            (
                "",
                "Invalid KeyConditionExpression: The expression can not be empty;",
            ),
            (
                "pk = :p AND",
                "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"",
            ),
            (
                "pk = :zz",
                "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz",
            ),
            (
                "pk = :p AND sk BETWEEN :c AND :a",
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:c}, upper bound operand: AttributeValue: {S:a}",
            ),
            (
                "pk = :p AND begins_with(sk, :n)",
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
            (
                "pk = :p OR sk = :a",
                "Invalid operator used in KeyConditionExpression: OR",
            ),
            (
                "pk = :p AND sk IN (:a)",
                "Invalid operator used in KeyConditionExpression: IN",
            ),
            (
                "pk = :p AND contains(sk, :a)",
                "Invalid operator used in KeyConditionExpression: contains",
            ),
            (
                "pk = :p AND sk.x = :a",
                "KeyConditionExpressions cannot have conditions on nested attributes",
            ),
            (
                "pk = :p AND pk = :p",
                "KeyConditionExpressions must only contain one condition per key",
            ),
            ("sk = :a", "Query condition missed key schema element: pk"),
            ("pk >= :p", "Query key condition not supported"),
            (
                "pk = :p AND attr = :a",
                "Query condition missed key schema element: sk",
            ),
        ];
        for (expression, message) in cases {
            assert_eq!(key(expression).unwrap_err().0, message, "{expression}");
        }
        // A table without a sort key takes no second condition.
        let (names, values) = (BTreeMap::new(), key_values());
        assert_eq!(
            KeyCondition::parse(
                "pk = :p AND sk = :a",
                Names(&names),
                Values(&values),
                "pk",
                None
            )
            .unwrap_err()
            .0,
            "Query key condition not supported"
        );
    }

    #[test]
    fn unused_placeholders_across_expressions() {
        let names = names(&[("#a", "a"), ("#b", "b"), ("#c", "c")]);
        let values = item(&json!({":x": {"S": "x"}, ":y": {"S": "y"}, ":z": {"S": "z"}}));
        let update = Update::parse("SET #a = :x", Names(&names), Values(&values)).unwrap();
        let condition = Condition::parse(
            "#b = :y",
            ConditionKind::Condition,
            Names(&names),
            Values(&values),
        )
        .unwrap();
        let projection = Projection::parse("#c", Names(&names)).unwrap();
        assert_eq!(
            check_unused(
                Names(&names),
                Values(&values),
                &[update.usage(), condition.usage()]
            )
            .unwrap_err()
            .0,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#c}"
        );
        assert_eq!(
            check_unused(
                Names(&names),
                Values(&values),
                &[update.usage(), condition.usage(), projection.usage()]
            )
            .unwrap_err()
            .0,
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:z}"
        );
        assert_eq!(
            check_unused(Names(&names), Values(&values), &[])
                .unwrap_err()
                .0,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b, #c}"
        );
        let only_values = BTreeMap::new();
        assert_eq!(
            check_unused(Names(&only_values), Values(&values), &[update.usage()])
                .unwrap_err()
                .0,
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y, :z}"
        );
        let used = item(&json!({":x": {"S": "x"}, ":y": {"S": "y"}}));
        let two = names_subset(&names, &["#a", "#b"]);
        assert!(
            check_unused(
                Names(&two),
                Values(&used),
                &[update.usage(), condition.usage()]
            )
            .is_ok()
        );
        assert!(check_unused(Names(&BTreeMap::new()), Values(&BTreeMap::new()), &[]).is_ok());
    }

    fn names_subset(all: &BTreeMap<String, String>, keep: &[&str]) -> BTreeMap<String, String> {
        all.iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// A small deterministic generator, so the robustness test needs no dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "a",
            "b",
            "s",
            "l",
            "m",
            "n",
            "ss",
            "#m",
            "#l",
            "#zz",
            ":s",
            ":one",
            ":l",
            ":ss",
            ":zz",
            "(",
            ")",
            "[",
            "]",
            "0",
            "1",
            "99999999999",
            ".",
            ",",
            "=",
            "<>",
            "<",
            "<=",
            ">",
            ">=",
            " AND ",
            " OR ",
            "NOT ",
            " BETWEEN ",
            " IN ",
            "size",
            "begins_with",
            "contains",
            "attribute_exists",
            "attribute_type",
            "if_not_exists",
            "list_append",
            "SET ",
            "REMOVE ",
            "ADD ",
            "DELETE ",
            "+",
            "-",
            " ",
            "é",
            "\"",
            "status",
            ":",
            "#",
        ];
        let names = condition_names();
        let values = item(&json!({
            ":s": {"S": "x"}, ":one": {"N": "1"}, ":l": {"L": [{"N": "1"}]}, ":ss": {"SS": ["a"]}
        }));
        let sample = sample();
        let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        for _ in 0..30_000 {
            let length = 1 + random.below(24);
            let text: String = (0..length)
                .map(|_| PIECES[random.below(PIECES.len())])
                .collect();
            for kind in [ConditionKind::Condition, ConditionKind::Filter] {
                if let Ok(parsed) = Condition::parse(&text, kind, Names(&names), Values(&values)) {
                    accepted += 1;
                    let _ = parsed.evaluate(&sample);
                    let _ = parsed.evaluate(&Item::new());
                }
            }
            if let Ok(parsed) = Update::parse(&text, Names(&names), Values(&values)) {
                accepted += 1;
                let mut subject = sample.clone();
                if let Ok(written) = parsed.apply(&mut subject) {
                    let _ = written.project(&subject);
                }
                let _ = parsed.apply(&mut Item::new());
            }
            if let Ok(parsed) = Projection::parse(&text, Names(&names)) {
                accepted += 1;
                let _ = parsed.apply(&sample);
            }
            if let Ok(parsed) =
                KeyCondition::parse(&text, Names(&names), Values(&values), "a", Some("b"))
            {
                accepted += 1;
                let _ = parsed.sort_matches(&AttributeValue::S("x".to_owned()));
            }
        }
        // The generator must reach past the syntax checks to be worth anything.
        assert!(accepted > 300, "only {accepted} inputs parsed");
    }

    #[test]
    fn hostile_nesting_fits_a_small_stack() {
        // Half of a tokio worker's default 2 MiB stack; unoptimised builds use the most
        // stack per nesting level (optimised ones about a third of it).
        let worker = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(|| {
                let names = condition_names();
                let values = condition_values();
                let parse = |text: &str| {
                    Condition::parse(text, ConditionKind::Filter, Names(&names), Values(&values))
                };
                let deepest_ok = format!("{}s = :s{}", "(".repeat(95), ")".repeat(95));
                // Parsed in full, then refused for its redundant parentheses.
                assert_eq!(
                    parse(&deepest_ok).unwrap_err().0,
                    "Invalid FilterExpression: The expression has redundant parentheses;"
                );
                let nested = (0..95).fold("s = :s".to_owned(), |inner, _| {
                    format!("s = :s AND ({inner})")
                });
                assert!(parse(&nested).unwrap().evaluate(&sample()));
                let nots = format!("{}s = :s", "NOT ".repeat(95));
                assert!(!parse(&nots).unwrap().evaluate(&sample()));
                let chain = vec!["s = :s"; 150].join(" OR ");
                assert!(parse(&chain).is_ok());
                for text in [
                    format!("{}s = :s{}", "(".repeat(2000), ")".repeat(2000)),
                    format!("{}s{} = :s", "(".repeat(2000), ")".repeat(2000)),
                    format!("{}s = :s", "NOT ".repeat(1000)),
                    format!("size({}s{}) = :s", "size(".repeat(1000), ")".repeat(1000)),
                ] {
                    assert!(parse(&text).is_err());
                }
                let update_names = BTreeMap::new();
                let update_values = update_values();
                let nested_functions = format!(
                    "SET a = {}:l{}",
                    "list_append(:l, ".repeat(95),
                    ")".repeat(95)
                );
                let parsed = Update::parse(
                    &nested_functions,
                    Names(&update_names),
                    Values(&update_values),
                )
                .unwrap();
                let mut subject = Item::new();
                parsed.apply(&mut subject).unwrap();
                assert!(matches!(&subject["a"], AttributeValue::L(list) if list.len() == 96));
                let path = format!("a{}", ".b".repeat(2000));
                let projection = Projection::parse(&path, Names(&update_names)).unwrap();
                assert!(projection.apply(&sample()).is_empty());
                assert_eq!(projection.clone(), projection);
                let update = Update::parse(
                    &format!("SET {path} = :l"),
                    Names(&update_names),
                    Values(&update_values),
                )
                .unwrap();
                let mut subject = Item::new();
                let message = update.apply(&mut subject).unwrap_err().0;
                assert_eq!(
                    message,
                    "The document path provided in the update expression is invalid for update"
                );
            })
            .unwrap();
        worker.join().unwrap();
    }
}
