//! Tagging by name (TagLogGroup, UntagLogGroup, ListTagsLogGroup) and by ARN (TagResource,
//! UntagResource, ListTagsForResource).

use std::collections::BTreeMap;

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;

use crate::api::Empty;
use crate::api::shapes::{
    LogGroupNameRequest, ResourceArnRequest, TagLogGroupRequest, TagResourceRequest, TagsResponse,
    UntagLogGroupRequest, UntagResourceRequest,
};
use crate::ops::{arn_group_name, group, group_mut, validate_group_name};
use crate::{Caller, Logs, error, persist};

const MAX_TAGS: usize = 50;

/// Tag keys 1–128 characters, values up to 256, not starting with `aws:`.
pub(crate) fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), ServiceError> {
    if tags.len() > MAX_TAGS {
        return Err(error::validation(
            "{...}",
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(error::validation(
                k,
                "tags",
                "Member must have length less than or equal to 128",
            ));
        }
        if v.chars().count() > 256 {
            return Err(error::validation(
                v,
                "tags",
                "Member must have length less than or equal to 256",
            ));
        }
        if k.starts_with("aws:") {
            return Err(error::invalid(
                "Tag keys prefixed with 'aws:' are reserved.",
            ));
        }
    }
    Ok(())
}

/// The log group an ARN names, in the caller's account and region.
fn arn_group(caller: &Caller, arn: Option<&str>) -> Result<String, ServiceError> {
    let arn = arn.ok_or_else(|| error::missing("resourceArn"))?;
    let name = arn_group_name(arn).ok_or_else(|| error::invalid(format!("Invalid ARN: {arn}")))?;
    let expected = crate::state::group_arn(&caller.region, &caller.account, name);
    if arn.strip_suffix(":*").unwrap_or(arn) != expected {
        return Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("The specified resource does not exist: {arn}"),
        ));
    }
    Ok(name.to_owned())
}

fn change_tags(
    logs: &Logs,
    caller: &Caller,
    name: &str,
    add: BTreeMap<String, String>,
    remove: &[String],
) -> Result<Empty, ServiceError> {
    let mut state = logs.write_lock();
    let group = group_mut(&mut state, caller, name)?;
    let mut meta = group.meta.clone();
    meta.tags.extend(add);
    for key in remove {
        meta.tags.remove(key);
    }
    validate_tags(&meta.tags)?;
    let mut batch = Batch::new();
    batch.put(
        persist::GROUPS,
        persist::key(&[&caller.account, &caller.region, name]),
        persist::json(&meta),
    );
    logs.commit(batch)?;
    group.meta = meta;
    Ok(Empty {})
}

pub(crate) fn tag_log_group(
    logs: &Logs,
    caller: &Caller,
    input: TagLogGroupRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let tags = input.tags.ok_or_else(|| error::missing("tags"))?;
    validate_tags(&tags)?;
    change_tags(logs, caller, &name, tags, &[])
}

pub(crate) fn untag_log_group(
    logs: &Logs,
    caller: &Caller,
    input: UntagLogGroupRequest,
) -> Result<Empty, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let keys = input.tags.ok_or_else(|| error::missing("tags"))?;
    change_tags(logs, caller, &name, BTreeMap::new(), &keys)
}

pub(crate) fn list_tags_log_group(
    logs: &Logs,
    caller: &Caller,
    input: LogGroupNameRequest,
) -> Result<TagsResponse, ServiceError> {
    let name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let state = logs.read();
    Ok(TagsResponse {
        tags: group(&state, caller, &name)?.meta.tags.clone(),
    })
}

pub(crate) fn tag_resource(
    logs: &Logs,
    caller: &Caller,
    input: TagResourceRequest,
) -> Result<Empty, ServiceError> {
    let name = arn_group(caller, input.resource_arn.as_deref())?;
    let tags = input.tags.ok_or_else(|| error::missing("tags"))?;
    validate_tags(&tags)?;
    change_tags(logs, caller, &name, tags, &[])
}

pub(crate) fn untag_resource(
    logs: &Logs,
    caller: &Caller,
    input: UntagResourceRequest,
) -> Result<Empty, ServiceError> {
    let name = arn_group(caller, input.resource_arn.as_deref())?;
    let keys = input.tag_keys.ok_or_else(|| error::missing("tagKeys"))?;
    change_tags(logs, caller, &name, BTreeMap::new(), &keys)
}

pub(crate) fn list_tags_for_resource(
    logs: &Logs,
    caller: &Caller,
    input: ResourceArnRequest,
) -> Result<TagsResponse, ServiceError> {
    let name = arn_group(caller, input.resource_arn.as_deref())?;
    let state = logs.read();
    let group = group(&state, caller, &name).map_err(|_| {
        ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    })?;
    Ok(TagsResponse {
        tags: group.meta.tags.clone(),
    })
}
