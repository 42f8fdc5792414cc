"""Lambda setup helpers for scenarios (stdlib only): a Python no-op function from a zip built
in memory, the function's instances as processes, a minimal stand-in for the host side of
the Runtime API, and a minimal HTTP/1.1 client on one keep-alive socket.

The client and the stand-in are raw sockets with pre-built messages on purpose: both sides
of a comparison then pay the same small, fixed Python cost (one sendall, a recv or two and a
header scan), where http.client or http.server would add their own parsing to the times."""

import base64
import io
import json
import math
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import zipfile

from _s3 import request

NOOP_SOURCE = "def handler(e, c): return None\n"
ROLE = "arn:aws:iam::000000000000:role/r"
RUNTIME = "python3.11"


def noop_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", NOOP_SOURCE)
    return buf.getvalue()


def api(base, method, path, payload):
    """One rest-json Lambda call (unsigned); the decoded answer."""
    _, body = request(base, method, path, json.dumps(payload).encode(),
                      {"Content-Type": "application/json"})
    return json.loads(body or b"{}")


def create_noop(base, name):
    api(base, "POST", "/2015-03-31/functions", {
        "FunctionName": name, "Runtime": RUNTIME, "Role": ROLE, "Handler": "index.handler",
        "Code": {"ZipFile": base64.b64encode(noop_zip()).decode()},
        "MemorySize": 128, "Timeout": 30,
    })


def invoke_path(name):
    return f"/2015-03-31/functions/{name}/invocations"


def pct(values, p):
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


class Client:
    """HTTP/1.1 on one persistent connection; answers with a body must carry Content-Length
    or be chunked."""

    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.host = f"{url.hostname}:{url.port}"
        self.sock = socket.create_connection((url.hostname, url.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def message(self, method, path, body=b"", headers=()):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers)
        return head.encode() + b"\r\n" + body

    def send(self, message):
        """Sends a pre-built request; returns (status, lower-case headers, body)."""
        self.sock.sendall(message)
        rfile = self.rfile
        status = int(rfile.readline().split(None, 2)[1])
        headers = {}
        while True:
            line = rfile.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode()
        if status in (204, 304):
            body = b""
        elif "content-length" in headers:
            body = rfile.read(int(headers["content-length"]))
        else:
            assert "chunked" in headers.get("transfer-encoding", ""), headers
            body = b""
            while (size := int(rfile.readline().split(b";")[0], 16)):
                body += rfile.read(size)
                rfile.readline()
            rfile.readline()
        return status, headers, body

    def close(self):
        self.rfile.close()
        self.sock.close()


def instances(server_pid, name):
    """Pids of the server's child processes that run function `name`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rpartition(")")[2].split()[1])
            if ppid != int(server_pid):
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if f"AWS_LAMBDA_FUNCTION_NAME={name}".encode() in env:
            found.append(int(entry))
    return found


def server_program(server_pid, name):
    """The program `name` as the server finds it: on the server's own PATH (a setup script
    started through a wrapper such as a pyenv shim may see another PATH)."""
    with open(f"/proc/{server_pid}/environ", "rb") as f:
        env = dict(kv.decode().split("=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    return shutil.which(name, path=env.get("PATH", os.defpath))


def launch_like(pid):
    """How instance `pid` was started, for running its runtime client outside ruststack:
    (the bootstrap path, its working directory = task root, its environment)."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        args = [a.decode() for a in f.read().split(b"\0") if a]
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(kv.decode().split("=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    bootstrap = next(a for a in args if a.endswith("bootstrap.py"))
    task_root = os.readlink(f"/proc/{pid}/cwd")
    # A wrapper between ruststack and the interpreter (a pyenv shim) changed the environment
    # on its way: drop what it added (its variables, the PATH entries in front of the task
    # root's bin, which ruststack puts first), so that the copy starts as ruststack's did.
    path = env.get("PATH", "")
    if (at := path.find(task_root + "/bin")) > 0:
        env["PATH"] = path[at:]
    for name in [n for n in env if n.startswith(("PYENV_", "_PYENV_")) or n in ("PWD", "SHLVL")]:
        del env[name]
    return bootstrap, task_root, env


def _read_request(conn, buf):
    """Reads one request (headers and Content-Length body) from `conn`; returns what
    followed it in `buf`."""
    while (end := buf.find(b"\r\n\r\n")) < 0:
        buf += _recv(conn)
    head = buf[:end].lower()
    length = 0
    at = head.find(b"\ncontent-length:")
    if at >= 0:
        stop = head.find(b"\r\n", at + 1)
        length = int(head[at + 16:stop if stop >= 0 else None])
    end += 4
    while len(buf) < end + length:
        buf += _recv(conn)
    return buf[end + length:]


def _recv(conn):
    chunk = conn.recv(65536)
    if not chunk:
        raise ConnectionError("runtime client closed the connection")
    return chunk


class StandIn:
    """The host side of the Runtime API reduced to what one runtime client needs: a
    loopback listener that hands out events (with the headers ruststack sends, so the client
    parses the same response) and answers 202 to results. The runtime client is started with
    `program bootstrap` in `cwd` with `env` (AWS_LAMBDA_RUNTIME_API pointed here)."""

    def __init__(self, program, bootstrap, cwd, env):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        env = dict(env, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % self.listener.getsockname()[1])
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([program, bootstrap], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.conn, _ = self.listener.accept()
        self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = _read_request(self.conn, b"")  # the first GET /invocation/next
        self.ready = time.perf_counter() - self.started
        self.arn = (f"arn:aws:lambda:{env.get('AWS_REGION')}:000000000000:function:"
                    f"{env.get('AWS_LAMBDA_FUNCTION_NAME')}")
        self.count = 0
        self.accepted = (b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n"
                         b"date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n{\"status\":\"OK\"}")

    def event(self, payload=b"{}"):
        """An event as ruststack's Runtime API writes it."""
        self.count += 1
        deadline = int(time.time() * 1000) + 30_000
        return (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                f"lambda-runtime-aws-request-id: 00000000-0000-4000-8000-{self.count:012d}\r\n"
                f"lambda-runtime-deadline-ms: {deadline}\r\n"
                f"lambda-runtime-invoked-function-arn: {self.arn}\r\n"
                f"lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0\r\n"
                f"content-length: {len(payload)}\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n").encode() + payload

    def round_trip(self, payload=b"{}"):
        """Seconds from writing an event (the client is waiting in GET /next) to having read
        the client's complete POST of the result; then answers 202 and takes the next GET
        /next, so the client is waiting again."""
        event = self.event(payload)
        t = time.perf_counter()
        self.conn.sendall(event)
        self.buf = _read_request(self.conn, self.buf)
        elapsed = time.perf_counter() - t
        self.conn.sendall(self.accepted)
        self.buf = _read_request(self.conn, self.buf)
        return elapsed

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.conn.close()
        self.listener.close()
