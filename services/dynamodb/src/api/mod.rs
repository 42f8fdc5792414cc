//! Operation dispatch: `X-Amz-Target: DynamoDB_20120810.<Operation>` → JSON input → op → JSON.

use ruststack_protocol::{Request, RequestContext, Response, ServiceError, envelope, json};
use serde_json::Value;

use crate::{Caller, DynamoDb, ops};

/// DynamoDB accepts requests up to 16 MB (BatchWriteItem of 25 × 400 KB items and more).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

pub(crate) async fn dispatch(
    db: &DynamoDb,
    ctx: &RequestContext,
    req: Request,
) -> Result<Response, ServiceError> {
    let op = json::operation(&req, ctx.protocol)?;
    let caller = Caller::from_context(ctx);
    let mut input: Value = json::decode(req, BODY_LIMIT).await?;
    if !input.is_object() {
        return Err(ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "SerializationException",
            "Start of structure or map found where not expected",
        )
        .with_namespace("com.amazon.coral.service"));
    }

    if matches!(
        op.as_str(),
        "PutItem" | "DeleteItem" | "UpdateItem" | "Query" | "Scan"
    ) {
        ops::legacy::rewrite(&mut input)?;
    }

    macro_rules! read {
        ($f:path) => {
            json::response(ctx, &$f(db, &caller, input)?)
        };
    }
    macro_rules! write {
        ($f:path) => {
            json::response(ctx, &db.write(caller, input, $f).await?)
        };
    }

    match op.as_str() {
        "CreateTable" => write!(ops::table::create_table),
        "DescribeTable" => read!(ops::table::describe_table),
        "ListTables" => read!(ops::table::list_tables),
        "DeleteTable" => write!(ops::table::delete_table),
        "UpdateTable" => write!(ops::table::update_table),
        "PutItem" => write!(ops::item::put_item),
        "GetItem" => read!(ops::item::get_item),
        "DeleteItem" => write!(ops::item::delete_item),
        "UpdateItem" => write!(ops::item::update_item),
        // Query and Scan serialise their (large) pages themselves.
        "Query" => ops::query::query(db, ctx, &caller, input),
        "Scan" => ops::query::scan(db, ctx, &caller, input),
        "BatchGetItem" => read!(ops::batch::batch_get_item),
        "BatchWriteItem" => write!(ops::batch::batch_write_item),
        "TransactWriteItems" => write!(ops::transact::transact_write_items),
        "TransactGetItems" => read!(ops::transact::transact_get_items),
        "ExecuteStatement" => json::response(
            ctx,
            &ops::partiql::execute_statement(db, ctx, &caller, input).await?,
        ),
        "BatchExecuteStatement" => json::response(
            ctx,
            &ops::partiql::batch_execute_statement(db, ctx, &caller, input).await?,
        ),
        "ExecuteTransaction" => json::response(
            ctx,
            &ops::partiql::execute_transaction(db, ctx, &caller, input).await?,
        ),
        "DescribeTimeToLive" => read!(ops::settings::describe_time_to_live),
        "UpdateTimeToLive" => write!(ops::settings::update_time_to_live),
        "TagResource" => write!(ops::settings::tag_resource),
        "UntagResource" => write!(ops::settings::untag_resource),
        "ListTagsOfResource" => read!(ops::settings::list_tags_of_resource),
        "DescribeLimits" => read!(ops::settings::describe_limits),
        "DescribeEndpoints" => read!(ops::settings::describe_endpoints),
        "DescribeContinuousBackups" => read!(ops::settings::describe_continuous_backups),
        other => Err(envelope::operation_not_implemented(
            ctx.protocol,
            ctx.service,
            other,
        )),
    }
}
