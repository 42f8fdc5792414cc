"""Error envelopes as real clients parse them: each protocol's shape, status, code, message
and request-id headers. A server with every AWS service disabled answers each AWS client in
that service's own protocol; services ruststack does not emulate get a clear error in the
protocol their client speaks."""

import re
import uuid

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import Server, make_client


@pytest.fixture(scope="module")
def fastly_only():
    srv = Server(args=["--services", "fastly"])
    yield srv
    srv.stop()


def client_error(call) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    return info.value


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def test_s3_rest_xml_envelope(fastly_only):
    err = client_error(lambda: fastly_only.client("s3").list_buckets())
    meta = err.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 501
    assert err.response["Error"]["Code"] == "NotImplemented"
    assert err.response["Error"]["Message"] == (
        "Service 's3' is not enabled. Please check your 'SERVICES' configuration variable."
    )
    assert re.fullmatch(r"[0-9A-F]{16}", meta["RequestId"])
    assert meta["HostId"] and meta["HTTPHeaders"]["x-amz-id-2"] == meta["HostId"]
    assert meta["HTTPHeaders"]["content-type"] == "application/xml"


def test_s3_head_error_has_no_body(fastly_only):
    err = client_error(lambda: fastly_only.client("s3").head_bucket(Bucket="some-bucket"))
    meta = err.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 501
    assert "x-amz-request-id" in meta["HTTPHeaders"]
    assert meta["HTTPHeaders"].get("content-length") == "0"


def test_dynamodb_json_1_0_envelope(fastly_only):
    err = client_error(lambda: fastly_only.client("dynamodb").list_tables())
    meta = err.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 501
    assert err.response["Error"]["Code"] == "InternalFailure"
    assert "'dynamodb' is not enabled" in err.response["Error"]["Message"]
    assert is_uuid(meta["RequestId"])
    # botocore checks x-amz-crc32 for DynamoDB and would raise if it were wrong.
    assert "x-amz-crc32" in meta["HTTPHeaders"]
    assert meta["HTTPHeaders"]["x-amzn-errortype"] == "InternalFailure"


def test_dynamodb_streams_is_its_own_service(fastly_only):
    err = client_error(lambda: fastly_only.client("dynamodbstreams").list_streams())
    assert "'dynamodbstreams' is not enabled" in err.response["Error"]["Message"]


def test_logs_json_1_1_envelope(fastly_only):
    err = client_error(lambda: fastly_only.client("logs").describe_log_groups())
    meta = err.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 501
    assert err.response["Error"]["Code"] == "InternalFailure"
    assert "'logs' is not enabled" in err.response["Error"]["Message"]
    assert is_uuid(meta["RequestId"])
    assert meta["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_lambda_rest_json_envelope(fastly_only):
    err = client_error(lambda: fastly_only.client("lambda").list_functions())
    meta = err.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 501
    assert err.response["Error"]["Code"] == "InternalFailure"
    assert "'lambda' is not enabled" in err.response["Error"]["Message"]
    assert is_uuid(meta["RequestId"])
    assert meta["HTTPHeaders"]["x-amzn-errortype"] == "InternalFailure"


def test_unsigned_requests_get_the_same_envelopes(fastly_only):
    unsigned = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})
    err = client_error(lambda: fastly_only.client("s3", config=unsigned).list_objects_v2(Bucket="b"))
    assert err.response["Error"]["Code"] == "NotImplemented"
    err = client_error(lambda: fastly_only.client("lambda", config=unsigned).get_function(FunctionName="f"))
    assert "'lambda' is not enabled" in err.response["Error"]["Message"]


def test_query_protocol_service_is_named(fastly_only):
    # STS speaks the query protocol; ruststack does not emulate it.
    err = client_error(lambda: fastly_only.client("sts").get_caller_identity())
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert err.response["Error"]["Code"] == "InternalFailure"
    assert "Service 'sts' is not emulated by ruststack" in err.response["Error"]["Message"]


def test_json_service_not_emulated_is_named(fastly_only):
    err = client_error(lambda: fastly_only.client("kinesis").list_streams())
    assert err.response["Error"]["Code"] == "InternalFailure"
    assert "is not emulated by ruststack" in err.response["Error"]["Message"]


def test_aws_cli_prints_the_error(fastly_only):
    import subprocess
    import sys

    from conftest import clean_env

    env = clean_env({
        "AWS_ENDPOINT_URL": fastly_only.url, "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
    })
    out = subprocess.run(
        [sys.executable, "-m", "awscli", "dynamodb", "list-tables"], env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode != 0
    assert "An error occurred (InternalFailure) when calling the ListTables operation" in out.stderr
    assert "'dynamodb' is not enabled" in out.stderr


def test_disabled_service_leaves_others_alone(fastly_only):
    # The server keeps serving after any number of refused requests.
    for _ in range(20):
        client_error(lambda: fastly_only.client("logs").describe_log_groups())
    assert make_client(fastly_only.url, "s3") is not None
