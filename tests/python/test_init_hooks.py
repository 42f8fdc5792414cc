"""LocalStack-style init hooks: ready.d scripts run once the server serves, with an endpoint
and credentials in their environment, in name order; `Ready.` is printed only after them; a
failing script is logged and not fatal; shutdown.d runs on SIGTERM."""

import json
import stat
import time
from pathlib import Path

from conftest import http_json


def script(path: Path, body: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_ready_scripts_run_before_ready_marker(start_server, tmp_path):
    init = tmp_path / "init"
    out = tmp_path / "out"
    out.mkdir()
    # The first script calls the server it runs under, as seeding scripts do.
    script(init / "ready.d" / "01-seed.sh", f"""#!/bin/sh
set -e
env | grep -E '^AWS_' | sort > {out}/env.txt
python3 - <<'PY'
import os, urllib.request
with urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/_localstack/health") as r:
    open("{out}/health.json", "wb").write(r.read())
PY
echo "seeded from 01"
""")
    script(init / "ready.d" / "02-fails.sh", "#!/bin/sh\necho 'about to fail' >&2\nexit 7\n")
    script(init / "ready.d" / "03-slow.sh", f"#!/bin/sh\nsleep 1\ntouch {out}/slow-done\n")
    script(init / "ready.d" / "04-python.py", f"open('{out}/py-done', 'w').write('ok')\n")
    (init / "ready.d" / "README.txt").write_text("not a script")
    script(init / "shutdown.d" / "01-bye.sh", f"#!/bin/sh\ntouch {out}/bye\n")

    srv = start_server(init_dir=init)
    # `Ready.` came only after every ready.d script finished.
    assert (out / "slow-done").exists() and (out / "py-done").exists()
    env = dict(line.split("=", 1) for line in (out / "env.txt").read_text().splitlines())
    assert env["AWS_ENDPOINT_URL"] == srv.url
    assert env["AWS_ACCESS_KEY_ID"] == "test" and env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "edition" in json.loads((out / "health.json").read_text())

    status, body = http_json(srv.url + "/_localstack/init")
    assert status == 200
    assert body["completed"] == {"BOOT": True, "START": True, "READY": True, "SHUTDOWN": False}
    assert body["scripts"] == [
        {"stage": "READY", "name": "01-seed.sh", "state": "SUCCESSFUL"},
        {"stage": "READY", "name": "02-fails.sh", "state": "ERROR"},
        {"stage": "READY", "name": "03-slow.sh", "state": "SUCCESSFUL"},
        {"stage": "READY", "name": "04-python.py", "state": "SUCCESSFUL"},
        {"stage": "SHUTDOWN", "name": "01-bye.sh", "state": "UNKNOWN"},
    ]
    assert srv.stop() == 0
    assert (out / "bye").exists()
    logs = srv.stderr()
    assert "seeded from 01" in logs and "about to fail" in logs and "init script failed" in logs


def test_health_ready_waits_for_ready_scripts(start_server, tmp_path):
    init = tmp_path / "init"
    gate = tmp_path / "gate"
    script(init / "ready.d" / "wait.sh", f"#!/bin/sh\nwhile [ ! -e {gate} ]; do sleep 0.05; done\n")
    srv = start_server(init_dir=init, wait=False)
    deadline = time.monotonic() + 10
    while True:
        try:
            status, body = http_json(srv.url + "/health/ready")
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    assert (status, body) == (503, {"status": "starting"})
    assert http_json(srv.url + "/health/live")[0] == 200
    assert "Ready." not in srv.stdout_lines
    gate.touch()
    srv.wait_ready()
    assert http_json(srv.url + "/health/ready") == (200, {"status": "ready"})


def test_init_dir_from_environment(start_server, tmp_path):
    init = tmp_path / "init"
    marker = tmp_path / "ran"
    script(init / "ready.d" / "a.sh", f"#!/bin/sh\ntouch {marker}\n")
    start_server(env={"RUSTSTACK_INIT_DIR": str(init)})
    assert marker.exists()


def test_signal_during_ready_hooks_stops_the_script(start_server, tmp_path):
    init = tmp_path / "init"
    pid_file = tmp_path / "pid"
    script(init / "ready.d" / "forever.sh", f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")
    srv = start_server(init_dir=init, wait=False)
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    pid = int(pid_file.read_text())
    started = time.monotonic()
    assert srv.stop() == 0
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid):
        assert time.monotonic() < deadline, "init script outlived ruststack"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"
