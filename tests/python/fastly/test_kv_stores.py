"""KV stores and their entries through the official Fastly CLI (`fastly kv-store …`,
`fastly kv-store-entry …`): single keys with metadata, generations and the add / append /
prepend / if-generation-match modes, NDJSON batches (`--file`, `--stdin`), directory uploads
(`--dir`), listing with prefixes across several pages, bulk deletes, and the API errors the
CLI reports."""

import base64
import json

from conftest import http
from fastly_support import (
    ID_RE, assert_recent, fastly, fastly_fails, fastly_json, fastly_ok, ndjson, unique,
)

STORE_FIELDS = {"CreatedAt", "Name", "StoreID", "UpdatedAt"}


def create_store(server, prefix="kv"):
    name = unique(prefix)
    store = fastly_json(server, "kv-store", "create", "--name", name)
    return name, store["StoreID"]


def get_bytes(server, store, key) -> bytes:
    """`kv-store-entry get` prints the raw value, byte for byte."""
    out = fastly(server, "kv-store-entry", "get", "--store-id", store, "--key", key, binary=True)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout


def describe(server, store, key):
    return fastly_json(server, "kv-store-entry", "describe", "--store-id", store, "--key", key)


def list_keys(server, store, *args):
    return fastly_json(server, "kv-store-entry", "list", "--store-id", store, *args)


def test_store_create_list_describe_delete(server):
    name = unique("kv")
    store = fastly_json(server, "kv-store", "create", "--name", name)
    # The CLI prints go-fastly's struct: Go field names, times re-encoded as RFC 3339.
    assert set(store) == STORE_FIELDS
    assert store["Name"] == name and ID_RE.fullmatch(store["StoreID"]), store
    assert_recent(store["CreatedAt"])
    store_id = store["StoreID"]

    other = unique("kv")
    out = fastly_ok(server, "kv-store", "create", "--name", other, "--location", "US")
    other_id = out.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    assert out.stdout == f"SUCCESS: Created KV Store '{other}' ({other_id})\n"
    assert ID_RE.fullmatch(other_id) and other_id != store_id

    listed = fastly_json(server, "kv-store", "list")
    assert set(listed) == {"Data", "Meta"}
    by_name = {s["Name"]: s for s in listed["Data"]}
    assert by_name[name] == store and by_name[other]["StoreID"] == other_id
    assert "limit" in listed["Meta"]
    out = fastly_ok(server, "kv-store", "list")
    assert f"ID: {store_id}\nName: {name}\n" in out.stdout

    assert fastly_json(server, "kv-store", "describe", "--store-id", store_id) == store
    assert fastly_json(server, "kv-store", "describe", f"--store-id={name}") == store
    out = fastly_ok(server, "kv-store", "describe", "--store-id", store_id)
    assert out.stdout.splitlines()[1:3] == [f"ID: {store_id}", f"Name: {name}"]

    assert fastly_json(server, "kv-store", "delete", "--store-id", store_id) == {"id": store_id, "deleted": True}
    fastly_fails(server, "kv-store", "describe", "--store-id", store_id, status="404 Not Found")
    fastly_fails(server, "kv-store", "describe", "--store-id", name, status="404 Not Found")
    fastly_fails(server, "kv-store", "delete", "--store-id", store_id, status="404 Not Found")
    assert name not in [s["Name"] for s in fastly_json(server, "kv-store", "list")["Data"]]

    out = fastly_ok(server, "kv-store", "delete", "--store-id", other)
    assert out.stdout == f"SUCCESS: Deleted KV Store '{other}'\n"
    fastly_fails(server, "kv-store", "describe", "--store-id", other_id, status="404 Not Found")


def test_invalid_and_duplicate_store_names(server):
    for bad in ("bad!name", "a/b", "x" * 256):
        fastly_fails(server, "kv-store", "create", "--name", bad, status="400 Bad Request")
    name, store_id = create_store(server)
    fastly_fails(server, "kv-store", "create", "--name", name)
    assert [s["StoreID"] for s in fastly_json(server, "kv-store", "list")["Data"] if s["Name"] == name] == [store_id]


def test_missing_store_errors(server):
    missing = "NoSuchStore0000000000x"
    for args in (
        ("kv-store", "describe", "--store-id", missing),
        ("kv-store", "delete", "--store-id", missing),
        ("kv-store-entry", "list", "--store-id", missing),
        ("kv-store-entry", "get", "--store-id", missing, "--key", "k"),
        ("kv-store-entry", "describe", "--store-id", missing, "--key", "k"),
        ("kv-store-entry", "create", "--store-id", missing, "--key", "k", "--value", "v"),
        ("kv-store-entry", "delete", "--store-id", missing, "--key", "k"),
    ):
        fastly_fails(server, *args, status="404 Not Found")


def test_entry_create_get_describe_delete(server):
    name, store_id = create_store(server)
    out = fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "greeting", "--value", "hello")
    assert out.stdout == f"SUCCESS: Created key 'greeting' in KV Store '{store_id}'\n"
    assert fastly_json(server, "kv-store-entry", "create", "--store-id", name, "--key", "with-meta",
                       "--value", "v", "--metadata", '{"owner":"team-a"}') == {"id": name, "key": "with-meta"}

    assert get_bytes(server, store_id, "greeting") == b"hello"
    assert fastly_json(server, "kv-store-entry", "get", "--store-id", store_id, "--key", "greeting") == {
        "greeting": base64.b64encode(b"hello").decode()}
    plain = describe(server, store_id, "greeting")
    assert set(plain) == {"generation", "key", "metadata"}
    assert plain["key"] == "greeting" and plain["metadata"] == ""
    assert int(plain["generation"]) >= 0
    meta = describe(server, name, "with-meta")
    assert meta["metadata"] == '{"owner":"team-a"}'
    out = fastly_ok(server, "kv-store-entry", "describe", "--store-id", store_id, "--key", "with-meta")
    assert out.stdout.splitlines() == ["Key: with-meta", f"Generation: {meta['generation']}",
                                       'Metadata: {"owner":"team-a"}']

    # Overwriting replaces value and metadata and moves the generation.
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "with-meta", "--value", "w2")
    after = describe(server, store_id, "with-meta")
    assert after["metadata"] == "" and after["generation"] != meta["generation"]
    assert get_bytes(server, store_id, "with-meta") == b"w2"

    assert fastly_json(server, "kv-store-entry", "delete", "--store-id", store_id, "--key", "with-meta") == {
        "key": "with-meta", "store_id": store_id, "deleted": True}
    out = fastly_ok(server, "kv-store-entry", "delete", "--store-id", name, "--key", "greeting")
    assert out.stdout == f"SUCCESS: Deleted key 'greeting' from KV Store '{name}'\n"
    for cmd in ("get", "describe", "delete"):
        fastly_fails(server, "kv-store-entry", cmd, "--store-id", store_id, "--key", "greeting", status="404 Not Found")
    # --force turns a missing key into success.
    fastly_ok(server, "kv-store-entry", "delete", "--store-id", store_id, "--key", "greeting", "--force")
    assert list_keys(server, store_id) == []


def test_keys_with_reserved_characters(server):
    _, store_id = create_store(server)
    # The CLI path-escapes keys: '/' arrives as %2F, ' ' as %20, '%' as %25.
    keys = ["dir/sub/file.txt", "a b%20c&d=e+f", "ünïcödé/☃", ".hidden"]
    for i, key in enumerate(keys):
        fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", key, "--value", f"value {i}")
    assert list_keys(server, store_id) == sorted(keys, key=lambda k: k.encode())
    for i, key in enumerate(keys):
        assert get_bytes(server, store_id, key) == f"value {i}".encode()
        assert describe(server, store_id, key)["key"] == key
    assert list_keys(server, store_id, "--prefix", "dir/") == ["dir/sub/file.txt"]
    assert list_keys(server, store_id, "--prefix", "a b%") == ["a b%20c&d=e+f"]
    fastly_ok(server, "kv-store-entry", "delete", "--store-id", store_id, "--key", "dir/sub/file.txt")
    assert "dir/sub/file.txt" not in list_keys(server, store_id)


def test_invalid_keys_are_rejected(server):
    _, store_id = create_store(server)
    # Fastly's key rules: no '#', '?', '*', '[', ']', CR or LF; not '.' or '..'; not under
    # .well-known/acme-challenge/; at most 1024 bytes.
    for key in ("a#b", "a?b", "a*b", "a[b", "a]b", ".well-known/acme-challenge/x", "k" * 1025):
        fastly_fails(server, "kv-store-entry", "create", "--store-id", store_id, "--key", key, "--value", "v",
                     status="400 Bad Request")
    # go-fastly cleans the URL path, so '.' and '..' never reach the server as a key (the
    # request goes to PUT …/keys); it fails all the same.
    for key in (".", ".."):
        fastly_fails(server, "kv-store-entry", "create", "--store-id", store_id, "--key", key, "--value", "v")
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k" * 1024, "--value", "v")
    assert list_keys(server, store_id) == ["k" * 1024]


def test_add_append_prepend_and_generation_match(server):
    _, store_id = create_store(server)
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "body")

    # --add only creates: an existing key fails with 412 and keeps its value.
    fastly_fails(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "other", "--add",
                 status="412 Precondition Failed")
    assert get_bytes(server, store_id, "k") == b"body"
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "fresh", "--value", "new", "--add")
    assert get_bytes(server, store_id, "fresh") == b"new"

    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value=-tail", "--append")
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value=head-", "--prepend")
    assert get_bytes(server, store_id, "k") == b"head-body-tail"
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "bg",
              "--background-fetch")
    assert get_bytes(server, store_id, "k") == b"bg"

    generation = describe(server, store_id, "k")["generation"]
    wrong = str(int(generation) + 1)
    fastly_fails(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "x",
                 "--if-generation-match", wrong, status="412 Precondition Failed")
    assert get_bytes(server, store_id, "k") == b"bg"
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "matched",
              "--if-generation-match", generation)
    assert get_bytes(server, store_id, "k") == b"matched"
    newer = describe(server, store_id, "k")["generation"]
    assert newer != generation

    # `get --if-generation-match` is checked by the CLI against the Generation header.
    fastly_ok(server, "kv-store-entry", "get", "--store-id", store_id, "--key", "k", "--if-generation-match", newer)
    err = fastly_fails(server, "kv-store-entry", "get", "--store-id", store_id, "--key", "k",
                       "--if-generation-match", generation)
    assert f"generation value does not match: expected {newer}, got {generation}" in err

    fastly_fails(server, "kv-store-entry", "delete", "--store-id", store_id, "--key", "k",
                 "--if-generation-match", generation, status="412 Precondition Failed")
    assert get_bytes(server, store_id, "k") == b"matched"
    fastly_ok(server, "kv-store-entry", "delete", "--store-id", store_id, "--key", "k", "--if-generation-match", newer)
    fastly_fails(server, "kv-store-entry", "get", "--store-id", store_id, "--key", "k", status="404 Not Found")


def test_batch_file_of_1200_keys_lists_across_pages(server, tmp_path):
    _, store_id = create_store(server)
    binary = bytes(range(256)) * 4
    entries = [(f"item-{i:04d}", f"value {i}") for i in range(1200)]
    entries[7] = ("item-0007", binary)
    entries[8] = ("item-0008", "with metadata", "meta-8")
    batch = tmp_path / "batch.ndjson"
    batch.write_text(ndjson(entries))
    out = fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--file", str(batch))
    assert out.stdout == "SUCCESS: Inserted keys into KV Store\n"

    keys = [e[0] for e in entries]
    # The CLI follows meta.next_cursor until the last page.
    assert list_keys(server, store_id) == keys
    # ...and there are several pages: at most 1000 keys come back per request.
    status, _, raw = http(f"{server.url}/resources/stores/kv/{store_id}/keys?limit=1000",
                          headers={"Fastly-Key": "test"})
    assert status == 200
    page = json.loads(raw)
    assert page["data"] == keys[:1000] and page["meta"]["next_cursor"]
    assert list_keys(server, store_id, "--prefix", "item-11") == keys[1100:1200]
    assert list_keys(server, store_id, "--prefix", "item-0") == keys[:1000]
    assert list_keys(server, store_id, "--prefix", "nothing") == []
    out = fastly_ok(server, "kv-store-entry", "list", "--store-id", store_id, "--prefix", "item-119")
    assert out.stdout.splitlines()[-10:] == keys[1190:]

    assert get_bytes(server, store_id, "item-0007") == binary
    assert get_bytes(server, store_id, "item-1199") == b"value 1199"
    assert describe(server, store_id, "item-0008")["metadata"] == "meta-8"
    assert describe(server, store_id, "item-0009")["metadata"] == ""

    # A batch overwrites existing keys; --json reports success.
    again = tmp_path / "again.ndjson"
    again.write_text(ndjson([("item-0000", "replaced"), ("extra", b"\x00\xff")]))
    assert fastly_json(server, "kv-store-entry", "create", "--store-id", store_id, "--file", str(again)) == {
        "success": True}
    assert get_bytes(server, store_id, "item-0000") == b"replaced"
    assert get_bytes(server, store_id, "extra") == b"\x00\xff"
    assert len(list_keys(server, store_id)) == 1201


def test_batch_from_stdin(server):
    _, store_id = create_store(server)
    out = fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--stdin",
                    input=ndjson([("s1", "one"), ("s2", "two", "m2")]))
    assert out.stdout == "SUCCESS: Inserted keys into KV Store\n"
    assert list_keys(server, store_id) == ["s1", "s2"]
    assert get_bytes(server, store_id, "s2") == b"two"
    assert describe(server, store_id, "s2")["metadata"] == "m2"


def test_directory_upload(server, tmp_path):
    _, store_id = create_store(server)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "index.html").write_text("<h1>hi</h1>")
    (tree / "logo.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x01")
    (tree / "empty.txt").write_bytes(b"")
    (tree / ".hidden").write_text("secret-ish")
    out = fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--dir", str(tree))
    assert out.stdout.rstrip().endswith("SUCCESS: Inserted 3 keys into KV Store")
    assert list_keys(server, store_id) == ["empty.txt", "index.html", "logo.bin"]
    assert get_bytes(server, store_id, "logo.bin") == b"\x89PNG\r\n\x1a\n\x00\x01"
    assert get_bytes(server, store_id, "empty.txt") == b""
    out = fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--dir", str(tree),
                    "--dir-allow-hidden")
    assert out.stdout.rstrip().endswith("SUCCESS: Inserted 4 keys into KV Store")
    assert get_bytes(server, store_id, ".hidden") == b"secret-ish"


def test_bulk_delete_by_prefix_all_and_with_store(server, tmp_path):
    name, store_id = create_store(server)
    batch = tmp_path / "batch.ndjson"
    batch.write_text(ndjson([(f"p{i // 1000}-{i:04d}", "v") for i in range(1100)] + [("keep", "k")]))
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--file", str(batch))

    # --prefix lists the matching keys page by page and deletes them while listing.
    out = fastly_ok(server, "kv-store-entry", "delete", "--store-id", store_id, "--prefix", "p1-")
    assert f"SUCCESS: Deleted 100 keys from KV Store '{store_id}'" in out.stdout
    assert len(list_keys(server, store_id)) == 1001
    # --all over more than one page: deleting while paginating must not skip keys.
    out = fastly_ok(server, "kv-store-entry", "delete", "--store-id", store_id, "--all")
    assert f"SUCCESS: Deleted all keys from KV Store '{store_id}'" in out.stdout
    assert list_keys(server, store_id) == []
    err = fastly_fails(server, "kv-store-entry", "delete", "--store-id", store_id, "--all", "--json")
    assert "invalid flag combination" in err

    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "a", "--value", "1")
    fastly_ok(server, "kv-store-entry", "create", "--store-id", store_id, "--key", "b", "--value", "2")
    # A store must be empty to be deleted; `kv-store delete --all` empties it first.
    fastly_fails(server, "kv-store", "delete", "--store-id", store_id, status="409 Conflict")
    assert list_keys(server, store_id) == ["a", "b"]
    out = fastly_ok(server, "kv-store", "delete", "--store-id", name, "--all")
    assert out.stdout.rstrip().endswith(f"SUCCESS: Deleted KV Store '{name}'")
    fastly_fails(server, "kv-store", "describe", "--store-id", store_id, status="404 Not Found")
