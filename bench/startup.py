#!/usr/bin/env python3
"""Start-up, idle memory and shutdown of the ruststack binary (Python 3 standard library only).

Each run spawns the binary on a free loopback port with in-memory state and an empty init
directory, polls the port with raw sockets as fast as it can until
`GET /_localstack/health` answers 200, waits for the `Ready.` line on stdout, reads the
idle resident set size (VmRSS in /proc/<pid>/status), then sends SIGTERM and times the
exit (which must be status 0).

    python3 bench/startup.py --bin target/release/ruststack [--runs 20]

Prints three lines (medians over the runs):

    startup   <ms> ms  (exec -> first health 200, median of N; min <ms>, max <ms>)
    idle-rss  <MB> MB  (VmRSS once ready)
    shutdown  <ms> ms  (SIGTERM -> exit 0)

Exits 1 with a message on stderr when a run fails (no 200 in time, early exit, non-zero
exit status after SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HEALTH_REQUEST = (
    b"GET /_localstack/health HTTP/1.1\r\n"
    b"Host: localhost\r\n"
    b"Connection: close\r\n"
    b"\r\n"
)
START_TIMEOUT_S = 10.0
READY_TIMEOUT_S = 5.0
EXIT_TIMEOUT_S = 10.0
SETTLE_S = 0.2

# Variables that would change what the binary does; the runs must not inherit them.
CONFIG_VARS = (
    "GATEWAY_LISTEN",
    "SERVICES",
    "PERSISTENCE",
    "DATA_DIR",
    "LOCALSTACK_HOST",
    "DEBUG",
    "LS_LOG",
    "RUST_LOG",
)


class RunFailed(Exception):
    """One start/stop cycle went wrong."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RUSTSTACK_") and k not in CONFIG_VARS
    }


def health_status(port: int) -> int | None:
    """One raw health request; the status code, or None if the port does not answer yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(HEALTH_REQUEST)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return None
                data += chunk
    except OSError:
        return None
    parts = data.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RunFailed(f"no VmRSS in /proc/{pid}/status")


def wait_for_ready(proc: subprocess.Popen[bytes], deadline: float) -> None:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    while b"Ready." not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RunFailed("no 'Ready.' line on stdout in time")
        readable, _, _ = select.select([fd], [], [], left)
        if readable:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RunFailed("stdout closed before 'Ready.'")
            seen += chunk


def one_run(binary: str, init_dir: str, log_path: str) -> tuple[float, float, float]:
    """Returns (start-up ms, idle RSS MiB, shutdown ms)."""
    port = free_port()
    argv = [
        binary,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--init-dir", init_dir,
        "--log-level", "warn",
    ]
    with open(log_path, "ab") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, env=clean_env()
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                status = health_status(port)
                if status == 200:
                    t1 = time.perf_counter()
                    break
                if proc.poll() is not None:
                    raise RunFailed(f"exited with status {proc.returncode} before serving")
                if time.monotonic() > deadline:
                    raise RunFailed(f"no 200 from /_localstack/health within {START_TIMEOUT_S:.0f} s")
                os.sched_yield()

            wait_for_ready(proc, time.monotonic() + READY_TIMEOUT_S)
            time.sleep(SETTLE_S)
            rss_mib = vm_rss_kib(proc.pid) / 1024.0

            t2 = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=EXIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise RunFailed(f"still running {EXIT_TIMEOUT_S:.0f} s after SIGTERM") from None
            t3 = time.perf_counter()
            if code != 0:
                raise RunFailed(f"exit status {code} after SIGTERM (expected 0)")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    return (t1 - t0) * 1000.0, rss_mib, (t3 - t2) * 1000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="path of the ruststack binary")
    parser.add_argument("--runs", type=int, default=20, help="number of starts (default 20)")
    args = parser.parse_args()

    binary = os.path.abspath(args.bin)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"startup.py: {binary} is not an executable file", file=sys.stderr)
        return 1
    if args.runs < 1:
        print("startup.py: --runs must be at least 1", file=sys.stderr)
        return 1

    starts, rss, stops = [], [], []
    with tempfile.TemporaryDirectory(prefix="ruststack-startup-") as tmp:
        init_dir = os.path.join(tmp, "init")  # empty: no hooks from the host
        os.mkdir(init_dir)
        log_path = os.path.join(tmp, "server.log")
        for i in range(args.runs):
            try:
                start_ms, rss_mib, stop_ms = one_run(binary, init_dir, log_path)
            except RunFailed as e:
                print(f"startup.py: run {i + 1}: {e}", file=sys.stderr)
                with open(log_path, encoding="utf-8", errors="replace") as f:
                    tail = f.read().splitlines()[-20:]
                for line in tail:
                    print(f"  | {line}", file=sys.stderr)
                return 1
            starts.append(start_ms)
            rss.append(rss_mib)
            stops.append(stop_ms)

    n = len(starts)
    print(
        f"startup  {statistics.median(starts):.1f} ms  "
        f"(exec -> first health 200, median of {n}; min {min(starts):.1f}, max {max(starts):.1f})"
    )
    print(f"idle-rss  {statistics.median(rss):.1f} MB  (VmRSS once ready, median of {n})")
    print(f"shutdown  {statistics.median(stops):.1f} ms  (SIGTERM -> exit 0, median of {n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
