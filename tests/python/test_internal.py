"""ruststack's own endpoints: LocalStack's health/info/init/reset shapes, probes, metrics,
and the test clock."""

import datetime as dt
import re

from conftest import http, http_json

SERVICES = ["s3", "dynamodb", "dynamodbstreams", "lambda", "logs", "fastly"]


def test_health_has_localstack_shape(server):
    for path in ["/_localstack/health", "/health", "/_ruststack/health"]:
        status, body = http_json(server.url + path)
        assert status == 200, path
        assert set(body) == {"services", "edition", "version"}
        assert body["edition"] == "community"
        assert re.fullmatch(r"\d+\.\d+\.\d+", body["version"])
        assert all(state in ("running", "disabled") for state in body["services"].values())


def test_head_health(server):
    status, _, body = http(server.url + "/_localstack/health", "HEAD")
    assert status == 200 and body == b""


def test_disabled_services_say_disabled(start_server):
    srv = start_server(args=["--services", "logs"])
    _, body = http_json(srv.url + "/_localstack/health")
    for name in ["s3", "dynamodb", "dynamodbstreams", "lambda", "fastly"]:
        assert body["services"][name] == "disabled"
    assert body["services"].get("logs") != "disabled"


def test_kubernetes_probes(server):
    assert http_json(server.url + "/health/live") == (200, {"status": "live"})
    assert http_json(server.url + "/health/ready") == (200, {"status": "ready"})


def test_info_has_localstack_shape(server):
    status, body = http_json(server.url + "/_localstack/info")
    assert status == 200
    assert set(body) == {
        "version", "edition", "is_license_activated", "session_id", "machine_id", "system",
        "is_docker", "server_time_utc", "uptime",
    }
    assert body["is_license_activated"] is False
    assert isinstance(body["uptime"], int) and body["uptime"] >= 0
    dt.datetime.strptime(body["server_time_utc"], "%Y-%m-%dT%H:%M:%S")
    _, again = http_json(server.url + "/_localstack/info")
    assert again["session_id"] == body["session_id"]


def test_init_without_scripts(server):
    status, body = http_json(server.url + "/_localstack/init")
    assert status == 200
    assert body == {
        "completed": {"BOOT": True, "START": True, "READY": True, "SHUTDOWN": False},
        "scripts": [],
    }
    assert http_json(server.url + "/_localstack/init/ready") == (200, {"completed": True, "scripts": []})
    status, _, _ = http(server.url + "/_localstack/init/never")
    assert status == 404


def test_metrics_count_requests_by_service_operation_status(server, client):
    ddb = client("dynamodb")
    for _ in range(3):
        try:
            ddb.list_tables()
        except Exception:  # the outcome does not matter here, only that it is counted
            pass
    status, headers, raw = http(server.url + "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("application/openmetrics-text")
    text = raw.decode()
    count = re.search(
        r'ruststack_requests_total\{service="dynamodb",operation="ListTables",status="(\d+)"\} (\d+)', text
    )
    assert count and int(count.group(2)) >= 3, text
    assert re.search(r'ruststack_request_duration_seconds_bucket\{le="[^"]+",service="dynamodb",operation="ListTables"', text)


def test_reset_all_and_one_service(server):
    status, body = http_json(server.url + "/_localstack/state/reset", "POST")
    assert status == 200 and isinstance(body["reset"], list)
    status, body = http_json(server.url + "/_ruststack/state/reset?service=s3", "POST")
    assert status == 200
    assert set(body["reset"]) <= {"s3"}
    status, body = http_json(server.url + "/_ruststack/state/reset?service=sqs", "POST")
    assert status == 400 and "sqs" in body["error"]
    status, _, _ = http(server.url + "/_localstack/state/reset")
    assert status == 405


def _now(server):
    _, body = http_json(server.url + "/_ruststack/clock")
    return dt.datetime.fromisoformat(body["now"]), body["offset_seconds"]


def test_clock_moves_and_returns(server):
    try:
        before, offset = _now(server)
        assert offset == 0
        status, body = http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": 86400})
        assert status == 200 and body["offset_seconds"] == 86400
        after, _ = _now(server)
        assert dt.timedelta(days=1) <= after - before < dt.timedelta(days=1, minutes=1)

        status, body = http_json(server.url + "/_ruststack/clock", "POST", {"now": "2030-01-01T00:00:00Z"})
        assert status == 200
        moved, _ = _now(server)
        assert abs((moved - dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)).total_seconds()) < 60
    finally:
        assert http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})[0] == 200
    assert _now(server)[1] == 0


def test_clock_rejects_bad_input(server):
    for payload in [{"advance_seconds": "soon"}, {"now": "yesterday"}, {}, [1]]:
        status, body = http_json(server.url + "/_ruststack/clock", "POST", payload)
        assert status == 400 and body["error"], payload
    status, _, _ = http(server.url + "/_ruststack/clock", "POST", b"{not json")
    assert status == 400
    assert _now(server)[1] == 0


def test_unknown_internal_path_is_404(server):
    status, _, _ = http(server.url + "/_localstack/nothing-here")
    assert status == 404
