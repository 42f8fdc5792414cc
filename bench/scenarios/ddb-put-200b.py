"""Creates the table; the body puts one ~200-byte item (the same key, overwritten)."""

import json
import sys

from _ddb import item, table

base, body_path = sys.argv[1], sys.argv[2]
table(base, "bench-put")
with open(body_path, "w") as f:
    json.dump({"TableName": "bench-put", "Item": item("p", 1)}, f)
