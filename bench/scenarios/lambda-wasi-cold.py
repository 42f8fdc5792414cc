"""Creates bench-wasi, a sandboxed WebAssembly function (tests/python/lambda/wasm/echo.wat,
assembled; it answers {"echo": <event>}), and times its start-ups. Every invocation of a
WASI function is a cold start: a fresh instance of the module. The first invocation also
compiles the module (reported as Init Duration); later ones reuse the compiled module, so
their time is the cold start the target is about (< 20 ms with the compile cached).

Timed as the client sees it (request written -> answer read, one keep-alive connection).
Baseline, in the same run: the same Invoke of the python3.11 no-op of lambda-invoke-noop
while warm, i.e. what an invocation costs ruststack when no instance has to start.
Writes the body ({"n": 1}); the load after it is bench-wasi, one connection."""

import base64
import json
import re
import statistics
import sys
import time

from _lambda import ROLE, Client, api, create_noop, invoke_path, pct

# echo.wat assembled (wasmtime.wat2wasm), 393 bytes.
ECHO_WASM = base64.b64decode(
    "AGFzbQEAAAABEgNgBH9/f38Bf2ADf39/AGAAAAJEAhZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxB2ZkX3JlYWQAABZ3"
    "YXNpX3NuYXBzaG90X3ByZXZpZXcxCGZkX3dyaXRlAAADAwIBAgUDAQACBxMCBm1lbW9yeQIABl9zdGFydAADCoMB"
    "AhsAQQAgATYCAEEEIAI2AgAgAEEAQQFBCBABGgtlAQJ/QQJB+ABBEBACAkADQEEQQYAIIABqNgIAQRRBwKkHIABr"
    "NgIAQQBBEEEBQRgQABpBGCgCACEBIAFFDQEgACABaiEADAALC0EBQeQAQQgQAkEBQYAIIAAQAkEBQe4AQQEQAgsL"
    "LAMAQeQACwh7ImVjaG8iOgBB7gALAX0AQfgACxBoZWxsbyBmcm9tIHdhc20KAFIEbmFtZQEbAwAHZmRfcmVhZAEI"
    "ZmRfd3JpdGUCBXdyaXRlAh0CAgMAAmZkAQNwdHICA2xlbgMCAAV0b3RhbAEBbgMPAQMCAARkb25lAQRtb3Jl")
RUNS = 200
NAME, WARM = "bench-wasi", "bench-wasi-baseline"


def zip_of(name, data):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, data)
    return buf.getvalue()


base, body_path = sys.argv[1], sys.argv[2]
api(base, "POST", "/2015-03-31/functions", {
    "FunctionName": NAME, "Runtime": "provided.al2023", "Role": ROLE, "Handler": "main",
    "Code": {"ZipFile": base64.b64encode(zip_of("bootstrap.wasm", ECHO_WASM)).decode()},
    "MemorySize": 128, "Timeout": 30,
})
create_noop(base, WARM)
event = json.dumps({"n": 1}).encode()
client = Client(base)
tail = client.message("POST", invoke_path(NAME), event, [("X-Amz-Log-Type", "Tail")])


def timed(message):
    t = time.perf_counter()
    status, headers, body = client.send(message)
    assert status == 200, (status, body[:300])
    return (time.perf_counter() - t) * 1000, headers, body


first, headers, body = timed(tail)
assert json.loads(body) == {"echo": {"n": 1}}, body
log = base64.b64decode(headers.get("x-amz-log-result", "")).decode()
compiled = re.search(r"Init Duration: ([0-9.]+) ms", log)
plain = client.message("POST", invoke_path(NAME), event)
cold = [timed(plain)[0] for _ in range(RUNS)]
warm_msg = client.message("POST", invoke_path(WARM), b"{}")
timed(warm_msg)  # start the Python instance
warm = [timed(warm_msg)[0] for _ in range(RUNS)]
client.close()

print(f"lambda-wasi-cold first invoke (compiles the module) {first:.1f} ms, Init Duration "
      f"{compiled.group(1) if compiled else '?'} ms; cold start with the module cached "
      f"p50 {statistics.median(cold):.3f} ms, p90 {pct(cold, 90):.3f} ms, p99 {pct(cold, 99):.3f} ms "
      f"over {RUNS} (target < 20 ms)")
print(f"lambda-wasi-cold baseline: a warm python3.11 no-op invoke p50 {statistics.median(warm):.3f} ms, "
      f"p90 {pct(warm, 90):.3f} ms")
with open(body_path, "w") as f:
    f.write(json.dumps({"n": 1}))
