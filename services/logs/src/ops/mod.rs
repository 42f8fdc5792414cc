//! Operations, one file per resource area. Each takes `(&Logs, &Caller, Input)` and returns
//! `Result<Output, ServiceError>`; none sees HTTP.

// Every operation takes its input by value, the one operation signature, even those that
// only read it.
#![allow(clippy::needless_pass_by_value)]

pub(crate) mod events;
pub(crate) mod filters;
pub(crate) mod groups;
pub(crate) mod queries;
pub(crate) mod streams;
pub(crate) mod tags;

use ruststack_protocol::ServiceError;

use crate::error;
use crate::state::{LogGroup, Scope, State};

/// `[\.\-_/#A-Za-z0-9]+`, 1–512 characters.
pub(crate) fn validate_group_name(
    name: Option<&str>,
    member: &str,
) -> Result<String, ServiceError> {
    let name = name.ok_or_else(|| error::missing(member))?;
    if name.is_empty() || name.len() > 512 {
        let constraint = if name.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 512"
        };
        return Err(error::validation(name, member, constraint));
    }
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b));
    if !ok {
        return Err(error::validation(
            name,
            member,
            "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
        ));
    }
    Ok(name.to_owned())
}

/// `[^:*]*`, 1–512 characters (and no NUL, which storage keys reserve).
pub(crate) fn validate_stream_name(
    name: Option<&str>,
    member: &str,
) -> Result<String, ServiceError> {
    let name = name.ok_or_else(|| error::missing(member))?;
    if name.is_empty() || name.len() > 512 {
        let constraint = if name.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 512"
        };
        return Err(error::validation(name, member, constraint));
    }
    if name.contains([':', '*', '\0']) {
        return Err(error::validation(
            name,
            member,
            "Member must satisfy regular expression pattern: [^:*]*",
        ));
    }
    Ok(name.to_owned())
}

/// A log group named by `logGroupName` or `logGroupIdentifier` (name or ARN).
pub(crate) fn group_ref(
    name: Option<&str>,
    identifier: Option<&str>,
) -> Result<String, ServiceError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(error::invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (Some(name), None) => validate_group_name(Some(name), "logGroupName"),
        (None, Some(id)) => match id.strip_prefix("arn:") {
            Some(_) => arn_group_name(id)
                .map(str::to_owned)
                .ok_or_else(|| error::invalid(format!("Invalid log group identifier: {id}"))),
            None => validate_group_name(Some(id), "logGroupIdentifier"),
        },
        (None, None) => Err(error::invalid(
            "Should provide either name or ARN of the log group.",
        )),
    }
}

/// The group name in `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`.
pub(crate) fn arn_group_name(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(7, ':');
    let fields: Vec<&str> = parts.by_ref().take(6).collect();
    let rest = parts.next()?;
    if fields.len() != 6 || fields[0] != "arn" || fields[2] != "logs" || fields[5] != "log-group" {
        return None;
    }
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty() && !name.contains(':')).then_some(name)
}

pub(crate) fn group<'a>(
    state: &'a State,
    caller: &crate::Caller,
    name: &str,
) -> Result<&'a LogGroup, ServiceError> {
    state
        .get(&caller.account, &caller.region)
        .and_then(|s| s.groups.get(name))
        .ok_or_else(error::group_not_found)
}

pub(crate) fn group_mut<'a>(
    state: &'a mut State,
    caller: &crate::Caller,
    name: &str,
) -> Result<&'a mut LogGroup, ServiceError> {
    state
        .get_mut(&caller.account, &caller.region)
        .groups
        .get_mut(name)
        .ok_or_else(error::group_not_found)
}

pub(crate) fn scope<'a>(state: &'a State, caller: &crate::Caller) -> Option<&'a Scope> {
    state.get(&caller.account, &caller.region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_group_name(Some("/aws/lambda/my-fn_1.#"), "logGroupName").is_ok());
        assert!(validate_group_name(Some("bad name"), "logGroupName").is_err());
        assert!(validate_group_name(Some(""), "logGroupName").is_err());
        assert!(validate_group_name(Some(&"a".repeat(513)), "logGroupName").is_err());
        assert!(validate_group_name(None, "logGroupName").is_err());
        assert!(validate_stream_name(Some("2024/01/01/[$LATEST]abc"), "logStreamName").is_ok());
        assert!(validate_stream_name(Some("a:b"), "logStreamName").is_err());
        assert!(validate_stream_name(Some("a*"), "logStreamName").is_err());
    }

    #[test]
    fn arns() {
        assert_eq!(
            arn_group_name("arn:aws:logs:us-east-1:000000000000:log-group:/a/b:*"),
            Some("/a/b")
        );
        assert_eq!(
            arn_group_name("arn:aws:logs:us-east-1:000000000000:log-group:g"),
            Some("g")
        );
        assert_eq!(arn_group_name("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_group_name("arn:aws:logs:r:a:log-group:"), None);
        assert_eq!(
            group_ref(
                None,
                Some("arn:aws:logs:us-east-1:000000000000:log-group:g:*")
            )
            .unwrap(),
            "g"
        );
        assert!(group_ref(Some("g"), Some("g")).is_err());
        assert!(group_ref(None, None).is_err());
    }
}
