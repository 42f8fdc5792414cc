//! Request and response shapes, named and spelled as in botocore's `logs` model
//! (`CreateLogGroupRequest`, member names in camelCase). Hand-written until codegen covers
//! this service; optional members are `Option`, unknown members are ignored.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateLogGroupRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) kms_key_id: Option<String>,
    pub(crate) tags: Option<BTreeMap<String, String>>,
    pub(crate) log_group_class: Option<String>,
    pub(crate) deletion_protection_enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogGroupNameRequest {
    pub(crate) log_group_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogGroupsRequest {
    pub(crate) log_group_name_prefix: Option<String>,
    pub(crate) log_group_name_pattern: Option<String>,
    pub(crate) next_token: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) log_group_class: Option<String>,
    pub(crate) log_group_identifiers: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogGroupOut {
    pub(crate) log_group_name: String,
    pub(crate) creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) retention_in_days: Option<i32>,
    pub(crate) metric_filter_count: usize,
    pub(crate) arn: String,
    pub(crate) stored_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kms_key_id: Option<String>,
    pub(crate) log_group_class: String,
    pub(crate) log_group_arn: String,
    pub(crate) deletion_protection_enabled: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogGroupsResponse {
    pub(crate) log_groups: Vec<LogGroupOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutRetentionPolicyRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) retention_in_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagLogGroupRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UntagLogGroupRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) tags: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagResourceRequest {
    pub(crate) resource_arn: Option<String>,
    pub(crate) tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UntagResourceRequest {
    pub(crate) resource_arn: Option<String>,
    pub(crate) tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceArnRequest {
    pub(crate) resource_arn: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TagsResponse {
    pub(crate) tags: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StreamRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) log_stream_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogStreamsRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) log_group_identifier: Option<String>,
    pub(crate) log_stream_name_prefix: Option<String>,
    pub(crate) order_by: Option<String>,
    pub(crate) descending: Option<bool>,
    pub(crate) next_token: Option<String>,
    pub(crate) limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogStreamOut {
    pub(crate) log_stream_name: String,
    pub(crate) creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) first_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_ingestion_time: Option<i64>,
    pub(crate) upload_sequence_token: String,
    pub(crate) arn: String,
    pub(crate) stored_bytes: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogStreamsResponse {
    pub(crate) log_streams: Vec<LogStreamOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputLogEvent<'a> {
    pub(crate) timestamp: Option<i64>,
    #[serde(borrow)]
    pub(crate) message: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutLogEventsRequest<'a> {
    #[serde(borrow)]
    pub(crate) log_group_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) log_stream_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) log_events: Option<Vec<InputLogEvent<'a>>>,
    // `sequenceToken` is accepted and ignored, as AWS does since 2023.
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RejectedLogEventsInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) too_new_log_event_start_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) too_old_log_event_end_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expired_log_event_end_index: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutLogEventsResponse {
    pub(crate) next_sequence_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rejected_log_events_info: Option<RejectedLogEventsInfo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetLogEventsRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) log_group_identifier: Option<String>,
    pub(crate) log_stream_name: Option<String>,
    pub(crate) start_time: Option<i64>,
    pub(crate) end_time: Option<i64>,
    pub(crate) next_token: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) start_from_head: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputLogEvent {
    pub(crate) timestamp: i64,
    pub(crate) message: String,
    pub(crate) ingestion_time: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetLogEventsResponse {
    pub(crate) events: Vec<OutputLogEvent>,
    pub(crate) next_forward_token: String,
    pub(crate) next_backward_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterLogEventsRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) log_group_identifier: Option<String>,
    pub(crate) log_stream_names: Option<Vec<String>>,
    pub(crate) log_stream_name_prefix: Option<String>,
    pub(crate) start_time: Option<i64>,
    pub(crate) end_time: Option<i64>,
    pub(crate) filter_pattern: Option<String>,
    pub(crate) next_token: Option<String>,
    pub(crate) limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilteredLogEvent {
    pub(crate) log_stream_name: String,
    pub(crate) timestamp: i64,
    pub(crate) message: String,
    pub(crate) ingestion_time: i64,
    pub(crate) event_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchedLogStream {
    pub(crate) log_stream_name: String,
    pub(crate) searched_completely: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterLogEventsResponse {
    pub(crate) events: Vec<FilteredLogEvent>,
    pub(crate) searched_log_streams: Vec<SearchedLogStream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutSubscriptionFilterRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) filter_name: Option<String>,
    pub(crate) filter_pattern: Option<String>,
    pub(crate) destination_arn: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) distribution: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilterNameRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) filter_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeFiltersRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) filter_name_prefix: Option<String>,
    pub(crate) next_token: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) metric_name: Option<String>,
    pub(crate) metric_namespace: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionFilterOut {
    pub(crate) filter_name: String,
    pub(crate) log_group_name: String,
    pub(crate) filter_pattern: String,
    pub(crate) destination_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) role_arn: Option<String>,
    pub(crate) distribution: String,
    pub(crate) creation_time: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeSubscriptionFiltersResponse {
    pub(crate) subscription_filters: Vec<SubscriptionFilterOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutMetricFilterRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) filter_name: Option<String>,
    pub(crate) filter_pattern: Option<String>,
    pub(crate) metric_transformations: Option<Vec<Value>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetricFilterOut {
    pub(crate) filter_name: String,
    pub(crate) filter_pattern: String,
    pub(crate) metric_transformations: Value,
    pub(crate) creation_time: i64,
    pub(crate) log_group_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeMetricFiltersResponse {
    pub(crate) metric_filters: Vec<MetricFilterOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TestMetricFilterRequest {
    pub(crate) filter_pattern: Option<String>,
    pub(crate) log_event_messages: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetricFilterMatchRecord {
    pub(crate) event_number: usize,
    pub(crate) event_message: String,
    pub(crate) extracted_values: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TestMetricFilterResponse {
    pub(crate) matches: Vec<MetricFilterMatchRecord>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartQueryRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) log_group_names: Option<Vec<String>>,
    pub(crate) log_group_identifiers: Option<Vec<String>>,
    pub(crate) start_time: Option<i64>,
    pub(crate) end_time: Option<i64>,
    pub(crate) query_string: Option<String>,
    pub(crate) limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryIdRequest {
    pub(crate) query_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeQueriesRequest {
    pub(crate) log_group_name: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) max_results: Option<i64>,
}
