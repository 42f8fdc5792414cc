"""Filter patterns through FilterLogEvents and TestMetricFilter; subscription and metric
filters stored, listed, limited and deleted."""

import json
import time

import pytest
from botocore.exceptions import ClientError


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture
def logs(client):
    return client("logs")


@pytest.fixture
def group(logs):
    logs.create_log_group(logGroupName="flt")
    logs.create_log_stream(logGroupName="flt", logStreamName="s")
    yield "flt"
    logs.delete_log_group(logGroupName="flt")


MESSAGES = [
    "ERROR database timeout",
    "INFO request served",
    "WARN disk almost full",
    json.dumps({"level": "ERROR", "latency": 250, "user": {"id": 7}}),
    json.dumps({"level": "INFO", "latency": 20, "user": {"id": 8}}),
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 404 2326',
    '127.0.0.1 - alice [10/Oct/2000:13:55:37 -0700] "GET /b.gif HTTP/1.0" 200 100',
]


@pytest.mark.parametrize(
    "pattern,expected",
    [
        ("", list(range(7))),
        # Terms match anywhere in the message, JSON text included.
        ("ERROR", [0, 3]),
        ("ERROR timeout", [0]),
        ('"request served"', [1]),
        ("?ERROR ?WARN", [0, 2, 3]),
        ("GET -frank", [6]),
        ('{ $.level = "ERROR" }', [3]),
        ("{ $.latency > 100 }", [3]),
        ('{ $.level = "INFO" && $.latency < 100 }', [4]),
        ("{ $.user.id = 8 }", [4]),
        ("{ $.missing NOT EXISTS }", [3, 4]),
        ("[ip, id, user, timestamp, request, status_code = 404, bytes]", [5]),
        ("[ip, id, user, ..., status_code = 2*, bytes]", [6]),
        ("[..., bytes > 1000]", [5]),
    ],
)
def test_filter_patterns(logs, group, pattern, expected):
    t = int(time.time() * 1000) - 10_000
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": t + i, "message": m} for i, m in enumerate(MESSAGES)])
    got = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    assert [MESSAGES.index(e["message"]) for e in got] == expected


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR"', "[a, b", '"unterminated'])
def test_malformed_patterns_are_invalid_parameter(logs, group, pattern):
    code, message = error(lambda: logs.filter_log_events(logGroupName=group, filterPattern=pattern))
    assert code == "InvalidParameterException" and message


def test_test_metric_filter_extracts_values(logs):
    out = logs.test_metric_filter(
        filterPattern="[ip, id, user, timestamp, request, status_code, bytes]",
        logEventMessages=[MESSAGES[5], "not enough fields"],
    )
    assert len(out["matches"]) == 1
    match = out["matches"][0]
    assert match["eventNumber"] == 1 and match["eventMessage"] == MESSAGES[5]
    values = match["extractedValues"]
    assert values["$status_code"] == "404" and values["$bytes"] == "2326"
    none = logs.test_metric_filter(filterPattern="ERROR", logEventMessages=["all fine"])
    assert none["matches"] == []


def test_subscription_filters(logs, group):
    arn = "arn:aws:lambda:us-east-1:000000000000:function:sink"
    logs.put_subscription_filter(logGroupName=group, filterName="one", filterPattern="ERROR", destinationArn=arn)
    logs.put_subscription_filter(logGroupName=group, filterName="two", filterPattern="", destinationArn=arn, distribution="Random")
    filters = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert [(f["filterName"], f["filterPattern"], f["distribution"]) for f in filters] == [
        ("one", "ERROR", "ByLogStream"), ("two", "", "Random")]
    assert filters[0]["destinationArn"] == arn and filters[0]["logGroupName"] == group
    # Replacing an existing filter is fine; a third one exceeds the quota of two.
    logs.put_subscription_filter(logGroupName=group, filterName="one", filterPattern="WARN", destinationArn=arn)
    assert error(lambda: logs.put_subscription_filter(logGroupName=group, filterName="three", filterPattern="", destinationArn=arn)) == (
        "LimitExceededException", "Resource limit exceeded.")
    assert error(lambda: logs.put_subscription_filter(logGroupName=group, filterName="bad", filterPattern="{ oops", destinationArn=arn))[0] == "InvalidParameterException"
    assert [f["filterName"] for f in logs.describe_subscription_filters(logGroupName=group, filterNamePrefix="t")["subscriptionFilters"]] == ["two"]
    logs.delete_subscription_filter(logGroupName=group, filterName="one")
    assert error(lambda: logs.delete_subscription_filter(logGroupName=group, filterName="one"))[0] == "ResourceNotFoundException"


def test_metric_filters(logs, group):
    transformation = {"metricName": "Errors", "metricNamespace": "App", "metricValue": "1", "defaultValue": 0.0}
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR", metricTransformations=[transformation])
    listed = logs.describe_metric_filters(logGroupName=group)["metricFilters"]
    assert listed[0]["filterName"] == "errors" and listed[0]["metricTransformations"][0]["metricName"] == "Errors"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["metricFilterCount"] == 1
    by_metric = logs.describe_metric_filters(metricName="Errors", metricNamespace="App")["metricFilters"]
    assert [f["logGroupName"] for f in by_metric] == [group]
    assert error(lambda: logs.describe_metric_filters(metricName="Errors"))[0] == "InvalidParameterException"
    logs.delete_metric_filter(logGroupName=group, filterName="errors")
    assert error(lambda: logs.delete_metric_filter(logGroupName=group, filterName="errors"))[0] == "ResourceNotFoundException"
