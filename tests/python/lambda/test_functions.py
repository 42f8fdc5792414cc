"""Functions: CreateFunction from a zip or from ruststack's own S3, the configuration AWS
returns, State and LastUpdateStatus with boto3's waiters, code download, listing and
pagination, configuration and code updates, deletion, validation errors as AWS words them,
tags, reserved concurrency, resource policies, the AWS CLI, and durability."""

import json
import re

import pytest
import requests
from botocore.config import Config

from lambda_support import (
    NODE, PYTHON, ROLE, code_sha256, create_function, error, error_of, function_arn, invoke,
    make_zip, not_found, tail_of, unique, wait_active, wait_updated,
)

HANDLER = '''\
import os


def handler(event, context):
    return {
        "v": 1,
        "mode": os.environ.get("MODE"),
        "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        "event": event,
    }
'''

HANDLER2 = '''\
import os


def handler(event, context):
    return {"v": "handler2", "mode": os.environ.get("MODE")}
'''

NODE_INDEX = '''\
exports.handler = async (event) => ({ v: "node", mode: process.env.MODE || null });
'''

ZIP = make_zip({"handler.py": HANDLER, "handler2.py": HANDLER2, "index.js": NODE_INDEX})
ZIP_V3 = make_zip({"handler.py": HANDLER.replace('"v": 1', '"v": 3')})

LAST_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


@pytest.fixture(scope="module")
def shared(lam):
    """One active function the read-only tests share."""
    name = unique("shared")
    create_function(lam, name, ZIP)
    return name


def test_create_returns_the_configuration_pending_then_active(lam):
    name = unique("create")
    created = lam.create_function(
        FunctionName=name, Runtime=PYTHON, Handler="handler.handler", Role=ROLE,
        Code={"ZipFile": ZIP}, Description="first", Environment={"Variables": {"MODE": "one"}},
        Tags={"team": "a"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == function_arn(name)
    assert created["Runtime"] == PYTHON and created["Handler"] == "handler.handler"
    assert created["Role"] == ROLE and created["Description"] == "first"
    assert created["Timeout"] == 3 and created["MemorySize"] == 128
    assert created["Version"] == "$LATEST" and created["PackageType"] == "Zip"
    assert created["Architectures"] == ["x86_64"]
    assert created["CodeSize"] == len(ZIP)
    assert created["CodeSha256"] == code_sha256(ZIP)
    assert created["Environment"] == {"Variables": {"MODE": "one"}}
    assert created["EphemeralStorage"] == {"Size": 512}
    assert created["TracingConfig"] == {"Mode": "PassThrough"}
    assert created["LoggingConfig"]["LogGroup"] == f"/aws/lambda/{name}"
    assert created["LoggingConfig"]["LogFormat"] == "Text"
    assert LAST_MODIFIED.match(created["LastModified"]), created["LastModified"]
    assert created["RevisionId"]
    # A new function is Pending while it is being created, as on AWS.
    assert created["State"] == "Pending"
    assert created["StateReasonCode"] == "Creating"
    assert created["StateReason"] == "The function is being created."

    lam.get_waiter("function_active_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    got = lam.get_function(FunctionName=name)
    cfg = got["Configuration"]
    assert cfg["State"] == "Active" and cfg["LastUpdateStatus"] == "Successful"
    assert cfg["FunctionArn"] == function_arn(name) and cfg["CodeSha256"] == code_sha256(ZIP)
    assert got["Tags"] == {"team": "a"}
    assert got["Code"]["RepositoryType"] == "S3"
    download = requests.get(got["Code"]["Location"], timeout=10)
    assert download.status_code == 200 and download.content == ZIP

    only_cfg = lam.get_function_configuration(FunctionName=name)
    for key in ("FunctionArn", "CodeSha256", "CodeSize", "Handler", "Runtime", "Environment",
                "State", "LastUpdateStatus", "RevisionId", "Version"):
        assert only_cfg[key] == cfg[key], key
    # The function is addressable by its ARN too.
    assert lam.get_function(FunctionName=function_arn(name))["Configuration"]["FunctionName"] == name


def test_create_from_the_servers_own_s3(lam, s3):
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="pkg/fn.zip", Body=ZIP)
    name = unique("from-s3")
    cfg = create_function(lam, name, code={"S3Bucket": bucket, "S3Key": "pkg/fn.zip"})
    assert cfg["CodeSha256"] == code_sha256(ZIP) and cfg["CodeSize"] == len(ZIP)
    response, body = invoke(lam, name, {"from": "s3"})
    assert response["StatusCode"] == 200 and body["v"] == 1 and body["event"] == {"from": "s3"}

    # UpdateFunctionCode from S3 as well.
    s3.put_object(Bucket=bucket, Key="pkg/v3.zip", Body=ZIP_V3)
    updated = lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="pkg/v3.zip")
    assert updated["CodeSha256"] == code_sha256(ZIP_V3)
    wait_updated(lam, name)
    assert invoke(lam, name, {})[1]["v"] == 3

    code, message = error(lambda: lam.create_function(
        FunctionName=unique("nokey"), Runtime=PYTHON, Handler="handler.handler", Role=ROLE,
        Code={"S3Bucket": bucket, "S3Key": "missing.zip"}))
    assert code == "InvalidParameterValueException"
    assert message == ("Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                       "S3 Error Message: The specified key does not exist.")


def test_duplicate_and_missing_functions(lam, shared):
    response = error_of(lambda: lam.create_function(
        FunctionName=shared, Runtime=PYTHON, Handler="handler.handler", Role=ROLE,
        Code={"ZipFile": ZIP}))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ResourceConflictException", f"Function already exist: {shared}")

    missing = unique("missing")
    expected = ("ResourceNotFoundException", not_found(missing))
    response = error_of(lambda: lam.get_function(FunctionName=missing))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (response["Error"]["Code"], response["Error"]["Message"]) == expected
    assert error(lambda: lam.get_function_configuration(FunctionName=missing)) == expected
    assert error(lambda: lam.delete_function(FunctionName=missing)) == expected
    assert error(lambda: lam.update_function_code(FunctionName=missing, ZipFile=ZIP)) == expected
    assert error(lambda: lam.update_function_configuration(FunctionName=missing, Timeout=5)) == expected
    assert error(lambda: lam.invoke(FunctionName=missing, Payload=b"{}")) == expected
    # A version that does not exist names the qualified ARN.
    assert error(lambda: lam.get_function(FunctionName=shared, Qualifier="42")) == (
        "ResourceNotFoundException", not_found(shared, "42"))


def test_validation_errors_as_aws_words_them(lam, server):
    base = {"Role": ROLE, "Code": {"ZipFile": ZIP}}

    code, message = error(lambda: lam.create_function(
        FunctionName=unique("rt"), Runtime="python2.1", Handler="handler.handler", **base))
    assert code == "InvalidParameterValueException"
    assert message.startswith("Value python2.1 at 'runtime' failed to satisfy constraint: "
                              "Member must satisfy enum value set: [")
    assert message.endswith("] or be a valid ARN")
    assert "python3.11" in message and "nodejs20.x" in message

    assert error(lambda: lam.create_function(FunctionName=unique("nohandler"), Runtime=PYTHON, **base)) == (
        "InvalidParameterValueException",
        "Runtime and Handler are mandatory parameters for functions created with deployment packages.")

    code, message = error(lambda: lam.create_function(
        FunctionName=unique("image"), Role=ROLE, PackageType="Image",
        Code={"ImageUri": "000000000000.dkr.ecr.us-east-1.amazonaws.com/app:latest"}))
    assert code == "InvalidParameterValueException"
    assert "image" in message.lower() and "not supported" in message.lower(), message

    assert error(lambda: lam.create_function(
        FunctionName=unique("badzip"), Runtime=PYTHON, Handler="handler.handler", Role=ROLE,
        Code={"ZipFile": b"this is not a zip archive"})) == (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.")

    assert error(lambda: lam.create_function(
        FunctionName=unique("reserved"), Runtime=PYTHON, Handler="handler.handler",
        Environment={"Variables": {"AWS_REGION": "eu-west-1", "MINE": "ok"}}, **base)) == (
        "InvalidParameterValueException",
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        "for modification. Reserved keys used in this request: AWS_REGION")

    # Constraints botocore would check client-side are checked by the service too.
    raw = server.client("lambda", config=Config(parameter_validation=False,
                                                retries={"max_attempts": 1, "mode": "standard"}))
    code, message = error(lambda: raw.create_function(
        FunctionName=unique("timeout"), Runtime=PYTHON, Handler="handler.handler", Timeout=0, **base))
    assert code == "ValidationException"
    assert "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1" in message
    code, message = error(lambda: raw.create_function(
        FunctionName=unique("memory"), Runtime=PYTHON, Handler="handler.handler", MemorySize=64, **base))
    assert code == "ValidationException"
    assert "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128" in message
    code, message = error(lambda: lam.create_function(
        FunctionName="bad name!", Runtime=PYTHON, Handler="handler.handler", **base))
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value 'bad name!' at 'functionName' "
                              "failed to satisfy constraint: Member must satisfy regular expression pattern:")


def test_list_functions_pages_with_marker_and_paginator(lam):
    names = {unique("list") for _ in range(3)}
    for name in names:
        create_function(lam, name, ZIP, wait=False)
    first = lam.list_functions(MaxItems=2)
    assert len(first["Functions"]) == 2 and first["NextMarker"]
    seen = [f["FunctionName"] for f in first["Functions"]]
    marker = first["NextMarker"]
    while marker:
        page = lam.list_functions(MaxItems=2, Marker=marker)
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
    assert len(seen) == len(set(seen)), "a function was listed twice"
    assert names <= set(seen)
    paged = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 1}) for f in p["Functions"]]
    assert sorted(paged) == sorted(seen)
    listed = next(f for f in lam.list_functions()["Functions"] if f["FunctionName"] in names)
    assert listed["FunctionArn"] == function_arn(listed["FunctionName"])
    assert listed["Runtime"] == PYTHON and listed["CodeSha256"] == code_sha256(ZIP)
    for name in names:
        wait_active(lam, name)


def test_update_configuration_applies_to_the_next_invoke(lam):
    name = unique("update")
    create_function(lam, name, ZIP, Environment={"Variables": {"MODE": "one"}})
    assert invoke(lam, name, {})[1]["mode"] == "one"

    updated = lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"MODE": "two"}}, Timeout=10,
        MemorySize=256, Description="second", Handler="handler2.handler")
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    assert updated["LastUpdateStatusReason"] == "The function is being created."
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    cfg = lam.get_function_configuration(FunctionName=name)
    assert cfg["Environment"] == {"Variables": {"MODE": "two"}}
    assert (cfg["Timeout"], cfg["MemorySize"], cfg["Description"], cfg["Handler"]) == (
        10, 256, "second", "handler2.handler")
    assert cfg["LastUpdateStatus"] == "Successful"
    assert invoke(lam, name, {})[1] == {"v": "handler2", "mode": "two"}

    # Back to the first handler: the memory size reaches the function's environment.
    lam.update_function_configuration(FunctionName=name, Handler="handler.handler")
    wait_updated(lam, name)
    body = invoke(lam, name, {})[1]
    assert (body["v"], body["mode"], body["memory"]) == (1, "two", "256")

    # Another runtime: the same package holds index.js.
    lam.update_function_configuration(FunctionName=name, Runtime=NODE, Handler="index.handler")
    wait_updated(lam, name)
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == NODE
    assert invoke(lam, name, {})[1] == {"v": "node", "mode": "two"}

    # Removing the environment.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    wait_updated(lam, name)
    assert invoke(lam, name, {})[1] == {"v": "node", "mode": None}


def test_update_code_changes_sha_size_and_behaviour(lam):
    name = unique("code")
    created = create_function(lam, name, ZIP)
    updated = lam.update_function_code(FunctionName=name, ZipFile=ZIP_V3)
    assert updated["CodeSha256"] == code_sha256(ZIP_V3) and updated["CodeSize"] == len(ZIP_V3)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["RevisionId"] != created["RevisionId"]
    cfg = wait_updated(lam, name)
    assert cfg["CodeSha256"] == code_sha256(ZIP_V3)
    assert invoke(lam, name, {})[1]["v"] == 3
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert requests.get(location, timeout=10).content == ZIP_V3


def test_delete_function(lam):
    name = unique("delete")
    create_function(lam, name, ZIP)
    assert invoke(lam, name, {})[0]["StatusCode"] == 200
    deleted = lam.delete_function(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)
    assert error(lambda: lam.get_function(FunctionName=name)) == (
        "ResourceNotFoundException",
        f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}")
    assert error(lambda: lam.invoke(FunctionName=name))[0] == "ResourceNotFoundException"
    assert name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    # The name can be used again.
    create_function(lam, name, ZIP_V3)
    assert invoke(lam, name, {})[1]["v"] == 3


def test_tags(lam, shared):
    arn = function_arn(shared)
    assert lam.list_tags(Resource=arn)["Tags"] == {}
    lam.tag_resource(Resource=arn, Tags={"env": "test", "owner": "me"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "test", "owner": "me"}
    lam.tag_resource(Resource=arn, Tags={"env": "prod"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod", "owner": "me"}
    assert lam.get_function(FunctionName=shared)["Tags"] == {"env": "prod", "owner": "me"}
    lam.untag_resource(Resource=arn, TagKeys=["owner"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod"}
    lam.untag_resource(Resource=arn, TagKeys=["env"])
    assert lam.list_tags(Resource=arn)["Tags"] == {}
    missing = function_arn(unique("nobody"))
    assert error(lambda: lam.list_tags(Resource=missing))[0] == "ResourceNotFoundException"


def test_reserved_concurrency_settings(lam, shared):
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=shared)
    put = lam.put_function_concurrency(FunctionName=shared, ReservedConcurrentExecutions=5)
    assert put["ReservedConcurrentExecutions"] == 5
    assert lam.get_function_concurrency(FunctionName=shared)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=shared)["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    lam.delete_function_concurrency(FunctionName=shared)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=shared)
    assert "Concurrency" not in lam.get_function(FunctionName=shared)
    missing = unique("nobody")
    assert error(lambda: lam.put_function_concurrency(
        FunctionName=missing, ReservedConcurrentExecutions=1))[0] == "ResourceNotFoundException"


def test_resource_policy(lam, shared):
    assert error(lambda: lam.get_policy(FunctionName=shared)) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    added = lam.add_permission(
        FunctionName=shared, StatementId="s3-invoke", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::some-bucket",
        SourceAccount="000000000000")
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = json.loads(added["Statement"])
    assert statement["Sid"] == "s3-invoke" and statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == function_arn(shared)
    assert statement["Condition"]["ArnLike"] == {"AWS:SourceArn": "arn:aws:s3:::some-bucket"}
    assert statement["Condition"]["StringEquals"] == {"AWS:SourceAccount": "000000000000"}

    lam.add_permission(FunctionName=shared, StatementId="logs-invoke", Action="lambda:InvokeFunction",
                       Principal="logs.amazonaws.com")
    response = error_of(lambda: lam.add_permission(
        FunctionName=shared, StatementId="s3-invoke", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com"))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ResourceConflictException",
        "The statement id (s3-invoke) provided already exists. Please provide a new statement id, "
        "or remove the existing statement.")

    got = lam.get_policy(FunctionName=shared)
    policy = json.loads(got["Policy"])
    assert policy["Version"] == "2012-10-17" and policy["Id"] == "default"
    assert [s["Sid"] for s in policy["Statement"]] == ["s3-invoke", "logs-invoke"]
    assert policy["Statement"][0] == statement
    assert got["RevisionId"]

    lam.remove_permission(FunctionName=shared, StatementId="s3-invoke")
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=shared)["Policy"])["Statement"]] == ["logs-invoke"]
    assert error(lambda: lam.remove_permission(FunctionName=shared, StatementId="s3-invoke")) == (
        "ResourceNotFoundException", "Statement s3-invoke is not found in resource policy.")
    lam.remove_permission(FunctionName=shared, StatementId="logs-invoke")
    assert error(lambda: lam.get_policy(FunctionName=shared))[0] == "ResourceNotFoundException"


def test_aws_cli_create_invoke_get(aws, tmp_path):
    name = unique("cli")
    package = tmp_path / "fn.zip"
    package.write_bytes(ZIP)
    out = aws("lambda", "create-function", "--function-name", name, "--runtime", PYTHON,
              "--handler", "handler.handler", "--role", ROLE, "--zip-file", f"fileb://{package}",
              "--environment", "Variables={MODE=cli}")
    assert out.returncode == 0, out.stderr
    created = json.loads(out.stdout)
    assert created["FunctionArn"] == function_arn(name)
    assert created["CodeSha256"] == code_sha256(ZIP)
    out = aws("lambda", "wait", "function-active-v2", "--function-name", name)
    assert out.returncode == 0, out.stderr

    result = tmp_path / "out.json"
    out = aws("lambda", "invoke", "--function-name", name, "--payload", '{"from": "cli"}',
              "--log-type", "Tail", str(result))
    assert out.returncode == 0, out.stderr
    meta = json.loads(out.stdout)
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in meta
    assert "REPORT RequestId: " in tail_of(meta)
    body = json.loads(result.read_text())
    assert body == {"v": 1, "mode": "cli", "memory": "128", "event": {"from": "cli"}}

    out = aws("lambda", "get-function", "--function-name", name)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Configuration"]["Environment"] == {"Variables": {"MODE": "cli"}}
    out = aws("lambda", "list-functions")
    assert name in [f["FunctionName"] for f in json.loads(out.stdout)["Functions"]]
    out = aws("lambda", "delete-function", "--function-name", name)
    assert out.returncode == 0, out.stderr
    out = aws("lambda", "get-function", "--function-name", name)
    assert out.returncode != 0 and "ResourceNotFoundException" in out.stderr


def test_functions_survive_a_restart_with_a_data_dir(start_server, tmp_path):
    data = tmp_path / "data"
    first = start_server(data_dir=data)
    lam = first.client("lambda")
    name = unique("durable")
    create_function(lam, name, ZIP, Environment={"Variables": {"MODE": "kept"}}, Tags={"k": "v"})
    lam.publish_version(FunctionName=name)
    assert invoke(lam, name, {})[1]["mode"] == "kept"
    assert first.stop() == 0

    second = start_server(data_dir=data)
    lam = second.client("lambda")
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["CodeSha256"] == code_sha256(ZIP)
    assert got["Tags"] == {"k": "v"}
    assert requests.get(got["Code"]["Location"], timeout=10).content == ZIP
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1"]
    wait_active(lam, name)
    response, body = invoke(lam, name, {"after": "restart"})
    assert response["StatusCode"] == 200 and body["mode"] == "kept" and body["event"] == {"after": "restart"}


def test_operations_not_served_answer_501_with_their_name(lam, shared):
    for call, name in [
        (lambda: lam.get_provisioned_concurrency_config(FunctionName=shared, Qualifier="1"),
         "GetProvisionedConcurrencyConfig"),
        (lambda: lam.get_function_code_signing_config(FunctionName=shared),
         "GetFunctionCodeSigningConfig"),
    ]:
        with pytest.raises(lam.exceptions.ClientError) as info:
            call()
        response = info.value.response
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert response["Error"]["Code"] == "InternalFailure"
        assert response["Error"]["Message"] == (
            f"API action '{name}' for service 'lambda' not yet implemented")
