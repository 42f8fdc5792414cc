"""Unsigned S3 calls for scenario setup (stdlib only: the bench needs no venv)."""

import http.client
import urllib.parse
import urllib.request


def request(base, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.status, resp.read()


def connection(base):
    url = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=600)
