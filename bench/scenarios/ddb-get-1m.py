"""Loads 1,000,000 items of ~200 bytes (BatchWriteItem, 25 at a time), reports the server's
RSS growth, and writes a GetItem body for one of them."""

import json
import os
import sys
import time

from _ddb import ddb, item, table
from _proc import rss_mb


base, body_path = sys.argv[1], sys.argv[2]
pid = os.environ.get("BENCH_SERVER_PID")
before = rss_mb(pid) if pid else 0.0
table(base, "bench-1m")
started = time.perf_counter()
for batch in range(40_000):
    ddb(base, "BatchWriteItem", {"RequestItems": {"bench-1m": [
        {"PutRequest": {"Item": item(f"p{batch}", i)}} for i in range(25)]}})
elapsed = time.perf_counter() - started
if pid:
    grown = rss_mb(pid) - before
    print(f"ddb-get-1m loaded 1,000,000 items in {elapsed:.0f} s; server RSS grew {grown:.0f} MB (now {rss_mb(pid):.0f} MB)")
with open(body_path, "w") as f:
    json.dump({"TableName": "bench-1m", "Key": {"pk": {"S": "p31234"}, "sk": {"N": "7"}}}, f)
