//! Phase 2 output: the syntax tree of a query.
//!
//! A query is a pipeline of [`Command`]s. Expressions are [`Expr`] trees;
//! inside `stats`, aggregate calls are lifted out into [`AggSpec`]s and the
//! expression keeps an [`Expr::Agg`] reference to the slot, so one aggregate
//! can be used inside arithmetic (`sum(bytes) / 1024 as kb`).

use super::regex::Regex;

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Not,
}

/// Units of a time period literal (`5m`, `1h`, `2mon`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl TimeUnit {
    /// Reads a unit as the docs list them; units longer than one char may take
    /// a plural `s` (`hrs`, `mins`, `days`).
    pub(crate) fn parse(text: &str) -> Option<TimeUnit> {
        let lower = text.to_ascii_lowercase();
        let exact = |u: &str| -> Option<TimeUnit> {
            Some(match u {
                "ms" | "msec" | "millisecond" => TimeUnit::Millisecond,
                "s" | "sec" | "second" => TimeUnit::Second,
                "m" | "min" | "minute" => TimeUnit::Minute,
                "h" | "hr" | "hour" => TimeUnit::Hour,
                "d" | "day" => TimeUnit::Day,
                "w" | "week" => TimeUnit::Week,
                "mo" | "mon" | "month" => TimeUnit::Month,
                "q" | "qtr" | "quarter" => TimeUnit::Quarter,
                "y" | "yr" | "year" => TimeUnit::Year,
                _ => return None,
            })
        };
        exact(&lower).or_else(|| {
            let singular = lower.strip_suffix('s')?;
            if singular.len() > 1 {
                exact(singular)
            } else {
                None
            }
        })
    }

    /// Length in milliseconds of one unit, for fixed-length units.
    pub(crate) fn fixed_millis(self) -> Option<i64> {
        Some(match self {
            TimeUnit::Millisecond => 1,
            TimeUnit::Second => 1_000,
            TimeUnit::Minute => 60_000,
            TimeUnit::Hour => 3_600_000,
            TimeUnit::Day => 86_400_000,
            TimeUnit::Week => 604_800_000,
            TimeUnit::Month | TimeUnit::Quarter | TimeUnit::Year => return None,
        })
    }
}

/// A time period such as `5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    /// How many units (at least 1).
    pub(crate) amount: u64,
    /// Which unit.
    pub(crate) unit: TimeUnit,
}

/// Scalar functions usable in `fields`, `filter`, `stats` and `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Abs,
    Ceil,
    Floor,
    Greatest,
    Least,
    Log,
    Sqrt,
    Round,
    IsPresent,
    Coalesce,
    IsEmpty,
    IsBlank,
    Concat,
    Ltrim,
    Rtrim,
    Trim,
    Strlen,
    ToUpper,
    ToLower,
    Substr,
    Replace,
    StrContains,
    StartsWith,
    EndsWith,
    RegexReplace,
    DateFloor,
    DateCeil,
    Bin,
    FromMillis,
    ToMillis,
    ToNumber,
}

impl Func {
    /// The function called `name` (case-insensitive) and its argument count
    /// bounds (`usize::MAX` = variadic).
    pub(crate) fn lookup(name: &str) -> Option<(Func, usize, usize)> {
        let many = usize::MAX;
        Some(match name.to_ascii_lowercase().as_str() {
            "abs" => (Func::Abs, 1, 1),
            "ceil" => (Func::Ceil, 1, 1),
            "floor" => (Func::Floor, 1, 1),
            "greatest" => (Func::Greatest, 1, many),
            "least" => (Func::Least, 1, many),
            "log" => (Func::Log, 1, 1),
            "sqrt" => (Func::Sqrt, 1, 1),
            "round" => (Func::Round, 1, 2),
            "ispresent" => (Func::IsPresent, 1, 1),
            "coalesce" => (Func::Coalesce, 1, many),
            "isempty" => (Func::IsEmpty, 1, 1),
            "isblank" => (Func::IsBlank, 1, 1),
            "concat" => (Func::Concat, 1, many),
            "ltrim" => (Func::Ltrim, 1, 2),
            "rtrim" => (Func::Rtrim, 1, 2),
            "trim" => (Func::Trim, 1, 2),
            "strlen" => (Func::Strlen, 1, 1),
            "toupper" => (Func::ToUpper, 1, 1),
            "tolower" => (Func::ToLower, 1, 1),
            "substr" => (Func::Substr, 2, 3),
            "replace" => (Func::Replace, 3, 3),
            "strcontains" => (Func::StrContains, 2, 3),
            "startswith" => (Func::StartsWith, 2, 2),
            "endswith" => (Func::EndsWith, 2, 2),
            "regex_replace" => (Func::RegexReplace, 3, 3),
            "datefloor" => (Func::DateFloor, 2, 2),
            "dateceil" => (Func::DateCeil, 2, 2),
            "bin" => (Func::Bin, 1, 1),
            "frommillis" => (Func::FromMillis, 1, 1),
            "tomillis" => (Func::ToMillis, 1, 1),
            "tonumber" => (Func::ToNumber, 1, 1),
            _ => return None,
        })
    }
}

/// Aggregate functions, usable only in `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggFunc {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    Pct,
    Stddev,
    Earliest,
    Latest,
}

impl AggFunc {
    /// The aggregate called `name` (case-insensitive) and its argument count
    /// bounds. `count` alone also takes `*` or nothing.
    pub(crate) fn lookup(name: &str) -> Option<(AggFunc, usize, usize)> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => (AggFunc::Count, 0, 1),
            "count_distinct" => (AggFunc::CountDistinct, 1, 1),
            "sum" => (AggFunc::Sum, 1, 1),
            "avg" => (AggFunc::Avg, 1, 1),
            "min" => (AggFunc::Min, 1, 1),
            "max" => (AggFunc::Max, 1, 1),
            "pct" => (AggFunc::Pct, 2, 2),
            "stddev" => (AggFunc::Stddev, 1, 1),
            "earliest" => (AggFunc::Earliest, 1, 1),
            "latest" => (AggFunc::Latest, 1, 1),
            _ => return None,
        })
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A field reference (`@message`, `level`, `a.b`).
    Field(String),
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// A regex literal (right side of `like`, argument of `regex_replace`).
    Regex(Regex),
    /// A period literal (argument of `bin`, `datefloor`, `dateceil`).
    Period(Period),
    /// `-x`, `not x`.
    Unary(UnOp, Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `x like p`, `x =~ p`, `x not like p`: regex or substring match.
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
    },
    /// `x in [..]`, `x not in [..]`.
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// A scalar function call.
    Call(Func, Vec<Expr>),
    /// The value of aggregate slot N of the enclosing `stats`.
    Agg(usize),
}

/// One aggregate computed by `stats`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AggSpec {
    /// Which aggregate.
    pub(crate) func: AggFunc,
    /// Its arguments (empty for `count(*)` / `count()`).
    pub(crate) args: Vec<Expr>,
}

/// An expression and the field name its value gets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Projection {
    /// What to compute.
    pub(crate) expr: Expr,
    /// The alias, the field name, or the expression text.
    pub(crate) name: String,
}

/// One `sort` key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortKey {
    /// Field to sort on.
    pub(crate) field: String,
    /// `desc` given.
    pub(crate) descending: bool,
}

/// How `parse` extracts fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ParseMatcher {
    /// A glob pattern compiled to a regex; group N fills `names[N-1]`.
    Glob { regex: Regex, names: Vec<String> },
    /// A regex whose named groups become fields.
    Regex(Regex),
}

/// The `stats` command.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stats {
    /// Aggregates computed per group.
    pub(crate) aggs: Vec<AggSpec>,
    /// Output columns (expressions over [`Expr::Agg`] slots).
    pub(crate) items: Vec<Projection>,
    /// Grouping keys.
    pub(crate) by: Vec<Projection>,
}

/// One pipeline stage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    /// `fields a, f(b) as c`
    Fields(Vec<Projection>),
    /// `display a, b`
    Display(Vec<String>),
    /// `filter expr` (also `where`)
    Filter(Expr),
    /// `stats ... by ...`
    Stats(Stats),
    /// `sort a desc, b`
    Sort(Vec<SortKey>),
    /// `limit N`
    Limit(usize),
    /// `parse field "glob" as a, b` / `parse field /regex/`
    Parse {
        source: String,
        matcher: ParseMatcher,
    },
    /// `dedup a, b`
    Dedup(Vec<String>),
}

/// Converts a `parse` glob to a regex: literal text is matched exactly, each
/// `*` captures lazily, and a trailing `*` takes the rest of the value.
pub(crate) fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    let stars = glob.matches('*').count();
    let mut seen = 0;
    for c in glob.chars() {
        if c == '*' {
            seen += 1;
            let last_at_end = seen == stars && glob.ends_with('*');
            out.push_str(if last_at_end { "(.*)" } else { "(.*?)" });
        } else {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units_and_plurals() {
        assert_eq!(TimeUnit::parse("m"), Some(TimeUnit::Minute));
        assert_eq!(TimeUnit::parse("mins"), Some(TimeUnit::Minute));
        assert_eq!(TimeUnit::parse("HRS"), Some(TimeUnit::Hour));
        assert_eq!(TimeUnit::parse("mo"), Some(TimeUnit::Month));
        assert_eq!(TimeUnit::parse("ms"), Some(TimeUnit::Millisecond));
        assert_eq!(TimeUnit::parse("qtrs"), Some(TimeUnit::Quarter));
        assert_eq!(TimeUnit::parse("ds"), None);
        assert_eq!(TimeUnit::parse("x"), None);
        assert_eq!(TimeUnit::Hour.fixed_millis(), Some(3_600_000));
        assert_eq!(TimeUnit::Month.fixed_millis(), None);
    }

    #[test]
    fn function_tables() {
        assert_eq!(Func::lookup("StrContains"), Some((Func::StrContains, 2, 3)));
        assert_eq!(Func::lookup("count"), None);
        assert_eq!(AggFunc::lookup("COUNT"), Some((AggFunc::Count, 0, 1)));
        assert_eq!(AggFunc::lookup("pct"), Some((AggFunc::Pct, 2, 2)));
        assert_eq!(AggFunc::lookup("abs"), None);
    }

    #[test]
    fn glob_patterns_become_regexes() {
        assert_eq!(glob_to_regex("[*] *"), r"\[(.*?)\] (.*)");
        assert_eq!(glob_to_regex("user=*, x"), r"user\=(.*?)\, x");
        let re = Regex::new(&glob_to_regex("id=* ")).unwrap();
        let caps = re.captures("a id=42 b").unwrap();
        assert_eq!(caps[1], Some((5, 7)));
    }
}
