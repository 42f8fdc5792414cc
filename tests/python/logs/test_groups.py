"""Log groups: create/delete/describe with AWS's validations, pagination, retention, tags."""

import pytest
from botocore.exceptions import ClientError


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture
def logs(client):
    return client("logs")


def test_create_describe_delete(logs):
    logs.create_log_group(logGroupName="/app/one", tags={"team": "core"})
    groups = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/app/one"]
    g = groups[0]
    assert g["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one:*"
    assert g["logGroupArn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one"
    assert g["logGroupClass"] == "STANDARD" and g["metricFilterCount"] == 0
    assert "retentionInDays" not in g
    assert isinstance(g["creationTime"], int) and g["creationTime"] > 1_600_000_000_000
    logs.delete_log_group(logGroupName="/app/one")
    assert logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"] == []


def test_duplicate_and_missing(logs):
    logs.create_log_group(logGroupName="dup")
    assert error(lambda: logs.create_log_group(logGroupName="dup")) == (
        "ResourceAlreadyExistsException", "The specified log group already exists")
    assert error(lambda: logs.delete_log_group(logGroupName="nope")) == (
        "ResourceNotFoundException", "The specified log group does not exist.")


@pytest.mark.parametrize("name", ["has space", "semi;colon", "x" * 513])
def test_invalid_names(logs, name):
    code, message = error(lambda: logs.create_log_group(logGroupName=name))
    assert code == "InvalidParameterException"
    assert message.startswith("1 validation error detected: Value ")
    assert "at 'logGroupName' failed to satisfy constraint" in message


def test_pagination_and_pattern(logs):
    for i in range(7):
        logs.create_log_group(logGroupName=f"/page/g{i}")
    names, token = [], None
    while True:
        kwargs = {"logGroupNamePrefix": "/page/", "limit": 3}
        if token:
            kwargs["nextToken"] = token
        page = logs.describe_log_groups(**kwargs)
        assert len(page["logGroups"]) <= 3
        names += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert names == [f"/page/g{i}" for i in range(7)]
    matched = logs.describe_log_groups(logGroupNamePattern="g3")["logGroups"]
    assert [g["logGroupName"] for g in matched] == ["/page/g3"]
    code, _ = error(lambda: logs.describe_log_groups(logGroupNamePrefix="/p", logGroupNamePattern="g"))
    assert code == "InvalidParameterException"
    paginator = logs.get_paginator("describe_log_groups")
    all_names = [g["logGroupName"] for p in paginator.paginate(logGroupNamePrefix="/page/", PaginationConfig={"PageSize": 2}) for g in p["logGroups"]]
    assert all_names == names


def test_limit_bounds(logs):
    code, message = error(lambda: logs.describe_log_groups(limit=51))
    assert code == "InvalidParameterException" and "less than or equal to 50" in message


def test_retention(logs):
    logs.create_log_group(logGroupName="ret")
    logs.put_retention_policy(logGroupName="ret", retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]["retentionInDays"] == 7
    code, message = error(lambda: logs.put_retention_policy(logGroupName="ret", retentionInDays=2))
    assert code == "InvalidParameterException" and "enum value set: [1, 3, 5, 7, 14" in message
    logs.delete_retention_policy(logGroupName="ret")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]
    assert error(lambda: logs.put_retention_policy(logGroupName="none", retentionInDays=1))[0] == "ResourceNotFoundException"


def test_tags_by_name_and_arn(logs):
    logs.create_log_group(logGroupName="tagged", tags={"a": "1"})
    logs.tag_log_group(logGroupName="tagged", tags={"b": "2"})
    assert logs.list_tags_log_group(logGroupName="tagged")["tags"] == {"a": "1", "b": "2"}
    logs.untag_log_group(logGroupName="tagged", tags=["a"])
    arn = logs.describe_log_groups(logGroupNamePrefix="tagged")["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"c": "3"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2", "c": "3"}
    logs.untag_resource(resourceArn=arn, tagKeys=["b", "c"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    missing = arn.replace("tagged", "absent")
    assert error(lambda: logs.list_tags_for_resource(resourceArn=missing))[0] == "ResourceNotFoundException"


def test_accounts_and_regions_are_separate(server):
    from conftest import make_client

    a = make_client(server.url, "logs", aws_access_key_id="111111111111")
    b = make_client(server.url, "logs", aws_access_key_id="222222222222")
    west = make_client(server.url, "logs", region_name="eu-west-1")
    a.create_log_group(logGroupName="shared-name")
    b.create_log_group(logGroupName="shared-name")
    west.create_log_group(logGroupName="shared-name")
    arn = a.describe_log_groups()["logGroups"][0]["arn"]
    assert ":111111111111:" in arn
    assert ":eu-west-1:000000000000:" in west.describe_log_groups()["logGroups"][0]["arn"]
    a.delete_log_group(logGroupName="shared-name")
    assert b.describe_log_groups()["logGroups"][0]["logGroupName"] == "shared-name"
