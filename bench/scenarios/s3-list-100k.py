"""Puts 100,000 keys (k00000…k99999) and times the first ListObjectsV2 page of 1,000 keys
under a prefix with a single client."""

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from _s3 import connection, request

base = sys.argv[1]
request(base, "PUT", "/bench-list")


def put_range(start):
    conn = connection(base)
    for i in range(start, start + 12_500):
        conn.request("PUT", f"/bench-list/k{i:05d}", body=b"x")
        conn.getresponse().read()
    conn.close()


started = time.perf_counter()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(put_range, range(0, 100_000, 12_500)))
loaded = time.perf_counter() - started
conn = connection(base)
times = []
for _ in range(50):
    t = time.perf_counter()
    conn.request("GET", "/bench-list?list-type=2&prefix=k5&max-keys=1000")
    body = conn.getresponse().read()
    times.append((time.perf_counter() - t) * 1000)
assert body.count(b"<Key>") == 1000, body[:300]
print(f"s3-list-100k loaded 100,000 keys in {loaded:.0f} s; first page of 1,000 (prefix k5): "
      f"median {statistics.median(times):.2f} ms, max {max(times):.2f} ms over 50 single-client calls")
