//! The `%regex%` subset CloudWatch Logs accepts: checked here, matched by `regex_lite`.
//!
//! AWS documents a small, group-free language: literals, `.`, `[...]` classes, `^` `$`,
//! `?` `*` `+` `{m,n}`, top-level `|`, `\` escapes and `\d \D \s \S \w \W \xhh`. Only
//! ASCII letters, digits, space, `: _ # = @ / ; , -` and those operators may appear; `(`
//! and `)` are refused even when escaped (use `\x28`). Semantics follow Java's regex
//! (which AWS runs): case-sensitive, unanchored search, `.` stops at line terminators,
//! `$` also holds just before a final line terminator.
//!
//! A body is parsed here into branches of quantified atoms, which enforces AWS's rules,
//! and then written out as an equivalent `regex_lite` pattern: literals as `\x{..}`
//! escapes, `.` and `$` spelled out with Java's line terminators. Only whether a match
//! exists matters, so the edges of each branch are trimmed first (see [`trim_edges`]).
//! Matching is linear in the message length; the size of a pattern is capped, in
//! instructions of a Thompson program, which bounds the cost per character.

use super::PatternError;

/// Largest program a pattern may compile to, counting one instruction per atom copy (a
/// counted repetition is expanded), two per optional copy, three per unbounded repeat,
/// two per extra branch and one to finish; bounds the per-character cost of matching.
const MAX_INSTS: usize = 1024;
/// Largest bound accepted in `{m,n}`.
const MAX_REPEAT: u32 = 1000;
/// `regex_lite`'s limit on the compiled size, in bytes: above anything a pattern within
/// [`MAX_INSTS`] compiles to, so that cap alone decides what is accepted.
const SIZE_LIMIT: usize = 8 << 20;
/// `regex_lite`'s nesting limit; the written pattern nests at most a few levels.
const NEST_LIMIT: u32 = 16;
/// Java's line terminators, as a `regex_lite` class body.
const TERMINATORS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

/// A compiled `%regex%`.
#[derive(Clone)]
pub(crate) struct Regex {
    source: String,
    inner: regex_lite::Regex,
}

impl std::fmt::Debug for Regex {
    // The source says more than the compiled form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Assertion {
    /// `^` (Java without MULTILINE) or `\A`: start of input.
    Start,
    /// `$` or `\Z`: end of input, or just before a final line terminator.
    End,
    /// `\z`
    InputEnd,
    /// `\b`
    WordBoundary,
    /// `\B`
    NotWordBoundary,
}

#[derive(Clone, Debug, PartialEq)]
struct ClassSet {
    negated: bool,
    items: Vec<ClassItem>,
}

/// A class member; the `bool` of the shorthand classes means "negated" (`\D`, `\S`, `\W`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Space(bool),
    Word(bool),
}

#[derive(Clone, Debug, PartialEq)]
enum Atom {
    Char(char),
    Any,
    Class(ClassSet),
    Assert(Assertion),
}

#[derive(Debug)]
struct Piece {
    atom: Atom,
    min: u32,
    max: Option<u32>,
}

impl Regex {
    /// Checks and compiles the body of a `%...%`.
    pub(crate) fn compile(body: &str) -> Result<Self, PatternError> {
        if let Some(bad) = body.chars().find(|&c| !allowed(c)) {
            return Err(PatternError::invalid_char(bad));
        }
        let chars: Vec<char> = body.chars().collect();
        let mut alternatives = parse(&chars)?;
        for branch in &mut alternatives {
            trim_edges(branch);
        }
        if program_size(&alternatives) > MAX_INSTS {
            return Err(PatternError::invalid_pattern());
        }
        let inner = regex_lite::RegexBuilder::new(&write_pattern(&alternatives))
            .size_limit(SIZE_LIMIT)
            .nest_limit(NEST_LIMIT)
            .build()
            .map_err(|_| PatternError::invalid_pattern())?;
        Ok(Self {
            source: body.to_owned(),
            inner,
        })
    }

    /// The body as written, without the `%` delimiters.
    #[cfg(test)]
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.inner.is_match(text)
    }
}

/// Characters AWS lets a regex contain.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || " :_#=@/;,-^$?[]{}|\\*+.".contains(c)
}

impl ClassSet {
    fn single(item: ClassItem) -> Self {
        Self {
            negated: false,
            items: vec![item],
        }
    }
}

fn parse(chars: &[char]) -> Result<Vec<Vec<Piece>>, PatternError> {
    let mut alternatives = vec![Vec::new()];
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let atom = match c {
            '|' => {
                alternatives.push(Vec::new());
                continue;
            }
            '.' => Atom::Any,
            '^' => Atom::Assert(Assertion::Start),
            '$' => Atom::Assert(Assertion::End),
            '[' => {
                let (set, after) = parse_class(chars, i)?;
                i = after;
                Atom::Class(set)
            }
            '\\' => {
                let (atom, after) = parse_escape(chars, i)?;
                i = after;
                atom
            }
            // A quantifier with nothing to repeat ("dangling meta character" in Java).
            '*' | '+' | '?' | '{' => return Err(PatternError::invalid_pattern()),
            c => Atom::Char(c),
        };
        let (min, max, after) = parse_quantifier(chars, i)?;
        i = after;
        if matches!(atom, Atom::Assert(_)) && (min, max) != (1, Some(1)) {
            return Err(PatternError::invalid_pattern());
        }
        if let Some(branch) = alternatives.last_mut() {
            branch.push(Piece { atom, min, max });
        }
    }
    Ok(alternatives)
}

/// Reads an optional quantifier at `i`; returns (min, max, index after it).
fn parse_quantifier(
    chars: &[char],
    mut i: usize,
) -> Result<(u32, Option<u32>, usize), PatternError> {
    let (min, max) = match chars.get(i) {
        Some('*') => (0, None),
        Some('+') => (1, None),
        Some('?') => (0, Some(1)),
        Some('{') => {
            let (min, max, after) = parse_braces(chars, i + 1)?;
            i = after - 1;
            (min, max)
        }
        _ => return Ok((1, Some(1), i)),
    };
    i += 1;
    // A lazy `?` suffix changes which match is found, not whether one exists.
    if chars.get(i) == Some(&'?') {
        i += 1;
    }
    // Possessive `+` and stacked quantifiers are refused rather than approximated.
    if matches!(chars.get(i), Some('*' | '+' | '?' | '{')) {
        return Err(PatternError::invalid_pattern());
    }
    Ok((min, max, i))
}

/// Reads `m}`, `m,}`, `,n}`, `m,n}` (spaces allowed, as in AWS's `{m, n}`), starting
/// after the `{`; returns (min, max, index after the `}`).
fn parse_braces(chars: &[char], mut i: usize) -> Result<(u32, Option<u32>, usize), PatternError> {
    let number = |i: &mut usize| -> Result<Option<u32>, PatternError> {
        while chars.get(*i) == Some(&' ') {
            *i += 1;
        }
        let start = *i;
        let mut value: u32 = 0;
        while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            *i += 1;
        }
        while chars.get(*i) == Some(&' ') {
            *i += 1;
        }
        if *i == start {
            return Ok(None);
        }
        if value > MAX_REPEAT {
            return Err(PatternError::invalid_pattern());
        }
        Ok(Some(value))
    };
    let low = number(&mut i)?;
    let (min, max) = if chars.get(i) == Some(&',') {
        i += 1;
        let high = number(&mut i)?;
        (low.unwrap_or(0), high)
    } else {
        let exact = low.ok_or_else(PatternError::invalid_pattern)?;
        (exact, Some(exact))
    };
    if chars.get(i) != Some(&'}') || max.is_some_and(|max| max < min) {
        return Err(PatternError::invalid_pattern());
    }
    Ok((min, max, i + 1))
}

/// Reads a class body starting after `[`; returns the set and the index after `]`.
fn parse_class(chars: &[char], mut i: usize) -> Result<(ClassSet, usize), PatternError> {
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or_else(PatternError::invalid_pattern)?;
        i += 1;
        // A `]` right after `[` or `[^` is a literal, as in Java.
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            match class_escape(chars, i)? {
                (Err(item), after) => {
                    items.push(item);
                    i = after;
                    continue;
                }
                (Ok(lit), after) => {
                    i = after;
                    lit
                }
            }
        } else {
            c
        };
        let is_range = chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&n| n != ']');
        if !is_range {
            items.push(ClassItem::Range(low, low));
            continue;
        }
        i += 1;
        let c = *chars.get(i).ok_or_else(PatternError::invalid_pattern)?;
        i += 1;
        let high = if c == '\\' {
            match class_escape(chars, i)? {
                (Ok(lit), after) => {
                    i = after;
                    lit
                }
                (Err(_), _) => return Err(PatternError::invalid_pattern()),
            }
        } else {
            c
        };
        if high < low {
            return Err(PatternError::invalid_pattern());
        }
        items.push(ClassItem::Range(low, high));
    }
    Ok((ClassSet { negated, items }, i))
}

/// An escape inside a class: `Ok(char)` for a literal, `Err(item)` for `\d` and friends.
fn class_escape(
    chars: &[char],
    i: usize,
) -> Result<(Result<char, ClassItem>, usize), PatternError> {
    match parse_escape(chars, i)? {
        (Atom::Char(c), after) => Ok((Ok(c), after)),
        (Atom::Class(set), after) => match set.items.as_slice() {
            [item] if !set.negated => Ok((Err(*item), after)),
            _ => Err(PatternError::invalid_pattern()),
        },
        // `\b` and the other assertions mean nothing inside a class.
        _ => Err(PatternError::invalid_pattern()),
    }
}

/// Reads the escape after a `\` at `i`; returns the atom and the index after it.
fn parse_escape(chars: &[char], i: usize) -> Result<(Atom, usize), PatternError> {
    let c = *chars.get(i).ok_or_else(PatternError::invalid_pattern)?;
    let class = |item| Atom::Class(ClassSet::single(item));
    let atom = match c {
        'd' => class(ClassItem::Digit(false)),
        'D' => class(ClassItem::Digit(true)),
        's' => class(ClassItem::Space(false)),
        'S' => class(ClassItem::Space(true)),
        'w' => class(ClassItem::Word(false)),
        'W' => class(ClassItem::Word(true)),
        'b' => Atom::Assert(Assertion::WordBoundary),
        'B' => Atom::Assert(Assertion::NotWordBoundary),
        'A' => Atom::Assert(Assertion::Start),
        'z' => Atom::Assert(Assertion::InputEnd),
        'Z' => Atom::Assert(Assertion::End),
        't' => Atom::Char('\t'),
        'n' => Atom::Char('\n'),
        'r' => Atom::Char('\r'),
        'f' => Atom::Char('\x0C'),
        'a' => Atom::Char('\x07'),
        'e' => Atom::Char('\x1B'),
        'x' => {
            let hex = |k: usize| chars.get(i + k).and_then(|c| c.to_digit(16));
            let (Some(hi), Some(lo)) = (hex(1), hex(2)) else {
                return Err(PatternError::invalid_pattern());
            };
            let byte = u8::try_from(hi * 16 + lo).map_err(|_| PatternError::invalid_pattern())?;
            return Ok((Atom::Char(char::from(byte)), i + 3));
        }
        // Java rejects unknown letter escapes; back-references need groups we lack.
        c if c.is_ascii_alphanumeric() => return Err(PatternError::invalid_pattern()),
        c => Atom::Char(c),
    };
    Ok((atom, i + 1))
}

/// Only whether a match exists matters and the search is unanchored, so a branch's
/// leading and trailing repetitions need only their minimum: `X{m,n}Y` occurs iff
/// `X{m}Y` does (start later), and `YX{m,n}` iff `YX{m}` (stop earlier). Optional edge
/// pieces vanish. This keeps common `.{0,n}`-style edges from costing n threads a char.
fn trim_edges(branch: &mut Vec<Piece>) {
    let is_assert = |p: &Piece| matches!(p.atom, Atom::Assert(_));
    while branch.first().is_some_and(|p| p.min == 0 && !is_assert(p)) {
        branch.remove(0);
    }
    while branch.last().is_some_and(|p| p.min == 0 && !is_assert(p)) {
        branch.pop();
    }
    if let Some(first) = branch.first_mut()
        && !is_assert(first)
    {
        first.max = Some(first.min);
    }
    if let Some(last) = branch.last_mut()
        && !is_assert(last)
    {
        last.max = Some(last.min);
    }
}

/// The size of the pattern as a Thompson program (see [`MAX_INSTS`]).
fn program_size(alternatives: &[Vec<Piece>]) -> usize {
    let pieces = alternatives.iter().flatten().map(|piece| {
        let min = piece.min as usize;
        let optional = match piece.max {
            None => 3,
            Some(max) => 2 * (max as usize).saturating_sub(min),
        };
        min.saturating_add(optional)
    });
    let branches = 2 * alternatives.len().saturating_sub(1);
    pieces.fold(branches + 1, usize::saturating_add)
}

/// Writes the parsed alternatives as a `regex_lite` pattern with the same matches.
fn write_pattern(alternatives: &[Vec<Piece>]) -> String {
    let mut out = String::new();
    for (n, branch) in alternatives.iter().enumerate() {
        if n > 0 {
            out.push('|');
        }
        for (k, piece) in branch.iter().enumerate() {
            match &piece.atom {
                Atom::Char(c) => push_char(&mut out, *c),
                Atom::Any => {
                    out.push_str("[^");
                    out.push_str(TERMINATORS);
                    out.push(']');
                }
                Atom::Class(set) => push_class(&mut out, set),
                // `regex_lite`'s `$` is `\z`; Java's also holds before a final line
                // terminator. At the end of a branch, consuming that terminator gives
                // the same answer (nothing else has to match); elsewhere `\z` is kept.
                Atom::Assert(Assertion::End) => {
                    let rest = branch.get(k + 1..).unwrap_or_default();
                    if rest.iter().all(|p| p.atom == Atom::Assert(Assertion::End)) {
                        out.push_str(r"(?:\r\n|[");
                        out.push_str(TERMINATORS);
                        out.push_str(r"])?\z");
                    } else {
                        out.push_str(r"\z");
                    }
                }
                Atom::Assert(Assertion::Start) => out.push_str(r"\A"),
                Atom::Assert(Assertion::InputEnd) => out.push_str(r"\z"),
                Atom::Assert(Assertion::WordBoundary) => out.push_str(r"\b"),
                Atom::Assert(Assertion::NotWordBoundary) => out.push_str(r"\B"),
            }
            match (piece.min, piece.max) {
                (1, Some(1)) => {}
                (min, None) => out.push_str(&format!("{{{min},}}")),
                (min, Some(max)) => out.push_str(&format!("{{{min},{max}}}")),
            }
        }
    }
    out
}

/// A literal: letters and digits as they are, anything else as a `\x{..}` escape.
fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}

fn push_class(out: &mut String, set: &ClassSet) {
    out.push('[');
    if set.negated {
        out.push('^');
    }
    for item in &set.items {
        match *item {
            ClassItem::Range(lo, hi) => {
                push_char(out, lo);
                if hi != lo {
                    out.push('-');
                    push_char(out, hi);
                }
            }
            ClassItem::Digit(neg) => out.push_str(if neg { r"\D" } else { r"\d" }),
            ClassItem::Space(neg) => out.push_str(if neg { r"\S" } else { r"\s" }),
            ClassItem::Word(neg) => out.push_str(if neg { r"\W" } else { r"\w" }),
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(re: &str, text: &str) -> bool {
        Regex::compile(re).unwrap().is_match(text)
    }

    #[test]
    fn documented_examples() {
        // (regex, text, expected) — taken from the AWS regex syntax page.
        let cases = [
            ("AUTHORIZED", "[ERROR 401] UNAUTHORIZED REQUEST", true),
            ("AUTHORIZED", "[SUCCESS 200] AUTHORIZED REQUEST", true),
            ("^[hc]at", "hat trick", true),
            ("^[hc]at", "that", false),
            ("[hc]at$", "the cat", true),
            ("[hc]at$", "cats", false),
            ("colou?r", "color", true),
            ("colou?r", "colour", true),
            ("[abcx-z]", "y", true),
            ("[abcx-z]", "d", false),
            ("a{3,5}", "aaa", true),
            ("a{3,5}", "aa", false),
            ("a{3, 5}", "xaaaax", true),
            ("gra|ey", "gray", true),
            ("gra|ey", "grey", true),
            (
                "^starting|^initializing|^shutting down",
                "shutting down now",
                true,
            ),
            (
                "^starting|^initializing|^shutting down",
                "skipping initializing",
                false,
            ),
            ("abcc|ab[^c]$", "aba", true),
            ("abcc|ab[^c]$", "aac", false),
            ("\\[.\\]", "[a]", true),
            ("\\[.\\]", "[]]", true),
            ("\\[.\\]", "[ ]", true),
            ("\\[.\\]", "[ab]", false),
            ("10\\.10\\.0\\.1", "ip 10.10.0.1", true),
            ("10\\.10\\.0\\.1", "10010,051", false),
            ("10.10.0.1", "10010,051", true),
            ("ab*c", "ac", true),
            ("ab*c", "abbbc", true),
            ("ab[0-9]*", "ab", true),
            ("ab+c", "ac", false),
            ("ab+c", "abbc", true),
            (".at", " at", true),
            (".at", "at", false),
            ("\\d", "x7", true),
            ("\\D", "777", false),
            ("\\s", "a\tb", true),
            ("\\S", "   ", false),
            ("\\w", "--_--", true),
            ("\\W", "abc_1", false),
            ("\\x3A", "a:b", true),
            ("\\x28", "f(x)", true),
            (
                "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}",
                "from 192.168.0.1:80",
                true,
            ),
            (
                "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}",
                "from 192.168.0:80",
                false,
            ),
            ("[Ee]rror|[Ff]ail", "request failed", true),
            ("[Ee]rror|[Ff]ail", "all good", false),
        ];
        for (re, text, want) in cases {
            assert_eq!(is_match(re, text), want, "%{re}% on {text:?}");
        }
    }

    #[test]
    fn java_details() {
        let cases = [
            ("a{2}", "aa", true),
            ("a{,2}b", "b", true),
            ("a{2,}", "aaaa", true),
            ("a{2,}", "a", false),
            ("x{0}", "", true),
            ("a*?b", "aab", true),
            ("[]a]", "]", true),
            ("[^]a]", "]", false),
            ("[a-]", "-", true),
            ("[\\d_]", "_", true),
            ("[\\]]", "]", true),
            ("end$", "the end\n", true),
            ("end$", "the end\r\n", true),
            ("end$", "the end\n\n", false),
            ("end\\z", "the end\n", false),
            ("\\Aab", "ab", true),
            ("\\Aab", "cab", false),
            ("\\bcat\\b", "a cat!", true),
            ("\\bcat\\b", "concat", false),
            ("\\Bcat", "concat", true),
            ("a.c", "a\nc", false),
            ("a\\nc", "a\nc", true),
            ("", "anything", true),
            ("a|", "zzz", true),
            ("A", "a", false),
            ("caf.", "café", true),
            ("\\-", "-", true),
            ("}", "}", true),
            ("]", "]", true),
        ];
        for (re, text, want) in cases {
            assert_eq!(is_match(re, text), want, "%{re}% on {text:?}");
        }
    }

    #[test]
    fn java_line_terminators() {
        let cases = [
            ("a.c", "a\rc", false),
            ("a.c", "a\u{2028}c", false),
            ("a.c", "a\u{85}c", false),
            ("a.c", "a\tc", true),
            ("end$", "the end\r", true),
            ("end$", "the end\u{2029}", true),
            ("end$", "the end\n\r", false),
            ("end\\Z", "the end\n", true),
            ("end$$", "the end\r\n", true),
            ("end$\\z", "the end\n", false),
            ("end$\\z", "the end", true),
            ("^$", "", true),
            ("^$", "\n", true),
            ("^$", "x", false),
            ("x$|^y", "y", true),
        ];
        for (re, text, want) in cases {
            assert_eq!(is_match(re, text), want, "%{re}% on {text:?}");
        }
    }

    #[test]
    fn escapes_and_classes() {
        let cases = [
            ("\\e", "\x1B", true),
            ("\\a\\f", "\x07\x0C", true),
            ("\\t", "a b", false),
            ("[\\s]", "\x0B", true),
            ("[^\\S]", " ", true),
            ("[\\W]", "_", false),
            ("[\\x41-\\x43]", "B", true),
            ("[\\x41-\\x43]", "D", false),
            ("[[]", "[", true),
            ("[[:]", ":", true),
            ("[--a]", "Z", true),
            ("[a-c-]", "-", true),
            ("a{ 2 , }", "aa", true),
            ("a{2, }", "a", false),
            ("\\#\\ \\:", "# :", true),
            ("#", "#", true),
            ("\\.\\*\\+\\?\\{\\}\\|\\^\\$", ".*+?{}|^$", true),
        ];
        for (re, text, want) in cases {
            assert_eq!(is_match(re, text), want, "%{re}% on {text:?}");
        }
    }

    #[test]
    fn rejected() {
        let cases = [
            ("something!", "Invalid character(s) in term '!'"),
            ("(a)", "Invalid character(s) in term '('"),
            ("\\(", "Invalid character(s) in term '('"),
            ("é", "Invalid character(s) in term 'é'"),
            ("a\"b", "Invalid character(s) in term '\"'"),
            ("\\x{41}", "Invalid metric filter pattern"),
            ("*a", "Invalid metric filter pattern"),
            ("a**", "Invalid metric filter pattern"),
            ("a*+", "Invalid metric filter pattern"),
            ("a{2}{3}", "Invalid metric filter pattern"),
            ("a|*b", "Invalid metric filter pattern"),
            ("a{", "Invalid metric filter pattern"),
            ("a{x}", "Invalid metric filter pattern"),
            ("a{5,3}", "Invalid metric filter pattern"),
            ("a{1001}", "Invalid metric filter pattern"),
            ("[abc", "Invalid metric filter pattern"),
            ("[z-a]", "Invalid metric filter pattern"),
            ("[a-\\d]", "Invalid metric filter pattern"),
            ("[\\b]", "Invalid metric filter pattern"),
            ("\\", "Invalid metric filter pattern"),
            ("\\q", "Invalid metric filter pattern"),
            ("\\v", "Invalid metric filter pattern"),
            ("\\u0041", "Invalid metric filter pattern"),
            ("\\p", "Invalid metric filter pattern"),
            ("\\1", "Invalid metric filter pattern"),
            ("\\xZZ", "Invalid metric filter pattern"),
            ("^*", "Invalid metric filter pattern"),
            ("\\b{2}", "Invalid metric filter pattern"),
            ("$?", "Invalid metric filter pattern"),
            ("a{1000}b{1000}c{1000}", "Invalid metric filter pattern"),
        ];
        for (re, want) in cases {
            let got = Regex::compile(re).map(|_| ()).unwrap_err().to_string();
            assert_eq!(got, want, "%{re}%");
        }
    }

    #[test]
    fn edge_trimming_keeps_meaning() {
        let cases = [
            (".{0,5}x", "x", true),
            ("a*", "", true),
            ("^a*$", "b", false),
            ("^a*$", "aaa", true),
            ("a{2,4}b", "xaab", true),
            ("a{2,4}b", "ab", false),
            ("ba{2,4}", "baa", true),
            ("ba{2,4}", "ba", false),
            ("a+", "", false),
            ("x?\\bcat", "concat", false),
            ("x*y*z", "z", true),
            ("^x{2}$", "xxx", false),
            ("q[a-z]{1,500}[0-9]{1,500}", "qab12", true),
            ("q[a-z]{1,500}[0-9]{1,500}", "q12", false),
        ];
        for (re, text, want) in cases {
            assert_eq!(is_match(re, text), want, "%{re}% on {text:?}");
        }
    }

    #[test]
    fn no_exponential_blowup() {
        let re = Regex::compile("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b").unwrap();
        let text = "a".repeat(20_000);
        assert!(!re.is_match(&text));
        let re = Regex::compile(".{0,500}x{1,500}").unwrap();
        assert!(!re.is_match(&"y".repeat(2_000)));
        assert_eq!(re.source(), ".{0,500}x{1,500}");
        assert!(Regex::compile("q.{0,1000}x{1,1000}q").is_err());
        assert!(Regex::compile(".{0,1000}x{1,1000}").is_ok());
    }

    #[test]
    fn largest_patterns_compile() {
        // Right at the instruction cap.
        assert!(Regex::compile("a{1000}b{23}").is_ok());
        assert!(Regex::compile("a{1000}b{24}").is_err());
        assert!(Regex::compile("a{1000}|b{21}").is_ok());
        assert!(Regex::compile("a{1000}|b{22}").is_err());
        // A class of many ranges, copied as often as the cap allows: the byte size of the
        // compiled form must not be what rejects it.
        let class: String = (0..126u8).map(|b| format!("\\x{:02X}", 2 * b)).collect();
        let re = Regex::compile(&format!("[{class}]{{1000}}")).unwrap();
        assert!(re.is_match(&"\x02".repeat(1000)));
        assert!(!re.is_match(&"\x01".repeat(1000)));
    }
}
