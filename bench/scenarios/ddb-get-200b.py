"""Creates the table with 10,000 items of ~200 bytes; the body gets one of them."""

import json
import sys

from _ddb import ddb, item, table

base, body_path = sys.argv[1], sys.argv[2]
table(base, "bench-get")
for batch in range(400):
    ddb(base, "BatchWriteItem", {"RequestItems": {"bench-get": [
        {"PutRequest": {"Item": item(f"p{batch}", i)}} for i in range(25)]}})
with open(body_path, "w") as f:
    json.dump({"TableName": "bench-get", "Key": {"pk": {"S": "p123"}, "sk": {"N": "7"}}}, f)
