"""Creates the bucket and the 1 KiB object GetObject reads."""

import sys

from _s3 import request

base = sys.argv[1]
request(base, "PUT", "/bench-get")
request(base, "PUT", "/bench-get/get-1k", bytes(range(256)) * 4)
