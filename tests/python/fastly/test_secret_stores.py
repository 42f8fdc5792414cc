"""Secret stores and secrets through the official Fastly CLI (`fastly secret-store …`,
`fastly secret-store-entry …`). The CLI fetches a client key signed with the API's signing
key, seals each secret to it (libsodium sealed box) and uploads only the ciphertext; the
API answers with a digest. No plaintext may ever come back in any output."""

import base64
import json
import uuid

from fastly_support import (
    ID_RE, assert_recent, fastly, fastly_fails, fastly_json, fastly_ok, unique,
)

STORE_FIELDS = {"created_at", "name", "id"}
SECRET_FIELDS = {"name", "digest", "created_at"}


class Outputs:
    """Runs CLI commands and keeps every byte they print, to check for leaked plaintext."""

    def __init__(self, server):
        self.server = server
        self.printed: list[str] = []

    def run(self, *args, **kwargs):
        out = fastly(self.server, *args, **kwargs)
        self.printed += [out.stdout, out.stderr]
        return out

    def ok(self, *args, **kwargs):
        out = self.run(*args, **kwargs)
        assert out.returncode == 0, f"fastly {' '.join(args)} failed:\n{out.stderr}{out.stdout}"
        return out

    def json(self, *args, **kwargs):
        return json.loads(self.ok(*args, "--json", **kwargs).stdout)

    def assert_never_printed(self, *plaintexts: str):
        text = "\n".join(self.printed)
        for plain in plaintexts:
            for form in (plain, base64.b64encode(plain.encode()).decode(), plain.encode().hex()):
                assert form not in text, f"secret value leaked as {form!r}"


def create_store(server, prefix="sec"):
    name = unique(prefix)
    store = fastly_json(server, "secret-store", "create", "--name", name)
    return name, store["id"]


def digest_hex(b64_digest: str) -> str:
    """The CLI's text output shows the digest hex-encoded; JSON keeps the API's base64."""
    raw = base64.b64decode(b64_digest)
    assert len(raw) == 32, b64_digest
    return raw.hex()


def test_store_create_list_describe_delete(server):
    name = unique("sec")
    store = fastly_json(server, "secret-store", "create", "--name", name)
    assert set(store) == STORE_FIELDS
    assert store["name"] == name and ID_RE.fullmatch(store["id"]), store
    assert_recent(store["created_at"])
    store_id = store["id"]

    other = unique("sec")
    out = fastly_ok(server, "secret-store", "create", "--name", other)
    other_id = out.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    assert out.stdout == f"SUCCESS: Created Secret Store '{other}' ({other_id})\n"
    assert ID_RE.fullmatch(other_id) and other_id != store_id

    listed = {s["name"]: s for s in fastly_json(server, "secret-store", "list")}
    assert listed[name] == store and listed[other]["id"] == other_id
    out = fastly_ok(server, "secret-store", "list")
    assert out.stdout.splitlines()[0].split() == ["Name", "ID"]
    assert [name, store_id] in [line.split() for line in out.stdout.splitlines()]

    assert fastly_json(server, "secret-store", "describe", "--store-id", store_id) == store
    assert fastly_json(server, "secret-store", "describe", f"--store-id={name}") == store
    out = fastly_ok(server, "secret-store", "describe", "--store-id", store_id)
    assert out.stdout == f"Name: {name}\nID: {store_id}\n"

    assert fastly_json(server, "secret-store", "delete", "--store-id", store_id) == {"id": store_id, "deleted": True}
    fastly_fails(server, "secret-store", "describe", "--store-id", store_id, status="404 Not Found")
    fastly_fails(server, "secret-store", "delete", "--store-id", store_id, status="404 Not Found")
    assert name not in [s["name"] for s in fastly_json(server, "secret-store", "list")]
    out = fastly_ok(server, "secret-store", "delete", "--store-id", other)
    assert out.stdout == f"SUCCESS: Deleted Secret Store '{other}'\n"
    fastly_fails(server, "secret-store", "describe", "--store-id", other, status="404 Not Found")


def test_store_list_pages(server):
    names = sorted(unique("page") for _ in range(3))
    ids = {n: fastly_json(server, "secret-store", "create", "--name", n)["id"] for n in names}
    # --json follows next_cursor through every page of `--limit` stores.
    listed = fastly_json(server, "secret-store", "list", "--limit", "1")
    assert {s["name"]: s["id"] for s in listed if s["name"] in ids} == ids
    assert len(listed) == len({s["id"] for s in listed})
    # So does text output when --non-interactive answers "Print next page?".
    out = fastly_ok(server, "secret-store", "list", "--limit", "1")
    for name, store_id in ids.items():
        assert [name, store_id] in [line.split() for line in out.stdout.splitlines()]


def test_invalid_and_duplicate_names(server):
    for bad in ("bad!name", "a/b", "x" * 256):
        fastly_fails(server, "secret-store", "create", "--name", bad, status="400 Bad Request")
    name, store_id = create_store(server)
    fastly_fails(server, "secret-store", "create", "--name", name)
    assert [s["id"] for s in fastly_json(server, "secret-store", "list") if s["name"] == name] == [store_id]
    for bad in ("bad!name", "with space"):
        fastly_fails(server, "secret-store-entry", "create", "--store-id", store_id, "--name", bad, "--stdin",
                     input="v", status="400 Bad Request")
    assert fastly_json(server, "secret-store-entry", "list", "--store-id", store_id)["data"] == []


def test_missing_store_and_secret_errors(server):
    missing = "NoSuchStore0000000000x"
    for args in (
        ("secret-store", "describe", "--store-id", missing),
        ("secret-store", "delete", "--store-id", missing),
        ("secret-store-entry", "list", "--store-id", missing),
        ("secret-store-entry", "describe", "--store-id", missing, "--name", "s"),
        ("secret-store-entry", "delete", "--store-id", missing, "--name", "s"),
    ):
        fastly_fails(server, *args, status="404 Not Found")
    fastly_fails(server, "secret-store-entry", "create", "--store-id", missing, "--name", "s", "--stdin",
                 input="v", status="404 Not Found")
    _, store_id = create_store(server)
    for cmd in ("describe", "delete"):
        fastly_fails(server, "secret-store-entry", cmd, "--store-id", store_id, "--name", "nope",
                     status="404 Not Found")


def test_secret_create_describe_list_delete(server, tmp_path):
    cli = Outputs(server)
    name, store_id = create_store(server)
    stdin_value = f"stdin-{uuid.uuid4().hex}"
    file_value = f"file-{uuid.uuid4().hex}\nsecond line\n"

    out = cli.ok("secret-store-entry", "create", "--store-id", store_id, "--name", "api_key", "--stdin",
                 input=stdin_value)
    described = cli.json("secret-store-entry", "describe", "--store-id", store_id, "--name", "api_key")
    assert set(described) == SECRET_FIELDS and described["name"] == "api_key"
    assert_recent(described["created_at"])
    assert out.stdout == (f"SUCCESS: Created secret 'api_key' in Secret Store '{store_id}' "
                          f"(digest: {digest_hex(described['digest'])})\n")

    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(file_value)
    created = cli.json("secret-store-entry", "create", "--store-id", name, "--name", "from.file-1", "--file",
                       str(secret_file))
    assert set(created) == SECRET_FIELDS and created["name"] == "from.file-1"
    assert created["digest"] != described["digest"]

    listed = cli.json("secret-store-entry", "list", "--store-id", store_id)
    assert set(listed) == {"data", "meta"}
    assert sorted(listed["data"], key=lambda s: s["name"]) == [described, created]
    out = cli.ok("secret-store-entry", "list", "--store-id", name)
    rows = [line.split() for line in out.stdout.splitlines()]
    assert rows[0] == ["Name", "Digest"]
    assert ["api_key", digest_hex(described["digest"])] in rows
    assert ["from.file-1", digest_hex(created["digest"])] in rows
    out = cli.ok("secret-store-entry", "describe", "--store-id", store_id, "--name", "from.file-1")
    assert out.stdout == f"Name: from.file-1\nDigest: {digest_hex(created['digest'])}\n"

    # Creating an existing secret without --recreate fails and changes nothing.
    err = cli.run("secret-store-entry", "create", "--store-id", store_id, "--name", "api_key", "--stdin",
                  input="something else")
    assert err.returncode != 0 and "the Fastly API returned 409 Conflict" in err.stderr, err.stderr
    assert cli.json("secret-store-entry", "describe", "--store-id", store_id, "--name", "api_key") == described

    assert cli.json("secret-store-entry", "delete", "--store-id", store_id, "--name", "api_key") == {
        "name": "api_key", "store_id": store_id, "deleted": True}
    out = cli.ok("secret-store-entry", "delete", "--store-id", name, "--name", "from.file-1")
    assert out.stdout == f"SUCCESS: Deleted secret 'from.file-1' from Secret Store '{name}'\n"
    assert cli.json("secret-store-entry", "list", "--store-id", store_id)["data"] == []
    fastly_fails(server, "secret-store-entry", "describe", "--store-id", store_id, "--name", "api_key",
                 status="404 Not Found")
    cli.assert_never_printed(stdin_value, file_value, file_value.strip())


def test_recreate_and_recreate_allow(server):
    cli = Outputs(server)
    _, store_id = create_store(server)
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    original = cli.json("secret-store-entry", "create", "--store-id", store_id, "--name", "token", "--stdin",
                        input=first)
    assert original.get("recreated", False) is False

    # --recreate replaces an existing secret (PATCH) ...
    replaced = cli.json("secret-store-entry", "create", "--store-id", store_id, "--name", "token", "--stdin",
                        "--recreate", input=second)
    assert replaced["name"] == "token" and replaced["recreated"] is True
    assert replaced["digest"] != original["digest"]
    out = cli.ok("secret-store-entry", "create", "--store-id", store_id, "--name", "token", "--stdin", "--recreate",
                 input=first)
    # The digest identifies the value: the same plaintext, sealed to a fresh client key
    # (so a different ciphertext), gives the same digest again.
    again = cli.json("secret-store-entry", "describe", "--store-id", store_id, "--name", "token")
    assert again["digest"] == original["digest"]
    assert out.stdout == (f"SUCCESS: Recreated secret 'token' in Secret Store '{store_id}' "
                          f"(digest: {digest_hex(original['digest'])})\n")
    # ... and fails for a missing one.
    err = cli.run("secret-store-entry", "create", "--store-id", store_id, "--name", "absent", "--stdin",
                  "--recreate", input=first)
    assert err.returncode != 0 and "the Fastly API returned 404 Not Found" in err.stderr, err.stderr

    # --recreate-allow creates or replaces (PUT).
    made = cli.json("secret-store-entry", "create", "--store-id", store_id, "--name", "either", "--stdin",
                    "--recreate-allow", input=first)
    assert made["name"] == "either" and made.get("recreated", False) is False
    assert made["digest"] == original["digest"]
    remade = cli.json("secret-store-entry", "create", "--store-id", store_id, "--name", "either", "--stdin",
                      "--recreate-allow", input=second)
    assert remade["recreated"] is True and remade["digest"] == replaced["digest"]

    names = [s["name"] for s in cli.json("secret-store-entry", "list", "--store-id", store_id)["data"]]
    assert sorted(names) == ["either", "token"]
    cli.assert_never_printed(first, second)


def test_secret_list_pages_with_cursor(server):
    _, store_id = create_store(server)
    names = [f"s{i}" for i in range(5)]
    for n in names:
        fastly_ok(server, "secret-store-entry", "create", "--store-id", store_id, "--name", n, "--stdin", input=n * 3)
    # `secret-store-entry list` shows one page and its cursor; --cursor asks for the next.
    seen = []
    cursor = None
    for _ in range(5):
        args = ["secret-store-entry", "list", "--store-id", store_id, "--limit", "2"]
        if cursor:
            args += ["--cursor", cursor]
        page = fastly_json(server, *args)
        assert len(page["data"]) <= 2 and page["meta"]["limit"] == 2
        seen += [s["name"] for s in page["data"]]
        cursor = page["meta"].get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == names and len(seen) == 5
    out = fastly_ok(server, "secret-store-entry", "list", "--store-id", store_id, "--limit", "2")
    assert "Next cursor: " in out.stdout


def test_secret_values_are_binary_safe_and_exact(server, tmp_path):
    """The digest depends on every byte: a trailing newline or a binary byte changes it."""
    _, store_id = create_store(server)
    (tmp_path / "a").write_bytes(b"abc")
    (tmp_path / "b").write_bytes(b"abc\n")
    (tmp_path / "c").write_bytes(b"\x00\xffabc")
    digests = {}
    for n in ("a", "b", "c"):
        digests[n] = fastly_json(server, "secret-store-entry", "create", "--store-id", store_id, "--name", n,
                                 "--file", str(tmp_path / n))["digest"]
    assert len(set(digests.values())) == 3
    same = fastly_json(server, "secret-store-entry", "create", "--store-id", store_id, "--name", "a2", "--stdin",
                       input="abc")
    assert same["digest"] == digests["a"]
