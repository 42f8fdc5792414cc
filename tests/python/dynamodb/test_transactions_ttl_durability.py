"""TransactWriteItems/TransactGetItems, TTL expiry in the background (against the shared
clock), and tables and items surviving a restart with --data-dir."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import http_json


@pytest.fixture
def ddb(client):
    return client("dynamodb")


def make_table(ddb, name):
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_transact_write_all_or_nothing(ddb):
    make_table(ddb, "txn")
    ddb.put_item(TableName="txn", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "txn", "Item": {"pk": {"S": "b"}}}},
            {"ConditionCheck": {"TableName": "txn", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "n = :two",
                                "ExpressionAttributeValues": {":two": {"N": "2"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    err = info.value.response
    assert err["Error"]["Code"] == "TransactionCanceledException"
    assert err["Error"]["Message"] == "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    reasons = err["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed" and reasons[1]["Item"]["n"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName="txn", Key={"pk": {"S": "b"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "txn", "Item": {"pk": {"S": "b"}}}},
        {"Update": {"TableName": "txn", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": "txn", "Key": {"pk": {"S": "gone"}}}},
    ])
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "txn", "Key": {"pk": {"S": "a"}}}},
        {"Get": {"TableName": "txn", "Key": {"pk": {"S": "missing"}}}},
        {"Get": {"TableName": "txn", "Key": {"pk": {"S": "b"}}}},
    ])["Responses"]
    assert got[0]["Item"]["n"] == {"N": "2"} and got[1] == {} and "Item" in got[2]
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "txn", "Item": {"pk": {"S": "a"}}}},
            {"Delete": {"TableName": "txn", "Key": {"pk": {"S": "a"}}}},
        ])
    assert info.value.response["Error"]["Message"] == "Transaction request cannot include multiple operations on one item"


def test_client_request_token_is_idempotent(ddb):
    make_table(ddb, "idem")
    ddb.put_item(TableName="idem", Item={"pk": {"S": "c"}, "n": {"N": "0"}})
    request = [{"Update": {"TableName": "idem", "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :one",
                           "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    ddb.transact_write_items(TransactItems=request, ClientRequestToken="token-1")
    ddb.transact_write_items(TransactItems=request, ClientRequestToken="token-1")
    assert ddb.get_item(TableName="idem", Key={"pk": {"S": "c"}})["Item"]["n"] == {"N": "1"}
    with pytest.raises(ClientError) as info:
        ddb.transact_write_items(TransactItems=[{"Delete": {"TableName": "idem", "Key": {"pk": {"S": "c"}}}}],
                                 ClientRequestToken="token-1")
    assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"


def test_ttl_deletes_expired_items(server, ddb):
    make_table(ddb, "expiring")
    ddb.update_time_to_live(TableName="expiring", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    ddb.put_item(TableName="expiring", Item={"pk": {"S": "soon"}, "exp": {"N": str(now + 3600)}})
    ddb.put_item(TableName="expiring", Item={"pk": {"S": "later"}, "exp": {"N": str(now + 86400)}})
    ddb.put_item(TableName="expiring", Item={"pk": {"S": "never"}})
    try:
        http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": 7200})
        deadline = time.time() + 10
        while time.time() < deadline:
            keys = {i["pk"]["S"] for i in ddb.scan(TableName="expiring")["Items"]}
            if "soon" not in keys:
                break
            time.sleep(0.2)
    finally:
        http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})
    assert keys == {"later", "never"}


def test_restart_keeps_tables_and_items(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path)
    ddb = srv.client("dynamodb")
    make_table(ddb, "durable")
    ddb.update_time_to_live(TableName="durable", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    for i in range(20):
        ddb.put_item(TableName="durable", Item={"pk": {"S": f"k{i}"}, "v": {"N": str(i)}, "b": {"B": b"\x00\x01"}})
    ddb.delete_item(TableName="durable", Key={"pk": {"S": "k0"}})
    assert srv.stop() == 0
    srv = start_server(data_dir=tmp_path)
    ddb = srv.client("dynamodb")
    assert ddb.describe_table(TableName="durable")["Table"]["ItemCount"] == 19
    assert ddb.describe_time_to_live(TableName="durable")["TimeToLiveDescription"]["AttributeName"] == "exp"
    item = ddb.get_item(TableName="durable", Key={"pk": {"S": "k5"}})["Item"]
    assert item["v"] == {"N": "5"} and item["b"] == {"B": b"\x00\x01"}
    assert "Item" not in ddb.get_item(TableName="durable", Key={"pk": {"S": "k0"}})
