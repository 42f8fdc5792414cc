"""Creates bench-cold (the python3.11 no-op of lambda-invoke-noop) and times 20 cold starts:
before each Invoke, UpdateFunctionConfiguration (a new Description) retires the warm
instance, so the Invoke starts a new process. Timed as the client sees it (request written
-> answer read, one keep-alive connection), with the REPORT line's Init Duration (spawn ->
the runtime client's first GET /next) read from the log tail (X-Amz-Log-Type: Tail).

Baselines, interleaved with the cold starts:
- `python3.11 -c pass`, the program ruststack finds on its PATH, spawn -> exit: the
  interpreter's own start-up.
- the runtime client started as ruststack starts it (program, bootstrap, working directory,
  environment copied from the instance) against _lambda.StandIn: spawn -> its first GET
  /next, what Init Duration measures without ruststack.
When that program is a wrapper (a pyenv shim), both are timed again with the interpreter it
runs, started directly. Writes the body ({}); the load after it is bench-cold warm, one
connection."""

import base64
import os
import re
import statistics
import subprocess
import sys
import time

from _lambda import (RUNTIME, Client, StandIn, api, create_noop, instances, invoke_path, launch_like, pct,
                     server_program)

COLD = 20
base, body_path = sys.argv[1], sys.argv[2]
pid = os.environ["BENCH_SERVER_PID"]
NAME = "bench-cold"
create_noop(base, NAME)
python = server_program(pid, RUNTIME)
real = subprocess.run([python, "-c", "import sys; print(sys.executable)"],
                      capture_output=True, text=True, check=True).stdout.strip()
wrapped = os.path.realpath(real) != os.path.realpath(python)

client = Client(base)
invoke = client.message("POST", invoke_path(NAME), b"{}", [("X-Amz-Log-Type", "Tail")])


def spawn_ms(program):
    t = time.perf_counter()
    subprocess.run([program, "-c", "pass"], check=True)
    return (time.perf_counter() - t) * 1000


cold, init, interp, client_init, interp_real, client_init_real = [], [], [], [], [], []
launch = None
for i in range(COLD):
    api(base, "PUT", f"/2015-03-31/functions/{NAME}/configuration", {"Description": f"cold start {i}"})
    t = time.perf_counter()
    status, headers, body = client.send(invoke)
    cold.append((time.perf_counter() - t) * 1000)
    assert status == 200, (status, body[:300])
    log = base64.b64decode(headers.get("x-amz-log-result", "")).decode()
    found = re.search(r"Init Duration: ([0-9.]+) ms", log)
    assert found, f"no Init Duration in the log tail: {log!r}"
    init.append(float(found.group(1)))
    if launch is None:
        launch = launch_like(instances(pid, NAME)[0])
    interp.append(spawn_ms(python))
    stand_in = StandIn(python, *launch)
    client_init.append(stand_in.ready * 1000)
    stand_in.close()
    if wrapped:
        interp_real.append(spawn_ms(real))
        stand_in = StandIn(real, *launch)
        client_init_real.append(stand_in.ready * 1000)
        stand_in.close()
client.close()

print(f"lambda-cold-start cold invoke p50 {statistics.median(cold):.1f} ms, p90 {pct(cold, 90):.1f} ms "
      f"over {COLD} (UpdateFunctionConfiguration before each); REPORT Init Duration "
      f"p50 {statistics.median(init):.1f} ms, p90 {pct(init, 90):.1f} ms")
line = (f"lambda-cold-start baseline: {RUNTIME} -c pass p50 {statistics.median(interp):.1f} ms; "
        f"the runtime client from spawn to its first GET /next on a stand-in "
        f"p50 {statistics.median(client_init):.1f} ms")
if wrapped:
    line += (f"; {RUNTIME} on PATH is {python}, which runs {real}: directly, -c pass "
             f"p50 {statistics.median(interp_real):.1f} ms and the runtime client "
             f"p50 {statistics.median(client_init_real):.1f} ms")
print(line)
with open(body_path, "w") as f:
    f.write("{}")
