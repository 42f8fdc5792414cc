//! DynamoDB's PartiQL subset: `SELECT`, `INSERT`, `UPDATE`, `DELETE` with `?` parameters.
//!
//! A statement is parsed into a small AST whose conditions and updates are rendered back
//! into DynamoDB's expression language (`#n0 = :v0 AND begins_with(#n1, :v1)`), so the
//! operations run through the same validated engine as PutItem, UpdateItem, Query and
//! Scan. Parsing is pure and never panics.

use serde_json::{Map, Value, json};

/// A parse or semantic error, reported as `ValidationException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartiqlError(pub String);

type Result<T> = std::result::Result<T, PartiqlError>;

fn syntax(detail: impl std::fmt::Display) -> PartiqlError {
    PartiqlError(format!(
        "Statement wasn't well formed, can't be processed: {detail}"
    ))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Quoted(String),
    Str(String),
    Num(String),
    Param,
    Sym(&'static str),
}

const SYMBOLS: [&str; 17] = [
    "<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":",
];

fn lex(text: &str) -> Result<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax("unterminated quoted text")),
                    Some(&q) if q == c => {
                        if chars.get(i + 1) == Some(&c) {
                            s.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            out.push(if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Quoted(s)
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || chars[i] == 'E'
                    || ((chars[i] == '+' || chars[i] == '-') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c == '?' {
            out.push(Tok::Param);
            i += 1;
            continue;
        }
        if c == '.' || c == '*' || c == '+' || c == '-' {
            out.push(Tok::Sym(match c {
                '.' => ".",
                '*' => "*",
                '+' => "+",
                _ => "-",
            }));
            i += 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) else {
            return Err(syntax(format!("unexpected character '{c}'")));
        };
        out.push(Tok::Sym(sym));
        i += sym.chars().count();
    }
    Ok(out)
}

/// A document path: attribute names and list indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// An attribute name.
    Name(String),
    /// A list index.
    Index(u64),
}

/// An operand of a condition or an assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// An attribute path.
    Path(Vec<Seg>),
    /// A literal or parameter, in AttributeValue JSON.
    Value(Value),
    /// A function call (`size`, `if_not_exists`, `list_append`).
    Call(String, Vec<Operand>),
    /// `a + b` or `a - b` (SET only).
    Arith(Box<Operand>, &'static str, Box<Operand>),
}

/// A condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Both.
    And(Box<Cond>, Box<Cond>),
    /// Either.
    Or(Box<Cond>, Box<Cond>),
    /// Negation.
    Not(Box<Cond>),
    /// A comparison.
    Cmp(Operand, &'static str, Operand),
    /// `a BETWEEN b AND c`.
    Between(Operand, Operand, Operand),
    /// `a IN [b, c]`.
    In(Operand, Vec<Operand>),
    /// A boolean function (`begins_with`, `contains`, `attribute_exists`…).
    Call(String, Vec<Operand>),
    /// `a IS [NOT] MISSING` (`true` for NOT).
    Missing(Vec<Seg>, bool),
    /// `a IS [NOT] NULL`.
    Null(Vec<Seg>, bool),
}

/// What `RETURNING` asks for, as UpdateItem/DeleteItem `ReturnValues`.
pub type Returning = Option<&'static str>;

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT … FROM table[.index] [WHERE …]`.
    Select {
        /// Table name.
        table: String,
        /// Index name.
        index: Option<String>,
        /// Projected paths (`None` for `*`).
        projection: Option<Vec<Vec<Seg>>>,
        /// The WHERE clause.
        filter: Option<Cond>,
    },
    /// `INSERT INTO table VALUE {…}`.
    Insert {
        /// Table name.
        table: String,
        /// The item, as AttributeValue JSON of a map.
        item: Value,
    },
    /// `UPDATE table SET … REMOVE … WHERE … [RETURNING …]`.
    Update {
        /// Table name.
        table: String,
        /// Assignments.
        sets: Vec<(Vec<Seg>, Operand)>,
        /// Removed paths.
        removes: Vec<Vec<Seg>>,
        /// The WHERE clause.
        filter: Cond,
        /// What to return.
        returning: Returning,
    },
    /// `DELETE FROM table WHERE … [RETURNING ALL OLD *]`.
    Delete {
        /// Table name.
        table: String,
        /// The WHERE clause.
        filter: Cond,
        /// What to return.
        returning: Returning,
    },
}

/// How deeply conditions and values may nest (the parser recurses).
const MAX_DEPTH: usize = 64;

struct Parser<'p> {
    toks: Vec<Tok>,
    pos: usize,
    params: &'p [Value],
    next_param: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected {kw}")))
        }
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let yes = self.is_sym(sym);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_sym(&mut self, sym: &str) -> Result<()> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected '{sym}'")))
        }
    }

    fn unexpected(&self, what: &str) -> PartiqlError {
        match self.peek() {
            None => syntax(format!("unexpected end of statement, {what}")),
            Some(t) => syntax(format!("unexpected token {}, {what}", show(t))),
        }
    }

    fn name(&mut self) -> Result<String> {
        match self.bump() {
            Some(Tok::Ident(s) | Tok::Quoted(s)) => Ok(s),
            _ => {
                self.pos -= 1;
                Err(self.unexpected("expected a name"))
            }
        }
    }

    fn path(&mut self) -> Result<Vec<Seg>> {
        let mut path = vec![Seg::Name(self.name()?)];
        loop {
            if self.eat_sym(".") {
                path.push(Seg::Name(self.name()?));
            } else if self.eat_sym("[") {
                match self.bump() {
                    Some(Tok::Num(n)) => path.push(Seg::Index(
                        n.parse().map_err(|_| syntax("invalid list index"))?,
                    )),
                    _ => return Err(syntax("invalid list index")),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(path);
            }
        }
    }

    fn param(&mut self) -> Result<Value> {
        let v = self.params.get(self.next_param).cloned().ok_or_else(|| {
            PartiqlError("Number of parameters in request and statement don't match.".into())
        })?;
        self.next_param += 1;
        Ok(v)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("the statement nests too deeply"));
        }
        Ok(())
    }

    /// A literal or parameter as AttributeValue JSON.
    fn value(&mut self) -> Result<Value> {
        self.enter()?;
        let v = self.value_inner();
        self.depth -= 1;
        v
    }

    fn value_inner(&mut self) -> Result<Value> {
        match self.bump() {
            Some(Tok::Param) => self.param(),
            Some(Tok::Str(s)) => Ok(json!({"S": s})),
            Some(Tok::Num(n)) => Ok(json!({"N": n})),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(json!({"BOOL": true})),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(json!({"BOOL": false})),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(json!({"NULL": true})),
            Some(Tok::Sym("[")) => {
                let mut items = Vec::new();
                if !self.eat_sym("]") {
                    loop {
                        items.push(self.value()?);
                        if self.eat_sym("]") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(json!({"L": items}))
            }
            Some(Tok::Sym("{")) => {
                let mut map = Map::new();
                if !self.eat_sym("}") {
                    loop {
                        let key = match self.bump() {
                            Some(Tok::Str(s) | Tok::Quoted(s) | Tok::Ident(s)) => s,
                            _ => return Err(syntax("a map key must be a string")),
                        };
                        self.expect_sym(":")?;
                        let v = self.value()?;
                        map.insert(key, v);
                        if self.eat_sym("}") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(json!({"M": map}))
            }
            Some(Tok::Sym("<<")) => {
                let mut items = Vec::new();
                loop {
                    items.push(self.value()?);
                    if self.eat_sym(">>") {
                        break;
                    }
                    self.expect_sym(",")?;
                }
                set_of(items)
            }
            other => {
                self.pos -= usize::from(other.is_some());
                Err(self.unexpected("expected a value"))
            }
        }
    }

    fn starts_value(&self) -> bool {
        match self.peek() {
            Some(Tok::Param | Tok::Str(_) | Tok::Num(_)) => true,
            Some(Tok::Sym(s)) => matches!(*s, "[" | "{" | "<<"),
            Some(Tok::Ident(w)) => ["true", "false", "null"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k)),
            _ => false,
        }
    }

    fn operand(&mut self) -> Result<Operand> {
        self.enter()?;
        let o = self.operand_inner();
        self.depth -= 1;
        o
    }

    fn operand_inner(&mut self) -> Result<Operand> {
        if self.starts_value() {
            return Ok(Operand::Value(self.value()?));
        }
        if let Some(Tok::Ident(name)) = self.peek().cloned()
            && matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("(")))
        {
            self.pos += 2;
            let mut args = Vec::new();
            if !self.eat_sym(")") {
                loop {
                    args.push(self.operand()?);
                    if self.eat_sym(")") {
                        break;
                    }
                    self.expect_sym(",")?;
                }
            }
            return Ok(Operand::Call(name.to_ascii_lowercase(), args));
        }
        Ok(Operand::Path(self.path()?))
    }

    fn set_operand(&mut self) -> Result<Operand> {
        let left = self.operand()?;
        if self.eat_sym("+") {
            return Ok(Operand::Arith(
                Box::new(left),
                "+",
                Box::new(self.operand()?),
            ));
        }
        if self.eat_sym("-") {
            return Ok(Operand::Arith(
                Box::new(left),
                "-",
                Box::new(self.operand()?),
            ));
        }
        Ok(left)
    }

    fn cond(&mut self) -> Result<Cond> {
        let mut left = self.and_cond()?;
        while self.eat_kw("or") {
            left = Cond::Or(Box::new(left), Box::new(self.and_cond()?));
        }
        Ok(left)
    }

    fn and_cond(&mut self) -> Result<Cond> {
        let mut left = self.not_cond()?;
        while self.eat_kw("and") {
            left = Cond::And(Box::new(left), Box::new(self.not_cond()?));
        }
        Ok(left)
    }

    fn not_cond(&mut self) -> Result<Cond> {
        self.enter()?;
        let c = self.not_cond_inner();
        self.depth -= 1;
        c
    }

    fn not_cond_inner(&mut self) -> Result<Cond> {
        if self.eat_kw("not") {
            return Ok(Cond::Not(Box::new(self.not_cond()?)));
        }
        if self.is_sym("(") {
            // A parenthesised condition (operands never start with '(').
            self.pos += 1;
            let inner = self.cond()?;
            self.expect_sym(")")?;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Cond> {
        let left = self.operand()?;
        if let Operand::Call(name, args) = &left
            && !matches!(self.peek(), Some(Tok::Sym(s)) if ["=", "<>", "!=", "<", "<=", ">", ">="].contains(s))
            && !self.is_kw("between")
            && !self.is_kw("in")
        {
            return Ok(Cond::Call(name.clone(), args.clone()));
        }
        if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            let Operand::Path(path) = left else {
                return Err(syntax("IS applies to an attribute path"));
            };
            if self.eat_kw("missing") {
                return Ok(Cond::Missing(path, negated));
            }
            if self.eat_kw("null") {
                return Ok(Cond::Null(path, negated));
            }
            return Err(self.unexpected("expected MISSING or NULL"));
        }
        if self.eat_kw("between") {
            let low = self.operand()?;
            self.expect_kw("and")?;
            let high = self.operand()?;
            return Ok(Cond::Between(left, low, high));
        }
        if self.eat_kw("in") {
            let close = if self.eat_sym("[") {
                "]"
            } else {
                self.expect_sym("(")?;
                ")"
            };
            let mut items = Vec::new();
            loop {
                items.push(self.operand()?);
                if self.eat_sym(close) {
                    break;
                }
                self.expect_sym(",")?;
            }
            return Ok(Cond::In(left, items));
        }
        let op = match self.bump() {
            Some(Tok::Sym(s)) if ["=", "<>", "!=", "<", "<=", ">", ">="].contains(&s) => {
                if s == "!=" { "<>" } else { s }
            }
            other => {
                self.pos -= usize::from(other.is_some());
                return Err(self.unexpected("expected a comparison"));
            }
        };
        Ok(Cond::Cmp(left, op, self.operand()?))
    }

    fn table(&mut self) -> Result<(String, Option<String>)> {
        let table = self.name()?;
        let index = if self.eat_sym(".") {
            Some(self.name()?)
        } else {
            None
        };
        Ok((table, index))
    }

    fn returning(&mut self) -> Result<Returning> {
        if !self.eat_kw("returning") {
            return Ok(None);
        }
        let which = if self.eat_kw("all") {
            "ALL"
        } else if self.eat_kw("modified") {
            "UPDATED"
        } else {
            return Err(self.unexpected("expected ALL or MODIFIED"));
        };
        let age = if self.eat_kw("new") {
            "NEW"
        } else if self.eat_kw("old") {
            "OLD"
        } else {
            return Err(self.unexpected("expected NEW or OLD"));
        };
        self.expect_sym("*")?;
        Ok(Some(match (which, age) {
            ("ALL", "NEW") => "ALL_NEW",
            ("ALL", _) => "ALL_OLD",
            (_, "NEW") => "UPDATED_NEW",
            _ => "UPDATED_OLD",
        }))
    }

    fn statement(&mut self) -> Result<Statement> {
        let stmt = if self.eat_kw("select") {
            let projection = if self.eat_sym("*") {
                None
            } else {
                let mut paths = vec![self.path()?];
                while self.eat_sym(",") {
                    paths.push(self.path()?);
                }
                Some(paths)
            };
            self.expect_kw("from")?;
            let (table, index) = self.table()?;
            let filter = if self.eat_kw("where") {
                Some(self.cond()?)
            } else {
                None
            };
            Statement::Select {
                table,
                index,
                projection,
                filter,
            }
        } else if self.eat_kw("insert") {
            self.expect_kw("into")?;
            let table = self.name()?;
            self.expect_kw("value")?;
            let item = self.value()?;
            if item.get("M").is_none() {
                return Err(syntax("INSERT needs a map VALUE"));
            }
            Statement::Insert {
                table,
                item: item["M"].clone(),
            }
        } else if self.eat_kw("update") {
            let table = self.name()?;
            let (mut sets, mut removes) = (Vec::new(), Vec::new());
            loop {
                if self.eat_kw("set") {
                    loop {
                        let path = self.path()?;
                        self.expect_sym("=")?;
                        sets.push((path, self.set_operand()?));
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                } else if self.eat_kw("remove") {
                    loop {
                        removes.push(self.path()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
            if sets.is_empty() && removes.is_empty() {
                return Err(self.unexpected("expected SET or REMOVE"));
            }
            self.expect_kw("where")?;
            let filter = self.cond()?;
            let returning = self.returning()?;
            Statement::Update {
                table,
                sets,
                removes,
                filter,
                returning,
            }
        } else if self.eat_kw("delete") {
            self.expect_kw("from")?;
            let table = self.name()?;
            self.expect_kw("where")?;
            let filter = self.cond()?;
            let returning = self.returning()?;
            if returning.is_some_and(|r| r != "ALL_OLD") {
                return Err(PartiqlError(
                    "DELETE only supports RETURNING ALL OLD *".to_owned(),
                ));
            }
            Statement::Delete {
                table,
                filter,
                returning,
            }
        } else {
            return Err(self.unexpected("expected SELECT, INSERT, UPDATE or DELETE"));
        };
        if self.pos < self.toks.len() {
            return Err(self.unexpected("expected the end of the statement"));
        }
        if self.next_param != self.params.len() {
            return Err(PartiqlError(
                "Number of parameters in request and statement don't match.".to_owned(),
            ));
        }
        Ok(stmt)
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => s.clone(),
        Tok::Quoted(s) => format!("\"{s}\""),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => n.clone(),
        Tok::Param => "?".to_owned(),
        Tok::Sym(s) => (*s).to_owned(),
    }
}

fn set_of(items: Vec<Value>) -> Result<Value> {
    let kind = items
        .first()
        .and_then(|v| v.as_object())
        .and_then(|m| m.keys().next().cloned())
        .unwrap_or_default();
    let set = match kind.as_str() {
        "S" => "SS",
        "N" => "NS",
        "B" => "BS",
        _ => return Err(syntax("a set holds strings, numbers or binaries")),
    };
    let mut out = Vec::new();
    for v in items {
        match v.get(&kind) {
            Some(x) if v.as_object().is_some_and(|m| m.len() == 1) => out.push(x.clone()),
            _ => return Err(syntax("the elements of a set must have one type")),
        }
    }
    Ok(json!({ set: out }))
}

/// Parses a statement, substituting `params` for its `?` placeholders in order.
pub fn parse(text: &str, params: &[Value]) -> Result<Statement> {
    if text.trim().is_empty() {
        return Err(syntax("empty statement"));
    }
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        params,
        next_param: 0,
        depth: 0,
    };
    p.statement()
}

/// Expression placeholders being collected for one request.
#[derive(Default)]
pub struct Placeholders {
    /// `#nN` → attribute name.
    pub names: Map<String, Value>,
    /// `:vN` → AttributeValue JSON.
    pub values: Map<String, Value>,
}

impl Placeholders {
    fn name(&mut self, n: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == Some(n)) {
            return k.clone();
        }
        let k = format!("#n{}", self.names.len());
        self.names.insert(k.clone(), Value::String(n.to_owned()));
        k
    }

    fn value(&mut self, v: &Value) -> String {
        let k = format!(":v{}", self.values.len());
        self.values.insert(k.clone(), v.clone());
        k
    }

    /// Renders a path.
    pub fn path(&mut self, path: &[Seg]) -> String {
        let mut out = String::new();
        for seg in path {
            match seg {
                Seg::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&self.name(n));
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Renders an operand.
    pub fn operand(&mut self, o: &Operand) -> String {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Value(v) => self.value(v),
            Operand::Call(name, args) => {
                let args: Vec<String> = args.iter().map(|a| self.operand(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Operand::Arith(a, op, b) => {
                let (a, b) = (self.operand(a), self.operand(b));
                format!("{a} {op} {b}")
            }
        }
    }

    /// Renders a condition.
    pub fn cond(&mut self, c: &Cond) -> String {
        match c {
            Cond::And(a, b) => format!("({}) AND ({})", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({}) OR ({})", self.cond(a), self.cond(b)),
            Cond::Not(a) => format!("NOT ({})", self.cond(a)),
            Cond::Cmp(a, op, b) => {
                let (a, b) = (self.operand(a), self.operand(b));
                format!("{a} {op} {b}")
            }
            Cond::Between(a, lo, hi) => {
                let (a, lo, hi) = (self.operand(a), self.operand(lo), self.operand(hi));
                format!("{a} BETWEEN {lo} AND {hi}")
            }
            Cond::In(a, items) => {
                let a = self.operand(a);
                let items: Vec<String> = items.iter().map(|i| self.operand(i)).collect();
                format!("{a} IN ({})", items.join(", "))
            }
            Cond::Call(name, args) => {
                let args: Vec<String> = args.iter().map(|a| self.operand(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Cond::Missing(p, negated) => {
                let p = self.path(p);
                if *negated {
                    format!("attribute_exists({p})")
                } else {
                    format!("attribute_not_exists({p})")
                }
            }
            Cond::Null(p, negated) => {
                let p = self.path(p);
                let t = self.value(&json!({"S": "NULL"}));
                if *negated {
                    format!("NOT attribute_type({p}, {t})")
                } else {
                    format!("attribute_type({p}, {t})")
                }
            }
        }
    }
}

/// Splits a condition into its top-level `AND` terms.
pub fn conjuncts(c: &Cond) -> Vec<&Cond> {
    match c {
        Cond::And(a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        other => vec![other],
    }
}

/// If `c` is `attr = value` (either way round) on a top-level attribute, its name and value.
pub fn equality(c: &Cond) -> Option<(&str, &Value)> {
    match c {
        Cond::Cmp(Operand::Path(p), "=", Operand::Value(v))
        | Cond::Cmp(Operand::Value(v), "=", Operand::Path(p)) => match p.as_slice() {
            [Seg::Name(n)] => Some((n.as_str(), v)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `c` only constrains top-level attribute `name` in a way a key condition can
/// express (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`).
pub fn is_sort_key_condition(c: &Cond, name: &str) -> bool {
    let is_attr =
        |o: &Operand| matches!(o, Operand::Path(p) if p.as_slice() == [Seg::Name(name.to_owned())]);
    let is_value = |o: &Operand| matches!(o, Operand::Value(_));
    match c {
        Cond::Cmp(a, op, b) => {
            *op != "<>" && ((is_attr(a) && is_value(b)) || (is_value(a) && is_attr(b)))
        }
        Cond::Between(a, lo, hi) => is_attr(a) && is_value(lo) && is_value(hi),
        Cond::Call(f, args) => {
            f == "begins_with" && args.len() == 2 && is_attr(&args[0]) && is_value(&args[1])
        }
        _ => false,
    }
}

/// Joins conditions with `AND` (`None` when there are none).
pub fn and_all(conds: &[&Cond]) -> Option<Cond> {
    let mut iter = conds.iter();
    let first = (*iter.next()?).clone();
    Some(iter.fold(first, |acc, c| {
        Cond::And(Box::new(acc), Box::new((*c).clone()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Statement {
        parse(text, &[]).unwrap()
    }

    #[test]
    fn parses_the_four_statements() {
        let s = ok("SELECT a, b.c[1] FROM \"my-table\".\"by-x\" WHERE pk = 'k' AND n > 3");
        let Statement::Select {
            table,
            index,
            projection,
            filter,
        } = s
        else {
            panic!()
        };
        assert_eq!(
            (table.as_str(), index.as_deref()),
            ("my-table", Some("by-x"))
        );
        assert_eq!(projection.unwrap().len(), 2);
        assert_eq!(conjuncts(filter.as_ref().unwrap()).len(), 2);

        let s = ok(
            "insert into t value {'pk': 'a', 'n': 1, 'l': [1, 'x'], 's': <<'a','b'>>, 'b': true, 'z': null}",
        );
        let Statement::Insert { item, .. } = s else {
            panic!()
        };
        assert_eq!(item["s"], json!({"SS": ["a", "b"]}));
        assert_eq!(item["l"], json!({"L": [{"N": "1"}, {"S": "x"}]}));

        let s = ok(
            "UPDATE t SET a = a + 1, b = list_append(b, [2]) REMOVE c WHERE pk = 'x' RETURNING ALL NEW *",
        );
        let Statement::Update {
            sets,
            removes,
            returning,
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!(
            (sets.len(), removes.len(), returning),
            (2, 1, Some("ALL_NEW"))
        );

        let s = ok("DELETE FROM t WHERE pk = 'x' AND sk = 2 RETURNING ALL OLD *");
        assert!(matches!(
            s,
            Statement::Delete {
                returning: Some("ALL_OLD"),
                ..
            }
        ));
    }

    #[test]
    fn parameters_fill_placeholders_in_order() {
        let p = [json!({"S": "a"}), json!({"N": "2"})];
        let s = parse("SELECT * FROM t WHERE pk = ? AND n = ?", &p).unwrap();
        let Statement::Select {
            filter: Some(f), ..
        } = s
        else {
            panic!()
        };
        let terms = conjuncts(&f);
        assert_eq!(equality(terms[0]), Some(("pk", &p[0])));
        assert_eq!(equality(terms[1]), Some(("n", &p[1])));
        assert!(parse("SELECT * FROM t WHERE pk = ?", &[]).is_err());
        assert!(parse("SELECT * FROM t WHERE pk = 'a'", &p).is_err());
    }

    #[test]
    fn conditions_render_as_expressions() {
        let s = ok(
            "SELECT * FROM t WHERE (a = 1 OR NOT b <> 'x') AND c IS MISSING AND begins_with(d, 'p') AND e IN [1, 2] AND f BETWEEN 1 AND 5 AND size(g) > 2",
        );
        let Statement::Select {
            filter: Some(f), ..
        } = s
        else {
            panic!()
        };
        let mut ph = Placeholders::default();
        let text = ph.cond(&f);
        assert!(text.contains("attribute_not_exists(#n2)"), "{text}");
        assert!(text.contains("begins_with(#n3, :v2)"), "{text}");
        assert!(text.contains("#n4 IN (:v3, :v4)"), "{text}");
        assert!(text.contains("size(#n6) > :v7"), "{text}");
        assert_eq!(ph.names.len(), 7);
    }

    #[test]
    fn malformed_statements_are_rejected() {
        for bad in [
            "",
            "SELEC * FROM t",
            "SELECT * FROM",
            "SELECT * FROM t WHERE",
            "SELECT * FROM t WHERE a =",
            "INSERT INTO t VALUE 'x'",
            "UPDATE t WHERE a = 1",
            "DELETE FROM t",
            "SELECT * FROM t extra",
            "SELECT * FROM t WHERE a = 'unterminated",
            "INSERT INTO t VALUE {'a': <<1, 'x'>>}",
            "SELECT * FROM t WHERE a = 1 ;",
            &format!(
                "SELECT * FROM t WHERE {}a = 1{}",
                "(".repeat(5000),
                ")".repeat(5000)
            ),
            &format!(
                "INSERT INTO t VALUE {{'a': {}1{}}}",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
            &format!(
                "SELECT * FROM t WHERE {}a{} = 1",
                "size(".repeat(5000),
                ")".repeat(5000)
            ),
            &format!("SELECT * FROM t WHERE {}a = 1", "NOT ".repeat(5000)),
        ] {
            let err = parse(bad, &[]).unwrap_err();
            assert!(!err.0.is_empty(), "{bad}");
        }
    }
}
