//! Phase 1: turns query text into tokens.
//!
//! The lexer is a cursor over the query's chars: the parser asks for the token
//! at a char offset, saying whether a `/` there starts a regex literal (operand
//! position) or is the division operator (operator position). Whitespace and
//! `#` comments (to end of line) are skipped. All offsets are char offsets.

use super::QueryError;

/// Longest query accepted, in chars (StartQuery's `queryString` limit).
pub(crate) const MAX_QUERY_CHARS: usize = 10_000;

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: keyword, function or field name (`@message`, `a.b.0`).
    Ident(String),
    /// A backtick-quoted field name.
    Quoted(String),
    /// A number literal.
    Number(f64),
    /// A time period literal such as `5m` (amount, unit as written).
    Period(u64, String),
    /// A single- or double-quoted string literal, escapes resolved.
    Str(String),
    /// A `/.../` regex literal: the pattern between the slashes.
    Regex(String),
    /// `|`
    Pipe,
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
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
    /// `=~`
    Tilde,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `^`
    Caret,
    /// End of the query.
    Eof,
}

/// A token and where it is: `[start, end)` in chars.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// What was read.
    pub(crate) tok: Tok,
    /// Char offset of the first char.
    pub(crate) start: usize,
    /// Char offset just past the last char.
    pub(crate) end: usize,
}

impl Token {
    /// Whether this is the bare word `word` (case-insensitive).
    pub(crate) fn is_word(&self, word: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
    }
}

/// The query text, ready to be read token by token.
#[derive(Debug)]
pub(crate) struct Lexer {
    chars: Vec<char>,
    line_starts: Vec<usize>,
}

impl Lexer {
    /// Prepares `query` for lexing.
    pub(crate) fn new(query: &str) -> Lexer {
        let chars: Vec<char> = query.chars().collect();
        let mut line_starts = vec![0];
        for (i, c) in chars.iter().enumerate() {
            if *c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Lexer { chars, line_starts }
    }

    /// Number of chars in the query.
    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The source text of `[start, end)`.
    pub(crate) fn text(&self, start: usize, end: usize) -> String {
        let end = end.min(self.chars.len());
        self.chars
            .get(start.min(end)..end)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    /// The MalformedQueryException for an unexpected token.
    pub(crate) fn unexpected(&self, token: &Token) -> QueryError {
        self.unexpected_span(token.start, token.end)
    }

    /// The MalformedQueryException for unexpected text at `[start, end)`;
    /// an empty span is reported as `<EOF>`.
    pub(crate) fn unexpected_span(&self, start: usize, end: usize) -> QueryError {
        let symbol = if end <= start {
            "<EOF>".to_string()
        } else {
            self.text(start, end)
        };
        let line_index = self
            .line_starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let message = format!(
            "unexpected symbol found {symbol} at line {} and position {}",
            line_index + 1,
            start - line_start.min(start)
        );
        let last = if end > start { end - 1 } else { start };
        QueryError::new(message, start, last)
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Offset of the next token at or after `pos` (skips blanks and comments).
    fn skip_blank(&self, mut pos: usize) -> usize {
        while let Some(c) = self.at(pos) {
            if c.is_whitespace() {
                pos += 1;
            } else if c == '#' {
                while let Some(c) = self.at(pos) {
                    if c == '\n' {
                        break;
                    }
                    pos += 1;
                }
            } else {
                break;
            }
        }
        pos
    }

    /// Reads the token at or after `pos`. With `regex`, a `/` starts a regex
    /// literal; otherwise it is the division operator.
    pub(crate) fn token_at(&self, pos: usize, regex: bool) -> Result<Token, QueryError> {
        let start = self.skip_blank(pos);
        let Some(c) = self.at(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let one = |tok| {
            Ok(Token {
                tok,
                start,
                end: start + 1,
            })
        };
        let two = |tok| {
            Ok(Token {
                tok,
                start,
                end: start + 2,
            })
        };
        let next = self.at(start + 1);
        match c {
            '|' => one(Tok::Pipe),
            ',' => one(Tok::Comma),
            '(' => one(Tok::LParen),
            ')' => one(Tok::RParen),
            '[' => one(Tok::LBracket),
            ']' => one(Tok::RBracket),
            '+' => one(Tok::Plus),
            '-' => one(Tok::Minus),
            '*' => one(Tok::Star),
            '%' => one(Tok::Percent),
            '^' => one(Tok::Caret),
            '=' if next == Some('~') => two(Tok::Tilde),
            '=' => one(Tok::Eq),
            '!' if next == Some('=') => two(Tok::Ne),
            '<' if next == Some('=') => two(Tok::Le),
            '<' => one(Tok::Lt),
            '>' if next == Some('=') => two(Tok::Ge),
            '>' => one(Tok::Gt),
            '/' if regex => self.regex(start),
            '/' => one(Tok::Slash),
            '"' | '\'' => self.string(start, c),
            '`' => self.quoted(start),
            c if c.is_ascii_digit() => Ok(self.number(start)),
            c if is_ident_start(c) => Ok(self.ident(start)),
            _ => Err(self.unexpected_span(start, start + 1)),
        }
    }

    fn ident(&self, start: usize) -> Token {
        let mut end = start;
        while self.at(end).is_some_and(is_ident_char) {
            end += 1;
        }
        Token {
            tok: Tok::Ident(self.text(start, end)),
            start,
            end,
        }
    }

    fn number(&self, start: usize) -> Token {
        let mut end = start;
        while self.at(end).is_some_and(|c| c.is_ascii_digit()) {
            end += 1;
        }
        if self.at(end).is_some_and(|c| c.is_ascii_alphabetic()) {
            let digits_end = end;
            while self.at(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                end += 1;
            }
            let amount = self.text(start, digits_end).parse().unwrap_or(u64::MAX);
            return Token {
                tok: Tok::Period(amount, self.text(digits_end, end)),
                start,
                end,
            };
        }
        if self.at(end) == Some('.') && self.at(end + 1).is_some_and(|c| c.is_ascii_digit()) {
            end += 1;
            while self.at(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
        }
        let value = self.text(start, end).parse().unwrap_or(f64::INFINITY);
        Token {
            tok: Tok::Number(value),
            start,
            end,
        }
    }

    fn string(&self, start: usize, quote: char) -> Result<Token, QueryError> {
        let mut out = String::new();
        let mut i = start + 1;
        loop {
            match self.at(i) {
                None => return Err(self.unexpected_span(start, start + 1)),
                Some(c) if c == quote => break,
                Some('\\') => {
                    match self.at(i + 1) {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some(c @ ('\\' | '"' | '\'')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err(self.unexpected_span(start, start + 1)),
                    }
                    i += 2;
                    continue;
                }
                Some(c) => out.push(c),
            }
            i += 1;
        }
        Ok(Token {
            tok: Tok::Str(out),
            start,
            end: i + 1,
        })
    }

    fn regex(&self, start: usize) -> Result<Token, QueryError> {
        let mut out = String::new();
        let mut i = start + 1;
        loop {
            match self.at(i) {
                None => return Err(self.unexpected_span(start, start + 1)),
                Some('/') => break,
                Some('\\') => match self.at(i + 1) {
                    Some('/') => {
                        out.push('/');
                        i += 2;
                        continue;
                    }
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    None => return Err(self.unexpected_span(start, start + 1)),
                },
                Some(c) => out.push(c),
            }
            i += 1;
        }
        Ok(Token {
            tok: Tok::Regex(out),
            start,
            end: i + 1,
        })
    }

    fn quoted(&self, start: usize) -> Result<Token, QueryError> {
        let mut i = start + 1;
        while let Some(c) = self.at(i) {
            if c == '`' {
                let name = self.text(start + 1, i);
                if name.is_empty() {
                    return Err(self.unexpected_span(start, i + 1));
                }
                return Ok(Token {
                    tok: Tok::Quoted(name),
                    start,
                    end: i + 1,
                });
            }
            i += 1;
        }
        Err(self.unexpected_span(start, start + 1))
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '@' || c == '.'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All tokens of `q`, lexing `/` as a regex after operators and at the start.
    fn toks(q: &str) -> Vec<Tok> {
        let lx = Lexer::new(q);
        let mut pos = 0;
        let mut out = Vec::new();
        let mut regex = true;
        loop {
            let t = lx.token_at(pos, regex).unwrap();
            pos = t.end;
            regex = !matches!(
                t.tok,
                Tok::Ident(_) | Tok::Quoted(_) | Tok::Number(_) | Tok::Str(_) | Tok::RParen
            ) || t.is_word("like");
            if t.tok == Tok::Eof {
                return out;
            }
            out.push(t.tok);
        }
    }

    #[test]
    fn words_operators_and_literals() {
        assert_eq!(
            toks("fields @timestamp, a.b | filter x>=2.5 and y != 'q' or z =~ \"s\""),
            vec![
                Tok::Ident("fields".into()),
                Tok::Ident("@timestamp".into()),
                Tok::Comma,
                Tok::Ident("a.b".into()),
                Tok::Pipe,
                Tok::Ident("filter".into()),
                Tok::Ident("x".into()),
                Tok::Ge,
                Tok::Number(2.5),
                Tok::Ident("and".into()),
                Tok::Ident("y".into()),
                Tok::Ne,
                Tok::Str("q".into()),
                Tok::Ident("or".into()),
                Tok::Ident("z".into()),
                Tok::Tilde,
                Tok::Str("s".into()),
            ]
        );
    }

    #[test]
    fn slash_depends_on_position() {
        assert_eq!(
            toks("f like /a\\/b\\d/ | fields x / 2"),
            vec![
                Tok::Ident("f".into()),
                Tok::Ident("like".into()),
                Tok::Regex("a/b\\d".into()),
                Tok::Pipe,
                Tok::Ident("fields".into()),
                Tok::Ident("x".into()),
                Tok::Slash,
                Tok::Number(2.0),
            ]
        );
    }

    #[test]
    fn periods_backticks_escapes_and_comments() {
        assert_eq!(
            toks("bin(5m) # comment | x\n`foo-bar` 'it\\'s' \"a\\\\b\\q\""),
            vec![
                Tok::Ident("bin".into()),
                Tok::LParen,
                Tok::Period(5, "m".into()),
                Tok::RParen,
                Tok::Quoted("foo-bar".into()),
                Tok::Str("it's".into()),
                Tok::Str("a\\b\\q".into()),
            ]
        );
    }

    #[test]
    fn errors_name_the_symbol_line_and_position() {
        let lx = Lexer::new("fields a\n| filter $x");
        let err = lx.token_at(18, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected symbol found $ at line 2 and position 9"
        );
        assert_eq!(err.location(), (18, 18));
        let lx = Lexer::new("filter x = \"open");
        let err = lx.token_at(10, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected symbol found \" at line 1 and position 11"
        );
        let lx = Lexer::new("");
        let eof = lx.token_at(0, false).unwrap();
        assert_eq!(
            lx.unexpected(&eof).to_string(),
            "unexpected symbol found <EOF> at line 1 and position 0"
        );
    }

    #[test]
    fn unterminated_regex_and_backtick_are_errors() {
        assert!(Lexer::new("/abc").token_at(0, true).is_err());
        assert!(Lexer::new("`abc").token_at(0, true).is_err());
        assert!(Lexer::new("``").token_at(0, true).is_err());
    }
}
