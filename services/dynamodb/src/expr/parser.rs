//! Phase 2: tokens → raw trees, by recursive descent.
//!
//! Grammars (keywords are case-insensitive; function names are not):
//!
//! ```text
//! condition  := and (OR and)*
//! and        := not (AND not)*
//! not        := NOT not | primary
//! primary    := operand (cmp operand | BETWEEN operand AND operand | IN '(' operand (',' operand)* ')')
//!             | call                                  -- a function used as a condition
//!             | '(' condition ')'
//! operand    := '(' operand ')' | call | :value | path
//! call       := ident '(' operand (',' operand)* ')'
//! path       := (ident | #name) ('.' (ident | #name) | '[' digits ']')*
//!
//! update     := (SET set (',' set)* | REMOVE path (',' path)*
//!               | ADD path :value (',' path :value)* | DELETE path :value (',' …)*)+
//! set        := path '=' (value | '(' value ')')
//! value      := operand (('+' | '-') operand)?
//!
//! projection := path (',' path)*
//! ```
//!
//! In update expressions an operand takes at most one pair of parentheses, as in DynamoDB.
//! A keyword of the grammar at hand cannot be an attribute or function name.
//!
//! `primary` is ambiguous at `(`: `(a) = :v` compares a parenthesised operand, `(a = :v)` is a
//! parenthesised condition. The parser tries the comparison first and backtracks. A syntax
//! error names the furthest token any alternative reached, which is how DynamoDB picks the
//! token it reports; `near` quotes the source from the token before it to the token after.
//!
//! Recursion is bounded ([`MAX_DEPTH`]) so hostile input cannot overflow the stack.

use super::ast::{Clause, RawUpdate};
use super::ast::{CmpOp, RawAction, RawCall, RawCond, RawElem, RawOperand, RawPath, RawSetValue};
use super::lexer::{Kind, Token, tokenize};

/// Deepest nesting of parentheses, NOTs and function calls the parser follows (AND and OR
/// chains are flat and do not count). Deeper input is reported as a syntax error at the
/// token where the limit was hit; the bound keeps every phase's recursion well inside a
/// small thread stack, even in unoptimised builds.
const MAX_DEPTH: usize = 100;

/// Keywords of condition expressions.
const CONDITION_KEYWORDS: &[&str] = &["AND", "OR", "NOT", "BETWEEN", "IN"];
/// Keywords of update expressions.
const UPDATE_KEYWORDS: &[&str] = &["SET", "REMOVE", "ADD", "DELETE"];

/// Which expression language is being parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Condition,
    Update,
    Projection,
}

/// A parsed condition and whether it contained redundant parentheses (`((…))`), which
/// DynamoDB rejects in condition and filter expressions but not in key conditions.
#[derive(Debug)]
pub(crate) struct ParsedCondition {
    pub(crate) tree: RawCond,
    pub(crate) redundant_parens: bool,
}

/// Parses a condition (also filter and key condition) expression; the error is DynamoDB's
/// syntax error text (`Syntax error; token: …, near: …`).
pub(crate) fn parse_condition(source: &str) -> Result<ParsedCondition, String> {
    let mut parser = Parser::new(source, Grammar::Condition);
    let result = parser
        .condition()
        .and_then(|(tree, _)| parser.end().map(|()| tree));
    match result {
        Ok(tree) => Ok(ParsedCondition {
            tree,
            redundant_parens: parser.redundant_parens,
        }),
        Err(Fail) => Err(parser.syntax_error()),
    }
}

/// Parses an update expression.
pub(crate) fn parse_update(source: &str) -> Result<RawUpdate, String> {
    let mut parser = Parser::new(source, Grammar::Update);
    parser.update().map_err(|Fail| parser.syntax_error())
}

/// Parses a projection expression.
pub(crate) fn parse_projection(source: &str) -> Result<Vec<RawPath>, String> {
    let mut parser = Parser::new(source, Grammar::Projection);
    let result = parser
        .projection()
        .and_then(|paths| parser.end().map(|()| paths));
    result.map_err(|Fail| parser.syntax_error())
}

/// One term stays itself; several become `make(terms)`.
fn join(mut terms: Vec<RawCond>, make: fn(Vec<RawCond>) -> RawCond) -> RawCond {
    match terms.pop() {
        Some(only) if terms.is_empty() => only,
        Some(last) => {
            terms.push(last);
            make(terms)
        }
        None => make(terms),
    }
}

/// A failed parse; where it failed is in [`Parser::furthest`].
#[derive(Debug)]
struct Fail;

type Parsed<T> = Result<T, Fail>;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    /// Furthest token index at which any alternative failed.
    furthest: usize,
    depth: usize,
    grammar: Grammar,
    redundant_parens: bool,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str, grammar: Grammar) -> Parser<'s> {
        Parser {
            source,
            tokens: tokenize(source),
            pos: 0,
            furthest: 0,
            depth: 0,
            grammar,
            redundant_parens: false,
        }
    }

    fn peek(&self) -> Token {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> Token {
        let last = self.tokens.len().saturating_sub(1);
        let eof = Token {
            kind: Kind::Eof,
            start: self.source.len(),
            end: self.source.len(),
        };
        self.tokens
            .get((self.pos + offset).min(last))
            .copied()
            .unwrap_or(eof)
    }

    fn text(&self, token: Token) -> &'s str {
        token.text(self.source)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != Kind::Eof {
            self.pos += 1;
        }
        token
    }

    fn fail<T>(&mut self) -> Parsed<T> {
        self.furthest = self.furthest.max(self.pos);
        Err(Fail)
    }

    fn expect(&mut self, kind: Kind) -> Parsed<Token> {
        if self.peek().kind == kind {
            Ok(self.bump())
        } else {
            self.fail()
        }
    }

    fn end(&mut self) -> Parsed<()> {
        self.expect(Kind::Eof).map(|_| ())
    }

    fn is_keyword(&self, token: Token, keyword: &str) -> bool {
        token.kind == Kind::Ident && self.text(token).eq_ignore_ascii_case(keyword)
    }

    /// Whether `token` is a keyword of the grammar being parsed (and so no name).
    fn is_grammar_keyword(&self, token: Token) -> bool {
        let keywords = match self.grammar {
            Grammar::Condition => CONDITION_KEYWORDS,
            Grammar::Update => UPDATE_KEYWORDS,
            Grammar::Projection => &[],
        };
        keywords.iter().any(|k| self.is_keyword(token, k))
    }

    /// DynamoDB's syntax error message for the furthest failure.
    fn syntax_error(&self) -> String {
        let at = self.furthest.min(self.tokens.len().saturating_sub(1));
        let Some(&token) = self.tokens.get(at) else {
            return "Syntax error; token: \"<EOF>\", near: \"\"".to_owned();
        };
        let previous = at.checked_sub(1).and_then(|i| self.tokens.get(i));
        let next = match token.kind {
            Kind::Eof => None,
            _ => self.tokens.get(at + 1).filter(|t| t.kind != Kind::Eof),
        };
        let start = previous.map_or(token.start, |t| t.start);
        let end = next.map_or(token.end, |t| t.end);
        let near = self.source.get(start..end).unwrap_or("");
        format!(
            "Syntax error; token: \"{}\", near: \"{near}\"",
            self.text(token)
        )
    }

    // ---- conditions -------------------------------------------------------------------

    /// `condition`; the flag says whether the result is a bare parenthesised group. AND and
    /// OR chains and NOT prefixes are handled in this one frame (a loop), so only
    /// parentheses and function calls cost stack.
    fn condition(&mut self) -> Parsed<(RawCond, bool)> {
        let mut or_terms = Vec::new();
        let mut and_terms = Vec::new();
        let mut grouped;
        let mut terms = 0;
        loop {
            terms += 1;
            let mut nots = 0;
            while self.is_keyword(self.peek(), "NOT") {
                self.bump();
                nots += 1;
                // NOT chains nest in the tree, so they spend the same budget as parentheses.
                if self.depth + nots >= MAX_DEPTH {
                    return self.fail();
                }
            }
            self.depth += nots;
            let primary = self.primary();
            self.depth -= nots;
            let (mut term, term_grouped) = primary?;
            grouped = term_grouped && nots == 0;
            for _ in 0..nots {
                term = RawCond::Not(Box::new(term));
            }
            and_terms.push(term);
            if self.is_keyword(self.peek(), "AND") {
                self.bump();
                continue;
            }
            or_terms.push(join(std::mem::take(&mut and_terms), RawCond::And));
            if self.is_keyword(self.peek(), "OR") {
                self.bump();
                continue;
            }
            break;
        }
        Ok((join(or_terms, RawCond::Or), grouped && terms == 1))
    }

    fn primary(&mut self) -> Parsed<(RawCond, bool)> {
        if self.depth >= MAX_DEPTH {
            return self.fail();
        }
        self.depth += 1;
        let result = self.primary_within_limit();
        self.depth -= 1;
        result
    }

    fn primary_within_limit(&mut self) -> Parsed<(RawCond, bool)> {
        let (start, redundant) = (self.pos, self.redundant_parens);
        if let Ok(comparison) = self.comparison() {
            return Ok((comparison, false));
        }
        self.pos = start;
        self.redundant_parens = redundant;
        if self.peek().kind != Kind::LParen {
            return self.fail();
        }
        self.bump();
        let (inner, grouped) = self.condition()?;
        self.expect(Kind::RParen)?;
        if grouped {
            self.redundant_parens = true;
        }
        Ok((inner, true))
    }

    fn comparison(&mut self) -> Parsed<RawCond> {
        let (left, grouped) = self.operand()?;
        let token = self.peek();
        let op = match token.kind {
            Kind::Eq => Some(CmpOp::Eq),
            Kind::Ne => Some(CmpOp::Ne),
            Kind::Lt => Some(CmpOp::Lt),
            Kind::Le => Some(CmpOp::Le),
            Kind::Gt => Some(CmpOp::Gt),
            Kind::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let (right, _) = self.operand()?;
            return Ok(RawCond::Cmp(op, left, right));
        }
        if self.is_keyword(token, "BETWEEN") {
            self.bump();
            let (low, _) = self.operand()?;
            if !self.is_keyword(self.peek(), "AND") {
                return self.fail();
            }
            self.bump();
            let (high, _) = self.operand()?;
            return Ok(RawCond::Between(left, low, high));
        }
        if self.is_keyword(token, "IN") {
            self.bump();
            self.expect(Kind::LParen)?;
            let list = self.operand_list()?;
            self.expect(Kind::RParen)?;
            return Ok(RawCond::In(left, list));
        }
        match left {
            RawOperand::Call(call) if !grouped => Ok(RawCond::Call(call)),
            _ => self.fail(),
        }
    }

    // ---- operands and paths -----------------------------------------------------------

    /// An operand; the flag says whether it was wrapped in parentheses.
    fn operand(&mut self) -> Parsed<(RawOperand, bool)> {
        if self.depth >= MAX_DEPTH {
            return self.fail();
        }
        self.depth += 1;
        let result = self.operand_within_limit();
        self.depth -= 1;
        result
    }

    fn operand_within_limit(&mut self) -> Parsed<(RawOperand, bool)> {
        let token = self.peek();
        match token.kind {
            Kind::LParen => {
                self.bump();
                // Update expressions take one pair of parentheses around an operand.
                if self.grammar == Grammar::Update && self.peek().kind == Kind::LParen {
                    return self.fail();
                }
                let (inner, grouped) = self.operand()?;
                self.expect(Kind::RParen)?;
                if grouped {
                    self.redundant_parens = true;
                }
                Ok((inner, true))
            }
            Kind::Value => {
                self.bump();
                Ok((RawOperand::Value(self.text(token).to_owned()), false))
            }
            Kind::Ident
                if self.peek_at(1).kind == Kind::LParen && !self.is_grammar_keyword(token) =>
            {
                self.bump();
                self.bump();
                let args = self.operand_list()?;
                self.expect(Kind::RParen)?;
                let name = self.text(token).to_owned();
                Ok((RawOperand::Call(RawCall { name, args }), false))
            }
            _ => Ok((RawOperand::Path(self.path()?), false)),
        }
    }

    fn operand_list(&mut self) -> Parsed<Vec<RawOperand>> {
        let mut list = vec![self.operand()?.0];
        while self.peek().kind == Kind::Comma {
            self.bump();
            list.push(self.operand()?.0);
        }
        Ok(list)
    }

    fn path(&mut self) -> Parsed<RawPath> {
        let mut elements = vec![self.path_name()?];
        loop {
            match self.peek().kind {
                Kind::Dot => {
                    self.bump();
                    elements.push(self.path_name()?);
                }
                Kind::LBracket => {
                    self.bump();
                    let token = self.peek();
                    let index = match token.kind {
                        Kind::Number => self.text(token).parse::<u32>().ok(),
                        _ => None,
                    };
                    let Some(index) = index else {
                        return self.fail();
                    };
                    self.bump();
                    self.expect(Kind::RBracket)?;
                    elements.push(RawElem::Index(index));
                }
                _ => return Ok(RawPath(elements)),
            }
        }
    }

    fn path_name(&mut self) -> Parsed<RawElem> {
        let token = self.peek();
        match token.kind {
            Kind::Ident if !self.is_grammar_keyword(token) => {
                self.bump();
                Ok(RawElem::Ident(self.text(token).to_owned()))
            }
            Kind::Name => {
                self.bump();
                Ok(RawElem::Name(self.text(token).to_owned()))
            }
            _ => self.fail(),
        }
    }

    // ---- updates ----------------------------------------------------------------------

    fn update(&mut self) -> Parsed<RawUpdate> {
        let mut clauses = Vec::new();
        loop {
            let token = self.peek();
            let clause = [Clause::Set, Clause::Remove, Clause::Add, Clause::Delete]
                .into_iter()
                .find(|c| self.is_keyword(token, c.keyword()));
            let Some(clause) = clause else {
                if token.kind == Kind::Eof && !clauses.is_empty() {
                    return Ok(RawUpdate(clauses));
                }
                return self.fail();
            };
            self.bump();
            let mut actions = vec![self.action(clause)?];
            while self.peek().kind == Kind::Comma {
                self.bump();
                actions.push(self.action(clause)?);
            }
            clauses.push((clause, actions));
        }
    }

    fn action(&mut self, clause: Clause) -> Parsed<RawAction> {
        let path = self.path()?;
        match clause {
            Clause::Set => {
                self.expect(Kind::Eq)?;
                Ok(RawAction::Set(path, self.set_value()?))
            }
            Clause::Remove => Ok(RawAction::Remove(path)),
            Clause::Add | Clause::Delete => {
                let token = self.expect(Kind::Value)?;
                let value = self.text(token).to_owned();
                Ok(match clause {
                    Clause::Add => RawAction::Add(path, value),
                    _ => RawAction::Delete(path, value),
                })
            }
        }
    }

    fn set_value(&mut self) -> Parsed<RawSetValue> {
        let start = self.pos;
        if let Ok(value) = self.arithmetic() {
            return Ok(value);
        }
        self.pos = start;
        self.expect(Kind::LParen)?;
        let value = self.arithmetic()?;
        self.expect(Kind::RParen)?;
        Ok(value)
    }

    fn arithmetic(&mut self) -> Parsed<RawSetValue> {
        let (left, _) = self.operand()?;
        let kind = self.peek().kind;
        if kind != Kind::Plus && kind != Kind::Minus {
            return Ok(RawSetValue::Operand(left));
        }
        self.bump();
        let (right, _) = self.operand()?;
        Ok(match kind {
            Kind::Plus => RawSetValue::Plus(left, right),
            _ => RawSetValue::Minus(left, right),
        })
    }

    // ---- projections ------------------------------------------------------------------

    fn projection(&mut self) -> Parsed<Vec<RawPath>> {
        let mut paths = vec![self.path()?];
        while self.peek().kind == Kind::Comma {
            self.bump();
            paths.push(self.path()?);
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str) -> RawElem {
        RawElem::Ident(name.to_owned())
    }

    fn path(names: &[&str]) -> RawOperand {
        RawOperand::Path(RawPath(names.iter().map(|n| ident(n)).collect()))
    }

    fn value(name: &str) -> RawOperand {
        RawOperand::Value(name.to_owned())
    }

    fn cmp(op: CmpOp, left: RawOperand, right: RawOperand) -> RawCond {
        RawCond::Cmp(op, left, right)
    }

    fn tree(source: &str) -> RawCond {
        parse_condition(source).unwrap().tree
    }

    #[test]
    fn condition_trees() {
        let a_eq = cmp(CmpOp::Eq, path(&["a"]), value(":v"));
        let b_lt = cmp(CmpOp::Lt, path(&["b"]), value(":w"));
        let c_gt = cmp(CmpOp::Gt, path(&["c"]), value(":x"));
        let cases = vec![
            ("a = :v", a_eq.clone()),
            ("a=:v", a_eq.clone()),
            ("(a = :v)", a_eq.clone()),
            ("(a) = :v", a_eq.clone()),
            ("a = (:v)", a_eq.clone()),
            (
                "a = :v AND b < :w OR c > :x",
                RawCond::Or(vec![
                    RawCond::And(vec![a_eq.clone(), b_lt.clone()]),
                    c_gt.clone(),
                ]),
            ),
            (
                "a = :v OR b < :w AND c > :x",
                RawCond::Or(vec![
                    a_eq.clone(),
                    RawCond::And(vec![b_lt.clone(), c_gt.clone()]),
                ]),
            ),
            (
                "(a = :v or b < :w) and c > :x",
                RawCond::And(vec![
                    RawCond::Or(vec![a_eq.clone(), b_lt.clone()]),
                    c_gt.clone(),
                ]),
            ),
            (
                "NOT a = :v AND b < :w",
                RawCond::And(vec![RawCond::Not(Box::new(a_eq.clone())), b_lt.clone()]),
            ),
            (
                "not not a = :v",
                RawCond::Not(Box::new(RawCond::Not(Box::new(a_eq.clone())))),
            ),
            (
                "a BETWEEN :v AND :w AND b < :w",
                RawCond::And(vec![
                    RawCond::Between(path(&["a"]), value(":v"), value(":w")),
                    b_lt.clone(),
                ]),
            ),
            ("a in (:v)", RawCond::In(path(&["a"]), vec![value(":v")])),
            (
                "a IN (:v, b, :w)",
                RawCond::In(path(&["a"]), vec![value(":v"), path(&["b"]), value(":w")]),
            ),
            (
                "attribute_exists(a)",
                RawCond::Call(RawCall {
                    name: "attribute_exists".into(),
                    args: vec![path(&["a"])],
                }),
            ),
            (
                "(begins_with(a, :v))",
                RawCond::Call(RawCall {
                    name: "begins_with".into(),
                    args: vec![path(&["a"]), value(":v")],
                }),
            ),
            (
                "size(a) > :x",
                cmp(
                    CmpOp::Gt,
                    RawOperand::Call(RawCall {
                        name: "size".into(),
                        args: vec![path(&["a"])],
                    }),
                    value(":x"),
                ),
            ),
            ("a.b <> :v", cmp(CmpOp::Ne, path(&["a", "b"]), value(":v"))),
            ("a <= :v", cmp(CmpOp::Le, path(&["a"]), value(":v"))),
            ("a >= :v", cmp(CmpOp::Ge, path(&["a"]), value(":v"))),
        ];
        for (source, expected) in cases {
            assert_eq!(tree(source), expected, "{source}");
        }
    }

    #[test]
    fn paths() {
        let expected = RawOperand::Path(RawPath(vec![
            ident("a"),
            RawElem::Name("#b".into()),
            RawElem::Index(3),
            RawElem::Index(0),
            ident("c"),
        ]));
        assert_eq!(
            tree("a.#b[3][0].c = :v"),
            cmp(CmpOp::Eq, expected.clone(), value(":v"))
        );
        assert_eq!(
            tree("a . #b [ 3 ] [0] . c = :v"),
            cmp(CmpOp::Eq, expected, value(":v"))
        );
        assert_eq!(parse_projection("a, b.c, #d[1]").unwrap().len(), 3);
        assert_eq!(parse_projection("and, set").unwrap().len(), 2);
    }

    #[test]
    fn update_trees() {
        let parsed =
            parse_update("set a = :v, b = c + :w remove d, e[1] ADD f :x DELETE g :y").unwrap();
        let a = RawPath(vec![ident("a")]);
        let b = RawPath(vec![ident("b")]);
        assert_eq!(
            parsed,
            RawUpdate(vec![
                (
                    Clause::Set,
                    vec![
                        RawAction::Set(a, RawSetValue::Operand(value(":v"))),
                        RawAction::Set(b, RawSetValue::Plus(path(&["c"]), value(":w"))),
                    ],
                ),
                (
                    Clause::Remove,
                    vec![
                        RawAction::Remove(RawPath(vec![ident("d")])),
                        RawAction::Remove(RawPath(vec![ident("e"), RawElem::Index(1)])),
                    ],
                ),
                (
                    Clause::Add,
                    vec![RawAction::Add(RawPath(vec![ident("f")]), ":x".into())]
                ),
                (
                    Clause::Delete,
                    vec![RawAction::Delete(RawPath(vec![ident("g")]), ":y".into())]
                ),
            ])
        );
        for source in [
            "SET a = (b + c)",
            "SET a = (b) + (c)",
            "set a = ((b.c.d)+(e))",
            "SET a = if_not_exists(a, b) + b",
            "SET a = list_append(if_not_exists(a, :e), :v)",
            "SET a = b - :c",
            "SET a=b-c",
            "SET a = (:v)",
            "SET a[1].b = :v",
            "set a = :v set b = :w",
        ] {
            assert!(parse_update(source).is_ok(), "{source}");
        }
    }

    #[test]
    fn syntax_errors_name_the_token_and_its_neighbours() {
        let cases = [
            // Update expressions.
            ("INVALID SYNTAX HERE", "INVALID", "INVALID SYNTAX"),
            ("ADD hits : incr", ":", "hits : incr"),
            ("set a", "<EOF>", "a"),
            ("set a ", "<EOF>", "a "),
            ("whatever", "whatever", "whatever"),
            ("add a", "<EOF>", "a"),
            ("delete a", "<EOF>", "a"),
            ("set a=set", "set", "=set"),
            ("remove a = b", "=", "a = b"),
            ("add a = b", "=", "a = b"),
            ("delete a b", "b", "a b"),
            (
                "delete a if_not_exist(b)",
                "if_not_exist",
                "a if_not_exist(",
            ),
            ("remove a b", "b", "a b"),
            ("set a b", "b", "a b"),
            ("set :a = b", ":a", "set :a ="),
            ("add :a b", ":a", "add :a b"),
            ("remove :a", ":a", "remove :a"),
            ("set a = b / c", "/", "b / c"),
            ("set a = b * c", "*", "b * c"),
            ("set a[1] = \"eight\"", "\"", "= \"eight"),
            ("set a[1] = 1", "1", "= 1"),
            ("SET if_not_exist(a, b) = a", "(", "if_not_exist(a"),
            ("set (a = (b + c))", "(", "set (a"),
            ("set a = (b.c).d + e", ".", ").d"),
            ("set a = (b.c)[0] + e", "[", ")[0"),
            ("set a = b + c + d", "+", "c + d"),
            ("set a = (((b)))", "(", "((b"),
            ("SET a = :v,", "<EOF>", ","),
            ("SET", "<EOF>", "SET"),
            ("SET a = :v REMOVE", "<EOF>", "REMOVE"),
            ("SET a[x] = :v", "x", "[x]"),
            ("SET a[99999999999] = :v", "99999999999", "[99999999999]"),
            ("SET a = f()", ")", "()"),
            ("SET a = :v:w", ":w", ":v:w"),
        ];
        for (source, token, near) in cases {
            let message = parse_update(source).map(|_| ()).expect_err(source);
            assert_eq!(
                message,
                format!("Syntax error; token: \"{token}\", near: \"{near}\""),
                "{source}"
            );
        }
    }

    #[test]
    fn condition_syntax_errors() {
        let cases = [
            ("a", "<EOF>", "a"),
            ("a =", "<EOF>", "="),
            ("= :v", "=", "= :v"),
            ("a = :v)", ")", ":v)"),
            ("(a = :v", "<EOF>", ":v"),
            ("a = :v AND", "<EOF>", "AND"),
            ("a BETWEEN :v", "<EOF>", ":v"),
            ("a BETWEEN :v OR :w", "OR", ":v OR :w"),
            ("a IN :v", ":v", "IN :v"),
            ("a IN ()", ")", "()"),
            ("a = and", "and", "= and"),
            ("and = :v", "and", "and ="),
            ("a = :v b", "b", ":v b"),
            ("a.in = :v", "in", ".in ="),
            ("a == :v", "=", "== :v"),
            ("a ! :v", "!", "a ! :v"),
            ("(a)", "<EOF>", ")"),
            ("NOT", "<EOF>", "NOT"),
            ("a = :v AND (b)", "<EOF>", ")"),
        ];
        for (source, token, near) in cases {
            assert_eq!(
                parse_condition(source).unwrap_err(),
                format!("Syntax error; token: \"{token}\", near: \"{near}\""),
                "{source}"
            );
        }
    }

    #[test]
    fn projection_syntax_errors() {
        let cases = [
            ("a,", "<EOF>", ","),
            ("a b", "b", "a b"),
            (":v", ":v", ":v"),
            ("a.", "<EOF>", "."),
            ("size(a)", "(", "size(a"),
        ];
        for (source, token, near) in cases {
            assert_eq!(
                parse_projection(source).unwrap_err(),
                format!("Syntax error; token: \"{token}\", near: \"{near}\""),
                "{source}"
            );
        }
    }

    #[test]
    fn redundant_parentheses_are_flagged() {
        for (source, redundant) in [
            ("a = :v", false),
            ("(a = :v)", false),
            ("((a = :v))", true),
            ("(a = :v AND (b = :w))", false),
            ("((a) = :v)", false),
            ("((a)) = :v", true),
            ("NOT ((a = :v))", true),
            ("((a = :v) AND b = :w)", false),
            ("(((attribute_exists(a))))", true),
            ("((a = :v AND b = :w))", true),
            ("((a = :v) AND (b = :w))", false),
            ("(a = :v) OR ((b = :w))", true),
            (
                "(attribute_not_exists(pk)) AND (attribute_not_exists(#s))",
                false,
            ),
        ] {
            assert_eq!(
                parse_condition(source).unwrap().redundant_parens,
                redundant,
                "{source}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        // Far deeper than the limit: a syntax error, not a stack overflow.
        let deep = format!("{}a = :v{}", "(".repeat(5000), ")".repeat(5000));
        assert!(
            parse_condition(&deep)
                .unwrap_err()
                .starts_with("Syntax error; token: ")
        );
        let nots = format!("{}a = :v", "NOT ".repeat(5000));
        assert!(parse_condition(&nots).is_err());
        let calls = format!("SET a = {}:v{}", "f(".repeat(5000), ")".repeat(5000));
        assert!(parse_update(&calls).is_err());
        let operands = format!("{}a{} = :v", "(".repeat(5000), ")".repeat(5000));
        assert!(parse_condition(&operands).is_err());
        // Within the limit, nesting works.
        let ok = format!("{}a = :v{}", "(".repeat(90), ")".repeat(90));
        assert!(parse_condition(&ok).unwrap().redundant_parens);
        let ok_nots = format!("{}a = :v", "NOT ".repeat(90));
        assert!(parse_condition(&ok_nots).is_ok());
    }
}
