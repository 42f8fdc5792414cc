//! A small regular-expression engine for `like /.../`, `=~` and `parse /.../`.
//!
//! Patterns are parsed into a syntax tree, compiled to a program and run on a
//! Pike VM (Thompson NFA simulation with capture slots). Matching is linear in
//! the input for a given pattern, so no pattern can backtrack catastrophically,
//! and every search additionally stops after a fixed step budget.
//!
//! Supported syntax (Java-flavoured, as Logs Insights uses):
//! literals, `.`, `[...]` / `[^...]` classes with ranges, `\d \D \w \W \s \S`,
//! `\b \B \A \z \Z`, `^ $`, escapes `\t \n \r \f \v \e \0 \xHH \uHHHH` and escaped
//! punctuation, groups `(...)`, `(?:...)`, named groups `(?<name>...)` /
//! `(?P<name>...)`, inline flags `(?i)`, `(?m)`, `(?s)`, `(?x)`-less `(?-i)` and
//! scoped `(?i:...)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` with
//! lazy (`?`) and possessive (`+`, treated as greedy) forms.
//!
//! Not supported (rejected at compile time): back-references, look-around,
//! Unicode property classes (`\p{..}`), POSIX bracket classes.

use std::fmt;

/// Longest pattern accepted, in chars.
const MAX_PATTERN_CHARS: usize = 4_096;
/// Largest compiled program accepted, in instructions.
const MAX_PROGRAM: usize = 20_000;
/// Deepest group nesting accepted.
const MAX_GROUP_DEPTH: usize = 64;
/// Largest `{n,m}` bound accepted.
const MAX_REPEAT: u32 = 1_000;
/// Work budget of one search (thread steps); past it the search reports no match.
const STEP_BUDGET: usize = 20_000_000;

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

/// One item of a character class.
#[derive(Debug, Clone, PartialEq)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

/// A character class: items, negation and case folding.
#[derive(Debug, Clone, PartialEq)]
struct Class {
    items: Vec<ClassItem>,
    negated: bool,
    fold: bool,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        let hit = if self.fold {
            self.hit(c) || fold_variants(c).into_iter().flatten().any(|v| self.hit(v))
        } else {
            self.hit(c)
        };
        hit != self.negated
    }

    fn hit(&self, c: char) -> bool {
        self.items.iter().any(|item| match *item {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Digit(neg) => c.is_ascii_digit() != neg,
            ClassItem::Word(neg) => is_word(c) != neg,
            ClassItem::Space(neg) => is_space(c) != neg,
        })
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

fn chars_eq(a: char, b: char, fold: bool) -> bool {
    if a == b {
        return true;
    }
    fold && fold_variants(a).contains(&Some(b))
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Zero-width assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assertion {
    LineStart { multi: bool },
    LineEnd { multi: bool },
    TextStart,
    TextEnd,
    TextEndBeforeNewline,
    WordBoundary,
    NotWordBoundary,
}

/// Syntax tree of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Empty,
    Char {
        c: char,
        fold: bool,
    },
    Any {
        dotall: bool,
    },
    Class(Class),
    Assert(Assertion),
    Group {
        node: Box<Node>,
        capture: Option<usize>,
    },
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
}

/// Active inline flags.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    fold: bool,
    multi: bool,
    dotall: bool,
}

/// Recursive-descent parser of pattern text.
struct Parser<'p> {
    chars: &'p [char],
    pos: usize,
    flags: Flags,
    groups: usize,
    names: Vec<(String, usize)>,
    depth: usize,
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

    fn parse_alt(&mut self) -> Result<Node, RegexError> {
        let mut branches = vec![self.parse_concat()?];
        while self.eat('|') {
            branches.push(self.parse_concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn parse_concat(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.parse_atom()?;
            let atom = self.parse_quantifier(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn parse_quantifier(&mut self, atom: Node) -> Result<Node, RegexError> {
        let mut node = atom;
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
                    None => return Ok(node),
                },
                _ => return Ok(node),
            };
            if matches!(node, Node::Assert(_) | Node::Empty) {
                self.pos = start;
                return Err(self.err("nothing to repeat"));
            }
            if matches!(node, Node::Repeat { .. }) {
                self.pos = start;
                return Err(self.err("dangling quantifier"));
            }
            let greedy = if self.eat('?') {
                false
            } else {
                // Possessive `+` is approximated by a greedy repeat.
                self.eat('+');
                true
            };
            node = Node::Repeat {
                node: Box::new(node),
                min,
                max,
                greedy,
            };
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

    fn parse_atom(&mut self) -> Result<Node, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("unexpected end of pattern"));
        };
        self.pos += 1;
        match c {
            '.' => Ok(Node::Any {
                dotall: self.flags.dotall,
            }),
            '^' => Ok(Node::Assert(Assertion::LineStart {
                multi: self.flags.multi,
            })),
            '$' => Ok(Node::Assert(Assertion::LineEnd {
                multi: self.flags.multi,
            })),
            '(' => self.parse_group(),
            '[' => self.parse_class().map(Node::Class),
            '\\' => self.parse_escape(),
            '*' | '+' | '?' => {
                self.pos -= 1;
                Err(self.err("nothing to repeat"))
            }
            _ => Ok(Node::Char {
                c,
                fold: self.flags.fold,
            }),
        }
    }

    fn parse_group(&mut self) -> Result<Node, RegexError> {
        if self.depth >= MAX_GROUP_DEPTH {
            return Err(self.err("groups nested too deeply"));
        }
        let saved_flags = self.flags;
        let mut capture = None;
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
                    self.groups += 1;
                    capture = Some(self.groups);
                    self.names.push((name, self.groups));
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
                                return Ok(Node::Empty);
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
            self.groups += 1;
            capture = Some(self.groups);
        }
        self.depth += 1;
        let inner = self.parse_alt()?;
        self.depth -= 1;
        if !self.eat(')') {
            return Err(self.err("missing closing parenthesis"));
        }
        self.flags = saved_flags;
        Ok(Node::Group {
            node: Box::new(inner),
            capture,
        })
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

    fn parse_escape(&mut self) -> Result<Node, RegexError> {
        let Some(c) = self.peek() else {
            return Err(self.err("trailing backslash"));
        };
        self.pos += 1;
        let fold = self.flags.fold;
        let class = |item| {
            Node::Class(Class {
                items: vec![item],
                negated: false,
                fold: false,
            })
        };
        Ok(match c {
            'd' => class(ClassItem::Digit(false)),
            'D' => class(ClassItem::Digit(true)),
            'w' => class(ClassItem::Word(false)),
            'W' => class(ClassItem::Word(true)),
            's' => class(ClassItem::Space(false)),
            'S' => class(ClassItem::Space(true)),
            'b' => Node::Assert(Assertion::WordBoundary),
            'B' => Node::Assert(Assertion::NotWordBoundary),
            'A' => Node::Assert(Assertion::TextStart),
            'z' => Node::Assert(Assertion::TextEnd),
            'Z' => Node::Assert(Assertion::TextEndBeforeNewline),
            _ => Node::Char {
                c: self.escaped_char(c)?,
                fold,
            },
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

    fn parse_class(&mut self) -> Result<Class, RegexError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
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
                    'd' => {
                        items.push(ClassItem::Digit(false));
                        continue;
                    }
                    'D' => {
                        items.push(ClassItem::Digit(true));
                        continue;
                    }
                    'w' => {
                        items.push(ClassItem::Word(false));
                        continue;
                    }
                    'W' => {
                        items.push(ClassItem::Word(true));
                        continue;
                    }
                    's' => {
                        items.push(ClassItem::Space(false));
                        continue;
                    }
                    'S' => {
                        items.push(ClassItem::Space(true));
                        continue;
                    }
                    'b' => '\x08',
                    other => self.escaped_char(other)?,
                }
            } else {
                c
            };
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
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(ClassItem::Range(lo, lo));
            }
        }
        Ok(Class {
            items,
            negated,
            fold: self.flags.fold,
        })
    }
}

/// One instruction of a compiled program.
#[derive(Debug, Clone, PartialEq)]
enum Inst {
    Char { c: char, fold: bool },
    Any { dotall: bool },
    Class(usize),
    Assert(Assertion),
    Split(usize, usize),
    Jmp(usize),
    Save(usize),
    Match,
}

/// Compiler from syntax tree to program.
struct Compiler {
    prog: Vec<Inst>,
    classes: Vec<Class>,
}

impl Compiler {
    fn push(&mut self, inst: Inst) -> Result<usize, RegexError> {
        if self.prog.len() >= MAX_PROGRAM {
            return Err(RegexError {
                offset: 0,
                reason: "pattern too large",
            });
        }
        self.prog.push(inst);
        Ok(self.prog.len() - 1)
    }

    fn patch(&mut self, at: usize, inst: Inst) {
        if let Some(slot) = self.prog.get_mut(at) {
            *slot = inst;
        }
    }

    fn compile(&mut self, node: &Node) -> Result<(), RegexError> {
        match node {
            Node::Empty => {}
            Node::Char { c, fold } => {
                self.push(Inst::Char { c: *c, fold: *fold })?;
            }
            Node::Any { dotall } => {
                self.push(Inst::Any { dotall: *dotall })?;
            }
            Node::Class(class) => {
                self.classes.push(class.clone());
                self.push(Inst::Class(self.classes.len() - 1))?;
            }
            Node::Assert(a) => {
                self.push(Inst::Assert(*a))?;
            }
            Node::Group { node, capture } => {
                if let Some(k) = capture {
                    self.push(Inst::Save(2 * k))?;
                    self.compile(node)?;
                    self.push(Inst::Save(2 * k + 1))?;
                } else {
                    self.compile(node)?;
                }
            }
            Node::Concat(items) => {
                for item in items {
                    self.compile(item)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                let last = branches.len().saturating_sub(1);
                for (i, branch) in branches.iter().enumerate() {
                    if i < last {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.compile(branch)?;
                        jumps.push(self.push(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.patch(split, Inst::Split(split + 1, next));
                    } else {
                        self.compile(branch)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.patch(j, Inst::Jmp(end));
                }
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                for _ in 0..*min {
                    self.compile(node)?;
                }
                match max {
                    None => {
                        let split = self.push(Inst::Split(0, 0))?;
                        self.compile(node)?;
                        self.push(Inst::Jmp(split))?;
                        let end = self.prog.len();
                        self.patch(split, self.split(split + 1, end, *greedy));
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.push(Inst::Split(0, 0))?);
                            self.compile(node)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.patch(s, self.split(s + 1, end, *greedy));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn split(&self, body: usize, out: usize, greedy: bool) -> Inst {
        if greedy {
            Inst::Split(body, out)
        } else {
            Inst::Split(out, body)
        }
    }
}

/// A compiled regular expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Regex {
    source: String,
    prog: Vec<Inst>,
    classes: Vec<Class>,
    slots: usize,
    names: Vec<(String, usize)>,
}

/// Capture positions of one match, as byte ranges into the searched text.
pub(crate) type Captures = Vec<Option<(usize, usize)>>;

/// A running thread of the VM.
struct Thread {
    pc: usize,
    caps: Vec<Option<usize>>,
}

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
        };
        let node = parser.parse_alt()?;
        if parser.pos < chars.len() {
            return Err(parser.err("unmatched closing parenthesis"));
        }
        let mut compiler = Compiler {
            prog: Vec::new(),
            classes: Vec::new(),
        };
        compiler.push(Inst::Save(0))?;
        compiler.compile(&node)?;
        compiler.push(Inst::Save(1))?;
        compiler.push(Inst::Match)?;
        Ok(Regex {
            source: pattern.to_string(),
            prog: compiler.prog,
            classes: compiler.classes,
            slots: 2 * (parser.groups + 1),
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
        self.captures(text).is_some()
    }

    /// Leftmost-first match in `text`: group 0 is the whole match.
    pub(crate) fn captures(&self, text: &str) -> Option<Captures> {
        self.captures_at(&Text::new(text), 0)
    }

    /// Leftmost-first match of `text` from char index `start` (`text` is the
    /// string `chars`/`byte_at` were built from).
    fn captures_at(&self, text: &Text<'_>, start: usize) -> Option<Captures> {
        let slots = self.search(&text.chars, start)?;
        let mut out = Vec::with_capacity(slots.len() / 2);
        for pair in slots.chunks(2) {
            out.push(match pair {
                [Some(s), Some(e)] => Some((text.byte(*s), text.byte(*e))),
                _ => None,
            });
        }
        Some(out)
    }

    /// Replaces every non-overlapping match with `replacement` (taken literally).
    pub(crate) fn replace_all(&self, text: &str, replacement: &str) -> String {
        let prepared = Text::new(text);
        let mut out = String::new();
        let mut last_byte = 0;
        let mut from = 0;
        while from <= prepared.chars.len() {
            let Some(caps) = self.captures_at(&prepared, from) else {
                break;
            };
            let Some(Some((s, e))) = caps.first().copied() else {
                break;
            };
            out.push_str(text.get(last_byte..s).unwrap_or(""));
            out.push_str(replacement);
            last_byte = e;
            let end_char = prepared.char_index(e);
            from = if e > s { end_char } else { end_char + 1 };
        }
        out.push_str(text.get(last_byte..).unwrap_or(""));
        out
    }

    /// Pike VM search starting at char index `start`; returns capture slots
    /// as char indices.
    fn search(&self, chars: &[char], start: usize) -> Option<Vec<Option<usize>>> {
        let n = chars.len();
        let mut vm = Vm {
            prog: &self.prog,
            chars,
            seen: vec![0usize; self.prog.len()],
            generation: 1,
            steps: 0,
        };
        let mut clist = Vec::new();
        let mut matched: Option<Vec<Option<usize>>> = None;
        vm.add_thread(&mut clist, 0, vec![None; self.slots], start);
        let mut pos = start;
        loop {
            if clist.is_empty() && (matched.is_some() || pos >= n) {
                break;
            }
            vm.generation += 1;
            let mut nlist = Vec::new();
            for thread in clist.drain(..) {
                vm.steps += 1;
                let c = chars.get(pos).copied();
                let advance = match self.prog.get(thread.pc) {
                    Some(Inst::Match) => {
                        matched = Some(thread.caps);
                        break;
                    }
                    Some(Inst::Char { c: want, fold }) => {
                        c.is_some_and(|c| chars_eq(c, *want, *fold))
                    }
                    Some(Inst::Any { dotall }) => c.is_some_and(|c| *dotall || c != '\n'),
                    Some(Inst::Class(i)) => {
                        c.is_some_and(|c| self.classes.get(*i).is_some_and(|cl| cl.matches(c)))
                    }
                    _ => false,
                };
                if advance {
                    vm.add_thread(&mut nlist, thread.pc + 1, thread.caps, pos + 1);
                }
            }
            if vm.steps > STEP_BUDGET || pos >= n {
                break;
            }
            pos += 1;
            if matched.is_none() {
                vm.add_thread(&mut nlist, 0, vec![None; self.slots], pos);
            }
            clist = nlist;
        }
        if vm.steps > STEP_BUDGET {
            None
        } else {
            matched
        }
    }
}

/// A searched text with its char decomposition.
struct Text<'t> {
    text: &'t str,
    chars: Vec<char>,
    byte_at: Vec<usize>,
}

impl<'t> Text<'t> {
    fn new(text: &'t str) -> Text<'t> {
        let chars: Vec<char> = text.chars().collect();
        let mut byte_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        byte_at.push(text.len());
        Text {
            text,
            chars,
            byte_at,
        }
    }

    /// Byte offset of char index `i`.
    fn byte(&self, i: usize) -> usize {
        self.byte_at.get(i).copied().unwrap_or(self.text.len())
    }

    /// Char index of byte offset `b` (a char boundary).
    fn char_index(&self, b: usize) -> usize {
        self.byte_at.partition_point(|&x| x < b)
    }
}

/// Mutable state of one VM search.
struct Vm<'a> {
    prog: &'a [Inst],
    chars: &'a [char],
    seen: Vec<usize>,
    generation: usize,
    steps: usize,
}

impl Vm<'_> {
    /// Adds the thread at `pc` and everything reachable from it without
    /// consuming input, in priority order.
    fn add_thread(
        &mut self,
        list: &mut Vec<Thread>,
        pc: usize,
        caps: Vec<Option<usize>>,
        pos: usize,
    ) {
        let mut stack = vec![(pc, caps)];
        while let Some((pc, mut caps)) = stack.pop() {
            self.steps += 1;
            let Some(mark) = self.seen.get_mut(pc) else {
                continue;
            };
            if *mark == self.generation {
                continue;
            }
            *mark = self.generation;
            match self.prog.get(pc) {
                Some(Inst::Jmp(x)) => stack.push((*x, caps)),
                Some(Inst::Split(x, y)) => {
                    stack.push((*y, caps.clone()));
                    stack.push((*x, caps));
                }
                Some(Inst::Save(slot)) => {
                    if let Some(s) = caps.get_mut(*slot) {
                        *s = Some(pos);
                    }
                    stack.push((pc + 1, caps));
                }
                Some(Inst::Assert(a)) if assertion_holds(*a, self.chars, pos) => {
                    stack.push((pc + 1, caps));
                }
                Some(Inst::Assert(_)) => {}
                Some(_) => list.push(Thread { pc, caps }),
                None => {}
            }
        }
    }
}

fn assertion_holds(a: Assertion, chars: &[char], pos: usize) -> bool {
    let n = chars.len();
    let prev = pos.checked_sub(1).and_then(|p| chars.get(p)).copied();
    let next = chars.get(pos).copied();
    match a {
        Assertion::TextStart => pos == 0,
        Assertion::TextEnd => pos == n,
        Assertion::LineStart { multi } => pos == 0 || (multi && prev == Some('\n')),
        Assertion::TextEndBeforeNewline | Assertion::LineEnd { multi: false } => {
            pos == n || (pos + 1 == n && next == Some('\n'))
        }
        Assertion::LineEnd { multi: true } => pos == n || next == Some('\n'),
        Assertion::WordBoundary => prev.is_some_and(is_word) != next.is_some_and(is_word),
        Assertion::NotWordBoundary => prev.is_some_and(is_word) == next.is_some_and(is_word),
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
}
