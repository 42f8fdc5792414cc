//! Operation dispatch: `X-Amz-Target: Logs_20140328.<Operation>` → typed input → op → JSON.

pub mod put_body;
pub(crate) mod shapes;

use ruststack_protocol::{Request, RequestContext, Response, ServiceError, envelope, json};
use serde::Serialize;

use crate::{Caller, Logs, ops};

/// Buffered request bodies are capped here (PutLogEvents allows 1 MiB of events; JSON
/// escaping can double it).
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Every operation ruststack implements for CloudWatch Logs.
pub const OPERATIONS: &[&str] = &[
    "CreateLogGroup",
    "DeleteLogGroup",
    "DescribeLogGroups",
    "PutRetentionPolicy",
    "DeleteRetentionPolicy",
    "TagLogGroup",
    "UntagLogGroup",
    "ListTagsLogGroup",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "CreateLogStream",
    "DeleteLogStream",
    "DescribeLogStreams",
    "PutLogEvents",
    "GetLogEvents",
    "FilterLogEvents",
    "PutSubscriptionFilter",
    "DescribeSubscriptionFilters",
    "DeleteSubscriptionFilter",
    "PutMetricFilter",
    "DescribeMetricFilters",
    "DeleteMetricFilter",
    "TestMetricFilter",
    "StartQuery",
    "GetQueryResults",
    "StopQuery",
    "DescribeQueries",
];

/// The empty JSON object most mutating operations return.
#[derive(Serialize)]
pub(crate) struct Empty {}

pub(crate) async fn dispatch(
    logs: &Logs,
    ctx: &RequestContext,
    req: Request,
) -> Result<Response, ServiceError> {
    let op = json::operation(&req, ctx.protocol)?;
    let caller = Caller::from_context(ctx);

    macro_rules! read {
        ($f:path) => {{
            let input = json::decode(req, BODY_LIMIT).await?;
            json::response(ctx, &$f(logs, &caller, input)?)
        }};
    }
    macro_rules! write {
        ($f:path) => {{
            let input = json::decode(req, BODY_LIMIT).await?;
            json::response(ctx, &logs.write(caller, input, $f).await?)
        }};
    }

    match op.as_str() {
        "CreateLogGroup" => write!(ops::groups::create_log_group),
        "DeleteLogGroup" => write!(ops::groups::delete_log_group),
        "DescribeLogGroups" => read!(ops::groups::describe_log_groups),
        "PutRetentionPolicy" => write!(ops::groups::put_retention_policy),
        "DeleteRetentionPolicy" => write!(ops::groups::delete_retention_policy),
        "TagLogGroup" => write!(ops::tags::tag_log_group),
        "UntagLogGroup" => write!(ops::tags::untag_log_group),
        "ListTagsLogGroup" => read!(ops::tags::list_tags_log_group),
        "TagResource" => write!(ops::tags::tag_resource),
        "UntagResource" => write!(ops::tags::untag_resource),
        "ListTagsForResource" => read!(ops::tags::list_tags_for_resource),
        "CreateLogStream" => write!(ops::streams::create_log_stream),
        "DeleteLogStream" => write!(ops::streams::delete_log_stream),
        "DescribeLogStreams" => read!(ops::streams::describe_log_streams),
        "PutLogEvents" => {
            // The request is parsed where it is stored, its messages borrowed from the body.
            let body = json::read(req, BODY_LIMIT).await?;
            let (out, deliveries) = logs
                .write(caller, body, |logs, caller, body| {
                    ops::events::put_log_events(logs, caller, put_body::parse(&body)?)
                })
                .await?;
            logs.deliver(deliveries);
            json::response(ctx, &out)
        }
        "GetLogEvents" => read!(ops::events::get_log_events),
        "FilterLogEvents" => read!(ops::events::filter_log_events),
        "PutSubscriptionFilter" => write!(ops::filters::put_subscription_filter),
        "DescribeSubscriptionFilters" => read!(ops::filters::describe_subscription_filters),
        "DeleteSubscriptionFilter" => write!(ops::filters::delete_subscription_filter),
        "PutMetricFilter" => write!(ops::filters::put_metric_filter),
        "DescribeMetricFilters" => read!(ops::filters::describe_metric_filters),
        "DeleteMetricFilter" => write!(ops::filters::delete_metric_filter),
        "TestMetricFilter" => read!(ops::filters::test_metric_filter),
        "StartQuery" => read!(ops::queries::start_query),
        "GetQueryResults" => read!(ops::queries::get_query_results),
        "StopQuery" => read!(ops::queries::stop_query),
        "DescribeQueries" => read!(ops::queries::describe_queries),
        other => Err(envelope::operation_not_implemented(
            ctx.protocol,
            ctx.service,
            other,
        )),
    }
}
