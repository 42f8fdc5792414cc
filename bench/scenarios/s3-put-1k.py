"""Creates the bucket and writes a 1 KiB object body for PutObject."""

import sys

from _s3 import request

base, body_path = sys.argv[1], sys.argv[2]
request(base, "PUT", "/bench-put")
with open(body_path, "wb") as f:
    f.write(bytes(range(256)) * 4)
