//! Phase 1: turns pattern text into tokens.
//!
//! The first character picks the dialect: `{` is a JSON pattern, `[` a space-delimited
//! one, and anything else a term pattern. AWS decides on the very first character, so
//! ` { $.a = 1 }` (leading space) is a term pattern, and an invalid one. Each dialect
//! allows different characters, so the lexer runs in one mode per dialect and reports
//! characters it cannot use the way CloudWatch Logs does:
//! `Invalid character(s) in term '<text>'`.

use super::PatternError;
use super::ast::Step;

/// The dialect a pattern is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Unstructured terms, phrases and `%regex%`.
    Terms,
    /// `{ ... }`.
    Json,
    /// `[ ... ]`.
    Delimited,
}

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `...` standing alone as a space-delimited field.
    Ellipsis,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
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
    /// `-` directly before a term: exclude it.
    Minus,
    /// `?` directly before a term: optional (OR) term.
    Question,
    /// A JSON property selector such as `$.a[0].b`.
    Selector {
        /// The selector as written.
        text: String,
        /// Its parsed path.
        steps: Vec<Step>,
    },
    /// A bare run of word characters (a term, a name, a number, an unquoted string).
    Word(String),
    /// The contents of a double-quoted string, escapes resolved.
    Quoted(String),
    /// The body of a `%regex%`, not yet checked.
    Regex(String),
}

/// The lexer's output.
#[derive(Debug)]
pub(crate) struct Lexed {
    /// Which dialect the pattern is in.
    pub(crate) mode: Mode,
    /// Its tokens, whitespace dropped.
    pub(crate) tokens: Vec<Tok>,
}

/// Splits `pattern` into tokens.
pub(crate) fn tokenize(pattern: &str) -> Result<Lexed, PatternError> {
    let mode = match pattern.chars().next() {
        Some('{') => Mode::Json,
        Some('[') => Mode::Delimited,
        _ => Mode::Terms,
    };
    let mut cur = Cursor {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let tokens = match mode {
        Mode::Terms => lex_terms(&mut cur)?,
        Mode::Json | Mode::Delimited => lex_structured(&mut cur, mode)?,
    };
    Ok(Lexed { mode, tokens })
}

struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Consumes characters while `keep` holds and returns them.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|&c| keep(c)) {
            out.push(c);
            self.pos += 1;
        }
        out
    }
}

/// Characters of an unquoted term: AWS wants anything else in double quotes.
fn is_term_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters of unquoted names and values in JSON and space-delimited patterns:
/// `kms.amazonaws.com`, `123.123.*`, `-1`, `+1000`, `1e+3`.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*' | '-' | '+')
}

/// Characters of a selector's `.name` step.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// The error for a character a term cannot hold. Braces get the generic message, as
/// AWS answers ` {$.a IS TRUE} ` with "Invalid metric filter pattern".
fn bad_term_char(c: char) -> PatternError {
    if matches!(c, '{' | '}') {
        PatternError::invalid_pattern()
    } else {
        PatternError::invalid_char(c)
    }
}

fn lex_terms(cur: &mut Cursor) -> Result<Vec<Tok>, PatternError> {
    let mut tokens = Vec::new();
    loop {
        cur.skip_ws();
        let Some(c) = cur.peek() else { break };
        if matches!(c, '-' | '?') {
            cur.bump();
            tokens.push(if c == '-' { Tok::Minus } else { Tok::Question });
            // The prefix must touch its term: a lone `-` or `?` is not a term.
            if !cur
                .peek()
                .is_some_and(|n| is_term_char(n) || matches!(n, '"' | '%'))
            {
                return Err(PatternError::invalid_char(c));
            }
        }
        tokens.push(lex_term_atom(cur)?);
        // Terms are separated by whitespace; anything else glued on is a bad character.
        if let Some(next) = cur.peek().filter(|n| !n.is_whitespace()) {
            return Err(bad_term_char(next));
        }
    }
    Ok(tokens)
}

fn lex_term_atom(cur: &mut Cursor) -> Result<Tok, PatternError> {
    match cur.peek() {
        Some('"') => lex_quoted(cur).map(Tok::Quoted),
        Some('%') => lex_regex(cur).map(Tok::Regex),
        Some(c) if is_term_char(c) => Ok(Tok::Word(cur.take_while(is_term_char))),
        Some(c) => Err(bad_term_char(c)),
        None => Err(PatternError::invalid_pattern()),
    }
}

/// Reads `"..."`. Inside, `\"` is a quote and `\\` a backslash; other backslashes stay.
fn lex_quoted(cur: &mut Cursor) -> Result<String, PatternError> {
    cur.bump();
    let mut out = String::new();
    loop {
        match cur.bump() {
            None => return Err(PatternError::invalid_pattern()),
            Some('"') => return Ok(out),
            Some('\\') => match cur.bump() {
                Some(c @ ('"' | '\\')) => out.push(c),
                Some(c) => {
                    out.push('\\');
                    out.push(c);
                }
                None => return Err(PatternError::invalid_pattern()),
            },
            Some(c) => out.push(c),
        }
    }
}

/// Reads `%...%`; the body cannot contain `%`, so the next one closes it.
fn lex_regex(cur: &mut Cursor) -> Result<String, PatternError> {
    cur.bump();
    let body = cur.take_while(|c| c != '%');
    match cur.bump() {
        Some('%') => Ok(body),
        _ => Err(PatternError::invalid_pattern()),
    }
}

fn lex_structured(cur: &mut Cursor, mode: Mode) -> Result<Vec<Tok>, PatternError> {
    let mut tokens = Vec::new();
    loop {
        cur.skip_ws();
        let Some(c) = cur.peek() else { break };
        let tok = match c {
            '{' | '}' if mode == Mode::Json => {
                cur.bump();
                if c == '{' { Tok::LBrace } else { Tok::RBrace }
            }
            '[' | ']' | ',' if mode == Mode::Delimited => {
                cur.bump();
                match c {
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    _ => Tok::Comma,
                }
            }
            '(' => {
                cur.bump();
                Tok::LParen
            }
            ')' => {
                cur.bump();
                Tok::RParen
            }
            '&' | '|' => {
                cur.bump();
                if cur.peek() != Some(c) {
                    return Err(PatternError::invalid_char(c));
                }
                cur.bump();
                if c == '&' { Tok::AndAnd } else { Tok::OrOr }
            }
            '=' => {
                cur.bump();
                Tok::Eq
            }
            '!' | '<' | '>' => {
                cur.bump();
                let eq = cur.peek() == Some('=');
                if eq {
                    cur.bump();
                }
                match (c, eq) {
                    ('!', true) => Tok::Ne,
                    ('<', true) => Tok::Le,
                    ('<', false) => Tok::Lt,
                    ('>', true) => Tok::Ge,
                    ('>', false) => Tok::Gt,
                    _ => return Err(PatternError::invalid_char(c)),
                }
            }
            '"' => Tok::Quoted(lex_quoted(cur)?),
            '%' => Tok::Regex(lex_regex(cur)?),
            '$' if mode == Mode::Json => lex_selector(cur)?,
            c if is_word_char(c) => {
                let word = cur.take_while(is_word_char);
                if mode == Mode::Delimited && word == "..." {
                    Tok::Ellipsis
                } else {
                    Tok::Word(word)
                }
            }
            c => return Err(PatternError::invalid_char(c)),
        };
        tokens.push(tok);
    }
    Ok(tokens)
}

/// Reads a selector. Errors quote the selector up to and including the bad character,
/// as AWS does for `$."sc-status"` (`Invalid character(s) in term '$."'`).
fn lex_selector(cur: &mut Cursor) -> Result<Tok, PatternError> {
    cur.bump();
    let mut text = String::from("$");
    let mut steps = Vec::new();
    loop {
        match cur.peek() {
            Some('.') => {
                cur.bump();
                text.push('.');
                match cur.peek() {
                    Some('*') => {
                        cur.bump();
                        text.push('*');
                        steps.push(Step::Wildcard);
                    }
                    Some('[') => lex_bracket_step(cur, &mut text, &mut steps)?,
                    Some(c) if is_name_char(c) => {
                        let name = cur.take_while(is_name_char);
                        text.push_str(&name);
                        steps.push(Step::Key(name));
                    }
                    other => return Err(selector_error(&mut text, other)),
                }
            }
            Some('[') => lex_bracket_step(cur, &mut text, &mut steps)?,
            None => break,
            Some(c) if c.is_whitespace() || "=!<>)}&|".contains(c) => break,
            other => return Err(selector_error(&mut text, other)),
        }
    }
    if steps.is_empty() {
        return Err(PatternError::invalid_term(&text));
    }
    Ok(Tok::Selector { text, steps })
}

fn selector_error(text: &mut String, bad: Option<char>) -> PatternError {
    if let Some(c) = bad {
        text.push(c);
    }
    PatternError::invalid_term(text)
}

/// Reads `[*]`, `[12]` or `['key.with.dots']`.
fn lex_bracket_step(
    cur: &mut Cursor,
    text: &mut String,
    steps: &mut Vec<Step>,
) -> Result<(), PatternError> {
    cur.bump();
    text.push('[');
    let step = match cur.peek() {
        Some('*') => {
            cur.bump();
            text.push('*');
            Step::Wildcard
        }
        Some(c) if c.is_ascii_digit() => {
            let digits = cur.take_while(|c| c.is_ascii_digit());
            text.push_str(&digits);
            // Nine digits keep the index well inside usize on every platform.
            if digits.len() > 9 {
                return Err(PatternError::invalid_term(text));
            }
            Step::Index(
                digits
                    .parse()
                    .map_err(|_| PatternError::invalid_term(text))?,
            )
        }
        Some('\'') => {
            cur.bump();
            let key = cur.take_while(|c| c != '\'');
            text.push('\'');
            text.push_str(&key);
            if cur.bump() != Some('\'') {
                return Err(PatternError::invalid_pattern());
            }
            text.push('\'');
            Step::Key(key)
        }
        other => return Err(selector_error(text, other)),
    };
    if cur.peek() != Some(']') {
        return Err(selector_error(text, cur.peek()));
    }
    cur.bump();
    text.push(']');
    steps.push(step);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(pattern: &str) -> Vec<Tok> {
        tokenize(pattern).unwrap().tokens
    }

    fn err(pattern: &str) -> String {
        tokenize(pattern).unwrap_err().to_string()
    }

    fn word(w: &str) -> Tok {
        Tok::Word(w.to_owned())
    }

    #[test]
    fn picks_mode_from_first_character() {
        assert_eq!(tokenize("{ $.a = 1 }").unwrap().mode, Mode::Json);
        assert_eq!(tokenize("[a, b]").unwrap().mode, Mode::Delimited);
        assert_eq!(tokenize("ERROR").unwrap().mode, Mode::Terms);
        assert_eq!(tokenize("").unwrap().mode, Mode::Terms);
        assert_eq!(err(" {$.a IS TRUE} "), "Invalid metric filter pattern");
    }

    #[test]
    fn term_tokens() {
        assert_eq!(
            toks(r#"ERROR -Exiting ?WARN "a b" %x+% -"q""#),
            vec![
                word("ERROR"),
                Tok::Minus,
                word("Exiting"),
                Tok::Question,
                word("WARN"),
                Tok::Quoted("a b".to_owned()),
                Tok::Regex("x+".to_owned()),
                Tok::Minus,
                Tok::Quoted("q".to_owned()),
            ]
        );
        assert!(toks("   ").is_empty());
    }

    #[test]
    fn quoted_escapes() {
        assert_eq!(
            toks(r#""say \"hi\" \\ \n""#),
            vec![Tok::Quoted(r#"say "hi" \ \n"#.to_owned())]
        );
    }

    #[test]
    fn term_errors_quote_the_character() {
        let cases = [
            ("ERROR:", "Invalid character(s) in term ':'"),
            ("?Status: timeout", "Invalid character(s) in term ':'"),
            ("a (b", "Invalid character(s) in term '('"),
            ("a,b", "Invalid character(s) in term ','"),
            ("ERR*", "Invalid character(s) in term '*'"),
            ("@timestamp", "Invalid character(s) in term '@'"),
            ("`x", "Invalid character(s) in term '`'"),
            ("x\\y", "Invalid character(s) in term '\\'"),
            ("café", "Invalid character(s) in term 'é'"),
            ("- a", "Invalid character(s) in term '-'"),
            ("?", "Invalid character(s) in term '?'"),
            ("ERROR-CODE", "Invalid character(s) in term '-'"),
            ("\"open", "Invalid metric filter pattern"),
            ("%open", "Invalid metric filter pattern"),
        ];
        for (pattern, want) in cases {
            assert_eq!(err(pattern), want, "{pattern:?}");
        }
    }

    #[test]
    fn json_tokens() {
        assert_eq!(
            toks(r#"{($.a=1)||$.b[0].c != "x" && $.d >= -2.5e3}"#),
            vec![
                Tok::LBrace,
                Tok::LParen,
                Tok::Selector {
                    text: "$.a".to_owned(),
                    steps: vec![Step::Key("a".to_owned())]
                },
                Tok::Eq,
                word("1"),
                Tok::RParen,
                Tok::OrOr,
                Tok::Selector {
                    text: "$.b[0].c".to_owned(),
                    steps: vec![
                        Step::Key("b".to_owned()),
                        Step::Index(0),
                        Step::Key("c".to_owned())
                    ]
                },
                Tok::Ne,
                Tok::Quoted("x".to_owned()),
                Tok::AndAnd,
                Tok::Selector {
                    text: "$.d".to_owned(),
                    steps: vec![Step::Key("d".to_owned())]
                },
                Tok::Ge,
                word("-2.5e3"),
                Tok::RBrace,
            ]
        );
    }

    #[test]
    fn selector_forms() {
        let cases = [
            ("$.*", 1),
            ("$.a[*]", 2),
            ("$.['cluster.name']", 1),
            ("$.detail-type", 1),
            ("$.c[0][1]", 3),
            ("$['k']", 1),
        ];
        for (sel, len) in cases {
            let tokens = toks(&format!("{{ {sel} NOT EXISTS }}"));
            let Some(Tok::Selector { text, steps }) = tokens.get(1) else {
                panic!("no selector in {tokens:?}");
            };
            assert_eq!(text, sel);
            assert_eq!(steps.len(), len, "{sel}");
        }
        assert_eq!(
            toks("{ $.['cluster.name'] = c }").get(1),
            Some(&Tok::Selector {
                text: "$.['cluster.name']".to_owned(),
                steps: vec![Step::Key("cluster.name".to_owned())]
            })
        );
        assert_eq!(
            toks("{ $.a[*] = c }").get(1),
            Some(&Tok::Selector {
                text: "$.a[*]".to_owned(),
                steps: vec![Step::Key("a".to_owned()), Step::Wildcard]
            })
        );
    }

    #[test]
    fn selector_errors() {
        let cases = [
            (
                r#"{ $."sc-status" = 5* }"#,
                r#"Invalid character(s) in term '$."'"#,
            ),
            ("{ $.a#b = 1 }", "Invalid character(s) in term '$.a#'"),
            ("{ $ = 1 }", "Invalid character(s) in term '$'"),
            ("{ $.a[x] = 1 }", "Invalid character(s) in term '$.a[x'"),
            ("{ $.a[1 = 1 }", "Invalid character(s) in term '$.a[1 '"),
            (
                "{ $.a[1234567890] = 1 }",
                "Invalid character(s) in term '$.a[1234567890'",
            ),
            ("{ $.['open = 1 }", "Invalid metric filter pattern"),
            ("{ $.", "Invalid character(s) in term '$.'"),
        ];
        for (pattern, want) in cases {
            assert_eq!(err(pattern), want, "{pattern:?}");
        }
    }

    #[test]
    fn structured_errors() {
        let cases = [
            (
                r#"{ $.m = "x", $.p = "y" }"#,
                "Invalid character(s) in term ','",
            ),
            ("{ $.a = 1 & $.b = 2 }", "Invalid character(s) in term '&'"),
            ("{ $.a ! 1 }", "Invalid character(s) in term '!'"),
            ("{ $.a = @x }", "Invalid character(s) in term '@'"),
            ("[a = $5]", "Invalid character(s) in term '$'"),
            ("[a, b] {", "Invalid character(s) in term '{'"),
        ];
        for (pattern, want) in cases {
            assert_eq!(err(pattern), want, "{pattern:?}");
        }
    }

    #[test]
    fn delimited_tokens() {
        assert_eq!(
            toks(r#"[..., request=*.html*, code!=4* || code = %^5%, "x",]"#),
            vec![
                Tok::LBracket,
                Tok::Ellipsis,
                Tok::Comma,
                word("request"),
                Tok::Eq,
                word("*.html*"),
                Tok::Comma,
                word("code"),
                Tok::Ne,
                word("4*"),
                Tok::OrOr,
                word("code"),
                Tok::Eq,
                Tok::Regex("^5".to_owned()),
                Tok::Comma,
                Tok::Quoted("x".to_owned()),
                Tok::Comma,
                Tok::RBracket,
            ]
        );
        // Only a bare `...` is an ellipsis; `...fields` is a (bad) name for the parser.
        assert_eq!(toks("[...fields]").get(1), Some(&word("...fields")));
    }
}
