//! Phase 2: recursive-descent parser from tokens to [`Command`]s.
//!
//! Errors follow the service's MalformedQueryException wording, naming the
//! first token that cannot continue the query: `unexpected symbol found <tok>
//! at line L and position P`. Unknown functions are reported at their `(`
//! (the name itself reads as a field), as the service does for `sort bin(5m)`.
//!
//! Expression precedence, loosest first: `or`; `and`; `not`; comparisons,
//! `like`/`=~`/`in` (and `not like`/`not in`); `+ -`; `* / %`; `^` (right
//! associative); unary `-`; literals, fields, calls and parentheses.

use super::QueryError;
use super::ast::{
    AggFunc, AggSpec, BinOp, Command, Expr, Func, ParseMatcher, Period, Projection, SortKey, Stats,
    TimeUnit, UnOp, glob_to_regex,
};
use super::lexer::{Lexer, MAX_QUERY_CHARS, Tok, Token};
use super::regex::Regex;

/// Most commands one query may chain.
const MAX_COMMANDS: usize = 100;
/// Deepest expression nesting accepted.
const MAX_DEPTH: usize = 48;
/// Most `stats` commands one query may hold (the documented limit).
const MAX_STATS: usize = 2;
/// Largest `limit` value honoured.
pub(crate) const MAX_LIMIT: usize = 100_000;

/// Words that cannot stand for a field in operand position.
const RESERVED: [&str; 7] = ["and", "or", "not", "like", "in", "as", "by"];

/// Parses a whole query into its pipeline of commands.
pub(crate) fn parse(query: &str) -> Result<Vec<Command>, QueryError> {
    let lexer = Lexer::new(query);
    if lexer.len() > MAX_QUERY_CHARS {
        return Err(lexer.unexpected_span(MAX_QUERY_CHARS, MAX_QUERY_CHARS + 1));
    }
    let mut parser = Parser {
        lx: &lexer,
        pos: 0,
        depth: 0,
        aggs: None,
        in_agg: false,
    };
    parser.query()
}

/// Parser state: a cursor into the lexer plus `stats` context.
struct Parser<'a> {
    lx: &'a Lexer,
    pos: usize,
    depth: usize,
    /// Aggregates of the `stats` item being parsed (`None` outside `stats`).
    aggs: Option<Vec<AggSpec>>,
    /// Inside an aggregate's arguments (aggregates do not nest).
    in_agg: bool,
}

impl Parser<'_> {
    fn peek(&self, regex: bool) -> Result<Token, QueryError> {
        self.lx.token_at(self.pos, regex)
    }

    fn advance(&mut self, token: &Token) {
        self.pos = token.end;
    }

    fn unexpected(&self, token: &Token) -> QueryError {
        self.lx.unexpected(token)
    }

    /// Consumes the next token if it is the bare word `word`.
    fn eat_word(&mut self, word: &str) -> Result<bool, QueryError> {
        let token = self.peek(false)?;
        if token.is_word(word) {
            self.advance(&token);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Consumes the next token, which must be `want`.
    fn expect(&mut self, want: &Tok) -> Result<Token, QueryError> {
        let token = self.peek(false)?;
        if &token.tok == want {
            self.advance(&token);
            Ok(token)
        } else {
            Err(self.unexpected(&token))
        }
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let token = self.peek(true)?;
            return Err(self.unexpected(&token));
        }
        Ok(())
    }

    fn query(&mut self) -> Result<Vec<Command>, QueryError> {
        let mut commands = Vec::new();
        let mut after_dedup = false;
        let mut stats_seen = 0;
        loop {
            let token = self.peek(false)?;
            let Tok::Ident(word) = &token.tok else {
                return Err(self.unexpected(&token));
            };
            let word = word.to_ascii_lowercase();
            // Only `limit` may follow `dedup`.
            if commands.len() >= MAX_COMMANDS || (after_dedup && word != "limit") {
                return Err(self.unexpected(&token));
            }
            self.advance(&token);
            let command = match word.as_str() {
                "fields" => Command::Fields(self.projections()?),
                "display" => Command::Display(self.names()?),
                "filter" | "where" => Command::Filter(self.expr()?),
                "stats" => {
                    stats_seen += 1;
                    if stats_seen > MAX_STATS {
                        return Err(self.unexpected(&token));
                    }
                    Command::Stats(self.stats()?)
                }
                "sort" => Command::Sort(self.sort_keys()?),
                "limit" => Command::Limit(self.limit()?),
                "parse" => self.parse_command()?,
                "dedup" => {
                    after_dedup = true;
                    Command::Dedup(self.names()?)
                }
                _ => return Err(self.unexpected(&token)),
            };
            commands.push(command);
            let separator = self.peek(false)?;
            match separator.tok {
                Tok::Eof => return Ok(commands),
                Tok::Pipe => self.advance(&separator),
                _ => return Err(self.unexpected(&separator)),
            }
        }
    }

    /// A field name: a bare word or a backtick-quoted name.
    fn name(&mut self) -> Result<String, QueryError> {
        let token = self.peek(false)?;
        match &token.tok {
            Tok::Ident(name) if !is_reserved(name) => {
                self.advance(&token);
                Ok(name.clone())
            }
            Tok::Quoted(name) => {
                self.advance(&token);
                Ok(name.clone())
            }
            _ => Err(self.unexpected(&token)),
        }
    }

    /// `name, name, ...`
    fn names(&mut self) -> Result<Vec<String>, QueryError> {
        let mut names = vec![self.name()?];
        while self.peek(false)?.tok == Tok::Comma {
            self.expect(&Tok::Comma)?;
            names.push(self.name()?);
        }
        Ok(names)
    }

    /// `expr [as alias], ...`
    fn projections(&mut self) -> Result<Vec<Projection>, QueryError> {
        let mut out = vec![self.projection()?];
        while self.peek(false)?.tok == Tok::Comma {
            self.expect(&Tok::Comma)?;
            out.push(self.projection()?);
        }
        Ok(out)
    }

    fn projection(&mut self) -> Result<Projection, QueryError> {
        let start = self.peek(true)?.start;
        let expr = self.expr()?;
        let end = self.pos;
        let name = if self.eat_word("as")? {
            self.name()?
        } else if let Expr::Field(field) = &expr {
            field.clone()
        } else {
            self.lx.text(start, end)
        };
        Ok(Projection { expr, name })
    }

    fn stats(&mut self) -> Result<Stats, QueryError> {
        self.aggs = Some(Vec::new());
        let mut items = Vec::new();
        loop {
            let first = self.peek(true)?;
            let before = self.aggs.as_ref().map_or(0, Vec::len);
            let item = self.projection()?;
            if self.aggs.as_ref().map_or(0, Vec::len) == before {
                // A stats item must aggregate something.
                return Err(self.unexpected(&first));
            }
            items.push(item);
            if self.peek(false)?.tok != Tok::Comma {
                break;
            }
            self.expect(&Tok::Comma)?;
        }
        let aggs = self.aggs.take().unwrap_or_default();
        let by = if self.eat_word("by")? {
            self.projections()?
        } else {
            Vec::new()
        };
        Ok(Stats { aggs, items, by })
    }

    fn sort_keys(&mut self) -> Result<Vec<SortKey>, QueryError> {
        let mut keys = Vec::new();
        loop {
            let field = self.name()?;
            let descending = if self.eat_word("desc")? {
                true
            } else {
                self.eat_word("asc")?;
                false
            };
            keys.push(SortKey { field, descending });
            if self.peek(false)?.tok != Tok::Comma {
                return Ok(keys);
            }
            self.expect(&Tok::Comma)?;
        }
    }

    fn limit(&mut self) -> Result<usize, QueryError> {
        let token = self.peek(false)?;
        match token.tok {
            Tok::Number(n) if n.fract() == 0.0 && n >= 1.0 => {
                self.advance(&token);
                Ok(if n >= MAX_LIMIT as f64 {
                    MAX_LIMIT
                } else {
                    n as usize
                })
            }
            _ => Err(self.unexpected(&token)),
        }
    }

    fn parse_command(&mut self) -> Result<Command, QueryError> {
        let mut token = self.peek(true)?;
        let source = match &token.tok {
            Tok::Str(_) | Tok::Regex(_) => "@message".to_string(),
            Tok::Ident(_) | Tok::Quoted(_) => {
                let source = self.name()?;
                token = self.peek(true)?;
                source
            }
            _ => return Err(self.unexpected(&token)),
        };
        self.advance(&token);
        let matcher = match &token.tok {
            Tok::Str(glob) => {
                let stars = glob.matches('*').count();
                if stars == 0 {
                    return Err(self.unexpected(&token));
                }
                let as_token = self.peek(false)?;
                if !self.eat_word("as")? {
                    return Err(self.unexpected(&as_token));
                }
                let mut names = Vec::new();
                loop {
                    let name_token = self.peek(false)?;
                    let name = self.name()?;
                    if names.len() == stars {
                        // More names than wildcards.
                        return Err(self.unexpected(&name_token));
                    }
                    names.push(name);
                    let next = self.peek(false)?;
                    if next.tok != Tok::Comma {
                        if names.len() < stars {
                            // Fewer names than wildcards.
                            return Err(self.unexpected(&next));
                        }
                        break;
                    }
                    self.advance(&next);
                }
                let regex =
                    Regex::new(&glob_to_regex(glob)).map_err(|_| self.unexpected(&token))?;
                ParseMatcher::Glob { regex, names }
            }
            Tok::Regex(pattern) => {
                let regex = Regex::new(pattern).map_err(|_| self.unexpected(&token))?;
                if regex.names().is_empty() {
                    return Err(self.unexpected(&token));
                }
                ParseMatcher::Regex(regex)
            }
            _ => return Err(self.unexpected(&token)),
        };
        Ok(Command::Parse { source, matcher })
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        self.enter()?;
        let result = self.or_expr();
        self.depth -= 1;
        result
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and_expr()?;
        while self.eat_word("or")? {
            let right = self.and_expr()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.not_expr()?;
        while self.eat_word("and")? {
            let right = self.not_expr()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, QueryError> {
        if self.eat_word("not")? {
            self.enter()?;
            let inner = self.not_expr();
            self.depth -= 1;
            return Ok(Expr::Unary(UnOp::Not, Box::new(inner?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.additive()?;
        let token = self.peek(false)?;
        let op = match token.tok {
            Tok::Eq => Some(BinOp::Eq),
            Tok::Ne => Some(BinOp::Ne),
            Tok::Lt => Some(BinOp::Lt),
            Tok::Le => Some(BinOp::Le),
            Tok::Gt => Some(BinOp::Gt),
            Tok::Ge => Some(BinOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.advance(&token);
            let right = self.additive()?;
            return Ok(Expr::Binary(op, Box::new(left), Box::new(right)));
        }
        let mut negated = false;
        let mut keyword = token.clone();
        if token.is_word("not") {
            let next = self.lx.token_at(token.end, false)?;
            if !(next.is_word("like") || next.is_word("in")) {
                return Ok(left);
            }
            negated = true;
            keyword = next;
        }
        if keyword.tok == Tok::Tilde || keyword.is_word("like") {
            self.advance(&keyword);
            let pattern = self.pattern()?;
            return Ok(Expr::Like {
                expr: Box::new(left),
                pattern: Box::new(pattern),
                negated,
            });
        }
        if keyword.is_word("in") {
            self.advance(&keyword);
            let list = self.list()?;
            return Ok(Expr::In {
                expr: Box::new(left),
                list,
                negated,
            });
        }
        Ok(left)
    }

    /// Right side of `like`: a regex literal or any expression (substring).
    fn pattern(&mut self) -> Result<Expr, QueryError> {
        let token = self.peek(true)?;
        if let Tok::Regex(pattern) = &token.tok {
            let regex = Regex::new(pattern).map_err(|_| self.unexpected(&token))?;
            self.advance(&token);
            return Ok(Expr::Regex(regex));
        }
        self.additive()
    }

    /// `[expr, ...]`
    fn list(&mut self) -> Result<Vec<Expr>, QueryError> {
        self.expect(&Tok::LBracket)?;
        let mut items = Vec::new();
        if self.peek(true)?.tok == Tok::RBracket {
            self.expect(&Tok::RBracket)?;
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            let token = self.peek(false)?;
            match token.tok {
                Tok::Comma => self.advance(&token),
                Tok::RBracket => {
                    self.advance(&token);
                    return Ok(items);
                }
                _ => return Err(self.unexpected(&token)),
            }
        }
    }

    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.multiplicative()?;
        loop {
            let token = self.peek(false)?;
            let op = match token.tok {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.advance(&token);
            let right = self.multiplicative()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.power()?;
        loop {
            let token = self.peek(false)?;
            let op = match token.tok {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::Percent => BinOp::Mod,
                _ => return Ok(left),
            };
            self.advance(&token);
            let right = self.power()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn power(&mut self) -> Result<Expr, QueryError> {
        let base = self.unary()?;
        let token = self.peek(false)?;
        if token.tok != Tok::Caret {
            return Ok(base);
        }
        self.advance(&token);
        self.enter()?;
        let exponent = self.power();
        self.depth -= 1;
        Ok(Expr::Binary(
            BinOp::Pow,
            Box::new(base),
            Box::new(exponent?),
        ))
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let token = self.peek(true)?;
        if token.tok != Tok::Minus {
            return self.primary();
        }
        self.advance(&token);
        self.enter()?;
        let inner = self.unary();
        self.depth -= 1;
        Ok(match inner? {
            Expr::Num(n) => Expr::Num(-n),
            other => Expr::Unary(UnOp::Neg, Box::new(other)),
        })
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let token = self.peek(true)?;
        let expr = match &token.tok {
            Tok::Number(n) => Expr::Num(*n),
            Tok::Str(s) => Expr::Str(s.clone()),
            Tok::Regex(pattern) => {
                Expr::Regex(Regex::new(pattern).map_err(|_| self.unexpected(&token))?)
            }
            Tok::Period(amount, unit) => match TimeUnit::parse(unit) {
                Some(unit) if *amount >= 1 => Expr::Period(Period {
                    amount: *amount,
                    unit,
                }),
                _ => return Err(self.unexpected(&token)),
            },
            Tok::Quoted(name) => Expr::Field(name.clone()),
            Tok::Ident(name) if !is_reserved(name) => {
                let next = self.lx.token_at(token.end, false)?;
                if next.tok == Tok::LParen {
                    self.advance(&token);
                    return self.call(name, &next);
                }
                Expr::Field(name.clone())
            }
            Tok::LParen => {
                self.advance(&token);
                let inner = self.expr()?;
                self.expect(&Tok::RParen)?;
                return Ok(inner);
            }
            _ => return Err(self.unexpected(&token)),
        };
        self.advance(&token);
        Ok(expr)
    }

    /// A function call; the cursor is on its `(`.
    fn call(&mut self, name: &str, lparen: &Token) -> Result<Expr, QueryError> {
        if self.aggs.is_some()
            && !self.in_agg
            && let Some((func, min, max)) = AggFunc::lookup(name)
        {
            self.advance(lparen);
            let args = if func == AggFunc::Count && self.peek(true)?.tok == Tok::Star {
                let star = self.peek(true)?;
                self.advance(&star);
                self.expect(&Tok::RParen)?;
                Vec::new()
            } else {
                self.in_agg = true;
                let args = self.arguments(min, max);
                self.in_agg = false;
                args?.into_iter().map(|(arg, _)| arg).collect()
            };
            let aggs = self.aggs.get_or_insert_with(Vec::new);
            aggs.push(AggSpec { func, args });
            return Ok(Expr::Agg(aggs.len() - 1));
        }
        let Some((func, min, max)) = Func::lookup(name) else {
            return Err(self.unexpected(lparen));
        };
        self.advance(lparen);
        let args = self.arguments(min, max)?;
        // Time functions take a period literal.
        let period_arg = match func {
            Func::Bin => Some(0),
            Func::DateFloor | Func::DateCeil => Some(1),
            _ => None,
        };
        if let Some((arg, token)) = period_arg.and_then(|index| args.get(index))
            && !matches!(arg, Expr::Period(_))
        {
            return Err(self.unexpected(token));
        }
        Ok(Expr::Call(
            func,
            args.into_iter().map(|(arg, _)| arg).collect(),
        ))
    }

    /// Arguments up to the closing `)`, each with its first token.
    fn arguments(&mut self, min: usize, max: usize) -> Result<Vec<(Expr, Token)>, QueryError> {
        let mut args = Vec::new();
        let first = self.peek(true)?;
        if first.tok == Tok::RParen {
            self.advance(&first);
            if min > 0 {
                return Err(self.unexpected(&first));
            }
            return Ok(args);
        }
        loop {
            let start = self.peek(true)?;
            args.push((self.expr()?, start));
            let token = self.peek(false)?;
            match token.tok {
                Tok::Comma if args.len() < max => self.advance(&token),
                Tok::RParen => {
                    if args.len() < min {
                        return Err(self.unexpected(&token));
                    }
                    self.advance(&token);
                    return Ok(args);
                }
                _ => return Err(self.unexpected(&token)),
            }
        }
    }
}

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Box<Expr> {
        Box::new(Expr::Field(name.into()))
    }

    fn err(query: &str) -> String {
        parse(query).unwrap_err().to_string()
    }

    #[test]
    fn pipeline_of_commands() {
        let cmds = parse("fields @timestamp, @message | sort @timestamp desc | limit 20").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(
            cmds[0],
            Command::Fields(vec![
                Projection {
                    expr: Expr::Field("@timestamp".into()),
                    name: "@timestamp".into()
                },
                Projection {
                    expr: Expr::Field("@message".into()),
                    name: "@message".into()
                },
            ])
        );
        assert_eq!(
            cmds[1],
            Command::Sort(vec![SortKey {
                field: "@timestamp".into(),
                descending: true
            }])
        );
        assert_eq!(cmds[2], Command::Limit(20));
    }

    #[test]
    fn keywords_are_case_insensitive_and_comments_skipped() {
        let cmds = parse("FIELDS a # note\n| FILTER a > 1 AND NOT b | LIMIT 5").unwrap();
        assert_eq!(cmds.len(), 3);
        assert!(matches!(
            &cmds[1],
            Command::Filter(Expr::Binary(BinOp::And, _, _))
        ));
    }

    #[test]
    fn projection_names_use_alias_field_or_text() {
        let cmds = parse("fields abs(f3-f4), x as y, `foo-bar`").unwrap();
        let Command::Fields(p) = &cmds[0] else {
            panic!()
        };
        assert_eq!(p[0].name, "abs(f3-f4)");
        assert_eq!(p[1].name, "y");
        assert_eq!(p[2].name, "foo-bar");
    }

    #[test]
    fn precedence_of_boolean_and_arithmetic_operators() {
        let cmds = parse("filter a = 1 or b = 2 and c + 2 * 3 > 4").unwrap();
        let Command::Filter(Expr::Binary(BinOp::Or, _, right)) = &cmds[0] else {
            panic!()
        };
        let Expr::Binary(BinOp::And, _, cmp) = right.as_ref() else {
            panic!()
        };
        let Expr::Binary(BinOp::Gt, sum, _) = cmp.as_ref() else {
            panic!()
        };
        let Expr::Binary(BinOp::Add, _, product) = sum.as_ref() else {
            panic!()
        };
        assert!(matches!(product.as_ref(), Expr::Binary(BinOp::Mul, _, _)));
    }

    #[test]
    fn like_in_and_their_negations() {
        let cmds =
            parse("filter m like /Err/ and m not like 'x' and s in [1, 2] and t not in ['a']")
                .unwrap();
        let Command::Filter(e) = &cmds[0] else {
            panic!()
        };
        let text = format!("{e:?}");
        assert!(text.contains("negated: true"));
        assert!(text.contains("Regex"));
        let cmds = parse("filter f1 =~ /(?i)exception/").unwrap();
        assert!(matches!(
            &cmds[0],
            Command::Filter(Expr::Like { negated: false, .. })
        ));
        assert_eq!(
            parse("filter @logStream not in []").unwrap(),
            vec![Command::Filter(Expr::In {
                expr: field("@logStream"),
                list: vec![],
                negated: true
            })]
        );
    }

    #[test]
    fn stats_lifts_aggregates() {
        let cmds = parse("stats count(*) as c, sum(bytes)/1024 by bin(5m), host").unwrap();
        let Command::Stats(stats) = &cmds[0] else {
            panic!()
        };
        assert_eq!(stats.aggs.len(), 2);
        assert_eq!(
            stats.aggs[0],
            AggSpec {
                func: AggFunc::Count,
                args: vec![]
            }
        );
        assert_eq!(stats.items[0].name, "c");
        assert_eq!(stats.items[1].name, "sum(bytes)/1024");
        assert!(matches!(
            stats.items[1].expr,
            Expr::Binary(BinOp::Div, _, _)
        ));
        assert_eq!(stats.by[0].name, "bin(5m)");
        assert_eq!(stats.by[1].name, "host");
        assert!(parse("stats count() by x").is_ok());
    }

    #[test]
    fn parse_command_forms() {
        let cmds = parse("parse @message \"user=*, method:*\" as u, m").unwrap();
        let Command::Parse {
            source,
            matcher: ParseMatcher::Glob { names, .. },
        } = &cmds[0]
        else {
            panic!()
        };
        assert_eq!(source, "@message");
        assert_eq!(names, &["u".to_string(), "m".to_string()]);
        let cmds = parse("parse '[*]' as level").unwrap();
        assert!(matches!(&cmds[0], Command::Parse { source, .. } if source == "@message"));
        let cmds = parse("parse @message /(?<ip>\\d+\\.\\d+) (?<code>\\d+)/").unwrap();
        let Command::Parse {
            matcher: ParseMatcher::Regex(re),
            ..
        } = &cmds[0]
        else {
            panic!()
        };
        assert_eq!(re.names().len(), 2);
    }

    #[test]
    fn errors_follow_service_wording() {
        assert_eq!(
            err(""),
            "unexpected symbol found <EOF> at line 1 and position 0"
        );
        assert_eq!(
            err("fields a |"),
            "unexpected symbol found <EOF> at line 1 and position 10"
        );
        assert_eq!(
            err("count(*)"),
            "unexpected symbol found count at line 1 and position 0"
        );
        assert_eq!(
            err("fields @timestamp | sort bin(5m)"),
            "unexpected symbol found ( at line 1 and position 28"
        );
        assert_eq!(
            err("filter @message like /x/i"),
            "unexpected symbol found i at line 1 and position 24"
        );
        assert_eq!(
            err("fields a | dedup a | sort a"),
            "unexpected symbol found sort at line 1 and position 21"
        );
        assert_eq!(
            err("fields a\n| bogus"),
            "unexpected symbol found bogus at line 2 and position 2"
        );
        let e = parse("fields a | bogus").unwrap_err();
        assert_eq!(e.location(), (11, 15));
    }

    #[test]
    fn semantic_checks_are_reported_at_a_token() {
        assert!(err("fields count(*)").contains("found ("));
        assert!(err("fields nosuchfn(x)").contains("found ("));
        assert!(err("stats x by y").contains("found x"));
        assert!(err("stats sum(max(x))").contains("found ("));
        assert!(err("stats count(*) by sum(x)").contains("found ("));
        assert!(err("fields substr(a)").contains("found )"));
        assert!(err("fields abs(a, b)").contains("found ,"));
        assert!(err("stats count(*) by bin(5x)").contains("found 5x"));
        assert!(err("stats count(*) by bin(x)").contains("found x"));
        assert!(err("parse @message \"a=* b=*\" as a").contains("found <EOF>"));
        assert!(err("parse @message \"a=*\" as a, b").contains("found b"));
        assert!(err("parse @message \"abc\" as a").contains("found \"abc\""));
        assert!(err("parse @message /no groups/").contains("found /no groups/"));
        assert!(err("filter x like /(/").contains("found /(/"));
        assert!(err("limit 0").contains("found 0"));
        assert!(err("limit 2.5").contains("found 2.5"));
        assert!(err("stats count(*) | stats count(*) | stats count(*)").contains("found stats"));
        assert!(err("filter and").contains("found and"));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(
            parse("limit 999999999").unwrap(),
            vec![Command::Limit(MAX_LIMIT)]
        );
        let deep = format!("filter {}x{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).is_err());
        let negs = format!("fields {}1", "-".repeat(500));
        assert!(parse(&negs).is_err());
        let nots = format!("filter {}x", "not ".repeat(500));
        assert!(parse(&nots).is_err());
        let long = format!("fields {}", "a".repeat(MAX_QUERY_CHARS));
        assert!(parse(&long).is_err());
        let many = vec!["limit 1"; MAX_COMMANDS + 1].join(" | ");
        assert!(parse(&many).is_err());
    }
}
