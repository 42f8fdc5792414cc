//! Subscription filters (Put/Describe/Delete) and metric filters (Put/Describe/Delete,
//! TestMetricFilter).

use std::collections::BTreeMap;

use ruststack_protocol::ServiceError;
use ruststack_storage::{Batch, Table};
use serde::Serialize;
use serde_json::Value;

use crate::api::Empty;
use crate::api::shapes::{
    DescribeFiltersRequest, DescribeMetricFiltersResponse, DescribeSubscriptionFiltersResponse,
    FilterNameRequest, MetricFilterMatchRecord, MetricFilterOut, PutMetricFilterRequest,
    PutSubscriptionFilterRequest, SubscriptionFilterOut, TestMetricFilterRequest,
    TestMetricFilterResponse,
};
use crate::filter_pattern::FilterPattern;
use crate::ops::{group, group_mut, scope, validate_group_name};
use crate::state::{LogGroup, MetricFilter, SubscriptionFilter};
use crate::{Caller, Logs, error, persist, tokens};

/// CloudWatch Logs' quotas: subscription filters per group, metric filters per group.
const MAX_SUBSCRIPTIONS: usize = 2;
const MAX_METRIC_FILTERS: usize = 100;

/// What differs between subscription and metric filters when they are stored or removed.
struct FilterKind<F> {
    table: Table,
    max_per_group: usize,
    filters: fn(&mut LogGroup) -> &mut BTreeMap<String, F>,
    not_found: fn() -> ServiceError,
}

const SUBSCRIPTION_KIND: FilterKind<SubscriptionFilter> = FilterKind {
    table: persist::SUBSCRIPTIONS,
    max_per_group: MAX_SUBSCRIPTIONS,
    filters: |g| &mut g.subscriptions,
    not_found: || {
        ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            "The specified subscription filter does not exist.",
        )
    },
};

const METRIC_KIND: FilterKind<MetricFilter> = FilterKind {
    table: persist::METRIC_FILTERS,
    max_per_group: MAX_METRIC_FILTERS,
    filters: |g| &mut g.metric_filters,
    not_found: error::filter_not_found,
};

/// Stores (or replaces) a filter of a group, within the group's quota.
fn store_filter<F: Serialize>(
    logs: &Logs,
    caller: &Caller,
    group_name: &str,
    name: String,
    filter: F,
    kind: &FilterKind<F>,
) -> Result<Empty, ServiceError> {
    let mut state = logs.write_lock();
    let filters = (kind.filters)(group_mut(&mut state, caller, group_name)?);
    if !filters.contains_key(&name) && filters.len() >= kind.max_per_group {
        return Err(error::limit_exceeded());
    }
    let mut batch = Batch::new();
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        group_name,
        name.as_str(),
    ];
    batch.put(kind.table, persist::key(&path), persist::json(&filter));
    logs.commit(batch)?;
    filters.insert(name, filter);
    Ok(Empty {})
}

/// Removes a filter of a group.
fn remove_filter<F>(
    logs: &Logs,
    caller: &Caller,
    group_name: &str,
    name: &str,
    kind: &FilterKind<F>,
) -> Result<Empty, ServiceError> {
    let mut state = logs.write_lock();
    let filters = (kind.filters)(group_mut(&mut state, caller, group_name)?);
    if !filters.contains_key(name) {
        return Err((kind.not_found)());
    }
    let mut batch = Batch::new();
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        group_name,
        name,
    ];
    batch.delete(kind.table, persist::key(&path));
    logs.commit(batch)?;
    filters.remove(name);
    Ok(Empty {})
}

fn filter_name(name: Option<&str>) -> Result<String, ServiceError> {
    let name = name.ok_or_else(|| error::missing("filterName"))?;
    if name.is_empty() || name.len() > 512 {
        return Err(error::validation(
            name,
            "filterName",
            "Member must have length between 1 and 512",
        ));
    }
    if name.contains([':', '*', '\0']) {
        return Err(error::validation(
            name,
            "filterName",
            "Member must satisfy regular expression pattern: [^:*]*",
        ));
    }
    Ok(name.to_owned())
}

fn pattern(pattern: Option<String>) -> Result<String, ServiceError> {
    let pattern = pattern.ok_or_else(|| error::missing("filterPattern"))?;
    if pattern.len() > 1024 {
        return Err(error::validation(
            &pattern,
            "filterPattern",
            "Member must have length less than or equal to 1024",
        ));
    }
    FilterPattern::parse(&pattern).map_err(|e| error::invalid(e.to_string()))?;
    Ok(pattern)
}

pub(crate) fn put_subscription_filter(
    logs: &Logs,
    caller: &Caller,
    input: PutSubscriptionFilterRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = filter_name(input.filter_name.as_deref())?;
    let pattern = pattern(input.filter_pattern)?;
    let destination_arn = input
        .destination_arn
        .ok_or_else(|| error::missing("destinationArn"))?;
    if !destination_arn.starts_with("arn:") {
        return Err(error::invalid(format!(
            "Invalid destination ARN: {destination_arn}"
        )));
    }
    let distribution = input
        .distribution
        .unwrap_or_else(|| "ByLogStream".to_owned());
    if !matches!(distribution.as_str(), "Random" | "ByLogStream") {
        return Err(error::validation(
            &distribution,
            "distribution",
            "Member must satisfy enum value set: [Random, ByLogStream]",
        ));
    }
    let filter = SubscriptionFilter {
        name: name.clone(),
        pattern,
        destination_arn,
        role_arn: input.role_arn,
        distribution,
        creation_time: caller.now,
    };
    store_filter(logs, caller, &group_name, name, filter, &SUBSCRIPTION_KIND)
}

/// `(skip, limit)` for a Describe*Filters page.
fn page(input: &DescribeFiltersRequest) -> Result<(usize, usize), ServiceError> {
    let limit = tokens::page_size(input.limit, 50, 50)?;
    let skip = match input.next_token.as_deref() {
        Some(t) => tokens::decode('f', t)?
            .parse()
            .map_err(|_| error::invalid_token())?,
        None => 0,
    };
    Ok((skip, limit))
}

fn next(skip: usize, returned: usize, total: usize) -> Option<String> {
    (skip + returned < total).then(|| tokens::encode('f', &(skip + returned).to_string()))
}

pub(crate) fn describe_subscription_filters(
    logs: &Logs,
    caller: &Caller,
    input: DescribeFiltersRequest,
) -> Result<DescribeSubscriptionFiltersResponse, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let (skip, limit) = page(&input)?;
    let state = logs.read();
    let group = group(&state, caller, &group_name)?;
    let prefix = input.filter_name_prefix.as_deref().unwrap_or("");
    let all: Vec<&SubscriptionFilter> = group
        .subscriptions
        .values()
        .filter(|f| f.name.starts_with(prefix))
        .collect();
    let subscription_filters: Vec<SubscriptionFilterOut> = all
        .iter()
        .skip(skip)
        .take(limit)
        .map(|f| SubscriptionFilterOut {
            filter_name: f.name.clone(),
            log_group_name: group_name.clone(),
            filter_pattern: f.pattern.clone(),
            destination_arn: f.destination_arn.clone(),
            role_arn: f.role_arn.clone(),
            distribution: f.distribution.clone(),
            creation_time: f.creation_time,
        })
        .collect();
    let next_token = next(skip, subscription_filters.len(), all.len());
    Ok(DescribeSubscriptionFiltersResponse {
        subscription_filters,
        next_token,
    })
}

pub(crate) fn delete_subscription_filter(
    logs: &Logs,
    caller: &Caller,
    input: FilterNameRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = filter_name(input.filter_name.as_deref())?;
    remove_filter(logs, caller, &group_name, &name, &SUBSCRIPTION_KIND)
}

fn validate_transformations(transformations: Option<Vec<Value>>) -> Result<Value, ServiceError> {
    let list = transformations.ok_or_else(|| error::missing("metricTransformations"))?;
    if list.len() != 1 {
        return Err(error::validation(
            "[...]",
            "metricTransformations",
            "Member must have length less than or equal to 1",
        ));
    }
    for t in &list {
        for member in ["metricName", "metricNamespace", "metricValue"] {
            if !t.get(member).is_some_and(Value::is_string) {
                return Err(error::missing(&format!(
                    "metricTransformations.1.member.{member}"
                )));
            }
        }
    }
    Ok(Value::Array(list))
}

pub(crate) fn put_metric_filter(
    logs: &Logs,
    caller: &Caller,
    input: PutMetricFilterRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = filter_name(input.filter_name.as_deref())?;
    let pattern = pattern(input.filter_pattern)?;
    let transformations = validate_transformations(input.metric_transformations)?;
    let filter = MetricFilter {
        name: name.clone(),
        pattern,
        transformations,
        creation_time: caller.now,
    };
    store_filter(logs, caller, &group_name, name, filter, &METRIC_KIND)
}

pub(crate) fn describe_metric_filters(
    logs: &Logs,
    caller: &Caller,
    input: DescribeFiltersRequest,
) -> Result<DescribeMetricFiltersResponse, ServiceError> {
    if input.filter_name_prefix.is_some() && input.log_group_name.is_none() {
        return Err(error::invalid(
            "If filterNamePrefix is specified, logGroupName must also be specified.",
        ));
    }
    if input.metric_name.is_some() != input.metric_namespace.is_some() {
        return Err(error::invalid(
            "If metricName is specified, metricNamespace must also be specified, and vice versa.",
        ));
    }
    let (skip, limit) = page(&input)?;
    let state = logs.read();
    let groups: Vec<(&String, &crate::state::LogGroup)> = match input.log_group_name.as_deref() {
        Some(name) => {
            let name = validate_group_name(Some(name), "logGroupName")?;
            let group = group(&state, caller, &name)?;
            vec![(&group.meta.name, group)]
        }
        None => scope(&state, caller)
            .map(|s| s.groups.iter().collect())
            .unwrap_or_default(),
    };
    let prefix = input.filter_name_prefix.as_deref().unwrap_or("");
    let all: Vec<MetricFilterOut> = groups
        .into_iter()
        .flat_map(|(group_name, group)| group.metric_filters.values().map(move |f| (group_name, f)))
        .filter(|(_, f)| f.name.starts_with(prefix))
        .filter(
            |(_, f)| match (&input.metric_name, &input.metric_namespace) {
                (Some(name), Some(ns)) => f.transformations.as_array().is_some_and(|ts| {
                    ts.iter().any(|t| {
                        t["metricName"] == name.as_str() && t["metricNamespace"] == ns.as_str()
                    })
                }),
                _ => true,
            },
        )
        .map(|(group_name, f)| MetricFilterOut {
            filter_name: f.name.clone(),
            filter_pattern: f.pattern.clone(),
            metric_transformations: f.transformations.clone(),
            creation_time: f.creation_time,
            log_group_name: group_name.clone(),
        })
        .collect();
    let total = all.len();
    let metric_filters: Vec<MetricFilterOut> = all.into_iter().skip(skip).take(limit).collect();
    let next_token = next(skip, metric_filters.len(), total);
    Ok(DescribeMetricFiltersResponse {
        metric_filters,
        next_token,
    })
}

pub(crate) fn delete_metric_filter(
    logs: &Logs,
    caller: &Caller,
    input: FilterNameRequest,
) -> Result<Empty, ServiceError> {
    let group_name = validate_group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let name = filter_name(input.filter_name.as_deref())?;
    remove_filter(logs, caller, &group_name, &name, &METRIC_KIND)
}

pub(crate) fn test_metric_filter(
    _logs: &Logs,
    _caller: &Caller,
    input: TestMetricFilterRequest,
) -> Result<TestMetricFilterResponse, ServiceError> {
    let pattern_text = input
        .filter_pattern
        .ok_or_else(|| error::missing("filterPattern"))?;
    let messages = input
        .log_event_messages
        .ok_or_else(|| error::missing("logEventMessages"))?;
    if messages.is_empty() || messages.len() > 50 {
        return Err(error::validation(
            "[...]",
            "logEventMessages",
            "Member must have length less than or equal to 50",
        ));
    }
    let pattern = FilterPattern::parse(&pattern_text).map_err(|e| error::invalid(e.to_string()))?;
    let matches = messages
        .into_iter()
        .enumerate()
        .filter_map(|(i, message)| {
            pattern
                .extract(&message)
                .map(|values| MetricFilterMatchRecord {
                    event_number: i + 1,
                    event_message: message,
                    extracted_values: values.into_iter().collect(),
                })
        })
        .collect();
    Ok(TestMetricFilterResponse { matches })
}
