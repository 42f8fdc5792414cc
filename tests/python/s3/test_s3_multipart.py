"""Multipart uploads through boto3: parts, copies of ranges, completion rules, checksums,
listing and aborting."""

import base64
import hashlib
import zlib

import pytest

from s3_support import error_of, new_bucket

MIB = 1024 * 1024


@pytest.fixture
def s3(client):
    return client("s3")


def test_upload_complete_and_read_parts(s3):
    b = new_bucket(s3)
    up = s3.create_multipart_upload(Bucket=b, Key="big", ContentType="application/x-big", Metadata={"m": "1"})
    uid = up["UploadId"]
    p1_data, p2_data, p3_data = b"a" * (5 * MIB), b"b" * (5 * MIB), b"tail"
    etags = [s3.upload_part(Bucket=b, Key="big", UploadId=uid, PartNumber=n, Body=d)["ETag"]
             for n, d in [(1, p1_data), (2, p2_data), (3, p3_data)]]
    parts = s3.list_parts(Bucket=b, Key="big", UploadId=uid)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts["Parts"]] == [
        (1, 5 * MIB, etags[0]), (2, 5 * MIB, etags[1]), (3, 4, etags[2])]
    paged = s3.list_parts(Bucket=b, Key="big", UploadId=uid, MaxParts=2)
    assert paged["IsTruncated"] and paged["NextPartNumberMarker"] == 2
    rest = s3.list_parts(Bucket=b, Key="big", UploadId=uid, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=b)["Uploads"]] == [uid]
    done = s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]})
    md5s = b"".join(hashlib.md5(d).digest() for d in (p1_data, p2_data, p3_data))
    assert done["ETag"] == '"%s-3"' % hashlib.md5(md5s).hexdigest()
    got = s3.get_object(Bucket=b, Key="big")
    assert got["ContentLength"] == 10 * MIB + 4 and got["ContentType"] == "application/x-big"
    assert got["Metadata"] == {"m": "1"}
    assert hashlib.md5(got["Body"].read()).digest() == hashlib.md5(p1_data + p2_data + p3_data).digest()
    part2 = s3.get_object(Bucket=b, Key="big", PartNumber=2)
    assert part2["PartsCount"] == 3 and part2["ContentRange"] == f"bytes {5 * MIB}-{10 * MIB - 1}/{10 * MIB + 4}"
    assert part2["Body"].read() == p2_data
    assert s3.head_object(Bucket=b, Key="big", PartNumber=3)["ContentLength"] == 4
    err = error_of(lambda: s3.get_object(Bucket=b, Key="big", PartNumber=4))
    assert err["Error"]["Code"] == "InvalidPartNumber" and err["ResponseMetadata"]["HTTPStatusCode"] == 416
    tail = s3.get_object(Bucket=b, Key="big", Range=f"bytes={5 * MIB - 2}-{5 * MIB + 1}")["Body"].read()
    assert tail == b"aabb"
    assert s3.list_multipart_uploads(Bucket=b).get("Uploads", []) == []
    err = error_of(lambda: s3.list_parts(Bucket=b, Key="big", UploadId=uid))
    assert err["Error"]["Code"] == "NoSuchUpload"


def test_completion_rules(s3):
    b = new_bucket(s3)
    uid = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=2, Body=b"x")["ETag"]
    complete = lambda parts: s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=uid,
                                                          MultipartUpload={"Parts": parts})
    err = error_of(lambda: complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]))
    assert err["Error"]["Code"] == "EntityTooSmall"
    assert err["Error"]["MinSizeAllowed"] == str(5 * MIB)
    err = error_of(lambda: complete([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]))
    assert err["Error"]["Code"] == "InvalidPartOrder"
    err = error_of(lambda: complete([{"PartNumber": 1, "ETag": '"0123"'}]))
    assert err["Error"]["Code"] == "InvalidPart"
    err = error_of(lambda: complete([{"PartNumber": 3, "ETag": e1}]))
    assert err["Error"]["Code"] == "InvalidPart"
    err = error_of(lambda: complete([]))
    assert err["Error"]["Code"] == "MalformedXML"
    # Only the last part may be small; a single small part is fine.
    done = complete([{"PartNumber": 1, "ETag": e1}])
    assert done["ETag"].endswith('-1"')
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"small"
    err = error_of(lambda: complete([{"PartNumber": 1, "ETag": e1}]))
    assert err["Error"]["Code"] == "NoSuchUpload"
    err = error_of(lambda: s3.upload_part(Bucket=b, Key="k", UploadId="nope", PartNumber=1, Body=b"x"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("NoSuchUpload", 404)
    uid = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
    err = error_of(lambda: s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=10001, Body=b"x"))
    assert err["Error"]["Code"] == "InvalidArgument"


def test_abort(s3):
    b = new_bucket(s3)
    uid = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
    s3.upload_part(Bucket=b, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    assert s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=uid)["ResponseMetadata"]["HTTPStatusCode"] == 204
    err = error_of(lambda: s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=uid))
    assert err["Error"]["Code"] == "NoSuchUpload"
    assert "Contents" not in s3.list_objects_v2(Bucket=b)


def test_upload_part_copy_with_ranges(s3):
    b = new_bucket(s3)
    source = bytes(range(256)) * (6 * MIB // 256)
    s3.put_object(Bucket=b, Key="src", Body=source)
    uid = s3.create_multipart_upload(Bucket=b, Key="dst")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=1,
                             CopySource={"Bucket": b, "Key": "src"}, CopySourceRange=f"bytes=0-{5 * MIB - 1}")
    p2 = s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": b, "Key": "src"}, CopySourceRange="bytes=100-199")
    assert p1["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(source[:5 * MIB]).hexdigest()
    err = error_of(lambda: s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=3,
                                               CopySource={"Bucket": b, "Key": "src"},
                                               CopySourceRange=f"bytes=0-{len(source)}"))
    assert err["Error"]["Code"] == "InvalidArgument"
    s3.complete_multipart_upload(Bucket=b, Key="dst", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == source[:5 * MIB] + source[100:200]


def test_composite_and_full_object_checksums(s3):
    b = new_bucket(s3)
    data = [b"p" * (5 * MIB), b"q" * 1000]
    # COMPOSITE (the default for CRC32): checksum of the part checksums, "-N".
    uid = s3.create_multipart_upload(Bucket=b, Key="comp", ChecksumAlgorithm="CRC32")["UploadId"]
    parts = []
    for n, d in enumerate(data, 1):
        r = s3.upload_part(Bucket=b, Key="comp", UploadId=uid, PartNumber=n, Body=d, ChecksumAlgorithm="CRC32")
        assert r["ChecksumCRC32"] == base64.b64encode(zlib.crc32(d).to_bytes(4, "big")).decode()
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    assert s3.list_parts(Bucket=b, Key="comp", UploadId=uid)["Parts"][0]["ChecksumCRC32"] == parts[0]["ChecksumCRC32"]
    done = s3.complete_multipart_upload(Bucket=b, Key="comp", UploadId=uid, MultipartUpload={"Parts": parts})
    joined = b"".join(base64.b64decode(p["ChecksumCRC32"]) for p in parts)
    expected = base64.b64encode(zlib.crc32(joined).to_bytes(4, "big")).decode() + "-2"
    assert done["ChecksumCRC32"] == expected and done["ChecksumType"] == "COMPOSITE"
    head = s3.head_object(Bucket=b, Key="comp", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected
    # FULL_OBJECT: the CRC of the whole object, combined from the parts.
    uid = s3.create_multipart_upload(Bucket=b, Key="full", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")["UploadId"]
    parts = []
    for n, d in enumerate(data, 1):
        r = s3.upload_part(Bucket=b, Key="full", UploadId=uid, PartNumber=n, Body=d, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    done = s3.complete_multipart_upload(Bucket=b, Key="full", UploadId=uid, MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC32"] == base64.b64encode(zlib.crc32(b"".join(data)).to_bytes(4, "big")).decode()
    assert done["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=b, Key="full", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"".join(data)
    # A COMPOSITE upload needs every part's checksum in the completion request.
    uid = s3.create_multipart_upload(Bucket=b, Key="miss", ChecksumAlgorithm="SHA256")["UploadId"]
    r = s3.upload_part(Bucket=b, Key="miss", UploadId=uid, PartNumber=1, Body=b"x", ChecksumAlgorithm="SHA256")
    err = error_of(lambda: s3.complete_multipart_upload(Bucket=b, Key="miss", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]}))
    assert err["Error"]["Code"] == "InvalidRequest"


def test_list_multipart_uploads_pagination(s3):
    b = new_bucket(s3)
    ids = {}
    for key in ["a/1", "a/2", "b", "c"]:
        ids[key] = s3.create_multipart_upload(Bucket=b, Key=key)["UploadId"]
    page = s3.list_multipart_uploads(Bucket=b, MaxUploads=2)
    assert [u["Key"] for u in page["Uploads"]] == ["a/1", "a/2"] and page["IsTruncated"]
    nxt = s3.list_multipart_uploads(Bucket=b, KeyMarker=page["NextKeyMarker"],
                                    UploadIdMarker=page["NextUploadIdMarker"])
    assert [u["Key"] for u in nxt["Uploads"]] == ["b", "c"]
    grouped = s3.list_multipart_uploads(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["b", "c"]
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=b, Prefix="a/")["Uploads"]] == ["a/1", "a/2"]


def test_default_checksum_ignores_parts_with_another_algorithm(s3, client):
    """An upload created without a checksum gets S3's default full-object CRC64NVME only
    when every part carries it; a part sent with CRC32 leaves the object without one."""
    from botocore.config import Config
    b = new_bucket(s3)
    bare = client("s3", config=Config(request_checksum_calculation="when_required",
                                      retries={"max_attempts": 1}))
    uid = bare.create_multipart_upload(Bucket=b, Key="plain")["UploadId"]
    e = bare.upload_part(Bucket=b, Key="plain", UploadId=uid, PartNumber=1, Body=b"x" * 10)["ETag"]
    done = bare.complete_multipart_upload(Bucket=b, Key="plain", UploadId=uid,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert done["ChecksumType"] == "FULL_OBJECT" and done["ChecksumCRC64NVME"]
    uid = s3.create_multipart_upload(Bucket=b, Key="mixed")["UploadId"]
    e = s3.upload_part(Bucket=b, Key="mixed", UploadId=uid, PartNumber=1, Body=b"x" * 10,
                       ChecksumAlgorithm="CRC32")["ETag"]
    done = s3.complete_multipart_upload(Bucket=b, Key="mixed", UploadId=uid,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e}]})
    assert "ChecksumCRC64NVME" not in done and "ChecksumCRC32" not in done
    assert s3.get_object(Bucket=b, Key="mixed", ChecksumMode="ENABLED")["Body"].read() == b"x" * 10
