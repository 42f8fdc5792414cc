"""Durability of the Fastly stores with `--data-dir`, driven by the official Fastly CLI:
config stores, KV stores (text, binary and metadata values) and secret stores survive
SIGKILL. The secret-store key lives in the data directory, so a restarted server still
knows its secrets, and no plaintext is written there or printed anywhere."""

import base64
import shutil
import signal
import uuid
from pathlib import Path

from fastly_support import fastly, fastly_fails, fastly_json, fastly_ok, ndjson, unique


def kv_get(srv, store, key) -> bytes:
    out = fastly(srv, "kv-store-entry", "get", "--store-id", store, "--key", key, binary=True)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout


def files_containing(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_sigkill_keeps_config_kv_and_secret_stores(start_server, tmp_path):
    data = tmp_path / "data"
    srv = start_server(data_dir=data)
    binary = bytes(range(256)) + b"\x00\r\n\xff"
    plaintext = f"s3cr3t-{uuid.uuid4().hex}"

    cfg_name = unique("cfg")
    cfg = fastly_json(srv, "config-store", "create", "--name", cfg_name)
    fastly_ok(srv, "config-store-entry", "create", "--store-id", cfg["id"], "--key", "greeting", "--value", "hello")
    fastly_ok(srv, "config-store-entry", "create", "--store-id", cfg_name, "--key", "multi", "--stdin",
              input="line 1\nline 2")
    fastly_ok(srv, "config-store-entry", "update", "--store-id", cfg["id"], "--key", "greeting", "--value", "hi")
    fastly_ok(srv, "config-store-entry", "create", "--store-id", cfg["id"], "--key", "gone", "--value", "x")
    fastly_ok(srv, "config-store-entry", "delete", "--store-id", cfg["id"], "--key", "gone")
    cfg_items = fastly_json(srv, "config-store-entry", "list", "--store-id", cfg["id"])
    cfg_store = fastly_json(srv, "config-store", "describe", "--store-id", cfg["id"])

    kv_name = unique("kv")
    kv = fastly_json(srv, "kv-store", "create", "--name", kv_name)["StoreID"]
    batch = tmp_path / "batch.ndjson"
    batch.write_text(ndjson([("bin", binary), ("meta", "with metadata", "m-1")] +
                            [(f"k{i:03d}", f"v{i}") for i in range(150)]))
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", kv, "--file", str(batch))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "from-dir.bin").write_bytes(binary[::-1])
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", kv, "--dir", str(tree))
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", kv, "--key", "k000", "--value=-more", "--append")
    fastly_ok(srv, "kv-store-entry", "delete", "--store-id", kv, "--key", "k149")
    kv_keys = fastly_json(srv, "kv-store-entry", "list", "--store-id", kv)
    kv_meta = fastly_json(srv, "kv-store-entry", "describe", "--store-id", kv, "--key", "meta")
    kv_store = fastly_json(srv, "kv-store", "describe", "--store-id", kv)

    sec_name = unique("sec")
    sec = fastly_json(srv, "secret-store", "create", "--name", sec_name)
    secret = fastly_json(srv, "secret-store-entry", "create", "--store-id", sec["id"], "--name", "api_key",
                         "--stdin", input=plaintext)
    dropped = fastly_json(srv, "secret-store", "create", "--name", unique("dropped"))
    fastly_ok(srv, "secret-store", "delete", "--store-id", dropped["id"])

    assert srv.stop(signal.SIGKILL) == -signal.SIGKILL
    srv = start_server(data_dir=data)

    assert fastly_json(srv, "config-store", "describe", "--store-id", cfg_name) == cfg_store
    assert fastly_json(srv, "config-store-entry", "list", "--store-id", cfg["id"]) == cfg_items
    assert {i["item_key"]: i["item_value"] for i in cfg_items} == {"greeting": "hi", "multi": "line 1\nline 2"}
    assert fastly_json(srv, "config-store", "describe", "--store-id", cfg["id"], "--metadata")["metadata"] == {
        "item_count": 2}
    fastly_fails(srv, "config-store-entry", "describe", "--store-id", cfg["id"], "--key", "gone",
                 status="404 Not Found")

    assert fastly_json(srv, "kv-store", "describe", "--store-id", kv_name) == kv_store
    assert fastly_json(srv, "kv-store-entry", "list", "--store-id", kv) == kv_keys
    assert len(kv_keys) == 152 and "k149" not in kv_keys and "from-dir.bin" in kv_keys
    assert kv_get(srv, kv, "bin") == binary
    assert kv_get(srv, kv, "from-dir.bin") == binary[::-1]
    assert kv_get(srv, kv, "k000") == b"v0-more"
    assert kv_get(srv, kv, "k148") == b"v148"
    assert fastly_json(srv, "kv-store-entry", "describe", "--store-id", kv, "--key", "meta") == kv_meta
    assert kv_meta["metadata"] == "m-1"
    # The generation survives too: a conditional write against it still matches.
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", kv, "--key", "meta", "--value", "next",
              "--if-generation-match", kv_meta["generation"])
    assert kv_get(srv, kv, "meta") == b"next"

    assert fastly_json(srv, "secret-store", "describe", "--store-id", sec_name) == sec
    assert [s["id"] for s in fastly_json(srv, "secret-store", "list")] == [sec["id"]]
    listed = fastly_json(srv, "secret-store-entry", "list", "--store-id", sec["id"])["data"]
    assert listed == [secret]
    described = fastly_json(srv, "secret-store-entry", "describe", "--store-id", sec["id"], "--name", "api_key")
    assert described == secret
    for args in (("list",), ("describe", "--name", "api_key")):
        out = fastly_ok(srv, "secret-store-entry", *args, "--store-id", sec["id"])
        assert base64.b64decode(secret["digest"]).hex() in out.stdout
        assert plaintext not in out.stdout + out.stderr
    # The restarted server still holds the value under the key from the data directory:
    # re-sealing the same plaintext yields the same digest, a new one a different digest.
    same = fastly_json(srv, "secret-store-entry", "create", "--store-id", sec["id"], "--name", "api_key",
                       "--stdin", "--recreate", input=plaintext)
    assert same["digest"] == secret["digest"] and same["recreated"] is True
    other = fastly_json(srv, "secret-store-entry", "create", "--store-id", sec["id"], "--name", "other",
                        "--stdin", input=plaintext + "!")
    assert other["digest"] != secret["digest"]

    # New writes after the restart are kept by the next one.
    fastly_ok(srv, "config-store-entry", "create", "--store-id", cfg["id"], "--key", "after", "--value", "restart")
    assert srv.stop() == 0
    srv = start_server(data_dir=data)
    items = fastly_json(srv, "config-store-entry", "list", "--store-id", cfg["id"])
    assert {i["item_key"]: i["item_value"] for i in items} == {
        "greeting": "hi", "multi": "line 1\nline 2", "after": "restart"}
    names = sorted(s["name"] for s in fastly_json(srv, "secret-store-entry", "list", "--store-id", sec["id"])["data"])
    assert names == ["api_key", "other"]
    srv.stop()

    # Secret values are sealed at rest: the plaintext is in no file of the data directory
    # (where the scan does find the names that were stored).
    for needle in (plaintext.encode(), base64.b64encode(plaintext.encode())):
        assert files_containing(data, needle) == []
    assert files_containing(data, sec_name.encode())


def test_data_dir_is_self_contained(start_server, tmp_path):
    """The secret-store key lives in the data directory: a copy of a stopped server's data
    directory, started with another HOME, serves the same stores and secrets, and re-sealing
    a secret's plaintext there gives the digest it had."""
    first = tmp_path / "one"
    srv = start_server(data_dir=first)
    plaintext = "hunter2-" + uuid.uuid4().hex
    store = fastly_json(srv, "secret-store", "create", "--name", unique("sec"))
    secret = fastly_json(srv, "secret-store-entry", "create", "--store-id", store["id"], "--name", "db_password",
                         "--stdin", input=plaintext)
    kv = fastly_json(srv, "kv-store", "create", "--name", unique("kv"))["StoreID"]
    fastly_ok(srv, "kv-store-entry", "create", "--store-id", kv, "--key", "k", "--value", "v")
    srv.stop(signal.SIGKILL)

    copy = tmp_path / "copy"
    shutil.copytree(first, copy)
    home = tmp_path / "home"
    home.mkdir()
    srv = start_server(data_dir=copy, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                                           "XDG_DATA_HOME": str(home / ".local/share")})
    assert fastly_json(srv, "secret-store", "describe", "--store-id", store["id"]) == store
    assert fastly_json(srv, "secret-store-entry", "describe", "--store-id", store["id"],
                       "--name", "db_password") == secret
    again = fastly_json(srv, "secret-store-entry", "create", "--store-id", store["id"], "--name", "db_password",
                        "--stdin", "--recreate", input=plaintext)
    assert again["digest"] == secret["digest"]
    assert kv_get(srv, kv, "k") == b"v"
