//! Phase 3: raw trees → resolved trees, with DynamoDB's static checks.
//!
//! Everything DynamoDB rejects before it reads an item is checked here: reserved words,
//! undefined `#name`/`:value` placeholders, unknown or misused functions, operand counts and
//! literal operand types, duplicate update clauses, overlapping or conflicting update and
//! projection paths, operator and IN-list limits, and the shape of key conditions.
//!
//! When an expression has several problems DynamoDB reports one, picked by category in a
//! fixed order, and within a category the first in the text. Each check below files its
//! message under a [`Slot`]; the entry points then report the first filled slot in the
//! order the expression kind uses. For conditions, the per-comparison checks (placeholders,
//! operand counts, distinct operands, operand types) are judged one comparison at a time:
//! the first comparison with any problem supplies the message.

use std::collections::BTreeMap;

use super::SortCondition;
use super::Usage;
use super::ast::{Action, CmpOp, Cond, DocPath, Operand, PathElement, UpdateValue};
use super::ast::{
    RawAction, RawCall, RawCond, RawElem, RawOperand, RawPath, RawSetValue, RawUpdate,
};
use super::eval::compare;
use super::parser::ParsedCondition;
use super::reserved::is_reserved;
use crate::value::AttributeValue;

/// Most operators and functions one expression may use.
const MAX_OPERATORS: usize = 300;
/// Most operands the right-hand list of IN may have.
const MAX_IN_OPERANDS: usize = 100;

/// The categories DynamoDB ranks errors by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Operators,
    InOperands,
    Parens,
    Reserved,
    UnknownFunction,
    MisusedFunction,
    Section,
    Name,
    Value,
    NameOrValue,
    Overlap,
    Conflict,
    Operand,
    Distinct,
    Function,
    Condition,
}

/// Report order for condition, filter and key condition expressions.
const CONDITION_ORDER: &[Slot] = &[
    Slot::Operators,
    Slot::InOperands,
    Slot::Parens,
    Slot::UnknownFunction,
    Slot::MisusedFunction,
    Slot::Reserved,
    Slot::Condition,
];
/// Report order within one comparison of a condition.
const LEAF_ORDER: &[Slot] = &[
    Slot::NameOrValue,
    Slot::Operand,
    Slot::Distinct,
    Slot::Function,
];
/// Report order for update expressions.
const UPDATE_ORDER: &[Slot] = &[
    Slot::Operators,
    Slot::Reserved,
    Slot::UnknownFunction,
    Slot::Section,
    Slot::Name,
    Slot::Value,
    Slot::Overlap,
    Slot::Conflict,
    Slot::Operand,
    Slot::Function,
];
/// Report order for projection expressions.
const PROJECTION_ORDER: &[Slot] = &[
    Slot::Reserved,
    Slot::NameOrValue,
    Slot::Overlap,
    Slot::Conflict,
];

/// Messages filed by category; the first message of a category wins.
#[derive(Default)]
struct Slots(BTreeMap<Slot, String>);

impl Slots {
    fn set(&mut self, slot: Slot, message: String) {
        self.0.entry(slot).or_insert(message);
    }

    fn has(&self, slot: Slot) -> bool {
        self.0.contains_key(&slot)
    }

    fn first(&self, order: &[Slot]) -> Option<String> {
        order.iter().find_map(|slot| self.0.get(slot).cloned())
    }
}

/// Which expression kind is being validated (decides where placeholder errors go).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Condition,
    Update,
    Projection,
}

struct Validator<'a> {
    names: &'a BTreeMap<String, String>,
    values: &'a BTreeMap<String, AttributeValue>,
    usage: Usage,
    mode: Mode,
    errors: Slots,
    /// Errors of the condition comparison being validated.
    leaf: Slots,
    /// Paths written so far (update) or projected so far (projection), for overlap checks.
    paths: Vec<DocPath>,
}

impl<'a> Validator<'a> {
    fn new(
        names: &'a BTreeMap<String, String>,
        values: &'a BTreeMap<String, AttributeValue>,
        mode: Mode,
    ) -> Validator<'a> {
        Validator {
            names,
            values,
            usage: Usage::default(),
            mode,
            errors: Slots::default(),
            leaf: Slots::default(),
            paths: Vec::new(),
        }
    }

    fn finish<T>(self, tree: T, order: &[Slot]) -> Result<(T, Usage), String> {
        match self.errors.first(order) {
            Some(message) => Err(message),
            None => Ok((tree, self.usage)),
        }
    }

    // ---- placeholders and paths -------------------------------------------------------

    fn placeholder_error(&mut self, update_slot: Slot, message: String) {
        match self.mode {
            Mode::Condition => self.leaf.set(Slot::NameOrValue, message),
            Mode::Update => self.errors.set(update_slot, message),
            Mode::Projection => self.errors.set(Slot::NameOrValue, message),
        }
    }

    fn path(&mut self, raw: &RawPath) -> DocPath {
        let mut elements = Vec::with_capacity(raw.0.len());
        for element in &raw.0 {
            elements.push(match element {
                RawElem::Ident(name) => {
                    if is_reserved(name) {
                        self.errors.set(
                            Slot::Reserved,
                            format!("Attribute name is a reserved keyword; reserved keyword: {name}"),
                        );
                    }
                    PathElement::Name(name.clone())
                }
                RawElem::Name(placeholder) => match self.names.get(placeholder) {
                    Some(name) => {
                        self.usage.names.insert(placeholder.clone());
                        PathElement::Name(name.clone())
                    }
                    None => {
                        self.placeholder_error(
                            Slot::Name,
                            format!(
                                "An expression attribute name used in the document path is not defined; attribute name: {placeholder}"
                            ),
                        );
                        PathElement::Name(placeholder.clone())
                    }
                },
                RawElem::Index(index) => PathElement::Index(*index),
            });
        }
        DocPath(elements)
    }

    fn value(&mut self, placeholder: &str) -> Option<AttributeValue> {
        match self.values.get(placeholder) {
            Some(value) => {
                self.usage.values.insert(placeholder.to_owned());
                Some(value.clone())
            }
            None => {
                self.placeholder_error(
                    Slot::Value,
                    format!(
                        "An expression attribute value used in expression is not defined; attribute value: {placeholder}"
                    ),
                );
                None
            }
        }
    }

    /// Files an overlap or conflict between `path` and an earlier path (DynamoDB stops at the
    /// first overlap; a later conflict replaces an earlier one).
    fn check_path(&mut self, path: DocPath) {
        if self.errors.has(Slot::Overlap) {
            return;
        }
        for earlier in &self.paths {
            let mut diverged = false;
            for (a, b) in earlier.0.iter().zip(&path.0) {
                let same_kind = matches!(
                    (a, b),
                    (PathElement::Name(_), PathElement::Name(_))
                        | (PathElement::Index(_), PathElement::Index(_))
                );
                if !same_kind {
                    self.errors.0.insert(
                        Slot::Conflict,
                        format!(
                            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                            earlier.bracketed(),
                            path.bracketed()
                        ),
                    );
                    diverged = true;
                    break;
                }
                if a != b {
                    diverged = true;
                    break;
                }
            }
            if !diverged {
                self.errors.set(
                    Slot::Overlap,
                    format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                        earlier.bracketed(),
                        path.bracketed()
                    ),
                );
                return;
            }
        }
        self.paths.push(path);
    }

    // ---- conditions -------------------------------------------------------------------

    fn cond(&mut self, raw: &RawCond) -> Cond {
        match raw {
            RawCond::And(terms) => Cond::And(terms.iter().map(|t| self.cond(t)).collect()),
            RawCond::Or(terms) => Cond::Or(terms.iter().map(|t| self.cond(t)).collect()),
            RawCond::Not(inner) => Cond::Not(Box::new(self.cond(inner))),
            leaf => {
                let cond = self.leaf_cond(leaf);
                let leaf_errors = std::mem::take(&mut self.leaf);
                if let Some(message) = leaf_errors.first(LEAF_ORDER) {
                    self.errors.set(Slot::Condition, message);
                }
                cond
            }
        }
    }

    fn leaf_cond(&mut self, raw: &RawCond) -> Cond {
        match raw {
            RawCond::Cmp(op, left, right) => {
                let left = self.operand(left);
                let right = self.operand(right);
                self.check_distinct(op.symbol(), &left, &right);
                Cond::Cmp(*op, left, right)
            }
            RawCond::Between(subject, low, high) => {
                let subject = self.operand(subject);
                let low = self.operand(low);
                let high = self.operand(high);
                if let (Operand::Value(lo), Operand::Value(hi)) = (&low, &high) {
                    self.check_between_bounds(lo, hi);
                }
                Cond::Between(subject, low, high)
            }
            RawCond::In(subject, list) => {
                let subject = self.operand(subject);
                let list = list.iter().map(|o| self.operand(o)).collect();
                Cond::In(subject, list)
            }
            RawCond::Call(call) => self.condition_call(call),
            RawCond::And(..) | RawCond::Or(..) | RawCond::Not(..) => self.cond(raw),
        }
    }

    fn check_distinct(&mut self, operator: &str, first: &Operand, second: &Operand) {
        if let (Operand::Path(a), Operand::Path(b)) = (first, second)
            && a == b
        {
            self.leaf.set(
                Slot::Distinct,
                format!(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {}",
                    a.bracketed()
                ),
            );
        }
    }

    fn check_between_bounds(&mut self, low: &AttributeValue, high: &AttributeValue) {
        let bounds = || {
            format!(
                "lower bound operand: AttributeValue: {{{}:{}}}, upper bound operand: AttributeValue: {{{}:{}}}",
                low.type_name(),
                show(low),
                high.type_name(),
                show(high)
            )
        };
        if low.type_name() != high.type_name() {
            let message = format!(
                "The BETWEEN operator requires same data type for lower and upper bounds; {}",
                bounds()
            );
            self.leaf.set(Slot::Function, message);
        } else if compare(low, high) == Some(std::cmp::Ordering::Greater) {
            let message = format!(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {}",
                bounds()
            );
            self.leaf.set(Slot::Function, message);
        }
    }

    /// An operand of a comparison, BETWEEN, IN or function; only `size` may be a function here.
    fn operand(&mut self, raw: &RawOperand) -> Operand {
        match raw {
            RawOperand::Path(path) => Operand::Path(self.path(path)),
            RawOperand::Value(placeholder) => {
                Operand::Value(self.value(placeholder).unwrap_or(AttributeValue::Null))
            }
            RawOperand::Call(call) if call.name == "size" => self.size(call),
            RawOperand::Call(call) => {
                self.errors.set(
                    Slot::MisusedFunction,
                    format!(
                        "The function is not allowed to be used this way in an expression; function: {}",
                        call.name
                    ),
                );
                // Still checked, for the errors DynamoDB ranks above misuse. Condition
                // functions yield booleans, which is what the stand-in says.
                let _ = self.function(call);
                Operand::Value(AttributeValue::Bool(false))
            }
        }
    }

    /// A function used as a whole condition.
    fn condition_call(&mut self, call: &RawCall) -> Cond {
        if call.name == "size" {
            self.errors.set(
                Slot::MisusedFunction,
                "The function is not allowed to be used this way in an expression; function: size"
                    .to_owned(),
            );
            let _ = self.size(call);
            return Cond::Invalid;
        }
        self.function(call).unwrap_or(Cond::Invalid)
    }

    /// Checks a condition function (any but `size`) and builds it.
    fn function(&mut self, call: &RawCall) -> Option<Cond> {
        let args: Vec<Operand> = call.args.iter().map(|arg| self.operand(arg)).collect();
        let arity = match call.name.as_str() {
            "attribute_exists" | "attribute_not_exists" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            _ => {
                self.errors.set(
                    Slot::UnknownFunction,
                    format!("Invalid function name; function: {}", call.name),
                );
                return None;
            }
        };
        if args.len() != arity {
            self.leaf
                .set(Slot::Operand, wrong_operand_count(&call.name, args.len()));
            return None;
        }
        let mut args = args.into_iter();
        let (Some(first), second) = (args.next(), args.next()) else {
            return None;
        };
        if let Some(second) = &second {
            self.check_distinct(&call.name, &first, second);
        }
        let type_error = |ty: &str| {
            format!(
                "Incorrect operand type for operator or function; operator or function: {}, operand type: {ty}",
                call.name
            )
        };
        match (call.name.as_str(), second) {
            (name @ ("attribute_exists" | "attribute_not_exists"), _) => {
                let Operand::Path(path) = first else {
                    self.leaf.set(
                        Slot::Function,
                        format!(
                            "Operator or function requires a document path; operator or function: {name}"
                        ),
                    );
                    return None;
                };
                Some(if name == "attribute_exists" {
                    Cond::Exists(path)
                } else {
                    Cond::NotExists(path)
                })
            }
            ("attribute_type", Some(type_operand)) => {
                let Operand::Value(AttributeValue::S(type_name)) = &type_operand else {
                    let ty = static_type(&type_operand).unwrap_or("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
                    self.leaf.set(Slot::Function, type_error(ty));
                    return None;
                };
                const TYPES: [&str; 10] =
                    ["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"];
                if !TYPES.contains(&type_name.as_str()) {
                    self.leaf.set(
                        Slot::Function,
                        format!(
                            "Invalid attribute type name found; type: {type_name}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                        ),
                    );
                    return None;
                }
                Some(Cond::Type(first, type_name.clone()))
            }
            ("begins_with", Some(prefix)) => {
                for operand in [&first, &prefix] {
                    if let Some(ty) = static_type(operand).filter(|t| *t != "S" && *t != "B") {
                        self.leaf.set(Slot::Function, type_error(ty));
                        return None;
                    }
                }
                Some(Cond::BeginsWith(first, prefix))
            }
            ("contains", Some(needle)) => Some(Cond::Contains(first, needle)),
            _ => None,
        }
    }

    /// `size(x)`, the one function that is an operand.
    fn size(&mut self, call: &RawCall) -> Operand {
        let mut args: Vec<Operand> = call.args.iter().map(|arg| self.operand(arg)).collect();
        let (Some(inner), true) = (args.pop(), args.is_empty()) else {
            self.leaf
                .set(Slot::Operand, wrong_operand_count("size", call.args.len()));
            return Operand::Size(Box::new(Operand::Value(AttributeValue::Null)));
        };
        if let Some(ty) = static_type(&inner).filter(|t| matches!(*t, "N" | "BOOL" | "NULL")) {
            self.leaf.set(
                Slot::Function,
                format!(
                    "Incorrect operand type for operator or function; operator or function: size, operand type: {ty}"
                ),
            );
        }
        Operand::Size(Box::new(inner))
    }

    // ---- updates ----------------------------------------------------------------------

    fn update(&mut self, raw: &RawUpdate) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut seen = Vec::new();
        for (clause, raw_actions) in &raw.0 {
            for raw_action in raw_actions {
                let action = match raw_action {
                    RawAction::Set(path, value) => {
                        let path = self.path(path);
                        let value = self.set_value(value);
                        Action::Set(path, value)
                    }
                    RawAction::Remove(path) => Action::Remove(self.path(path)),
                    RawAction::Add(path, placeholder) | RawAction::Delete(path, placeholder) => {
                        let path = self.path(path);
                        let value = self.value(placeholder);
                        let operator = if matches!(raw_action, RawAction::Add(..)) {
                            "ADD"
                        } else {
                            "DELETE"
                        };
                        if let Some(value) = &value {
                            self.check_operator(operator, value);
                        }
                        let value = value.unwrap_or(AttributeValue::Null);
                        if operator == "ADD" {
                            Action::Add(path, value)
                        } else {
                            Action::Delete(path, value)
                        }
                    }
                };
                self.check_path(action.path().clone());
                actions.push(action);
            }
            if seen.contains(clause) {
                self.errors.set(
                    Slot::Section,
                    format!(
                        "The \"{}\" section can only be used once in an update expression;",
                        clause.keyword()
                    ),
                );
            }
            seen.push(*clause);
        }
        actions
    }

    /// ADD takes a number or a set; DELETE only a set.
    fn check_operator(&mut self, operator: &str, value: &AttributeValue) {
        let long_name = match value {
            AttributeValue::S(_) => "STRING",
            AttributeValue::N(_) if operator == "ADD" => return,
            AttributeValue::N(_) => "NUMBER",
            AttributeValue::B(_) => "BINARY",
            AttributeValue::Null => "NULL",
            AttributeValue::Bool(_) => "BOOLEAN",
            AttributeValue::L(_) => "LIST",
            AttributeValue::M(_) => "MAP",
            AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => return,
        };
        self.errors.set(
            Slot::Operand,
            format!(
                "Incorrect operand type for operator or function; operator: {operator}, operand type: {long_name}"
            ),
        );
    }

    fn set_value(&mut self, raw: &RawSetValue) -> UpdateValue {
        match raw {
            RawSetValue::Operand(operand) => self.update_operand(operand),
            RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b) => {
                let a = self.update_operand(a);
                let b = self.update_operand(b);
                let plus = matches!(raw, RawSetValue::Plus(..));
                self.check_literals(if plus { "+" } else { "-" }, &[&a, &b], "N");
                if plus {
                    UpdateValue::Plus(Box::new(a), Box::new(b))
                } else {
                    UpdateValue::Minus(Box::new(a), Box::new(b))
                }
            }
        }
    }

    /// Literal (placeholder) operands of `function` must have type `expected`.
    fn check_literals(&mut self, function: &str, args: &[&UpdateValue], expected: &str) {
        for arg in args {
            if let UpdateValue::Value(value) = arg
                && value.type_name() != expected
            {
                self.errors.set(
                    Slot::Function,
                    format!(
                        "Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
                        value.type_name()
                    ),
                );
                return;
            }
        }
    }

    fn update_operand(&mut self, raw: &RawOperand) -> UpdateValue {
        match raw {
            RawOperand::Path(path) => UpdateValue::Path(self.path(path)),
            RawOperand::Value(placeholder) => {
                UpdateValue::Value(self.value(placeholder).unwrap_or(AttributeValue::Null))
            }
            RawOperand::Call(call) => self.update_function(call),
        }
    }

    fn update_function(&mut self, call: &RawCall) -> UpdateValue {
        let args: Vec<UpdateValue> = call.args.iter().map(|a| self.update_operand(a)).collect();
        let invalid = UpdateValue::Value(AttributeValue::Null);
        if call.name != "if_not_exists" && call.name != "list_append" {
            self.errors.set(
                Slot::UnknownFunction,
                format!("Invalid function name; function: {}", call.name),
            );
            return invalid;
        }
        let [first, second] = <[UpdateValue; 2]>::try_from(args).unwrap_or_else(|args| {
            self.errors
                .set(Slot::Function, wrong_operand_count(&call.name, args.len()));
            [
                UpdateValue::Value(AttributeValue::Null),
                UpdateValue::Value(AttributeValue::Null),
            ]
        });
        if call.name == "list_append" {
            self.check_literals("list_append", &[&first, &second], "L");
            return UpdateValue::ListAppend(Box::new(first), Box::new(second));
        }
        match first {
            UpdateValue::Path(path) => UpdateValue::IfNotExists(path, Box::new(second)),
            _ => {
                self.errors.set(
                    Slot::Function,
                    "Operator or function requires a document path; operator or function: if_not_exists"
                        .to_owned(),
                );
                invalid
            }
        }
    }
}

fn wrong_operand_count(function: &str, count: usize) -> String {
    format!(
        "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}"
    )
}

/// The type DynamoDB knows an operand has before reading the item (none for paths).
fn static_type(operand: &Operand) -> Option<&'static str> {
    match operand {
        Operand::Value(value) => Some(value.type_name()),
        Operand::Size(_) => Some("N"),
        Operand::Path(_) => None,
    }
}

/// A value as DynamoDB prints it inside `AttributeValue: {T:…}`.
fn show(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Null => "true".to_owned(),
        other => match other.to_json() {
            serde_json::Value::Object(map) => match map.into_iter().next() {
                Some((_, serde_json::Value::String(s))) => s,
                Some((_, inner)) => inner.to_string(),
                None => String::new(),
            },
            json => json.to_string(),
        },
    }
}

// ---- limits counted on the raw trees ----------------------------------------------------

fn operand_operators(operand: &RawOperand) -> usize {
    match operand {
        RawOperand::Call(call) => 1 + call.args.iter().map(operand_operators).sum::<usize>(),
        _ => 0,
    }
}

fn condition_operators(cond: &RawCond) -> usize {
    match cond {
        RawCond::Cmp(_, a, b) => 1 + operand_operators(a) + operand_operators(b),
        RawCond::Between(a, b, c) => {
            1 + operand_operators(a) + operand_operators(b) + operand_operators(c)
        }
        RawCond::In(a, list) => {
            1 + operand_operators(a) + list.iter().map(operand_operators).sum::<usize>()
        }
        RawCond::Call(call) => 1 + call.args.iter().map(operand_operators).sum::<usize>(),
        RawCond::And(terms) | RawCond::Or(terms) => {
            terms.len().saturating_sub(1) + terms.iter().map(condition_operators).sum::<usize>()
        }
        RawCond::Not(inner) => 1 + condition_operators(inner),
    }
}

/// The first IN list (in text order) longer than DynamoDB allows.
fn oversized_in_list(cond: &RawCond) -> Option<usize> {
    match cond {
        RawCond::In(_, list) if list.len() > MAX_IN_OPERANDS => Some(list.len()),
        RawCond::And(terms) | RawCond::Or(terms) => terms.iter().find_map(oversized_in_list),
        RawCond::Not(inner) => oversized_in_list(inner),
        _ => None,
    }
}

fn too_many_operators(count: usize) -> Option<String> {
    (count > MAX_OPERATORS)
        .then(|| format!("The expression contains too many operators; operator count: {count}"))
}

// ---- entry points -----------------------------------------------------------------------

/// Validates a parsed condition (also filter and key condition). `check_parens` rejects
/// redundant parentheses, which key conditions tolerate.
pub(crate) fn condition(
    parsed: &ParsedCondition,
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, AttributeValue>,
    check_parens: bool,
) -> Result<(Cond, Usage), String> {
    let mut v = Validator::new(names, values, Mode::Condition);
    if let Some(message) = too_many_operators(condition_operators(&parsed.tree)) {
        v.errors.set(Slot::Operators, message);
    }
    if let Some(count) = oversized_in_list(&parsed.tree) {
        v.errors.set(
            Slot::InOperands,
            format!(
                "The IN operator is provided with too many operands; number of operands: {count}"
            ),
        );
    }
    if check_parens && parsed.redundant_parens {
        v.errors.set(
            Slot::Parens,
            "The expression has redundant parentheses;".to_owned(),
        );
    }
    let cond = v.cond(&parsed.tree);
    v.finish(cond, CONDITION_ORDER)
}

/// Validates a parsed update expression.
pub(crate) fn update(
    raw: &RawUpdate,
    names: &BTreeMap<String, String>,
    values: &BTreeMap<String, AttributeValue>,
) -> Result<(Vec<Action>, Usage), String> {
    let mut v = Validator::new(names, values, Mode::Update);
    let operators: usize = raw
        .0
        .iter()
        .flat_map(|(_, actions)| actions)
        .map(|action| match action {
            RawAction::Set(_, RawSetValue::Operand(o)) => operand_operators(o),
            RawAction::Set(_, RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b)) => {
                1 + operand_operators(a) + operand_operators(b)
            }
            _ => 0,
        })
        .sum();
    if let Some(message) = too_many_operators(operators) {
        v.errors.set(Slot::Operators, message);
    }
    let actions = v.update(raw);
    v.finish(actions, UPDATE_ORDER)
}

/// Validates a parsed projection expression.
pub(crate) fn projection(
    raw: &[RawPath],
    names: &BTreeMap<String, String>,
) -> Result<(Vec<DocPath>, Usage), String> {
    let no_values = BTreeMap::new();
    let mut v = Validator::new(names, &no_values, Mode::Projection);
    let paths: Vec<DocPath> = raw.iter().map(|p| v.path(p)).collect();
    for path in &paths {
        v.check_path(path.clone());
    }
    v.finish(paths, PROJECTION_ORDER)
}

/// A key condition split into its partition-key value and optional sort-key condition.
pub(crate) struct KeyParts {
    pub(crate) partition: AttributeValue,
    pub(crate) sort: Option<(String, SortCondition)>,
}

/// Checks that a validated key condition is an equality on the partition key, optionally
/// AND one supported comparison on the sort key, and splits it. Messages are DynamoDB's
/// (which carry no `Invalid KeyConditionExpression:` prefix).
pub(crate) fn key_condition(
    cond: &Cond,
    hash_key: &str,
    range_key: Option<&str>,
) -> Result<KeyParts, String> {
    let mut conditions: Vec<(String, CmpOrFunction)> = Vec::new();
    collect_key_conditions(cond, &mut conditions)?;
    let Some(position) = conditions.iter().position(|(name, _)| name == hash_key) else {
        return Err(format!(
            "Query condition missed key schema element: {hash_key}"
        ));
    };
    let (_, hash_condition) = conditions.remove(position);
    let CmpOrFunction::Cmp(CmpOp::Eq, partition) = hash_condition else {
        return Err("Query key condition not supported".to_owned());
    };
    let mut sort = None;
    for (name, condition) in conditions {
        match range_key {
            Some(range) if range == name => sort = Some((name, condition.into_sort())),
            Some(range) => {
                return Err(format!(
                    "Query condition missed key schema element: {range}"
                ));
            }
            None => return Err("Query key condition not supported".to_owned()),
        }
    }
    Ok(KeyParts { partition, sort })
}

/// One key attribute's condition, with the attribute on the left.
enum CmpOrFunction {
    Cmp(CmpOp, AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl CmpOrFunction {
    fn into_sort(self) -> SortCondition {
        match self {
            CmpOrFunction::Cmp(CmpOp::Lt, v) => SortCondition::Lt(v),
            CmpOrFunction::Cmp(CmpOp::Le, v) => SortCondition::Le(v),
            CmpOrFunction::Cmp(CmpOp::Gt, v) => SortCondition::Gt(v),
            CmpOrFunction::Cmp(CmpOp::Ge, v) => SortCondition::Ge(v),
            CmpOrFunction::Cmp(_, v) => SortCondition::Eq(v),
            CmpOrFunction::Between(lo, hi) => SortCondition::Between(lo, hi),
            CmpOrFunction::BeginsWith(prefix) => SortCondition::BeginsWith(prefix),
        }
    }
}

fn collect_key_conditions(
    cond: &Cond,
    out: &mut Vec<(String, CmpOrFunction)>,
) -> Result<(), String> {
    let invalid_operator =
        |op: &str| format!("Invalid operator used in KeyConditionExpression: {op}");
    let operands: Vec<&Operand> = match cond {
        Cond::And(terms) => {
            return terms
                .iter()
                .try_for_each(|term| collect_key_conditions(term, out));
        }
        Cond::Or(..) => return Err(invalid_operator("OR")),
        Cond::Not(..) => return Err(invalid_operator("NOT")),
        Cond::In(..) => return Err(invalid_operator("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(invalid_operator("<>")),
        Cond::Exists(_) => return Err(invalid_operator("attribute_exists")),
        Cond::NotExists(_) => return Err(invalid_operator("attribute_not_exists")),
        Cond::Type(..) => return Err(invalid_operator("attribute_type")),
        Cond::Contains(..) => return Err(invalid_operator("contains")),
        Cond::Invalid => return Err("Query key condition not supported".to_owned()),
        Cond::Between(subject, lo, hi) => {
            if !matches!(subject, Operand::Path(_)) {
                return Err("Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand".to_owned());
            }
            vec![subject, lo, hi]
        }
        Cond::BeginsWith(subject, prefix) => {
            if !matches!(subject, Operand::Path(_)) {
                return Err("Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand".to_owned());
            }
            vec![subject, prefix]
        }
        Cond::Cmp(_, left, right) => vec![left, right],
    };
    let mut key: Option<(usize, &DocPath)> = None;
    let mut literals = Vec::new();
    for (index, operand) in operands.iter().enumerate() {
        match operand {
            Operand::Path(path) => {
                if key.is_some() {
                    return Err("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition".to_owned());
                }
                if path.0.len() > 1 {
                    return Err(
                        "KeyConditionExpressions cannot have conditions on nested attributes"
                            .to_owned(),
                    );
                }
                key = Some((index, path));
            }
            Operand::Size(_) => {
                return Err("KeyConditionExpressions cannot contain nested operations".to_owned());
            }
            Operand::Value(value) => literals.push(value.clone()),
        }
    }
    let Some((index, path)) = key else {
        return Err(
            "Invalid condition in KeyConditionExpression: No key attribute specified".to_owned(),
        );
    };
    let name = path.root().to_owned();
    if out.iter().any(|(existing, _)| *existing == name) {
        return Err("KeyConditionExpressions must only contain one condition per key".to_owned());
    }
    let mut literals = literals.into_iter();
    let condition = match (cond, literals.next(), literals.next()) {
        (Cond::Cmp(op, ..), Some(value), None) => {
            CmpOrFunction::Cmp(if index == 0 { *op } else { op.flipped() }, value)
        }
        (Cond::Between(..), Some(lo), Some(hi)) => CmpOrFunction::Between(lo, hi),
        (Cond::BeginsWith(..), Some(prefix), None) => CmpOrFunction::BeginsWith(prefix),
        _ => return Err("Query key condition not supported".to_owned()),
    };
    out.push((name, condition));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parser::{parse_condition, parse_projection, parse_update};
    use super::*;
    use crate::number::Number;

    fn names() -> BTreeMap<String, String> {
        [
            ("#a", "a"),
            ("#b", "b"),
            ("#c", "c"),
            ("#d", "[3]"),
            ("#s", "status"),
            ("#1", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn values() -> BTreeMap<String, AttributeValue> {
        let n = |t: &str| AttributeValue::N(Number::parse(t).unwrap());
        [
            (":s", AttributeValue::S("a".into())),
            (":s2", AttributeValue::S("b".into())),
            (":n", n("1")),
            (":n2", n("2")),
            (":b", AttributeValue::B(vec![1])),
            (":bool", AttributeValue::Bool(true)),
            (":null", AttributeValue::Null),
            (":ss", AttributeValue::Ss(vec!["a".into()])),
            (":ns", AttributeValue::Ns(vec![Number::parse("1").unwrap()])),
            (":bs", AttributeValue::Bs(vec![vec![1]])),
            (":m", AttributeValue::M(BTreeMap::new())),
            (":l", AttributeValue::L(vec![])),
            (":type", AttributeValue::S("SS".into())),
            (":badtype", AttributeValue::S("STRING".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn check_condition(source: &str) -> Result<(Cond, Usage), String> {
        let parsed = parse_condition(source)?;
        condition(&parsed, &names(), &values(), true)
    }

    fn check_update(source: &str) -> Result<(Vec<Action>, Usage), String> {
        let parsed = parse_update(source)?;
        update(&parsed, &names(), &values())
    }

    #[test]
    fn condition_errors() {
        let cases: Vec<(&str, &str)> = vec![
            (
                "status = :s",
                "Attribute name is a reserved keyword; reserved keyword: status",
            ),
            (
                "a.Size = :s",
                "Attribute name is a reserved keyword; reserved keyword: Size",
            ),
            (
                "#x = :s",
                "An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
            (
                "a = :x",
                "An expression attribute value used in expression is not defined; attribute value: :x",
            ),
            ("foo(a)", "Invalid function name; function: foo"),
            (
                "if_not_exists(a, :s)",
                "Invalid function name; function: if_not_exists",
            ),
            (
                "size(a)",
                "The function is not allowed to be used this way in an expression; function: size",
            ),
            (
                "begins_with(a, :s) = :bool",
                "The function is not allowed to be used this way in an expression; function: begins_with",
            ),
            (
                "contains(attribute_type(a, :s), :s)",
                "The function is not allowed to be used this way in an expression; function: attribute_type",
            ),
            (
                "a BETWEEN size(a) AND contains(a, :s)",
                "The function is not allowed to be used this way in an expression; function: contains",
            ),
            (
                "attribute_exists(a, b)",
                "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
            ),
            (
                "begins_with(a)",
                "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
            ),
            (
                "size(a, b) = :n",
                "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
            ),
            (
                "attribute_exists(:s)",
                "Operator or function requires a document path; operator or function: attribute_exists",
            ),
            (
                "attribute_not_exists(size(a))",
                "Operator or function requires a document path; operator or function: attribute_not_exists",
            ),
            (
                "begins_with(a, :n)",
                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
            (
                "begins_with(:ss, a)",
                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: SS",
            ),
            (
                "begins_with(size(a), :s)",
                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
            (
                "attribute_type(a, :n)",
                "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
            ),
            (
                "attribute_type(a, b)",
                "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
            ),
            (
                "attribute_type(a, :badtype)",
                "Invalid attribute type name found; type: STRING, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            ),
            (
                "size(:n) = :n",
                "Incorrect operand type for operator or function; operator or function: size, operand type: N",
            ),
            (
                "size(:bool) = :n",
                "Incorrect operand type for operator or function; operator or function: size, operand type: BOOL",
            ),
            (
                "size(size(a)) = :n",
                "Incorrect operand type for operator or function; operator or function: size, operand type: N",
            ),
            (
                "a = a",
                "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
            ),
            (
                "#a.b[1] <> a.b[1]",
                "The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a, b, [1]]",
            ),
            (
                "begins_with(a, #a)",
                "The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [a]",
            ),
            (
                "a BETWEEN :n AND :s",
                "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
            ),
            (
                "a BETWEEN :n2 AND :n",
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}",
            ),
            (
                "a BETWEEN :s2 AND :s",
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
            ),
            (
                "a BETWEEN :b AND :bool",
                "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {B:AQ==}, upper bound operand: AttributeValue: {BOOL:true}",
            ),
            ("((a = :s))", "The expression has redundant parentheses;"),
            // Ranking: parens, unknown function, misused function, reserved, then the first
            // comparison with a problem.
            (
                "((status = :x))",
                "The expression has redundant parentheses;",
            ),
            (
                "status = :x AND foo(a)",
                "Invalid function name; function: foo",
            ),
            (
                "status = :x AND size(a)",
                "The function is not allowed to be used this way in an expression; function: size",
            ),
            (
                "a = :x AND status = :s",
                "Attribute name is a reserved keyword; reserved keyword: status",
            ),
            (
                "a = :x AND #x = :s",
                "An expression attribute value used in expression is not defined; attribute value: :x",
            ),
            (
                "#x = :s AND a = :x",
                "An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
            (
                "begins_with(a, :n) AND b = :x",
                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
            (
                "begins_with(a, :x) AND b = b",
                "An expression attribute value used in expression is not defined; attribute value: :x",
            ),
            (
                "begins_with(a) AND b = :x",
                "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
            ),
            (
                "a = a AND attribute_exists(:s)",
                "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(check_condition(source).unwrap_err(), expected, "{source}");
        }
    }

    #[test]
    fn condition_limits() {
        let list: Vec<String> = (0..101).map(|_| ":s".to_owned()).collect();
        let source = format!("a IN ({})", list.join(","));
        assert_eq!(
            check_condition(&source).unwrap_err(),
            "The IN operator is provided with too many operands; number of operands: 101"
        );
        let ok = format!("a IN ({})", list[..100].join(","));
        assert!(check_condition(&ok).is_ok());
        let many: Vec<&str> = (0..151).map(|_| "a = :s").collect();
        assert_eq!(
            check_condition(&many.join(" AND ")).unwrap_err(),
            "The expression contains too many operators; operator count: 301"
        );
        let just: Vec<&str> = (0..150).map(|_| "a = :s").collect();
        assert!(check_condition(&just.join(" AND ")).is_ok());
    }

    #[test]
    fn conditions_resolve_and_record_usage() {
        let (cond, usage) = check_condition("#a.b = :s AND attribute_type(#s, :type)").unwrap();
        let path = DocPath(vec![
            PathElement::Name("a".into()),
            PathElement::Name("b".into()),
        ]);
        let status = DocPath(vec![PathElement::Name("status".into())]);
        assert_eq!(
            cond,
            Cond::And(vec![
                Cond::Cmp(
                    CmpOp::Eq,
                    Operand::Path(path),
                    Operand::Value(AttributeValue::S("a".into()))
                ),
                Cond::Type(Operand::Path(status), "SS".into()),
            ])
        );
        assert_eq!(
            usage.names,
            ["#a", "#s"].iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(
            usage.values,
            [":s", ":type"].iter().map(|s| s.to_string()).collect()
        );
        // Redundant parentheses are tolerated when the caller says so (key conditions).
        let parsed = parse_condition("((a = :s))").unwrap();
        assert!(condition(&parsed, &names(), &values(), false).is_ok());
        // Functions that are fine.
        for source in [
            "size(a) > :n",
            "size(:s) = :n",
            "contains(a, :n)",
            "contains(:ss, a)",
            "begins_with(a, :b)",
            "a IN (:s, b, :n)",
            "a BETWEEN :n AND :n",
            "a BETWEEN b AND c",
            "attribute_type(a, :type)",
            "NOT (attribute_exists(a) OR attribute_not_exists(b))",
        ] {
            assert!(check_condition(source).is_ok(), "{source}");
        }
    }

    #[test]
    fn update_errors() {
        let cases: Vec<(&str, &str)> = vec![
            (
                " set #c = :s set abOrt = :s ",
                "Attribute name is a reserved keyword; reserved keyword: abOrt",
            ),
            (
                " remove Absolute ",
                "Attribute name is a reserved keyword; reserved keyword: Absolute",
            ),
            (
                "SET a = b.Name",
                "Attribute name is a reserved keyword; reserved keyword: Name",
            ),
            (
                "set #c = if_not_exist(:s) set c = d",
                "Invalid function name; function: if_not_exist",
            ),
            (
                "SET a = begins_with(a, :s)",
                "Invalid function name; function: begins_with",
            ),
            (
                "set a = #c set c = :s",
                "The \"SET\" section can only be used once in an update expression;",
            ),
            (
                "remove #c set a = b remove e",
                "The \"REMOVE\" section can only be used once in an update expression;",
            ),
            (
                "add #c :n set a = b add e :n",
                "The \"ADD\" section can only be used once in an update expression;",
            ),
            (
                "delete #c :ss set a = b delete #b :ss",
                "The \"DELETE\" section can only be used once in an update expression;",
            ),
            (
                "SET #x = if_not_exists(:s)",
                "An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
            (
                "SET #a = if_not_exists(:x)",
                "An expression attribute value used in expression is not defined; attribute value: :x",
            ),
            (
                "SET a = :x, #x = :s",
                "An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
            (
                "set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]",
            ),
            (
                "set c.b.#c = a, c = a, #d = a",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, b, c], path two: [c]",
            ),
            (
                "set a = b remove a, #c, #d",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
            ),
            (
                "set #c[3].#d = a, #c[3] = a",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]",
            ),
            (
                "remove c, #c.a, #d",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c], path two: [c, a]",
            ),
            (
                "remove a, #c, a, #d",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
            ),
            (
                "set #c[3].#d = a, #c.#d[3] = if_not_exists(a, b)",
                "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]",
            ),
            (
                "remove a.#c set a[1] = #d",
                "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]",
            ),
            (
                "set b = list_append(:s, a), c = if_not_exists(a) add a.b :s",
                "Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
            ),
            (
                "delete a.b :s",
                "Incorrect operand type for operator or function; operator: DELETE, operand type: STRING",
            ),
            (
                "add a.b :null",
                "Incorrect operand type for operator or function; operator: ADD, operand type: NULL",
            ),
            (
                "delete a.b :bool",
                "Incorrect operand type for operator or function; operator: DELETE, operand type: BOOLEAN",
            ),
            (
                "add a.b :b",
                "Incorrect operand type for operator or function; operator: ADD, operand type: BINARY",
            ),
            (
                "add a.b :m",
                "Incorrect operand type for operator or function; operator: ADD, operand type: MAP",
            ),
            (
                "delete a.b :l",
                "Incorrect operand type for operator or function; operator: DELETE, operand type: LIST",
            ),
            (
                "delete a.b :n",
                "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
            ),
            (
                "set a = if_not_exists(c)",
                "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1",
            ),
            (
                "set a = list_append(c)",
                "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
            ),
            (
                "set a = list_append(a, b, c)",
                "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3",
            ),
            (
                "set a = if_not_exists(:s, c)",
                "Operator or function requires a document path; operator or function: if_not_exists",
            ),
            (
                "set a = if_not_exists(if_not_exists(a, b), c)",
                "Operator or function requires a document path; operator or function: if_not_exists",
            ),
            (
                "set a = list_append(:s, a)",
                "Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
            ),
            (
                "set a = list_append(a, :n)",
                "Incorrect operand type for operator or function; operator or function: list_append, operand type: N",
            ),
            (
                "set a = list_append(:m, a)",
                "Incorrect operand type for operator or function; operator or function: list_append, operand type: M",
            ),
            (
                "set a = a + :s",
                "Incorrect operand type for operator or function; operator or function: +, operand type: S",
            ),
            (
                "set a = :s + :b",
                "Incorrect operand type for operator or function; operator or function: +, operand type: S",
            ),
            (
                "set a = :b + a",
                "Incorrect operand type for operator or function; operator or function: +, operand type: B",
            ),
            (
                "set a = a - :ns",
                "Incorrect operand type for operator or function; operator or function: -, operand type: NS",
            ),
            (
                "set a = a - :l",
                "Incorrect operand type for operator or function; operator or function: -, operand type: L",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(check_update(source).unwrap_err(), expected, "{source}");
        }
    }

    #[test]
    fn update_limits_and_usage() {
        let sets: Vec<String> = (0..301)
            .map(|i| format!("a{i} = if_not_exists(b, :n)"))
            .collect();
        assert_eq!(
            check_update(&format!("SET {}", sets.join(", "))).unwrap_err(),
            "The expression contains too many operators; operator count: 301"
        );
        let (actions, usage) =
            check_update("SET #a = list_append(if_not_exists(#a, :l), :l), b = b + :n REMOVE #c ADD d :ns DELETE e :ss")
                .unwrap();
        assert_eq!(actions.len(), 5);
        assert_eq!(
            usage.names,
            ["#a", "#c"].iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(
            usage.values,
            [":l", ":n", ":ns", ":ss"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        for source in [
            "ADD a :n",
            "ADD a :ss, b :ns, c :bs",
            "DELETE a :bs",
            "SET a = (b + c)",
            "SET a.b = :s, a.c = :s",
        ] {
            assert!(check_update(source).is_ok(), "{source}");
        }
    }

    #[test]
    fn projection_errors() {
        let check = |source: &str| {
            let parsed = parse_projection(source)?;
            projection(&parsed, &names())
        };
        let cases = [
            (
                "a, status",
                "Attribute name is a reserved keyword; reserved keyword: status",
            ),
            (
                "#x",
                "An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
            (
                "#a, #a.#b",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
            ),
            (
                "#a, #a",
                "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
            ),
            (
                "a.b, a[0]",
                "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]",
            ),
            (
                "#x, status",
                "Attribute name is a reserved keyword; reserved keyword: status",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(check(source).unwrap_err(), expected, "{source}");
        }
        let (paths, usage) = check("#a.b, l[2], l[0], #s").unwrap();
        assert_eq!(paths.len(), 4);
        assert_eq!(
            usage.names,
            ["#a", "#s"].iter().map(|s| s.to_string()).collect()
        );
    }

    fn key(source: &str, range: Option<&str>) -> Result<KeyParts, String> {
        let parsed = parse_condition(source)?;
        let (cond, _) = condition(&parsed, &names(), &values(), false)?;
        key_condition(&cond, "pk", range)
    }

    #[test]
    fn key_condition_errors() {
        let cases = [
            (
                "pk = :s OR sk = :s",
                "Invalid operator used in KeyConditionExpression: OR",
            ),
            (
                "NOT pk = :s",
                "Invalid operator used in KeyConditionExpression: NOT",
            ),
            (
                "pk IN (:s)",
                "Invalid operator used in KeyConditionExpression: IN",
            ),
            (
                "pk <> :s",
                "Invalid operator used in KeyConditionExpression: <>",
            ),
            (
                "pk = :s AND attribute_exists(sk)",
                "Invalid operator used in KeyConditionExpression: attribute_exists",
            ),
            (
                "pk = :s AND attribute_not_exists(sk)",
                "Invalid operator used in KeyConditionExpression: attribute_not_exists",
            ),
            (
                "pk = :s AND attribute_type(sk, :type)",
                "Invalid operator used in KeyConditionExpression: attribute_type",
            ),
            (
                "pk = :s AND contains(sk, :s)",
                "Invalid operator used in KeyConditionExpression: contains",
            ),
            (
                "pk = :s AND size(sk) = :n",
                "KeyConditionExpressions cannot contain nested operations",
            ),
            (
                "pk = :s AND :s BETWEEN sk AND :s2",
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
            ),
            (
                "pk = :s AND begins_with(:s, sk)",
                "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
            ),
            (
                "pk = sk",
                "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
            ),
            (
                "pk = :s AND sk.foo = :s",
                "KeyConditionExpressions cannot have conditions on nested attributes",
            ),
            (
                ":s = :s2",
                "Invalid condition in KeyConditionExpression: No key attribute specified",
            ),
            (
                "pk = :s AND pk = :s2",
                "KeyConditionExpressions must only contain one condition per key",
            ),
            ("sk = :s", "Query condition missed key schema element: pk"),
            (
                "attr1 = :s",
                "Query condition missed key schema element: pk",
            ),
            ("pk >= :s", "Query key condition not supported"),
            ("begins_with(pk, :s)", "Query key condition not supported"),
            ("pk BETWEEN :s AND :s2", "Query key condition not supported"),
            (
                "pk = :s AND attr1 = :s",
                "Query condition missed key schema element: sk",
            ),
        ];
        for (source, expected) in cases {
            let error = key(source, Some("sk")).err();
            assert_eq!(error.as_deref(), Some(expected), "{source}");
        }
        assert_eq!(
            key("pk = :s AND sk = :s", None).err().as_deref(),
            Some("Query key condition not supported")
        );
    }

    #[test]
    fn key_condition_parts() {
        let s = |t: &str| AttributeValue::S(t.to_owned());
        let cases = [
            ("pk = :s", None),
            ("pk = :s AND sk = :s2", Some(SortCondition::Eq(s("b")))),
            ("sk < :s2 AND pk = :s", Some(SortCondition::Lt(s("b")))),
            ("pk = :s AND :s2 < sk", Some(SortCondition::Gt(s("b")))),
            ("pk = :s AND :s2 <= sk", Some(SortCondition::Ge(s("b")))),
            ("pk = :s AND :s2 > sk", Some(SortCondition::Lt(s("b")))),
            ("pk = :s AND :s2 >= sk", Some(SortCondition::Le(s("b")))),
            (
                "pk = :s AND sk BETWEEN :s AND :s2",
                Some(SortCondition::Between(s("a"), s("b"))),
            ),
            (
                "(pk = :s) AND (begins_with(sk, :s2))",
                Some(SortCondition::BeginsWith(s("b"))),
            ),
            (
                "((pk = :s)) AND ((sk = :s))",
                Some(SortCondition::Eq(s("a"))),
            ),
            (":s = pk", None),
        ];
        for (source, expected) in cases {
            let parts = key(source, Some("sk")).unwrap();
            assert_eq!(parts.partition, s("a"), "{source}");
            assert_eq!(parts.sort.map(|(_, c)| c), expected, "{source}");
        }
    }

    #[test]
    fn show_values() {
        assert_eq!(show(&AttributeValue::S("x y".into())), "x y");
        assert_eq!(show(&AttributeValue::Null), "true");
        assert_eq!(show(&AttributeValue::B(vec![0xff])), "/w==");
        assert_eq!(show(&AttributeValue::Ss(vec!["a".into()])), "[\"a\"]");
    }
}
