"""Invoke: RequestResponse with Python and Node (CommonJS, ES modules, async and callback
handlers) and a provided.al2023 shell bootstrap speaking the Runtime API with curl; Event
(202, run later) and DryRun (204); LogType Tail; the executed version; client context; the
context object and the environment AWS sets; handler errors, timeouts, crashes and bad
handler names with AWS's payloads; warm reuse, idle unloading and concurrency limits."""

import base64
import json
import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from lambda_support import (
    NODE, PROVIDED, PYTHON, alive, client_context, create_function, error, error_of,
    function_arn, invoke, log_stream_pattern, make_zip, not_found, request_id, tail_of, unique,
    wait_for, wait_updated,
)

PY_MAIN = '''\
import json
import os
import time
import urllib.request


def handler(event, context):
    action = event.get("action", "echo") if isinstance(event, dict) else "echo"
    if action == "echo":
        return {"event": event}
    if action == "print":
        for line in event["lines"]:
            print(line)
        return {"printed": len(event["lines"])}
    if action == "context":
        cc = context.client_context
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": str(context.memory_limit_in_mb),
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
            "client_context": None if cc is None else {"custom": cc.custom, "env": cc.env},
        }
    if action == "env":
        env = dict(os.environ)
        try:
            url = env["AWS_ENDPOINT_URL"].rstrip("/") + "/_localstack/health"
            with urllib.request.urlopen(url, timeout=5) as r:
                health = r.status
        except Exception as e:
            health = repr(e)
        root = env.get("LAMBDA_TASK_ROOT", "")
        return {
            "env": env,
            "cwd": os.getcwd(),
            "handler_in_task_root": os.path.isfile(os.path.join(root, "handler.py")),
            "health": health,
        }
    if action == "fail":
        raise ValueError("boom " + event.get("detail", ""))
    if action == "write":
        time.sleep(event.get("delay", 0))
        with open(event["path"] + ".tmp", "w") as f:
            json.dump({"request_id": context.aws_request_id, "event": event}, f)
        os.replace(event["path"] + ".tmp", event["path"])
        return {"written": True}
    return {"unknown": action}
'''

PY_COUNTER = '''\
import os
import uuid

COUNT = 0
INSTANCE = uuid.uuid4().hex


def handler(event, context):
    global COUNT
    COUNT += 1
    return {"count": COUNT, "instance": INSTANCE, "pid": os.getpid()}
'''

PY_SLOW = '''\
import os
import time
import uuid

INSTANCE = uuid.uuid4().hex


def handler(event, context):
    if event.get("marker"):
        with open(event["marker"] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(event["marker"] + ".tmp", event["marker"])
    time.sleep(event.get("seconds", 0))
    return {"instance": INSTANCE, "pid": os.getpid()}
'''

PY_CRASH = '''\
import os
import subprocess
import time


def handler(event, context):
    if event.get("exit"):
        print("about to exit")
        os._exit(1)
    return {"pid": os.getpid()}


def hang(event, context):
    child = subprocess.Popen(["sleep", "30"])
    with open(event["pidfile"], "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    print("going to sleep")
    time.sleep(30)
    return "never"
'''

PY_ZIP = make_zip({
    "handler.py": PY_MAIN, "counter.py": PY_COUNTER, "slow.py": PY_SLOW, "crash.py": PY_CRASH,
})

NODE_CJS = '''\
let count = 0;

exports.handler = async (event, context) => {
  count += 1;
  if (event.action === "fail") {
    throw new Error("node boom");
  }
  if (event.action === "context") {
    return {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: String(context.memoryLimitInMB),
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
      clientContext: context.clientContext || null,
      env: {
        name: process.env.AWS_LAMBDA_FUNCTION_NAME,
        handler: process.env._HANDLER,
        region: process.env.AWS_REGION,
        tz: process.env.TZ,
      },
    };
  }
  console.log("node says hi");
  return { style: "commonjs", count, event };
};
'''

NODE_CALLBACK = '''\
exports.handler = (event, context, callback) => {
  if (event.fail) {
    callback(new Error("callback boom"));
    return;
  }
  setTimeout(() => callback(null, { style: "callback", event }), 10);
};
'''

NODE_ESM = '''\
import { setTimeout as sleep } from "node:timers/promises";

export const handler = async (event) => {
  await sleep(5);
  return { style: "esm", event, fileUrl: import.meta.url.startsWith("file://") };
};
'''

NODE_ZIP = make_zip({"index.js": NODE_CJS, "cb.js": NODE_CALLBACK, "esm.mjs": NODE_ESM})

BOOTSTRAP = '''\
#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HEADERS="$(mktemp)"
header() {
  grep -i "^$1:" "$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\\r\\n'
}
while true; do
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  REQUEST_ID="$(header Lambda-Runtime-Aws-Request-Id)"
  ARN="$(header Lambda-Runtime-Invoked-Function-Arn)"
  DEADLINE="$(header Lambda-Runtime-Deadline-Ms)"
  case "$EVENT" in
    *fail*)
      echo "shell failing $REQUEST_ID"
      curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: Custom.ShellFailure" \\
        --data-binary '{"errorMessage":"the shell failed","errorType":"Custom.ShellFailure"}' \\
        "$API/invocation/$REQUEST_ID/error"
      ;;
    *)
      echo "shell handled $REQUEST_ID"
      curl -sS -o /dev/null -X POST \\
        --data-binary "{\\"event\\":$EVENT,\\"requestId\\":\\"$REQUEST_ID\\",\\"arn\\":\\"$ARN\\",\\"deadline\\":$DEADLINE,\\"handler\\":\\"$_HANDLER\\",\\"cwd\\":\\"$(pwd)\\",\\"taskRoot\\":\\"$LAMBDA_TASK_ROOT\\"}" \\
        "$API/invocation/$REQUEST_ID/response"
      ;;
  esac
done
'''

SHELL_ZIP = make_zip({"bootstrap": BOOTSTRAP}, executables={"bootstrap"})

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def py(lam):
    name = unique("py")
    create_function(lam, name, PY_ZIP, MemorySize=256, Environment={"Variables": {"GREETING": "hello"}})
    return name


@pytest.fixture(scope="module")
def node(lam):
    name = unique("node")
    create_function(lam, name, NODE_ZIP, runtime=NODE, handler="index.handler")
    return name


@pytest.fixture(scope="module")
def slow(lam):
    name = unique("slow")
    create_function(lam, name, PY_ZIP, handler="slow.handler", Timeout=10)
    return name


# --- Python -----------------------------------------------------------------------------


def test_request_response_python(lam, py):
    response, body = invoke(lam, py, {"hello": "world", "n": [1, 2]})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response and "LogResult" not in response
    assert body == {"event": {"hello": "world", "n": [1, 2]}}
    assert UUID.match(request_id(response))
    # Any JSON value is an event; no payload at all is an empty object.
    assert invoke(lam, py, [1, "two"])[1] == {"event": [1, "two"]}
    assert invoke(lam, py, "\"just a string\"")[1] == {"event": "just a string"}
    assert invoke(lam, py)[1] == {"event": {}}


def test_invoke_by_arn_and_partial_arn(lam, py):
    assert invoke(lam, function_arn(py), {"by": "arn"})[1] == {"event": {"by": "arn"}}
    assert invoke(lam, f"000000000000:function:{py}", {"by": "partial"})[1] == {"event": {"by": "partial"}}


def test_context_object(lam, py):
    response, ctx = invoke(lam, py, {"action": "context"})
    assert ctx["function_name"] == py
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == function_arn(py)
    assert ctx["memory_limit_in_mb"] == "256"
    assert ctx["aws_request_id"] == request_id(response)
    assert ctx["log_group_name"] == f"/aws/lambda/{py}"
    assert re.fullmatch(log_stream_pattern(), ctx["log_stream_name"]), ctx["log_stream_name"]
    assert 0 < ctx["remaining"] <= 3000
    assert ctx["client_context"] is None


def test_client_context_reaches_the_function(lam, py, node):
    document = {"custom": {"user": "alice", "n": 1}, "env": {"platform": "test"},
                "client": {"installation_id": "i-1", "app_title": "tests"}}
    _, ctx = invoke(lam, py, {"action": "context"}, ClientContext=client_context(document))
    assert ctx["client_context"] == {"custom": {"user": "alice", "n": 1}, "env": {"platform": "test"}}
    _, ctx = invoke(lam, node, {"action": "context"}, ClientContext=client_context(document))
    assert ctx["clientContext"]["custom"] == {"user": "alice", "n": 1}
    assert ctx["clientContext"]["env"] == {"platform": "test"}


def test_environment_aws_sets(lam, py, server):
    _, out = invoke(lam, py, {"action": "env"})
    env = out["env"]
    assert env["GREETING"] == "hello"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == py
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == "us-east-1" and env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{py}"
    assert re.fullmatch(log_stream_pattern(), env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["_HANDLER"] == "handler.handler"
    assert env["TZ"] == ":UTC"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert re.fullmatch(r"[^:]+:\d+", env["AWS_LAMBDA_RUNTIME_API"]), env["AWS_LAMBDA_RUNTIME_API"]
    # The code is in LAMBDA_TASK_ROOT, which is also the working directory.
    assert env["LAMBDA_TASK_ROOT"] and out["handler_in_task_root"] is True
    assert os.path.realpath(out["cwd"]) == os.path.realpath(env["LAMBDA_TASK_ROOT"])
    assert env["LAMBDA_RUNTIME_DIR"]
    # AWS_ENDPOINT_URL points back at this server, so the function's SDK calls reach it.
    endpoint = urlparse(env["AWS_ENDPOINT_URL"])
    assert endpoint.scheme == "http" and endpoint.port == server.port
    assert endpoint.hostname in ("127.0.0.1", "localhost")
    assert out["health"] == 200
    # The test process's own settings do not leak into the function.
    assert "PYTEST_CURRENT_TEST" not in env


def test_logtype_tail_holds_the_end_of_the_log(lam, py):
    response, body = invoke(lam, py, {"action": "print", "lines": ["first line", "second line"]},
                            LogType="Tail")
    assert body == {"printed": 2}
    rid = request_id(response)
    tail = tail_of(response)
    assert f"START RequestId: {rid} Version: $LATEST" in tail
    assert "first line\n" in tail and "second line\n" in tail
    assert f"END RequestId: {rid}" in tail
    assert re.search(rf"REPORT RequestId: {rid}\tDuration: \d+\.\d{{2}} ms\tBilled Duration: \d+ ms\t"
                     rf"Memory Size: 256 MB\tMax Memory Used: \d+ MB", tail), tail
    assert tail.index("START") < tail.index("first line") < tail.index("END") < tail.index("REPORT")

    # Only the last 4 KB are returned.
    lines = [f"line {i:05d} " + "x" * 80 for i in range(200)]
    response, _ = invoke(lam, py, {"action": "print", "lines": lines}, LogType="Tail")
    raw = base64.b64decode(response["LogResult"])
    assert 3500 < len(raw) <= 4096
    tail = raw.decode(errors="replace")
    assert lines[-1] in tail and lines[0] not in tail
    assert f"REPORT RequestId: {request_id(response)}" in tail


def test_event_invocation_runs_later(lam, py, tmp_path):
    target = tmp_path / "event.json"
    started = time.monotonic()
    response, body = invoke(lam, py, {"action": "write", "path": str(target), "delay": 1.0},
                            InvocationType="Event")
    elapsed = time.monotonic() - started
    assert response["StatusCode"] == 202 and body is None
    assert elapsed < 1.0, "an Event invocation must not wait for the function"
    assert not target.exists()
    written = json.loads(wait_for(lambda: target.exists() and target.read_text(), 10,
                                  what="the asynchronous invocation"))
    assert written["event"]["action"] == "write"
    assert UUID.match(written["request_id"])


def test_dry_run_checks_without_running(lam, py, tmp_path):
    target = tmp_path / "dry.json"
    response, body = invoke(lam, py, {"action": "write", "path": str(target)}, InvocationType="DryRun")
    assert response["StatusCode"] == 204 and body is None
    time.sleep(0.3)
    assert not target.exists()
    missing = unique("missing")
    assert error(lambda: lam.invoke(FunctionName=missing, InvocationType="DryRun")) == (
        "ResourceNotFoundException", not_found(missing))


def test_invoke_errors_of_the_request(lam, py):
    missing = unique("missing")
    response = error_of(lambda: lam.invoke(FunctionName=missing, Payload=b"{}"))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ResourceNotFoundException", not_found(missing))
    response = error_of(lambda: lam.invoke(FunctionName=py, Payload=b"this is not json"))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json:")
    # Over 6 MB for a synchronous invocation.
    response = error_of(lambda: lam.invoke(FunctionName=py, Payload=json.dumps({"x": "y" * 6_300_000})))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert response["Error"]["Message"] == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"


def test_python_handler_error(lam, py):
    response, body = invoke(lam, py, {"action": "fail", "detail": "here"}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom here"
    assert isinstance(body["stackTrace"], list) and body["stackTrace"]
    assert all(isinstance(frame, str) for frame in body["stackTrace"])
    assert any('raise ValueError("boom " + event.get("detail", ""))' in frame for frame in body["stackTrace"])
    assert any("handler.py" in frame and "in handler" in frame for frame in body["stackTrace"])
    assert "[ERROR] ValueError: boom here" in tail_of(response)
    # The instance survives a handled exception.
    assert invoke(lam, py, {"ok": 1})[1] == {"event": {"ok": 1}}


def test_timeout(lam, tmp_path):
    name = unique("timeout")
    create_function(lam, name, PY_ZIP, handler="crash.hang", Timeout=1)
    pidfile = tmp_path / "pids"
    started = time.monotonic()
    response, body = invoke(lam, name, {"pidfile": str(pidfile)}, LogType="Tail")
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 5, elapsed
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    rid = request_id(response)
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds"}
    tail = tail_of(response)
    assert "going to sleep" in tail and "Task timed out after 1.00 seconds" in tail
    # The whole process group is gone: the function's process and the child it started.
    function_pid, child_pid = map(int, pidfile.read_text().split())
    wait_for(lambda: not alive(function_pid) and not alive(child_pid), 5,
             what="the timed-out function's processes to be killed")
    # The next invocation gets a fresh instance and times out the same way.
    response, body = invoke(lam, name, {"pidfile": str(pidfile)})
    assert body["errorType"] == "Sandbox.Timedout"


def test_crashing_process(lam):
    name = unique("crash")
    create_function(lam, name, PY_ZIP, handler="crash.handler")
    first_pid = invoke(lam, name, {})[1]["pid"]
    response, body = invoke(lam, name, {"exit": True})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    rid = request_id(response)
    assert body == {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 1"}
    # A new instance serves the next invocation.
    response, body = invoke(lam, name, {})
    assert "FunctionError" not in response and body["pid"] != first_pid


MEMORY_HOG = """
def handler(event, context):
    hoard = []
    for _ in range(event["mb"]):
        hoard.append(bytearray(1024 * 1024))
    return {"held_mb": len(hoard)}
"""


def test_memory_size_is_a_limit(lam):
    name = unique("memory")
    create_function(lam, name, make_zip({"hog.py": MEMORY_HOG}), handler="hog.handler",
                    MemorySize=128, Timeout=10)
    # Within the limit the function runs and stays warm.
    assert invoke(lam, name, {"mb": 16})[1] == {"held_mb": 16}
    response, body = invoke(lam, name, {"mb": 400}, LogType="Tail")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    rid = request_id(response)
    assert body == {"errorType": "Runtime.OutOfMemory",
                    "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed"}
    tail = tail_of(response)
    assert "Max Memory Used: 128 MB" in tail and "Error Type: Runtime.OutOfMemory" in tail
    # A new instance serves the next invocation.
    assert invoke(lam, name, {"mb": 1})[1] == {"held_mb": 1}


def test_bad_python_handler_names(lam):
    nomodule = unique("nomodule")
    create_function(lam, nomodule, PY_ZIP, handler="nope.handler")
    response, body = invoke(lam, nomodule, {})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'nope': No module named 'nope'"

    nofunction = unique("nofunction")
    create_function(lam, nofunction, PY_ZIP, handler="handler.nope")
    response, body = invoke(lam, nofunction, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'nope' missing on module 'handler'"


def test_warm_instance_is_reused_and_replaced_on_change(lam):
    name = unique("counter")
    create_function(lam, name, PY_ZIP, handler="counter.handler")
    results = [invoke(lam, name, {})[1] for _ in range(3)]
    assert [r["count"] for r in results] == [1, 2, 3]
    assert len({r["instance"] for r in results}) == 1
    # A configuration change unloads the instance.
    lam.update_function_configuration(FunctionName=name, Description="changed")
    wait_updated(lam, name)
    after = invoke(lam, name, {})[1]
    assert after["count"] == 1 and after["instance"] != results[0]["instance"]
    wait_for(lambda: not alive(results[0]["pid"]), 5, what="the old instance to stop")


def test_concurrent_invocations_run_in_parallel_instances(lam, slow):
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: invoke(lam, slow, {"seconds": 1.0}), range(4)))
    elapsed = time.monotonic() - started
    assert all(r["StatusCode"] == 200 and "FunctionError" not in r for r, _ in results)
    assert len({body["instance"] for _, body in results}) == 4
    assert elapsed < 3.5, f"4 invocations of 1 s took {elapsed:.1f} s"


def test_reserved_concurrency_throttles(lam, slow, tmp_path):
    lam.put_function_concurrency(FunctionName=slow, ReservedConcurrentExecutions=1)
    try:
        marker = tmp_path / "started"
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(invoke, lam, slow, {"seconds": 1.5, "marker": str(marker)})
            wait_for(marker.exists, 15, what="the first invocation to start")
            response = error_of(lambda: lam.invoke(FunctionName=slow, Payload=b"{}"))
            assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
            assert response["Error"]["Code"] == "TooManyRequestsException"
            assert response["Error"]["Message"] == "Rate Exceeded."
            assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
            assert response["Type"] == "User"
            result, _ = first.result(timeout=30)
            assert result["StatusCode"] == 200 and "FunctionError" not in result
        # Once the first one has finished, the slot is free again.
        assert invoke(lam, slow, {})[0]["StatusCode"] == 200
        # Zero reserved concurrency throttles every invocation.
        lam.put_function_concurrency(FunctionName=slow, ReservedConcurrentExecutions=0)
        response = error_of(lambda: lam.invoke(FunctionName=slow, Payload=b"{}"))
        assert response["Error"]["Code"] == "TooManyRequestsException"
        assert response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    finally:
        lam.delete_function_concurrency(FunctionName=slow)
    assert invoke(lam, slow, {})[0]["StatusCode"] == 200


# --- Node -------------------------------------------------------------------------------


def test_node_commonjs_async_handler(lam, node):
    response, body = invoke(lam, node, {"a": 1}, LogType="Tail")
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    assert body["style"] == "commonjs" and body["event"] == {"a": 1}
    tail = tail_of(response)
    rid = request_id(response)
    assert re.search(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tINFO\tnode says hi", tail), tail
    assert f"REPORT RequestId: {rid}" in tail
    # Module state persists on the warm instance.
    assert invoke(lam, node, {})[1]["count"] == body["count"] + 1


def test_node_context(lam, node):
    response, ctx = invoke(lam, node, {"action": "context"})
    assert ctx["functionName"] == node and ctx["functionVersion"] == "$LATEST"
    assert ctx["invokedFunctionArn"] == function_arn(node)
    assert ctx["memoryLimitInMB"] == "128"
    assert ctx["awsRequestId"] == request_id(response)
    assert ctx["logGroupName"] == f"/aws/lambda/{node}"
    assert re.fullmatch(log_stream_pattern(), ctx["logStreamName"])
    assert 0 < ctx["remaining"] <= 3000
    assert ctx["env"] == {"name": node, "handler": "index.handler", "region": "us-east-1", "tz": ":UTC"}


def test_node_callback_and_esm_handlers(lam):
    callback = unique("node-cb")
    create_function(lam, callback, NODE_ZIP, runtime=NODE, handler="cb.handler")
    assert invoke(lam, callback, {"x": 1})[1] == {"style": "callback", "event": {"x": 1}}
    response, body = invoke(lam, callback, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Error" and body["errorMessage"] == "callback boom"
    assert body["trace"][0] == "Error: callback boom"

    esm = unique("node-esm")
    create_function(lam, esm, NODE_ZIP, runtime=NODE, handler="esm.handler")
    assert invoke(lam, esm, {"y": 2})[1] == {"style": "esm", "event": {"y": 2}, "fileUrl": True}


def test_node_handler_error(lam, node):
    response, body = invoke(lam, node, {"action": "fail"})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Error"
    assert body["errorMessage"] == "node boom"
    assert isinstance(body["trace"], list) and body["trace"][0] == "Error: node boom"
    assert any("index.js" in line for line in body["trace"][1:])


def test_bad_node_handler_names(lam):
    nofunction = unique("node-nofn")
    create_function(lam, nofunction, NODE_ZIP, runtime=NODE, handler="index.nope")
    response, body = invoke(lam, nofunction, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "index.nope is undefined or not exported"

    nomodule = unique("node-nomod")
    create_function(lam, nomodule, NODE_ZIP, runtime=NODE, handler="nope.handler")
    response, body = invoke(lam, nomodule, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Error: Cannot find module 'nope'")


# --- provided.al2023 --------------------------------------------------------------------


def test_provided_runtime_shell_bootstrap(lam):
    name = unique("shell")
    create_function(lam, name, SHELL_ZIP, runtime=PROVIDED, handler="function.handler")
    before_ms = time.time() * 1000
    response, body = invoke(lam, name, {"from": "test"}, LogType="Tail")
    after_ms = time.time() * 1000
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    rid = request_id(response)
    assert body["event"] == {"from": "test"}
    assert body["requestId"] == rid
    assert body["arn"] == function_arn(name)
    assert body["handler"] == "function.handler"
    assert os.path.realpath(body["cwd"]) == os.path.realpath(body["taskRoot"])
    # The deadline is the invocation's start plus the 3 s timeout.
    assert before_ms + 2000 < body["deadline"] <= after_ms + 3000 + 100
    assert f"shell handled {rid}" in tail_of(response)
    # The same process serves the next invocation.
    assert invoke(lam, name, {"n": 2})[1]["event"] == {"n": 2}

    response, body = invoke(lam, name, {"please": "fail"})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert body == {"errorMessage": "the shell failed", "errorType": "Custom.ShellFailure"}
    assert invoke(lam, name, {"n": 3})[1]["event"] == {"n": 3}


# --- instance lifecycle on a server of its own ------------------------------------------


def test_idle_instances_unload_and_nothing_outlives_the_server(start_server, tmp_path):
    srv = start_server(env={"LAMBDA_KEEPALIVE_MS": "300"})
    lam = srv.client("lambda")
    name = unique("idle")
    create_function(lam, name, PY_ZIP, handler="counter.handler")
    first = invoke(lam, name, {})[1]
    assert invoke(lam, name, {})[1]["count"] == 2
    wait_for(lambda: not alive(first["pid"]), 5, what="the idle instance to be unloaded")
    again = invoke(lam, name, {})[1]
    assert again["count"] == 1 and again["instance"] != first["instance"]

    # An instance busy with an invocation when the server stops is stopped with it.
    busy = unique("busy")
    create_function(lam, busy, PY_ZIP, handler="slow.handler", Timeout=30)
    marker = tmp_path / "busy-pid"
    worker = threading.Thread(
        target=_invoke_quietly, args=(lam, busy, {"seconds": 20, "marker": str(marker)}), daemon=True)
    worker.start()
    busy_pid = int(wait_for(lambda: marker.exists() and marker.read_text(), 10,
                            what="the busy invocation to start"))
    srv.stop()
    wait_for(lambda: not alive(again["pid"]) and not alive(busy_pid), 5,
             what="the function instances to stop with the server")
    worker.join(timeout=5)


def _invoke_quietly(lam, name, payload):
    try:
        invoke(lam, name, payload)
    except Exception:  # the server stops under it
        pass


def test_a_wrapper_on_path_is_resolved_to_the_real_interpreter(start_server, tmp_path):
    # A wrapper script named like the runtime's interpreter (as a pyenv shim is) comes first
    # on the server's PATH: instances run the interpreter it starts, not the wrapper.
    real = shutil.which(PYTHON)
    assert real, f"{PYTHON} is needed by the Lambda tests"
    bin_dir = tmp_path / "wrappers"
    bin_dir.mkdir()
    calls = tmp_path / "wrapper-calls"
    wrapper = bin_dir / PYTHON
    wrapper.write_text(f'#!/bin/sh\necho x >> "{calls}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    srv = start_server(env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    lam = srv.client("lambda")
    name = unique("real-python")
    source = "import sys\ndef handler(event, context):\n    return sys.executable\n"
    create_function(lam, name, make_zip({"handler.py": source}))
    _, executable = invoke(lam, name, {})
    assert os.path.realpath(executable) != os.path.realpath(wrapper)
    assert os.path.samefile(executable, subprocess.run(
        [real, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True,
        check=True).stdout.strip())
    # A second instance (the configuration change retires the first) starts the same way.
    lam.update_function_configuration(FunctionName=name, Description="second instance")
    wait_updated(lam, name)
    _, again = invoke(lam, name, {})
    assert again == executable
    # The wrapper ran once, when the interpreter was looked up, and for no instance.
    assert calls.read_text().count("x") == 1
