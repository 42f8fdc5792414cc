"""Start-up, LocalStack's variables, request logging, and shutdown on SIGTERM/SIGINT."""

import json
import signal
import time

import pytest

from conftest import Server, free_port, http_json


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_zero_within_five_seconds(start_server, sig):
    srv = start_server()
    started = time.monotonic()
    assert srv.stop(sig) == 0
    assert time.monotonic() - started < 5
    assert "stopped" in srv.stderr()


def test_ready_marker_is_a_line_on_stdout(start_server):
    srv = start_server()
    assert srv.stdout_lines == ["Ready."]


def test_gateway_listen_is_honoured(start_server):
    port = free_port()
    srv = start_server(env={"GATEWAY_LISTEN": f"127.0.0.1:{port}"}, port=port)
    # The fixture passes --port too; check the variable alone with a raw start below.
    assert http_json(srv.url + "/_localstack/health")[0] == 200


def test_gateway_listen_alone_picks_the_port(tmp_path):
    port = free_port()
    srv = Server.__new__(Server)
    # Start without --port: GATEWAY_LISTEN must decide.
    import subprocess

    from conftest import binary, clean_env

    proc = subprocess.Popen(
        [str(binary()), "--init-dir", str(tmp_path / "none")],
        env=clean_env({"GATEWAY_LISTEN": f":{port}"}), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "Ready."
        assert http_json(f"http://127.0.0.1:{port}/health/live") == (200, {"status": "live"})
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
    del srv


def test_localstack_services_variable(start_server):
    srv = start_server(env={"SERVICES": "s3,sqs"})
    _, body = http_json(srv.url + "/_localstack/health")
    for name in ["dynamodb", "lambda", "logs", "fastly"]:
        assert body["services"][name] == "disabled"
    assert srv.stop() == 0
    assert "ignoring unknown service 'sqs'" in srv.stderr()


def test_localstack_persistence_variables(start_server, tmp_path):
    data = tmp_path / "state"
    srv = start_server(env={"PERSISTENCE": "1", "DATA_DIR": str(data)})
    assert (data / "ruststack.redb").exists()
    assert srv.stop() == 0


def test_one_info_line_per_request(start_server):
    srv = start_server()
    request_id = srv.client("dynamodb").list_tables()["ResponseMetadata"]["RequestId"]
    srv.stop()
    lines = [l for l in srv.stderr().splitlines() if request_id in l and " request " in f" {l} "]
    assert len(lines) == 1, srv.stderr()
    line = lines[0]
    assert "INFO" in line
    for field in ['service="dynamodb"', 'operation="ListTables"', "status=200", "latency_ms="]:
        assert field in line.replace("\x1b", ""), line


def test_json_log_format(start_server):
    srv = start_server(args=["--log-format", "json"])
    srv.client("logs").describe_log_groups()
    srv.stop()
    records = [json.loads(l) for l in srv.stderr().splitlines() if l.strip()]
    requests = [r for r in records if r.get("message") == "request"]
    assert len(requests) == 1, records
    r = requests[0]
    assert r["level"] == "INFO"
    assert r["service"] == "logs" and r["operation"] == "DescribeLogGroups"
    assert r["status"] == 200 and r["latency_ms"] >= 0 and r["request_id"]


def test_debug_variable_turns_on_debug_logs(start_server):
    srv = start_server(env={"DEBUG": "1"})
    http_json(srv.url + "/_localstack/health")
    srv.stop()
    assert "DEBUG" in srv.stderr() and "internal request" in srv.stderr()


def test_port_in_use_is_a_clear_error(start_server):
    srv = start_server()
    import subprocess

    from conftest import binary, clean_env

    out = subprocess.run(
        [str(binary()), "--port", str(srv.port)], env=clean_env(), capture_output=True, text=True,
        timeout=10,
    )
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{srv.port}" in out.stderr
