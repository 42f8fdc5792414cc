"""ListObjects v1/v2 and versioning through boto3: pagination, delimiters, URL encoding,
version ids, delete markers, the null version, ListObjectVersions paging."""

import uuid

import pytest

from s3_support import error_of, new_bucket


@pytest.fixture
def s3(client):
    return client("s3")


KEYS = ["a/1", "a/2", "a/b/3", "b", "c d/e", "c d/f", "z"]


def filled(s3):
    b = new_bucket(s3)
    for k in KEYS:
        s3.put_object(Bucket=b, Key=k, Body=k.encode())
    return b


def test_list_v2_pagination_prefix_delimiter(s3):
    b = filled(s3)
    seen, token = [], None
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=b, MaxKeys=3, **kwargs)
        seen += [o["Key"] for o in page["Contents"]]
        assert page["KeyCount"] == len(page["Contents"])
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == KEYS
    out = s3.list_objects_v2(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "c d/"]
    assert [o["Key"] for o in out["Contents"]] == ["b", "z"]
    assert out["KeyCount"] == 4
    out = s3.list_objects_v2(Bucket=b, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in out["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/b/"]
    out = s3.list_objects_v2(Bucket=b, StartAfter="b")
    assert [o["Key"] for o in out["Contents"]] == ["c d/e", "c d/f", "z"]
    assert out["StartAfter"] == "b"
    page = s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=1)
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/"] and page["IsTruncated"]
    page = s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=2, ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in page["Contents"]] == ["b"] and [p["Prefix"] for p in page["CommonPrefixes"]] == ["c d/"]
    owner = s3.list_objects_v2(Bucket=b, FetchOwner=True)["Contents"][0]["Owner"]
    assert owner["ID"]
    assert "Owner" not in s3.list_objects_v2(Bucket=b)["Contents"][0]
    assert s3.list_objects_v2(Bucket=b, Prefix="nothing")["KeyCount"] == 0
    err = error_of(lambda: s3.list_objects_v2(Bucket=b, ContinuationToken="!!!"))
    assert err["Error"]["Code"] == "InvalidArgument"
    err = error_of(lambda: s3.list_objects_v2(Bucket="missing-bucket-xyz"))
    assert err["Error"]["Code"] == "NoSuchBucket"


def test_list_v1_markers(s3):
    b = filled(s3)
    page = s3.list_objects(Bucket=b, MaxKeys=2)
    assert [o["Key"] for o in page["Contents"]] == ["a/1", "a/2"] and page["IsTruncated"]
    assert "NextMarker" not in page  # only sent with a delimiter
    page = s3.list_objects(Bucket=b, Marker="a/2")
    assert [o["Key"] for o in page["Contents"]] == KEYS[2:]
    page = s3.list_objects(Bucket=b, Delimiter="/", MaxKeys=2)
    assert page["NextMarker"] == "b" and page["IsTruncated"]
    page = s3.list_objects(Bucket=b, Delimiter="/", Marker=page["NextMarker"])
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["c d/"]
    assert [o["Key"] for o in page["Contents"]] == ["z"]
    assert page["Contents"][0]["Owner"]["ID"]


def test_url_encoding_type_round_trips(s3, server):
    b = new_bucket(s3)
    odd = ["sp ace", "plus+", "ü", "amp&", "pct%2F"]
    for k in odd:
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    # boto3 asks for encoding-type=url and decodes the answer.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]] == sorted(odd, key=str.encode)
    assert [o["Key"] for o in s3.list_objects(Bucket=b)["Contents"]] == sorted(odd, key=str.encode)
    from conftest import http
    status, _, body = http(f"{server.url}/{b}?list-type=2&encoding-type=url&prefix=sp")
    assert status == 200 and b"<Key>sp%20ace</Key>" in body and b"<EncodingType>url</EncodingType>" in body
    status, _, body = http(f"{server.url}/{b}?list-type=2&encoding-type=bogus")
    assert status == 400 and b"InvalidArgument" in body


def test_versioning_lifecycle(s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and v1 != "null"
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.head_object(Bucket=b, Key="k", VersionId=v1)["VersionId"] == v1
    deleted = s3.delete_object(Bucket=b, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    err = error_of(lambda: s3.get_object(Bucket=b, Key="k"))
    assert err["Error"]["Code"] == "NoSuchKey"
    assert err["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId=marker))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("MethodNotAllowed", 405)
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    versions = s3.list_object_versions(Bucket=b)
    assert [(v["VersionId"], v["IsLatest"]) for v in versions["Versions"]] == [(v2, False), (v1, False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in versions["DeleteMarkers"]] == [(marker, True)]
    # Removing the marker brings the object back.
    s3.delete_object(Bucket=b, Key="k", VersionId=marker)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"one"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId=v2))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("NoSuchVersion", 404)
    err = error_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId="not-a-version"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidArgument", 400)
    err = error_of(lambda: s3.delete_bucket(Bucket=b))
    assert err["Error"]["Code"] == "BucketNotEmpty"


def test_null_version_and_suspension(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=b, Key="k", Body=b"versioned")["VersionId"]
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"before"
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Suspended"
    put = s3.put_object(Bucket=b, Key="k", Body=b"suspended")
    assert put["VersionId"] == "null"
    ids = [x["VersionId"] for x in s3.list_object_versions(Bucket=b)["Versions"]]
    assert ids == ["null", v]  # the null version was replaced, not added
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"suspended"
    out = s3.delete_object(Bucket=b, Key="k")
    assert out["DeleteMarker"] is True and out["VersionId"] == "null"
    listing = s3.list_object_versions(Bucket=b)
    assert [x["VersionId"] for x in listing["Versions"]] == [v]
    assert [x["VersionId"] for x in listing["DeleteMarkers"]] == ["null"]


def test_list_object_versions_paging(s3):
    b = new_bucket(s3, "Enabled")
    expected = []
    for key in ["a", "b"]:
        ids = [s3.put_object(Bucket=b, Key=key, Body=str(i).encode())["VersionId"] for i in range(3)]
        expected += [(key, i) for i in reversed(ids)]
    seen, kwargs = [], {}
    while True:
        page = s3.list_object_versions(Bucket=b, MaxKeys=2, **kwargs)
        seen += [(v["Key"], v["VersionId"]) for v in page["Versions"]]
        if not page["IsTruncated"]:
            break
        kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert seen == expected
    out = s3.list_object_versions(Bucket=b, KeyMarker="a")
    assert {v["Key"] for v in out["Versions"]} == {"b"}
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}]})
    assert out["Deleted"][0]["DeleteMarker"] is True and out["Deleted"][0]["DeleteMarkerVersionId"]


def test_object_lock_protects_versions(s3):
    from datetime import datetime, timedelta, timezone
    b = f"lock-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    until = datetime.now(timezone.utc) + timedelta(days=1)
    v = s3.put_object(Bucket=b, Key="gov", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=until)["VersionId"]
    head = s3.head_object(Bucket=b, Key="gov")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert s3.get_object_retention(Bucket=b, Key="gov")["Retention"]["Mode"] == "GOVERNANCE"
    err = error_of(lambda: s3.delete_object(Bucket=b, Key="gov", VersionId=v))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    # A delete without a version id only adds a delete marker: allowed.
    assert s3.delete_object(Bucket=b, Key="gov")["DeleteMarker"] is True
    s3.delete_object(Bucket=b, Key="gov", VersionId=v, BypassGovernanceRetention=True)
    held = s3.put_object(Bucket=b, Key="held", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=b, Key="held")["LegalHold"]["Status"] == "ON"
    err = error_of(lambda: s3.delete_object(Bucket=b, Key="held", VersionId=held, BypassGovernanceRetention=True))
    assert err["Error"]["Code"] == "AccessDenied"
    s3.put_object_legal_hold(Bucket=b, Key="held", LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=b, Key="held", VersionId=held)
    # A default retention applies to new versions.
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
    v = s3.put_object(Bucket=b, Key="dflt", Body=b"x")["VersionId"]
    assert s3.head_object(Bucket=b, Key="dflt")["ObjectLockMode"] == "COMPLIANCE"
    err = error_of(lambda: s3.delete_object(Bucket=b, Key="dflt", VersionId=v, BypassGovernanceRetention=True))
    assert err["Error"]["Code"] == "AccessDenied"
    # Buckets without Object Lock refuse lock settings on objects.
    plain = new_bucket(s3)
    s3.put_object(Bucket=plain, Key="k", Body=b"x")
    err = error_of(lambda: s3.get_object_retention(Bucket=plain, Key="k"))
    assert err["Error"]["Code"] == "InvalidRequest"
