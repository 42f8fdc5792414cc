"""Function URLs (config CRUD; requests through the path form /_aws/lambda-url/<id>/... and
the <id>.lambda-url.<region>.localhost host form, payload format 2.0 events, the function's
result mapped to the HTTP response) and event sources: S3 bucket notifications and DynamoDB
Streams event source mappings invoking functions with AWS's event shapes."""

import base64
import hashlib
import re
import time
import uuid

import pytest
import requests

from lambda_support import (
    create_function, create_recorder, error, error_of, function_arn, make_zip, recorded,
    unique, wait_for, wait_recorded,
)

URL_FUNCTION = '''\
import base64
import json


def handler(event, context):
    path = event.get("rawPath", "")
    if path == "/custom":
        return {
            "statusCode": 201,
            "headers": {"x-resp": "yes", "content-type": "text/plain"},
            "cookies": ["c1=v1; Path=/", "c2=v2"],
            "body": "created",
        }
    if path == "/binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(bytes([0, 1, 2, 255])).decode(),
            "isBase64Encoded": True,
        }
    if path == "/bare":
        return {"hello": "world", "n": 1}
    if path == "/fail":
        raise RuntimeError("url boom")
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
'''

URL_ID = re.compile(r"^https?://([a-z0-9]{32})\.lambda-url\.us-east-1\.[^/]+/$")


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def url_function(lam):
    """A function with a NONE-auth URL; returns (name, url id)."""
    name = unique("web")
    create_function(lam, name, make_zip({"handler.py": URL_FUNCTION}))
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    match = URL_ID.match(created["FunctionUrl"])
    assert match, created["FunctionUrl"]
    return name, match.group(1)


def path_url(server, url_id, path):
    return f"{server.url}/_aws/lambda-url/{url_id}{path}"


# --- function URL configs ---------------------------------------------------------------


def test_function_url_config_crud(lam):
    name = unique("urlcfg")
    create_function(lam, name, make_zip({"handler.py": URL_FUNCTION}))
    assert error(lambda: lam.get_function_url_config(FunctionName=name)) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")

    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert URL_ID.match(created["FunctionUrl"]), created["FunctionUrl"]
    assert created["FunctionArn"] == function_arn(name)
    assert created["AuthType"] == "NONE" and created["CreationTime"]

    response = error_of(lambda: lam.create_function_url_config(FunctionName=name, AuthType="NONE"))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {function_arn(name)}]. "
        "Error message:  FunctionUrlConfig exists for this Lambda function")

    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == created["FunctionUrl"] and got["FunctionArn"] == function_arn(name)
    assert got["AuthType"] == "NONE" and got["InvokeMode"] == "BUFFERED"
    assert got["CreationTime"] == created["CreationTime"] and got["LastModifiedTime"]

    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "MaxAge": 60}
    updated = lam.update_function_url_config(FunctionName=name, Cors=cors)
    assert updated["FunctionUrl"] == created["FunctionUrl"] and updated["AuthType"] == "NONE"
    assert updated["Cors"]["AllowOrigins"] == ["https://example.com"]
    assert lam.get_function_url_config(FunctionName=name)["Cors"]["AllowMethods"] == ["GET", "POST"]

    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [created["FunctionUrl"]]
    assert listed[0]["AuthType"] == "NONE"

    lam.delete_function_url_config(FunctionName=name)
    assert error(lambda: lam.get_function_url_config(FunctionName=name)) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
    url_id = URL_ID.match(created["FunctionUrl"]).group(1)
    assert requests.get(f"{lam.meta.endpoint_url}/_aws/lambda-url/{url_id}/", timeout=10).status_code >= 400

    missing = unique("nobody")
    assert error(lambda: lam.create_function_url_config(FunctionName=missing, AuthType="NONE"))[0] == \
        "ResourceNotFoundException"


# --- requests through the URL -----------------------------------------------------------


def test_path_form_delivers_a_payload_format_2_event(server, url_function):
    _, url_id = url_function
    before = time.time()
    r = requests.post(path_url(server, url_id, "/some/path?x=1&y=a%20b"), json={"k": "v"},
                      headers={"X-Custom": "hdr", "User-Agent": "lambda-tests/1.0", "Cookie": "a=1; b=2"},
                      timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    event = r.json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/some/path"
    assert event["rawQueryString"] == "x=1&y=a%20b"
    assert event["queryStringParameters"] == {"x": "1", "y": "a b"}
    assert event["headers"]["x-custom"] == "hdr"
    assert event["headers"]["content-type"] == "application/json"
    assert all(key == key.lower() for key in event["headers"])
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"k": "v"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "POST" and ctx["http"]["path"] == "/some/path"
    assert ctx["http"]["protocol"] == "HTTP/1.1" and ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["http"]["userAgent"] == "lambda-tests/1.0"
    assert ctx["apiId"] == url_id and ctx["stage"] == "$default" and ctx["routeKey"] == "$default"
    assert ctx["requestId"]
    assert abs(ctx["timeEpoch"] / 1000 - before) < 60


def test_host_form_delivers_the_same_event(server, url_function):
    _, url_id = url_function
    host = f"{url_id}.lambda-url.us-east-1.localhost:{server.port}"
    r = requests.get(f"{server.url}/hello/there?z=9", headers={"Host": host}, timeout=30)
    assert r.status_code == 200, r.text
    event = r.json()
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/hello/there" and event["rawQueryString"] == "z=9"
    assert event["queryStringParameters"] == {"z": "9"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["path"] == "/hello/there"
    assert event["headers"]["host"] == host
    assert event["isBase64Encoded"] is False


def test_binary_request_bodies_are_base64_encoded(server, url_function):
    _, url_id = url_function
    payload = bytes([0, 255, 1, 254]) + b"abc"
    r = requests.post(path_url(server, url_id, "/upload"), data=payload,
                      headers={"Content-Type": "application/octet-stream"}, timeout=30)
    event = r.json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_function_result_maps_to_the_http_response(server, url_function):
    _, url_id = url_function
    r = requests.get(path_url(server, url_id, "/custom"), timeout=30)
    assert r.status_code == 201
    assert r.headers["x-resp"] == "yes" and r.headers["content-type"] == "text/plain"
    assert r.raw.headers.getlist("Set-Cookie") == ["c1=v1; Path=/", "c2=v2"]
    assert r.text == "created"

    r = requests.get(path_url(server, url_id, "/binary"), timeout=30)
    assert r.status_code == 200 and r.content == bytes([0, 1, 2, 255])
    assert r.headers["content-type"] == "application/octet-stream"

    # A result without statusCode is a 200 JSON response of the value itself.
    r = requests.get(path_url(server, url_id, "/bare"), timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"hello": "world", "n": 1}

    # A function error is a 502.
    r = requests.get(path_url(server, url_id, "/fail"), timeout=30)
    assert r.status_code == 502


# --- S3 notifications -------------------------------------------------------------------


def test_s3_notification_invokes_the_function(server, lam, tmp_path):
    s3 = server.client("s3")
    name = unique("s3-rec")
    arn = create_recorder(lam, name, tmp_path)
    bucket = unique("notify")
    s3.create_bucket(Bucket=bucket)
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "to-lambda", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
        }]})
    s3.put_object(Bucket=bucket, Key="skip/x.txt", Body=b"ignored")
    s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"hello")

    def keys(records):
        return [r["event"]["Records"][0]["s3"]["object"]["key"] for r in records]

    records = wait_recorded(tmp_path, lambda rs: "in/a+b.txt" in keys(rs), what="the S3 event")
    event = next(r["event"] for r in records if keys([r]) == ["in/a+b.txt"])
    assert len(event["Records"]) == 1
    record = event["Records"][0]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"]
    s3_part = record["s3"]
    assert s3_part["s3SchemaVersion"] == "1.0"
    assert s3_part["configurationId"] == "to-lambda"
    assert s3_part["bucket"]["name"] == bucket
    assert s3_part["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert s3_part["object"]["key"] == "in/a+b.txt"
    assert s3_part["object"]["size"] == 5
    assert s3_part["object"]["eTag"] == hashlib.md5(b"hello").hexdigest()
    assert s3_part["object"]["sequencer"]
    time.sleep(0.5)
    assert "skip/x.txt" not in keys(recorded(tmp_path))


# --- DynamoDB Streams event source mappings ---------------------------------------------


def make_table(ddb, name):
    return ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]


def stream_records(records):
    return [rec for r in records for rec in r["event"]["Records"]]


def wait_state(lam, uuid_, state, timeout=10):
    return wait_for(lambda: lam.get_event_source_mapping(UUID=uuid_)["State"] == state, timeout,
                    what=f"the event source mapping to be {state}")


def test_dynamodb_stream_mapping_from_trim_horizon(server, lam, tmp_path):
    ddb = server.client("dynamodb")
    table = unique("orders")
    stream_arn = make_table(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k1"}, "n": {"N": "5"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "k2"}, "tags": {"SS": ["a", "b"]}})
    name = unique("ddb-rec")
    create_recorder(lam, name, tmp_path)

    created = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON", BatchSize=10)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert uuid.UUID(created["UUID"])
    assert created["EventSourceArn"] == stream_arn
    assert created["FunctionArn"] == function_arn(name)
    assert created["BatchSize"] == 10 and created["StartingPosition"] == "TRIM_HORIZON"
    assert created["State"] == "Creating"
    wait_state(lam, created["UUID"], "Enabled")

    records = stream_records(wait_recorded(
        tmp_path, lambda rs: len(stream_records(rs)) >= 2, what="the two stream records"))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["k1", "k2"]
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventName"] == "INSERT"
    assert first["eventVersion"] == "1.1"
    assert first["awsRegion"] == "us-east-1"
    assert first["eventSourceARN"] == stream_arn
    assert first["eventID"]
    assert first["dynamodb"]["NewImage"] == {"pk": {"S": "k1"}, "n": {"N": "5"}}
    assert "OldImage" not in first["dynamodb"]
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert first["dynamodb"]["SequenceNumber"] and first["dynamodb"]["SizeBytes"] > 0
    assert records[1]["dynamodb"]["NewImage"]["tags"] == {"SS": ["a", "b"]}

    # A modification arrives with both images.
    ddb.update_item(TableName=table, Key={"pk": {"S": "k1"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "6"}})
    records = stream_records(wait_recorded(
        tmp_path, lambda rs: len(stream_records(rs)) >= 3, what="the MODIFY record"))
    modify = records[2]
    assert modify["eventName"] == "MODIFY"
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "5"}
    assert modify["dynamodb"]["NewImage"]["n"] == {"N": "6"}


def test_dynamodb_stream_mapping_latest_batch_size_disable_delete(server, lam, tmp_path):
    ddb = server.client("dynamodb")
    table = unique("events")
    stream_arn = make_table(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    name = unique("ddb-latest")
    create_recorder(lam, name, tmp_path)

    created = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST", BatchSize=1)
    mapping = created["UUID"]
    wait_state(lam, mapping, "Enabled")
    got = lam.get_event_source_mapping(UUID=mapping)
    assert got["BatchSize"] == 1 and got["StartingPosition"] == "LATEST"
    assert got["FunctionArn"] == function_arn(name) and got["EventSourceArn"] == stream_arn

    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping]
    listed = lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping]

    ddb.put_item(TableName=table, Item={"pk": {"S": "a1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a2"}})
    invocations = wait_recorded(tmp_path, lambda rs: len(stream_records(rs)) >= 2, what="two records")
    assert all(len(r["event"]["Records"]) == 1 for r in invocations), "BatchSize 1 means one record per call"
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in stream_records(invocations)) == ["a1", "a2"]

    # Disabled: new records are not delivered.
    disabled = lam.update_event_source_mapping(UUID=mapping, Enabled=False)
    assert disabled["State"] == "Disabling"
    wait_state(lam, mapping, "Disabled")
    ddb.put_item(TableName=table, Item={"pk": {"S": "while-disabled"}})
    time.sleep(1.5)
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in stream_records(recorded(tmp_path))]
    assert "while-disabled" not in keys and "before" not in keys

    deleted = lam.delete_event_source_mapping(UUID=mapping)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["State"] == "Deleting"

    def gone():
        try:
            lam.get_event_source_mapping(UUID=mapping)
            return False
        except lam.exceptions.ResourceNotFoundException as e:
            return e.response["Error"]["Message"] == "The resource you requested does not exist."

    wait_for(gone, 10, what="the mapping to be deleted")
    assert lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"] == []


def test_event_source_mapping_errors(server, lam, tmp_path):
    ddb = server.client("dynamodb")
    stream_arn = make_table(ddb, unique("errs"))
    name = unique("esm-errs")
    create_recorder(lam, name, tmp_path)
    code, message = error(lambda: lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name))
    assert code == "InvalidParameterValueException" and "startingPosition" in message
    assert error(lambda: lam.get_event_source_mapping(UUID=str(uuid.uuid4()))) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert error(lambda: lam.delete_event_source_mapping(UUID=str(uuid.uuid4())))[0] == "ResourceNotFoundException"
