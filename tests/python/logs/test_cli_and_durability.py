"""The AWS CLI (`aws logs filter-log-events`, `get-log-events`; `logs tail` exists only in
AWS CLI v2, which is not installable from PyPI, so its polling is reproduced with boto3) and durability: groups,
streams and events survive a restart and SIGKILL with `--data-dir`."""

import json
import signal
import threading
import time


def test_aws_cli_filter_and_get(server, client, aws):
    logs = client("logs")
    logs.create_log_group(logGroupName="/cli/app")
    logs.create_log_stream(logGroupName="/cli/app", logStreamName="web-1")
    t = int(time.time() * 1000) - 5_000
    logs.put_log_events(logGroupName="/cli/app", logStreamName="web-1", logEvents=[
        {"timestamp": t, "message": "hello from cli"}, {"timestamp": t + 1, "message": "ERROR second"}])
    out = aws("logs", "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "ERROR")
    assert out.returncode == 0, out.stderr
    assert [e["message"] for e in json.loads(out.stdout)["events"]] == ["ERROR second"]
    out = aws("logs", "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "web-1", "--start-from-head")
    assert out.returncode == 0, out.stderr
    assert [e["message"] for e in json.loads(out.stdout)["events"]] == ["hello from cli", "ERROR second"]
    out = aws("logs", "describe-log-groups", "--log-group-name-prefix", "/cli/")
    assert json.loads(out.stdout)["logGroups"][0]["logGroupName"] == "/cli/app"
    out = aws("logs", "create-log-group", "--log-group-name", "/cli/app")
    assert out.returncode != 0 and "ResourceAlreadyExistsException" in out.stderr


def test_follow_polling_sees_new_events(client):
    """What `aws logs tail --follow` (AWS CLI v2) does: FilterLogEvents from the last seen
    timestamp, skipping event ids already printed, until interrupted."""
    logs = client("logs")
    logs.create_log_group(logGroupName="/cli/follow")
    logs.create_log_stream(logGroupName="/cli/follow", logStreamName="s")
    start = int(time.time() * 1000) - 60_000
    seen_ids, printed = set(), []

    def poll():
        nonlocal start
        paginator = logs.get_paginator("filter_log_events")
        for page in paginator.paginate(logGroupName="/cli/follow", startTime=start, interleaved=True):
            for event in page["events"]:
                if event["eventId"] not in seen_ids:
                    seen_ids.add(event["eventId"])
                    printed.append(event["message"])
                    start = max(start, event["timestamp"])

    poll()
    assert printed == []
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/cli/follow", logStreamName="s", logEvents=[
        {"timestamp": now, "message": "live 1"}, {"timestamp": now, "message": "live 2"}])
    poll()
    logs.put_log_events(logGroupName="/cli/follow", logStreamName="s", logEvents=[{"timestamp": now, "message": "live 3"}])
    poll()
    poll()
    assert printed == ["live 1", "live 2", "live 3"]


def test_restart_keeps_groups_streams_events(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path)
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="durable", tags={"k": "v"})
    logs.put_retention_policy(logGroupName="durable", retentionInDays=30)
    logs.create_log_stream(logGroupName="durable", logStreamName="s")
    t = int(time.time() * 1000)
    logs.put_log_events(logGroupName="durable", logStreamName="s", logEvents=[{"timestamp": t, "message": "kept"}])
    logs.put_metric_filter(logGroupName="durable", filterName="m", filterPattern="kept",
                           metricTransformations=[{"metricName": "K", "metricNamespace": "N", "metricValue": "1"}])
    assert srv.stop() == 0
    srv = start_server(data_dir=tmp_path)
    logs = srv.client("logs")
    g = logs.describe_log_groups()["logGroups"][0]
    assert g["logGroupName"] == "durable" and g["retentionInDays"] == 30 and g["metricFilterCount"] == 1
    assert logs.list_tags_log_group(logGroupName="durable")["tags"] == {"k": "v"}
    events = logs.get_log_events(logGroupName="durable", logStreamName="s")["events"]
    assert [e["message"] for e in events] == ["kept"]
    s = logs.describe_log_streams(logGroupName="durable")["logStreams"][0]
    assert s["lastEventTimestamp"] == t
    # New events continue after the stored ones.
    logs.put_log_events(logGroupName="durable", logStreamName="s", logEvents=[{"timestamp": t, "message": "after"}])
    events = logs.get_log_events(logGroupName="durable", logStreamName="s")["events"]
    assert [e["message"] for e in events] == ["kept", "after"]


def test_sigkill_loses_no_acknowledged_write(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path)
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="crash")
    logs.create_log_stream(logGroupName="crash", logStreamName="s")
    acked = []
    stop = threading.Event()

    def writer():
        t = int(time.time() * 1000)
        n = 0
        while not stop.is_set():
            try:
                logs.put_log_events(logGroupName="crash", logStreamName="s",
                                    logEvents=[{"timestamp": t + n, "message": f"event-{n}"}])
            except Exception:
                return
            acked.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.0)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    thread.join(10)
    assert len(acked) > 20, f"too few writes before the kill: {len(acked)}"

    srv = start_server(data_dir=tmp_path)
    logs = srv.client("logs")
    stored = set()
    token = None
    while True:
        kwargs = {"logGroupName": "crash"}
        if token:
            kwargs["nextToken"] = token
        page = logs.filter_log_events(**kwargs)
        stored |= {e["message"] for e in page["events"]}
        token = page.get("nextToken")
        if not token:
            break
    missing = [n for n in acked if f"event-{n}" not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost: {missing[:10]}"
