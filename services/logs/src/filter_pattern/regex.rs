//! The `%regex%` subset CloudWatch Logs accepts, compiled and matched here.
//!
//! AWS documents a small, group-free language: literals, `.`, `[...]` classes, `^` `$`,
//! `?` `*` `+` `{m,n}`, top-level `|`, `\` escapes and `\d \D \s \S \w \W \xhh`. Only
//! ASCII letters, digits, space, `: _ # = @ / ; , -` and those operators may appear; `(`
//! and `)` are refused even when escaped (use `\x28`). Semantics follow Java's regex
//! (which AWS runs): case-sensitive, unanchored search, `.` stops at line terminators.
//!
//! Without groups a pattern is an alternation of quantified atoms, compiled to a Pike VM
//! program; matching costs at most input length × program size, and the program size is
//! capped, so no pattern can make matching slow or deep.

use super::PatternError;

/// Largest program a pattern may compile to; counted repetition is expanded, so this
/// bounds both memory and the per-character cost of matching.
const MAX_INSTS: usize = 1024;
/// Largest bound accepted in `{m,n}`.
const MAX_REPEAT: u32 = 1000;

/// A compiled `%regex%`.
#[derive(Clone)]
pub(crate) struct Regex {
    source: String,
    prog: Vec<Inst>,
}

impl std::fmt::Debug for Regex {
    // The source says more than the compiled program.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Inst {
    Char(char),
    Any,
    Class(ClassSet),
    Assert(Assertion),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Assertion {
    /// `^`: start of input (Java without MULTILINE).
    Start,
    /// `$` or `\Z`: end of input, or just before a final line terminator.
    End,
    /// `\A`
    InputStart,
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
        let prog = compile(&alternatives)?;
        Ok(Self {
            source: body.to_owned(),
            prog,
        })
    }

    /// The body as written, without the `%` delimiters.
    #[cfg(test)]
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let mut vm = Vm {
            prog: &self.prog,
            chars: &chars,
            stamp: vec![0; self.prog.len()],
            stack: Vec::new(),
        };
        let mut current = Vec::new();
        let mut next = Vec::new();
        for pos in 0..=chars.len() {
            // A fresh thread at every position makes the search unanchored.
            if vm.add(&mut current, 0, pos) {
                return true;
            }
            let Some(&c) = chars.get(pos) else { break };
            next.clear();
            for &pc in &current {
                let consumes = match self.prog.get(pc) {
                    Some(Inst::Char(want)) => *want == c,
                    Some(Inst::Any) => !is_line_terminator(c),
                    Some(Inst::Class(set)) => set.contains(c),
                    _ => false,
                };
                if consumes && vm.add(&mut next, pc + 1, pos + 1) {
                    return true;
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        false
    }
}

/// Characters AWS lets a regex contain.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || " :_#=@/;,-^$?[]{}|\\*+.".contains(c)
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl ClassSet {
    fn single(item: ClassItem) -> Self {
        Self {
            negated: false,
            items: vec![item],
        }
    }

    fn contains(&self, c: char) -> bool {
        let hit = self.items.iter().any(|item| match *item {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Digit(neg) => c.is_ascii_digit() != neg,
            ClassItem::Space(neg) => matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r') != neg,
            ClassItem::Word(neg) => is_word(c) != neg,
        });
        hit != self.negated
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
        'A' => Atom::Assert(Assertion::InputStart),
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

fn compile(alternatives: &[Vec<Piece>]) -> Result<Vec<Inst>, PatternError> {
    let mut prog = Vec::new();
    let mut exits = Vec::new();
    let count = alternatives.len();
    for (n, branch) in alternatives.iter().enumerate() {
        let last = n + 1 == count;
        let split = prog.len();
        if !last {
            push(&mut prog, Inst::Split(0, 0))?;
        }
        for piece in branch {
            emit_piece(&mut prog, piece)?;
        }
        if !last {
            exits.push(prog.len());
            push(&mut prog, Inst::Jmp(0))?;
            let after = prog.len();
            patch(&mut prog, split, Inst::Split(split + 1, after));
        }
    }
    let end = prog.len();
    for exit in exits {
        patch(&mut prog, exit, Inst::Jmp(end));
    }
    push(&mut prog, Inst::Match)?;
    Ok(prog)
}

fn emit_piece(prog: &mut Vec<Inst>, piece: &Piece) -> Result<(), PatternError> {
    for _ in 0..piece.min {
        emit_atom(prog, &piece.atom)?;
    }
    match piece.max {
        None => {
            let split = prog.len();
            push(prog, Inst::Split(0, 0))?;
            emit_atom(prog, &piece.atom)?;
            push(prog, Inst::Jmp(split))?;
            let after = prog.len();
            patch(prog, split, Inst::Split(split + 1, after));
        }
        Some(max) => {
            for _ in piece.min..max {
                let split = prog.len();
                push(prog, Inst::Split(0, 0))?;
                emit_atom(prog, &piece.atom)?;
                let after = prog.len();
                patch(prog, split, Inst::Split(split + 1, after));
            }
        }
    }
    Ok(())
}

fn emit_atom(prog: &mut Vec<Inst>, atom: &Atom) -> Result<(), PatternError> {
    let inst = match atom {
        Atom::Char(c) => Inst::Char(*c),
        Atom::Any => Inst::Any,
        Atom::Class(set) => Inst::Class(set.clone()),
        Atom::Assert(a) => Inst::Assert(*a),
    };
    push(prog, inst)
}

fn push(prog: &mut Vec<Inst>, inst: Inst) -> Result<(), PatternError> {
    if prog.len() >= MAX_INSTS {
        return Err(PatternError::invalid_pattern());
    }
    prog.push(inst);
    Ok(())
}

fn patch(prog: &mut [Inst], at: usize, inst: Inst) {
    if let Some(slot) = prog.get_mut(at) {
        *slot = inst;
    }
}

/// Pike VM state for one search.
struct Vm<'a> {
    prog: &'a [Inst],
    chars: &'a [char],
    /// `stamp[pc] == pos + 1` once `pc` is queued for position `pos`, so each
    /// instruction runs at most once per position.
    stamp: Vec<usize>,
    stack: Vec<usize>,
}

impl Vm<'_> {
    /// Queues `pc` for position `pos`, following jumps and assertions; returns true as
    /// soon as a `Match` is reachable.
    fn add(&mut self, list: &mut Vec<usize>, pc: usize, pos: usize) -> bool {
        // Fast path: most targets consume a character and need no closure walk.
        if let Some(Inst::Char(_) | Inst::Any | Inst::Class(_)) = self.prog.get(pc) {
            if let Some(mark) = self.stamp.get_mut(pc)
                && *mark != pos + 1
            {
                *mark = pos + 1;
                list.push(pc);
            }
            return false;
        }
        self.stack.clear();
        self.stack.push(pc);
        while let Some(pc) = self.stack.pop() {
            match self.stamp.get_mut(pc) {
                Some(mark) if *mark != pos + 1 => *mark = pos + 1,
                _ => continue,
            }
            match self.prog.get(pc) {
                Some(Inst::Jmp(to)) => self.stack.push(*to),
                Some(Inst::Split(a, b)) => {
                    self.stack.push(*b);
                    self.stack.push(*a);
                }
                Some(Inst::Assert(a)) if self.holds(*a, pos) => self.stack.push(pc + 1),
                Some(Inst::Assert(_)) | None => {}
                Some(Inst::Match) => return true,
                Some(_) => list.push(pc),
            }
        }
        false
    }

    fn holds(&self, assertion: Assertion, pos: usize) -> bool {
        let len = self.chars.len();
        let at = |k: usize| self.chars.get(k).copied();
        let before = pos.checked_sub(1).and_then(at);
        match assertion {
            Assertion::Start | Assertion::InputStart => pos == 0,
            Assertion::InputEnd => pos == len,
            Assertion::End => {
                pos == len
                    || (pos + 1 == len && at(pos).is_some_and(is_line_terminator))
                    || (pos + 2 == len && at(pos) == Some('\r') && at(pos + 1) == Some('\n'))
            }
            Assertion::WordBoundary | Assertion::NotWordBoundary => {
                let boundary = before.is_some_and(is_word) != at(pos).is_some_and(is_word);
                boundary == (assertion == Assertion::WordBoundary)
            }
        }
    }
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
    fn rejected() {
        let cases = [
            ("something!", "Invalid character(s) in term '!'"),
            ("(a)", "Invalid character(s) in term '('"),
            ("\\(", "Invalid character(s) in term '('"),
            ("é", "Invalid character(s) in term 'é'"),
            ("a\"b", "Invalid character(s) in term '\"'"),
            ("*a", "Invalid metric filter pattern"),
            ("a**", "Invalid metric filter pattern"),
            ("a*+", "Invalid metric filter pattern"),
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
            ("\\1", "Invalid metric filter pattern"),
            ("\\xZZ", "Invalid metric filter pattern"),
            ("^*", "Invalid metric filter pattern"),
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
}
