"""DynamoDB Streams: records for inserts, modifications and removals (TTL ones marked as
the service's), in order, per view type; ListStreams, DescribeStream, shard iterators."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import http_json


@pytest.fixture
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def streams(client):
    return client("dynamodbstreams")


def make(ddb, name, view):
    return ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]


def read_all(streams, arn, kind="TRIM_HORIZON"):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind)["ShardIterator"]
    out = streams.get_records(ShardIterator=iterator)
    return out["Records"], out["NextShardIterator"]


def test_records_in_order_with_images(ddb, streams):
    arn = make(ddb, "streamed", "NEW_AND_OLD_IMAGES")["LatestStreamArn"]
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}, "v": {"N": "1"}})  # unchanged: no record
    ddb.update_item(TableName="streamed", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :two",
                    ExpressionAttributeValues={":two": {"N": "2"}})
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "a"}})
    records, next_iterator = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[0]["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in records[0]["dynamodb"]
    assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"} and records[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert records[2]["dynamodb"]["Keys"] == {"pk": {"S": "a"}} and "NewImage" not in records[2]["dynamodb"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs)
    assert records[0]["eventSource"] == "aws:dynamodb" and records[0]["awsRegion"] == "us-east-1"
    # Reading on from the returned iterator sees only new records.
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "b"}})
    more = streams.get_records(ShardIterator=next_iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in more] == ["b"]
    # AFTER_SEQUENCE_NUMBER and LATEST.
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                    SequenceNumber=records[1]["dynamodb"]["SequenceNumber"])["ShardIterator"]
    assert [r["eventName"] for r in streams.get_records(ShardIterator=it)["Records"]] == ["REMOVE", "INSERT"]
    latest, _ = read_all(streams, arn, "LATEST")
    assert latest == []


def test_keys_only_and_batch_writes(ddb, streams):
    arn = make(ddb, "keysonly", "KEYS_ONLY")["LatestStreamArn"]
    ddb.batch_write_item(RequestItems={"keysonly": [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "x": {"S": "y"}}}} for i in range(3)]})
    records, _ = read_all(streams, arn)
    assert len(records) == 3 and all(set(r["dynamodb"]) >= {"Keys", "SequenceNumber"} and "NewImage" not in r["dynamodb"] for r in records)


def test_list_and_describe(ddb, streams):
    desc = make(ddb, "listed", "NEW_IMAGE")
    listed = streams.list_streams(TableName="listed")["Streams"]
    assert listed == [{"StreamArn": desc["LatestStreamArn"], "TableName": "listed", "StreamLabel": desc["LatestStreamLabel"]}]
    d = streams.describe_stream(StreamArn=desc["LatestStreamArn"])["StreamDescription"]
    assert d["StreamStatus"] == "ENABLED" and d["StreamViewType"] == "NEW_IMAGE"
    assert d["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    with pytest.raises(ClientError) as info:
        streams.describe_stream(StreamArn=desc["LatestStreamArn"] + "x")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_ttl_removals_are_marked(server, ddb, streams):
    arn = make(ddb, "ttlstream", "OLD_IMAGE")["LatestStreamArn"]
    ddb.update_time_to_live(TableName="ttlstream", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.put_item(TableName="ttlstream", Item={"pk": {"S": "t"}, "exp": {"N": str(int(time.time()) + 60)}})
    try:
        http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": 120})
        deadline = time.time() + 10
        while time.time() < deadline and "Item" in ddb.get_item(TableName="ttlstream", Key={"pk": {"S": "t"}}):
            time.sleep(0.2)
    finally:
        http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})
    records, _ = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert records[1]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert records[1]["dynamodb"]["OldImage"]["pk"] == {"S": "t"}


def test_stream_records_survive_restart(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path)
    ddb, streams = srv.client("dynamodb"), srv.client("dynamodbstreams")
    arn = make(ddb, "durablestream", "NEW_IMAGE")["LatestStreamArn"]
    for i in range(3):
        ddb.put_item(TableName="durablestream", Item={"pk": {"S": f"k{i}"}})
    before, _ = read_all(streams, arn)
    assert srv.stop() == 0
    srv = start_server(data_dir=tmp_path)
    ddb, streams = srv.client("dynamodb"), srv.client("dynamodbstreams")
    after, _ = read_all(streams, arn)
    assert after == before
    ddb.put_item(TableName="durablestream", Item={"pk": {"S": "k9"}})
    latest, _ = read_all(streams, arn)
    assert int(latest[-1]["dynamodb"]["SequenceNumber"]) > int(before[-1]["dynamodb"]["SequenceNumber"])
