//! DynamoDB expressions and PartiQL statements never panic or hang: the input is an
//! expression, then (after a newline) an item in wire JSON; every expression kind is parsed
//! and, when valid, run; the expression is also parsed as a PartiQL statement.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ruststack_dynamodb::expr::{Condition, ConditionKind, Names, Projection, Update, Values};
use ruststack_dynamodb::value::{AttributeValue, item_from_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (expression, item) = text.split_once('\n').unwrap_or((text, "{}"));
    let mut item = serde_json::from_str(item)
        .ok()
        .and_then(|v| item_from_json(&v).ok())
        .unwrap_or_default();
    let names = BTreeMap::from([("#a".to_owned(), "a".to_owned())]);
    let values = BTreeMap::from([(":v".to_owned(), AttributeValue::Null)]);
    if let Ok(c) = Condition::parse(expression, ConditionKind::Filter, Names(&names), Values(&values)) {
        let _ = c.evaluate(&item);
    }
    if let Ok(p) = Projection::parse(expression, Names(&names)) {
        let _ = p.apply(&item);
    }
    if let Ok(u) = Update::parse(expression, Names(&names), Values(&values)) {
        let _ = u.apply(&mut item);
    }
    let params = [serde_json::json!({"S": "p"})];
    if let Ok(ruststack_dynamodb::partiql::Statement::Select { filter: Some(f), .. }) =
        ruststack_dynamodb::partiql::parse(expression, &params)
    {
        let _ = ruststack_dynamodb::partiql::Placeholders::default().cond(&f);
    }
});
