"""Items: Put/Get/Update/Delete with conditions, return values and DynamoDB's errors;
numbers; the Table resource API; Query/Scan; batches; atomic counters."""

import threading
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def table(server, ddb):
    ddb.create_table(
        TableName="items",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    resource = boto3.resource("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
    yield resource.Table("items")
    ddb.delete_table(TableName="items")


def test_put_get_delete(ddb, table):
    table.put_item(Item={"pk": "a", "sk": 1, "name": "x", "n": Decimal("1.50"), "tags": {"p", "q"}, "doc": {"l": [1, "two", None, True]}})
    item = table.get_item(Key={"pk": "a", "sk": 1})["Item"]
    assert item["n"] == Decimal("1.5") and item["tags"] == {"p", "q"} and item["doc"]["l"] == [1, "two", None, True]
    raw = ddb.get_item(TableName="items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    assert raw["n"] == {"N": "1.5"}
    assert "Item" not in table.get_item(Key={"pk": "a", "sk": 2})
    old = table.delete_item(Key={"pk": "a", "sk": 1}, ReturnValues="ALL_OLD")["Attributes"]
    assert old["name"] == "x"
    assert "Item" not in table.get_item(Key={"pk": "a", "sk": 1})


def test_key_errors(ddb, table):
    assert error(lambda: table.put_item(Item={"pk": "a"})) == (
        "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item")
    assert error(lambda: table.put_item(Item={"pk": "a", "sk": "1"})) == (
        "ValidationException", "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S")
    assert error(lambda: table.get_item(Key={"pk": "a"})) == (
        "ValidationException", "The provided key element does not match the schema")
    code, message = error(lambda: table.put_item(Item={"pk": "", "sk": 1}))
    assert "cannot contain an empty string value" in message
    assert error(lambda: ddb.get_item(TableName="nope", Key={"pk": {"S": "a"}}))[0] == "ResourceNotFoundException"


def test_conditions_and_return_values(ddb, table):
    table.put_item(Item={"pk": "c", "sk": 1, "v": 1})
    with pytest.raises(ClientError) as info:
        table.put_item(Item={"pk": "c", "sk": 1, "v": 2}, ConditionExpression="attribute_not_exists(pk)",
                       ReturnValuesOnConditionCheckFailure="ALL_OLD")
    err = info.value.response
    assert err["Error"]["Code"] == "ConditionalCheckFailedException"
    assert err["Error"]["Message"] == "The conditional request failed"
    assert err["Item"]["v"] == {"N": "1"}
    table.put_item(Item={"pk": "c", "sk": 1, "v": 2}, ConditionExpression=Attr("v").eq(1))
    out = table.update_item(Key={"pk": "c", "sk": 1}, UpdateExpression="SET v = v + :one, note = :n",
                            ExpressionAttributeValues={":one": 1, ":n": "hi"}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"] == {"v": 3, "note": "hi"}
    out = table.update_item(Key={"pk": "c", "sk": 1}, UpdateExpression="REMOVE note", ReturnValues="ALL_OLD")
    assert out["Attributes"]["note"] == "hi"
    code, message = error(lambda: table.update_item(Key={"pk": "c", "sk": 1}, UpdateExpression="SET pk = :x",
                                                    ExpressionAttributeValues={":x": "z"}))
    assert message == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    code, message = error(lambda: table.update_item(Key={"pk": "c", "sk": 1}, UpdateExpression="SET v = :x",
                                                    ExpressionAttributeValues={":x": 1, ":unused": 2}))
    assert message == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"


def test_query_walks_one_partition_both_ways_on_the_table_and_an_index(ddb):
    ddb.create_table(
        TableName="walks",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST")
    table = boto3.resource("dynamodb", endpoint_url=ddb.meta.endpoint_url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test").Table("walks")
    for pk in ["a", "b", "c"]:
        for sk in range(5):
            table.put_item(Item={"pk": pk, "sk": sk, "g": "even" if sk % 2 == 0 else "odd", "big": "x" * 50})
    table.put_item(Item={"pk": "b", "sk": 9})  # not in the index: no "g"

    def walk(forward, limit, **kwargs):
        keys, start = [], {}
        while True:
            page = table.query(ScanIndexForward=forward, Limit=limit, **kwargs, **start)
            keys += [(i["pk"], int(i["sk"])) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return keys
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    b = [("b", sk) for sk in [0, 1, 2, 3, 4, 9]]
    assert walk(True, 4, KeyConditionExpression=Key("pk").eq("b")) == b
    assert walk(False, 4, KeyConditionExpression=Key("pk").eq("b")) == b[::-1]
    assert walk(False, 100, KeyConditionExpression=Key("pk").eq("a")) == [("a", sk) for sk in [4, 3, 2, 1, 0]]
    even = sorted(((pk, sk) for pk in "abc" for sk in [0, 2, 4]), key=lambda k: (k[1], k[0]))
    assert walk(True, 2, IndexName="by-g", KeyConditionExpression=Key("g").eq("even")) == even
    assert walk(False, 2, IndexName="by-g", KeyConditionExpression=Key("g").eq("even")) == even[::-1]
    page = table.query(IndexName="by-g", KeyConditionExpression=Key("g").eq("odd"), Limit=1)
    assert page["Items"] == [{"pk": "a", "sk": 1, "g": "odd"}]
    assert page["LastEvaluatedKey"] == {"pk": "a", "sk": 1, "g": "odd"}
    scanned = ddb.scan(TableName="walks", IndexName="by-g")
    assert scanned["Count"] == 15 and all("big" not in i for i in scanned["Items"])


def test_update_creates_item(table):
    out = table.update_item(Key={"pk": "new", "sk": 1}, UpdateExpression="ADD hits :one",
                            ExpressionAttributeValues={":one": 1}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"pk": "new", "sk": 1, "hits": 1}


def test_query_and_scan(table):
    for i in range(10):
        table.put_item(Item={"pk": "q", "sk": i, "even": i % 2 == 0})
    table.put_item(Item={"pk": "other", "sk": 1})
    got = table.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").between(2, 5))["Items"]
    assert [i["sk"] for i in got] == [2, 3, 4, 5]
    back = table.query(KeyConditionExpression=Key("pk").eq("q"), ScanIndexForward=False, Limit=3)
    assert [i["sk"] for i in back["Items"]] == [9, 8, 7] and back["LastEvaluatedKey"] == {"pk": "q", "sk": 7}
    more = table.query(KeyConditionExpression=Key("pk").eq("q"), ScanIndexForward=False, Limit=3, ExclusiveStartKey=back["LastEvaluatedKey"])
    assert [i["sk"] for i in more["Items"]] == [6, 5, 4]
    filtered = table.query(KeyConditionExpression=Key("pk").eq("q"), FilterExpression=Attr("even").eq(True))
    assert filtered["Count"] == 5 and filtered["ScannedCount"] == 10
    count = table.query(KeyConditionExpression=Key("pk").eq("q"), Select="COUNT")
    assert count["Count"] == 10 and "Items" not in count
    projected = table.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").eq(1), ProjectionExpression="sk")
    assert projected["Items"] == [{"sk": 1}]
    scanned = table.scan()
    assert scanned["Count"] == 11
    segments = [table.scan(Segment=s, TotalSegments=3)["Count"] for s in range(3)]
    assert sum(segments) == 11


def test_batches(ddb, table):
    with table.batch_writer() as batch:
        for i in range(30):
            batch.put_item(Item={"pk": "b", "sk": i})
    got = ddb.batch_get_item(RequestItems={"items": {"Keys": [{"pk": {"S": "b"}, "sk": {"N": str(i)}} for i in range(5)]}})
    assert len(got["Responses"]["items"]) == 5 and got["UnprocessedKeys"] == {}
    code, message = error(lambda: ddb.batch_get_item(RequestItems={"items": {"Keys": [{"pk": {"S": "b"}, "sk": {"N": "1"}}] * 2}}))
    assert message == "Provided list of item keys contains duplicates"
    code, _ = error(lambda: ddb.batch_write_item(RequestItems={"items": [{"PutRequest": {"Item": {"pk": {"S": "x"}, "sk": {"N": str(i)}}}} for i in range(26)]}))
    assert code == "ValidationException"


def test_concurrent_add_is_atomic(server, table):
    def worker():
        t = boto3.resource("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test").Table("items")
        for _ in range(100):
            t.update_item(Key={"pk": "counter", "sk": 0}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": 1})

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert table.get_item(Key={"pk": "counter", "sk": 0})["Item"]["n"] == 1000


def test_legacy_parameters(ddb, table):
    ddb.put_item(TableName="items", Item={"pk": {"S": "old"}, "sk": {"N": "1"}, "v": {"N": "1"}},
                 Expected={"pk": {"Exists": False}})
    code, _ = error(lambda: ddb.put_item(TableName="items", Item={"pk": {"S": "old"}, "sk": {"N": "1"}},
                                         Expected={"pk": {"Exists": False}}))
    assert code == "ConditionalCheckFailedException"
    ddb.update_item(TableName="items", Key={"pk": {"S": "old"}, "sk": {"N": "1"}},
                    AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "5"}}, "w": {"Action": "PUT", "Value": {"S": "x"}}},
                    Expected={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})
    item = ddb.get_item(TableName="items", Key={"pk": {"S": "old"}, "sk": {"N": "1"}}, AttributesToGet=["v", "w"])["Item"]
    assert item == {"v": {"N": "6"}, "w": {"S": "x"}}
    for i in range(2, 6):
        ddb.put_item(TableName="items", Item={"pk": {"S": "old"}, "sk": {"N": str(i)}, "v": {"N": str(i)}})
    got = ddb.query(TableName="items", KeyConditions={
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "old"}]},
        "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "2"}, {"N": "4"}]}},
        QueryFilter={"v": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "2"}]}})
    assert [i["sk"]["N"] for i in got["Items"]] == ["3", "4"] and got["ScannedCount"] == 3
    scanned = ddb.scan(TableName="items", ScanFilter={"v": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "2"}, {"N": "5"}]}},
                       ConditionalOperator="OR")
    assert sorted(i["sk"]["N"] for i in scanned["Items"]) == ["2", "5"]
    code, message = error(lambda: ddb.scan(TableName="items", ScanFilter={"v": {"ComparisonOperator": "NOT_NULL"}},
                                           FilterExpression="attribute_exists(v)"))
    assert message.startswith("Can not use both expression and non-expression parameters in the same request")


def test_key_size_limits(table):
    code, message = error(lambda: table.put_item(Item={"pk": "x" * 2049, "sk": 1}))
    assert message == "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
    table.put_item(Item={"pk": "x" * 2048, "sk": 1})


def test_item_collection_metrics(ddb):
    ddb.create_table(
        TableName="with-lsi",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "alt", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "by-alt", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                     {"AttributeName": "alt", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    out = ddb.put_item(TableName="with-lsi", Item={"pk": {"S": "c"}, "sk": {"N": "1"}, "alt": {"S": "z"}},
                       ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": {"S": "c"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    got = ddb.query(TableName="with-lsi", IndexName="by-alt", KeyConditionExpression="pk = :c AND alt = :z",
                    ExpressionAttributeValues={":c": {"S": "c"}, ":z": {"S": "z"}})
    assert got["Count"] == 1
    ddb.delete_table(TableName="with-lsi")


def test_no_item_collection_without_lsi(table):
    out = table.put_item(Item={"pk": "n", "sk": 1}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in out


def test_projection_and_attributes_to_get_are_rejected_before_reading(ddb, table):
    # The request is invalid whether or not the item exists.
    code, message = error(lambda: ddb.get_item(TableName="items", Key={"pk": {"S": "absent"}, "sk": {"N": "1"}},
                                               ProjectionExpression="pk", AttributesToGet=["pk"]))
    assert code == "ValidationException"
    assert message.startswith("Can not use both expression and non-expression parameters in the same request")
    code, _ = error(lambda: ddb.query(TableName="items", KeyConditionExpression="pk = :p",
                                      ExpressionAttributeValues={":p": {"S": "absent"}},
                                      ProjectionExpression="pk", AttributesToGet=["pk"]))
    assert code == "ValidationException"
