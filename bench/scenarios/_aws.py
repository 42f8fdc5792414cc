"""Unsigned awsJson calls for scenario setup (stdlib only: the bench needs no venv)."""

import json
import urllib.request


def call(base, target, payload, version="1.1"):
    req = urllib.request.Request(
        base + "/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")
