"""Layers: PublishLayerVersion, GetLayerVersion (and by ARN), ListLayerVersions, ListLayers,
DeleteLayerVersion; functions that use layers find a Python module in the layer's python/
directories, a Node module in nodejs/node_modules, and the layer's lib/ and bin/ through
LD_LIBRARY_PATH and PATH, as on AWS (where the layer is extracted under /opt)."""

import re

import pytest
import requests

from lambda_support import (
    ACCOUNT, NODE, PYTHON, REGION, code_sha256, create_function, error, invoke, make_zip,
    unique, wait_updated,
)

LAYER_ZIP = make_zip({
    "python/layer_mod.py": 'VALUE = "python-from-layer"\n',
    "python/lib/python3.11/site-packages/sitepkg_mod.py": 'VALUE = "site-packages-from-layer"\n',
    "nodejs/node_modules/layermod/index.js": 'module.exports = { value: "node-from-layer" };\n',
    "lib/layer-marker.txt": "native libraries live here\n",
    "bin/layer-tool": "#!/bin/sh\necho layer tool\n",
}, executables={"bin/layer-tool"})

SECOND_LAYER_ZIP = make_zip({"python/second_mod.py": 'VALUE = "second-layer"\n'})

PY_FUNCTION = '''\
import os
import sys


def entries(var):
    return [p for p in os.environ.get(var, "").split(os.pathsep) if p]


def handler(event, context):
    import layer_mod
    import sitepkg_mod
    result = {
        "value": layer_mod.VALUE,
        "site_packages": sitepkg_mod.VALUE,
        "sys_path_has_python_dir": any(os.path.isfile(os.path.join(p, "layer_mod.py")) for p in sys.path),
        "ld_library_path_has_lib": any(
            os.path.isfile(os.path.join(p, "layer-marker.txt")) for p in entries("LD_LIBRARY_PATH")),
        "path_has_bin": any(os.path.isfile(os.path.join(p, "layer-tool")) for p in entries("PATH")),
    }
    if event.get("second"):
        import second_mod
        result["second"] = second_mod.VALUE
    return result
'''

NODE_FUNCTION = '''\
const fs = require("fs");
const path = require("path");

exports.handler = async () => {
  const layermod = require("layermod");
  const nodePath = (process.env.NODE_PATH || "").split(":").filter(Boolean);
  const ld = (process.env.LD_LIBRARY_PATH || "").split(":").filter(Boolean);
  return {
    value: layermod.value,
    nodePathHasModules: nodePath.some((p) => fs.existsSync(path.join(p, "layermod", "index.js"))),
    ldLibraryPathHasLib: ld.some((p) => fs.existsSync(path.join(p, "layer-marker.txt"))),
  };
};
'''

CREATED_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def layer_arn(name, version=None):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}"
    return f"{arn}:{version}" if version is not None else arn


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def layer(lam):
    """A layer with one version holding Python, Node, lib and bin contents."""
    name = unique("tools")
    published = lam.publish_layer_version(
        LayerName=name, Description="shared tools", Content={"ZipFile": LAYER_ZIP},
        CompatibleRuntimes=[PYTHON, NODE], LicenseInfo="MIT", CompatibleArchitectures=["x86_64"])
    return name, published


def test_publish_layer_version(lam, layer):
    name, published = layer
    assert published["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert published["LayerArn"] == layer_arn(name)
    assert published["LayerVersionArn"] == layer_arn(name, 1)
    assert published["Version"] == 1
    assert published["Description"] == "shared tools"
    assert published["CompatibleRuntimes"] == [PYTHON, NODE]
    assert published["CompatibleArchitectures"] == ["x86_64"]
    assert published["LicenseInfo"] == "MIT"
    assert CREATED_DATE.match(published["CreatedDate"]), published["CreatedDate"]
    assert published["Content"]["CodeSha256"] == code_sha256(LAYER_ZIP)
    assert published["Content"]["CodeSize"] == len(LAYER_ZIP)
    assert requests.get(published["Content"]["Location"], timeout=10).content == LAYER_ZIP


def test_layer_version_lifecycle(lam):
    name = unique("life")
    v1 = lam.publish_layer_version(LayerName=name, Content={"ZipFile": SECOND_LAYER_ZIP},
                                   CompatibleRuntimes=[PYTHON, NODE])
    v2 = lam.publish_layer_version(LayerName=name, Content={"ZipFile": LAYER_ZIP},
                                   CompatibleRuntimes=[PYTHON], Description="second")
    assert (v1["Version"], v2["Version"]) == (1, 2)
    assert v2["LayerVersionArn"] == layer_arn(name, 2)

    got = lam.get_layer_version(LayerName=name, VersionNumber=1)
    assert got["LayerVersionArn"] == layer_arn(name, 1) and got["Version"] == 1
    assert got["Content"]["CodeSha256"] == code_sha256(SECOND_LAYER_ZIP)
    assert requests.get(got["Content"]["Location"], timeout=10).content == SECOND_LAYER_ZIP
    by_arn = lam.get_layer_version_by_arn(Arn=layer_arn(name, 2))
    assert by_arn["Version"] == 2 and by_arn["Description"] == "second"
    assert by_arn["Content"]["CodeSha256"] == code_sha256(LAYER_ZIP)

    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert [v["LayerVersionArn"] for v in versions] == [layer_arn(name, 2), layer_arn(name, 1)]
    only_node = lam.list_layer_versions(LayerName=name, CompatibleRuntime=NODE)["LayerVersions"]
    assert [v["Version"] for v in only_node] == [1]

    listed = {entry["LayerName"]: entry for entry in lam.list_layers()["Layers"]}
    assert listed[name]["LayerArn"] == layer_arn(name)
    assert listed[name]["LatestMatchingVersion"]["Version"] == 2
    assert listed[name]["LatestMatchingVersion"]["LayerVersionArn"] == layer_arn(name, 2)

    lam.delete_layer_version(LayerName=name, VersionNumber=1)
    assert error(lambda: lam.get_layer_version(LayerName=name, VersionNumber=1)) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    lam.delete_layer_version(LayerName=name, VersionNumber=1)  # deleting again is not an error
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=name)["LayerVersions"]] == [2]
    # Version numbers are not reused.
    v3 = lam.publish_layer_version(LayerName=name, Content={"ZipFile": SECOND_LAYER_ZIP})
    assert v3["Version"] == 3

    assert error(lambda: lam.get_layer_version(LayerName=unique("nolayer"), VersionNumber=1)) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert lam.list_layer_versions(LayerName=unique("nolayer"))["LayerVersions"] == []


def test_python_function_uses_layer_contents(lam, layer):
    name, published = layer
    second = lam.publish_layer_version(LayerName=unique("second"), Content={"ZipFile": SECOND_LAYER_ZIP})
    fn = unique("py-layers")
    cfg = create_function(lam, fn, make_zip({"handler.py": PY_FUNCTION}),
                          Layers=[published["LayerVersionArn"], second["LayerVersionArn"]])
    assert cfg["Layers"] == [
        {"Arn": published["LayerVersionArn"], "CodeSize": len(LAYER_ZIP)},
        {"Arn": second["LayerVersionArn"], "CodeSize": len(SECOND_LAYER_ZIP)},
    ]
    response, body = invoke(lam, fn, {"second": True})
    assert "FunctionError" not in response, body
    assert body == {
        "value": "python-from-layer",
        "site_packages": "site-packages-from-layer",
        "sys_path_has_python_dir": True,
        "ld_library_path_has_lib": True,
        "path_has_bin": True,
        "second": "second-layer",
    }

    # Without the layers the module is gone.
    lam.update_function_configuration(FunctionName=fn, Layers=[])
    wait_updated(lam, fn)
    assert not lam.get_function_configuration(FunctionName=fn).get("Layers")
    response, body = invoke(lam, fn, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ModuleNotFoundError" and "layer_mod" in body["errorMessage"]

    # And back with UpdateFunctionConfiguration.
    lam.update_function_configuration(FunctionName=fn, Layers=[published["LayerVersionArn"]])
    wait_updated(lam, fn)
    assert invoke(lam, fn, {})[1]["value"] == "python-from-layer"


def test_node_function_uses_layer_node_modules(lam, layer):
    _, published = layer
    fn = unique("node-layers")
    create_function(lam, fn, make_zip({"index.js": NODE_FUNCTION}), runtime=NODE,
                    handler="index.handler", Layers=[published["LayerVersionArn"]])
    response, body = invoke(lam, fn, {})
    assert "FunctionError" not in response, body
    assert body == {"value": "node-from-layer", "nodePathHasModules": True, "ldLibraryPathHasLib": True}


def test_missing_layer_version_is_refused(lam, layer):
    name, _ = layer
    missing = layer_arn(name, 99)
    assert error(lambda: create_function(
        lam, unique("nolayer"), make_zip({"handler.py": PY_FUNCTION}), Layers=[missing])) == (
        "InvalidParameterValueException", f"Layer version {missing} does not exist.")
