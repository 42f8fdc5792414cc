"""Tables: CreateTable validation with DynamoDB's messages, DescribeTable, ListTables
pagination, UpdateTable, DeleteTable, waiters, TTL, tags."""

import pytest
from botocore.exceptions import ClientError


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture
def ddb(client):
    return client("dynamodb")


def simple(ddb, name, **extra):
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def test_create_describe_list_delete(ddb):
    out = ddb.create_table(
        TableName="orders",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "gk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        Tags=[{"Key": "team", "Value": "core"}],
    )["TableDescription"]
    assert out["TableStatus"] == "ACTIVE" and out["TableName"] == "orders"
    assert out["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    assert out["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert out["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert out["LatestStreamArn"].startswith(out["TableArn"] + "/stream/")
    ddb.get_waiter("table_exists").wait(TableName="orders", WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    described = ddb.describe_table(TableName="orders")["Table"]
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert described["ItemCount"] == 0
    assert "orders" in ddb.list_tables()["TableNames"]
    assert ddb.list_tags_of_resource(ResourceArn=out["TableArn"])["Tags"] == [{"Key": "team", "Value": "core"}]
    ddb.delete_table(TableName="orders")
    assert error(lambda: ddb.describe_table(TableName="orders")) == (
        "ResourceNotFoundException", "Requested resource not found: Table: orders not found")


def test_create_validations(ddb):
    simple(ddb, "dup")
    assert error(lambda: simple(ddb, "dup")) == ("ResourceInUseException", "Table already exists: dup")
    code, message = error(lambda: ddb.create_table(
        TableName="tbl1", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "other", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST"))
    assert code == "ValidationException" and "Some index key attributes are not defined in AttributeDefinitions" in message
    code, message = error(lambda: ddb.create_table(
        TableName="tbl2", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST"))
    assert message == "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
    code, message = error(lambda: ddb.create_table(
        TableName="tbl3", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}]))
    assert message == "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
    code, message = error(lambda: simple(ddb, "ab"))
    assert "Member must have length greater than or equal to 3" in message
    code, message = error(lambda: ddb.create_table(
        TableName="tbl4", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}], BillingMode="PAY_PER_REQUEST"))
    assert message == "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"


def test_list_tables_pagination(ddb):
    for i in range(5):
        simple(ddb, f"page-{i}")
    first = ddb.list_tables(Limit=2, ExclusiveStartTableName="page")
    assert first["TableNames"] == ["page-0", "page-1"] and first["LastEvaluatedTableName"] == "page-1"
    rest = ddb.list_tables(ExclusiveStartTableName="page-1")
    assert rest["TableNames"][:3] == ["page-2", "page-3", "page-4"]


def test_update_table(ddb):
    simple(ddb, "upd")
    out = ddb.update_table(TableName="upd", BillingMode="PROVISIONED",
                           ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})["TableDescription"]
    assert out["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    ddb.update_table(TableName="upd", DeletionProtectionEnabled=True)
    code, message = error(lambda: ddb.delete_table(TableName="upd"))
    assert code == "ValidationException" and "protected against deletion" in message
    ddb.update_table(TableName="upd", DeletionProtectionEnabled=False)
    ddb.delete_table(TableName="upd")


def test_ttl_settings(ddb):
    simple(ddb, "ttl")
    assert ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    assert error(lambda: ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})) == (
        "ValidationException", "TimeToLive is already enabled")


def test_misc_operations(ddb):
    assert ddb.describe_limits()["TableMaxReadCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440
    simple(ddb, "backups")
    out = ddb.describe_continuous_backups(TableName="backups")["ContinuousBackupsDescription"]
    assert out["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    assert error(lambda: ddb.describe_continuous_backups(TableName="nope"))[0] == "TableNotFoundException"


def test_aws_cli(aws):
    out = aws("dynamodb", "create-table", "--table-name", "cli-table",
              "--attribute-definitions", "AttributeName=id,AttributeType=S",
              "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert out.returncode == 0, out.stderr
    out = aws("dynamodb", "put-item", "--table-name", "cli-table", "--item", '{"id": {"S": "1"}, "n": {"N": "2.50"}}')
    assert out.returncode == 0, out.stderr
    out = aws("dynamodb", "get-item", "--table-name", "cli-table", "--key", '{"id": {"S": "1"}}')
    import json
    assert json.loads(out.stdout)["Item"]["n"] == {"N": "2.5"}
    out = aws("dynamodb", "update-item", "--table-name", "cli-table", "--key", '{"id": {"S": "1"}}',
              "--update-expression", "SET #s = :v", "--expression-attribute-values", '{":v": {"S": "x"}}')
    assert out.returncode != 0
    assert "An expression attribute name used in the document path is not defined; attribute name: #s" in out.stderr
    out = aws("dynamodb", "scan", "--table-name", "cli-table", "--select", "COUNT")
    assert json.loads(out.stdout)["Count"] == 1
