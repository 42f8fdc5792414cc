"""What the Fastly test modules share: running the official Fastly CLI (npm `@fastly/cli`,
installed into tests/node by scripts/test) against a ruststack server, unique store names,
and parsing the CLI's output.

Every run gets a fresh HOME (the CLI writes ~/.config/fastly/config.toml and errors.log there,
and reads profiles and tokens from it) and runs in that directory (the CLI reads a fastly.toml
from its working directory). `--non-interactive` answers the CLI's prompts ("Print next page?",
"Are you sure…?") as a CI run would. The CLI checks for a newer version of itself on every run;
HTTP(S)_PROXY points that check at a closed loopback port, so it fails at once without any
outside traffic (Go never proxies loopback addresses, so the API calls still reach the server).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import subprocess
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import clean_env

ROOT = Path(__file__).resolve().parents[3]
ID_RE = re.compile(r"[A-Za-z0-9]{22}")
CLOSED_PORT = "http://127.0.0.1:9"


@functools.cache
def cli_path() -> Path:
    """The Fastly CLI: $FASTLY_CLI, else the one `npm ci --prefix tests/node` installs.

    The npm package's `fastly.js` only runs the Go binary of the platform package installed
    beside it (`@fastly/cli-linux-x64/fastly`); that binary is used directly when it is
    there, which saves starting Node for each of the many commands the tests run."""
    path = Path(os.environ.get("FASTLY_CLI") or ROOT / "tests/node/node_modules/.bin/fastly")
    if not path.exists():
        pytest.fail(
            f"Fastly CLI not found at {path}: install it with "
            "`npm ci --prefix tests/node` (scripts/test does) or set FASTLY_CLI",
            pytrace=False,
        )
    real = path.resolve()
    if real.name == "fastly.js":
        binaries = [p for p in real.parent.parent.glob("cli-*/fastly") if os.access(p, os.X_OK)]
        if len(binaries) == 1:
            return binaries[0]
    return path


def fastly_env(server, home: str) -> dict[str, str]:
    env = {k: v for k, v in clean_env().items() if not k.startswith("FASTLY_")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
        env.pop(name, None)
    env.update({
        "FASTLY_API_ENDPOINT": server.url,
        "FASTLY_ACCOUNT_ENDPOINT": server.url,
        "FASTLY_API_TOKEN": "test",
        "FASTLY_USE_API_SIGNING_KEY": "1",
        "HOME": home,
        "XDG_CONFIG_HOME": str(Path(home) / ".config"),
        "HTTP_PROXY": CLOSED_PORT,
        "HTTPS_PROXY": CLOSED_PORT,
    })
    return env


def fastly(server, *args: str, input: str | bytes | None = None, binary: bool = False,
           interactive: bool = False, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `fastly [--non-interactive] <args>` against `server`. Output is text unless
    `binary` (then stdout/stderr are bytes, and `input` must be bytes)."""
    with tempfile.TemporaryDirectory(prefix="fastly-home-") as home:
        cmd = [str(cli_path())]
        if not interactive:
            cmd.append("--non-interactive")
        cmd += list(args)
        return subprocess.run(
            cmd, env=fastly_env(server, home), cwd=home, input=input, capture_output=True,
            text=not binary, timeout=timeout,
        )


def fastly_json(server, *args: str, input: str | None = None, timeout: float = 60):
    """Runs `fastly <args> --json`, which must succeed, and returns its parsed stdout."""
    out = fastly(server, *args, "--json", input=input, timeout=timeout)
    assert out.returncode == 0, f"fastly {' '.join(args)} --json failed ({out.returncode}):\n{out.stderr}{out.stdout}"
    return json.loads(out.stdout)


def fastly_ok(server, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Runs the CLI; the command must succeed."""
    out = fastly(server, *args, **kwargs)
    assert out.returncode == 0, f"fastly {' '.join(args)} failed ({out.returncode}):\n{out.stderr}{out.stdout}"
    return out


def fastly_fails(server, *args: str, status: str | None = None, **kwargs) -> str:
    """Runs the CLI; the command must fail. With `status` ("404 Not Found"), the CLI's error
    must report that API status ("the Fastly API returned 404 Not Found: …"). Returns stderr."""
    out = fastly(server, *args, **kwargs)
    assert out.returncode != 0, f"fastly {' '.join(args)} succeeded:\n{out.stdout}"
    err = out.stderr if isinstance(out.stderr, str) else out.stderr.decode(errors="replace")
    assert err.startswith("ERROR: "), err
    if status is not None:
        assert f"the Fastly API returned {status}" in err, err
    return err


def unique(prefix: str) -> str:
    """A store name no other test uses (letters, digits and '-' only: valid for every kind)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def parse_time(value: str) -> datetime:
    """A timestamp as the CLI prints it in JSON (RFC 3339, as Go's time.Time encodes it)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_recent(value: str, slack: float = 300) -> None:
    """`value` is an RFC 3339 UTC timestamp within `slack` seconds of now."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), value
    delta = abs(datetime.now(timezone.utc) - parse_time(value))
    assert delta < timedelta(seconds=slack), (value, delta)


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def ndjson(entries) -> str:
    """A KV batch file: one `{"key", "value": base64[, "metadata"]}` object per line."""
    lines = []
    for entry in entries:
        key, value = entry[0], entry[1]
        line = {"key": key, "value": b64(value)}
        if len(entry) > 2:
            line["metadata"] = entry[2]
        lines.append(json.dumps(line))
    return "\n".join(lines) + "\n"
