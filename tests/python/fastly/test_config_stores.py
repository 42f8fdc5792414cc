"""Config stores and their entries through the official Fastly CLI (`fastly config-store …`,
`fastly config-store-entry …`): every command, its `--json` output and text messages, the
API errors the CLI reports, and ruststack's store names in place of ids."""

from fastly_support import (
    ID_RE, assert_recent, fastly, fastly_fails, fastly_json, fastly_ok, parse_time, unique,
)

STORE_FIELDS = {"created_at", "deleted_at", "name", "id", "updated_at"}
ITEM_FIELDS = {"store_id", "item_key", "item_value", "created_at", "updated_at", "deleted_at"}


def create_store(server, prefix="cfg"):
    name = unique(prefix)
    store = fastly_json(server, "config-store", "create", "--name", name)
    return name, store["id"]


def test_store_create_list_describe(server):
    name = unique("cfg")
    store = fastly_json(server, "config-store", "create", "--name", name)
    assert set(store) == STORE_FIELDS
    assert store["name"] == name and store["deleted_at"] is None
    assert ID_RE.fullmatch(store["id"]), store["id"]
    assert_recent(store["created_at"])
    assert store["updated_at"] == store["created_at"]

    other = unique("cfg")
    out = fastly_ok(server, "config-store", "create", "--name", other)
    other_id = out.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    assert out.stdout == f"SUCCESS: Created Config Store '{other}' ({other_id})\n"
    assert ID_RE.fullmatch(other_id) and other_id != store["id"]

    listed = {s["name"]: s for s in fastly_json(server, "config-store", "list")}
    assert listed[name] == store
    assert listed[other]["id"] == other_id
    out = fastly_ok(server, "config-store", "list")
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["Name", "ID", "Created", "(UTC)", "Updated", "(UTC)"]
    assert any(line.split()[:2] == [name, store["id"]] for line in lines[1:]), out.stdout

    assert fastly_json(server, "config-store", "describe", "--store-id", store["id"]) == store
    out = fastly_ok(server, "config-store", "describe", "--store-id", store["id"])
    assert out.stdout.splitlines()[:2] == [f"Name: {name}", f"ID: {store['id']}"]


def test_store_name_works_as_id(server):
    name, store_id = create_store(server)
    by_id = fastly_json(server, "config-store", "describe", "--store-id", store_id)
    assert fastly_json(server, "config-store", "describe", f"--store-id={name}") == by_id
    item = fastly_json(server, "config-store-entry", "create", "--store-id", name,
                       "--key", "k", "--value", "v")
    # The item names the store by its id, whatever the request used.
    assert item["store_id"] == store_id
    out = fastly_ok(server, "config-store-entry", "create", "--store-id", name, "--key", "k2", "--value", "v2")
    assert out.stdout == f"SUCCESS: Created key 'k2' in Config Store '{store_id}'\n"
    items = fastly_json(server, "config-store-entry", "list", "--store-id", store_id)
    assert {i["item_key"]: i["item_value"] for i in items} == {"k": "v", "k2": "v2"}


def test_store_metadata_counts_items(server):
    name, store_id = create_store(server)
    described = fastly_json(server, "config-store", "describe", "--store-id", store_id, "--metadata")
    assert described["metadata"] == {"item_count": 0}
    assert {k: v for k, v in described.items() if k != "metadata"} == fastly_json(
        server, "config-store", "describe", "--store-id", store_id)
    for key in ("a", "b", "c"):
        fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", key, "--value", key * 3)
    described = fastly_json(server, "config-store", "describe", "--store-id", name, "--metadata")
    assert described["metadata"] == {"item_count": 3}
    out = fastly_ok(server, "config-store", "describe", "--store-id", store_id, "--metadata")
    assert out.stdout.splitlines()[-1] == "Item Count: 3"
    fastly_ok(server, "config-store-entry", "delete", "--store-id", store_id, "--key", "b")
    described = fastly_json(server, "config-store", "describe", "--store-id", store_id, "--metadata")
    assert described["metadata"] == {"item_count": 2}


def test_store_update_renames(server):
    name, store_id = create_store(server)
    created = fastly_json(server, "config-store", "describe", "--store-id", store_id)
    new_name = unique("renamed")
    updated = fastly_json(server, "config-store", "update", "--store-id", store_id, "--name", new_name)
    assert updated["id"] == store_id and updated["name"] == new_name
    assert updated["created_at"] == created["created_at"]
    assert parse_time(updated["updated_at"]) >= parse_time(created["updated_at"])
    assert fastly_json(server, "config-store", "describe", "--store-id", new_name)["id"] == store_id
    fastly_fails(server, "config-store", "describe", "--store-id", name, status="404 Not Found")
    names = [s["name"] for s in fastly_json(server, "config-store", "list")]
    assert new_name in names and name not in names

    third = unique("third")
    out = fastly_ok(server, "config-store", "update", "--store-id", new_name, "--name", third)
    assert out.stdout == f"SUCCESS: Updated Config Store '{third}' ({store_id})\n"


def test_store_list_services_is_empty(server):
    _, store_id = create_store(server)
    assert fastly_json(server, "config-store", "list-services", "--store-id", store_id) == []
    out = fastly_ok(server, "config-store", "list-services", "--store-id", store_id)
    assert out.stdout.split() == ["NAME", "ID", "TYPE"]


def test_store_delete(server):
    name, store_id = create_store(server)
    fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "v")
    assert fastly_json(server, "config-store", "delete", "--store-id", store_id) == {"id": store_id, "deleted": True}
    fastly_fails(server, "config-store", "describe", "--store-id", store_id, status="404 Not Found")
    fastly_fails(server, "config-store", "describe", "--store-id", name, status="404 Not Found")
    fastly_fails(server, "config-store-entry", "list", "--store-id", store_id, status="404 Not Found")
    assert name not in [s["name"] for s in fastly_json(server, "config-store", "list")]
    fastly_fails(server, "config-store", "delete", "--store-id", store_id, status="404 Not Found")

    # Text output; by name; the name is free again afterwards.
    name2, _ = create_store(server)
    out = fastly_ok(server, "config-store", "delete", "--store-id", name2)
    assert out.stdout == f"SUCCESS: Deleted Config Store '{name2}'\n"
    again = fastly_json(server, "config-store", "create", "--name", name2)
    assert again["name"] == name2


def test_missing_store_errors(server):
    missing = "NoSuchStore0000000000x"
    for args in (
        ("config-store", "describe", "--store-id", missing),
        ("config-store", "describe", "--store-id", missing, "--metadata"),
        ("config-store", "update", "--store-id", missing, "--name", unique("x")),
        ("config-store", "delete", "--store-id", missing),
        ("config-store-entry", "list", "--store-id", missing),
        ("config-store-entry", "describe", "--store-id", missing, "--key", "k"),
        ("config-store-entry", "create", "--store-id", missing, "--key", "k", "--value", "v"),
        ("config-store-entry", "delete", "--store-id", missing, "--key", "k"),
    ):
        err = fastly_fails(server, *args, status="404 Not Found")
        assert "If you believe this error is the result of a bug" in err


def test_invalid_and_duplicate_store_names(server):
    for bad in ("bad!name", "a/b", "x" * 256):
        err = fastly_fails(server, "config-store", "create", "--name", bad, status="400 Bad Request")
        assert bad not in [s["name"] for s in fastly_json(server, "config-store", "list")], err
    name, store_id = create_store(server)
    fastly_fails(server, "config-store", "create", "--name", name)
    assert [s["id"] for s in fastly_json(server, "config-store", "list") if s["name"] == name] == [store_id]
    # Renaming onto a taken name or an invalid one fails too.
    other, _ = create_store(server)
    fastly_fails(server, "config-store", "update", "--store-id", other, "--name", name)
    fastly_fails(server, "config-store", "update", "--store-id", other, "--name", "bad!name", status="400 Bad Request")
    assert fastly_json(server, "config-store", "describe", "--store-id", other)["name"] == other


def test_entry_create_list_describe(server):
    _, store_id = create_store(server)
    item = fastly_json(server, "config-store-entry", "create", "--store-id", store_id,
                       "--key", "greeting", "--value", "hello & welcome = ü")
    assert set(item) == ITEM_FIELDS
    assert item["store_id"] == store_id and item["item_key"] == "greeting"
    assert item["item_value"] == "hello & welcome = ü"
    assert item["deleted_at"] is None
    assert_recent(item["created_at"])
    out = fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", "from-stdin", "--stdin",
                    input="line one\nline two")
    assert out.stdout == f"SUCCESS: Created key 'from-stdin' in Config Store '{store_id}'\n"
    fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", "path/with space", "--value", "x")

    items = fastly_json(server, "config-store-entry", "list", "--store-id", store_id)
    assert all(set(i) == ITEM_FIELDS and i["store_id"] == store_id for i in items)
    assert {i["item_key"]: i["item_value"] for i in items} == {
        "greeting": "hello & welcome = ü", "from-stdin": "line one\nline two", "path/with space": "x",
    }
    out = fastly_ok(server, "config-store-entry", "list", "--store-id", store_id)
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["Key", "Value", "Created", "(UTC)", "Updated", "(UTC)"]
    assert any(line.startswith("greeting ") and '"hello & welcome = ü"' in line for line in lines), out.stdout

    assert fastly_json(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "greeting") == item
    described = fastly_json(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "path/with space")
    assert described["item_key"] == "path/with space" and described["item_value"] == "x"
    out = fastly_ok(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "greeting")
    assert out.stdout.splitlines()[:3] == [f"StoreID: {store_id}", "Key: greeting", "Value: hello & welcome = ü"]

    # An existing key cannot be created again; the value stays.
    fastly_fails(server, "config-store-entry", "create", "--store-id", store_id, "--key", "greeting", "--value", "other")
    assert fastly_json(server, "config-store-entry", "describe", "--store-id", store_id,
                       "--key", "greeting")["item_value"] == "hello & welcome = ü"
    fastly_fails(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "nope",
                 status="404 Not Found")


def test_entry_update_and_upsert(server):
    _, store_id = create_store(server)
    created = fastly_json(server, "config-store-entry", "create", "--store-id", store_id, "--key", "k", "--value", "one")
    updated = fastly_json(server, "config-store-entry", "update", "--store-id", store_id, "--key", "k", "--value", "two")
    assert updated["item_key"] == "k" and updated["item_value"] == "two" and updated["store_id"] == store_id
    assert updated["created_at"] == created["created_at"]
    out = fastly_ok(server, "config-store-entry", "update", "--store-id", store_id, "--key", "k", "--value", "three")
    assert out.stdout == f"SUCCESS: Updated config store item k in store {store_id}\n"
    out = fastly_ok(server, "config-store-entry", "update", "--store-id", store_id, "--key", "k", "--stdin",
                    input="four")
    assert fastly_json(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "k")["item_value"] == "four"

    # Without --upsert an update needs an existing key.
    fastly_fails(server, "config-store-entry", "update", "--store-id", store_id, "--key", "new", "--value", "x",
                 status="404 Not Found")
    fastly_fails(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "new", status="404 Not Found")

    upserted = fastly_json(server, "config-store-entry", "update", "--store-id", store_id, "--key", "new",
                           "--value", "made", "--upsert")
    assert upserted["item_key"] == "new" and upserted["item_value"] == "made"
    out = fastly_ok(server, "config-store-entry", "update", "--store-id", store_id, "--key", "new", "--value", "again",
                    "--upsert")
    assert out.stdout == f"SUCCESS: Created or updated config store item new in store {store_id}\n"
    items = fastly_json(server, "config-store-entry", "list", "--store-id", store_id)
    assert {i["item_key"]: i["item_value"] for i in items} == {"k": "four", "new": "again"}


def test_entry_delete(server):
    name, store_id = create_store(server)
    for key in ("a", "b", "c"):
        fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", key, "--value", key)
    assert fastly_json(server, "config-store-entry", "delete", "--store-id", store_id, "--key", "a") == {
        "store_id": store_id, "key": "a", "deleted": True}
    out = fastly_ok(server, "config-store-entry", "delete", "--store-id", name, "--key", "b")
    assert out.stdout == f"SUCCESS: Deleted key 'b' from Config Store '{name}'\n"
    fastly_fails(server, "config-store-entry", "describe", "--store-id", store_id, "--key", "a", status="404 Not Found")
    fastly_fails(server, "config-store-entry", "delete", "--store-id", store_id, "--key", "a", status="404 Not Found")
    items = fastly_json(server, "config-store-entry", "list", "--store-id", store_id)
    assert [i["item_key"] for i in items] == ["c"]


def test_entry_delete_all(server):
    _, store_id = create_store(server)
    for i in range(12):
        fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", f"k{i:02d}", "--value", str(i))
    # `--all` lists the items and deletes them one by one (after a confirmation that
    # --non-interactive answers).
    out = fastly_ok(server, "config-store-entry", "delete", "--store-id", store_id, "--all")
    assert out.stdout.count("Deleting key: ") == 12
    assert out.stdout.rstrip().endswith(f"SUCCESS: Deleted all keys from Config Store '{store_id}'")
    assert fastly_json(server, "config-store-entry", "list", "--store-id", store_id) == []
    # Without --non-interactive and with nothing on stdin the CLI asks, reads no "y" and stops.
    fastly_ok(server, "config-store-entry", "create", "--store-id", store_id, "--key", "kept", "--value", "1")
    out = fastly(server, "config-store-entry", "delete", "--store-id", store_id, "--all", interactive=True, input="")
    assert out.returncode == 0 and "Are you sure you want to continue?" in out.stdout
    assert [i["item_key"] for i in fastly_json(server, "config-store-entry", "list", "--store-id", store_id)] == ["kept"]
