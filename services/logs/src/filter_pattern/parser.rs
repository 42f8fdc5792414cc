//! Phase 2: builds the syntax tree from tokens and enforces AWS's structural rules.
//!
//! - Terms: `?` terms are dropped when any plain or `-` term is present (AWS ignores them).
//! - JSON: `{ expr }` with `&&` over `||` and parentheses; ordering operators take only
//!   numbers; `IS NULL|TRUE|FALSE` and `NOT EXISTS`, but not `IS NOT` or bare `EXISTS`,
//!   which AWS documents as unsupported.
//! - Space-delimited: `[f1, f2, ...]`, where a field is `...`, a name, a condition on
//!   one name (`code = 404 || code = 410`), or empty (`[a, b,]` has three fields).
//!
//! Quotas from the AWS docs are enforced here: at most two regexes in a JSON or
//! space-delimited pattern, one wildcard per selector and three per pattern. Nesting of
//! parentheses is capped so parsing and evaluation stay shallow.

use super::PatternError;
use super::ast::{
    CompareOp, Cond, DelimitedPattern, FieldSpec, JsonCond, JsonExpr, JsonTest, Operand, Pattern,
    Selector, Step, TermAtom, TermPattern, parse_number,
};
use super::lexer::{Mode, Tok, tokenize};
use super::regex::Regex;

/// Deepest parenthesis nesting accepted.
const MAX_DEPTH: usize = 64;
/// AWS: at most two regexes in a JSON or space-delimited pattern.
const MAX_REGEXES: usize = 2;
/// AWS: at most three wildcard selectors in a JSON pattern.
const MAX_WILDCARDS: usize = 3;

/// Parses a whole pattern.
pub(crate) fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    let lexed = tokenize(pattern)?;
    let parser = Parser {
        toks: lexed.tokens,
        pos: 0,
        regexes: 0,
        wildcards: 0,
    };
    match lexed.mode {
        Mode::Terms => parser.terms(),
        Mode::Json => parser.json(),
        Mode::Delimited => parser.delimited(),
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    regexes: usize,
    wildcards: usize,
}

fn invalid() -> PatternError {
    PatternError::invalid_pattern()
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_second(&self) -> Option<&Tok> {
        self.toks.get(self.pos + 1)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).cloned();
        if tok.is_some() {
            self.pos += 1;
        }
        tok
    }

    fn expect(&mut self, want: &Tok) -> Result<(), PatternError> {
        if self.next().as_ref() == Some(want) {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    fn expect_end(&self) -> Result<(), PatternError> {
        if self.peek().is_none() {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    fn regex(&mut self, body: &str) -> Result<Regex, PatternError> {
        self.regexes += 1;
        if self.regexes > MAX_REGEXES {
            return Err(invalid());
        }
        Regex::compile(body)
    }

    // ----- unstructured terms -----

    fn terms(mut self) -> Result<Pattern, PatternError> {
        let mut terms = TermPattern::default();
        while let Some(tok) = self.next() {
            let (list, atom) = match tok {
                Tok::Minus => (&mut terms.excluded, self.next()),
                Tok::Question => (&mut terms.optional, self.next()),
                other => (&mut terms.required, Some(other)),
            };
            let atom = match atom {
                Some(Tok::Word(word)) => TermAtom::Text(word),
                // `" "` is AWS's documented "match everything" pattern.
                Some(Tok::Quoted(text)) if text.trim().is_empty() => TermAtom::Text(String::new()),
                Some(Tok::Quoted(text)) => TermAtom::Text(text),
                Some(Tok::Regex(body)) => TermAtom::Regex(Regex::compile(&body)?),
                _ => return Err(invalid()),
            };
            list.push(atom);
        }
        if terms.required.is_empty() && terms.excluded.is_empty() {
            if terms.optional.is_empty() {
                return Ok(Pattern::MatchAll);
            }
        } else {
            terms.optional.clear();
        }
        Ok(Pattern::Terms(terms))
    }

    // ----- JSON -----

    fn json(mut self) -> Result<Pattern, PatternError> {
        self.expect(&Tok::LBrace)?;
        let expr = self.json_or(0)?;
        self.expect(&Tok::RBrace)?;
        self.expect_end()?;
        Ok(Pattern::Json(expr))
    }

    fn json_or(&mut self, depth: usize) -> Result<JsonExpr, PatternError> {
        let mut items = vec![self.json_and(depth)?];
        while self.peek() == Some(&Tok::OrOr) {
            self.next();
            items.push(self.json_and(depth)?);
        }
        Ok(collapse(items, JsonExpr::Or))
    }

    fn json_and(&mut self, depth: usize) -> Result<JsonExpr, PatternError> {
        let mut items = vec![self.json_unary(depth)?];
        while self.peek() == Some(&Tok::AndAnd) {
            self.next();
            items.push(self.json_unary(depth)?);
        }
        Ok(collapse(items, JsonExpr::And))
    }

    fn json_unary(&mut self, depth: usize) -> Result<JsonExpr, PatternError> {
        match self.next() {
            Some(Tok::LParen) => {
                if depth >= MAX_DEPTH {
                    return Err(invalid());
                }
                let inner = self.json_or(depth + 1)?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Some(Tok::Selector { text, steps }) => self.json_cond(text, steps),
            _ => Err(invalid()),
        }
    }

    fn json_cond(&mut self, text: String, steps: Vec<Step>) -> Result<JsonExpr, PatternError> {
        let wildcards = steps.iter().filter(|s| **s == Step::Wildcard).count();
        self.wildcards += wildcards;
        if wildcards > 1 || self.wildcards > MAX_WILDCARDS {
            return Err(invalid());
        }
        let test = match self.next() {
            Some(Tok::Word(word)) if word.eq_ignore_ascii_case("IS") => match self.next() {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("NULL") => JsonTest::IsNull,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("TRUE") => JsonTest::IsTrue,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("FALSE") => JsonTest::IsFalse,
                // `IS NOT ...` is documented as unsupported.
                _ => return Err(invalid()),
            },
            Some(Tok::Word(word)) if word.eq_ignore_ascii_case("NOT") => match self.next() {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("EXISTS") => JsonTest::NotExists,
                _ => return Err(invalid()),
            },
            Some(tok) => {
                let op = compare_op(&tok).ok_or_else(invalid)?;
                JsonTest::Compare(op, self.operand(op)?)
            }
            None => return Err(invalid()),
        };
        let selector = Selector { text, steps };
        Ok(JsonExpr::Cond(JsonCond { selector, test }))
    }

    /// Reads the literal after a comparison operator.
    fn operand(&mut self, op: CompareOp) -> Result<Operand, PatternError> {
        let (operand, written) = match self.next() {
            Some(Tok::Word(word)) => {
                let operand = match parse_number(&word) {
                    Some(n) if !word.contains('*') => Operand::Number(n),
                    _ => Operand::Text(word.clone()),
                };
                (operand, word)
            }
            Some(Tok::Quoted(text)) => {
                let written = format!("\"{text}\"");
                (Operand::Text(text), written)
            }
            Some(Tok::Regex(body)) => (Operand::Regex(self.regex(&body)?), format!("%{body}%")),
            _ => return Err(invalid()),
        };
        // AWS refuses `{ $.n >= "123" }` and `{ $.n > abc }` outright.
        if op.is_relational() && !matches!(operand, Operand::Number(_)) {
            return Err(PatternError::invalid_term(&written));
        }
        Ok(operand)
    }

    // ----- space-delimited -----

    fn delimited(mut self) -> Result<Pattern, PatternError> {
        self.expect(&Tok::LBracket)?;
        let mut fields = Vec::new();
        if self.peek() == Some(&Tok::RBracket) {
            // `[]` reports every field by position, exactly like `[...]`.
            self.next();
            fields.push(FieldSpec::Ellipsis);
        } else {
            loop {
                let field = match self.peek() {
                    Some(Tok::Comma | Tok::RBracket) => FieldSpec::Field {
                        name: String::new(),
                        cond: None,
                    },
                    Some(Tok::Ellipsis) => {
                        self.next();
                        FieldSpec::Ellipsis
                    }
                    _ => self.field()?,
                };
                // Adjacent ellipses mean the same as one.
                let repeat = matches!(field, FieldSpec::Ellipsis)
                    && matches!(fields.last(), Some(FieldSpec::Ellipsis));
                if !repeat {
                    fields.push(field);
                }
                match self.next() {
                    Some(Tok::Comma) => {}
                    Some(Tok::RBracket) => break,
                    _ => return Err(invalid()),
                }
            }
        }
        self.expect_end()?;
        Ok(Pattern::Delimited(DelimitedPattern { fields }))
    }

    fn field(&mut self) -> Result<FieldSpec, PatternError> {
        if let Some(Tok::Word(word)) = self.peek()
            && matches!(self.peek_second(), Some(Tok::Comma | Tok::RBracket))
        {
            let name = check_name(word)?.to_owned();
            self.next();
            return Ok(FieldSpec::Field { name, cond: None });
        }
        let mut name = None;
        let cond = self.cond_or(0, &mut name)?;
        Ok(FieldSpec::Field {
            name: name.unwrap_or_default(),
            cond: Some(cond),
        })
    }

    fn cond_or(&mut self, depth: usize, name: &mut Option<String>) -> Result<Cond, PatternError> {
        let mut items = vec![self.cond_and(depth, name)?];
        while self.peek() == Some(&Tok::OrOr) {
            self.next();
            items.push(self.cond_and(depth, name)?);
        }
        Ok(collapse(items, Cond::Or))
    }

    fn cond_and(&mut self, depth: usize, name: &mut Option<String>) -> Result<Cond, PatternError> {
        let mut items = vec![self.cond_unary(depth, name)?];
        while self.peek() == Some(&Tok::AndAnd) {
            self.next();
            items.push(self.cond_unary(depth, name)?);
        }
        Ok(collapse(items, Cond::And))
    }

    fn cond_unary(
        &mut self,
        depth: usize,
        name: &mut Option<String>,
    ) -> Result<Cond, PatternError> {
        match self.next() {
            Some(Tok::LParen) => {
                if depth >= MAX_DEPTH {
                    return Err(invalid());
                }
                let inner = self.cond_or(depth + 1, name)?;
                self.expect(&Tok::RParen)?;
                Ok(inner)
            }
            Some(Tok::Word(word)) => {
                check_name(&word)?;
                // A field's condition may only test that field: AWS rejects the old
                // documented `status_code = 4* && bytes > 1000`.
                match name {
                    Some(existing) if *existing != word => return Err(invalid()),
                    Some(_) => {}
                    None => *name = Some(word),
                }
                let op = self
                    .next()
                    .as_ref()
                    .and_then(compare_op)
                    .ok_or_else(invalid)?;
                Ok(Cond::Cmp(op, self.operand(op)?))
            }
            _ => Err(invalid()),
        }
    }
}

/// Field names are like unquoted terms: letters, digits and `_`.
fn check_name(word: &str) -> Result<&str, PatternError> {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(word)
    } else {
        Err(PatternError::invalid_term(word))
    }
}

fn compare_op(tok: &Tok) -> Option<CompareOp> {
    Some(match tok {
        Tok::Eq => CompareOp::Eq,
        Tok::Ne => CompareOp::Ne,
        Tok::Lt => CompareOp::Lt,
        Tok::Le => CompareOp::Le,
        Tok::Gt => CompareOp::Gt,
        Tok::Ge => CompareOp::Ge,
        _ => return None,
    })
}

/// One operand stands for itself; several become an `And`/`Or` node.
fn collapse<T>(mut items: Vec<T>, join: fn(Vec<T>) -> T) -> T {
    match items.pop() {
        Some(only) if items.is_empty() => only,
        Some(last) => {
            items.push(last);
            join(items)
        }
        None => join(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(pattern: &str) -> Pattern {
        parse(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e}"))
    }

    fn err(pattern: &str) -> String {
        match parse(pattern) {
            Ok(p) => panic!("{pattern:?} parsed as {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn texts(atoms: &[TermAtom]) -> Vec<&str> {
        atoms
            .iter()
            .map(|a| match a {
                TermAtom::Text(t) => t.as_str(),
                TermAtom::Regex(r) => r.source(),
            })
            .collect()
    }

    #[test]
    fn empty_and_blank_match_all() {
        assert!(matches!(ok(""), Pattern::MatchAll));
        assert!(matches!(ok(" \t "), Pattern::MatchAll));
    }

    #[test]
    fn term_roles() {
        let Pattern::Terms(t) = ok(r#"ERROR "a b" -Exiting %x%"#) else {
            panic!()
        };
        assert_eq!(texts(&t.required), ["ERROR", "a b", "x"]);
        assert_eq!(texts(&t.excluded), ["Exiting"]);
        assert!(t.optional.is_empty());

        let Pattern::Terms(t) = ok("?ERROR ?WARN") else {
            panic!()
        };
        assert_eq!(texts(&t.optional), ["ERROR", "WARN"]);

        // AWS: "?" terms are ignored when combined with other terms.
        let Pattern::Terms(t) = ok("?ERROR ?ARGUMENTS REQUEST") else {
            panic!()
        };
        assert_eq!(texts(&t.required), ["REQUEST"]);
        assert!(t.optional.is_empty());
        let Pattern::Terms(t) = ok("?ERROR -DEBUG") else {
            panic!()
        };
        assert_eq!(texts(&t.excluded), ["DEBUG"]);
        assert!(t.optional.is_empty());

        let Pattern::Terms(t) = ok(r#"" ""#) else {
            panic!()
        };
        assert_eq!(texts(&t.required), [""]);
    }

    #[test]
    fn json_shapes() {
        let Pattern::Json(JsonExpr::Or(items)) = ok("{ $.a = 1 && $.b = 2 || ($.c = 3) }") else {
            panic!()
        };
        assert!(
            matches!(items.as_slice(), [JsonExpr::And(and), JsonExpr::Cond(_)] if and.len() == 2)
        );

        let Pattern::Json(JsonExpr::Cond(c)) = ok("{ $.a >= -1.5e2 }") else {
            panic!()
        };
        assert!(matches!(
            c.test,
            JsonTest::Compare(CompareOp::Ge, Operand::Number(n)) if n == -150.0
        ));

        let Pattern::Json(JsonExpr::Cond(c)) = ok("{ $.ip != 123.123.* }") else {
            panic!()
        };
        assert!(matches!(
            c.test,
            JsonTest::Compare(CompareOp::Ne, Operand::Text(ref t)) if t == "123.123.*"
        ));

        let Pattern::Json(JsonExpr::Cond(c)) = ok(r#"{ $.n = "123" }"#) else {
            panic!()
        };
        assert!(matches!(c.test, JsonTest::Compare(_, Operand::Text(ref t)) if t == "123"));

        for (pattern, want) in [
            ("{ $.a IS NULL }", "IsNull"),
            ("{ $.a is true }", "IsTrue"),
            ("{ $.a IS FALSE }", "IsFalse"),
            ("{ $.a NOT EXISTS }", "NotExists"),
        ] {
            let Pattern::Json(JsonExpr::Cond(c)) = ok(pattern) else {
                panic!()
            };
            assert_eq!(format!("{:?}", c.test), want);
        }

        let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(64), ")".repeat(64));
        ok(&deep);
    }

    #[test]
    fn delimited_shapes() {
        let Pattern::Delimited(d) = ok("[]") else {
            panic!()
        };
        assert!(matches!(d.fields.as_slice(), [FieldSpec::Ellipsis]));

        let Pattern::Delimited(d) = ok("[..., ..., request=*.html*, status_code=4*,]") else {
            panic!()
        };
        let names: Vec<_> = d
            .fields
            .iter()
            .map(|f| match f {
                FieldSpec::Ellipsis => "...".to_owned(),
                FieldSpec::Field { name, cond } => format!("{name}:{}", cond.is_some()),
            })
            .collect();
        assert_eq!(names, ["...", "request:true", "status_code:true", ":false"]);

        let Pattern::Delimited(d) = ok("[w1=ERROR || (w1=WARN && w1!=%x%), w2]") else {
            panic!()
        };
        assert!(matches!(
            d.fields.first(),
            Some(FieldSpec::Field { name, cond: Some(Cond::Or(_)) }) if name == "w1"
        ));
    }

    #[test]
    fn malformed() {
        let cases = [
            // JSON structure
            ("{", "Invalid metric filter pattern"),
            ("{}", "Invalid metric filter pattern"),
            ("{ $.a }", "Invalid metric filter pattern"),
            ("{ $.a = }", "Invalid metric filter pattern"),
            ("{ $.a = 1 } x", "Invalid metric filter pattern"),
            ("{ $.a = 1 $.b = 2 }", "Invalid metric filter pattern"),
            ("{ ($.a = 1 }", "Invalid metric filter pattern"),
            ("{ $.a = 1 && }", "Invalid metric filter pattern"),
            ("{ $.a == 1 }", "Invalid metric filter pattern"),
            ("{ $.a IS NOT NULL }", "Invalid metric filter pattern"),
            ("{ $.a EXISTS }", "Invalid metric filter pattern"),
            ("{ $.a IS MAYBE }", "Invalid metric filter pattern"),
            ("{ $.a[*].b[*] = 1 }", "Invalid metric filter pattern"),
            (
                "{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }",
                "Invalid metric filter pattern",
            ),
            (
                "{ $.a = %x% || $.b = %y% || $.c = %z% }",
                "Invalid metric filter pattern",
            ),
            // Ordering operators take numbers only.
            (
                "{ $.s > unquoted_string }",
                "Invalid character(s) in term 'unquoted_string'",
            ),
            (
                r#"{ $.s >= "123" }"#,
                r#"Invalid character(s) in term '"123"'"#,
            ),
            ("{ $.s < 1* }", "Invalid character(s) in term '1*'"),
            ("{ $.s <= %1% }", "Invalid character(s) in term '%1%'"),
            // space-delimited
            ("[", "Invalid metric filter pattern"),
            ("[a", "Invalid metric filter pattern"),
            ("[a b]", "Invalid metric filter pattern"),
            ("[a] b", "Invalid metric filter pattern"),
            (
                "[...fields, status=FAILED]",
                "Invalid character(s) in term '...fields'",
            ),
            ("[a.b]", "Invalid character(s) in term 'a.b'"),
            ("[a = ]", "Invalid metric filter pattern"),
            ("[a > x]", "Invalid character(s) in term 'x'"),
            ("[a = 1 && b > 2]", "Invalid metric filter pattern"),
            ("[=1]", "Invalid metric filter pattern"),
            (
                "[a = %x%, b = %y%, c = %z%]",
                "Invalid metric filter pattern",
            ),
            // terms
            ("- ERROR", "Invalid character(s) in term '-'"),
        ];
        for (pattern, want) in cases {
            assert_eq!(err(pattern), want, "{pattern:?}");
        }
        let too_deep = format!("{{ {}$.a = 1{} }}", "(".repeat(65), ")".repeat(65));
        assert_eq!(err(&too_deep), "Invalid metric filter pattern");
        let too_deep = format!("[{}a = 1{}]", "(".repeat(65), ")".repeat(65));
        assert_eq!(err(&too_deep), "Invalid metric filter pattern");
    }

    #[test]
    fn collapse_keeps_single_items() {
        assert_eq!(collapse(vec![1], |v| v.len() as i32 * 10), 1);
        assert_eq!(collapse(vec![1, 2], |v| v.len() as i32 * 10), 20);
        assert_eq!(collapse(Vec::new(), |v| v.len() as i32 * 10), 0);
    }
}
