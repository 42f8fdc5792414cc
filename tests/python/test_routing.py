"""Service detection against every operation of the five AWS models: botocore serialises a
request for each operation (signed, and unsigned as curl or a browser would send it), and the
answer must come from the service the operation belongs to. The server has every AWS service
disabled, so each answer names the service it was routed to."""

import datetime as dt

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import Server, make_client

MODELS = ["s3", "dynamodb", "dynamodbstreams", "lambda", "logs"]


@pytest.fixture(scope="module")
def fastly_only():
    srv = Server(args=["--services", "fastly"])
    yield srv
    srv.stop()


def fake(shape, depth=0):
    """A value for `shape` with only required members, enough for botocore to serialise."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        return {name: fake(shape.members[name], depth + 1) for name in shape.required_members}
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind == "string":
        return shape.enum[0] if shape.enum else "x1"
    if kind in ("integer", "long"):
        return 1
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "blob":
        return b"x"
    if kind == "timestamp":
        return dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    raise AssertionError(f"unhandled shape type {kind}")


def operations(service):
    model = botocore.session.get_session().get_service_model(service)
    return [(service, name) for name in model.operation_names]


CASES = [case for service in MODELS for case in operations(service)]


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_every_operation_reaches_its_service(fastly_only, signed):
    misrouted = []
    clients = {}
    for service, operation in CASES:
        if service not in clients:
            config = Config(
                retries={"max_attempts": 1},
                parameter_validation=False,
                inject_host_prefix=False,
                signature_version=None if signed else UNSIGNED,
            )
            clients[service] = make_client(fastly_only.url, service, config=config)
        client = clients[service]
        op_model = client.meta.service_model.operation_model(operation)
        params = fake(op_model.input_shape) if op_model.input_shape else {}
        method = getattr(client, botocore.xform_name(operation))
        try:
            method(**params)
            misrouted.append((service, operation, "succeeded"))
            continue
        except ClientError as e:
            response = e.response
        except Exception as e:  # a client-side failure is a test bug; report it with the rest
            misrouted.append((service, operation, f"client error: {e!r}"))
            continue
        meta = response["ResponseMetadata"]
        message = response.get("Error", {}).get("Message", "")
        if op_model.http.get("method") == "HEAD":
            # No body: the envelope's request-id header tells which protocol answered.
            expected_header = "x-amz-request-id" if service == "s3" else "x-amzn-requestid"
            if meta["HTTPStatusCode"] != 501 or expected_header not in meta["HTTPHeaders"]:
                misrouted.append((service, operation, meta))
        elif f"Service '{service}' is not enabled" not in message:
            misrouted.append((service, operation, message or meta["HTTPStatusCode"]))
    assert not misrouted, f"{len(misrouted)} of {len(CASES)} misrouted: {misrouted[:20]}"
    assert len(CASES) > 350
