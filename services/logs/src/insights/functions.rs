//! Values, their text form in results, time arithmetic and the scalar
//! functions (`strlen`, `datefloor`, `bin`, ...). Used by the evaluator.

use super::ast::{Func, Period, TimeUnit};
use super::regex::Regex;

/// Longest string a function may build, in bytes; longer results are cut.
const MAX_STRING_BYTES: usize = 1 << 20;
const MILLIS_PER_DAY: i64 = 86_400_000;

/// A field value during evaluation. A missing field is `None` around it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Text, as stored in the event or produced by string functions.
    Str(String),
    /// A computed number.
    Num(f64),
    /// A condition's result.
    Bool(bool),
    /// A point in time, in milliseconds since the epoch.
    Time(i64),
}

impl Value {
    /// The value as a number: numbers, times (ms), booleans (1/0) and
    /// strings that are decimal numbers.
    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => n.is_finite().then_some(*n),
            Value::Time(t) => Some(*t as f64),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Str(s) => parse_decimal(s),
        }
    }

    /// The value as a time in ms: times, and numbers taken as epoch ms.
    pub(crate) fn as_time(&self) -> Option<i64> {
        match self {
            Value::Time(t) => Some(*t),
            other => {
                let n = other.as_number()?;
                (n.abs() < 9.0e15).then_some(n as i64)
            }
        }
    }

    /// The value as results show it; `None` for non-finite numbers.
    pub(crate) fn to_text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Num(n) => format_number(*n),
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
            Value::Time(t) => Some(format_timestamp(*t)),
        }
    }
}

/// Parses a plain decimal number (`-12`, `3.5`, `1e3`), rejecting words such
/// as `inf` or `NaN` that `f64::from_str` would accept.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let s = text.trim();
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut chars = body.chars().peekable();
    let mut digits = 0;
    while chars.next_if(char::is_ascii_digit).is_some() {
        digits += 1;
    }
    if chars.next_if_eq(&'.').is_some() {
        while chars.next_if(char::is_ascii_digit).is_some() {
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if chars.next_if(|c| *c == 'e' || *c == 'E').is_some() {
        chars.next_if(|c| *c == '-' || *c == '+');
        chars.next_if(char::is_ascii_digit)?;
        while chars.next_if(char::is_ascii_digit).is_some() {}
    }
    if chars.next().is_some() {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Formats a number as results show it: integral values without a fraction,
/// others in shortest round-trip form; `None` for NaN and infinities.
pub(crate) fn format_number(n: f64) -> Option<String> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return Some(format!("{}", n as i64));
    }
    if n.abs() >= 1e21 || (n != 0.0 && n.abs() < 1e-6) {
        return Some(format!("{n:e}"));
    }
    Some(format!("{n}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian date (year, month, day) of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
pub(crate) fn format_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(MILLIS_PER_DAY);
    let rem = ms.rem_euclid(MILLIS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1_000 % 60,
        rem % 1_000,
    );
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{milli:03}")
}

/// Months in one step of a calendar period, if the unit is calendar-based.
fn period_months(p: Period) -> Option<i64> {
    let per = match p.unit {
        TimeUnit::Month => 1,
        TimeUnit::Quarter => 3,
        TimeUnit::Year => 12,
        _ => return None,
    };
    i64::try_from(p.amount).ok()?.checked_mul(per)
}

/// Length of a fixed period in ms (`None` for calendar units or overflow).
pub(crate) fn period_millis(p: Period) -> Option<i64> {
    p.unit
        .fixed_millis()?
        .checked_mul(i64::try_from(p.amount).ok()?)
}

/// Start (ms) of the month `months` months after January of year 0.
fn month_start(months: i64) -> Option<i64> {
    let year = months.div_euclid(12);
    let month = months.rem_euclid(12) + 1;
    days_from_civil(year, month, 1).checked_mul(MILLIS_PER_DAY)
}

/// Truncates a time to the start of its period (`datefloor`, `bin`). Fixed
/// periods are aligned on the epoch; months, quarters and years on the
/// calendar (UTC).
pub(crate) fn floor_time(ms: i64, p: Period) -> Option<i64> {
    if let Some(len) = period_millis(p) {
        return ms.div_euclid(len).checked_mul(len);
    }
    let step = period_months(p)?;
    let (y, m, _) = civil_from_days(ms.div_euclid(MILLIS_PER_DAY));
    let months = y.checked_mul(12)?.checked_add(m - 1)?;
    month_start(months.div_euclid(step).checked_mul(step)?)
}

/// Rounds a time up to the next period boundary (`dateceil`).
pub(crate) fn ceil_time(ms: i64, p: Period) -> Option<i64> {
    let floor = floor_time(ms, p)?;
    if floor == ms {
        return Some(ms);
    }
    if let Some(len) = period_millis(p) {
        return floor.checked_add(len);
    }
    let step = period_months(p)?;
    let (y, m, _) = civil_from_days(floor.div_euclid(MILLIS_PER_DAY));
    month_start(y.checked_mul(12)?.checked_add(m - 1)?.checked_add(step)?)
}

/// Cuts a string to at most [`MAX_STRING_BYTES`], on a char boundary.
fn capped(mut s: String) -> String {
    if s.len() > MAX_STRING_BYTES {
        let mut cut = MAX_STRING_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// One evaluated argument of a scalar function.
#[derive(Debug)]
pub(crate) enum Arg<'a> {
    /// A value (`None` when the field is missing).
    Value(Option<Value>),
    /// A regex literal.
    Regex(&'a Regex),
    /// A period literal.
    Period(Period),
}

impl Arg<'_> {
    fn value(&self) -> Option<&Value> {
        match self {
            Arg::Value(v) => v.as_ref(),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Arg::Value(v) => v.as_ref()?.to_text(),
            Arg::Regex(r) => Some(r.source().to_string()),
            Arg::Period(_) => None,
        }
    }

    fn number(&self) -> Option<f64> {
        self.value()?.as_number()
    }

    fn period(&self) -> Option<Period> {
        match self {
            Arg::Period(p) => Some(*p),
            _ => None,
        }
    }
}

fn num(n: f64) -> Option<Value> {
    n.is_finite().then_some(Value::Num(n))
}

fn text(s: String) -> Option<Value> {
    Some(Value::Str(capped(s)))
}

/// Trims chars from one or both ends: whitespace, or any char of `set`.
fn trim(s: &str, set: Option<&str>, left: bool, right: bool) -> String {
    let strip = |c: char| set.map_or(c.is_whitespace(), |set| set.contains(c));
    let s = if left { s.trim_start_matches(strip) } else { s };
    let s = if right { s.trim_end_matches(strip) } else { s };
    s.to_string()
}

/// Calls scalar function `func`; `timestamp` is the row's `@timestamp` (for
/// `bin`). Returns `None` when the result is missing (missing or
/// ill-typed arguments).
pub(crate) fn call(func: Func, args: &[Arg<'_>], timestamp: Option<i64>) -> Option<Value> {
    let arg = |i: usize| args.get(i);
    let first = arg(0);
    match func {
        Func::Abs => num(first?.number()?.abs()),
        Func::Ceil => num(first?.number()?.ceil()),
        Func::Floor => num(first?.number()?.floor()),
        Func::Log => num(first?.number()?.ln()),
        Func::Sqrt => num(first?.number()?.sqrt()),
        Func::Round => {
            let n = first?.number()?;
            let digits = match arg(1) {
                Some(d) => d.number()?.clamp(-15.0, 15.0) as i32,
                None => 0,
            };
            let scale = 10f64.powi(digits);
            num((n * scale).round() / scale)
        }
        Func::Greatest => num(args.iter().filter_map(Arg::number).reduce(f64::max)?),
        Func::Least => num(args.iter().filter_map(Arg::number).reduce(f64::min)?),
        Func::IsPresent => Some(Value::Bool(first?.value().is_some())),
        Func::Coalesce => args.iter().find_map(|a| a.value().cloned()),
        Func::IsEmpty => Some(Value::Bool(first?.text().is_none_or(|s| s.is_empty()))),
        Func::IsBlank => Some(Value::Bool(
            first?.text().is_none_or(|s| s.trim().is_empty()),
        )),
        Func::Concat => {
            let mut out = String::new();
            for a in args {
                if let Some(t) = a.text() {
                    out.push_str(&t);
                    if out.len() > MAX_STRING_BYTES {
                        break;
                    }
                }
            }
            text(out)
        }
        Func::Ltrim | Func::Rtrim | Func::Trim => {
            let s = first?.text()?;
            let set = match arg(1) {
                Some(a) => Some(a.text()?),
                None => None,
            };
            let left = func != Func::Rtrim;
            let right = func != Func::Ltrim;
            text(trim(&s, set.as_deref(), left, right))
        }
        Func::Strlen => num(first?.text()?.chars().count() as f64),
        Func::ToUpper => text(first?.text()?.to_uppercase()),
        Func::ToLower => text(first?.text()?.to_lowercase()),
        Func::Substr => {
            let s = first?.text()?;
            let start = arg(1)?.number()?.max(0.0);
            let chars = s.chars().skip(if start >= 1e9 {
                usize::MAX
            } else {
                start as usize
            });
            let out: String = match arg(2) {
                Some(len) => {
                    let len = len.number()?.max(0.0);
                    chars
                        .take(if len >= 1e9 { usize::MAX } else { len as usize })
                        .collect()
                }
                None => chars.collect(),
            };
            text(out)
        }
        Func::Replace => {
            let s = first?.text()?;
            let from = arg(1)?.text()?;
            let to = arg(2)?.text()?;
            if from.is_empty() {
                return text(s);
            }
            let count = s.matches(from.as_str()).count();
            if s.len() + count.saturating_mul(to.len()) > MAX_STRING_BYTES * 2 {
                return text(s);
            }
            text(s.replace(&from, &to))
        }
        Func::StrContains => {
            let s = first?.text()?;
            let needle = arg(1)?.text()?;
            num(if s.contains(&needle) { 1.0 } else { 0.0 })
        }
        Func::StartsWith => Some(Value::Bool(first?.text()?.starts_with(&arg(1)?.text()?))),
        Func::EndsWith => Some(Value::Bool(first?.text()?.ends_with(&arg(1)?.text()?))),
        Func::RegexReplace => {
            let s = first?.text()?;
            let to = arg(2)?.text()?;
            let out = match arg(1)? {
                Arg::Regex(re) => re.replace_all(&s, &to),
                other => {
                    let from = other.text()?;
                    if from.is_empty() {
                        s
                    } else {
                        s.replace(&from, &to)
                    }
                }
            };
            text(out)
        }
        Func::DateFloor => Some(Value::Time(floor_time(
            first?.value()?.as_time()?,
            arg(1)?.period()?,
        )?)),
        Func::DateCeil => Some(Value::Time(ceil_time(
            first?.value()?.as_time()?,
            arg(1)?.period()?,
        )?)),
        Func::Bin => Some(Value::Time(floor_time(timestamp?, first?.period()?)?)),
        Func::FromMillis => Some(Value::Time(first?.value()?.as_time()?)),
        Func::ToMillis => num(first?.value()?.as_time()? as f64),
        Func::ToNumber => num(first?.number()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Arg<'static> {
        Arg::Value(Some(Value::Str(s.to_string())))
    }

    fn n(x: f64) -> Arg<'static> {
        Arg::Value(Some(Value::Num(x)))
    }

    fn p(amount: u64, unit: TimeUnit) -> Period {
        Period { amount, unit }
    }

    fn call_text(func: Func, args: &[Arg<'_>]) -> Option<String> {
        call(func, args, None)?.to_text()
    }

    #[test]
    fn timestamps_format_as_results_show_them() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00.000");
        assert_eq!(
            format_timestamp(1_658_147_671_195),
            "2022-07-18 12:34:31.195"
        );
        assert_eq!(format_timestamp(951_782_400_000), "2000-02-29 00:00:00.000");
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59.999");
        for days in [-800_000i64, -1, 0, 59, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn numbers_format_without_trailing_zeroes() {
        assert_eq!(format_number(42.0).as_deref(), Some("42"));
        assert_eq!(format_number(-3.0).as_deref(), Some("-3"));
        assert_eq!(format_number(2.5).as_deref(), Some("2.5"));
        assert_eq!(
            format_number(1088.4433962264152).as_deref(),
            Some("1088.4433962264152")
        );
        assert_eq!(format_number(1e22).as_deref(), Some("1e22"));
        assert_eq!(format_number(f64::NAN), None);
        assert_eq!(format_number(f64::INFINITY), None);
    }

    #[test]
    fn decimal_parsing_is_strict() {
        assert_eq!(parse_decimal("200"), Some(200.0));
        assert_eq!(parse_decimal(" -1.5 "), Some(-1.5));
        assert_eq!(parse_decimal("1e3"), Some(1000.0));
        for bad in ["", "abc", "inf", "NaN", "1.2.3", "5m", "-", "1e", "."] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn time_floor_and_ceil() {
        let t = 1_658_147_671_195; // 2022-07-18 12:34:31.195
        let f = |p| format_timestamp(floor_time(t, p).unwrap());
        let c = |p| format_timestamp(ceil_time(t, p).unwrap());
        assert_eq!(f(p(5, TimeUnit::Minute)), "2022-07-18 12:30:00.000");
        assert_eq!(f(p(1, TimeUnit::Hour)), "2022-07-18 12:00:00.000");
        assert_eq!(c(p(1, TimeUnit::Hour)), "2022-07-18 13:00:00.000");
        assert_eq!(f(p(1, TimeUnit::Day)), "2022-07-18 00:00:00.000");
        assert_eq!(f(p(1, TimeUnit::Month)), "2022-07-01 00:00:00.000");
        assert_eq!(c(p(1, TimeUnit::Month)), "2022-08-01 00:00:00.000");
        assert_eq!(f(p(1, TimeUnit::Quarter)), "2022-07-01 00:00:00.000");
        assert_eq!(c(p(1, TimeUnit::Quarter)), "2022-10-01 00:00:00.000");
        assert_eq!(f(p(1, TimeUnit::Year)), "2022-01-01 00:00:00.000");
        assert_eq!(c(p(1, TimeUnit::Year)), "2023-01-01 00:00:00.000");
        assert_eq!(ceil_time(3_600_000, p(1, TimeUnit::Hour)), Some(3_600_000));
        assert_eq!(floor_time(i64::MAX, p(u64::MAX, TimeUnit::Week)), None);
        assert!(floor_time(i64::MIN, p(1, TimeUnit::Year)).is_none_or(|_| true));
    }

    #[test]
    fn string_functions() {
        assert_eq!(
            call_text(Func::Ltrim, &[v("xyZfooxyZ"), v("xyZ")]).as_deref(),
            Some("fooxyZ")
        );
        assert_eq!(
            call_text(Func::Rtrim, &[v("xyZfooxyZ"), v("xyZ")]).as_deref(),
            Some("xyZfoo")
        );
        assert_eq!(
            call_text(Func::Trim, &[v("xyZfooxyZ"), v("xyZ")]).as_deref(),
            Some("foo")
        );
        assert_eq!(call_text(Func::Trim, &[v("  a  ")]).as_deref(), Some("a"));
        assert_eq!(
            call_text(Func::Substr, &[v("xyZfooxyZ"), n(3.0), n(3.0)]).as_deref(),
            Some("foo")
        );
        assert_eq!(
            call_text(Func::Substr, &[v("abc"), n(1.0)]).as_deref(),
            Some("bc")
        );
        assert_eq!(
            call_text(Func::Replace, &[v("foo"), v("o"), v("0")]).as_deref(),
            Some("f00")
        );
        assert_eq!(
            call_text(Func::Replace, &[v("foo"), v(""), v("0")]).as_deref(),
            Some("foo")
        );
        assert_eq!(
            call_text(Func::StrContains, &[v("abc"), v("b")]).as_deref(),
            Some("1")
        );
        assert_eq!(
            call_text(Func::StrContains, &[v("abc"), v("B")]).as_deref(),
            Some("0")
        );
        assert_eq!(call_text(Func::Strlen, &[v("héllo")]).as_deref(), Some("5"));
        assert_eq!(call_text(Func::ToUpper, &[v("aB")]).as_deref(), Some("AB"));
        assert_eq!(
            call_text(Func::Concat, &[v("a"), n(1.0), Arg::Value(None)]).as_deref(),
            Some("a1")
        );
        assert_eq!(
            call_text(Func::IsEmpty, &[Arg::Value(None)]).as_deref(),
            Some("1")
        );
        assert_eq!(call_text(Func::IsBlank, &[v(" \t")]).as_deref(), Some("1"));
        assert_eq!(call_text(Func::IsBlank, &[v(" x")]).as_deref(), Some("0"));
        assert_eq!(
            call_text(Func::StartsWith, &[v("abc"), v("ab")]).as_deref(),
            Some("1")
        );
        let re = Regex::new(r"\d").unwrap();
        assert_eq!(
            call_text(Func::RegexReplace, &[v("a1b2"), Arg::Regex(&re), v("#")]).as_deref(),
            Some("a#b#")
        );
    }

    #[test]
    fn numeric_and_general_functions() {
        assert_eq!(call_text(Func::Abs, &[v("-4")]).as_deref(), Some("4"));
        assert_eq!(call_text(Func::Ceil, &[n(1.2)]).as_deref(), Some("2"));
        assert_eq!(call_text(Func::Floor, &[n(-1.2)]).as_deref(), Some("-2"));
        assert_eq!(
            call_text(Func::Greatest, &[n(1.0), v("7"), v("x")]).as_deref(),
            Some("7")
        );
        assert_eq!(
            call_text(Func::Least, &[n(1.0), v("7")]).as_deref(),
            Some("1")
        );
        assert_eq!(
            call_text(Func::Round, &[n(2.345), n(2.0)]).as_deref(),
            Some("2.35")
        );
        assert_eq!(call_text(Func::Sqrt, &[n(-1.0)]), None);
        assert_eq!(call_text(Func::Log, &[v("abc")]), None);
        assert_eq!(
            call_text(Func::IsPresent, &[Arg::Value(None)]).as_deref(),
            Some("0")
        );
        assert_eq!(
            call_text(Func::Coalesce, &[Arg::Value(None), v("b")]).as_deref(),
            Some("b")
        );
        assert_eq!(
            call_text(Func::ToNumber, &[v("12.5")]).as_deref(),
            Some("12.5")
        );
        assert_eq!(call_text(Func::ToNumber, &[v("x")]), None);
    }

    #[test]
    fn time_functions() {
        let hour = Period {
            amount: 1,
            unit: TimeUnit::Hour,
        };
        let t = Arg::Value(Some(Value::Time(1_658_147_671_195)));
        assert_eq!(
            call_text(Func::DateFloor, &[t, Arg::Period(hour)]).as_deref(),
            Some("2022-07-18 12:00:00.000")
        );
        assert_eq!(
            call(Func::Bin, &[Arg::Period(hour)], Some(7_200_001)),
            Some(Value::Time(7_200_000))
        );
        assert_eq!(call(Func::Bin, &[Arg::Period(hour)], None), None);
        assert_eq!(
            call_text(Func::FromMillis, &[n(0.0)]).as_deref(),
            Some("1970-01-01 00:00:00.000")
        );
        assert_eq!(
            call_text(Func::ToMillis, &[Arg::Value(Some(Value::Time(5)))]).as_deref(),
            Some("5")
        );
    }

    #[test]
    fn string_results_are_capped() {
        let big = "x".repeat(MAX_STRING_BYTES);
        let out = call(Func::Concat, &[v(&big), v(&big), v(&big)], None).unwrap();
        assert!(matches!(out, Value::Str(s) if s.len() <= MAX_STRING_BYTES));
        let out = call(Func::Replace, &[v(&big), v("x"), v("yy")], None).unwrap();
        assert!(matches!(out, Value::Str(s) if s.len() <= MAX_STRING_BYTES));
    }
}
