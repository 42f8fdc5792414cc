"""What the S3 test modules share: a fresh bucket per test and the error of a failed call."""

import uuid

import botocore
import pytest


def new_bucket(s3, versioning=None) -> str:
    """Creates a bucket with a unique name (optionally with versioning set) and returns it."""
    name = f"t-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
    return name


def error_of(call):
    """The parsed error response of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response
