"""Function logs in CloudWatch Logs: the /aws/lambda/<name> group, YYYY/MM/DD/[version]<hex>
streams, AWS's START/END/REPORT lines (Init Duration on a cold start only), the Python and
Node runtimes' own log line formats, the AWS CLI reading them, and a Logs subscription
filter delivering awslogs.data (gzip + base64) to a function."""

import base64
import gzip
import json
import re
import time

import pytest

from lambda_support import (
    ACCOUNT, NODE, create_function, create_recorder, function_arn, invoke, log_stream_pattern,
    make_zip, request_id, unique, wait_active, wait_for, wait_recorded,
)

PY_FUNCTION = '''\
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    print("hello from print")
    logger.info("hello from logging")
    return {"ok": True}
'''

NODE_FUNCTION = '''\
exports.handler = async () => {
  console.log("hello from node");
  console.error("trouble from node");
  return { ok: true };
};
'''

TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"


def report_pattern(rid, memory=128, cold=False):
    tail = r"\tInit Duration: \d+\.\d{2} ms" if cold else ""
    return (rf"^REPORT RequestId: {rid}\tDuration: (\d+\.\d{{2}}) ms\tBilled Duration: (\d+) ms\t"
            rf"Memory Size: {memory} MB\tMax Memory Used: \d+ MB{tail}\s*$")


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


def events_of(logs, group):
    """All events of a log group, oldest first, as (stream, message without its newline)."""
    out = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        out += [(e["logStreamName"], e["message"].rstrip("\n")) for e in page["events"]]
    return out


def wait_for_report(logs, group, rid):
    def ready():
        try:
            events = events_of(logs, group)
        except logs.exceptions.ResourceNotFoundException:
            return None
        return events if any(m.startswith(f"REPORT RequestId: {rid}") for _, m in events) else None

    return wait_for(ready, 10, what=f"the REPORT line of {rid} in {group}")


def lines_of(events, rid):
    """The messages of one invocation: from its START line to its REPORT line."""
    messages = [m for _, m in events]
    start = next(i for i, m in enumerate(messages) if m.startswith(f"START RequestId: {rid}"))
    end = next(i for i, m in enumerate(messages) if m.startswith(f"REPORT RequestId: {rid}"))
    return messages[start:end + 1]


def test_python_function_logs(lam, logs, aws):
    name = unique("logged")
    create_function(lam, name, make_zip({"handler.py": PY_FUNCTION}))
    cold = request_id(invoke(lam, name, {})[0])
    warm = request_id(invoke(lam, name, {})[0])
    group = f"/aws/lambda/{name}"
    events = wait_for_report(logs, group, warm)

    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    assert len(streams) == 1, "a warm instance keeps writing to its stream"
    stream = streams[0]
    assert re.fullmatch(log_stream_pattern(), stream), stream
    today = {time.strftime("%Y/%m/%d", time.gmtime(t)) for t in (time.time(), time.time() - 120)}
    assert stream[:10] in today
    assert {s for s, _ in events} == {stream}

    first = lines_of(events, cold)
    assert first[0] == f"START RequestId: {cold} Version: $LATEST"
    assert "hello from print" in first
    assert any(re.fullmatch(rf"\[INFO\]\t{TIMESTAMP}\t{cold}\thello from logging", m) for m in first), first
    assert first[-2] == f"END RequestId: {cold}"
    match = re.match(report_pattern(cold, cold=True), first[-1])
    assert match, first[-1]
    duration, billed = float(match.group(1)), int(match.group(2))
    assert billed >= duration - 1

    second = lines_of(events, warm)
    assert second[0] == f"START RequestId: {warm} Version: $LATEST"
    assert second[-2] == f"END RequestId: {warm}"
    assert re.match(report_pattern(warm), second[-1]), second[-1]
    assert "Init Duration" not in second[-1], "only a cold start reports Init Duration"

    out = aws("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "REPORT")
    assert out.returncode == 0, out.stderr
    reported = [e["message"] for e in json.loads(out.stdout)["events"]]
    assert len(reported) == 2 and all(m.startswith("REPORT RequestId: ") for m in reported)


def test_published_version_logs_to_its_own_stream(lam, logs):
    name = unique("vlogged")
    create_function(lam, name, make_zip({"handler.py": PY_FUNCTION}), MemorySize=256)
    lam.publish_version(FunctionName=name)
    wait_active(lam, name, "1")
    rid = request_id(invoke(lam, name, {}, Qualifier="1")[0])
    group = f"/aws/lambda/{name}"
    events = wait_for_report(logs, group, rid)
    stream = next(s for s, m in events if m.startswith(f"START RequestId: {rid}"))
    assert re.fullmatch(log_stream_pattern("1"), stream), stream
    lines = lines_of(events, rid)
    assert lines[0] == f"START RequestId: {rid} Version: 1"
    assert re.match(report_pattern(rid, memory=256, cold=True), lines[-1]), lines[-1]


def test_node_function_logs(lam, logs):
    name = unique("nlogged")
    create_function(lam, name, make_zip({"index.js": NODE_FUNCTION}), runtime=NODE, handler="index.handler")
    rid = request_id(invoke(lam, name, {})[0])
    events = wait_for_report(logs, f"/aws/lambda/{name}", rid)
    lines = lines_of(events, rid)
    assert lines[0] == f"START RequestId: {rid} Version: $LATEST"
    assert any(re.fullmatch(rf"{TIMESTAMP}\t{rid}\tINFO\thello from node", m) for m in lines), lines
    assert any(re.fullmatch(rf"{TIMESTAMP}\t{rid}\tERROR\ttrouble from node", m) for m in lines), lines
    assert lines[-2] == f"END RequestId: {rid}"
    assert re.match(report_pattern(rid, cold=True), lines[-1]), lines[-1]


def test_subscription_filter_invokes_a_function(lam, logs, tmp_path):
    name = unique("sub-rec")
    arn = create_recorder(lam, name, tmp_path)
    group = f"/app/{unique('sub')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    lam.add_permission(FunctionName=name, StatementId="logs", Action="lambda:InvokeFunction",
                       Principal="logs.amazonaws.com",
                       SourceArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:*")
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                                 destinationArn=arn)
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"][0][
        "destinationArn"] == function_arn(name)

    t = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[
        {"timestamp": t, "message": "ERROR one"},
        {"timestamp": t + 1, "message": "info two"},
        {"timestamp": t + 2, "message": "ERROR three"},
    ])

    def payloads(records):
        out = []
        for record in records:
            data = record["event"]["awslogs"]["data"]
            payload = json.loads(gzip.decompress(base64.b64decode(data)))
            if payload["messageType"] == "DATA_MESSAGE":
                out.append(payload)
        return out

    def delivered(records):
        return [e for p in payloads(records) for e in p["logEvents"]]

    records = wait_recorded(tmp_path, lambda rs: len(delivered(rs)) >= 2, what="the subscription delivery")
    assert [e["message"] for e in delivered(records)] == ["ERROR one", "ERROR three"]
    assert [e["timestamp"] for e in delivered(records)] == [t, t + 2]
    assert all(isinstance(e["id"], str) and e["id"] for e in delivered(records))
    payload = payloads(records)[0]
    assert payload["owner"] == ACCOUNT
    assert payload["logGroup"] == group and payload["logStream"] == "s1"
    assert payload["subscriptionFilters"] == ["errors"]
