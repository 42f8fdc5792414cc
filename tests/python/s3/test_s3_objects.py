"""S3 objects through boto3: metadata and standard headers, ranges, conditional reads and
writes, integrity (Content-MD5, flexible checksums, aws-chunked), copies, deletes,
attributes, tagging and ACLs."""

import base64
import hashlib
import zlib
from datetime import datetime, timedelta, timezone

import pytest

from conftest import http
from s3_support import error_of, new_bucket


@pytest.fixture
def s3(client):
    return client("s3")


def test_put_get_head_with_metadata_and_headers(s3):
    b = new_bucket(s3)
    put = s3.put_object(
        Bucket=b, Key="doc.txt", Body=b"hello world", ContentType="text/plain",
        ContentEncoding="identity", ContentLanguage="en", ContentDisposition="inline",
        CacheControl="max-age=60", Expires=datetime(2030, 1, 1, tzinfo=timezone.utc),
        WebsiteRedirectLocation="/other", StorageClass="STANDARD_IA",
        Metadata={"Owner": "me", "x": "1"},
    )
    assert put["ETag"] == '"%s"' % hashlib.md5(b"hello world").hexdigest()
    assert put["ServerSideEncryption"] == "AES256"
    assert "VersionId" not in put
    got = s3.get_object(Bucket=b, Key="doc.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain"
    assert got["ContentLanguage"] == "en"
    assert got["ContentDisposition"] == "inline"
    assert got["CacheControl"] == "max-age=60"
    assert got["ExpiresString"].startswith("Tue, 01 Jan 2030")
    assert got["WebsiteRedirectLocation"] == "/other"
    assert got["StorageClass"] == "STANDARD_IA"
    assert got["Metadata"] == {"owner": "me", "x": "1"}
    assert got["ContentLength"] == 11
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=b, Key="doc.txt")
    assert head["ETag"] == put["ETag"] and head["ContentLength"] == 11
    assert head["LastModified"] == got["LastModified"]
    # An object without a Content-Type gets S3's default.
    s3.put_object(Bucket=b, Key="bare", Body=b"x")
    assert s3.head_object(Bucket=b, Key="bare")["ContentType"] == "binary/octet-stream"


def test_missing_objects_and_buckets(s3, server):
    b = new_bucket(s3)
    err = error_of(lambda: s3.get_object(Bucket=b, Key="nope"))
    assert err["Error"]["Code"] == "NoSuchKey"
    assert err["Error"]["Key"] == "nope"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    err = error_of(lambda: s3.get_object(Bucket="no-such-bucket-here", Key="k"))
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["BucketName"] == "no-such-bucket-here"
    # HEAD errors carry no body: botocore sees only the status.
    err = error_of(lambda: s3.head_object(Bucket=b, Key="nope"))
    assert err["Error"]["Code"] == "404"
    status, headers, body = http(f"{server.url}/{b}/nope", "HEAD")
    assert status == 404 and body == b"" and headers["x-amz-request-id"]


def test_expected_bucket_owner(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="k", Body=b"x", ExpectedBucketOwner="000000000000")
    err = error_of(lambda: s3.get_object(Bucket=b, Key="k", ExpectedBucketOwner="111111111111"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)


def test_odd_keys_round_trip(s3):
    b = new_bucket(s3)
    keys = ["a b", "plus+sign", "per%cent", "//double//slash", "ünï/cödé/ключ", "q?x=1&y", "#hash",
            "trailing/", "k" * 1024, "tab\tkey", "emoji 😀"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=k.encode())
    for k in keys:
        assert s3.get_object(Bucket=b, Key=k)["Body"].read() == k.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())
    err = error_of(lambda: s3.put_object(Bucket=b, Key="k" * 1025, Body=b"x"))
    assert err["Error"]["Code"] == "KeyTooLongError"


def test_ranges(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="r", Body=b"0123456789")
    got = s3.get_object(Bucket=b, Key="r", Range="bytes=2-5")
    assert got["Body"].read() == b"2345"
    assert got["ContentRange"] == "bytes 2-5/10"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=7-")["Body"].read() == b"789"
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=8-100")["ContentRange"] == "bytes 8-9/10"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="r", Range="bytes=10-20"))
    assert err["Error"]["Code"] == "InvalidRange"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 416
    assert err["Error"]["ActualObjectSize"] == "10"
    # The same on an object stored as a file (over 16 KiB), across a read-chunk boundary.
    big = bytes(range(256)) * 8192
    s3.put_object(Bucket=b, Key="big", Body=big)
    assert s3.get_object(Bucket=b, Key="big", Range="bytes=3-9")["Body"].read() == big[3:10]
    assert s3.get_object(Bucket=b, Key="big", Range="bytes=1048570-1048580")["Body"].read() == big[1048570:1048581]
    assert s3.get_object(Bucket=b, Key="big", Range="bytes=-100")["Body"].read() == big[-100:]
    assert s3.get_object(Bucket=b, Key="big")["Body"].read() == big
    # A malformed or multi-range header is ignored, as S3 does.
    whole = s3.get_object(Bucket=b, Key="r", Range="bytes=1-2,4-5")
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200 and whole["Body"].read() == b"0123456789"


def test_conditional_reads(s3):
    b = new_bucket(s3)
    etag = s3.put_object(Bucket=b, Key="c", Body=b"x")["ETag"]
    before = datetime.now(timezone.utc) - timedelta(hours=1)
    # Not modified since its own Last-Modified (one-second resolution).
    after = s3.head_object(Bucket=b, Key="c")["LastModified"]
    assert s3.get_object(Bucket=b, Key="c", IfMatch=etag)["Body"].read() == b"x"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="c", IfMatch='"nope"'))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("PreconditionFailed", 412)
    assert err["Error"]["Condition"] == "If-Match"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="c", IfNoneMatch=etag))
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 304
    err = error_of(lambda: s3.get_object(Bucket=b, Key="c", IfModifiedSince=after))
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert s3.get_object(Bucket=b, Key="c", IfModifiedSince=before)["Body"].read() == b"x"
    err = error_of(lambda: s3.get_object(Bucket=b, Key="c", IfUnmodifiedSince=before))
    assert err["Error"]["Code"] == "PreconditionFailed"
    # Precedence: If-Match true wins over If-Unmodified-Since false; If-None-Match false
    # makes If-Modified-Since irrelevant.
    assert s3.get_object(Bucket=b, Key="c", IfMatch=etag, IfUnmodifiedSince=before)["Body"].read() == b"x"
    assert s3.get_object(Bucket=b, Key="c", IfNoneMatch='"other"', IfModifiedSince=after)["Body"].read() == b"x"
    err = error_of(lambda: s3.head_object(Bucket=b, Key="c", IfNoneMatch=etag))
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 304


def test_conditional_writes(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="w", Body=b"1", IfNoneMatch="*")
    err = error_of(lambda: s3.put_object(Bucket=b, Key="w", Body=b"2", IfNoneMatch="*"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("PreconditionFailed", 412)
    etag = s3.head_object(Bucket=b, Key="w")["ETag"]
    s3.put_object(Bucket=b, Key="w", Body=b"3", IfMatch=etag)
    err = error_of(lambda: s3.put_object(Bucket=b, Key="w", Body=b"4", IfMatch=etag))
    assert err["Error"]["Code"] == "PreconditionFailed"
    err = error_of(lambda: s3.put_object(Bucket=b, Key="absent", Body=b"4", IfMatch=etag))
    assert err["Error"]["Code"] == "NoSuchKey"
    assert s3.get_object(Bucket=b, Key="w")["Body"].read() == b"3"


def test_response_overrides(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(Bucket=b, Key="o", ResponseContentType="application/json",
                        ResponseContentDisposition="attachment; filename=o.json",
                        ResponseCacheControl="no-cache", ResponseContentLanguage="fr",
                        ResponseContentEncoding="gzip2", ResponseExpires=datetime(2031, 1, 1, tzinfo=timezone.utc))
    assert got["ContentType"] == "application/json"
    assert got["ContentDisposition"] == "attachment; filename=o.json"
    assert got["CacheControl"] == "no-cache" and got["ContentLanguage"] == "fr"
    assert got["ContentEncoding"] == "gzip2"


def test_content_md5(s3):
    b = new_bucket(s3)
    good = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket=b, Key="m", Body=b"data", ContentMD5=good)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    err = error_of(lambda: s3.put_object(Bucket=b, Key="m2", Body=b"data", ContentMD5=wrong))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("BadDigest", 400)
    err = error_of(lambda: s3.put_object(Bucket=b, Key="m2", Body=b"data", ContentMD5="notbase64!"))
    assert err["Error"]["Code"] == "InvalidDigest"
    assert error_of(lambda: s3.head_object(Bucket=b, Key="m2"))["Error"]["Code"] == "404"


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_flexible_checksums(s3, algorithm):
    b = new_bucket(s3)
    body = b"checksummed body"
    put = s3.put_object(Bucket=b, Key="k", Body=body, ChecksumAlgorithm=algorithm)
    digest = {
        "CRC32": zlib.crc32(body).to_bytes(4, "big"),
        "SHA1": hashlib.sha1(body).digest(),
        "SHA256": hashlib.sha256(body).digest(),
    }[algorithm]
    expected = base64.b64encode(digest).decode()
    assert put[f"Checksum{algorithm}"] == expected
    assert put["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=b, Key="k", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == body
    head = s3.head_object(Bucket=b, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    listed = s3.list_objects_v2(Bucket=b)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == [algorithm]


def test_checksum_mismatch_is_rejected(s3):
    b = new_bucket(s3)
    wrong = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    err = error_of(lambda: s3.put_object(Bucket=b, Key="k", Body=b"data", ChecksumCRC32=wrong))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("BadDigest", 400)
    assert err["Error"]["Message"] == "The CRC32 you specified did not match the calculated checksum."
    assert error_of(lambda: s3.head_object(Bucket=b, Key="k"))["Error"]["Code"] == "404"


def test_default_checksum_is_crc64nvme_for_unsigned_uploads(s3, server):
    b = new_bucket(s3)
    status, _, _ = http(f"{server.url}/{b}/plain", "PUT", b"plain body")
    assert status == 200
    head = s3.head_object(Bucket=b, Key="plain", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] and head["ChecksumType"] == "FULL_OBJECT"


def chunked_request(url, payload_chunks, trailer=None, signed=False, decoded=None):
    """An aws-chunked upload as the Java/JS/Go SDKs send it (botocore only does this over
    HTTPS, so the framing is written here)."""
    body = b""
    for chunk in payload_chunks:
        ext = ";chunk-signature=" + "0" * 64 if signed else ""
        body += f"{len(chunk):x}{ext}\r\n".encode() + chunk + b"\r\n"
    body += (b"0;chunk-signature=" + b"0" * 64 if signed else b"0") + b"\r\n"
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(decoded if decoded is not None else sum(map(len, payload_chunks))),
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" if signed else "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }
    if trailer:
        name, value = trailer
        headers["x-amz-trailer"] = name
        body += f"{name}:{value}\r\n".encode()
    body += b"\r\n"
    return http(url, "PUT", body, headers)


def test_aws_chunked_uploads(s3, server):
    b = new_bucket(s3)
    parts = [b"a" * 70_000, b"b" * 5, b"c" * 1000]
    data = b"".join(parts)
    status, _, body = chunked_request(f"{server.url}/{b}/signed", parts, signed=True)
    assert status == 200, body
    assert s3.get_object(Bucket=b, Key="signed")["Body"].read() == data
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    status, headers, body = chunked_request(f"{server.url}/{b}/trailer", parts, trailer=("x-amz-checksum-crc32", crc))
    assert status == 200, body
    assert headers["x-amz-checksum-crc32"] == crc
    got = s3.get_object(Bucket=b, Key="trailer", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got["ChecksumCRC32"] == crc
    assert "ContentEncoding" not in got
    bad = base64.b64encode(zlib.crc32(b"x").to_bytes(4, "big")).decode()
    status, _, body = chunked_request(f"{server.url}/{b}/bad", parts, trailer=("x-amz-checksum-crc32", bad))
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    status, _, body = chunked_request(f"{server.url}/{b}/short", parts, decoded=5)
    assert status == 400 and b"<Code>IncompleteBody</Code>" in body
    status, _, body = http(f"{server.url}/{b}/garbage", "PUT", b"zz\r\nnot chunked",
                           {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
    assert status == 400
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]]
    assert keys == ["signed", "trailer"]


def test_copy_object(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="src", Body=b"source", ContentType="text/plain", Metadata={"a": "1"},
                  Tagging="t=1")
    copied = s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"source").hexdigest()
    assert s3.head_object(Bucket=b, Key="dst")["ResponseMetadata"]["HTTPHeaders"]["server"] == "AmazonS3"
    dst = s3.get_object(Bucket=b, Key="dst")
    assert dst["Body"].read() == b"source" and dst["Metadata"] == {"a": "1"} and dst["ContentType"] == "text/plain"
    assert s3.get_object_tagging(Bucket=b, Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(Bucket=b, Key="dst2", CopySource=f"{b}/src", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="application/x", TaggingDirective="REPLACE", Tagging="u=2")
    dst2 = s3.head_object(Bucket=b, Key="dst2")
    assert dst2["Metadata"] == {"b": "2"} and dst2["ContentType"] == "application/x"
    assert s3.get_object_tagging(Bucket=b, Key="dst2")["TagSet"] == [{"Key": "u", "Value": "2"}]
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"}))
    assert err["Error"]["Code"] == "InvalidRequest"
    assert "copy an object to itself" in err["Error"]["Message"]
    s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"}, MetadataDirective="REPLACE",
                   Metadata={"c": "3"})
    assert s3.head_object(Bucket=b, Key="src")["Metadata"] == {"c": "3"}
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "missing"}))
    assert err["Error"]["Code"] == "NoSuchKey"
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src"},
                                          CopySourceIfMatch='"nope"'))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("PreconditionFailed", 412)
    etag = s3.head_object(Bucket=b, Key="src")["ETag"]
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src"},
                                          CopySourceIfNoneMatch=etag))
    assert err["Error"]["Code"] == "PreconditionFailed"
    s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src"}, CopySourceIfMatch=etag)
    # Across buckets, with an odd key.
    other = new_bucket(s3)
    s3.put_object(Bucket=b, Key="ü +%", Body=b"odd")
    s3.copy_object(Bucket=other, Key="copy of ü", CopySource={"Bucket": b, "Key": "ü +%"})
    assert s3.get_object(Bucket=other, Key="copy of ü")["Body"].read() == b"odd"


def test_delete_objects_quiet_and_verbose(s3):
    b = new_bucket(s3)
    for k in ["a", "b", "c"]:
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "missing"]
    assert "Errors" not in out
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "b"}], "Quiet": True})
    assert "Deleted" not in out
    out = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c", "VersionId": "bogus"}]})
    assert out["Errors"][0]["Code"] == "InvalidArgument"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]] == ["c"]
    # DeleteObject of a missing key is a success.
    assert s3.delete_object(Bucket=b, Key="never")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_object_tagging_and_acl(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
    assert s3.get_object(Bucket=b, Key="t")["TagCount"] == 2
    assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}]
    s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
    err = error_of(lambda: s3.put_object_tagging(
        Bucket=b, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}))
    assert err["Error"]["Code"] == "InvalidTag"
    s3.delete_object_tagging(Bucket=b, Key="t")
    assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == []
    err = error_of(lambda: s3.get_object_tagging(Bucket=b, Key="missing"))
    assert err["Error"]["Code"] == "NoSuchKey"
    acl = s3.get_object_acl(Bucket=b, Key="t")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    # New buckets disable ACLs (BucketOwnerEnforced) and block public ones.
    err = error_of(lambda: s3.put_object_acl(Bucket=b, Key="t", ACL="public-read"))
    assert err["Error"]["Code"] == "AccessControlListNotSupported"
    err = error_of(lambda: s3.put_object(Bucket=b, Key="t2", Body=b"x", ACL="public-read"))
    assert err["Error"]["Code"] == "AccessControlListNotSupported"
    s3.put_object(Bucket=b, Key="t2", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    err = error_of(lambda: s3.put_object_acl(Bucket=b, Key="t", ACL="public-read"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    s3.delete_public_access_block(Bucket=b)
    s3.put_object_acl(Bucket=b, Key="t", ACL="public-read")
    grants = s3.get_object_acl(Bucket=b, Key="t")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [g["Grantee"] for g in grants]
    err = error_of(lambda: s3.put_object(Bucket=b, Key="bad", Body=b"x", ACL="nonsense"))
    assert err["Error"]["Code"] == "InvalidArgument"


def test_get_object_attributes(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="a", Body=b"12345", ChecksumAlgorithm="SHA256", StorageClass="GLACIER")
    out = s3.get_object_attributes(Bucket=b, Key="a", ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass"])
    assert out["ETag"] == hashlib.md5(b"12345").hexdigest()
    assert out["ObjectSize"] == 5 and out["StorageClass"] == "GLACIER"
    assert out["Checksum"]["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"12345").digest()).decode()
    err = error_of(lambda: s3.get_object_attributes(Bucket=b, Key="missing", ObjectAttributes=["ETag"]))
    assert err["Error"]["Code"] == "NoSuchKey"
    # An archived object must be restored before it can be read (or copied); HEAD works.
    err = error_of(lambda: s3.get_object(Bucket=b, Key="a"))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidObjectState", 403)
    assert err["Error"]["StorageClass"] == "GLACIER"
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "a"}))
    assert err["Error"]["Code"] == "InvalidObjectState"
    assert "Restore" not in s3.head_object(Bucket=b, Key="a")
    out = s3.restore_object(Bucket=b, Key="a", RestoreRequest={"Days": 2})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert s3.head_object(Bucket=b, Key="a")["Restore"].startswith('ongoing-request="false", expiry-date=')
    assert s3.get_object(Bucket=b, Key="a")["Body"].read() == b"12345"
    out = s3.restore_object(Bucket=b, Key="a", RestoreRequest={"Days": 3})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    # A copy is STANDARD unless the request says otherwise.
    s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "a"})
    assert "StorageClass" not in s3.head_object(Bucket=b, Key="c")
    s3.put_object(Bucket=b, Key="std", Body=b"x")
    err = error_of(lambda: s3.restore_object(Bucket=b, Key="std", RestoreRequest={"Days": 1}))
    assert err["Error"]["Code"] == "InvalidObjectState"


def test_unsupported_is_not_implemented(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="data.csv", Body=b"a,b\n1,2\n")
    err = error_of(lambda: s3.select_object_content(
        Bucket=b, Key="data.csv", Expression="select * from s3object", ExpressionType="SQL",
        InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}}))
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == ("NotImplemented", 501)


def test_concurrent_puts_leave_one_complete_object(s3):
    import threading
    b = new_bucket(s3)
    bodies = [bytes([i]) * (200_000 + i) for i in range(8)]
    threads = [threading.Thread(target=lambda d=d: s3.put_object(Bucket=b, Key="race", Body=d)) for d in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = s3.get_object(Bucket=b, Key="race")["Body"].read()
    assert got in bodies
    assert s3.head_object(Bucket=b, Key="race")["ContentLength"] == len(got)


def test_cancelled_upload_leaves_nothing(s3, server):
    """A client that drops the connection mid-body (written by hand: no SDK does this on
    purpose) must leave no object and no partial file."""
    import socket
    import time
    b = new_bucket(s3)
    host, port = server.url.replace("http://", "").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"PUT /{b}/partial HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10000000\r\n\r\n".encode())
    sock.sendall(b"x" * 3_000_000)
    sock.close()
    time.sleep(0.3)
    assert error_of(lambda: s3.head_object(Bucket=b, Key="partial"))["Error"]["Code"] == "404"
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    # The session server keeps its data in a directory: no partial blob is left in it.
    from pathlib import Path
    tmp = Path(server.data_dir) / "blobs" / "tmp"
    assert list(tmp.iterdir()) == []


def test_keys_are_never_paths(s3, server, tmp_path):
    b = new_bucket(s3)
    for key in ["../../escape", "/etc/passwd", "..", "a/../../b", "./."]:
        s3.put_object(Bucket=b, Key=key, Body=key.encode() * 10_000)
        assert s3.get_object(Bucket=b, Key=key)["Body"].read() == key.encode() * 10_000
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]}
    assert listed == {"../../escape", "/etc/passwd", "..", "a/../../b", "./."}


def test_presigned_urls_with_requests(client):
    """Presigned SigV4 URLs used by a plain HTTP client, as a browser or curl would."""
    import requests
    from botocore.config import Config
    s3 = client("s3", config=Config(signature_version="s3v4"))
    b = new_bucket(s3)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "via requests.txt"}, ExpiresIn=60)
    resp = requests.put(put_url, data=b"uploaded with requests", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["ETag"] == '"%s"' % hashlib.md5(b"uploaded with requests").hexdigest()
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "via requests.txt"}, ExpiresIn=60)
    resp = requests.get(get_url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"uploaded with requests"
    resp = requests.get(get_url, headers={"Range": "bytes=0-7"}, timeout=10)
    assert resp.status_code == 206 and resp.content == b"uploaded"
    missing = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "nope"}, ExpiresIn=60)
    resp = requests.get(missing, timeout=10)
    assert resp.status_code == 404 and "<Code>NoSuchKey</Code>" in resp.text
    assert resp.headers["x-amz-request-id"]


def _crc(data: bytes, poly: int, width: int) -> bytes:
    """A bitwise reflected CRC with all-ones init and xor-out (CRC32C, CRC64NVME)."""
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return (crc ^ mask).to_bytes(width // 8, "big")


@pytest.mark.parametrize("algorithm,poly,width", [("CRC32C", 0x82F63B78, 32), ("CRC64NVME", 0x9A6C9329AC4BC9B5, 64)])
def test_crc32c_and_crc64nvme_checksums(s3, algorithm, poly, width):
    b = new_bucket(s3)
    body = b"the quick brown fox"
    value = base64.b64encode(_crc(body, poly, width)).decode()
    put = s3.put_object(Bucket=b, Key="k", Body=body, **{f"Checksum{algorithm}": value})
    assert put[f"Checksum{algorithm}"] == value
    head = s3.head_object(Bucket=b, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == value
    wrong = base64.b64encode(_crc(b"other", poly, width)).decode()
    err = error_of(lambda: s3.put_object(Bucket=b, Key="k2", Body=body, **{f"Checksum{algorithm}": wrong}))
    assert err["Error"]["Code"] == "BadDigest"


def test_failed_writes_leave_no_bytes_behind(s3, server):
    """A copy or PUT refused after its bytes were taken in (bad tags, a failed condition)
    keeps no file in the data directory."""
    import os
    from pathlib import Path

    def blob_files():
        root = Path(server.data_dir) / "blobs"
        return sorted(f for d, _, files in os.walk(root) for f in files if os.path.basename(d) != "tmp")

    b = new_bucket(s3)
    big = b"z" * 100_000  # over 16 KiB: stored as a file
    s3.put_object(Bucket=b, Key="src", Body=big)
    before = blob_files()
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"},
                                          TaggingDirective="REPLACE", Tagging="aws:x=1"))
    assert err["Error"]["Code"] == "InvalidTag"
    err = error_of(lambda: s3.put_object(Bucket=b, Key="src", Body=big, IfNoneMatch="*"))
    assert err["Error"]["Code"] == "PreconditionFailed"
    err = error_of(lambda: s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"},
                                          MetadataDirective="REPLACE", IfNoneMatch="*"))
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert blob_files() == before
