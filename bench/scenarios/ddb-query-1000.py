"""Creates one partition of 1,000 items of ~200 bytes; the body queries all of them."""

import json
import sys

from _ddb import ddb, item, table

base, body_path = sys.argv[1], sys.argv[2]
table(base, "bench-query")
for batch in range(40):
    ddb(base, "BatchWriteItem", {"RequestItems": {"bench-query": [
        {"PutRequest": {"Item": item("part", batch * 25 + i)}} for i in range(25)]}})
with open(body_path, "w") as f:
    json.dump({"TableName": "bench-query", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "part"}}}, f)
