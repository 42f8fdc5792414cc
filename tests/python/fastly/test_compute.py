"""The Compute runtime: Compute apps (WAT core modules, the ABI of the Rust `fastly` crate)
served through the gateway (`<app>.edgecompute.localhost`) and on `--fastly-addr`, reading
the stores the Fastly CLI manages, with every change visible to the next request."""

import filecmp
import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from conftest import free_port
from fastly_support import b64, fastly, fastly_json, fastly_ok

APPS = Path(__file__).parent / "apps"
STOPPED = "stopping the Compute app's instances that ran past their time limit"
EMPTY = "config=-\nkv=-\nsecret=-\n"


def compute_server(start_server, tmp_path, data_dir=None, port=None):
    stores = tmp_path / "stores.wat"
    if not stores.exists():
        stores.write_text((APPS / "stores.wat").read_text())
        (tmp_path / "garbage.wasm").write_bytes(b"\0asm not really")
    port = port or free_port()
    srv = start_server(args=[
        "--fastly-wasm", f"stores={stores}",
        "--fastly-wasm", f"broken={APPS / 'trap.wat'}",
        "--fastly-wasm", f"kvwrite={APPS / 'kvwrite.wat'}",
        "--fastly-wasm", f"echo={APPS / 'echo.wat'}",
        "--fastly-wasm", f"garbage={tmp_path / 'garbage.wasm'}",
        "--fastly-addr", f"127.0.0.1:{port}",
    ], data_dir=data_dir)
    srv.compute_port = port
    return srv


def app(srv, name="stores", path="/"):
    """A request to app `name` through the gateway."""
    return requests.get(f"{srv.url}{path}",
                        headers={"Host": f"{name}.edgecompute.localhost:{srv.port}"}, timeout=60)


def body(srv):
    resp = app(srv)
    assert resp.status_code == 200, resp.text
    return resp.text


def assert_logged(srv, text, timeout=5):
    """`text` appears in the server's log, which a background thread writes."""
    deadline = time.monotonic() + timeout
    while text not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert text in srv.stderr()


def set_stores(srv, greeting="hello", counter="41", secret="s3cr3t"):
    fastly_ok(srv, "config-store", "create", "--name", "app_config")
    fastly_ok(srv, "config-store-entry", "create", "--store-id", "app_config", "--key", "greeting",
              "--value", greeting)
    fastly_ok(srv, "kv-store", "create", "--name", "app_kv")
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", counter)
    fastly_ok(srv, "secret-store", "create", "--name", "app_secrets")
    fastly_ok(srv, "secret-store-entry", "create", "--store-id", "app_secrets", "--name", "api_key",
              "--stdin", input=secret)


def test_apps_read_the_stores_and_see_every_change(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    assert body(srv) == EMPTY
    set_stores(srv)
    expected = "config=hello\nkv=41\nsecret=s3cr3t\n"
    assert body(srv) == expected
    # The first app is also served on --fastly-addr, as `fastly compute serve` serves it.
    direct = requests.get(f"http://127.0.0.1:{srv.compute_port}/", timeout=60)
    assert direct.status_code == 200 and direct.text == expected

    # Every change is visible to the very next request.
    fastly_ok(srv, "config-store-entry", "update", "--store-id", "app_config", "--key",
              "greeting", "--value", "bonjour")
    assert body(srv) == "config=bonjour\nkv=41\nsecret=s3cr3t\n"
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", "42")
    assert body(srv) == "config=bonjour\nkv=42\nsecret=s3cr3t\n"
    fastly_ok(srv, "secret-store-entry", "create", "--store-id", "app_secrets", "--name",
              "api_key", "--stdin", "--recreate", input="rotated")
    assert body(srv) == "config=bonjour\nkv=42\nsecret=rotated\n"
    fastly_ok(srv, "config-store-entry", "delete", "--store-id", "app_config", "--key", "greeting")
    fastly_ok(srv, "kv-store-entry", "delete", "--store-id", "app_kv", "--key", "counter")
    assert body(srv) == "config=-\nkv=-\nsecret=rotated\n"


def loads(srv):
    """How many times the server has built an app's context."""
    return srv.stderr().count("loaded the Compute app")


def test_kv_changes_reach_a_loaded_app_without_a_rebuild(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    set_stores(srv)
    assert body(srv) == "config=hello\nkv=41\nsecret=s3cr3t\n"
    assert_logged(srv, "loaded the Compute app")
    before = loads(srv)
    for value in ["42", "43"]:
        fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
                  "--value", value)
        assert body(srv) == f"config=hello\nkv={value}\nsecret=s3cr3t\n"
    fastly_ok(srv, "kv-store-entry", "delete", "--store-id", "app_kv", "--key", "counter")
    assert body(srv) == "config=hello\nkv=-\nsecret=s3cr3t\n"
    # A secret change is what needs a new context.
    fastly_ok(srv, "secret-store-entry", "create", "--store-id", "app_secrets", "--name",
              "api_key", "--stdin", "--recreate", input="rotated")
    assert body(srv) == "config=hello\nkv=-\nsecret=rotated\n"
    time.sleep(0.5)
    assert loads(srv) == before + 1, srv.stderr()


def write_by_app(srv, value):
    resp = requests.post(f"{srv.url}/", data=value, timeout=60,
                         headers={"Host": f"kvwrite.edgecompute.localhost:{srv.port}"})
    assert resp.status_code == 200, resp.text
    return resp.text


def kv_entry(srv, key):
    return fastly(srv, "kv-store-entry", "get", "--store-id", "app_kv", "--key", key,
                  binary=True)


def test_app_kv_writes_reach_the_api_and_survive_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    srv = compute_server(start_server, tmp_path, data_dir=data)
    set_stores(srv)
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "doomed",
              "--value", "x")
    assert write_by_app(srv, "from the app") == "wrote=1 deleted=1\n"
    # The management API sees the app's writes.
    assert kv_entry(srv, "written").stdout == b"from the app"
    described = fastly_json(srv, "kv-store-entry", "describe", "--store-id", "app_kv",
                            "--key", "written")
    assert described["metadata"] == "from-app", described
    keys = fastly_json(srv, "kv-store-entry", "list", "--store-id", "app_kv")
    assert sorted(keys) == ["counter", "written"], keys
    # The entry the app deleted is gone, and a second delete finds nothing.
    assert kv_entry(srv, "doomed").returncode != 0
    assert write_by_app(srv, "again") == "wrote=1 deleted=3\n"
    assert kv_entry(srv, "written").stdout == b"again"
    # The API can overwrite what the app wrote, and the app sees it.
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", "by the api")
    assert body(srv) == "config=hello\nkv=by the api\nsecret=s3cr3t\n"

    # An app's write is committed shortly after it has answered (within a few ms for a
    # store this small), with no API read to prompt it.
    assert write_by_app(srv, "last words") == "wrote=1 deleted=3\n"
    time.sleep(0.5)
    srv.stop(signal.SIGKILL)
    again = compute_server(start_server, tmp_path, data_dir=data)
    assert kv_entry(again, "written").stdout == b"last words"
    assert kv_entry(again, "doomed").returncode != 0
    assert body(again) == "config=hello\nkv=by the api\nsecret=s3cr3t\n"


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_bodies_stream_through_an_app(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    headers = {"Host": f"echo.edgecompute.localhost:{srv.port}"}
    small = requests.post(f"{srv.url}/", data=b"ping", headers=headers, timeout=60)
    assert small.status_code == 200 and small.content == b"ping"
    # 256 MiB in and out through curl, which reads the answer while it sends: far more than
    # the server ever holds.
    payload = tmp_path / "payload.bin"
    with payload.open("wb") as f:
        for _ in range(256):
            f.write(os.urandom(1 << 20))
    echoed = tmp_path / "echoed.bin"
    before = peak_rss_mib(srv.proc.pid)
    subprocess.run(["curl", "-sS", "--fail", "--data-binary", f"@{payload}", "-o", str(echoed),
                    "-H", f"Host: {headers['Host']}", f"{srv.url}/"], check=True, timeout=120)
    grew = peak_rss_mib(srv.proc.pid) - before
    assert echoed.stat().st_size == 256 << 20
    assert filecmp.cmp(payload, echoed, shallow=False)
    assert grew < 128, f"peak RSS grew by {grew:.0f} MiB"


def test_core_modules_run_as_components_when_adapted(start_server, tmp_path):
    """`--fastly-adapt` runs core modules through viceroy's component adapter, so the apps
    use the component-model host API: the same stores, live both ways."""
    stores, kvwrite = tmp_path / "stores.wat", tmp_path / "kvwrite.wat"
    stores.write_text((APPS / "stores.wat").read_text())
    kvwrite.write_text((APPS / "kvwrite.wat").read_text())
    srv = start_server(args=["--fastly-adapt", "--fastly-wasm", f"stores={stores}",
                             "--fastly-wasm", f"kvwrite={kvwrite}",
                             "--fastly-addr", f"127.0.0.1:{free_port()}"])
    set_stores(srv)
    assert body(srv) == "config=hello\nkv=41\nsecret=s3cr3t\n"
    assert_logged(srv, "component=true")
    assert "component=false" not in srv.stderr()
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--key", "counter",
              "--value", "42")
    assert body(srv) == "config=hello\nkv=42\nsecret=s3cr3t\n"
    assert write_by_app(srv, "from a component") == "wrote=1 deleted=3\n"
    assert kv_entry(srv, "written").stdout == b"from a component"


def test_stores_survive_a_restart(start_server, tmp_path):
    data = tmp_path / "data"
    srv = compute_server(start_server, tmp_path, data_dir=data)
    set_stores(srv, greeting="kept", counter="7", secret="still")
    assert body(srv) == "config=kept\nkv=7\nsecret=still\n"
    srv.stop(signal.SIGKILL)
    again = compute_server(start_server, tmp_path, data_dir=data)
    assert body(again) == "config=kept\nkv=7\nsecret=still\n"


def test_failing_apps_get_a_clear_5xx_and_the_others_keep_serving(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    # As `fastly compute serve` answers a trap: 500 with the trap in the body.
    trapped = app(srv, "broken")
    assert trapped.status_code == 500
    assert "wasm trap" in trapped.text and "unreachable" in trapped.text
    garbage = app(srv, "garbage")
    assert garbage.status_code == 500
    assert "the Compute app 'garbage' could not be loaded" in garbage.text
    missing = app(srv, "nosuchapp")
    assert missing.status_code == 404 and "stores" in missing.text
    assert body(srv) == EMPTY
    assert_logged(srv, "the Compute app could not be loaded")


def test_a_rebuilt_app_is_picked_up(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    assert body(srv) == EMPTY
    wat = tmp_path / "stores.wat"
    original = wat.read_text()
    # A rebuild that does not compile: the next request says why.
    wat.write_text(original.replace("(module", "(module (oops)", 1))
    broken = app(srv)
    assert broken.status_code == 500
    assert "the Compute app 'stores' could not be loaded" in broken.text and "oops" in broken.text
    # A good rebuild (its answer starts with "v2") is served from the next request on.
    rebuilt = original.replace('(data (i32.const 300) "")', '(data (i32.const 300) "v2\\0a")')
    rebuilt = rebuilt.replace("(i32.const 300) (i32.const 0)", "(i32.const 300) (i32.const 3)")
    assert rebuilt != original
    wat.write_text(rebuilt)
    assert body(srv) == "v2\n" + EMPTY


def test_app_output_reaches_cloudwatch_logs(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    assert body(srv) == EMPTY
    logs = srv.client("logs")
    deadline = time.monotonic() + 10
    messages = []
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName="/fastly/stores")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        messages = [e["message"] for e in events]
        if any("hello from the app" in m for m in messages):
            break
        time.sleep(0.1)
    assert any(m == "stdout :: hello from the app" for m in messages), messages


def test_kv_values_reach_apps_byte_for_byte(start_server, tmp_path):
    srv = compute_server(start_server, tmp_path)
    set_stores(srv)
    # A value that is not UTF-8 (the app echoes it raw).
    value = bytes([0xff, 0xfe, 0x00, 0x41])
    batch = tmp_path / "batch.ndjson"
    batch.write_text('{"key": "counter", "value": "%s"}\n' % b64(value))
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", "app_kv", "--file", str(batch))
    resp = app(srv)
    assert resp.content == b"config=hello\nkv=" + value + b"\nsecret=s3cr3t\n"



def cpu_ms_per_second(pid, window=1.0):
    """The server's CPU time over `window` seconds, all threads, in ms per second."""
    def total():
        ns = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    ns += int(f.read().split()[0])
            except OSError:
                pass
        return ns
    before = total()
    time.sleep(window)
    return (total() - before) / 1e6 / window


def process_cpu_ms_per_second(pid, window=1.0):
    """The server's CPU time over `window` seconds, ended threads included, in ms per second
    (10 ms resolution)."""
    tick = os.sysconf("SC_CLK_TCK")

    def total():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / tick
    before = total()
    time.sleep(window)
    return (total() - before) / window


def test_loaded_apps_idle_cheaply_and_idle_apps_are_unloaded(start_server, tmp_path):
    stores = tmp_path / "stores.wat"
    stores.write_text((APPS / "stores.wat").read_text())
    port = free_port()
    srv = start_server(args=["--fastly-wasm", str(stores), "--fastly-idle", "3",
                             "--fastly-addr", f"127.0.0.1:{port}"])
    assert body(srv) == EMPTY
    # A keep-alive connection to the app's own listener, open throughout.
    direct = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    direct.request("GET", "/")
    assert direct.getresponse().read().decode() == EMPTY
    # A loaded app's runtime has a thread that bumps its epoch; its timer slack keeps an
    # idle server with the app loaded under 1% of a core (10 ms of CPU a second) ...
    loaded = cpu_ms_per_second(srv.proc.pid, window=2.0)
    deadline = time.monotonic() + 10
    while "unloaded the idle Compute app" not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "unloaded the idle Compute app" in srv.stderr()
    # ... and once the idle app is unloaded, the thread is gone too.
    idle = cpu_ms_per_second(srv.proc.pid)
    assert loaded < 10 and idle < 5, (loaded, idle)
    # The next request loads it again, on the same connection: unloading closed nothing.
    direct.request("GET", "/")
    assert direct.getresponse().read().decode() == EMPTY
    direct.close()
    assert body(srv) == EMPTY


FASTLY_TOML = """\
manifest_version = 3
name = "Imported App"
language = "other"

[local_server.backends.origin]
url = "http://127.0.0.1:9/"

[local_server.config_stores.app_config]
format = "inline-toml"

[local_server.config_stores.app_config.contents]
greeting = "from fastly.toml"

[local_server.kv_stores]
app_kv = [{ key = "counter", data = "9", metadata = "m" }]

[local_server.secret_stores]
app_secrets = [{ key = "api_key", file = "secret.txt" }]
"""


def test_fastly_toml_names_the_app_and_seeds_the_stores_once(start_server, tmp_path):
    project = tmp_path / "project"
    (project / "bin").mkdir(parents=True)
    (project / "bin" / "main.wat").write_text((APPS / "stores.wat").read_text())
    (project / "fastly.toml").write_text(FASTLY_TOML)
    (project / "secret.txt").write_text("from a file")
    data = tmp_path / "data"
    args = ["--fastly-wasm", str(project / "bin" / "main.wat"),
            "--fastly-addr", f"127.0.0.1:{free_port()}"]
    srv = start_server(args=args, data_dir=data)
    assert "imported the stores of fastly.toml" in srv.stderr()
    # The app is named after fastly.toml's `name`.
    seeded = "config=from fastly.toml\nkv=9\nsecret=from a file\n"
    assert body_of(srv, "imported-app") == seeded
    # The imported stores are ordinary stores: the CLI sees and changes them ...
    assert "app_kv" in fastly_ok(srv, "kv-store", "list").stdout
    fastly_ok(srv, "config-store-entry", "update", "--store-id", "app_config", "--key",
              "greeting", "--value", "changed since")
    assert body_of(srv, "imported-app") == "config=changed since\nkv=9\nsecret=from a file\n"
    srv.stop()
    # ... and a restart does not import them again over newer data.
    again = start_server(args=args, data_dir=data)
    assert "imported the stores of fastly.toml" not in again.stderr()
    assert body_of(again, "imported-app") == "config=changed since\nkv=9\nsecret=from a file\n"


def body_of(srv, name):
    resp = app(srv, name)
    assert resp.status_code == 200, resp.text
    return resp.text


def test_an_app_past_its_time_limit_gets_a_504_and_others_keep_serving(start_server, tmp_path):
    stores = tmp_path / "stores.wat"
    stores.write_text((APPS / "stores.wat").read_text())
    port = free_port()
    srv = start_server(args=["--fastly-wasm", f"spin={APPS / 'spin.wat'}",
                             "--fastly-wasm", f"stores={stores}",
                             "--fastly-timeout", "1",
                             "--fastly-addr", f"127.0.0.1:{port}"])

    def stopped(times):
        """The log says `times` times that runaway instances are being stopped, and the server
        is back to idle within seconds (a spinning instance takes a whole core; its
        runtime's worker notices the shutdown between two of the instance's yields)."""
        deadline = time.monotonic() + 5
        while srv.stderr().count(STOPPED) < times and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.stderr().count(STOPPED) == times
        cpu = [process_cpu_ms_per_second(srv.proc.pid, window=0.5)]
        while cpu[-1] >= 100 and len(cpu) < 10:
            cpu.append(process_cpu_ms_per_second(srv.proc.pid, window=0.5))
        assert cpu[-1] < 100, cpu

    started = time.monotonic()
    spun = app(srv, "spin")
    assert spun.status_code == 504
    assert "the Compute app 'spin' did not answer within 1 seconds" in spun.text
    assert 1 <= time.monotonic() - started < 10
    assert_logged(srv, "the Compute app ran past its time limit")
    stopped(1)
    # The app is served again, on a fresh runtime, with the same limit; on its own listener
    # too, whose connections are served on that runtime.
    assert app(srv, "spin").status_code == 504
    stopped(2)
    direct = requests.get(f"http://127.0.0.1:{port}/", timeout=60)
    assert direct.status_code == 504, direct.text
    assert direct.text == "ruststack: the Compute app 'spin' did not answer within 1 seconds\n"
    stopped(3)
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=60).status_code == 504
    stopped(4)
    assert body(srv) == EMPTY
