"""Versions and aliases: PublishVersion numbering (unchanged code gives back the last version),
ListVersionsByFunction, the Qualifier on GetFunction, GetFunctionConfiguration and Invoke,
alias CRUD, invoking through an alias (X-Amz-Executed-Version) and weighted routing."""

import collections

import pytest
import requests

from lambda_support import (
    code_sha256, create_function, error, error_of, function_arn, invoke, make_zip, not_found,
    unique, wait_active, wait_updated,
)

SOURCE = '''\
import os

MARK = "{mark}"


def handler(event, context):
    return {{
        "mark": MARK,
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "context_version": context.function_version,
        "arn": context.invoked_function_arn,
    }}
'''

ZIP_A = make_zip({"handler.py": SOURCE.format(mark="A")})
ZIP_B = make_zip({"handler.py": SOURCE.format(mark="B")})


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="module")
def versioned(lam):
    """A function with version 1 (code A) and version 2 (code B, also $LATEST)."""
    name = unique("versioned")
    create_function(lam, name, ZIP_A)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.update_function_code(FunctionName=name, ZipFile=ZIP_B)
    wait_updated(lam, name)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    wait_active(lam, name, "1")
    wait_active(lam, name, "2")
    return name


def test_publish_version_numbers(lam):
    name = unique("publish")
    create_function(lam, name, ZIP_A, Description="the function")
    first = lam.publish_version(FunctionName=name, Description="release one")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["Version"] == "1"
    assert first["FunctionArn"] == function_arn(name, "1")
    assert first["CodeSha256"] == code_sha256(ZIP_A)
    assert first["Description"] == "release one"
    wait_active(lam, name, "1")

    # Nothing changed since version 1: publishing gives version 1 back.
    again = lam.publish_version(FunctionName=name)
    assert again["Version"] == "1" and again["FunctionArn"] == function_arn(name, "1")

    # A CodeSha256 that is not $LATEST's is refused.
    assert error(lambda: lam.publish_version(FunctionName=name, CodeSha256="bogus")) == (
        "InvalidParameterValueException",
        f"CodeSHA256 (bogus) is different from current CodeSHA256 in $LATEST "
        f"({code_sha256(ZIP_A)}). Please try again with the CodeSHA256 in $LATEST.")

    lam.update_function_code(FunctionName=name, ZipFile=ZIP_B)
    wait_updated(lam, name)
    second = lam.publish_version(FunctionName=name, CodeSha256=code_sha256(ZIP_B))
    assert second["Version"] == "2" and second["CodeSha256"] == code_sha256(ZIP_B)

    # A configuration change alone makes a new version too.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"X": "1"}})
    wait_updated(lam, name)
    assert lam.publish_version(FunctionName=name)["Version"] == "3"

    # Deleting one version leaves the others; $LATEST cannot be deleted on its own.
    lam.delete_function(FunctionName=name, Qualifier="2")
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "3"]
    assert error(lambda: lam.get_function(FunctionName=name, Qualifier="2")) == (
        "ResourceNotFoundException", not_found(name, "2"))
    assert error(lambda: lam.delete_function(FunctionName=name, Qualifier="$LATEST")) == (
        "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.")
    # Numbering goes on from the highest version published.
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"X": "2"}})
    wait_updated(lam, name)
    assert lam.publish_version(FunctionName=name)["Version"] == "4"


def test_list_versions_by_function(lam, versioned):
    versions = lam.list_versions_by_function(FunctionName=versioned)["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in versions] == [
        function_arn(versioned, "$LATEST"), function_arn(versioned, "1"), function_arn(versioned, "2")]
    assert [v["CodeSha256"] for v in versions] == [
        code_sha256(ZIP_B), code_sha256(ZIP_A), code_sha256(ZIP_B)]
    page = lam.list_versions_by_function(FunctionName=versioned, MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"] and page["NextMarker"]
    rest = lam.list_versions_by_function(FunctionName=versioned, Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"]
    missing = unique("nobody")
    assert error(lambda: lam.list_versions_by_function(FunctionName=missing)) == (
        "ResourceNotFoundException", not_found(missing))


def test_qualifier_on_get_function_and_configuration(lam, versioned):
    got = lam.get_function(FunctionName=versioned, Qualifier="1")
    assert got["Configuration"]["Version"] == "1"
    assert got["Configuration"]["FunctionArn"] == function_arn(versioned, "1")
    assert got["Configuration"]["CodeSha256"] == code_sha256(ZIP_A)
    assert requests.get(got["Code"]["Location"], timeout=10).content == ZIP_A
    cfg = lam.get_function_configuration(FunctionName=versioned, Qualifier="2")
    assert cfg["Version"] == "2" and cfg["CodeSha256"] == code_sha256(ZIP_B)
    latest = lam.get_function(FunctionName=versioned)["Configuration"]
    assert latest["Version"] == "$LATEST" and latest["FunctionArn"] == function_arn(versioned)
    # A qualified ARN works as the function name.
    by_arn = lam.get_function_configuration(FunctionName=function_arn(versioned, "1"))
    assert by_arn["Version"] == "1"
    assert error(lambda: lam.get_function_configuration(FunctionName=versioned, Qualifier="9")) == (
        "ResourceNotFoundException", not_found(versioned, "9"))


def test_qualifier_on_invoke(lam, versioned):
    response, body = invoke(lam, versioned, {}, Qualifier="1")
    assert response["ExecutedVersion"] == "1"
    assert body == {"mark": "A", "version": "1", "context_version": "1",
                    "arn": function_arn(versioned, "1")}
    response, body = invoke(lam, versioned, {}, Qualifier="$LATEST")
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["mark"] == "B" and body["version"] == "$LATEST"
    response, body = invoke(lam, versioned, {})
    assert response["ExecutedVersion"] == "$LATEST" and body["arn"] == function_arn(versioned)
    response, body = invoke(lam, f"{versioned}:2", {})
    assert response["ExecutedVersion"] == "2" and body["mark"] == "B" and body["version"] == "2"
    response, body = invoke(lam, function_arn(versioned, "1"), {})
    assert response["ExecutedVersion"] == "1" and body["mark"] == "A"
    assert error(lambda: lam.invoke(FunctionName=versioned, Qualifier="9")) == (
        "ResourceNotFoundException", not_found(versioned, "9"))


def test_alias_crud(lam, versioned):
    alias_arn = function_arn(versioned, "live")
    created = lam.create_alias(FunctionName=versioned, Name="live", FunctionVersion="1",
                               Description="live traffic")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["AliasArn"] == alias_arn and created["Name"] == "live"
    assert created["FunctionVersion"] == "1" and created["Description"] == "live traffic"
    assert created["RevisionId"]

    response = error_of(lambda: lam.create_alias(FunctionName=versioned, Name="live", FunctionVersion="2"))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ResourceConflictException", f"Alias already exists: {alias_arn}")
    assert error(lambda: lam.create_alias(FunctionName=versioned, Name="ghost", FunctionVersion="7")) == (
        "ResourceNotFoundException", not_found(versioned, "7"))

    got = lam.get_alias(FunctionName=versioned, Name="live")
    assert {k: got[k] for k in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId")} == {
        k: created[k] for k in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId")}

    lam.create_alias(FunctionName=versioned, Name="staging", FunctionVersion="2")
    listed = lam.list_aliases(FunctionName=versioned)["Aliases"]
    assert sorted(a["Name"] for a in listed) == ["live", "staging"]
    only_one = lam.list_aliases(FunctionName=versioned, FunctionVersion="1")["Aliases"]
    assert [a["Name"] for a in only_one] == ["live"]

    # GetFunction through the alias: the alias's version, under the alias's ARN.
    through = lam.get_function(FunctionName=versioned, Qualifier="live")["Configuration"]
    assert through["Version"] == "1" and through["FunctionArn"] == alias_arn
    assert through["CodeSha256"] == code_sha256(ZIP_A)

    updated = lam.update_alias(FunctionName=versioned, Name="live", FunctionVersion="2",
                               Description="moved")
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "moved"
    assert updated["RevisionId"] != created["RevisionId"]
    response, body = invoke(lam, versioned, {}, Qualifier="live")
    assert response["ExecutedVersion"] == "2" and body["mark"] == "B"

    lam.delete_alias(FunctionName=versioned, Name="staging")
    lam.delete_alias(FunctionName=versioned, Name="live")
    assert error(lambda: lam.get_alias(FunctionName=versioned, Name="live")) == (
        "ResourceNotFoundException", f"Cannot find alias arn: {alias_arn}")
    assert lam.list_aliases(FunctionName=versioned)["Aliases"] == []
    assert error(lambda: lam.invoke(FunctionName=versioned, Qualifier="live"))[0] == "ResourceNotFoundException"


def test_invoke_through_an_alias_reports_the_executed_version(lam, versioned):
    lam.create_alias(FunctionName=versioned, Name="prod", FunctionVersion="1")
    try:
        response, body = invoke(lam, f"{versioned}:prod", {})
        assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "1"
        assert body == {"mark": "A", "version": "1", "context_version": "1",
                        "arn": function_arn(versioned, "prod")}
        response, body = invoke(lam, versioned, {}, Qualifier="prod")
        assert response["ExecutedVersion"] == "1" and body["arn"] == function_arn(versioned, "prod")
    finally:
        lam.delete_alias(FunctionName=versioned, Name="prod")


def test_routing_config_weights_split_invocations(lam, versioned):
    created = lam.create_alias(FunctionName=versioned, Name="canary", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    try:
        assert created["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
        counts = collections.Counter()
        for _ in range(40):
            response, body = invoke(lam, versioned, {}, Qualifier="canary")
            executed = response["ExecutedVersion"]
            assert executed in ("1", "2")
            assert body["version"] == executed and body["mark"] == {"1": "A", "2": "B"}[executed]
            assert body["arn"] == function_arn(versioned, "canary")
            counts[executed] += 1
        # With 50/50 weights, 40 invocations that all land on one version happen once in 2^39.
        assert counts["1"] > 0 and counts["2"] > 0, counts

        # The alias's own version cannot also be an additional version.
        assert error(lambda: lam.update_alias(
            FunctionName=versioned, Name="canary",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.3}})) == (
            "InvalidParameterValueException",
            "Invalid function version 1. Function version 1 is already included in routing configuration.")

        # Removing the weights sends everything to the alias's version.
        lam.update_alias(FunctionName=versioned, Name="canary", RoutingConfig={"AdditionalVersionWeights": {}})
        routing = lam.get_alias(FunctionName=versioned, Name="canary").get("RoutingConfig", {})
        assert not routing.get("AdditionalVersionWeights")
        executed = {invoke(lam, versioned, {}, Qualifier="canary")[0]["ExecutedVersion"] for _ in range(10)}
        assert executed == {"1"}
    finally:
        lam.delete_alias(FunctionName=versioned, Name="canary")
