"""Sandboxed WebAssembly functions: a `provided.al2023` package holding `bootstrap.wasm`
runs as a WASI command in ruststack's WebAssembly engine (event on stdin, response on
stdout, stderr in the log), limited by the function's MemorySize and timeout."""

from pathlib import Path

import pytest
import wasmtime

from lambda_support import (
    create_function,
    invoke,
    make_zip,
    request_id,
    tail_of,
    unique,
)

ECHO_WAT = (Path(__file__).parent / "wasm" / "echo.wat").read_text()

PRELUDE = """
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
"""
SPIN_WAT = f'(module {PRELUDE} (func (export "_start") (loop $l (br $l))))'
# 3,000 pages of 64 KiB = 187.5 MiB, more than MemorySize 128.
HOG_WAT = f'(module {PRELUDE} (func (export "_start") (drop (memory.grow (i32.const 3000)))))'
EXIT_WAT = f'(module {PRELUDE} (func (export "_start") (call $exit (i32.const 3))))'


def wasm_zip(wat: str) -> bytes:
    return make_zip({"bootstrap.wasm": wasmtime.wat2wasm(wat)})


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


def deploy(lam, wat, **kwargs):
    name = unique("wasm")
    create_function(lam, name, wasm_zip(wat), runtime="provided.al2023", handler="main",
                    **kwargs)
    return name


def test_event_in_response_out_module_compiled_once(lam):
    name = deploy(lam, ECHO_WAT)
    response, body = invoke(lam, name, {"n": 1, "s": "x"}, LogType="Tail")
    assert "FunctionError" not in response
    assert body == {"echo": {"n": 1, "s": "x"}}
    tail = tail_of(response)
    rid = request_id(response)
    assert f"START RequestId: {rid} Version: $LATEST" in tail
    assert "hello from wasm" in tail and f"END RequestId: {rid}" in tail
    # The first call compiles the module (reported as the init phase); later calls reuse it.
    assert "Init Duration:" in tail
    response, body = invoke(lam, name, {"again": True}, LogType="Tail")
    assert body == {"echo": {"again": True}}
    assert "Init Duration:" not in tail_of(response)


def test_timeout_interrupts_the_module(lam):
    name = deploy(lam, SPIN_WAT, Timeout=1)
    response, body = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    rid = request_id(response)
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {rid} Error: Task timed out after 1.00 seconds"}


def test_memory_size_limits_linear_memory(lam):
    name = deploy(lam, HOG_WAT, MemorySize=128)
    response, body = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    # With room for it the same module runs.
    lam.update_function_configuration(FunctionName=name, MemorySize=256)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    response, body = invoke(lam, name, {})
    assert "FunctionError" not in response and body is None


def test_exit_status(lam):
    name = deploy(lam, EXIT_WAT)
    response, body = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    rid = request_id(response)
    assert body == {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: exit status 3"}
