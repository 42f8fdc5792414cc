"""The AWS CLI (`aws s3`, `aws s3api`) against ruststack, and durability: buckets, objects,
versions, configurations and in-progress multipart uploads survive SIGKILL with
`--data-dir`."""

import hashlib
import json
import os
import signal
import uuid

from conftest import http

MIB = 1024 * 1024


def test_aws_s3_cp_100_mib_multipart_round_trip(aws, client, tmp_path):
    bucket = f"cli-{uuid.uuid4().hex[:10]}"
    assert aws("s3", "mb", f"s3://{bucket}").returncode == 0
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        for i in range(100):
            f.write(hashlib.sha256(str(i).encode()).digest() * (MIB // 32))
    out = aws("s3", "cp", "--only-show-errors", str(src), f"s3://{bucket}/dir/big.bin")
    assert out.returncode == 0, out.stderr
    head = client("s3").head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ContentLength"] == 100 * MIB
    assert head["ETag"].endswith('-13"'), head["ETag"]  # 8 MiB parts: the CLI used multipart
    dst = tmp_path / "back.bin"
    out = aws("s3", "cp", "--only-show-errors", f"s3://{bucket}/dir/big.bin", str(dst))
    assert out.returncode == 0, out.stderr
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()


def test_aws_s3_ls_sync_rm(aws, tmp_path):
    bucket = f"cli-{uuid.uuid4().hex[:10]}"
    aws("s3", "mb", f"s3://{bucket}", check=True)
    tree = tmp_path / "site"
    (tree / "css").mkdir(parents=True)
    (tree / "index.html").write_text("<h1>hi</h1>")
    (tree / "css" / "a b.css").write_text("body{}")
    out = aws("s3", "sync", str(tree), f"s3://{bucket}/site")
    assert out.returncode == 0, out.stderr
    out = aws("s3", "ls", f"s3://{bucket}/site/")
    assert "PRE css/" in out.stdout and "index.html" in out.stdout
    out = aws("s3", "ls", f"s3://{bucket}", "--recursive")
    assert "site/css/a b.css" in out.stdout
    # A second sync uploads nothing.
    out = aws("s3", "sync", str(tree), f"s3://{bucket}/site")
    assert out.returncode == 0 and out.stdout.strip() == ""
    out = aws("s3", "ls")
    assert bucket in out.stdout
    out = aws("s3", "rb", f"s3://{bucket}")
    assert out.returncode != 0 and "BucketNotEmpty" in out.stderr
    out = aws("s3", "rm", f"s3://{bucket}", "--recursive")
    assert out.returncode == 0, out.stderr
    assert aws("s3", "rb", f"s3://{bucket}").returncode == 0


def test_aws_s3api_commands(aws, tmp_path):
    bucket = f"api-{uuid.uuid4().hex[:10]}"
    out = aws("s3api", "create-bucket", "--bucket", bucket)
    assert out.returncode == 0, out.stderr
    body = tmp_path / "f.txt"
    body.write_text("payload")
    out = aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(body),
              "--metadata", "a=1", "--content-type", "text/plain")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ETag"] == '"%s"' % hashlib.md5(b"payload").hexdigest()
    out = aws("s3api", "head-object", "--bucket", bucket, "--key", "k")
    head = json.loads(out.stdout)
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"a": "1"}
    out = aws("s3api", "get-object", "--bucket", bucket, "--key", "k", str(tmp_path / "out.txt"))
    assert out.returncode == 0 and (tmp_path / "out.txt").read_text() == "payload"
    out = aws("s3api", "get-object", "--bucket", bucket, "--key", "missing", str(tmp_path / "x"))
    assert out.returncode != 0 and "NoSuchKey" in out.stderr
    out = aws("s3api", "list-objects-v2", "--bucket", bucket)
    assert [o["Key"] for o in json.loads(out.stdout)["Contents"]] == ["k"]
    out = aws("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=env,Value=dev}]")
    assert out.returncode == 0, out.stderr
    out = aws("s3api", "get-bucket-tagging", "--bucket", bucket)
    assert json.loads(out.stdout)["TagSet"] == [{"Key": "env", "Value": "dev"}]


def test_sigkill_keeps_buckets_objects_versions_and_uploads(start_server, tmp_path):
    srv = start_server(data_dir=tmp_path)
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="durable")
    s3.put_bucket_versioning(Bucket="durable", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="durable", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    v1 = s3.put_object(Bucket="durable", Key="doc", Body=b"first", Metadata={"m": "1"})["VersionId"]
    v2 = s3.put_object(Bucket="durable", Key="doc", Body=b"second")["VersionId"]
    s3.put_object(Bucket="durable", Key="gone", Body=b"x")
    marker = s3.delete_object(Bucket="durable", Key="gone")["VersionId"]
    uid = s3.create_multipart_upload(Bucket="durable", Key="mpu")["UploadId"]
    part1 = s3.upload_part(Bucket="durable", Key="mpu", UploadId=uid, PartNumber=1, Body=b"p" * (5 * MIB))["ETag"]
    s3.create_bucket(Bucket="plain")
    # Bodies over 16 KiB live in blob files; smaller ones inline in their records.
    s3.put_object(Bucket="plain", Key="overwritten", Body=b"old" * 10_000)
    s3.put_object(Bucket="plain", Key="overwritten", Body=b"new" * 10_000)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(timeout=10)

    srv = start_server(data_dir=tmp_path)
    s3 = srv.client("s3")
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == ["durable", "plain"]
    assert s3.get_bucket_versioning(Bucket="durable")["Status"] == "Enabled"
    assert s3.get_bucket_tagging(Bucket="durable")["TagSet"] == [{"Key": "k", "Value": "v"}]
    assert s3.get_object(Bucket="durable", Key="doc")["Body"].read() == b"second"
    first = s3.get_object(Bucket="durable", Key="doc", VersionId=v1)
    assert first["Body"].read() == b"first" and first["Metadata"] == {"m": "1"}
    versions = s3.list_object_versions(Bucket="durable", Prefix="doc")["Versions"]
    assert [v["VersionId"] for v in versions] == [v2, v1]
    assert s3.list_object_versions(Bucket="durable", Prefix="gone")["DeleteMarkers"][0]["VersionId"] == marker
    assert s3.get_object(Bucket="plain", Key="overwritten")["Body"].read() == b"new" * 10_000
    # The upload goes on where it stopped.
    part2 = s3.upload_part(Bucket="durable", Key="mpu", UploadId=uid, PartNumber=2, Body=b"end")["ETag"]
    s3.complete_multipart_upload(Bucket="durable", Key="mpu", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part1}, {"PartNumber": 2, "ETag": part2}]})
    assert s3.head_object(Bucket="durable", Key="mpu")["ContentLength"] == 5 * MIB + 3
    # Only live object bytes remain on disk: the overwritten object's blob is gone; the
    # completed upload's 5 MiB part and the current "overwritten" remain (the rest is inline).
    blobs = [f for root, _, files in os.walk(tmp_path / "blobs") for f in files
             if os.path.basename(root) != "tmp"]
    assert len(blobs) == 2


def test_reset_empties_s3(server, client):
    s3 = client("s3")
    s3.create_bucket(Bucket="to-reset")
    s3.put_object(Bucket="to-reset", Key="k", Body=b"x")
    status, _, _ = http(server.url + "/_localstack/state/reset", "POST")
    assert status == 200
    assert s3.list_buckets()["Buckets"] == []
