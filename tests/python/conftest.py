"""Fixtures that run the built ruststack binary and point real clients at it.

- ``server``: one ruststack for the whole session, on a free port, with a temporary data
  directory; waits for ``Ready.`` and health. State is reset between test modules.
- ``start_server``: a factory for tests that need their own server (flags, environment,
  init scripts, data directories); every server it starts is stopped afterwards.
- ``client``: ``client("s3")`` → a boto3 client for the session server.
- ``aws``: runs the AWS CLI (``python -m awscli``) against the session server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
REGION = "us-east-1"


def binary() -> Path:
    if os.environ.get("RUSTSTACK_BIN"):
        return Path(os.environ["RUSTSTACK_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "ruststack"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without any ruststack or LocalStack settings."""
    names = {
        "SERVICES", "GATEWAY_LISTEN", "LOCALSTACK_HOST", "PERSISTENCE", "DATA_DIR", "DEBUG",
        "LS_LOG", "LAMBDA_KEEPALIVE_MS", "S3_SKIP_SIGNATURE_VALIDATION",
        "DYNAMODB_REMOVE_EXPIRED_ITEMS", "RUST_LOG",
    }
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("RUSTSTACK_")}
    env.update(extra or {})
    return env


class Server:
    """A running ruststack process."""

    def __init__(self, args=(), env=None, port=None, data_dir=None, init_dir=None, wait=True):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self._tmp = tempfile.TemporaryDirectory(prefix="ruststack-test-")
        self.stdout_lines: list[str] = []
        self.ready_at: float | None = None
        cmd = [str(binary()), "--port", str(self.port)]
        env = dict(env or {})
        if init_dir is not None:
            cmd += ["--init-dir", str(init_dir)]
        else:
            # Never pick up the machine's /etc/localstack/init.
            env.setdefault("RUSTSTACK_INIT_DIR", str(Path(self._tmp.name) / "no-init"))
        if data_dir is not None:
            cmd += ["--data-dir", str(data_dir)]
        cmd += list(args)
        self.stderr_path = Path(self._tmp.name) / "stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, env=clean_env(env), stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        if wait:
            self.wait_ready()

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line.rstrip("\n"))
            if line.strip() == "Ready." and self.ready_at is None:
                self.ready_at = time.monotonic()
                self._ready.set()

    def wait_ready(self, timeout=15):
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"ruststack did not print Ready.; stderr:\n{self.stderr()}")
        status, _, _ = http(self.url + "/_localstack/health")
        assert status == 200

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        self._stderr.close()
        return self.proc.returncode

    def client(self, service: str, **kwargs):
        return make_client(self.url, service, **kwargs)


def make_client(url: str, service: str, **kwargs):
    config = kwargs.pop("config", None) or Config(retries={"max_attempts": 1, "mode": "standard"})
    return boto3.client(
        service, endpoint_url=url, region_name=kwargs.pop("region_name", REGION), config=config,
        **{**CREDENTIALS, **kwargs},
    )


def http(url: str, method: str = "GET", body: bytes | None = None, headers=None):
    """A plain HTTP call for ruststack's own (non-AWS) endpoints: (status, headers, body)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def http_json(url: str, method: str = "GET", payload=None):
    body = None if payload is None else json.dumps(payload).encode()
    status, headers, raw = http(url, method, body, {"content-type": "application/json"})
    return status, json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not binary().exists():
        pytest.exit(f"ruststack binary not found at {binary()}; run cargo build --release", 2)
    srv = Server(data_dir=tmp_path_factory.mktemp("data"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module", autouse=True)
def _reset_between_modules(request):
    """Empties all service state before each test module that uses the session server."""
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        status, _ = http_json(srv.url + "/_localstack/state/reset", "POST")
        assert status == 200
    yield


@pytest.fixture
def start_server():
    started: list[Server] = []

    def start(*args, **kwargs) -> Server:
        srv = Server(*args, **kwargs)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def client(server):
    return server.client


@pytest.fixture
def aws(server):
    """Runs ``aws <args>`` (the awscli package) against the session server."""

    def run(*args: str, check=False) -> subprocess.CompletedProcess:
        env = clean_env({
            "AWS_ENDPOINT_URL": server.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_MAX_ATTEMPTS": "1",
        })
        return subprocess.run(
            [sys.executable, "-m", "awscli", *args], env=env, capture_output=True, text=True,
            check=check, timeout=60,
        )

    return run
