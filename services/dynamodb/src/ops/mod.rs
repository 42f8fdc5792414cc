//! Operations, one file per resource area. Each takes `(&DynamoDb, &Caller, Value)` — the
//! request document — and returns the response document; none sees HTTP.

// Every operation takes its input by value, the one operation signature.
#![allow(clippy::needless_pass_by_value)]

pub(crate) mod batch;
pub(crate) mod input;
pub(crate) mod item;
pub(crate) mod legacy;
pub(crate) mod partiql;
pub(crate) mod query;
pub(crate) mod settings;
pub(crate) mod table;
pub(crate) mod transact;

use ruststack_protocol::ServiceError;

use crate::state::{State, Table};
use crate::{Caller, error};

/// `[a-zA-Z0-9_.-]+`, 3–255 characters.
pub(crate) fn validate_table_name(name: &str, member: &str) -> Result<(), ServiceError> {
    if name.len() < 3 {
        return Err(error::constraint(
            name,
            member,
            "Member must have length greater than or equal to 3",
        ));
    }
    if name.len() > 255 {
        return Err(error::constraint(
            name,
            member,
            "Member must have length less than or equal to 255",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err(error::constraint(
            name,
            member,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ));
    }
    Ok(())
}

pub(crate) fn table<'a>(
    state: &'a State,
    caller: &Caller,
    name: &str,
) -> Result<&'a Table, ServiceError> {
    state
        .get(&caller.account, &caller.region)
        .and_then(|s| s.tables.get(name))
        .ok_or_else(error::resource_not_found)
}

pub(crate) fn table_mut<'a>(
    state: &'a mut State,
    caller: &Caller,
    name: &str,
) -> Result<&'a mut Table, ServiceError> {
    state
        .get_mut(&caller.account, &caller.region)
        .tables
        .get_mut(name)
        .ok_or_else(error::resource_not_found)
}

/// Commits a table's new settings, then applies them.
pub(crate) fn save_meta(
    db: &crate::DynamoDb,
    caller: &Caller,
    table: &mut Table,
    meta: crate::state::TableMeta,
) -> Result<(), ServiceError> {
    let mut batch = ruststack_storage::Batch::new();
    crate::persist::write_table(&mut batch, (&caller.account, &caller.region), &meta);
    db.commit(batch)?;
    table.meta = meta;
    Ok(())
}

/// A table named by name or ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>`).
pub(crate) fn table_name_of(name_or_arn: &str) -> &str {
    name_or_arn
        .rsplit_once(":table/")
        .map_or(name_or_arn, |(_, name)| name)
}
