//! Phase 1: expression text → tokens, each with its byte span so syntax errors can quote the
//! source around the offending token the way DynamoDB does (`token: "x", near: "a x b"`).
//!
//! Lexing never fails: a character outside the expression alphabet becomes an `Invalid`
//! token, and the parser reports it as a syntax error when (and if) it reaches it.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A bare word: attribute name, function name or keyword (`[A-Za-z_][A-Za-z0-9_]*`).
    Ident,
    /// An expression attribute name placeholder (`#` followed by word characters).
    Name,
    /// An expression attribute value placeholder (`:` followed by word characters).
    Value,
    /// A run of decimal digits (list indexes).
    Number,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// A character no expression may contain (or a lone `#` / `:`).
    Invalid,
    /// End of input (an empty span at the end).
    Eof,
}

/// One token: its kind and where it sits in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    /// The token's text as DynamoDB quotes it in syntax errors.
    pub(crate) fn text<'s>(&self, source: &'s str) -> &'s str {
        if self.kind == Kind::Eof {
            "<EOF>"
        } else {
            source.get(self.start..self.end).unwrap_or("")
        }
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Splits `source` into tokens; the last is always `Eof`. Whitespace (space, tab, CR, LF)
/// separates tokens and is dropped.
pub(crate) fn tokenize(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let word_end = |from: usize| {
            let mut j = from;
            while j < bytes.len() && is_word(bytes[j]) {
                j += 1;
            }
            j
        };
        let (kind, end) = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => (Kind::Ident, word_end(i)),
            b'0'..=b'9' => {
                let mut j = i;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                (Kind::Number, j)
            }
            b'#' | b':' => {
                let j = word_end(i + 1);
                let kind = match (j > i + 1, c) {
                    (false, _) => Kind::Invalid,
                    (true, b'#') => Kind::Name,
                    (true, _) => Kind::Value,
                };
                (kind, j)
            }
            b'(' => (Kind::LParen, i + 1),
            b')' => (Kind::RParen, i + 1),
            b'[' => (Kind::LBracket, i + 1),
            b']' => (Kind::RBracket, i + 1),
            b',' => (Kind::Comma, i + 1),
            b'.' => (Kind::Dot, i + 1),
            b'=' => (Kind::Eq, i + 1),
            b'+' => (Kind::Plus, i + 1),
            b'-' => (Kind::Minus, i + 1),
            b'<' => match bytes.get(i + 1) {
                Some(b'>') => (Kind::Ne, i + 2),
                Some(b'=') => (Kind::Le, i + 2),
                _ => (Kind::Lt, i + 1),
            },
            b'>' => match bytes.get(i + 1) {
                Some(b'=') => (Kind::Ge, i + 2),
                _ => (Kind::Gt, i + 1),
            },
            _ => {
                // One whole character, however many bytes it takes.
                let width = source
                    .get(i..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(1, char::len_utf8);
                (Kind::Invalid, i + width)
            }
        };
        tokens.push(Token { kind, start, end });
        i = end;
    }
    tokens.push(Token {
        kind: Kind::Eof,
        start: bytes.len(),
        end: bytes.len(),
    });
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(source: &str) -> Vec<(Kind, &str)> {
        tokenize(source)
            .into_iter()
            .map(|t| (t.kind, t.text(source)))
            .collect()
    }

    #[test]
    fn token_table() {
        use Kind::*;
        let cases: Vec<(&str, Vec<(Kind, &str)>)> = vec![
            ("", vec![(Eof, "<EOF>")]),
            ("   \t\r\n", vec![(Eof, "<EOF>")]),
            ("a", vec![(Ident, "a"), (Eof, "<EOF>")]),
            ("_a1", vec![(Ident, "_a1"), (Eof, "<EOF>")]),
            ("#n1_x", vec![(Name, "#n1_x"), (Eof, "<EOF>")]),
            (":v_2", vec![(Value, ":v_2"), (Eof, "<EOF>")]),
            ("#", vec![(Invalid, "#"), (Eof, "<EOF>")]),
            (
                ": incr",
                vec![(Invalid, ":"), (Ident, "incr"), (Eof, "<EOF>")],
            ),
            ("12ab", vec![(Number, "12"), (Ident, "ab"), (Eof, "<EOF>")]),
            (
                "a.b[3].c",
                vec![
                    (Ident, "a"),
                    (Dot, "."),
                    (Ident, "b"),
                    (LBracket, "["),
                    (Number, "3"),
                    (RBracket, "]"),
                    (Dot, "."),
                    (Ident, "c"),
                    (Eof, "<EOF>"),
                ],
            ),
            (
                "= <> < <= > >= + - , ( )",
                vec![
                    (Eq, "="),
                    (Ne, "<>"),
                    (Lt, "<"),
                    (Le, "<="),
                    (Gt, ">"),
                    (Ge, ">="),
                    (Plus, "+"),
                    (Minus, "-"),
                    (Comma, ","),
                    (LParen, "("),
                    (RParen, ")"),
                    (Eof, "<EOF>"),
                ],
            ),
            (
                "a<>b",
                vec![(Ident, "a"), (Ne, "<>"), (Ident, "b"), (Eof, "<EOF>")],
            ),
            (
                "a>=:b",
                vec![(Ident, "a"), (Ge, ">="), (Value, ":b"), (Eof, "<EOF>")],
            ),
            (
                "a-b",
                vec![(Ident, "a"), (Minus, "-"), (Ident, "b"), (Eof, "<EOF>")],
            ),
            (
                "a / b",
                vec![(Ident, "a"), (Invalid, "/"), (Ident, "b"), (Eof, "<EOF>")],
            ),
            (
                "\"x\"",
                vec![
                    (Invalid, "\""),
                    (Ident, "x"),
                    (Invalid, "\""),
                    (Eof, "<EOF>"),
                ],
            ),
            (
                "é=1",
                vec![(Invalid, "é"), (Eq, "="), (Number, "1"), (Eof, "<EOF>")],
            ),
            (
                "a\u{a0}b",
                vec![
                    (Ident, "a"),
                    (Invalid, "\u{a0}"),
                    (Ident, "b"),
                    (Eof, "<EOF>"),
                ],
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(lex(source), expected, "{source:?}");
        }
    }

    #[test]
    fn spans_cover_the_source() {
        let source = "SET a = :v,  #b[10]";
        let tokens = tokenize(source);
        assert_eq!(
            tokens.last().map(|t| (t.start, t.end)),
            Some((source.len(), source.len()))
        );
        for token in &tokens {
            assert!(token.start <= token.end && token.end <= source.len());
        }
        assert_eq!(tokens[4].text(source), ",");
        assert_eq!(tokens[5].text(source), "#b");
    }
}
