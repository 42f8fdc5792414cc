//! Phase 2 output: the syntax tree of a parsed pattern.
//!
//! The parser builds these types and the evaluator walks them; nothing here looks at a
//! log message. Regular expressions are stored compiled, so a pattern is checked once.

use super::regex::Regex;

/// A whole filter pattern, in one of the three dialects.
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    /// The empty or all-whitespace pattern: every event matches.
    MatchAll,
    /// Unstructured terms and phrases.
    Terms(TermPattern),
    /// `{ ... }`: conditions on a JSON message.
    Json(JsonExpr),
    /// `[ ... ]`: positional fields of a space-delimited message.
    Delimited(DelimitedPattern),
}

/// The terms of an unstructured pattern, by role.
///
/// AWS ignores `?` terms as soon as any plain or `-` term is present, so the parser leaves
/// `optional` empty in that case and the evaluator never has to know about the rule.
#[derive(Clone, Debug, Default)]
pub(crate) struct TermPattern {
    /// Every one of these must occur.
    pub(crate) required: Vec<TermAtom>,
    /// None of these may occur.
    pub(crate) excluded: Vec<TermAtom>,
    /// At least one of these must occur (only used when the other lists are empty).
    pub(crate) optional: Vec<TermAtom>,
}

/// One searchable term.
#[derive(Clone, Debug)]
pub(crate) enum TermAtom {
    /// Case-sensitive substring; the empty string occurs in every message.
    Text(String),
    /// `%regex%`, searched anywhere in the message.
    Regex(Regex),
}

/// A JSON pattern's boolean expression. `&&` binds tighter than `||`.
#[derive(Clone, Debug)]
pub(crate) enum JsonExpr {
    /// All operands hold (flattened so long chains do not nest).
    And(Vec<JsonExpr>),
    /// Any operand holds.
    Or(Vec<JsonExpr>),
    /// One test on one selector.
    Cond(JsonCond),
}

/// `SELECTOR test`, e.g. `$.status = 404` or `$.user IS NULL`.
#[derive(Clone, Debug)]
pub(crate) struct JsonCond {
    /// Where in the message the value is.
    pub(crate) selector: Selector,
    /// What must hold for that value.
    pub(crate) test: JsonTest,
}

/// A property selector such as `$.users[0].email`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Selector {
    /// The selector as written, which is also its key in extracted values.
    pub(crate) text: String,
    /// The path from the root.
    pub(crate) steps: Vec<Step>,
}

/// One step of a selector path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `.name` or `['name']`.
    Key(String),
    /// `[3]`.
    Index(usize),
    /// `.*` or `[*]`: every field of an object or element of an array.
    Wildcard,
}

/// The test part of a JSON condition.
#[derive(Clone, Debug)]
pub(crate) enum JsonTest {
    /// A comparison against a literal.
    Compare(CompareOp, Operand),
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// `NOT EXISTS`.
    NotExists,
}

/// Comparison operators shared by JSON and space-delimited conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// Whether this is an ordering operator, which only takes numbers.
    pub(crate) fn is_relational(self) -> bool {
        matches!(self, Self::Lt | Self::Le | Self::Gt | Self::Ge)
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    /// An unquoted number: compared numerically.
    Number(f64),
    /// A quoted string or a non-numeric unquoted word; `*` is a wildcard.
    Text(String),
    /// `%regex%`, searched in the value.
    Regex(Regex),
}

/// A space-delimited pattern: one spec per field, in order.
#[derive(Clone, Debug)]
pub(crate) struct DelimitedPattern {
    /// Never empty; `[]` is stored as a single ellipsis. No two ellipses are adjacent.
    pub(crate) fields: Vec<FieldSpec>,
}

/// One comma-separated entry of a space-delimited pattern.
#[derive(Clone, Debug)]
pub(crate) enum FieldSpec {
    /// `...`: any number of fields, reported by position.
    Ellipsis,
    /// A named field (the name may be empty, e.g. after a trailing comma).
    Field {
        /// Extracted as `$name`; an empty name is reported by position instead.
        name: String,
        /// Extra condition on the field's value.
        cond: Option<Cond>,
    },
}

/// A condition on one space-delimited field.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
    /// The field compared with a literal.
    Cmp(CompareOp, Operand),
}

/// Reads a number literal: optional sign, digits with an optional fraction, optional
/// exponent. Stricter than `f64::from_str`, which would also take `inf` and `NaN`.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_literals() {
        let cases: &[(&str, Option<f64>)] = &[
            ("0", Some(0.0)),
            ("404", Some(404.0)),
            ("-1", Some(-1.0)),
            ("+1000", Some(1000.0)),
            ("55.5", Some(55.5)),
            (".5", Some(0.5)),
            ("12.", Some(12.0)),
            ("10e3", Some(10_000.0)),
            ("10e-3", Some(0.01)),
            ("1e+3", Some(1000.0)),
            ("1E3", Some(1000.0)),
            ("", None),
            ("-", None),
            (".", None),
            ("1e", None),
            ("1e+", None),
            ("inf", None),
            ("NaN", None),
            ("infinity", None),
            ("12a", None),
            ("1.2.3", None),
            ("111.111.111.111", None),
            (" 1", None),
            ("4*", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_number(text), *want, "{text:?}");
        }
    }

    #[test]
    fn relational_ops() {
        assert!(CompareOp::Lt.is_relational());
        assert!(CompareOp::Ge.is_relational());
        assert!(!CompareOp::Eq.is_relational());
        assert!(!CompareOp::Ne.is_relational());
    }
}
