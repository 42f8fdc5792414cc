"""PUTs and GETs one 1 GiB object over loopback with a single client, reporting MB/s and
the server's peak RSS growth while doing so (sampled every 10 ms). The baseline is this
machine's own file-write speed: 1 GiB written (and flushed to the page cache) in 1 MiB
blocks to the temporary directory the server keeps its blobs in, just before the PUT."""

import os
import sys
import tempfile
import threading
import time

from _proc import rss_mb
from _s3 import connection, request

base = sys.argv[1]
pid = os.environ.get("BENCH_SERVER_PID")
SIZE = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
request(base, "PUT", "/bench-big")
baseline = rss_mb(pid) if pid else 0.0
peak = [baseline]
stop = threading.Event()


def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid))
        time.sleep(0.01)


if pid:
    threading.Thread(target=sample, daemon=True).start()
block = os.urandom(CHUNK)
with tempfile.NamedTemporaryFile(dir=tempfile.gettempdir()) as f:
    t = time.perf_counter()
    for _ in range(SIZE // CHUNK):
        f.write(block)
    f.flush()
    disk_s = time.perf_counter() - t
conn = connection(base)
t = time.perf_counter()
conn.putrequest("PUT", "/bench-big/1gib")
conn.putheader("Content-Length", str(SIZE))
conn.endheaders()
for _ in range(SIZE // CHUNK):
    conn.send(block)
resp = conn.getresponse()
resp.read()
put_s = time.perf_counter() - t
assert resp.status == 200, resp.status
t = time.perf_counter()
conn.request("GET", "/bench-big/1gib")
resp = conn.getresponse()
buf = bytearray(4 * CHUNK)
view = memoryview(buf)
got = 0
while True:
    n = resp.readinto(view)
    if not n:
        break
    got += n
get_s = time.perf_counter() - t
stop.set()
assert got == SIZE, got
mb = SIZE / 1e6
print(f"s3-1gib PUT {mb / put_s:.0f} MB/s, GET {mb / get_s:.0f} MB/s (single client, 1 GiB); "
      f"baseline: a plain 1 GiB file write here {mb / disk_s:.0f} MB/s; "
      f"server RSS peak growth {peak[0] - baseline:.1f} MB")
