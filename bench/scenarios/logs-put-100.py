"""Creates a log group and stream, and writes a PutLogEvents body of 100 events stamped now
(events older than 14 days would be rejected, not stored)."""

import json
import sys
import time

from _aws import call

base, body_path = sys.argv[1], sys.argv[2]
call(base, "Logs_20140328.CreateLogGroup", {"logGroupName": "bench-put"})
call(base, "Logs_20140328.CreateLogStream", {"logGroupName": "bench-put", "logStreamName": "s"})
now = int(time.time() * 1000)
events = [
    {"timestamp": now + i, "message": f"2026-01-01T00:00:00Z INFO request {i} served in 12 ms user=alice"}
    for i in range(100)
]
with open(body_path, "w") as f:
    json.dump({"logGroupName": "bench-put", "logStreamName": "s", "logEvents": events}, f)
