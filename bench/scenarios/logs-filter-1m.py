"""Loads 1,000,000 events into one log group (10 streams, 5% of them ERROR lines), then
times FilterLogEvents' first page for a term pattern with a single client: one pattern that
fills the page (ERROR) and one that matches nothing (a full scan). Writes the load body."""

import json
import statistics
import sys
import time
import urllib.request

from _aws import call

base, body_path = sys.argv[1], sys.argv[2]
GROUP = "bench-filter"
call(base, "Logs_20140328.CreateLogGroup", {"logGroupName": GROUP})
start = int(time.time() * 1000) - 3_600_000
n = 0
for stream in range(10):
    name = f"stream-{stream}"
    call(base, "Logs_20140328.CreateLogStream", {"logGroupName": GROUP, "logStreamName": name})
    for batch in range(10):
        events = []
        for i in range(10_000):
            level = "ERROR" if n % 20 == 0 else "INFO"
            events.append({"timestamp": start + n // 10, "message": f"{level} request {n} path=/api/items/{n % 977} took {n % 250} ms"})
            n += 1
        call(base, "Logs_20140328.PutLogEvents", {"logGroupName": GROUP, "logStreamName": name, "logEvents": events})


def first_page(pattern):
    payload = json.dumps({"logGroupName": GROUP, "filterPattern": pattern}).encode()
    times = []
    for _ in range(7):
        req = urllib.request.Request(base + "/", data=payload, method="POST", headers={
            "X-Amz-Target": "Logs_20140328.FilterLogEvents", "Content-Type": "application/x-amz-json-1.1"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as resp:
            page = json.loads(resp.read())
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(page["events"])


for label, pattern in [("ERROR", "ERROR"), ("no match", "NOSUCHTERM")]:
    ms, count = first_page(pattern)
    print(f"logs-filter-1m first page, pattern {label!r}: {ms:.1f} ms median of 7 ({count} events, 1,000,000 stored)")

with open(body_path, "w") as f:
    json.dump({"logGroupName": GROUP, "filterPattern": "ERROR", "limit": 100}, f)
