"""Times how store changes made through the management API reach a loaded Compute app
(`stores`, tests/python/fastly/apps/stores.wat, which answers its config item, KV entry and
secret). For each kind of change, N rounds of: the API call (timed), then the next request
to the app (timed), which must show the new value.

- config item (PUT …/config/<id>/item/greeting): the runtime re-reads a rewritten file, so
  nothing is rebuilt;
- KV entry (PUT …/kv/<id>/keys/counter): the call makes the change in the KV stores every
  loaded app shares (through the admin guest), so nothing is rebuilt;
- secret (PUT …/secret/<id>/secrets): the call returns once the app has a new execution
  context, so its time includes that build.
Baseline in the same run: the same request to the app when nothing changed.

Then the baseline of the load: the same trivial app (bench/apps/hello.wat) served by
viceroy-lib's own server (the `viceroy_serve` example of services/fastly: ViceroyService,
what the `viceroy` CLI runs), loaded with wrk exactly as the scenario's load is."""

import base64
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from _lambda import pct

base = sys.argv[1]
HOST = {"Host": "stores.edgecompute.localhost", "Fastly-Key": "bench"}
ROUNDS = {"config": 50, "kv": 20, "secret": 20}


def call(method, path, body=None, content_type=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"Fastly-Key": "bench", **(headers or {})})
    if content_type:
        req.add_header("Content-Type", content_type)
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        data = resp.read()
    return (time.perf_counter() - t) * 1000, data


def app():
    return call("GET", "/", headers=HOST)


def create(kind, payload, form=False):
    if form:
        _, data = call("POST", f"/resources/stores/{kind}", payload, "application/x-www-form-urlencoded")
    else:
        _, data = call("POST", f"/resources/stores/{kind}", json.dumps(payload).encode(), "application/json")
    return json.loads(data)["id"]


config = create("config", b"name=app_config", form=True)
kv = create("kv", {"name": "app_kv"})
secret = create("secret", {"name": "app_secrets"})
call("POST", f"/resources/stores/config/{config}/item", b"item_key=greeting&item_value=v0",
     "application/x-www-form-urlencoded")
app()  # loads the app

unchanged = [app()[0] for _ in range(50)]
changes = {
    "config": lambda n: call("PUT", f"/resources/stores/config/{config}/item/greeting",
                             f"item_value=c{n}".encode(), "application/x-www-form-urlencoded"),
    "kv": lambda n: call("PUT", f"/resources/stores/kv/{kv}/keys/counter", f"k{n}".encode()),
    "secret": lambda n: call("PUT", f"/resources/stores/secret/{secret}/secrets", json.dumps(
        {"name": "api_key", "secret": base64.b64encode(f"s{n}".encode()).decode()}).encode(),
        "application/json"),
}
expect = {"config": "config=c{}\n", "kv": "kv=k{}\n", "secret": "secret=s{}\n"}
for kind, rounds in ROUNDS.items():
    api_ms, next_ms = [], []
    for n in range(rounds):
        took, _ = changes[kind](n)
        api_ms.append(took)
        took, data = app()
        next_ms.append(took)
        assert expect[kind].format(n) in data.decode(), (kind, n, data)
    print(f"fastly-compute-hello {kind} change: API call p50 {statistics.median(api_ms):.2f} ms "
          f"(p90 {pct(api_ms, 90):.2f}), next request p50 {statistics.median(next_ms):.2f} ms "
          f"(p90 {pct(next_ms, 90):.2f}) over {rounds}, every one showing the change")
print(f"fastly-compute-hello baseline: the same request with no change p50 "
      f"{statistics.median(unchanged):.2f} ms (p90 {pct(unchanged, 90):.2f})")


# --- baseline: viceroy-lib's own server, same app, same load ---
server_bin = os.readlink(f"/proc/{os.environ['BENCH_SERVER_PID']}/exe")
viceroy = os.path.join(os.path.dirname(server_bin), "examples", "viceroy_serve")
if not os.path.exists(viceroy):
    print("fastly-compute-hello baseline skipped: build it with "
          "cargo build --release --example viceroy_serve -p ruststack-fastly")
    sys.exit(0)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
hello = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps", "hello.wat")
proc = subprocess.Popen([viceroy, hello, f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)


def load(url):
    """wrk at concurrency 8, as the scenario's load: (req/s, p50 ms)."""
    duration = os.environ.get("BENCH_DURATION", "10")
    threads = os.environ.get("BENCH_THREADS", "2")
    out = subprocess.run(["wrk", f"-t{threads}", "-c8", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return rate, float(p50.group(1)) * scale


try:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                assert resp.read() == b"hello\n"
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    # The `stores` app loaded above is unloaded after 2 s idle (bench/run starts the server
    # with --fastly-idle 2); then each server is loaded in turn, three times, so that drift
    # in the machine's speed hits both alike. ruststack's side is its --fastly-addr listener
    # (`hello` is its first app), which is what `fastly compute serve` users point at.
    time.sleep(3)
    ours = f"http://127.0.0.1:{os.environ['BENCH_FASTLY_PORT']}/"
    runs = {"viceroy": [], "ruststack": []}
    for _ in range(3):
        runs["viceroy"].append(load(f"http://127.0.0.1:{port}/"))
        runs["ruststack"].append(load(ours))
    (v_rate, v_p50), (r_rate, r_p50) = (
        (statistics.median(r for r, _ in runs[k]), statistics.median(p for _, p in runs[k]))
        for k in ("viceroy", "ruststack"))
    print(f"fastly-compute-hello baseline: viceroy-lib's own server (ViceroyService) on the same "
          f"app, same load: {v_rate:.0f} req/s, p50 {v_p50:.2f} ms (median of 3 runs: "
          f"{', '.join(f'{r:.0f}' for r, _ in runs['viceroy'])} req/s)")
    print(f"fastly-compute-hello on --fastly-addr, alternating with it: {r_rate:.0f} req/s, "
          f"p50 {r_p50:.2f} ms (median of 3 runs: "
          f"{', '.join(f'{r:.0f}' for r, _ in runs['ruststack'])} req/s); "
          f"{r_rate / v_rate:.2f} of viceroy's rate")
finally:
    proc.terminate()
    proc.wait()
