//! Regular expressions for `like /.../`, `=~`, `parse /.../` and `regex_replace`.
//!
//! Logs Insights patterns are Java-flavoured. This module parses a pattern by those
//! rules, which decides what is accepted, and writes an equivalent pattern for
//! `regex_lite`, which does the matching: no backtracking, time linear in the text for a
//! given pattern, and a cap on the compiled size, which bounds the cost per character.
//!
//! Supported syntax: literals, `.`, `[...]` / `[^...]` classes with ranges,
//! `\d \D \w \W \s \S`, `\b \B \A \z \Z`, `^ $`, escapes `\t \n \r \f \v \e \0 \xHH
//! \uHHHH` and escaped punctuation, groups `(...)`, `(?:...)`, named groups
//! `(?<name>...)` / `(?P<name>...)`, inline flags `(?i)`, `(?m)`, `(?s)`, `(?-i)` and
//! scoped `(?i:...)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` with lazy
//! (`?`) and possessive (`+`, treated as greedy) forms; a `{` that does not start a
//! valid bound is a literal.
//!
//! Not supported (rejected here): back-references, look-around, Unicode property
//! classes (`\p{..}`), POSIX bracket classes.
//!
//! The written pattern spells out where the flavours differ: flags are applied atom by
//! atom (`(?s:.)`, `(?m:^)`; under `(?i)` a literal or class lists the chars whose lower
//! or upper case it matches, since `regex_lite` folds ASCII letters only), every literal
//! is a `\x{..}` escape and every group is numbered only. Java's `$` without `(?m)` also holds before a final
//! `\n`; it is written `(?:\z|()\n\z)`, taking that `\n`, and when the empty marker
//! group took part the ends of the match and its groups are moved back before it.

use std::fmt;
use std::sync::OnceLock;

/// Longest pattern accepted, in chars.
const MAX_PATTERN_CHARS: usize = 4_096;
/// Deepest group nesting accepted.
const MAX_GROUP_DEPTH: usize = 64;
/// Largest `{n,m}` bound accepted.
const MAX_REPEAT: u32 = 1_000;
/// Largest pattern accepted, in instructions of a Thompson program: one per literal,
/// class or assertion, two per capture, two per extra branch, and repetitions expanded
/// (`min` copies, then one split and copy per optional copy, or a split, copy and jump
/// to repeat without bound), plus three to save the match and finish.
const MAX_PROGRAM: usize = 20_000;
/// Largest compiled size accepted, in bytes (`regex_lite`'s measure, about 32 bytes per
/// NFA state): a search costs at most text length times NFA size.
const SIZE_LIMIT: usize = 64 << 10;
/// `regex_lite`'s nesting limit, above what [`MAX_GROUP_DEPTH`] groups are written as:
/// each group nests at most four levels (group, alternation, sequence, repetition).
const NEST_LIMIT: u32 = 5 * MAX_GROUP_DEPTH as u32;

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegexError {
    /// Char offset inside the pattern where the problem was found.
    pub(crate) offset: usize,
    /// Human-readable reason.
    pub(crate) reason: &'static str,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.reason, self.offset)
    }
}

/// Lower- and upper-case variants of a char (single-char mappings only).
fn fold_variants(c: char) -> [Option<char>; 2] {
    let mut lower = c.to_lowercase();
    let mut upper = c.to_uppercase();
    let l = match (lower.next(), lower.next()) {
        (Some(l), None) => Some(l),
        _ => None,
    };
    let u = match (upper.next(), upper.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    };
    [l, u]
}

/// `(case variant, char)` for every char whose single-char lower or upper case differs
/// from it, sorted by variant. Every cased char lies below U+20000.
fn case_pairs() -> &'static [(char, char)] {
    static PAIRS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let mut pairs: Vec<(char, char)> = ('\0'..'\u{20000}')
            .flat_map(|c| {
                let variants = fold_variants(c).into_iter().flatten();
                variants.filter(move |&v| v != c).map(move |v| (v, c))
            })
            .collect();
        pairs.sort_unstable();
        pairs
    })
}

/// Under `(?i)` a char matches when it, its lower case or its upper case does; adds to
/// `extra` the chars outside `lo..=hi` that match it that way.
fn fold_into(extra: &mut Vec<char>, lo: char, hi: char) {
    let pairs = case_pairs();
    let start = pairs.partition_point(|&(v, _)| v < lo);
    let end = pairs.partition_point(|&(v, _)| v <= hi);
    let sources = pairs.get(start..end).unwrap_or_default().iter();
    extra.extend(sources.map(|&(_, c)| c).filter(|c| !(lo..=hi).contains(c)));
}

/// Writes a literal: ASCII letters and digits as they are, anything else as `\x{..}`.
fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}

/// Writes chars to go inside a class, each once.
fn push_chars(out: &mut String, mut chars: Vec<char>) {
    chars.sort_unstable();
    chars.dedup();
    for c in chars {
        push_char(out, c);
    }
}

/// What a parsed piece is, as far as a following quantifier is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Nothing (a flag directive such as `(?i)`).
    Empty,
    /// A zero-width assertion.
    Assert,
    /// Already quantified.
    Repeat,
    /// Anything else: a literal, class or group.
    Atom,
}

/// A parsed piece, written as one `regex_lite` item.
struct Piece {
    text: String,
    kind: Kind,
    /// Its size in instructions of a Thompson program (see [`MAX_PROGRAM`]).
    size: usize,
}

impl Piece {
    /// A piece of one instruction, or of none for [`Kind::Empty`].
    fn new(text: impl Into<String>, kind: Kind) -> Self {
        Self {
            text: text.into(),
            kind,
            size: usize::from(kind != Kind::Empty),
        }
    }
}

/// Active inline flags.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    fold: bool,
    multi: bool,
    dotall: bool,
}

/// Recursive-descent parser of pattern text, writing the `regex_lite` pattern.
struct Parser<'p> {
    chars: &'p [char],
    pos: usize,
    flags: Flags,
    /// Groups of the source so far.
    groups: usize,
    names: Vec<(String, usize)>,
    depth: usize,
    /// Groups of the written pattern so far (source groups and `$` markers).
    written_groups: usize,
    /// Written group number of each source group, in order.
    group_index: Vec<usize>,
    /// Written group numbers of the `$` markers.
    markers: Vec<usize>,
}

impl Parser<'_> {
    fn err(&self, reason: &'static str) -> RegexError {
        RegexError {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Branches separated by `|`: the written text and its program size.
    fn parse_alt(&mut self) -> Result<(String, usize), RegexError> {
        let (mut out, mut size) = self.parse_concat()?;
        while self.eat('|') {
            let (branch, branch_size) = self.parse_concat()?;
            out.push('|');
            out.push_str(&branch);
            // A split before the previous branch and a jump after it.
            size = size.saturating_add(branch_size).saturating_add(2);
        }
        Ok((out, size))
    }

    fn parse_concat(&mut self) -> Result<(String, usize), RegexError> {
        let mut out = String::new();
        let mut size: usize = 0;
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.parse_atom()?;
            let piece = self.parse_quantifier(atom)?;
            out.push_str(&piece.text);
            size = size.saturating_add(piece.size);
        }
        Ok((out, size))
    }

    fn parse_quantifier(&mut self, atom: Piece) -> Result<Piece, RegexError> {
        let mut piece = atom;
        loop {
            let start = self.pos;
            let (min, max) = match self.peek() {
                Some('*') => {
                    self.pos += 1;
                    (0, None)
                }
                Some('+') => {
                    self.pos += 1;
                    (1, None)
                }
                Some('?') => {
                    self.pos += 1;
                    (0, Some(1))
                }
                Some('{') => match self.parse_braces()? {
                    Some(bounds) => bounds,
                    None => return Ok(piece),
                },
                _ => return Ok(piece),
            };
            if matches!(piece.kind, Kind::Assert | Kind::Empty) {
                self.pos = start;
                return Err(self.err("nothing to repeat"));
            }
            if piece.kind == Kind::Repeat {
                self.pos = start;
                return Err(self.err("dangling quantifier"));
            }
            let lazy = self.eat('?');
            if !lazy {
                // Possessive `+` is approximated by a greedy repeat.
                self.eat('+');
            }
            piece.text.push_str(&match max {
                None => format!("{{{min},}}"),
                Some(max) => format!("{{{min},{max}}}"),
            });
            // `min` copies, then a loop (split, copy, jump) or optional copies (split, copy).
            let copies = piece.size.saturating_mul(min as usize);
            let rest = match max {
                None => piece.size.saturating_add(2),
                Some(max) => piece
                    .size
                    .saturating_add(1)
                    .saturating_mul(max.saturating_sub(min) as usize),
            };
            piece.size = copies.saturating_add(rest);
            if lazy {
                piece.text.push('?');
            }
            piece.kind = Kind::Repeat;
        }
    }

    /// Parses `{n}`, `{n,}` or `{n,m}`; `None` (position unchanged) when `{`
    /// does not start a valid bound, in which case it is a literal.
    fn parse_braces(&mut self) -> Result<Option<(u32, Option<u32>)>, RegexError> {
        let save = self.pos;
        self.pos += 1;
        let Some(min) = self.parse_int() else {
            self.pos = save;
            return Ok(None);
        };
        let max = if self.eat(',') {
            if self.peek() == Some('}') {
                None
            } else {
                self.parse_int()
            }
        } else {
            Some(min)
        };
        if !self.eat('}') {
            self.pos = save;
            return Ok(None);
        }
        if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
            self.pos = save;
            return Err(self.err("invalid repetition bound"));
        }
        Ok(Some((min, max)))
    }

    fn parse_int(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            self.pos += 1;
        }
        (self.pos > start).then_some(value)
    }

    fn parse_atom(&mut self) -> Result<Piece, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("unexpected end of pattern"));
        };
        self.pos += 1;
        match c {
            '.' if self.flags.dotall => Ok(Piece::new("(?s:.)", Kind::Atom)),
            '.' => Ok(Piece::new(".", Kind::Atom)),
            '^' if self.flags.multi => Ok(Piece::new("(?m:^)", Kind::Assert)),
            '^' => Ok(Piece::new(r"\A", Kind::Assert)),
            '$' if self.flags.multi => Ok(Piece::new("(?m:$)", Kind::Assert)),
            '$' => Ok(self.text_end()),
            '(' => self.parse_group(),
            '[' => self.parse_class(),
            '\\' => self.parse_escape(),
            '*' | '+' | '?' => {
                self.pos -= 1;
                Err(self.err("nothing to repeat"))
            }
            _ => Ok(self.literal(c)),
        }
    }

    /// `$` without `(?m)`, or `\Z`: end of text, or just before a final `\n`. Written as
    /// taking that `\n`, with a marker group to tell that it did (see the module docs).
    fn text_end(&mut self) -> Piece {
        self.written_groups += 1;
        self.markers.push(self.written_groups);
        Piece::new(r"(?:\z|()\n\z)", Kind::Assert)
    }

    /// A literal char under the current flags.
    fn literal(&self, c: char) -> Piece {
        let mut out = String::new();
        let mut extra = Vec::new();
        if self.flags.fold {
            fold_into(&mut extra, c, c);
        }
        if extra.is_empty() {
            push_char(&mut out, c);
        } else {
            out.push('[');
            push_char(&mut out, c);
            push_chars(&mut out, extra);
            out.push(']');
        }
        Piece::new(out, Kind::Atom)
    }

    fn parse_group(&mut self) -> Result<Piece, RegexError> {
        if self.depth >= MAX_GROUP_DEPTH {
            return Err(self.err("groups nested too deeply"));
        }
        let saved_flags = self.flags;
        let mut capture = false;
        if self.eat('?') {
            match self.peek() {
                Some(':') => self.pos += 1,
                Some('<') | Some('P') => {
                    if self.peek() == Some('P') {
                        self.pos += 1;
                    }
                    if !self.eat('<') {
                        return Err(self.err("invalid group"));
                    }
                    if matches!(self.peek(), Some('=') | Some('!')) {
                        return Err(self.err("look-behind is not supported"));
                    }
                    let name = self.parse_group_name()?;
                    self.open_capture();
                    self.names.push((name, self.groups));
                    capture = true;
                }
                Some('=') | Some('!') => return Err(self.err("look-ahead is not supported")),
                _ => {
                    // Inline flags: (?imsx-imsx) or (?imsx-imsx:...)
                    let mut on = true;
                    loop {
                        match self.peek() {
                            Some('i') => self.flags.fold = on,
                            Some('m') => self.flags.multi = on,
                            Some('s') => self.flags.dotall = on,
                            Some('u') | Some('U') | Some('d') => {}
                            Some('-') if on => on = false,
                            Some(')') => {
                                // Flags apply to the rest of the enclosing group.
                                self.pos += 1;
                                return Ok(Piece::new("", Kind::Empty));
                            }
                            Some(':') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.err("invalid inline flag")),
                        }
                        self.pos += 1;
                    }
                }
            }
        } else {
            self.open_capture();
            capture = true;
        }
        self.depth += 1;
        let (inner, size) = self.parse_alt()?;
        self.depth -= 1;
        if !self.eat(')') {
            return Err(self.err("missing closing parenthesis"));
        }
        self.flags = saved_flags;
        let open = if capture { "(" } else { "(?:" };
        Ok(Piece {
            text: format!("{open}{inner})"),
            kind: Kind::Atom,
            // A capture saves its start and end.
            size: size.saturating_add(if capture { 2 } else { 0 }),
        })
    }

    /// Numbers a capturing group of the source and of the written pattern.
    fn open_capture(&mut self) {
        self.groups += 1;
        self.written_groups += 1;
        self.group_index.push(self.written_groups);
    }

    fn parse_group_name(&mut self) -> Result<String, RegexError> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '>' {
                self.pos += 1;
                if name.is_empty() {
                    return Err(self.err("empty group name"));
                }
                return Ok(name);
            }
            if !(c.is_ascii_alphanumeric() || c == '_') || (name.is_empty() && c.is_ascii_digit()) {
                return Err(self.err("invalid group name"));
            }
            name.push(c);
            self.pos += 1;
        }
        Err(self.err("unterminated group name"))
    }

    fn parse_escape(&mut self) -> Result<Piece, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("trailing backslash"));
        };
        self.pos += 1;
        Ok(match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => Piece::new(format!("\\{c}"), Kind::Atom),
            'b' | 'B' | 'A' | 'z' => Piece::new(format!("\\{c}"), Kind::Assert),
            'Z' => self.text_end(),
            _ => {
                let lit = self.escaped_char(c)?;
                self.literal(lit)
            }
        })
    }

    /// The literal char an escape sequence (after the backslash) stands for.
    fn escaped_char(&mut self, c: char) -> Result<char, RegexError> {
        Ok(match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\x0c',
            'v' => '\x0b',
            'e' => '\x1b',
            'a' => '\x07',
            '0' => '\0',
            'x' => self.parse_hex(2)?,
            'u' => self.parse_hex(4)?,
            c if c.is_ascii_alphanumeric() => {
                self.pos -= 1;
                return Err(self.err("unsupported escape sequence"));
            }
            c => c,
        })
    }

    fn parse_hex(&mut self, digits: usize) -> Result<char, RegexError> {
        let mut value = 0u32;
        for _ in 0..digits {
            let Some(d) = self.peek().and_then(|c| c.to_digit(16)) else {
                return Err(self.err("invalid hex escape"));
            };
            value = value * 16 + d;
            self.pos += 1;
        }
        char::from_u32(value).ok_or_else(|| self.err("invalid hex escape"))
    }

    /// A class after its `[`.
    fn parse_class(&mut self) -> Result<Piece, RegexError> {
        let fold = self.flags.fold;
        let mut extra = Vec::new();
        let mut out = String::from("[");
        if self.eat('^') {
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated character class"));
            };
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if c == '[' {
                return Err(self.err("nested character classes are not supported"));
            }
            self.pos += 1;
            let lo = if c == '\\' {
                let Some(e) = self.peek() else {
                    return Err(self.err("trailing backslash"));
                };
                self.pos += 1;
                match e {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        out.push('\\');
                        out.push(e);
                        // Only `\w` has letters, whose variants may lie outside it.
                        if fold && e == 'w' {
                            for (lo, hi) in [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')] {
                                fold_into(&mut extra, lo, hi);
                            }
                        }
                        continue;
                    }
                    'b' => '\x08',
                    other => self.escaped_char(other)?,
                }
            } else {
                c
            };
            push_char(&mut out, lo);
            // A range `lo-hi`, unless `-` is the last char of the class.
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                self.pos += 1;
                let Some(h) = self.peek() else {
                    return Err(self.err("unterminated character class"));
                };
                self.pos += 1;
                let hi = if h == '\\' {
                    let Some(e) = self.peek() else {
                        return Err(self.err("trailing backslash"));
                    };
                    self.pos += 1;
                    self.escaped_char(e)?
                } else {
                    h
                };
                if hi < lo {
                    return Err(self.err("invalid class range"));
                }
                out.push('-');
                push_char(&mut out, hi);
                if fold {
                    fold_into(&mut extra, lo, hi);
                }
            } else if fold {
                fold_into(&mut extra, lo, lo);
            }
        }
        push_chars(&mut out, extra);
        out.push(']');
        Ok(Piece::new(out, Kind::Atom))
    }
}

/// A compiled regular expression.
#[derive(Clone)]
pub(crate) struct Regex {
    source: String,
    inner: regex_lite::Regex,
    /// Group number in `inner` of each group of the source, in order.
    group_index: Vec<usize>,
    /// Group numbers in `inner` of the `$` markers.
    markers: Vec<usize>,
    names: Vec<(String, usize)>,
}

impl fmt::Debug for Regex {
    // The source says all there is to say.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Regex").field(&self.source).finish()
    }
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Capture positions of one match, as byte ranges into the searched text.
pub(crate) type Captures = Vec<Option<(usize, usize)>>;

impl Regex {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<Regex, RegexError> {
        let chars: Vec<char> = pattern.chars().collect();
        if chars.len() > MAX_PATTERN_CHARS {
            return Err(RegexError {
                offset: MAX_PATTERN_CHARS,
                reason: "pattern too long",
            });
        }
        let mut parser = Parser {
            chars: &chars,
            pos: 0,
            flags: Flags::default(),
            groups: 0,
            names: Vec::new(),
            depth: 0,
            written_groups: 0,
            group_index: Vec::new(),
            markers: Vec::new(),
        };
        let (written, size) = parser.parse_alt()?;
        if parser.pos < chars.len() {
            return Err(parser.err("unmatched closing parenthesis"));
        }
        // Saving the match's start and end, and the final match instruction.
        if size.saturating_add(3) > MAX_PROGRAM {
            return Err(RegexError {
                offset: 0,
                reason: "pattern too large",
            });
        }
        let inner = regex_lite::RegexBuilder::new(&written)
            .size_limit(SIZE_LIMIT)
            .nest_limit(NEST_LIMIT)
            .build()
            .map_err(|_| RegexError {
                offset: 0,
                reason: "pattern too large",
            })?;
        Ok(Regex {
            source: pattern.to_string(),
            inner,
            group_index: parser.group_index,
            markers: parser.markers,
            names: parser.names,
        })
    }

    /// The pattern text this regex was compiled from.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Named groups and their group numbers, in pattern order.
    pub(crate) fn names(&self) -> &[(String, usize)] {
        &self.names
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.inner.is_match(text)
    }

    /// Leftmost-first match in `text`: group 0 is the whole match.
    pub(crate) fn captures(&self, text: &str) -> Option<Captures> {
        self.captures_at(text, 0)
    }

    /// Leftmost-first match starting at byte offset `start` (a char boundary); what is
    /// before `start` still counts for `^`, `\b` and the like.
    fn captures_at(&self, text: &str, start: usize) -> Option<Captures> {
        let mut locs = self.inner.capture_locations();
        self.inner.captures_read_at(&mut locs, text, start)?;
        // A `$` that held before the final `\n` took it; every end moves back before it.
        let took_newline = self.markers.iter().any(|&m| locs.get(m).is_some());
        let end = if took_newline {
            text.len().saturating_sub(1)
        } else {
            text.len()
        };
        let groups = std::iter::once(0).chain(self.group_index.iter().copied());
        Some(
            groups
                .map(|i| locs.get(i).map(|(s, e)| (s.min(end), e.min(end))))
                .collect(),
        )
    }

    /// Replaces every non-overlapping match with `replacement` (taken literally). An
    /// empty match right after another match is replaced too, as in Java.
    pub(crate) fn replace_all(&self, text: &str, replacement: &str) -> String {
        let mut out = String::new();
        let mut last = 0;
        let mut from = 0;
        while from <= text.len() {
            let Some(Some((s, e))) = self
                .captures_at(text, from)
                .and_then(|c| c.first().copied())
            else {
                break;
            };
            out.push_str(text.get(last..s).unwrap_or(""));
            out.push_str(replacement);
            last = e;
            from = if e > s {
                e
            } else {
                // Step over one char after an empty match.
                e + text
                    .get(e..)
                    .and_then(|t| t.chars().next())
                    .map_or(1, char::len_utf8)
            };
        }
        out.push_str(text.get(last..).unwrap_or(""));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        Regex::new(p).unwrap()
    }

    fn find(p: &str, t: &str) -> Option<String> {
        let caps = re(p).captures(t)?;
        let (s, e) = caps[0]?;
        Some(t[s..e].to_string())
    }

    #[test]
    fn literals_and_search() {
        assert!(re("Exception").is_match("java.lang.Exception: boom"));
        assert!(!re("Exception").is_match("java.lang.exception"));
        assert_eq!(find("b+", "aabbbc").as_deref(), Some("bbb"));
        assert!(re("").is_match("anything"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(re(r"2\d\d").is_match("status 204 ok"));
        assert!(!re(r"^2\d\d$").is_match("2044"));
        assert!(re(r"[a-c]x[^0-9]").is_match("zzbxq"));
        assert!(!re(r"[a-c]x[^0-9]").is_match("bx9"));
        assert!(re(r"\w+\s\S").is_match("ab c"));
        assert!(re(r"a\.b").is_match("a.b"));
        assert!(!re(r"a\.b").is_match("axb"));
        assert!(re(r"[\d.]+").is_match("1.5"));
        assert!(re(r"\x41\u0042").is_match("AB"));
        assert!(re(r"[-a]").is_match("-"));
        assert!(re(r"[a-]").is_match("-"));
        assert!(re(r"[]]").is_match("]"));
    }

    #[test]
    fn anchors_and_boundaries() {
        assert!(re("^abc$").is_match("abc"));
        assert!(re("^abc$").is_match("abc\n"));
        assert!(!re("^abc$").is_match("xabc"));
        assert!(re("(?m)^b$").is_match("a\nb\nc"));
        assert!(!re("^b$").is_match("a\nb\nc"));
        assert!(re(r"\bcat\b").is_match("a cat!"));
        assert!(!re(r"\bcat\b").is_match("concat"));
        assert!(re(r"\Bcat").is_match("concat"));
    }

    #[test]
    fn case_insensitive_flags() {
        assert!(re("(?i)exception").is_match("EXCEPTION"));
        assert!(re("^(?i)Exception$").is_match("eXcEpTiOn"));
        assert!(!re("a(?i:b)c").is_match("aBC"));
        assert!(re("a(?i:b)c").is_match("aBc"));
        assert!(re("(?i)[a-c]").is_match("B"));
        assert!(!re("(?i)(?-i)a").is_match("A"));
    }

    #[test]
    fn quantifiers_greedy_and_lazy() {
        assert_eq!(find("a.*b", "a1b2b").as_deref(), Some("a1b2b"));
        assert_eq!(find("a.*?b", "a1b2b").as_deref(), Some("a1b"));
        assert_eq!(find("x{2,3}", "xxxxx").as_deref(), Some("xxx"));
        assert_eq!(find("x{2,3}?", "xxxxx").as_deref(), Some("xx"));
        assert_eq!(find("x{2}", "xxxxx").as_deref(), Some("xx"));
        assert_eq!(find("x{2,}", "xxxxx").as_deref(), Some("xxxxx"));
        assert_eq!(find("colou?r", "color").as_deref(), Some("color"));
        assert_eq!(find("a{,2}", "a{,2}").as_deref(), Some("a{,2}"));
    }

    #[test]
    fn alternation_is_leftmost_first() {
        assert_eq!(find("ab|a", "ab").as_deref(), Some("ab"));
        assert_eq!(find("a|ab", "ab").as_deref(), Some("a"));
        assert_eq!(find("(GET|POST) /", "x POST /y").as_deref(), Some("POST /"));
    }

    #[test]
    fn named_groups() {
        let r = re(r"(?<user>\w+)@(?P<host>[a-z.]+)");
        assert_eq!(
            r.names(),
            &[("user".to_string(), 1), ("host".to_string(), 2)]
        );
        let text = "mail bob@example.com now";
        let caps = r.captures(text).unwrap();
        let (s, e) = caps[1].unwrap();
        assert_eq!(&text[s..e], "bob");
        let (s, e) = caps[2].unwrap();
        assert_eq!(&text[s..e], "example.com");
    }

    #[test]
    fn unicode_text_offsets_are_bytes() {
        let text = "héllo wörld";
        let caps = re("w(ö)r").captures(text).unwrap();
        let (s, e) = caps[1].unwrap();
        assert_eq!(&text[s..e], "ö");
    }

    #[test]
    fn replace_all_handles_empty_matches() {
        assert_eq!(re("o").replace_all("foo", "0"), "f00");
        assert_eq!(re("x*").replace_all("ab", "-"), "-a-b-");
        assert_eq!(re(r"\d+").replace_all("a1b22c", "#"), "a#b#c");
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let text = "a".repeat(5_000);
        assert!(!re("(a*)*b").is_match(&text));
        assert!(!re("(a|aa)+$x").is_match(&text));
        assert!(re("(x+x+)+y|a$").is_match(&text));
    }

    #[test]
    fn rejects_unsupported_or_broken_patterns() {
        for bad in [
            "(", ")", "a)", "[a", "*a", "a**", r"\1", "(?=a)", "(?<!a)", r"\p{L}", "x{5,2}",
            "(?<>a)", "a\\", "[z-a]",
        ] {
            assert!(Regex::new(bad).is_err(), "{bad}");
        }
        let deep = "(".repeat(100) + &")".repeat(100);
        assert!(Regex::new(&deep).is_err());
        assert!(Regex::new("(a{1000}){1000}").is_err());
    }

    #[test]
    fn size_caps() {
        // `+` copies what it repeats once before looping, so nesting it doubles the size.
        let nested = |q: &str| "(".repeat(20) + "a" + &format!("){q}").repeat(20);
        assert!(Regex::new(&nested("*")).is_ok());
        assert!(Regex::new(&nested("+")).is_err());
        // Within the instruction cap but over the compiled-size limit.
        assert!(Regex::new(".{0,500}").is_ok());
        assert!(Regex::new(r"\d{1,1000}").is_err());
        // Matching time stays linear in the text for the largest accepted patterns.
        let text = "y".repeat(20_000);
        assert!(!re("y.{0,500}x").is_match(&text));
    }

    #[test]
    fn java_rules_where_regex_lite_differs() {
        // Accepted here, with the Java meaning.
        assert!(re(r"\e\0\v").is_match("\x1b\0\x0b"));
        assert!(re(r"a\<b\>").is_match("a<b>"));
        assert!(re(r"[\b-c]").is_match("\x08"));
        assert!(re(r"\b{start}").is_match("x{start}"));
        assert!(re("{2}").is_match("{2}"));
        assert!(re("a{2,x}").is_match("a{2,x}"));
        assert!(re("[a&&b]").is_match("&"));
        assert!(re("[a~~b]").is_match("~"));
        assert!(re("[--/]").is_match("."));
        assert!(re("(?)a(?-)b(?ii)c(?i-i)d(?U)e(?d)f").is_match("abcdef"));
        assert!(re("(?<n>a)(?<n>b)").is_match("ab"));
        assert!(re("a*+b").is_match("aab"));
        assert!(re("# x").is_match("# x"));
        // Rejected here, though regex_lite would take them.
        for bad in [
            r"\x{41}",
            r"\u{41}",
            r"\U00000041",
            "[[:alpha:]]",
            "[[:]",
            "(?x)a",
            "(?R)a",
            "a{2}{3}",
            "a*?*",
            "^*",
            r"\b+",
            "(?i)*",
            "a{1001}",
            "(?<a.b>x)",
            "(?<é>x)",
            r"\k<n>",
        ] {
            assert!(Regex::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dollar_before_a_final_newline() {
        let text = "done in 5 ms\n";
        let r = re(r"(?<n>\d+) (?<unit>\w+)$");
        let caps = r.captures(text).unwrap();
        assert_eq!(caps[0], Some((8, 12)));
        assert_eq!(caps[2], Some((10, 12)));
        assert_eq!(find("(?<all>.*$)", "ab\n").as_deref(), Some("ab"));
        assert_eq!(
            re(r"(?<all>.*$)").captures("ab\n").unwrap()[1],
            Some((0, 2))
        );
        assert_eq!(re("x$").replace_all("x\n", "y"), "y\n");
        assert_eq!(re("$").replace_all("a\n", "#"), "a#\n#");
        assert_eq!(re(r"\Z").replace_all("a\n", "#"), "a#\n#");
        assert!(!re("a$").is_match("a\n\n"));
        assert!(!re(r"a\z").is_match("a\n"));
        assert!(re("(?m)a$").is_match("a\n\n"));
        assert_eq!(find("(?s)a.*$", "ab\n").as_deref(), Some("ab\n"));
        assert_eq!(find("(?s)a.*?$", "ab\n").as_deref(), Some("ab"));
    }

    #[test]
    fn case_folding_is_unicode() {
        assert!(re("(?i)münchen").is_match("MÜNCHEN"));
        assert!(re("(?i)ΣΟΦΊΑ").is_match("σοφία"));
        assert!(!re("münchen").is_match("MÜNCHEN"));
        assert!(re("(?i)[x-z]").is_match("Y"));
        assert!(re("(?i)[à-ö]").is_match("É"));
        assert!(re("(?i)[^à-ö]").is_match("Ø"));
        assert!(!re("(?i)[^à-ö]").is_match("É"));
        assert!(re("(?i)x[é]").is_match("XÉ"));
        // Folding matches a char whose lower or upper case matches, nothing more.
        assert!(re("(?i)ß").is_match("ẞ"));
        assert!(re("(?i)Σ").is_match("ς"));
        assert!(!re("(?i)σ").is_match("ς"));
        assert!(re("(?i)k").is_match("\u{212A}"));
        assert!(re(r"(?i)[\w]").is_match("\u{17F}"));
        assert!(!re(r"(?i)\w").is_match("\u{17F}"));
    }

    #[test]
    fn deepest_accepted_nesting_compiles() {
        // The innermost group sits at the greatest depth allowed.
        let leaf = r"(?i)(a.$\Z)";
        let outer = MAX_GROUP_DEPTH - 1;
        for (open, close) in [
            ("(", ")*"),
            ("(?:", "|a)*?"),
            ("(?i:(?s)", "$)"),
            ("(?<g>", r"\Z)"),
            ("(a", "*|b)"),
        ] {
            let p = open.repeat(outer) + leaf + &close.repeat(outer);
            assert!(Regex::new(&p).is_ok(), "{p}");
            let p = open.repeat(outer + 1) + leaf + &close.repeat(outer + 1);
            assert!(Regex::new(&p).is_err(), "{p}");
        }
    }
}
