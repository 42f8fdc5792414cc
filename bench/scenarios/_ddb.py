"""DynamoDB setup helpers for scenarios (stdlib only)."""

from _aws import call


def ddb(base, op, payload):
    return call(base, f"DynamoDB_20120810.{op}", payload, version="1.0")


def table(base, name):
    ddb(base, "CreateTable", {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST",
    })


def item(pk, sk):
    """An item of about 200 bytes."""
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "name": {"S": "x" * 120},
            "count": {"N": "12345"}, "flag": {"BOOL": True}, "tags": {"SS": ["alpha", "beta", "gamma"]}}
