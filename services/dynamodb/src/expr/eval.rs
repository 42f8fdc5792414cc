//! Phase 4: resolved trees applied to items — conditions evaluated, updates applied,
//! projections extracted, sort-key conditions matched.
//!
//! Conditions never fail: an operand that is missing or of the wrong type makes the
//! comparison false (`<>` true), as in DynamoDB. Updates can fail on the item's contents, with
//! DynamoDB's messages, and then leave the item untouched.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::SortCondition;
use super::ast::{Action, CmpOp, Cond, DocPath, Operand, PathElement, UpdateValue};
use crate::number::Number;
use crate::value::{AttributeValue, Item, MAX_DEPTH};

const INVALID_PATH: &str =
    "The document path provided in the update expression is invalid for update";
const MISSING_ATTRIBUTE: &str =
    "The provided expression refers to an attribute that does not exist in the item";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const TOO_DEEP: &str =
    "Nesting Levels have exceeded supported limits: Maximum nesting level of 32 has been exceeded";

// ---- values -------------------------------------------------------------------------------

/// The value at `path`, if every step exists and has the right type.
pub(crate) fn lookup<'a>(item: &'a Item, path: &DocPath) -> Option<&'a AttributeValue> {
    let (first, rest) = path.0.split_first()?;
    let PathElement::Name(name) = first else {
        return None;
    };
    let mut current = item.get(name)?;
    for element in rest {
        current = match (element, current) {
            (PathElement::Name(key), AttributeValue::M(map)) => map.get(key)?,
            (PathElement::Index(index), AttributeValue::L(list)) => {
                list.get(usize::try_from(*index).ok()?)?
            }
            _ => return None,
        };
    }
    Some(current)
}

fn lookup_mut<'a>(item: &'a mut Item, path: &[PathElement]) -> Option<&'a mut AttributeValue> {
    let (first, rest) = path.split_first()?;
    let PathElement::Name(name) = first else {
        return None;
    };
    let mut current = item.get_mut(name)?;
    for element in rest {
        current = match (element, current) {
            (PathElement::Name(key), AttributeValue::M(map)) => map.get_mut(key)?,
            (PathElement::Index(index), AttributeValue::L(list)) => {
                list.get_mut(usize::try_from(*index).ok()?)?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// DynamoDB equality: same type and value; sets compare as sets, documents element-wise.
pub(crate) fn equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    fn same_set<T: Ord>(a: &[T], b: &[T]) -> bool {
        let mut a: Vec<&T> = a.iter().collect();
        let mut b: Vec<&T> = b.iter().collect();
        a.sort();
        b.sort();
        a == b
    }
    match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => same_set(x, y),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => same_set(x, y),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => same_set(x, y),
        (AttributeValue::L(x), AttributeValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| equal(v, w))
        }
        (AttributeValue::M(x), AttributeValue::M(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// DynamoDB ordering: numbers numerically, strings by UTF-8 bytes, binaries by unsigned
/// bytes; other types and mixed types are unordered.
pub(crate) fn compare(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn begins_with(value: &AttributeValue, prefix: &AttributeValue) -> bool {
    match (value, prefix) {
        (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
        (AttributeValue::B(b), AttributeValue::B(p)) => b.starts_with(p),
        _ => false,
    }
}

/// `size()`: UTF-16 code units of a string (as DynamoDB counts), bytes of a binary, elements
/// of a set, list or map; nothing for other types.
fn size(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    })
}

// ---- conditions ---------------------------------------------------------------------------

fn operand<'a>(operand: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match operand {
        Operand::Path(path) => lookup(item, path).map(Cow::Borrowed),
        Operand::Value(value) => Some(Cow::Borrowed(value)),
        Operand::Size(inner) => {
            let value = self::operand(inner, item)?;
            let count = u64::try_from(size(&value)?).ok()?;
            Some(Cow::Owned(AttributeValue::N(Number::from(count))))
        }
    }
}

fn at_least(a: &AttributeValue, b: &AttributeValue) -> bool {
    matches!(compare(a, b), Some(Ordering::Greater | Ordering::Equal))
}

fn at_most(a: &AttributeValue, b: &AttributeValue) -> bool {
    matches!(compare(a, b), Some(Ordering::Less | Ordering::Equal))
}

/// Whether `cond` holds for `item` (an empty item stands for "no item").
pub(crate) fn condition(cond: &Cond, item: &Item) -> bool {
    match cond {
        Cond::Cmp(op, left, right) => {
            let (Some(a), Some(b)) = (operand(left, item), operand(right, item)) else {
                // A missing operand equals nothing, so only `<>` holds.
                return *op == CmpOp::Ne;
            };
            match op {
                CmpOp::Eq => equal(&a, &b),
                CmpOp::Ne => !equal(&a, &b),
                CmpOp::Lt => compare(&a, &b) == Some(Ordering::Less),
                CmpOp::Le => at_most(&a, &b),
                CmpOp::Gt => compare(&a, &b) == Some(Ordering::Greater),
                CmpOp::Ge => at_least(&a, &b),
            }
        }
        Cond::Between(subject, low, high) => {
            match (
                operand(subject, item),
                operand(low, item),
                operand(high, item),
            ) {
                (Some(v), Some(lo), Some(hi)) => at_least(&v, &lo) && at_most(&v, &hi),
                _ => false,
            }
        }
        Cond::In(subject, list) => operand(subject, item).is_some_and(|v| {
            list.iter()
                .any(|candidate| operand(candidate, item).is_some_and(|c| equal(&v, &c)))
        }),
        Cond::Exists(path) => lookup(item, path).is_some(),
        Cond::NotExists(path) => lookup(item, path).is_none(),
        Cond::Type(subject, type_name) => {
            operand(subject, item).is_some_and(|v| v.type_name() == type_name)
        }
        Cond::BeginsWith(subject, prefix) => {
            match (operand(subject, item), operand(prefix, item)) {
                (Some(v), Some(p)) => begins_with(&v, &p),
                _ => false,
            }
        }
        Cond::Contains(subject, needle) => match (operand(subject, item), operand(needle, item)) {
            (Some(haystack), Some(needle)) => contains(&haystack, &needle),
            _ => false,
        },
        Cond::And(terms) => terms.iter().all(|term| condition(term, item)),
        Cond::Or(terms) => terms.iter().any(|term| condition(term, item)),
        Cond::Not(inner) => !condition(inner, item),
        Cond::Invalid => false,
    }
}

/// `contains()`: substring of a string, byte run of a binary, member of a set of the
/// matching type, or element of a list.
fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(s), AttributeValue::S(n)) => s.contains(n.as_str()),
        (AttributeValue::B(b), AttributeValue::B(n)) => {
            n.is_empty() || b.windows(n.len()).any(|window| window == n.as_slice())
        }
        (AttributeValue::Ss(set), AttributeValue::S(n)) => set.contains(n),
        (AttributeValue::Ns(set), AttributeValue::N(n)) => set.contains(n),
        (AttributeValue::Bs(set), AttributeValue::B(n)) => set.contains(n),
        (AttributeValue::L(list), n) => list.iter().any(|element| equal(element, n)),
        _ => false,
    }
}

/// Whether a sort-key value satisfies a key condition's sort part.
pub(crate) fn sort_matches(condition: &SortCondition, value: &AttributeValue) -> bool {
    match condition {
        SortCondition::Eq(v) => equal(value, v),
        SortCondition::Lt(v) => compare(value, v) == Some(Ordering::Less),
        SortCondition::Le(v) => at_most(value, v),
        SortCondition::Gt(v) => compare(value, v) == Some(Ordering::Greater),
        SortCondition::Ge(v) => at_least(value, v),
        SortCondition::Between(lo, hi) => at_least(value, lo) && at_most(value, hi),
        SortCondition::BeginsWith(prefix) => begins_with(value, prefix),
    }
}

// ---- updates ------------------------------------------------------------------------------

/// What an action does to its path once every operand has been read.
enum Step {
    Put(AttributeValue),
    Remove,
    /// Nothing to change, but the path must still be a valid place to change.
    Check,
}

/// Applies `actions` to `item`: every operand is read from the item as it was before the
/// update, then writes happen in path order (so `a[5]` and `a[6]` past the end append in
/// index order) and removals in reverse path order (so list indexes refer to the elements
/// they named before the update). On error the item is unchanged.
pub(crate) fn apply(actions: &[Action], item: &mut Item) -> Result<(), String> {
    let mut writes: Vec<(&DocPath, Step)> = Vec::new();
    let mut removals: Vec<(&DocPath, Step)> = Vec::new();
    for action in actions {
        match action {
            Action::Set(path, value) => writes.push((path, Step::Put(update_value(value, item)?))),
            Action::Add(path, value) => {
                let new = match lookup(item, path) {
                    None => value.clone(),
                    Some(existing) => add(existing, value)?,
                };
                writes.push((path, Step::Put(new)));
            }
            Action::Delete(path, value) => match lookup(item, path) {
                None => writes.push((path, Step::Check)),
                Some(existing) => match subtract(existing, value)? {
                    Some(rest) => writes.push((path, Step::Put(rest))),
                    None => removals.push((path, Step::Remove)),
                },
            },
            Action::Remove(path) => {
                let step = if lookup(item, path).is_some() {
                    Step::Remove
                } else {
                    Step::Check
                };
                removals.push((path, step));
            }
        }
    }
    writes.sort_by(|a, b| a.0.cmp(b.0));
    removals.sort_by(|a, b| b.0.cmp(a.0));
    let mut updated = item.clone();
    for (path, step) in writes.into_iter().chain(removals) {
        match step {
            Step::Put(value) => put(&mut updated, path, value)?,
            Step::Remove => remove(&mut updated, path)?,
            Step::Check => check_parent(&mut updated, path)?,
        }
    }
    let roots: BTreeSet<&str> = actions.iter().map(|a| a.path().root()).collect();
    for root in roots {
        if updated.get(root).is_some_and(nested_too_deep) {
            return Err(TOO_DEEP.to_owned());
        }
    }
    *item = updated;
    Ok(())
}

/// The container `path`'s last step lives in (`Err` if it does not exist).
fn parent<'a>(item: &'a mut Item, path: &[PathElement]) -> Result<&'a mut AttributeValue, String> {
    lookup_mut(item, path).ok_or_else(|| INVALID_PATH.to_owned())
}

fn put(item: &mut Item, path: &DocPath, value: AttributeValue) -> Result<(), String> {
    match path.0.split_last() {
        Some((PathElement::Name(name), [])) => {
            item.insert(name.clone(), value);
            Ok(())
        }
        Some((last, init)) if !init.is_empty() => match (last, parent(item, init)?) {
            (PathElement::Name(key), AttributeValue::M(map)) => {
                map.insert(key.clone(), value);
                Ok(())
            }
            (PathElement::Index(index), AttributeValue::L(list)) => {
                // Past the end appends, as DynamoDB does.
                match usize::try_from(*index).ok().and_then(|i| list.get_mut(i)) {
                    Some(slot) => *slot = value,
                    None => list.push(value),
                }
                Ok(())
            }
            _ => Err(INVALID_PATH.to_owned()),
        },
        _ => Err(INVALID_PATH.to_owned()),
    }
}

fn remove(item: &mut Item, path: &DocPath) -> Result<(), String> {
    match path.0.split_last() {
        Some((PathElement::Name(name), [])) => {
            item.remove(name);
            Ok(())
        }
        Some((last, init)) if !init.is_empty() => match (last, parent(item, init)?) {
            (PathElement::Name(key), AttributeValue::M(map)) => {
                map.remove(key);
                Ok(())
            }
            (PathElement::Index(index), AttributeValue::L(list)) => {
                if let Some(i) = usize::try_from(*index).ok().filter(|i| *i < list.len()) {
                    list.remove(i);
                }
                Ok(())
            }
            _ => Err(INVALID_PATH.to_owned()),
        },
        _ => Err(INVALID_PATH.to_owned()),
    }
}

fn check_parent(item: &mut Item, path: &DocPath) -> Result<(), String> {
    match path.0.split_last() {
        Some((PathElement::Name(_), [])) => Ok(()),
        Some((last, init)) if !init.is_empty() => match (last, parent(item, init)?) {
            (PathElement::Name(_), AttributeValue::M(_))
            | (PathElement::Index(_), AttributeValue::L(_)) => Ok(()),
            _ => Err(INVALID_PATH.to_owned()),
        },
        _ => Err(INVALID_PATH.to_owned()),
    }
}

fn update_value(value: &UpdateValue, item: &Item) -> Result<AttributeValue, String> {
    match value {
        UpdateValue::Path(path) => lookup(item, path)
            .cloned()
            .ok_or_else(|| MISSING_ATTRIBUTE.to_owned()),
        UpdateValue::Value(value) => Ok(value.clone()),
        UpdateValue::IfNotExists(path, default) => match lookup(item, path) {
            Some(existing) => Ok(existing.clone()),
            None => update_value(default, item),
        },
        UpdateValue::ListAppend(a, b) => match (update_value(a, item)?, update_value(b, item)?) {
            (AttributeValue::L(mut first), AttributeValue::L(second)) => {
                first.extend(second);
                Ok(AttributeValue::L(first))
            }
            _ => Err(WRONG_TYPE.to_owned()),
        },
        UpdateValue::Plus(a, b) | UpdateValue::Minus(a, b) => {
            match (update_value(a, item)?, update_value(b, item)?) {
                (AttributeValue::N(x), AttributeValue::N(y)) => {
                    let result = if matches!(value, UpdateValue::Plus(..)) {
                        x.checked_add(&y)
                    } else {
                        x.checked_sub(&y)
                    };
                    result.map(AttributeValue::N).map_err(|e| e.to_string())
                }
                _ => Err(WRONG_TYPE.to_owned()),
            }
        }
    }
}

fn union<T: Ord + Clone>(existing: &[T], added: &[T]) -> Vec<T> {
    let present: BTreeSet<&T> = existing.iter().collect();
    let mut out = existing.to_vec();
    let mut seen = BTreeSet::new();
    for element in added {
        if !present.contains(element) && seen.insert(element) {
            out.push(element.clone());
        }
    }
    out
}

fn difference<T: Ord + Clone>(existing: &[T], removed: &[T]) -> Vec<T> {
    let removed: BTreeSet<&T> = removed.iter().collect();
    existing
        .iter()
        .filter(|e| !removed.contains(e))
        .cloned()
        .collect()
}

/// ADD on an existing value: numbers add, sets of one type unite.
fn add(existing: &AttributeValue, value: &AttributeValue) -> Result<AttributeValue, String> {
    match (existing, value) {
        (AttributeValue::N(x), AttributeValue::N(y)) => x
            .checked_add(y)
            .map(AttributeValue::N)
            .map_err(|e| e.to_string()),
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => Ok(AttributeValue::Ss(union(x, y))),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => Ok(AttributeValue::Ns(union(x, y))),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => Ok(AttributeValue::Bs(union(x, y))),
        _ => Err(WRONG_TYPE.to_owned()),
    }
}

/// DELETE on an existing set: what remains (`None` when nothing does, which removes the
/// attribute, since sets cannot be empty).
fn subtract(
    existing: &AttributeValue,
    value: &AttributeValue,
) -> Result<Option<AttributeValue>, String> {
    let rest = match (existing, value) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => AttributeValue::Ss(difference(x, y)),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => AttributeValue::Ns(difference(x, y)),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => AttributeValue::Bs(difference(x, y)),
        _ => return Err(WRONG_TYPE.to_owned()),
    };
    let empty = match &rest {
        AttributeValue::Ss(s) => s.is_empty(),
        AttributeValue::Ns(s) => s.is_empty(),
        AttributeValue::Bs(s) => s.is_empty(),
        _ => false,
    };
    Ok((!empty).then_some(rest))
}

/// Whether a top-level value nests maps and lists deeper than DynamoDB allows. Iterative, so
/// it is safe on values of any depth.
fn nested_too_deep(value: &AttributeValue) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &AttributeValue>> = match value {
            AttributeValue::M(map) => Box::new(map.values()),
            AttributeValue::L(list) => Box::new(list.iter()),
            _ => continue,
        };
        for child in children {
            // Counted as when parsing an item: each map or list level adds one.
            if depth + 1 > MAX_DEPTH {
                return true;
            }
            if matches!(child, AttributeValue::M(_) | AttributeValue::L(_)) {
                stack.push((child, depth + 1));
            }
        }
    }
    false
}

// ---- projections --------------------------------------------------------------------------

/// Projection paths merged into a tree, so shared prefixes are walked once.
///
/// Paths may be as long as the expression allows (thousands of steps), so the tree is
/// deliberately not `Clone`, and dropping it is iterative: nothing recurses over its depth.
#[derive(Debug, Default)]
pub(crate) struct ProjectionTree {
    /// This node is a requested path: take the whole value.
    whole: bool,
    names: BTreeMap<String, ProjectionTree>,
    indexes: BTreeMap<u32, ProjectionTree>,
}

impl Drop for ProjectionTree {
    fn drop(&mut self) {
        let mut pending: Vec<ProjectionTree> = Vec::new();
        pending.extend(std::mem::take(&mut self.names).into_values());
        pending.extend(std::mem::take(&mut self.indexes).into_values());
        while let Some(mut node) = pending.pop() {
            pending.extend(std::mem::take(&mut node.names).into_values());
            pending.extend(std::mem::take(&mut node.indexes).into_values());
        }
    }
}

impl ProjectionTree {
    pub(crate) fn new<'a>(paths: impl IntoIterator<Item = &'a DocPath>) -> ProjectionTree {
        let mut root = ProjectionTree::default();
        for path in paths {
            let mut node = &mut root;
            for element in &path.0 {
                node = match element {
                    PathElement::Name(name) => node.names.entry(name.clone()).or_default(),
                    PathElement::Index(index) => node.indexes.entry(*index).or_default(),
                };
            }
            node.whole = true;
        }
        root
    }

    /// The parts of `item` the paths name, keeping their structure: nested map keys stay
    /// nested, and list elements keep their order but close up (`l[2], l[0]` gives a
    /// two-element list). Paths that name nothing contribute nothing.
    pub(crate) fn project(&self, item: &Item) -> Item {
        self.names
            .iter()
            .filter_map(|(name, node)| {
                let value = node.project_value(item.get(name)?)?;
                Some((name.clone(), value))
            })
            .collect()
    }

    fn project_value(&self, value: &AttributeValue) -> Option<AttributeValue> {
        if self.whole {
            return Some(value.clone());
        }
        match value {
            AttributeValue::M(map) if !self.names.is_empty() => {
                let picked: BTreeMap<String, AttributeValue> = self
                    .names
                    .iter()
                    .filter_map(|(key, node)| {
                        Some((key.clone(), node.project_value(map.get(key)?)?))
                    })
                    .collect();
                (!picked.is_empty()).then_some(AttributeValue::M(picked))
            }
            AttributeValue::L(list) if !self.indexes.is_empty() => {
                let picked: Vec<AttributeValue> = self
                    .indexes
                    .iter()
                    .filter_map(|(index, node)| {
                        node.project_value(list.get(usize::try_from(*index).ok()?)?)
                    })
                    .collect();
                (!picked.is_empty()).then_some(AttributeValue::L(picked))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).unwrap())
    }

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    fn name(text: &str) -> PathElement {
        PathElement::Name(text.to_owned())
    }

    fn item() -> Item {
        let mut map = BTreeMap::new();
        map.insert("b".to_owned(), n("1"));
        map.insert("c".to_owned(), AttributeValue::L(vec![s("x"), s("y")]));
        [
            ("a".to_owned(), AttributeValue::M(map)),
            (
                "l".to_owned(),
                AttributeValue::L(vec![n("0"), n("1"), n("2")]),
            ),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn lookups() {
        let item = item();
        let path = |elements: Vec<PathElement>| DocPath(elements);
        assert_eq!(
            lookup(&item, &path(vec![name("a"), name("b")])),
            Some(&n("1"))
        );
        assert_eq!(
            lookup(
                &item,
                &path(vec![name("a"), name("c"), PathElement::Index(1)])
            ),
            Some(&s("y"))
        );
        assert_eq!(
            lookup(
                &item,
                &path(vec![name("a"), name("c"), PathElement::Index(2)])
            ),
            None
        );
        assert_eq!(
            lookup(&item, &path(vec![name("a"), PathElement::Index(0)])),
            None
        );
        assert_eq!(lookup(&item, &path(vec![name("l"), name("x")])), None);
        assert_eq!(lookup(&item, &path(vec![name("z")])), None);
        assert_eq!(lookup(&item, &path(vec![PathElement::Index(0)])), None);
        assert_eq!(lookup(&item, &path(vec![])), None);
    }

    #[test]
    fn equality_and_order() {
        let ss = |v: &[&str]| AttributeValue::Ss(v.iter().map(|x| x.to_string()).collect());
        assert!(equal(&ss(&["a", "b"]), &ss(&["b", "a"])));
        assert!(!equal(&ss(&["a", "b"]), &ss(&["a"])));
        assert!(equal(&n("1.0"), &n("1")));
        assert!(!equal(&n("1"), &s("1")));
        let list = |v: Vec<AttributeValue>| AttributeValue::L(v);
        assert!(equal(
            &list(vec![ss(&["a", "b"])]),
            &list(vec![ss(&["b", "a"])])
        ));
        assert!(!equal(
            &list(vec![n("1"), n("2")]),
            &list(vec![n("2"), n("1")])
        ));
        assert_eq!(compare(&n("2"), &n("10")), Some(Ordering::Less));
        assert_eq!(compare(&s("2"), &s("10")), Some(Ordering::Greater));
        assert_eq!(compare(&s("a"), &s("B")), Some(Ordering::Greater));
        assert_eq!(compare(&s("é"), &s("z")), Some(Ordering::Greater));
        assert_eq!(
            compare(
                &AttributeValue::B(vec![0x80]),
                &AttributeValue::B(vec![0x7f])
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&n("1"), &s("1")), None);
        assert_eq!(
            compare(&AttributeValue::Bool(true), &AttributeValue::Bool(false)),
            None
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(size(&s("é𝄞")), Some(3));
        assert_eq!(size(&s("")), Some(0));
        assert_eq!(size(&AttributeValue::B(vec![1, 2, 3])), Some(3));
        assert_eq!(size(&item()["a"]), Some(2));
        assert_eq!(size(&n("1")), None);
        assert_eq!(size(&AttributeValue::Null), None);
    }

    #[test]
    fn nesting_limit() {
        let mut value = s("leaf");
        for _ in 0..32 {
            value = AttributeValue::L(vec![value]);
        }
        assert!(!nested_too_deep(&value));
        let deeper = AttributeValue::L(vec![value]);
        assert!(nested_too_deep(&deeper));
    }
}
