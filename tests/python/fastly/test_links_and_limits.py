"""Resource links through `fastly service resource-link …`, and the parts of the store API
no CLI command reaches (go-fastly's batch update of config store items, KV TTLs, config
store limits), called as go-fastly calls them."""

import json
import time

import requests

from fastly_support import fastly_fails, fastly_json, fastly_ok, unique

HEADERS = {"Fastly-Key": "test"}


def test_resource_links_lifecycle(server):
    name = unique("linked")
    store = fastly_json(server, "config-store", "create", "--name", name)
    service = unique("svc")
    link = fastly_json(server, "service", "resource-link", "create", "--service-id", service,
                       "--version", "latest", "--resource-id", name)
    assert link["resource_id"] == store["id"] and link["name"] == name
    assert link["service_id"] == service and link["version"] == 1
    assert link["resource_type"] == "config-store"

    listed = fastly_json(server, "service", "resource-link", "list", "--service-id", service,
                         "--version", "1")
    assert [entry["id"] for entry in listed] == [link["id"]]
    services = fastly_json(server, "config-store", "list-services", "--store-id", store["id"])
    assert [s["ServiceID"] for s in services] == [service]

    renamed = fastly_json(server, "service", "resource-link", "update", "--service-id", service,
                          "--version", "1", "--id", link["id"], "--name", "alias")
    assert renamed["name"] == "alias" and renamed["id"] == link["id"]
    described = fastly_json(server, "service", "resource-link", "describe", "--service-id",
                            service, "--version", "1", "--id", link["id"])
    assert described["name"] == "alias"

    out = fastly_ok(server, "service", "resource-link", "delete", "--service-id", service,
                    "--version", "1", "--id", link["id"])
    assert f"Deleted service resource link {link['id']}" in out.stdout
    assert fastly_json(server, "service", "resource-link", "list", "--service-id", service,
                       "--version", "1") == []
    fastly_fails(server, "service", "resource-link", "describe", "--service-id", service,
                 "--version", "1", "--id", link["id"], status="404 Not Found")
    fastly_fails(server, "service", "resource-link", "create", "--service-id", service,
                 "--version", "1", "--resource-id", "no-such-store", status="404 Not Found")


def test_deleting_a_store_removes_its_links(server):
    name = unique("gone")
    fastly_json(server, "kv-store", "create", "--name", name)
    service = unique("svc")
    fastly_json(server, "service", "resource-link", "create", "--service-id", service,
                "--version", "2", "--resource-id", name)
    # Links name versions; the CLI's `latest` is the highest version a link names.
    versions = requests.get(f"{server.url}/service/{service}/version", headers=HEADERS).json()
    assert [v["number"] for v in versions] == [1, 2]
    fastly_ok(server, "kv-store", "delete", "--store-id", name)
    assert fastly_json(server, "service", "resource-link", "list", "--service-id", service,
                       "--version", "2") == []


def items(server, store_id):
    return {i["item_key"]: i["item_value"]
            for i in fastly_json(server, "config-store-entry", "list", "--store-id", store_id)}


def test_config_batch_update_is_all_or_nothing(server):
    store = fastly_json(server, "config-store", "create", "--name", unique("batch"))
    sid = store["id"]
    fastly_ok(server, "config-store-entry", "create", "--store-id", sid, "--key", "keep",
              "--value", "1")
    fastly_ok(server, "config-store-entry", "create", "--store-id", sid, "--key", "drop",
              "--value", "2")
    url = f"{server.url}/resources/stores/config/{sid}/items"
    ok = requests.patch(url, headers=HEADERS, json={"items": [
        {"op": "create", "item_key": "new", "item_value": "3"},
        {"op": "update", "item_key": "keep", "item_value": "1b"},
        {"op": "upsert", "item_key": "up", "item_value": "4"},
        {"op": "delete", "item_key": "drop"},
    ]})
    assert ok.status_code == 200 and ok.json() == {"status": "ok"}
    assert items(server, sid) == {"keep": "1b", "new": "3", "up": "4"}

    # One failing operation (updating a missing key) and none of the batch is applied.
    bad = requests.patch(url, headers=HEADERS, json={"items": [
        {"op": "create", "item_key": "another", "item_value": "5"},
        {"op": "update", "item_key": "missing", "item_value": "x"},
    ]})
    assert bad.status_code == 404 and bad.json()["msg"] == "Record not found"
    bad = requests.patch(url, headers=HEADERS, json={"items": [{"op": "rename", "item_key": "k"}]})
    assert bad.status_code == 400
    assert items(server, sid) == {"keep": "1b", "new": "3", "up": "4"}


def test_config_item_limits(server):
    store = fastly_json(server, "config-store", "create", "--name", unique("limits"))
    sid = store["id"]
    fastly_ok(server, "config-store-entry", "create", "--store-id", sid, "--key", "k" * 256,
              "--value", "v" * 8000)
    # The CLI refuses longer keys itself; the API does too (as go-fastly sends them).
    item = f"{server.url}/resources/stores/config/{sid}/item"
    long_key = requests.post(item, headers=HEADERS, data={"item_key": "k" * 257, "item_value": "v"})
    assert long_key.status_code == 400 and "1 to 256 characters" in long_key.json()["detail"]
    long_value = requests.post(item, headers=HEADERS, data={"item_key": "k", "item_value": "v" * 8001})
    assert long_value.status_code == 400 and "8000" in long_value.json()["detail"]
    url = f"{server.url}/resources/stores/config/{sid}/items"
    fill = [{"op": "create", "item_key": f"k{i}", "item_value": "v"} for i in range(499)]
    assert requests.patch(url, headers=HEADERS, json={"items": fill}).status_code == 200
    out = fastly_fails(server, "config-store-entry", "create", "--store-id", sid, "--key",
                       "one-too-many", "--value", "v", status="400 Bad Request")
    assert "at most 500 items" in out
    assert fastly_json(server, "config-store", "describe", "--store-id", sid,
                       "--metadata")["metadata"]["item_count"] == 500


def test_kv_time_to_live(server):
    store = fastly_json(server, "kv-store", "create", "--name", unique("ttl"))
    base = f"{server.url}/resources/stores/kv/{store['StoreID']}/keys"
    put = requests.put(f"{base}/short", data=b"soon gone",
                       headers={**HEADERS, "time_to_live_sec": "1"})
    assert put.status_code == 200
    requests.put(f"{base}/long", data=b"stays", headers=HEADERS).raise_for_status()
    got = requests.get(f"{base}/short", headers=HEADERS)
    assert got.status_code == 200 and got.content == b"soon gone"
    assert sorted(fastly_json(server, "kv-store-entry", "list", "--store-id", store["StoreID"])) \
        == ["long", "short"]
    time.sleep(1.2)
    assert requests.get(f"{base}/short", headers=HEADERS).status_code == 404
    assert fastly_json(server, "kv-store-entry", "list", "--store-id", store["StoreID"]) == ["long"]
    listed = requests.get(base, headers=HEADERS, params={"limit": 1}).json()
    assert listed == {"data": ["long"], "meta": {"limit": 1}}


def test_unknown_paths_get_fastly_errors(server):
    resp = requests.get(f"{server.url}/resources/stores/unknown", headers=HEADERS)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/json"
    assert json.loads(resp.content)["msg"] == "Record not found"
