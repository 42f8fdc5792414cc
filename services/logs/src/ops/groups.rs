//! CreateLogGroup, DeleteLogGroup, DescribeLogGroups, Put/DeleteRetentionPolicy.

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;

use crate::api::Empty;
use crate::api::shapes::{
    CreateLogGroupRequest, DescribeLogGroupsRequest, DescribeLogGroupsResponse,
    LogGroupNameRequest, LogGroupOut, PutRetentionPolicyRequest,
};
use crate::ops::{group, group_mut, scope, validate_group_name};
use crate::state::{GroupMeta, LogGroup, RETENTION_DAYS, group_arn, retention_cutoff};
use crate::{Caller, Logs, error, persist, tokens};

const GROUP_CLASSES: [&str; 3] = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];

pub(crate) fn create_log_group(
    logs: &Logs,
    caller: &Caller,
    input: CreateLogGroupRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let class = input
        .log_group_class
        .unwrap_or_else(|| "STANDARD".to_owned());
    if !GROUP_CLASSES.contains(&class.as_str()) {
        return Err(error::validation(
            &class,
            "logGroupClass",
            "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]",
        ));
    }
    let tags = input.tags.unwrap_or_default();
    crate::ops::tags::validate_tags(&tags)?;
    let mut state = logs.write_lock();
    let scope = state.get_mut(&caller.account, &caller.region);
    if scope.groups.contains_key(&name) {
        return Err(error::group_exists());
    }
    let meta = GroupMeta {
        name: name.clone(),
        creation_time: caller.now,
        retention_in_days: None,
        kms_key_id: input.kms_key_id,
        tags,
        log_group_class: class,
        deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
    };
    let mut batch = Batch::new();
    batch.put(
        persist::GROUPS,
        persist::key(&[&caller.account, &caller.region, &name]),
        persist::json(&meta),
    );
    logs.commit(batch)?;
    scope.groups.insert(name, LogGroup::new(meta));
    Ok(Empty {})
}

pub(crate) fn delete_log_group(
    logs: &Logs,
    caller: &Caller,
    input: LogGroupNameRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let mut state = logs.write_lock();
    let group = group(&state, caller, &name)?;
    if group.meta.deletion_protection {
        return Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "OperationAbortedException",
            "Log group deletion is not allowed because deletion protection is enabled.",
        ));
    }
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        name.as_str(),
    ];
    let mut batch = Batch::new();
    batch.delete(persist::GROUPS, persist::key(&path));
    for table in [
        persist::STREAMS,
        persist::EVENTS,
        persist::SUBSCRIPTIONS,
        persist::METRIC_FILTERS,
    ] {
        batch.delete_prefix(table, persist::prefix(&path));
    }
    logs.commit(batch)?;
    state
        .get_mut(&caller.account, &caller.region)
        .groups
        .remove(&name);
    Ok(Empty {})
}

pub(crate) fn describe_log_groups(
    logs: &Logs,
    caller: &Caller,
    input: DescribeLogGroupsRequest,
) -> Result<DescribeLogGroupsResponse, ServiceError> {
    if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
        return Err(error::invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let limit = tokens::page_size(input.limit, 50, 50)?;
    let after = input
        .next_token
        .as_deref()
        .map(|t| tokens::decode('g', t))
        .transpose()?;
    let identifiers: Option<Vec<String>> = input.log_group_identifiers.map(|ids| {
        ids.iter()
            .map(|id| crate::ops::arn_group_name(id).unwrap_or(id).to_owned())
            .collect()
    });
    let state = logs.read();
    let mut log_groups = Vec::new();
    let mut next_token = None;
    if let Some(scope) = scope(&state, caller) {
        let start = after
            .as_deref()
            .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        let candidates = scope
            .groups
            .range::<str, _>((start, std::ops::Bound::Unbounded))
            .filter(|(name, _)| {
                input
                    .log_group_name_prefix
                    .as_deref()
                    .is_none_or(|p| name.starts_with(p))
            })
            .filter(|(name, _)| {
                input
                    .log_group_name_pattern
                    .as_deref()
                    .is_none_or(|p| name.contains(p))
            })
            .filter(|(_, g)| {
                input
                    .log_group_class
                    .as_deref()
                    .is_none_or(|c| g.meta.log_group_class == c)
            })
            .filter(|(name, _)| {
                identifiers
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|i| i == *name))
            });
        for (name, group) in candidates {
            if log_groups.len() == limit {
                next_token = log_groups
                    .last()
                    .map(|g: &LogGroupOut| tokens::encode('g', &g.log_group_name));
                break;
            }
            log_groups.push(describe(caller, name, group));
        }
    }
    Ok(DescribeLogGroupsResponse {
        log_groups,
        next_token,
    })
}

fn describe(caller: &Caller, name: &str, group: &LogGroup) -> LogGroupOut {
    let arn = group_arn(&caller.region, &caller.account, name);
    LogGroupOut {
        log_group_name: name.to_owned(),
        creation_time: group.meta.creation_time,
        retention_in_days: group.meta.retention_in_days,
        metric_filter_count: group.metric_filters.len(),
        arn: format!("{arn}:*"),
        stored_bytes: group.stored_bytes(),
        kms_key_id: group.meta.kms_key_id.clone(),
        log_group_class: group.meta.log_group_class.clone(),
        log_group_arn: arn,
        deletion_protection_enabled: group.meta.deletion_protection,
    }
}

pub(crate) fn put_retention_policy(
    logs: &Logs,
    caller: &Caller,
    input: PutRetentionPolicyRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let days = input
        .retention_in_days
        .ok_or_else(|| error::missing("retentionInDays"))?;
    let days = i32::try_from(days)
        .ok()
        .filter(|d| RETENTION_DAYS.contains(d))
        .ok_or_else(|| {
            let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
            error::validation(
                &days.to_string(),
                "retentionInDays",
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            )
        })?;
    set_retention(logs, caller, &name, Some(days))
}

pub(crate) fn delete_retention_policy(
    logs: &Logs,
    caller: &Caller,
    input: LogGroupNameRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    set_retention(logs, caller, &name, None)
}

/// Stores the policy and deletes the events it expires.
fn set_retention(
    logs: &Logs,
    caller: &Caller,
    name: &str,
    days: Option<i32>,
) -> Result<Empty, ServiceError> {
    let mut state = logs.write_lock();
    let group = group_mut(&mut state, caller, name)?;
    let mut meta = group.meta.clone();
    meta.retention_in_days = days;
    let mut batch = Batch::new();
    let path = [caller.account.as_str(), caller.region.as_str(), name];
    batch.put(persist::GROUPS, persist::key(&path), persist::json(&meta));
    let cutoff = retention_cutoff(days, caller.now);
    if let Some(cutoff) = cutoff {
        for (stream_name, stream) in &group.streams {
            for key in stream.events.keys_before(cutoff) {
                batch.delete(
                    persist::EVENTS,
                    persist::event_key(&caller.account, &caller.region, name, stream_name, key),
                );
            }
        }
    }
    logs.commit(batch)?;
    group.meta = meta;
    if let Some(cutoff) = cutoff {
        for stream in group.streams.values_mut() {
            stream.events.remove_before(cutoff);
        }
    }
    Ok(Empty {})
}
