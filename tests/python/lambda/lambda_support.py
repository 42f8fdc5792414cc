"""What the Lambda test modules share: deployment zips built in memory, functions created and
waited for (State/LastUpdateStatus as AWS reports them), synchronous invocations with their
payload decoded, the error of a failed call, polling with a deadline, and a recorder
function that writes every event it receives to a directory of the test's.

Functions run as local processes of the server, on this machine: a function can write files
that the test then reads, which is how the asynchronous paths (Event invocations, S3
notifications, stream mappings, log subscriptions) are observed."""

import base64
import hashlib
import io
import json
import os
import re
import time
import uuid
import zipfile
from pathlib import Path

import botocore
import pytest

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
PYTHON = "python3.11"
NODE = "nodejs20.x"
PROVIDED = "provided.al2023"


def log_stream_pattern(version="$LATEST") -> str:
    """A regex for a Lambda log stream name: 2024/05/01/[$LATEST]<32 hex digits>."""
    return r"\d{4}/\d{2}/\d{2}/\[" + re.escape(version) + r"\][0-9a-f]{32}"


def function_arn(name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def not_found(name: str, qualifier: str | None = None) -> str:
    """AWS's message for a function (or version) that does not exist."""
    return f"Function not found: {function_arn(name, qualifier)}"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_zip(files: dict, executables=()) -> bytes:
    """A deployment package with fixed timestamps, so equal contents give equal bytes (and
    an equal CodeSha256). Paths in `executables` get mode 0755, the rest 0644."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, content in files.items():
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if path in executables else 0o644
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, content)
    return buf.getvalue()


def code_sha256(data: bytes) -> str:
    """CodeSha256 as Lambda reports it: the base64 of the package's SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def wait_for(check, timeout=10.0, interval=0.05, what="the condition"):
    """Calls `check` until it returns something truthy (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def wait_active(lam, name, qualifier=None, timeout=30.0):
    """Polls GetFunctionConfiguration until State is Active (a Failed state fails the test)."""
    extra = {"Qualifier": qualifier} if qualifier else {}

    def active():
        cfg = lam.get_function_configuration(FunctionName=name, **extra)
        assert cfg["State"] != "Failed", cfg
        return cfg if cfg["State"] == "Active" else None

    return wait_for(active, timeout, what=f"{name} to become Active")


def wait_updated(lam, name, timeout=30.0):
    """Polls GetFunctionConfiguration until LastUpdateStatus is Successful."""

    def done():
        cfg = lam.get_function_configuration(FunctionName=name)
        assert cfg.get("LastUpdateStatus") != "Failed", cfg
        return cfg if cfg.get("LastUpdateStatus") == "Successful" else None

    return wait_for(done, timeout, what=f"the update of {name}")


def create_function(lam, name, zip_bytes=None, *, runtime=PYTHON, handler="handler.handler",
                    code=None, wait=True, **kwargs):
    """CreateFunction with the test role; waits for Active unless `wait` is false."""
    created = lam.create_function(
        FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE,
        Code=code or {"ZipFile": zip_bytes}, **kwargs,
    )
    return wait_active(lam, name) if wait else created


def invoke(lam, name, payload=None, **kwargs):
    """Invoke; returns (response, the payload parsed as JSON or None when empty). The raw
    bytes stay in response["RawPayload"]."""
    args = {"FunctionName": name, **kwargs}
    if payload is not None:
        args["Payload"] = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    response = lam.invoke(**args)
    raw = response["Payload"].read()
    response["RawPayload"] = raw
    return response, (json.loads(raw) if raw else None)


def request_id(response) -> str:
    return response["ResponseMetadata"]["RequestId"]


def tail_of(response) -> str:
    """The decoded X-Amz-Log-Result of a LogType=Tail invocation."""
    return base64.b64decode(response["LogResult"]).decode("utf-8", errors="replace")


def error_of(call):
    """The parsed error response of a call that must fail (modeled fields such as Reason and
    Type are at the top level, as botocore puts them)."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response


def error(call):
    """(code, message) of a call that must fail."""
    response = error_of(call)
    return response["Error"]["Code"], response["Error"]["Message"]


def client_context(data: dict) -> str:
    """The ClientContext parameter: base64 of the JSON document, as the SDKs send it."""
    return base64.b64encode(json.dumps(data).encode()).decode()


# A function that records each event it receives as <request id>.json in $OUT_DIR.
RECORDER = '''\
import json
import os


def handler(event, context):
    out = os.environ["OUT_DIR"]
    record = {
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "event": event,
    }
    path = os.path.join(out, context.aws_request_id + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(record, f)
    os.replace(path + ".tmp", path)
    return {"recorded": True}
'''

RECORDER_ZIP = make_zip({"handler.py": RECORDER})


def create_recorder(lam, name, out_dir, **kwargs):
    """A recorder function writing into `out_dir`; returns its ARN."""
    create_function(lam, name, RECORDER_ZIP, Environment={"Variables": {"OUT_DIR": str(out_dir)}},
                    **kwargs)
    return function_arn(name)


def recorded(out_dir) -> list[dict]:
    """Everything a recorder wrote so far, oldest first."""
    files = sorted(Path(out_dir).glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return [json.loads(p.read_text()) for p in files]


def wait_recorded(out_dir, predicate=lambda records: records, timeout=10.0, what="an event"):
    """Polls the recorder's directory until `predicate(records)` is truthy; returns records."""

    def check():
        records = recorded(out_dir)
        return records if predicate(records) else None

    return wait_for(check, timeout, interval=0.05, what=what)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def env_path_entries(value: str | None) -> list[str]:
    return [p for p in (value or "").split(os.pathsep) if p]
