"""Logs Insights basics: StartQuery, GetQueryResults, StopQuery, DescribeQueries."""

import json
import time

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def logs(client):
    return client("logs")


@pytest.fixture
def loaded(logs):
    logs.create_log_group(logGroupName="q")
    logs.create_log_stream(logGroupName="q", logStreamName="a")
    t = int(time.time() * 1000) - 60_000
    events = [
        {"timestamp": t + i, "message": json.dumps({"level": lvl, "latency": lat})}
        for i, (lvl, lat) in enumerate([("ERROR", 300), ("INFO", 10), ("ERROR", 100), ("INFO", 30)])
    ]
    logs.put_log_events(logGroupName="q", logStreamName="a", logEvents=events)
    yield t
    logs.delete_log_group(logGroupName="q")


def run(logs, query, **kwargs):
    now = int(time.time())
    qid = logs.start_query(logGroupName="q", startTime=now - 3600, endTime=now + 60, queryString=query, **kwargs)["queryId"]
    for _ in range(50):
        out = logs.get_query_results(queryId=qid)
        if out["status"] == "Complete":
            return qid, out
        time.sleep(0.05)
    raise AssertionError("query did not complete")


def rows(out):
    return [{f["field"]: f["value"] for f in row} for row in out["results"]]


def test_filter_sort_limit(logs, loaded):
    _, out = run(logs, 'fields @timestamp, level, latency | filter level = "ERROR" | sort latency desc | limit 1')
    got = rows(out)
    assert len(got) == 1 and got[0]["latency"] == "300" and got[0]["level"] == "ERROR"
    assert out["statistics"]["recordsScanned"] == 4.0


def test_stats_by(logs, loaded):
    _, out = run(logs, "stats count(*) as n, avg(latency) as avg by level | sort level asc")
    got = rows(out)
    assert [(r["level"], r["n"]) for r in got] == [("ERROR", "2"), ("INFO", "2")]
    assert float(got[0]["avg"]) == 200.0


def test_malformed_query(logs, loaded):
    now = int(time.time())
    with pytest.raises(ClientError) as info:
        logs.start_query(logGroupName="q", startTime=now - 60, endTime=now, queryString="fields | | nonsense(")
    assert info.value.response["Error"]["Code"] == "MalformedQueryException"


def test_unknown_group_and_query(logs):
    now = int(time.time())
    with pytest.raises(ClientError) as info:
        logs.start_query(logGroupName="absent", startTime=now - 60, endTime=now, queryString="fields @message")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_stop_and_describe(logs, loaded):
    qid, _ = run(logs, "fields @message")
    assert logs.stop_query(queryId=qid)["success"] is False
    described = logs.describe_queries(logGroupName="q")["queries"]
    assert any(q["queryId"] == qid and q["status"] == "Complete" for q in described)
