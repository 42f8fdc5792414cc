//! CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable.

use std::collections::{BTreeMap, BTreeSet};

use ruststack_protocol::ServiceError;
use ruststack_storage::Batch;
use serde_json::{Value, json};

use crate::keys::{KeySchema, ScalarType};
use crate::ops::input::{opt_array, opt_bool, opt_i64, opt_object, opt_str, req_str};
use crate::ops::{table, table_mut, validate_table_name};
use crate::state::{IndexMeta, Table, TableMeta};
use crate::{Caller, DynamoDb, error, persist};

fn parse_key_schema(
    list: &[Value],
    member: &str,
    definitions: &BTreeMap<String, ScalarType>,
) -> Result<KeySchema, ServiceError> {
    if list.is_empty() || list.len() > 2 {
        return Err(error::constraint(
            "[...]",
            member,
            "Member must have length less than or equal to 2",
        ));
    }
    let mut parsed = Vec::new();
    for (i, element) in list.iter().enumerate() {
        let name = req_str(
            element,
            "AttributeName",
            &format!("{member}.{}.member.attributeName", i + 1),
        )?;
        let kind = req_str(
            element,
            "KeyType",
            &format!("{member}.{}.member.keyType", i + 1),
        )?;
        if kind != "HASH" && kind != "RANGE" {
            return Err(error::constraint(
                kind,
                &format!("{member}.{}.member.keyType", i + 1),
                "Member must satisfy enum value set: [HASH, RANGE]",
            ));
        }
        parsed.push((name.to_owned(), kind));
    }
    if parsed[0].1 != "HASH" {
        return Err(error::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if parsed.len() == 2 && parsed[1].1 != "RANGE" {
        return Err(error::validation(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
        ));
    }
    if parsed.len() == 2 && parsed[0].0 == parsed[1].0 {
        return Err(error::validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    let typed = |name: &str| -> Result<(String, ScalarType), ServiceError> {
        definitions.get(name).map(|t| (name.to_owned(), *t)).ok_or_else(|| {
            error::invalid_parameter(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                definitions.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    Ok(KeySchema {
        hash: typed(&parsed[0].0)?,
        range: parsed.get(1).map(|(n, _)| typed(n)).transpose()?,
    })
}

fn parse_throughput(input: &Value) -> Result<Option<(i64, i64)>, ServiceError> {
    let Some(t) = input.get("ProvisionedThroughput").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let read = opt_i64(t, "ReadCapacityUnits")?
        .ok_or_else(|| error::missing("provisionedThroughput.readCapacityUnits"))?;
    let write = opt_i64(t, "WriteCapacityUnits")?
        .ok_or_else(|| error::missing("provisionedThroughput.writeCapacityUnits"))?;
    if read < 1 || write < 1 {
        return Err(error::validation(
            "One or more parameter values were invalid: Provisioned throughput values must be positive",
        ));
    }
    Ok(Some((read, write)))
}

fn parse_projection(index: &Value) -> Result<(String, Vec<String>), ServiceError> {
    let projection = index
        .get("Projection")
        .ok_or_else(|| error::missing("projection"))?;
    let kind = opt_str(projection, "ProjectionType")?
        .unwrap_or("ALL")
        .to_owned();
    if !["ALL", "KEYS_ONLY", "INCLUDE"].contains(&kind.as_str()) {
        return Err(error::constraint(
            &kind,
            "projection.projectionType",
            "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]",
        ));
    }
    let non_key: Vec<String> = opt_array(projection, "NonKeyAttributes")?
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if kind != "INCLUDE" && !non_key.is_empty() {
        return Err(error::invalid_parameter(
            "ProjectionType is not INCLUDE, but NonKeyAttributes is specified",
        ));
    }
    Ok((kind, non_key))
}

fn parse_indexes(
    input: &Value,
    member: &str,
    definitions: &BTreeMap<String, ScalarType>,
    table_key: &KeySchema,
    global: bool,
    billing: &str,
) -> Result<Vec<IndexMeta>, ServiceError> {
    let Some(list) = opt_array(input, member)? else {
        return Ok(Vec::new());
    };
    if list.is_empty() {
        return Err(error::invalid_parameter(format!(
            "List of {member} is empty"
        )));
    }
    let mut out: Vec<IndexMeta> = Vec::new();
    for index in list {
        let name = req_str(index, "IndexName", "indexName")?.to_owned();
        validate_table_name(&name, "indexName")?;
        if out.iter().any(|i| i.name == name) {
            return Err(error::invalid_parameter(format!(
                "Duplicate index name: {name}"
            )));
        }
        let schema_list =
            opt_array(index, "KeySchema")?.ok_or_else(|| error::missing("keySchema"))?;
        let key_schema = parse_key_schema(schema_list, "keySchema", definitions)?;
        if !global {
            if table_key.range.is_none() {
                return Err(error::invalid_parameter(
                    "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                ));
            }
            if key_schema.hash != table_key.hash || key_schema.range.is_none() {
                return Err(error::invalid_parameter(format!(
                    "Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. index hash key: {}, table hash key: {}",
                    key_schema.hash.0, table_key.hash.0
                )));
            }
        }
        let (projection_type, non_key_attributes) = parse_projection(index)?;
        let provisioned = if global {
            parse_throughput(index)?
        } else {
            None
        };
        if global && billing == "PROVISIONED" && provisioned.is_none() {
            return Err(error::invalid_parameter(format!(
                "ProvisionedThroughput must be specified for index: {name}"
            )));
        }
        out.push(IndexMeta {
            name,
            key_schema,
            projection_type,
            non_key_attributes,
            provisioned,
        });
    }
    Ok(out)
}

pub(crate) fn create_table(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = req_str(&input, "TableName", "tableName")?.to_owned();
    validate_table_name(&name, "tableName")?;
    let definitions_list = opt_array(&input, "AttributeDefinitions")?
        .ok_or_else(|| error::missing("attributeDefinitions"))?;
    let mut definitions = BTreeMap::new();
    for (i, d) in definitions_list.iter().enumerate() {
        let attr = req_str(
            d,
            "AttributeName",
            &format!("attributeDefinitions.{}.member.attributeName", i + 1),
        )?;
        let kind = req_str(
            d,
            "AttributeType",
            &format!("attributeDefinitions.{}.member.attributeType", i + 1),
        )?;
        let kind = ScalarType::parse(kind).ok_or_else(|| {
            error::constraint(
                kind,
                &format!("attributeDefinitions.{}.member.attributeType", i + 1),
                "Member must satisfy enum value set: [B, N, S]",
            )
        })?;
        if definitions.insert(attr.to_owned(), kind).is_some() {
            return Err(error::invalid_parameter(format!(
                "Duplicate AttributeName in AttributeDefinitions: {attr}"
            )));
        }
    }
    let key_list = opt_array(&input, "KeySchema")?.ok_or_else(|| error::missing("keySchema"))?;
    let key_schema = parse_key_schema(key_list, "keySchema", &definitions)?;
    let billing = opt_str(&input, "BillingMode")?
        .unwrap_or("PROVISIONED")
        .to_owned();
    if billing != "PROVISIONED" && billing != "PAY_PER_REQUEST" {
        return Err(error::constraint(
            &billing,
            "billingMode",
            "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
        ));
    }
    let provisioned = parse_throughput(&input)?;
    match (billing.as_str(), provisioned) {
        ("PROVISIONED", None) => {
            return Err(error::invalid_parameter(
                "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
            ));
        }
        ("PAY_PER_REQUEST", Some(_)) => {
            return Err(error::invalid_parameter(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        _ => {}
    }
    let gsis = parse_indexes(
        &input,
        "GlobalSecondaryIndexes",
        &definitions,
        &key_schema,
        true,
        &billing,
    )?;
    let lsis = parse_indexes(
        &input,
        "LocalSecondaryIndexes",
        &definitions,
        &key_schema,
        false,
        &billing,
    )?;
    // Every defined attribute must be a key of the table or of an index.
    let used: BTreeSet<&str> = key_schema
        .names()
        .into_iter()
        .chain(gsis.iter().chain(&lsis).flat_map(|i| i.key_schema.names()))
        .collect();
    if used.len() != definitions.len() {
        return Err(error::invalid_parameter(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    let stream_view_type = match input.get("StreamSpecification").filter(|v| !v.is_null()) {
        Some(spec) if opt_bool(spec, "StreamEnabled")? == Some(true) => Some(
            opt_str(spec, "StreamViewType")?
                .ok_or_else(|| {
                    error::validation(
                        "StreamSpecification: StreamViewType is required when streams are enabled",
                    )
                })?
                .to_owned(),
        ),
        _ => None,
    };
    let tags = parse_tags(&input)?;
    let mut state = db.write_lock();
    let scope = state.get_mut(&caller.account, &caller.region);
    if scope.tables.contains_key(&name) {
        return Err(error::resource_in_use(format!(
            "Table already exists: {name}"
        )));
    }
    let now = caller.now as f64 / 1000.0;
    let meta = TableMeta {
        name: name.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        creation_time: now,
        key_schema,
        attribute_definitions: definitions.into_iter().collect(),
        billing_mode: billing,
        provisioned,
        gsis,
        lsis,
        stream_label: stream_view_type.as_ref().map(|_| stream_label(caller.now)),
        stream_view_type,
        sse: input
            .get("SSESpecification")
            .filter(|v| !v.is_null())
            .cloned(),
        table_class: opt_str(&input, "TableClass")?
            .unwrap_or("STANDARD")
            .to_owned(),
        deletion_protection: opt_bool(&input, "DeletionProtectionEnabled")?.unwrap_or(false),
        tags,
        ttl_attribute: None,
    };
    let mut batch = Batch::new();
    persist::write_table(&mut batch, (&caller.account, &caller.region), &meta);
    db.commit(batch)?;
    let table = Table::new(meta);
    let description = describe(caller, &table);
    scope.tables.insert(name, table);
    Ok(json!({ "TableDescription": description }))
}

/// `Tags: [{Key, Value}]`.
pub(crate) fn parse_tags(input: &Value) -> Result<BTreeMap<String, String>, ServiceError> {
    let mut tags = BTreeMap::new();
    for tag in opt_array(input, "Tags")?
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let key = req_str(tag, "Key", "tags.member.key")?;
        let value = req_str(tag, "Value", "tags.member.value")?;
        tags.insert(key.to_owned(), value.to_owned());
    }
    Ok(tags)
}

/// A stream label: the creation time, ISO 8601 with milliseconds.
fn stream_label(now_ms: i64) -> String {
    let secs = now_ms.div_euclid(1000);
    let ms = now_ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn key_schema_json(schema: &KeySchema) -> Value {
    let mut list = vec![json!({"AttributeName": schema.hash.0, "KeyType": "HASH"})];
    if let Some((range, _)) = &schema.range {
        list.push(json!({"AttributeName": range, "KeyType": "RANGE"}));
    }
    Value::Array(list)
}

fn throughput_json(provisioned: Option<(i64, i64)>) -> Value {
    let (read, write) = provisioned.unwrap_or((0, 0));
    json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": read, "WriteCapacityUnits": write})
}

/// The `TableDescription` DynamoDB returns.
pub(crate) fn describe(caller: &Caller, table: &Table) -> Value {
    let m = &table.meta;
    let arn = m.arn(&caller.region, &caller.account);
    let item_count = table.items.len();
    let index_json = |index: &IndexMeta, global: bool| {
        let mut projection = json!({"ProjectionType": index.projection_type});
        if !index.non_key_attributes.is_empty() {
            projection["NonKeyAttributes"] = json!(index.non_key_attributes);
        }
        let mut out = json!({
            "IndexName": index.name,
            "KeySchema": key_schema_json(&index.key_schema),
            "Projection": projection,
            "IndexSizeBytes": table.size_bytes,
            "ItemCount": item_count,
            "IndexArn": format!("{arn}/index/{}", index.name),
        });
        if global {
            out["IndexStatus"] = json!("ACTIVE");
            out["ProvisionedThroughput"] = throughput_json(index.provisioned);
        }
        out
    };
    let mut out = json!({
        "AttributeDefinitions": m.attribute_definitions.iter().map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.name()})).collect::<Vec<_>>(),
        "TableName": m.name,
        "KeySchema": key_schema_json(&m.key_schema),
        "TableStatus": "ACTIVE",
        "CreationDateTime": m.creation_time,
        "ProvisionedThroughput": throughput_json(m.provisioned),
        "TableSizeBytes": table.size_bytes,
        "ItemCount": item_count,
        "TableArn": arn,
        "TableId": m.id,
        "DeletionProtectionEnabled": m.deletion_protection,
    });
    if m.billing_mode == "PAY_PER_REQUEST" {
        out["BillingModeSummary"] = json!({
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": m.creation_time,
        });
    }
    if !m.gsis.is_empty() {
        out["GlobalSecondaryIndexes"] = m.gsis.iter().map(|i| index_json(i, true)).collect();
    }
    if !m.lsis.is_empty() {
        out["LocalSecondaryIndexes"] = m.lsis.iter().map(|i| index_json(i, false)).collect();
    }
    if let (Some(view), Some(label)) = (&m.stream_view_type, &m.stream_label) {
        out["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": view});
        out["LatestStreamLabel"] = json!(label);
        out["LatestStreamArn"] = json!(format!("{arn}/stream/{label}"));
    }
    if let Some(sse) = &m.sse
        && sse.get("Enabled").and_then(Value::as_bool) == Some(true)
    {
        out["SSEDescription"] = json!({
            "Status": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": format!("arn:aws:kms:{}:{}:key/{}", caller.region, caller.account, m.id),
        });
    }
    if m.table_class != "STANDARD" {
        out["TableClassSummary"] = json!({"TableClass": m.table_class});
    }
    out
}

pub(crate) fn describe_table(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = crate::ops::table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let state = db.read();
    let table = table(&state, caller, &name).map_err(|_| error::table_not_found(&name))?;
    Ok(json!({ "Table": describe(caller, table) }))
}

pub(crate) fn list_tables(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let limit = opt_i64(&input, "Limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(error::constraint(
            &limit.to_string(),
            "limit",
            "Member must have value less than or equal to 100",
        ));
    }
    let start = opt_str(&input, "ExclusiveStartTableName")?;
    let state = db.read();
    let names: Vec<&String> = state
        .get(&caller.account, &caller.region)
        .map(|s| {
            s.tables
                .keys()
                .filter(|n| start.is_none_or(|st| n.as_str() > st))
                .collect()
        })
        .unwrap_or_default();
    let page: Vec<&String> = names.iter().take(limit as usize).copied().collect();
    let mut out = json!({ "TableNames": page });
    if names.len() > page.len()
        && let Some(last) = page.last()
    {
        out["LastEvaluatedTableName"] = json!(last);
    }
    Ok(out)
}

pub(crate) fn delete_table(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = crate::ops::table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let mut state = db.write_lock();
    let table = table(&state, caller, &name)?;
    if table.meta.deletion_protection {
        return Err(error::validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.".to_string()));
    }
    let mut description = describe(caller, table);
    description["TableStatus"] = json!("DELETING");
    let path = [
        caller.account.as_str(),
        caller.region.as_str(),
        name.as_str(),
    ];
    let mut batch = Batch::new();
    batch.delete(persist::TABLES, persist::key(&path));
    batch.delete_prefix(persist::ITEMS, persist::prefix(&path));
    db.commit(batch)?;
    state
        .get_mut(&caller.account, &caller.region)
        .tables
        .remove(&name);
    Ok(json!({ "TableDescription": description }))
}

pub(crate) fn update_table(
    db: &DynamoDb,
    caller: &Caller,
    input: Value,
) -> Result<Value, ServiceError> {
    let name = crate::ops::table_name_of(req_str(&input, "TableName", "tableName")?).to_owned();
    let mut state = db.write_lock();
    let table = table_mut(&mut state, caller, &name)?;
    let mut meta = table.meta.clone();
    if let Some(billing) = opt_str(&input, "BillingMode")? {
        if billing != "PROVISIONED" && billing != "PAY_PER_REQUEST" {
            return Err(error::constraint(
                billing,
                "billingMode",
                "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
            ));
        }
        meta.billing_mode = billing.to_owned();
        if billing == "PAY_PER_REQUEST" {
            meta.provisioned = None;
        }
    }
    if let Some(throughput) = parse_throughput(&input)? {
        if meta.billing_mode == "PAY_PER_REQUEST" {
            return Err(error::invalid_parameter(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        meta.provisioned = Some(throughput);
    }
    if meta.billing_mode == "PROVISIONED" && meta.provisioned.is_none() {
        return Err(error::invalid_parameter(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ));
    }
    if let Some(protection) = opt_bool(&input, "DeletionProtectionEnabled")? {
        meta.deletion_protection = protection;
    }
    if let Some(class) = opt_str(&input, "TableClass")? {
        meta.table_class = class.to_owned();
    }
    if let Some(spec) = input.get("StreamSpecification").filter(|v| !v.is_null()) {
        if opt_bool(spec, "StreamEnabled")? == Some(true) {
            if meta.stream_view_type.is_some() {
                return Err(error::validation(format!(
                    "Table already has an enabled stream: {}",
                    meta.arn(&caller.region, &caller.account)
                )));
            }
            let view = opt_str(spec, "StreamViewType")?
                .ok_or_else(|| error::validation("StreamViewType is required"))?;
            meta.stream_view_type = Some(view.to_owned());
            meta.stream_label = Some(stream_label(caller.now));
        } else {
            meta.stream_view_type = None;
        }
    }
    if let Some(updates) = opt_array(&input, "GlobalSecondaryIndexUpdates")? {
        let mut definitions: BTreeMap<String, ScalarType> =
            meta.attribute_definitions.iter().cloned().collect();
        for d in opt_array(&input, "AttributeDefinitions")?
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let attr = req_str(
                d,
                "AttributeName",
                "attributeDefinitions.member.attributeName",
            )?;
            let kind = req_str(
                d,
                "AttributeType",
                "attributeDefinitions.member.attributeType",
            )?;
            let kind = ScalarType::parse(kind).ok_or_else(|| {
                error::constraint(
                    kind,
                    "attributeDefinitions.member.attributeType",
                    "Member must satisfy enum value set: [B, N, S]",
                )
            })?;
            definitions.insert(attr.to_owned(), kind);
        }
        for update in updates {
            if let Some(create) = opt_object(update, "Create")? {
                let create = Value::Object(create.clone());
                let wrapped = json!({ "GlobalSecondaryIndexes": [create] });
                let mut created = parse_indexes(
                    &wrapped,
                    "GlobalSecondaryIndexes",
                    &definitions,
                    &meta.key_schema,
                    true,
                    &meta.billing_mode,
                )?;
                if let Some(index) = created.pop() {
                    if meta.index(&index.name).is_some() {
                        return Err(error::validation(format!(
                            "Attempting to create an index which already exists: {}",
                            index.name
                        )));
                    }
                    meta.gsis.push(index);
                }
            } else if let Some(delete) = opt_object(update, "Delete")? {
                let index_name = delete
                    .get("IndexName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let before = meta.gsis.len();
                meta.gsis.retain(|i| i.name != index_name);
                if meta.gsis.len() == before {
                    return Err(error::resource_not_found());
                }
            } else if let Some(change) = opt_object(update, "Update")? {
                let change = Value::Object(change.clone());
                let index_name = req_str(&change, "IndexName", "indexName")?.to_owned();
                let throughput = parse_throughput(&change)?;
                let index = meta
                    .gsis
                    .iter_mut()
                    .find(|i| i.name == index_name)
                    .ok_or_else(error::resource_not_found)?;
                index.provisioned = throughput;
            }
        }
        // Keep only the definitions some key still uses.
        let used: BTreeSet<String> = meta
            .key_schema
            .names()
            .into_iter()
            .chain(
                meta.gsis
                    .iter()
                    .chain(&meta.lsis)
                    .flat_map(|i| i.key_schema.names()),
            )
            .map(str::to_owned)
            .collect();
        meta.attribute_definitions = definitions
            .into_iter()
            .filter(|(n, _)| used.contains(n))
            .collect();
    }
    crate::ops::save_meta(db, caller, table, meta)?;
    Ok(json!({ "TableDescription": describe(caller, table) }))
}
