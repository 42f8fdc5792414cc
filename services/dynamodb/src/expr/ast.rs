//! The trees the phases pass along.
//!
//! The parser produces the *raw* trees (`Raw*`): the expression as written, placeholders
//! (`#name`, `:value`) still unresolved and function names unchecked. Validation turns them
//! into the *resolved* trees (`Cond`, `Operand`, `Action`, `UpdateValue`), in which every
//! path is a [`DocPath`] of real attribute names and every value is an [`AttributeValue`], so
//! evaluation needs nothing but the item.

use std::fmt;

use crate::value::AttributeValue;

/// One step of a raw document path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawElem {
    /// A bare attribute name (subject to the reserved-word check).
    Ident(String),
    /// An `#name` placeholder.
    Name(String),
    /// A list index `[n]`.
    Index(u32),
}

/// A document path as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawPath(pub(crate) Vec<RawElem>);

/// A function call as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawCall {
    pub(crate) name: String,
    pub(crate) args: Vec<RawOperand>,
}

/// An operand as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawOperand {
    Path(RawPath),
    /// A `:value` placeholder.
    Value(String),
    Call(RawCall),
}

/// Comparison operators of condition expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written (DynamoDB quotes it in messages).
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`:v < k` is `k > :v`).
    pub(crate) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// A condition as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawCond {
    Cmp(CmpOp, RawOperand, RawOperand),
    Between(RawOperand, RawOperand, RawOperand),
    In(RawOperand, Vec<RawOperand>),
    /// A function used as a condition (`attribute_exists(a)`).
    Call(RawCall),
    /// Two or more conditions joined by AND (chains stay flat, so length costs no depth).
    And(Vec<RawCond>),
    /// Two or more conditions joined by OR.
    Or(Vec<RawCond>),
    Not(Box<RawCond>),
}

/// The right-hand side of a SET action as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawSetValue {
    Operand(RawOperand),
    Plus(RawOperand, RawOperand),
    Minus(RawOperand, RawOperand),
}

/// The four update clauses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clause {
    Set,
    Remove,
    Add,
    Delete,
}

impl Clause {
    /// The clause keyword, upper-case as DynamoDB names it in messages.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Clause::Set => "SET",
            Clause::Remove => "REMOVE",
            Clause::Add => "ADD",
            Clause::Delete => "DELETE",
        }
    }
}

/// One update action as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawAction {
    Set(RawPath, RawSetValue),
    Remove(RawPath),
    /// `ADD path :value`.
    Add(RawPath, String),
    /// `DELETE path :value`.
    Delete(RawPath, String),
}

/// An update expression as written: its clauses in order, each with its actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawUpdate(pub(crate) Vec<(Clause, Vec<RawAction>)>);

/// One step of a resolved document path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A map key (or top-level attribute name).
    Name(String),
    /// A list index.
    Index(u32),
}

/// A resolved document path: top-level attribute name, then map keys and list indexes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocPath(pub(crate) Vec<PathElement>);

impl DocPath {
    /// The path's steps; the first is always a name.
    pub fn elements(&self) -> &[PathElement] {
        &self.0
    }

    /// The top-level attribute the path starts at.
    pub fn root(&self) -> &str {
        match self.0.first() {
            Some(PathElement::Name(name)) => name,
            _ => "",
        }
    }

    /// DynamoDB's rendering in messages: `[a, b, [3]]`.
    pub(crate) fn bracketed(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElement::Name(name) => name.clone(),
                PathElement::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

impl fmt::Display for DocPath {
    /// Expression syntax: `a.b[3].c` (names are shown verbatim, unescaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.0.iter().enumerate() {
            match element {
                PathElement::Name(name) if i == 0 => f.write_str(name)?,
                PathElement::Name(name) => write!(f, ".{name}")?,
                PathElement::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A resolved operand of a condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    Path(DocPath),
    Value(AttributeValue),
    /// `size(operand)`.
    Size(Box<Operand>),
}

/// A resolved condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    Cmp(CmpOp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(DocPath),
    NotExists(DocPath),
    /// `attribute_type(operand, :t)` with the type descriptor from `:t`.
    Type(Operand, String),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// Stands in for a construct that failed validation; never evaluated.
    Invalid,
}

/// A resolved SET value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum UpdateValue {
    Path(DocPath),
    Value(AttributeValue),
    IfNotExists(DocPath, Box<UpdateValue>),
    ListAppend(Box<UpdateValue>, Box<UpdateValue>),
    Plus(Box<UpdateValue>, Box<UpdateValue>),
    Minus(Box<UpdateValue>, Box<UpdateValue>),
}

/// A resolved update action.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Action {
    Set(DocPath, UpdateValue),
    Remove(DocPath),
    Add(DocPath, AttributeValue),
    Delete(DocPath, AttributeValue),
}

impl Action {
    /// The path the action writes.
    pub(crate) fn path(&self) -> &DocPath {
        match self {
            Action::Set(path, _) | Action::Remove(path) | Action::Add(path, _) => path,
            Action::Delete(path, _) => path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(elements: Vec<PathElement>) -> DocPath {
        DocPath(elements)
    }

    #[test]
    fn path_renderings() {
        let p = path(vec![
            PathElement::Name("a".into()),
            PathElement::Name("b".into()),
            PathElement::Index(3),
            PathElement::Name("c".into()),
        ]);
        assert_eq!(p.to_string(), "a.b[3].c");
        assert_eq!(p.bracketed(), "[a, b, [3], c]");
        assert_eq!(p.root(), "a");
        assert_eq!(p.elements().len(), 4);
        let odd = path(vec![PathElement::Name("[3]".into()), PathElement::Index(0)]);
        assert_eq!(odd.bracketed(), "[[3], [0]]");
        assert_eq!(path(vec![]).root(), "");
    }

    #[test]
    fn paths_order_element_by_element() {
        let a0 = path(vec![PathElement::Name("a".into()), PathElement::Index(0)]);
        let a2 = path(vec![PathElement::Name("a".into()), PathElement::Index(2)]);
        let a10 = path(vec![PathElement::Name("a".into()), PathElement::Index(10)]);
        let b = path(vec![PathElement::Name("b".into())]);
        let mut paths = vec![b.clone(), a10.clone(), a0.clone(), a2.clone()];
        paths.sort();
        assert_eq!(paths, vec![a0, a2, a10, b]);
    }

    #[test]
    fn operators() {
        assert_eq!(CmpOp::Lt.flipped(), CmpOp::Gt);
        assert_eq!(CmpOp::Ge.flipped(), CmpOp::Le);
        assert_eq!(CmpOp::Eq.flipped(), CmpOp::Eq);
        assert_eq!(CmpOp::Ne.symbol(), "<>");
        assert_eq!(Clause::Delete.keyword(), "DELETE");
    }
}
