"""Creates the python3.11 no-op function bench-noop and starts 8 instances of it (8
concurrent invokes), so that wrk's 8 connections only meet warm instances. Then times warm
invokes with one client against a baseline measured in the same run, in alternating rounds:

- ruststack: POST .../bench-noop/invocations, request written -> answer read, one client;
- baseline: the same runtime client (bootstrap, working directory and environment copied
  from one of ruststack's instances) fed by _lambda.StandIn, a minimal host side of the
  Runtime API on loopback; timed event written -> result POST read. That is what the runtime
  client itself takes for one invoke (read the event, call the handler, post the result)
  plus the loopback hops. The stand-in being Python puts one recv and a header scan
  (a few microseconds) in that window, which a host in Rust would not spend: if anything
  it makes the baseline slightly slower and the figure ruststack adds slightly smaller.

ruststack adds = ruststack p50 - baseline p50: the outer HTTP request, routing, handing the
event to the instance, the log lines and REPORT, and the answer. For a breakdown the same
client also times GET /_localstack/health (the cheapest round trip through the server) and
Invoke with X-Amz-Invocation-Type: DryRun (the Lambda API up to running the function), and
reports the server's CPU time (all threads) per invoke: the rest of the added time is
waiting, e.g. for the processes involved to be woken up.
Writes the body ({})."""

import os
import statistics
import sys
import threading
import time

from _lambda import (RUNTIME, Client, StandIn, create_noop, instances, invoke_path, launch_like, pct,
                     server_program)
from _proc import cpu_seconds
from _s3 import request

ROUNDS, PER_ROUND = 5, 100
base, body_path = sys.argv[1], sys.argv[2]
pid = os.environ["BENCH_SERVER_PID"]
NAME = "bench-noop"
create_noop(base, NAME)

gate = threading.Barrier(8)


def first_invoke():
    gate.wait()
    status, _ = request(base, "POST", invoke_path(NAME), b"{}")
    assert status == 200, status


threads = [threading.Thread(target=first_invoke) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
pids = instances(pid, NAME)

client = Client(base)
invoke = client.message("POST", invoke_path(NAME), b"{}")
health = client.message("GET", "/_localstack/health")
dry_run = client.message("POST", invoke_path(NAME), b"{}", [("X-Amz-Invocation-Type", "DryRun")])
bootstrap, task_root, env = launch_like(pids[0])
stand_in = StandIn(server_program(pid, RUNTIME), bootstrap, task_root, env)


def timed(message, expect=200):
    t = time.perf_counter()
    status, _, body = client.send(message)
    elapsed = time.perf_counter() - t
    assert status == expect, (status, body[:300])
    return elapsed


for _ in range(50):
    timed(invoke)
    stand_in.round_trip()
ours, theirs, floor, dry = [], [], [], []
server_cpu = 0.0
for _ in range(ROUNDS):
    cpu = cpu_seconds(pid)
    ours += [timed(invoke) * 1000 for _ in range(PER_ROUND)]
    server_cpu += cpu_seconds(pid) - cpu
    theirs += [stand_in.round_trip() * 1000 for _ in range(PER_ROUND)]
    floor += [timed(health) * 1000 for _ in range(PER_ROUND // 2)]
    dry += [timed(dry_run, 204) * 1000 for _ in range(PER_ROUND // 2)]
stand_in.close()
client.close()

n = ROUNDS * PER_ROUND
p50, base50 = statistics.median(ours), statistics.median(theirs)
print(f"lambda-invoke-noop {len(pids)} instances warm; one client, {n} sequential invokes: "
      f"p50 {p50:.3f} ms, p99 {pct(ours, 99):.3f} ms, server CPU {server_cpu / n * 1000:.3f} ms an invoke "
      f"(same client: GET /_localstack/health p50 {statistics.median(floor):.3f} ms, "
      f"Invoke DryRun p50 {statistics.median(dry):.3f} ms)")
print(f"lambda-invoke-noop baseline: the same runtime client fed by a stand-in Runtime API, "
      f"event -> result p50 {base50:.3f} ms, p99 {pct(theirs, 99):.3f} ms over {n}; "
      f"ruststack adds p50 {p50 - base50:.3f} ms")
with open(body_path, "w") as f:
    f.write("{}")
