//! The legacy (pre-expression) parameters older code still sends — `Expected`,
//! `KeyConditions`, `QueryFilter`, `ScanFilter`, `ConditionalOperator`, `AttributeUpdates` —
//! rewritten into the equivalent expressions before an operation runs, so there is one
//! evaluator. Placeholders use a `#legacyN`/`:legacyN` namespace that cannot clash with a
//! request's own (mixing both forms is rejected, as DynamoDB does).

use ruststack_protocol::ServiceError;
use serde_json::{Map, Value};

use crate::error;

/// Builds expression text with fresh placeholders.
struct Builder<'a> {
    names: &'a mut Map<String, Value>,
    values: &'a mut Map<String, Value>,
    next: usize,
}

impl Builder<'_> {
    fn name(&mut self, attribute: &str) -> String {
        let key = format!("#legacy{}", self.next);
        self.next += 1;
        self.names
            .insert(key.clone(), Value::String(attribute.to_owned()));
        key
    }

    fn value(&mut self, value: &Value) -> String {
        let key = format!(":legacy{}", self.next);
        self.next += 1;
        self.values.insert(key.clone(), value.clone());
        key
    }

    /// One `{ComparisonOperator, AttributeValueList}` condition on `attribute`.
    fn comparison(&mut self, attribute: &str, condition: &Value) -> Result<String, ServiceError> {
        let operator = condition
            .get("ComparisonOperator")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                error::validation(
                    "One or more parameter values were invalid: Invalid ComparisonOperator",
                )
            })?;
        let list: Vec<Value> = condition
            .get("AttributeValueList")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let arity = |n: usize| -> Result<(), ServiceError> {
            if list.len() == n {
                Ok(())
            } else {
                Err(error::validation(format!(
                    "One or more parameter values were invalid: Invalid number of argument(s) for the {operator} ComparisonOperator"
                )))
            }
        };
        let path = self.name(attribute);
        Ok(match operator {
            "EQ" | "NE" | "LE" | "LT" | "GE" | "GT" => {
                arity(1)?;
                let symbol = match operator {
                    "EQ" => "=",
                    "NE" => "<>",
                    "LE" => "<=",
                    "LT" => "<",
                    "GE" => ">=",
                    _ => ">",
                };
                format!("{path} {symbol} {}", self.value(&list[0]))
            }
            "NOT_NULL" => {
                arity(0)?;
                format!("attribute_exists({path})")
            }
            "NULL" => {
                arity(0)?;
                format!("attribute_not_exists({path})")
            }
            "CONTAINS" => {
                arity(1)?;
                format!("contains({path}, {})", self.value(&list[0]))
            }
            "NOT_CONTAINS" => {
                arity(1)?;
                format!("NOT contains({path}, {})", self.value(&list[0]))
            }
            "BEGINS_WITH" => {
                arity(1)?;
                format!("begins_with({path}, {})", self.value(&list[0]))
            }
            "BETWEEN" => {
                arity(2)?;
                format!(
                    "{path} BETWEEN {} AND {}",
                    self.value(&list[0]),
                    self.value(&list[1])
                )
            }
            "IN" => {
                if list.is_empty() {
                    arity(1)?;
                }
                let values: Vec<String> = list.iter().map(|v| self.value(v)).collect();
                format!("{path} IN ({})", values.join(", "))
            }
            other => {
                return Err(error::constraint(
                    other,
                    "comparisonOperator",
                    "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
                ));
            }
        })
    }

    /// An `Expected` entry: `{Value, Exists}` or a comparison.
    fn expected(&mut self, attribute: &str, condition: &Value) -> Result<String, ServiceError> {
        if condition.get("ComparisonOperator").is_some() {
            return self.comparison(attribute, condition);
        }
        let exists = condition
            .get("Exists")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        match (condition.get("Value").filter(|v| !v.is_null()), exists) {
            (Some(value), true) => {
                let path = self.name(attribute);
                Ok(format!("{path} = {}", self.value(value)))
            }
            (None, false) => Ok(format!("attribute_not_exists({})", self.name(attribute))),
            (Some(_), false) => Err(error::validation(
                "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: ".to_owned() + attribute,
            )),
            (None, true) => Err(error::validation(
                "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: ".to_owned() + attribute,
            )),
        }
    }
}

/// Rewrites the legacy members of a request into expression members.
pub(crate) fn rewrite(input: &mut Value) -> Result<(), ServiceError> {
    let Some(object) = input.as_object_mut() else {
        return Ok(());
    };
    let pairs = [
        ("Expected", "ConditionExpression"),
        ("QueryFilter", "FilterExpression"),
        ("ScanFilter", "FilterExpression"),
        ("KeyConditions", "KeyConditionExpression"),
        ("AttributeUpdates", "UpdateExpression"),
    ];
    let legacy: Vec<&str> = pairs
        .iter()
        .map(|(l, _)| *l)
        .filter(|l| object.get(*l).is_some_and(|v| !v.is_null()))
        .collect();
    if legacy.is_empty() {
        if object
            .get("ConditionalOperator")
            .is_some_and(|v| !v.is_null())
        {
            return Err(error::validation(
                "ConditionalOperator can only be used when Filter or Expected has two or more elements",
            ));
        }
        return Ok(());
    }
    let modern: Vec<&str> = [
        "ConditionExpression",
        "FilterExpression",
        "KeyConditionExpression",
        "UpdateExpression",
        "ProjectionExpression",
    ]
    .into_iter()
    .filter(|m| object.get(*m).is_some_and(|v| !v.is_null()))
    .collect();
    if !modern.is_empty() {
        return Err(error::validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
            legacy.join(", "),
            modern.join(", ")
        )));
    }
    let joiner = match object.get("ConditionalOperator").and_then(Value::as_str) {
        None | Some("AND") => " AND ",
        Some("OR") => " OR ",
        Some(other) => {
            return Err(error::constraint(
                other,
                "conditionalOperator",
                "Member must satisfy enum value set: [OR, AND]",
            ));
        }
    };
    let mut names = Map::new();
    let mut values = Map::new();
    let mut builder = Builder {
        names: &mut names,
        values: &mut values,
        next: 0,
    };
    let mut expressions = Vec::new();
    for (legacy_member, modern_member) in pairs {
        let Some(Value::Object(conditions)) = object.get(legacy_member) else {
            continue;
        };
        let text = if legacy_member == "AttributeUpdates" {
            updates(&mut builder, conditions)?
        } else {
            let mut parts = Vec::new();
            for (attribute, condition) in conditions {
                parts.push(if legacy_member == "Expected" {
                    builder.expected(attribute, condition)?
                } else {
                    builder.comparison(attribute, condition)?
                });
            }
            // Key conditions are always a conjunction.
            parts.join(if legacy_member == "KeyConditions" {
                " AND "
            } else {
                joiner
            })
        };
        if !text.is_empty() {
            expressions.push((modern_member, text));
        }
    }
    for (legacy_member, _) in pairs {
        object.remove(legacy_member);
    }
    object.remove("ConditionalOperator");
    for (member, text) in expressions {
        object.insert(member.to_owned(), Value::String(text));
    }
    if !names.is_empty() {
        object.insert("ExpressionAttributeNames".to_owned(), Value::Object(names));
    }
    if !values.is_empty() {
        object.insert(
            "ExpressionAttributeValues".to_owned(),
            Value::Object(values),
        );
    }
    Ok(())
}

/// `AttributeUpdates` → `SET …  REMOVE …  ADD …  DELETE …`.
fn updates(
    builder: &mut Builder<'_>,
    updates: &Map<String, Value>,
) -> Result<String, ServiceError> {
    let (mut set, mut remove, mut add, mut delete) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (attribute, update) in updates {
        let action = update
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or("PUT");
        let value = update.get("Value").filter(|v| !v.is_null());
        let path = builder.name(attribute);
        match (action, value) {
            ("PUT", Some(v)) => set.push(format!("{path} = {}", builder.value(v))),
            ("DELETE", None) => remove.push(path),
            ("DELETE", Some(v)) => delete.push(format!("{path} {}", builder.value(v))),
            ("ADD", Some(v)) => add.push(format!("{path} {}", builder.value(v))),
            ("PUT" | "ADD", None) => {
                return Err(error::validation(format!(
                    "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified: {attribute}"
                )));
            }
            (other, _) => {
                return Err(error::constraint(
                    other,
                    "attributeUpdates.action",
                    "Member must satisfy enum value set: [ADD, PUT, DELETE]",
                ));
            }
        }
    }
    let mut clauses = Vec::new();
    for (keyword, list) in [
        ("SET", set),
        ("REMOVE", remove),
        ("ADD", add),
        ("DELETE", delete),
    ] {
        if !list.is_empty() {
            clauses.push(format!("{keyword} {}", list.join(", ")));
        }
    }
    Ok(clauses.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrites_expected_and_updates() {
        let mut input = json!({
            "Expected": {"a": {"Value": {"S": "x"}}, "b": {"Exists": false}},
            "AttributeUpdates": {"c": {"Action": "PUT", "Value": {"N": "1"}}, "d": {"Action": "DELETE"}},
        });
        rewrite(&mut input).unwrap();
        assert_eq!(
            input["ConditionExpression"],
            "#legacy0 = :legacy1 AND attribute_not_exists(#legacy2)"
        );
        assert_eq!(
            input["UpdateExpression"],
            "SET #legacy3 = :legacy4 REMOVE #legacy5"
        );
        assert!(input.get("Expected").is_none());
    }

    #[test]
    fn rejects_mixed_forms() {
        let mut input =
            json!({"Expected": {"a": {"Exists": false}}, "ConditionExpression": "a = :b"});
        assert!(rewrite(&mut input).is_err());
    }
}
