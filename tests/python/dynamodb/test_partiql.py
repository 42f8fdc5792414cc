"""PartiQL through boto3 and the AWS CLI: ExecuteStatement (SELECT, INSERT, UPDATE, DELETE
with parameters, RETURNING, pagination), BatchExecuteStatement and ExecuteTransaction, with
DynamoDB's errors."""

import json

import pytest
from botocore.exceptions import ClientError


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


@pytest.fixture
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def orders(ddb):
    ddb.create_table(
        TableName="orders",
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    yield "orders"
    ddb.delete_table(TableName="orders")


def run(ddb, statement, *params, **kwargs):
    if params:
        kwargs["Parameters"] = list(params)
    return ddb.execute_statement(Statement=statement, **kwargs)


def test_insert_select_update_delete(ddb, orders):
    run(ddb, "INSERT INTO orders VALUE {'customer': 'ann', 'order': 1, 'status': 'open', 'total': 10, 'tags': <<'a', 'b'>>, 'lines': [{'sku': 'x'}]}")
    run(ddb, 'INSERT INTO "orders" VALUE {\'customer\': ?, \'order\': ?, \'status\': ?, \'total\': ?}',
        {"S": "ann"}, {"N": "2"}, {"S": "shipped"}, {"N": "25"})
    run(ddb, "INSERT INTO orders VALUE {'customer': 'bob', 'order': 1, 'status': 'open', 'total': 5}")
    # The item API sees what PartiQL wrote.
    item = ddb.get_item(TableName="orders", Key={"customer": {"S": "ann"}, "order": {"N": "1"}})["Item"]
    assert item["tags"] == {"SS": ["a", "b"]} and item["lines"] == {"L": [{"M": {"sku": {"S": "x"}}}]}

    items = run(ddb, "SELECT * FROM orders WHERE customer = 'ann'")["Items"]
    assert [i["order"]["N"] for i in items] == ["1", "2"]
    items = run(ddb, "SELECT total FROM orders WHERE customer = ? AND \"order\" > 1", {"S": "ann"})["Items"]
    assert items == [{"total": {"N": "25"}}]
    items = run(ddb, "SELECT customer FROM orders WHERE total >= 10")["Items"]
    assert sorted(i["customer"]["S"] for i in items) == ["ann", "ann"]
    items = run(ddb, "SELECT * FROM orders.\"by-status\" WHERE status = 'open'")["Items"]
    assert sorted(i["customer"]["S"] for i in items) == ["ann", "bob"]
    items = run(ddb, "SELECT * FROM orders WHERE customer = 'ann' AND begins_with(status, 'ship')")["Items"]
    assert [i["order"]["N"] for i in items] == ["2"]
    items = run(ddb, "SELECT * FROM orders WHERE tags IS NOT MISSING")["Items"]
    assert len(items) == 1

    out = run(ddb, "UPDATE orders SET total = total + 1 SET note = 'x' REMOVE tags WHERE customer = 'ann' AND \"order\" = 1 RETURNING ALL NEW *")
    assert out["Items"][0]["total"] == {"N": "11"} and "tags" not in out["Items"][0]
    out = run(ddb, "UPDATE orders SET status = 'closed' WHERE customer = 'bob' AND \"order\" = 1 AND total < 100 RETURNING MODIFIED OLD *")
    assert out["Items"] == [{"status": {"S": "open"}}]
    out = run(ddb, "DELETE FROM orders WHERE customer = 'bob' AND \"order\" = 1 RETURNING ALL OLD *")
    assert out["Items"][0]["status"] == {"S": "closed"}
    assert "Item" not in ddb.get_item(TableName="orders", Key={"customer": {"S": "bob"}, "order": {"N": "1"}})


def test_errors(ddb, orders):
    run(ddb, "INSERT INTO orders VALUE {'customer': 'ann', 'order': 1}")
    err = error(lambda: run(ddb, "INSERT INTO orders VALUE {'customer': 'ann', 'order': 1}"))
    assert err["Error"] == {"Code": "DuplicateItemException", "Message": "Duplicate primary key exists in table"}
    err = error(lambda: run(ddb, "UPDATE orders SET total = 1 WHERE customer = 'zed' AND \"order\" = 1"))
    assert err["Error"]["Code"] == "ConditionalCheckFailedException"
    err = error(lambda: run(ddb, "UPDATE orders SET total = 1 WHERE customer = 'ann'"))
    assert err["Error"] == {"Code": "ValidationException",
                            "Message": "Where clause does not contain a mandatory equality on all key attributes"}
    err = error(lambda: run(ddb, "DELETE FROM orders WHERE customer = 'ann' AND \"order\" = 1 AND total > 5"))
    assert err["Error"]["Code"] == "ConditionalCheckFailedException"
    err = error(lambda: run(ddb, "SELEC * FROM orders"))
    assert err["Error"]["Code"] == "ValidationException"
    assert err["Error"]["Message"].startswith("Statement wasn't well formed, can't be processed:")
    err = error(lambda: run(ddb, "SELECT * FROM orders WHERE customer = ?"))
    assert err["Error"]["Message"] == "Number of parameters in request and statement don't match."
    err = error(lambda: run(ddb, "SELECT * FROM missing_table"))
    assert err["Error"]["Code"] == "ResourceNotFoundException"
    # A failed statement changes nothing.
    assert "total" not in ddb.get_item(TableName="orders", Key={"customer": {"S": "ann"}, "order": {"N": "1"}})["Item"]


def test_pagination(ddb, orders):
    for n in range(5):
        run(ddb, "INSERT INTO orders VALUE {'customer': 'c', 'order': ?}", {"N": str(n)})
    seen, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = run(ddb, "SELECT * FROM orders WHERE customer = 'c'", Limit=2, **kwargs)
        seen += [i["order"]["N"] for i in page["Items"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ["0", "1", "2", "3", "4"]


def test_batch_execute_statement(ddb, orders):
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO orders VALUE {'customer': 'a', 'order': 1}"},
        {"Statement": "INSERT INTO orders VALUE {'customer': 'b', 'order': 1}"},
        {"Statement": "INSERT INTO orders VALUE {'customer': 'a', 'order': 1}"},
    ])["Responses"]
    assert "Error" not in out[0] and "Error" not in out[1]
    assert out[2]["Error"]["Code"] == "DuplicateItem"
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT * FROM orders WHERE customer = ? AND \"order\" = ?", "Parameters": [{"S": "a"}, {"N": "1"}]},
        {"Statement": "SELECT * FROM orders WHERE customer = 'nobody' AND \"order\" = 1"},
        {"Statement": "SELECT * FROM orders WHERE customer = 'a'"},
    ])["Responses"]
    assert out[0]["Item"]["customer"] == {"S": "a"} and out[0]["TableName"] == "orders"
    assert "Item" not in out[1] and "Error" not in out[1]
    assert out[2]["Error"]["Code"] == "ValidationError"
    err = error(lambda: ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT * FROM orders WHERE customer = 'a' AND \"order\" = 1"},
        {"Statement": "DELETE FROM orders WHERE customer = 'a' AND \"order\" = 1"}]))
    assert err["Error"]["Code"] == "ValidationException"


def test_execute_transaction(ddb, orders, aws):
    ddb.execute_transaction(TransactStatements=[
        {"Statement": "INSERT INTO orders VALUE {'customer': 't', 'order': 1, 'total': 1}"},
        {"Statement": "INSERT INTO orders VALUE {'customer': 't', 'order': 2, 'total': 2}"},
    ])
    err = error(lambda: ddb.execute_transaction(TransactStatements=[
        {"Statement": "UPDATE orders SET total = 100 WHERE customer = 't' AND \"order\" = 1"},
        {"Statement": "INSERT INTO orders VALUE {'customer': 't', 'order': 2}"},
    ]))
    assert err["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in err["CancellationReasons"]] == ["None", "DuplicateItem"]
    # All or nothing: the update did not happen.
    got = ddb.execute_transaction(TransactStatements=[
        {"Statement": "SELECT total FROM orders WHERE customer = 't' AND \"order\" = 1"},
        {"Statement": "SELECT * FROM orders WHERE customer = 't' AND \"order\" = 9"},
    ])["Responses"]
    assert got[0]["Item"] == {"total": {"N": "1"}} and got[1] == {}
    out = aws("dynamodb", "execute-statement", "--statement", "SELECT * FROM orders WHERE customer = 't'")
    assert out.returncode == 0, out.stderr
    assert [i["order"]["N"] for i in json.loads(out.stdout)["Items"]] == ["1", "2"]
