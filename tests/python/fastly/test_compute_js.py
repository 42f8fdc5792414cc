"""A real JavaScript Compute app, built by the tests with @fastly/js-compute (installed by
`./scripts/test` from npm into tests/node), served by ruststack against the stores the
Fastly CLI manages: its reads follow every change, and everything survives a restart."""

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, free_port
from fastly_support import fastly_ok

JS_COMPUTE = ROOT / "tests" / "node" / "node_modules" / ".bin" / "js-compute-runtime"


@pytest.fixture(scope="module")
def js_app(tmp_path_factory):
    assert JS_COMPUTE.exists(), f"{JS_COMPUTE} is missing: run npm ci --prefix tests/node"
    project = tmp_path_factory.mktemp("jsapp")
    shutil.copytree(Path(__file__).parent / "jsapp" / "src", project / "src")
    (project / "bin").mkdir()
    subprocess.run([str(JS_COMPUTE), "src/index.js", "bin/main.wasm"], cwd=project, check=True,
                   capture_output=True, timeout=300)
    return project / "bin" / "main.wasm"


def get(port, path="/"):
    resp = requests.get(f"http://127.0.0.1:{port}{path}", timeout=120)
    assert resp.status_code == 200, resp.text
    return resp


def test_javascript_app_follows_the_stores(start_server, tmp_path, js_app):
    data = tmp_path / "data"
    port = free_port()
    args = ["--fastly-wasm", f"jsapp={js_app}", "--fastly-addr", f"127.0.0.1:{port}"]
    srv = start_server(args=args, data_dir=data)
    # Stores made before the app is loaded cost no rebuild: the first request compiles once.
    fastly_ok(srv, "config-store", "create", "--name", "app_config")
    fastly_ok(srv, "config-store-entry", "create", "--store-id", "app_config", "--key",
              "greeting", "--value", "hello from config")
    fastly_ok(srv, "kv-store", "create", "--name", "app_kv")
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", "41")
    fastly_ok(srv, "secret-store", "create", "--name", "app_secrets")
    fastly_ok(srv, "secret-store-entry", "create", "--store-id", "app_secrets", "--name",
              "api_key", "--stdin", input="s3cr3t")
    assert get(port, "/hello").text == "hello\n"
    assert get(port).json() == {"greeting": "hello from config", "counter": "41", "secret": "s3cr3t"}
    # Through the gateway too.
    gateway = requests.get(f"{srv.url}/", headers={"Host": f"jsapp.edgecompute.localhost:{srv.port}"},
                           timeout=120)
    assert gateway.status_code == 200 and gateway.json()["counter"] == "41"

    # Config item and KV entry changes are live: the app is not compiled again. A secret
    # change returns once the app serves it, from a new context.
    loads = srv.stderr().count("loaded the Compute app")
    fastly_ok(srv, "config-store-entry", "update", "--store-id", "app_config", "--key",
              "greeting", "--value", "changed")
    assert get(port).json()["greeting"] == "changed"
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", "42")
    assert get(port).json()["counter"] == "42"
    assert srv.stderr().count("loaded the Compute app") == loads
    fastly_ok(srv, "secret-store-entry", "create", "--store-id", "app_secrets", "--name",
              "api_key", "--stdin", "--recreate", input="rotated")
    assert get(port).json() == {"greeting": "changed", "counter": "42", "secret": "rotated"}

    # The app's console output reaches CloudWatch Logs.
    logs = srv.client("logs")
    deadline = time.monotonic() + 10
    messages = []
    while time.monotonic() < deadline and not any("served /" in m for m in messages):
        messages = [e["message"] for e in
                    logs.filter_log_events(logGroupName="/fastly/jsapp").get("events", [])]
        time.sleep(0.1)
    assert any("served /" in m for m in messages), messages

    srv.stop(signal.SIGKILL)
    again = start_server(args=args, data_dir=data)
    assert get(port).json() == {"greeting": "changed", "counter": "42", "secret": "rotated"}
