"""Streams and events: PutLogEvents limits and rejections, GetLogEvents tokens,
FilterLogEvents across streams, DescribeLogStreams ordering."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import http

DAY = 86_400_000


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def now_ms():
    return int(time.time() * 1000)


@pytest.fixture
def logs(client):
    return client("logs")


@pytest.fixture
def stream(logs):
    logs.create_log_group(logGroupName="ev")
    logs.create_log_stream(logGroupName="ev", logStreamName="s")
    yield "ev", "s"
    logs.delete_log_group(logGroupName="ev")


def put(logs, stream, events):
    group, name = stream
    return logs.put_log_events(logGroupName=group, logStreamName=name, logEvents=events)


def test_stream_errors(logs, stream):
    group, name = stream
    assert error(lambda: logs.create_log_stream(logGroupName=group, logStreamName=name)) == (
        "ResourceAlreadyExistsException", "The specified log stream already exists")
    assert error(lambda: logs.create_log_stream(logGroupName="nogroup", logStreamName="x"))[0] == "ResourceNotFoundException"
    assert error(lambda: logs.create_log_stream(logGroupName=group, logStreamName="a:b"))[0] == "InvalidParameterException"
    assert error(lambda: put(logs, (group, "nostream"), [{"timestamp": now_ms(), "message": "x"}])) == (
        "ResourceNotFoundException", "The specified log stream does not exist.")


def test_put_returns_sequence_token_and_accepts_any_token(logs, stream):
    t = now_ms()
    first = put(logs, stream, [{"timestamp": t, "message": "one"}])
    assert len(first["nextSequenceToken"]) == 56 and "rejectedLogEventsInfo" not in first
    group, name = stream
    second = logs.put_log_events(logGroupName=group, logStreamName=name, sequenceToken="stale",
                                 logEvents=[{"timestamp": t, "message": "two"}])
    assert second["nextSequenceToken"] != first["nextSequenceToken"]


def test_batch_limits(logs, stream):
    t = now_ms()
    code, message = error(lambda: put(logs, stream, [{"timestamp": t, "message": "x"}] * 10_001))
    assert code == "InvalidParameterException" and "10000" in message
    big = "x" * 100_000
    code, message = error(lambda: put(logs, stream, [{"timestamp": t, "message": big}] * 11))
    assert code == "InvalidParameterException" and "exceeds limit of 1048576" in message
    # 1,048,576 bytes counting 26 bytes per event is accepted exactly.
    n = 16
    size = 1_048_576 // n - 26
    put(logs, stream, [{"timestamp": t, "message": "y" * size}] * n)
    code, message = error(lambda: put(logs, stream, [{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}]))
    assert message == "Log events in a single PutLogEvents request must be in chronological order."
    code, message = error(lambda: put(logs, stream, [{"timestamp": t - DAY - 1, "message": "a"}, {"timestamp": t, "message": "b"}]))
    assert "cannot span more than 24 hours" in message


def test_too_old_and_too_new_are_reported_not_failed(logs, stream):
    t = now_ms()
    old = put(logs, stream, [{"timestamp": t - 15 * DAY, "message": "old"}, {"timestamp": t - 15 * DAY + 1, "message": "old2"}])
    assert old["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2}
    mixed = put(logs, stream, [{"timestamp": t, "message": "fine"}, {"timestamp": t + 3 * 3_600_000, "message": "future"}])
    assert mixed["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    group, name = stream
    messages = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)["events"]]
    assert messages == ["fine"]


def test_expired_by_retention(logs, stream):
    group, _ = stream
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    t = now_ms()
    out = put(logs, stream, [{"timestamp": t - 2 * DAY, "message": "expired"}, {"timestamp": t - 2 * DAY + 5, "message": "expired2"}])
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 2}


def test_messages_keep_every_character(logs, stream):
    """botocore escapes quotes, backslashes and control characters, and writes every
    non-ASCII character as a \\u escape (surrogate pairs above U+FFFF): each comes back
    as sent."""
    group, name = stream
    t = now_ms()
    messages = [
        'say "hi" \\ then C:\\temp\\x',
        "two\nlines\tand a tab, \x01 \x1f \x7f",
        "café, 日本語, 😀 and 𝄞",
        json.dumps({"level": "ERROR", "msg": 'quoted "x"', "path": "/a/b"}),
        "x" * 5000 + '"' + "y" * 3000,
    ]
    put(logs, stream, [{"timestamp": t + i, "message": m} for i, m in enumerate(messages)])
    got = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)
    assert [e["message"] for e in got["events"]] == messages
    found = logs.filter_log_events(logGroupName=group, filterPattern='{ $.level = "ERROR" }')
    assert [e["message"] for e in found["events"]] == [messages[3]]


def test_malformed_bodies_are_serialization_errors(server, logs, stream):
    """Bodies no SDK would send: AWS's SerializationException, and nothing stored."""
    group, name = stream
    headers = {"X-Amz-Target": "Logs_20140328.PutLogEvents", "Content-Type": "application/x-amz-json-1.1"}
    head = f'{{"logGroupName":"{group}","logStreamName":"{name}","logEvents":['
    t = now_ms()
    for body in [
        head + f'{{"timestamp":{t},"message":"a"}}',  # truncated
        head + f'{{"timestamp":{t}.5,"message":"a"}}]}}',  # not an integer
        head + f'{{"timestamp":{t},"message":"a","message":"b"}}]}}',  # a member twice
        head + f'{{"timestamp":{t},"message":"a\\x"}}]}}',  # a bad escape
        head + f'{{"timestamp":{t},"message":"\\ud83d"}}]}}',  # a lone surrogate
        head + f'{{"timestamp":{t},"message":"a"}}]}} trailing',
    ]:
        status, resp_headers, raw = http(server.url + "/", "POST", body.encode(), headers)
        assert status == 400, body
        assert json.loads(raw)["__type"].endswith("SerializationException"), (body, raw)
        headers_lower = {k.lower(): v for k, v in resp_headers.items()}
        assert headers_lower["x-amzn-errortype"] == "SerializationException"
        assert headers_lower["x-amzn-requestid"]
    # Whitespace, unknown members and nulls are what serde accepts: stored.
    body = f' {{ "sequenceToken" : "x", "logGroupName" : "{group}", "logStreamName":"{name}", "extra": null,\n "logEvents": [ {{ "message": "ok", "timestamp": {t} }} ] }} '
    status, _, raw = http(server.url + "/", "POST", body.encode(), headers)
    assert status == 200, raw
    got = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["ok"]


def test_get_log_events_tokens(logs, stream):
    group, name = stream
    t = now_ms() - 10_000
    put(logs, stream, [{"timestamp": t + i, "message": f"m{i}"} for i in range(10)])
    tail = logs.get_log_events(logGroupName=group, logStreamName=name, limit=3)
    assert [e["message"] for e in tail["events"]] == ["m7", "m8", "m9"]
    assert tail["nextForwardToken"].startswith("f/") and tail["nextBackwardToken"].startswith("b/")
    back = logs.get_log_events(logGroupName=group, logStreamName=name, limit=3, nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["m4", "m5", "m6"]
    # At the end of the stream the same forward token comes back, so polling loops stop.
    fwd = logs.get_log_events(logGroupName=group, logStreamName=name, nextToken=tail["nextForwardToken"])
    assert fwd["events"] == [] and fwd["nextForwardToken"] == tail["nextForwardToken"]
    # New events appear on the next poll.
    put(logs, stream, [{"timestamp": t + 100, "message": "later"}])
    fwd = logs.get_log_events(logGroupName=group, logStreamName=name, nextToken=tail["nextForwardToken"])
    assert [e["message"] for e in fwd["events"]] == ["later"]
    head = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True, limit=2)
    assert [e["message"] for e in head["events"]] == ["m0", "m1"]
    window = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True, startTime=t + 2, endTime=t + 5)
    assert [e["message"] for e in window["events"]] == ["m2", "m3", "m4"]
    assert error(lambda: logs.get_log_events(logGroupName=group, logStreamName=name, nextToken="f/bogus")) == (
        "InvalidParameterException", "The specified nextToken is invalid.")
    e = head["events"][0]
    assert set(e) == {"timestamp", "message", "ingestionTime"}


def test_filter_across_streams(logs, stream):
    group, name = stream
    logs.create_log_stream(logGroupName=group, logStreamName="other")
    t = now_ms() - 10_000
    put(logs, stream, [{"timestamp": t, "message": "ERROR a"}, {"timestamp": t + 2, "message": "INFO b"}])
    logs.put_log_events(logGroupName=group, logStreamName="other", logEvents=[{"timestamp": t + 1, "message": "ERROR c"}])
    out = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")
    assert [(e["logStreamName"], e["message"]) for e in out["events"]] == [("s", "ERROR a"), ("other", "ERROR c")]
    assert {s["logStreamName"] for s in out["searchedLogStreams"]} == {"s", "other"}
    ids = [e["eventId"] for e in out["events"]]
    assert len(set(ids)) == 2
    only = logs.filter_log_events(logGroupName=group, logStreamNames=["other"])
    assert [e["message"] for e in only["events"]] == ["ERROR c"]
    prefixed = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="o")
    assert [e["message"] for e in prefixed["events"]] == ["ERROR c"]
    code, _ = error(lambda: logs.filter_log_events(logGroupName=group, logStreamNames=["s"], logStreamNamePrefix="o"))
    assert code == "InvalidParameterException"
    timed = logs.filter_log_events(logGroupName=group, startTime=t + 1, endTime=t + 2)
    assert [e["message"] for e in timed["events"]] == ["ERROR c", "INFO b"]


def test_filter_pagination(logs, stream):
    group, _ = stream
    logs.create_log_stream(logGroupName=group, logStreamName="s2")
    t = now_ms() - 100_000
    put(logs, stream, [{"timestamp": t + 2 * i, "message": f"a{i}"} for i in range(25)])
    logs.put_log_events(logGroupName=group, logStreamName="s2", logEvents=[{"timestamp": t + 2 * i + 1, "message": f"b{i}"} for i in range(25)])
    seen, token = [], None
    while True:
        kwargs = {"logGroupName": group, "limit": 7}
        if token:
            kwargs["nextToken"] = token
        page = logs.filter_log_events(**kwargs)
        assert len(page["events"]) <= 7
        seen += [e["message"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    expected = [m for i in range(25) for m in (f"a{i}", f"b{i}")]
    assert seen == expected


def test_describe_log_streams_order(logs, stream):
    group, _ = stream
    t = now_ms() - 10_000
    for name, ts in [("b", t + 3), ("a", t + 5), ("c", t + 1)]:
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        logs.put_log_events(logGroupName=group, logStreamName=name, logEvents=[{"timestamp": ts, "message": "x"}])
    by_name = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    assert by_name == ["a", "b", "c", "s"]
    by_time = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in by_time][:3] == ["a", "b", "c"]
    s = by_time[0]
    assert s["firstEventTimestamp"] == s["lastEventTimestamp"] == t + 5
    assert s["arn"].endswith(f"log-group:{group}:log-stream:a")
    code, message = error(lambda: logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a"))
    assert message == "Cannot order by LastEventTime with a logStreamNamePrefix."
    page = logs.describe_log_streams(logGroupName=group, limit=2)
    rest = logs.describe_log_streams(logGroupName=group, nextToken=page["nextToken"])
    assert [s["logStreamName"] for s in page["logStreams"] + rest["logStreams"]] == ["a", "b", "c", "s"]
    logs.delete_log_stream(logGroupName=group, logStreamName="a")
    assert error(lambda: logs.delete_log_stream(logGroupName=group, logStreamName="a"))[0] == "ResourceNotFoundException"


def test_retention_hides_and_deletes_old_events(server, logs, stream):
    from conftest import http_json

    group, name = stream
    t = now_ms()
    put(logs, stream, [{"timestamp": t - 3 * DAY, "message": "old"}])
    put(logs, stream, [{"timestamp": t, "message": "new"}])
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    got = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)["events"]]
    assert got == ["new"]
    # Moving the shared clock past the retention period expires the rest.
    try:
        http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": 2 * 86400})
        assert logs.filter_log_events(logGroupName=group)["events"] == []
    finally:
        http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == ["new"]


def test_writes_delete_events_past_retention(server, logs, stream):
    """Expired events are not only hidden: a later write to the stream deletes them, so
    moving the clock back does not bring them back."""
    from conftest import http_json

    group, name = stream
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    put(logs, stream, [{"timestamp": now_ms(), "message": "first"}])
    try:
        http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": 2 * 86400})
        put(logs, stream, [{"timestamp": now_ms() + 2 * DAY, "message": "second"}])
    finally:
        http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})
    got = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    assert got == ["second"]
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["storedBytes"] == len("second")
