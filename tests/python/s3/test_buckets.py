"""S3 buckets as real clients see them: CreateBucket/HeadBucket/DeleteBucket/ListBuckets with
S3's regional rules and errors, every bucket configuration subresource, CORS enforcement,
presigned URLs (SigV4 and legacy SigV2), browser POST uploads, virtual-hosted addressing and
unsigned requests."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import http_json

OTHER_ACCOUNT_KEY = "123456789012"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# ---------------------------------------------------------------------------------------------
# helpers


def unique(prefix: str = "bkt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def client_error(call, *args, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value


def code_status(e: ClientError) -> tuple[str, int]:
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


def raw(url: str, method: str = "GET", body: bytes | None = None, headers=None):
    """One HTTP request, redirects not followed: (status, lower-cased headers, body)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def xml_fields(body: bytes) -> dict[str, str]:
    """The children of an XML document's root (namespace stripped): tag -> text."""
    root = ET.fromstring(body)
    out = {"_root": root.tag.split("}")[-1]}
    for child in root:
        out[child.tag.split("}")[-1]] = child.text or ""
    return out


def multipart(fields, filename: str, content: bytes, content_type: str = "text/plain"):
    boundary = "----ruststack" + uuid.uuid4().hex
    chunks = []
    for name, value in fields:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        chunks.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


@contextlib.contextmanager
def clock_advanced(server, seconds: float):
    status, _ = http_json(server.url + "/_ruststack/clock", "POST", {"advance_seconds": seconds})
    assert status == 200
    try:
        yield
    finally:
        status, _ = http_json(server.url + "/_ruststack/clock", "POST", {"reset": True})
        assert status == 200


@pytest.fixture
def s3(client):
    return client("s3")


@pytest.fixture
def s3v4(server):
    """A client that presigns with SigV4 (botocore's default for us-east-1 presigning is SigV2)."""
    return server.client(
        "s3", config=Config(signature_version="s3v4", retries={"max_attempts": 1})
    )


@pytest.fixture
def s3v2(server):
    """A client that presigns with the legacy SigV2 query (`AWSAccessKeyId`, `Signature`)."""
    return server.client(
        "s3", config=Config(signature_version="s3", retries={"max_attempts": 1})
    )


@pytest.fixture
def bucket(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    return name


# ---------------------------------------------------------------------------------------------
# CreateBucket


@pytest.mark.parametrize(
    "name",
    [
        "ab",  # too short
        "a" * 64,  # too long
        "Upper-Case-Bucket",
        "under_score_bucket",
        "-leading-dash",
        "trailing-dash-",
        "double..dots",
        "dash.-dot",
        "192.168.5.4",  # formatted as an IP address
        "xn--punycode-prefix",
        "name-s3alias",
    ],
)
def test_create_bucket_invalid_name(s3, name):
    e = client_error(s3.create_bucket, Bucket=name)
    assert code_status(e) == ("InvalidBucketName", 400)
    assert e.response["Error"]["Message"] == "The specified bucket is not valid."
    assert e.response["Error"]["BucketName"] == name


def test_create_bucket_us_east_1(s3):
    name = unique()
    resp = s3.create_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert resp["Location"] == f"/{name}"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert head["BucketRegion"] == "us-east-1"


def test_create_bucket_twice_in_us_east_1_succeeds(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    resp = s3.create_bucket(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_create_bucket_us_east_1_explicit_constraint_is_invalid(s3):
    e = client_error(
        s3.create_bucket, Bucket=unique(),
        CreateBucketConfiguration={"LocationConstraint": "us-east-1"},
    )
    assert code_status(e) == ("InvalidLocationConstraint", 400)
    assert e.response["Error"]["Message"] == "The specified location-constraint is not valid"


def test_create_bucket_other_region_needs_constraint(server):
    eu = server.client("s3", region_name="eu-west-1")
    name = unique()
    e = client_error(eu.create_bucket, Bucket=name)
    assert code_status(e) == ("IllegalLocationConstraintException", 400)
    assert e.response["Error"]["Message"] == (
        "The unspecified location constraint is incompatible for the region specific "
        "endpoint this request was sent to."
    )
    # Nothing was created.
    e = client_error(eu.head_bucket, Bucket=name)
    assert code_status(e) == ("404", 404)


def test_create_bucket_constraint_mismatching_region(server):
    eu = server.client("s3", region_name="eu-west-1")
    e = client_error(
        eu.create_bucket, Bucket=unique(),
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )
    assert code_status(e) == ("IllegalLocationConstraintException", 400)
    assert e.response["Error"]["Message"] == (
        "The eu-central-1 location constraint is incompatible for the region specific "
        "endpoint this request was sent to."
    )


def test_create_bucket_in_other_region(server):
    eu = server.client("s3", region_name="eu-west-1")
    name = unique()
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    head = eu.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    # Outside us-east-1, creating it again is an error even for its owner.
    e = client_error(
        eu.create_bucket, Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert code_status(e) == ("BucketAlreadyOwnedByYou", 409)
    assert e.response["Error"]["Message"] == (
        "Your previous request to create the named bucket succeeded and you already own it."
    )
    assert e.response["Error"]["BucketName"] == name


def test_create_bucket_taken_by_another_account(server, s3, bucket):
    other = server.client("s3", aws_access_key_id=OTHER_ACCOUNT_KEY)
    e = client_error(other.create_bucket, Bucket=bucket)
    assert code_status(e) == ("BucketAlreadyExists", 409)
    assert e.response["Error"]["Message"] == (
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again."
    )
    assert e.response["Error"]["BucketName"] == bucket
    # The other account does not list it.
    names = [b["Name"] for b in other.list_buckets()["Buckets"]]
    assert bucket not in names
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# ---------------------------------------------------------------------------------------------
# HeadBucket, DeleteBucket, ListBuckets


def test_head_missing_bucket_is_bare_404(server, s3):
    name = unique()
    e = client_error(s3.head_bucket, Bucket=name)
    assert code_status(e) == ("404", 404)
    assert e.response["Error"]["Message"] == "Not Found"
    status, _, body = raw(f"{server.url}/{name}", "HEAD")
    assert status == 404 and body == b""


def test_delete_bucket(s3, bucket):
    resp = s3.delete_bucket(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code_status(client_error(s3.head_bucket, Bucket=bucket)) == ("404", 404)


def test_delete_non_empty_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    e = client_error(s3.delete_bucket, Bucket=bucket)
    assert code_status(e) == ("BucketNotEmpty", 409)
    assert e.response["Error"]["Message"] == "The bucket you tried to delete is not empty"
    assert e.response["Error"]["BucketName"] == bucket
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_delete_missing_bucket(s3):
    name = unique()
    e = client_error(s3.delete_bucket, Bucket=name)
    assert code_status(e) == ("NoSuchBucket", 404)
    assert e.response["Error"]["Message"] == "The specified bucket does not exist"
    assert e.response["Error"]["BucketName"] == name


def test_list_buckets_pagination_and_prefix(server, s3):
    prefix = unique("lst")
    names = [f"{prefix}-{i}" for i in range(3)]
    for n in names:
        s3.create_bucket(Bucket=n)
    s3.create_bucket(Bucket=unique("other"))

    everything = s3.list_buckets()
    assert set(names) <= {b["Name"] for b in everything["Buckets"]}
    assert "ContinuationToken" not in everything
    assert everything["Owner"]["ID"]

    first = s3.list_buckets(Prefix=prefix + "-", MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    assert first["Prefix"] == prefix + "-"
    assert first["ContinuationToken"]
    for b in first["Buckets"]:
        assert b["BucketRegion"] == "us-east-1"
        assert b["CreationDate"].year >= 2024
    second = s3.list_buckets(
        Prefix=prefix + "-", MaxBuckets=2, ContinuationToken=first["ContinuationToken"]
    )
    assert [b["Name"] for b in second["Buckets"]] == names[2:]
    assert "ContinuationToken" not in second

    only = s3.list_buckets(Prefix=names[1])
    assert [b["Name"] for b in only["Buckets"]] == [names[1]]
    assert s3.list_buckets(Prefix=unique("none"))["Buckets"] == []


def test_list_buckets_region_filter(server, s3):
    prefix = unique("reg")
    s3.create_bucket(Bucket=f"{prefix}-use1")
    eu = server.client("s3", region_name="eu-west-1")
    eu.create_bucket(
        Bucket=f"{prefix}-euw1", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    listed = s3.list_buckets(Prefix=prefix, BucketRegion="eu-west-1")["Buckets"]
    assert [(b["Name"], b["BucketRegion"]) for b in listed] == [(f"{prefix}-euw1", "eu-west-1")]


# ---------------------------------------------------------------------------------------------
# configurations


def test_versioning_round_trip(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in resp and "MFADelete" not in resp
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


@pytest.mark.parametrize("status", ["Bogus", "Disabled", "enabled"])
def test_versioning_malformed_status(s3, bucket, status):
    e = client_error(
        s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": status}
    )
    assert code_status(e) == ("MalformedXML", 400)
    assert e.response["Error"]["Message"] == (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


def test_tagging(s3, bucket):
    e = client_error(s3.get_bucket_tagging, Bucket=bucket)
    assert code_status(e) == ("NoSuchTagSet", 404)
    assert e.response["Error"]["Message"] == "The TagSet does not exist"
    tags = [{"Key": "team", "Value": "core"}, {"Key": "env", "Value": ""}]
    resp = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])
    resp = s3.delete_bucket_tagging(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code_status(client_error(s3.get_bucket_tagging, Bucket=bucket)) == ("NoSuchTagSet", 404)


def test_tagging_duplicate_keys(s3, bucket):
    e = client_error(
        s3.put_bucket_tagging, Bucket=bucket,
        Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
    )
    assert code_status(e) == ("InvalidTag", 400)
    assert e.response["Error"]["Message"] == "Cannot provide multiple Tags with the same key"


CORS_RULE = {
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["GET", "PUT"],
    "AllowedOrigins": ["https://example.com"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}


def test_cors_round_trip(s3, bucket):
    e = client_error(s3.get_bucket_cors, Bucket=bucket)
    assert code_status(e) == ("NoSuchCORSConfiguration", 404)
    assert e.response["Error"]["Message"] == "The CORS configuration does not exist"
    assert e.response["Error"]["BucketName"] == bucket
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [CORS_RULE]})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [CORS_RULE]
    resp = s3.delete_bucket_cors(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_cors, Bucket=bucket)
    assert code_status(e) == ("NoSuchCORSConfiguration", 404)


def test_cors_unsupported_method(s3, bucket):
    e = client_error(
        s3.put_bucket_cors, Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]},
    )
    assert code_status(e) == ("InvalidRequest", 400)
    assert e.response["Error"]["Message"] == (
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"
    )


def policy_doc(bucket: str, principal="*") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }],
    }


def test_policy_round_trip(s3, bucket):
    e = client_error(s3.get_bucket_policy, Bucket=bucket)
    assert code_status(e) == ("NoSuchBucketPolicy", 404)
    assert e.response["Error"]["Message"] == "The bucket policy does not exist"
    assert e.response["Error"]["BucketName"] == bucket
    doc = policy_doc(bucket, {"AWS": "arn:aws:iam::000000000000:root"})
    resp = s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(doc))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == doc
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code_status(client_error(s3.get_bucket_policy, Bucket=bucket)) == (
        "NoSuchBucketPolicy", 404)


def test_policy_not_json(s3, bucket):
    e = client_error(s3.put_bucket_policy, Bucket=bucket, Policy="this is not json")
    assert code_status(e) == ("MalformedPolicy", 400)
    assert e.response["Error"]["Message"] == (
        "Policies must be valid JSON and the first byte must be '{'"
    )


def test_policy_without_statement(s3, bucket):
    e = client_error(s3.put_bucket_policy, Bucket=bucket, Policy='{"Version": "2012-10-17"}')
    assert code_status(e) == ("MalformedPolicy", 400)
    assert e.response["Error"]["Message"] == "Missing required field Statement"


def test_policy_status(s3, bucket):
    e = client_error(s3.get_bucket_policy_status, Bucket=bucket)
    assert code_status(e) == ("NoSuchBucketPolicy", 404)
    # New buckets block public policies; lift the block first, as on AWS.
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy_doc(bucket)))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    private = policy_doc(bucket, {"AWS": "arn:aws:iam::000000000000:root"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(private))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}


def test_acl_default_is_owner_full_control(s3, bucket):
    owner = s3.list_buckets()["Owner"]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] == owner["ID"]
    assert len(acl["Grants"]) == 1
    grant = acl["Grants"][0]
    assert grant["Permission"] == "FULL_CONTROL"
    assert grant["Grantee"]["Type"] == "CanonicalUser"
    assert grant["Grantee"]["ID"] == owner["ID"]


def test_acl_canned_public_read(s3, bucket):
    # ACLs need an ownership setting other than BucketOwnerEnforced and no public ACL block.
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    } in grants
    assert any(
        g["Permission"] == "FULL_CONTROL" and g["Grantee"]["Type"] == "CanonicalUser"
        for g in grants
    )
    assert len(grants) == 2
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert [g["Permission"] for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]] == ["FULL_CONTROL"]


def test_acl_rejected_when_bucket_owner_enforced(s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    e = client_error(s3.put_bucket_acl, Bucket=bucket, ACL="public-read")
    assert code_status(e) == ("AccessControlListNotSupported", 400)
    assert e.response["Error"]["Message"] == "The bucket does not allow ACLs"


def test_create_bucket_with_acl_when_owner_enforced(s3):
    name = unique()
    e = client_error(s3.create_bucket, Bucket=name, ACL="public-read")
    assert code_status(e) == ("InvalidBucketAclWithObjectOwnership", 400)
    assert e.response["Error"]["Message"].startswith(
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"
    )
    # With ACLs enabled at creation, the canned ACL applies.
    s3.create_bucket(Bucket=name, ACL="public-read", ObjectOwnership="ObjectWriter")
    grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in grants)


def test_public_policy_blocked_by_default(s3, bucket):
    # New buckets have BlockPublicPolicy on: a public policy is refused.
    e = client_error(s3.put_bucket_policy, Bucket=bucket, Policy=json.dumps(policy_doc(bucket)))
    assert code_status(e) == ("AccessDenied", 403)
    assert "BlockPublicPolicy" in e.response["Error"]["Message"]
    assert code_status(client_error(s3.get_bucket_policy, Bucket=bucket)) == (
        "NoSuchBucketPolicy", 404)


def test_lifecycle(s3, bucket):
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code_status(e) == ("NoSuchLifecycleConfiguration", 404)
    assert e.response["Error"]["Message"] == "The lifecycle configuration does not exist"
    rule = {
        "ID": "expire-logs",
        "Filter": {"Prefix": "logs/"},
        "Status": "Enabled",
        "Expiration": {"Days": 30},
    }
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [rule]}
    )
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == [rule]
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code_status(e) == ("NoSuchLifecycleConfiguration", 404)
    # Rules are validated as S3 does.
    no_action = {"ID": "a", "Filter": {"Prefix": ""}, "Status": "Enabled"}
    e = client_error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                     LifecycleConfiguration={"Rules": [no_action]})
    assert code_status(e) == ("InvalidRequest", 400)
    assert e.response["Error"]["Message"] == "At least one action needs to be specified in a rule"
    e = client_error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                     LifecycleConfiguration={"Rules": [rule, dict(rule)]})
    assert code_status(e) == ("InvalidArgument", 400)
    bad_days = dict(rule, Expiration={"Days": 0})
    e = client_error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                     LifecycleConfiguration={"Rules": [bad_days]})
    assert code_status(e) == ("InvalidArgument", 400)
    e = client_error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert code_status(e) == ("NoSuchLifecycleConfiguration", 404)


def test_encryption_defaults_to_sse_s3(s3, bucket):
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules == [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BucketKeyEnabled": False,
    }]
    kms = {
        "ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/my-key",
        },
        "BucketKeyEnabled": True,
    }
    s3.put_bucket_encryption(
        Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [kms]}
    )
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert got == [kms]
    assert s3.delete_bucket_encryption(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_ownership_controls(s3, bucket):
    got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    resp = s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_ownership_controls, Bucket=bucket)
    assert code_status(e) == ("OwnershipControlsNotFoundError", 404)
    assert e.response["Error"]["Message"] == "The bucket ownership controls were not found"


def test_create_bucket_with_object_ownership(s3):
    name = unique()
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    got = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]
    assert got == {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}


def test_public_access_block(s3, bucket):
    full = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == full
    partial = {**full, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=partial)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == partial
    resp = s3.delete_public_access_block(Bucket=bucket)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_public_access_block, Bucket=bucket)
    assert code_status(e) == ("NoSuchPublicAccessBlockConfiguration", 404)
    assert e.response["Error"]["Message"] == (
        "The public access block configuration was not found"
    )


def test_website(s3, bucket):
    e = client_error(s3.get_bucket_website, Bucket=bucket)
    assert code_status(e) == ("NoSuchWebsiteConfiguration", 404)
    assert e.response["Error"]["Message"] == (
        "The specified bucket does not have a website configuration"
    )
    assert e.response["Error"]["BucketName"] == bucket
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "error.html"},
        },
    )
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == {"Suffix": "index.html"}
    assert got["ErrorDocument"] == {"Key": "error.html"}
    assert s3.delete_bucket_website(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    e = client_error(s3.get_bucket_website, Bucket=bucket)
    assert code_status(e) == ("NoSuchWebsiteConfiguration", 404)


def test_notification_configuration(s3, bucket):
    empty = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert set(empty) - {"ResponseMetadata"} == set()
    arn = "arn:aws:lambda:us-east-1:000000000000:function:on-upload"
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{
                "Id": "uploads",
                "LambdaFunctionArn": arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"}]}},
            }]
        },
    )
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    configs = got["LambdaFunctionConfigurations"]
    assert len(configs) == 1
    c = configs[0]
    assert c["Id"] == "uploads"
    assert c["LambdaFunctionArn"] == arn
    assert c["Events"] == ["s3:ObjectCreated:*"]
    rules = c["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("prefix", "images/")]
    assert "QueueConfigurations" not in got and "TopicConfigurations" not in got
    # An empty configuration removes every destination.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "LambdaFunctionConfigurations" not in got


def test_object_lock_enabled_at_creation(s3):
    name = unique()
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    got = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert got["ObjectLockEnabled"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    e = client_error(
        s3.put_bucket_versioning, Bucket=name, VersioningConfiguration={"Status": "Suspended"}
    )
    assert code_status(e) == ("InvalidBucketState", 409)
    assert e.response["Error"]["Message"] == (
        "An Object Lock configuration is present on this bucket, so the versioning state "
        "cannot be changed."
    )
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule},
    )
    got = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert got == {"ObjectLockEnabled": "Enabled", "Rule": rule}


def test_object_lock_needs_versioning(s3, bucket):
    config = {"ObjectLockEnabled": "Enabled"}
    e = client_error(
        s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration=config
    )
    assert code_status(e) == ("InvalidBucketState", 409)
    assert e.response["Error"]["Message"] == (
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
    got = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert got["ObjectLockEnabled"] == "Enabled"


def test_object_lock_absent(s3, bucket):
    e = client_error(s3.get_object_lock_configuration, Bucket=bucket)
    assert code_status(e) == ("ObjectLockConfigurationNotFoundError", 404)
    assert e.response["Error"]["Message"] == (
        "Object Lock configuration does not exist for this bucket"
    )
    assert e.response["Error"]["BucketName"] == bucket


def test_accelerate(s3, bucket):
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    s3.put_bucket_accelerate_configuration(
        Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"}
    )
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_accelerate_configuration(
        Bucket=bucket, AccelerateConfiguration={"Status": "Suspended"}
    )
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Suspended"


def test_accelerate_refused_for_dotted_names(s3):
    name = f"dotted.{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    e = client_error(
        s3.put_bucket_accelerate_configuration, Bucket=name,
        AccelerateConfiguration={"Status": "Enabled"},
    )
    assert code_status(e) == ("InvalidRequest", 400)
    assert (
        "Transfer Acceleration is not supported for buckets with periods (.) in their names"
        in e.response["Error"]["Message"]
    )


def test_request_payment(s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(
        Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"}
    )
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"


def test_logging(s3, bucket):
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    target = unique("logs")
    s3.create_bucket(Bucket=target)
    s3.put_bucket_logging(
        Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "log/"}},
    )
    got = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert got["TargetBucket"] == target and got["TargetPrefix"] == "log/"
    # An empty status turns logging off.
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_logging_target_must_exist(s3, bucket):
    missing = unique("nolog")
    e = client_error(
        s3.put_bucket_logging, Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": missing, "TargetPrefix": "x/"}},
    )
    assert code_status(e) == ("InvalidTargetBucketForLogging", 400)
    assert e.response["Error"]["Message"].startswith("The target bucket for logging does not exist")
    assert e.response["Error"]["TargetBucket"] == missing


MISSING_BUCKET_CALLS = [
    "get_bucket_location",
    "get_bucket_versioning",
    "get_bucket_tagging",
    "get_bucket_cors",
    "get_bucket_policy",
    "get_bucket_policy_status",
    "get_bucket_acl",
    "get_bucket_lifecycle_configuration",
    "get_bucket_encryption",
    "get_bucket_ownership_controls",
    "get_public_access_block",
    "get_bucket_website",
    "get_bucket_notification_configuration",
    "get_object_lock_configuration",
    "get_bucket_accelerate_configuration",
    "get_bucket_request_payment",
    "get_bucket_logging",
    "delete_bucket_tagging",
    "delete_bucket_cors",
    "delete_bucket_policy",
    "delete_bucket_lifecycle",
    "delete_bucket_encryption",
    "delete_bucket_website",
    "delete_public_access_block",
    "delete_bucket_ownership_controls",
    "list_objects_v2",
]

MISSING_BUCKET_PUTS = {
    "put_bucket_versioning": {"VersioningConfiguration": {"Status": "Enabled"}},
    "put_bucket_tagging": {"Tagging": {"TagSet": [{"Key": "a", "Value": "b"}]}},
    "put_bucket_cors": {"CORSConfiguration": {"CORSRules": [CORS_RULE]}},
    "put_bucket_policy": {"Policy": json.dumps(policy_doc("x"))},
    "put_bucket_acl": {"ACL": "private"},
    "put_bucket_website": {"WebsiteConfiguration": {"IndexDocument": {"Suffix": "i.html"}}},
    "put_bucket_request_payment": {"RequestPaymentConfiguration": {"Payer": "Requester"}},
    "put_bucket_accelerate_configuration": {"AccelerateConfiguration": {"Status": "Enabled"}},
    "put_public_access_block": {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True},
    },
}


@pytest.mark.parametrize("method", MISSING_BUCKET_CALLS)
def test_configuration_of_missing_bucket(s3, method):
    name = unique("gone")
    e = client_error(getattr(s3, method), Bucket=name)
    assert code_status(e) == ("NoSuchBucket", 404)
    assert e.response["Error"]["Message"] == "The specified bucket does not exist"
    assert e.response["Error"]["BucketName"] == name


@pytest.mark.parametrize("method", sorted(MISSING_BUCKET_PUTS))
def test_put_configuration_on_missing_bucket(s3, method):
    name = unique("gone")
    e = client_error(getattr(s3, method), Bucket=name, **MISSING_BUCKET_PUTS[method])
    assert code_status(e) == ("NoSuchBucket", 404)
    assert e.response["Error"]["BucketName"] == name


# ---------------------------------------------------------------------------------------------
# CORS enforcement


@pytest.fixture
def cors_bucket(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [CORS_RULE]})
    s3.put_object(Bucket=bucket, Key="key", Body=b"hello cors")
    return bucket


def test_cors_preflight_allowed(server, cors_bucket):
    status, headers, _ = raw(
        f"{server.url}/{cors_bucket}/key", "OPTIONS",
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Amz-Date",
        },
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://example.com"
    assert [m.strip() for m in headers["access-control-allow-methods"].split(",")] == ["GET", "PUT"]
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-max-age"] == "3000"
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert allowed == {"content-type", "x-amz-date"}
    vary = {v.strip() for v in headers["vary"].split(",")}
    assert {"Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method"} <= vary


def test_cors_preflight_disallowed_origin(server, cors_bucket):
    status, _, body = raw(
        f"{server.url}/{cors_bucket}/key", "OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessForbidden"
    assert err["Message"].startswith("CORSResponse: This CORS request is not allowed.")
    assert err["Method"] == "GET"
    assert err["ResourceType"] == "OBJECT"


def test_cors_preflight_disallowed_method(server, cors_bucket):
    status, headers, body = raw(
        f"{server.url}/{cors_bucket}/key", "OPTIONS",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "DELETE"},
    )
    assert status == 403
    assert xml_fields(body)["Code"] == "AccessForbidden"
    assert "access-control-allow-origin" not in headers


def test_cors_preflight_without_cors_configuration(server, bucket):
    status, _, body = raw(
        f"{server.url}/{bucket}/key", "OPTIONS",
        headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
    )
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessForbidden"
    assert err["Message"] == "CORSResponse: CORS is not enabled for this bucket."


def test_cors_headers_on_actual_request(server, cors_bucket):
    status, headers, body = raw(
        f"{server.url}/{cors_bucket}/key", headers={"Origin": "https://example.com"}
    )
    assert status == 200 and body == b"hello cors"
    assert headers["access-control-allow-origin"] == "https://example.com"
    assert "GET" in headers["access-control-allow-methods"]
    assert headers["access-control-expose-headers"] == "ETag"
    # Another origin gets the object but no CORS headers.
    status, headers, body = raw(
        f"{server.url}/{cors_bucket}/key", headers={"Origin": "https://other.example"}
    )
    assert status == 200 and body == b"hello cors"
    assert not any(h.startswith("access-control-") for h in headers)


def test_cors_wildcard_origin(server, s3, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
    )
    status, headers, _ = raw(
        f"{server.url}/{bucket}/anything", "OPTIONS",
        headers={"Origin": "https://anywhere.test", "Access-Control-Request-Method": "GET"},
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers


# ---------------------------------------------------------------------------------------------
# presigned URLs


def test_presigned_put_then_get(server, s3, s3v4, bucket):
    put_url = s3v4.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "pre/signed.txt"}, ExpiresIn=300
    )
    assert "X-Amz-Signature=" in put_url and "X-Amz-Expires=300" in put_url
    status, _, _ = raw(put_url, "PUT", b"presigned body")
    assert status == 200
    get_url = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre/signed.txt"}, ExpiresIn=300
    )
    status, headers, body = raw(get_url)
    assert status == 200
    assert body == b"presigned body"
    assert headers["etag"] == '"%s"' % hashlib.md5(b"presigned body").hexdigest()
    assert s3.get_object(Bucket=bucket, Key="pre/signed.txt")["Body"].read() == b"presigned body"


def test_presigned_url_expires(server, s3, s3v4, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    url = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1
    )
    with clock_advanced(server, 30):
        status, _, body = raw(url)
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == "Request has expired"
    assert err["X-Amz-Expires"] == "1"
    assert "Expires" in err and "ServerTime" in err


def test_presigned_sigv2(server, bucket, s3, s3v2):
    s3.put_object(Bucket=bucket, Key="v2.txt", Body=b"legacy")
    url = s3v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "v2.txt"}, ExpiresIn=300
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert set(query) >= {"AWSAccessKeyId", "Signature", "Expires"}
    status, _, body = raw(url)
    assert status == 200 and body == b"legacy"

    put_url = s3v2.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "v2-put.txt"}, ExpiresIn=300
    )
    status, _, _ = raw(put_url, "PUT", b"via v2")
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="v2-put.txt")["Body"].read() == b"via v2"


def test_presigned_with_default_client(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="default.txt", Body=b"default signer")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "default.txt"}, ExpiresIn=60
    )
    status, _, body = raw(url)
    assert status == 200 and body == b"default signer"


def test_presigned_sigv2_expires(server, bucket, s3, s3v2):
    s3.put_object(Bucket=bucket, Key="v2.txt", Body=b"legacy")
    url = s3v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "v2.txt"}, ExpiresIn=1
    )
    with clock_advanced(server, 30):
        status, _, body = raw(url)
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == "Request has expired"


def test_presigned_url_expires_by_wall_clock(server, s3, s3v4, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    url = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1
    )
    time.sleep(2.2)
    status, _, body = raw(url)
    assert status == 403
    assert xml_fields(body)["Code"] == "AccessDenied"


def test_presigned_expires_over_a_week(server, s3v4, bucket):
    url = s3v4.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604801
    )
    status, _, body = raw(url)
    assert status == 400
    err = xml_fields(body)
    assert err["Code"] == "AuthorizationQueryParametersError"
    assert err["Message"] == (
        "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    )


# ---------------------------------------------------------------------------------------------
# browser POST uploads


def post_form(server, bucket, post, filename, content, extra=()):
    fields = list(post["fields"].items()) + list(extra)
    body, content_type = multipart(fields, filename, content)
    return raw(post["url"], "POST", body, {"Content-Type": content_type})


def test_browser_post_upload(server, s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}, ["starts-with", "$key", "uploads/"]],
        ExpiresIn=300,
    )
    assert post["url"].rstrip("/").endswith(f"/{bucket}")
    status, headers, body = post_form(server, bucket, post, "photo.txt", b"posted content")
    assert status == 201, body
    etag = '"%s"' % hashlib.md5(b"posted content").hexdigest()
    doc = xml_fields(body)
    assert doc["_root"] == "PostResponse"
    assert doc["Bucket"] == bucket
    assert doc["Key"] == "uploads/photo.txt"
    assert doc["ETag"] == etag
    assert urllib.parse.unquote(doc["Location"]).endswith("/uploads/photo.txt")
    assert headers["etag"] == etag
    obj = s3.get_object(Bucket=bucket, Key="uploads/photo.txt")
    assert obj["Body"].read() == b"posted content"


def test_browser_post_default_status_is_204(server, s3, bucket):
    post = s3.generate_presigned_post(bucket, "plain.txt", ExpiresIn=300)
    status, headers, body = post_form(server, bucket, post, "ignored.txt", b"abc")
    assert status == 204 and body == b""
    assert headers["etag"] == '"%s"' % hashlib.md5(b"abc").hexdigest()
    assert s3.get_object(Bucket=bucket, Key="plain.txt")["Body"].read() == b"abc"


def test_browser_post_condition_fails(server, s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}",
        Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}, ["starts-with", "$key", "uploads/"]],
        ExpiresIn=300,
    )
    post["fields"]["key"] = "elsewhere/${filename}"
    status, _, body = post_form(server, bucket, post, "x.txt", b"nope")
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == (
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]'
    )
    e = client_error(s3.head_object, Bucket=bucket, Key="elsewhere/x.txt")
    assert code_status(e) == ("404", 404)


def test_browser_post_extra_field_not_in_policy(server, s3, bucket):
    post = s3.generate_presigned_post(bucket, "extra.txt", ExpiresIn=300)
    status, _, body = post_form(
        server, bucket, post, "x.txt", b"nope", extra=[("x-amz-meta-color", "blue")]
    )
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-color"


def test_browser_post_expired_policy(server, s3, bucket):
    post = s3.generate_presigned_post(bucket, "late.txt", ExpiresIn=1)
    with clock_advanced(server, 60):
        status, _, body = post_form(server, bucket, post, "x.txt", b"late")
    assert status == 403
    err = xml_fields(body)
    assert err["Code"] == "AccessDenied"
    assert err["Message"] == "Invalid according to Policy: Policy expired."


def test_browser_post_redirect(server, s3, bucket):
    target = "http://example.com/done"
    post = s3.generate_presigned_post(
        bucket, "redirected/${filename}",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}, ["starts-with", "$key", "redirected/"]],
        ExpiresIn=300,
    )
    status, headers, _ = post_form(server, bucket, post, "r.txt", b"redirect me")
    assert status == 303
    location = urllib.parse.urlsplit(headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == target
    query = urllib.parse.parse_qs(location.query)
    assert query["bucket"] == [bucket]
    assert query["key"] == ["redirected/r.txt"]
    assert query["etag"] == ['"%s"' % hashlib.md5(b"redirect me").hexdigest()]
    assert s3.get_object(Bucket=bucket, Key="redirected/r.txt")["Body"].read() == b"redirect me"


# ---------------------------------------------------------------------------------------------
# virtual-hosted addressing and unsigned requests


@pytest.mark.parametrize("host", ["{bucket}.s3.localhost.localstack.cloud", "{bucket}.localhost"])
def test_virtual_host_get(server, s3, bucket, host):
    s3.put_object(Bucket=bucket, Key="dir/vhost.txt", Body=b"virtually hosted")
    host_header = host.format(bucket=bucket) + f":{server.port}"
    status, _, body = raw(f"{server.url}/dir/vhost.txt", headers={"Host": host_header})
    assert status == 200
    assert body == b"virtually hosted"
    # The bucket root lists the bucket.
    status, _, body = raw(f"{server.url}/?list-type=2", headers={"Host": host_header})
    assert status == 200
    root = ET.fromstring(body)
    assert root.find(f"{S3_NS}Name").text == bucket
    assert [c.find(f"{S3_NS}Key").text for c in root.findall(f"{S3_NS}Contents")] == [
        "dir/vhost.txt"
    ]


def test_virtual_host_missing_key(server, bucket):
    status, _, body = raw(
        f"{server.url}/nope.txt",
        headers={"Host": f"{bucket}.s3.localhost.localstack.cloud:{server.port}"},
    )
    assert status == 404
    err = xml_fields(body)
    assert err["Code"] == "NoSuchKey"
    assert err["Key"] == "nope.txt"


def test_unsigned_put_and_get(server, s3, bucket):
    url = f"{server.url}/{bucket}/curl/upload.txt"
    status, headers, _ = raw(url, "PUT", b"curl body", {"Content-Type": "text/plain"})
    assert status == 200
    assert headers["etag"] == '"%s"' % hashlib.md5(b"curl body").hexdigest()
    status, headers, body = raw(url)
    assert status == 200
    assert body == b"curl body"
    assert headers["content-type"] == "text/plain"
    obj = s3.get_object(Bucket=bucket, Key="curl/upload.txt")
    assert obj["Body"].read() == b"curl body"


def test_browser_post_field_too_long(server, s3, bucket):
    # Fields before the file are bounded (64 KiB each); the file itself streams.
    post = s3.generate_presigned_post(bucket, "long.txt", ExpiresIn=300)
    status, _, body = post_form(
        server, bucket, post, "x.txt", b"data", extra=[("x-amz-meta-big", "v" * 70_000)]
    )
    assert status == 400
    assert xml_fields(body)["Code"] == "MaxPostPreDataLengthExceeded"
    e = client_error(s3.head_object, Bucket=bucket, Key="long.txt")
    assert code_status(e) == ("404", 404)
