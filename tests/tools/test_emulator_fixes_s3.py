"""PutBucketLogging to a target bucket whose policy also holds a "Principal": "*" statement.

AWS reads the target bucket's policy as IAM does; moto crashes on a string principal and accepts
only three exact resource spellings, so community.aws.s3_logging cannot log to a TLS-only bucket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.community.aws.plugins.modules import s3_logging as s3_logging_module
from botocore.exceptions import ClientError
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws

TARGET = "webcast-test-logs"
SOURCE = "webcast-test-media"
ACCESS_LOGS = {
    "Sid": "S3ServerAccessLogDelivery",
    "Effect": "Allow",
    "Principal": {"Service": "logging.s3.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"arn:aws:s3:::{TARGET}/s3/*",
}
TLS_ONLY = {
    "Sid": "DenyRequestsWithoutTls",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{TARGET}", f"arn:aws:s3:::{TARGET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def logging_fix():
    return fix("s3_logging_policy_as_iam_reads_it").patch()


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        for bucket in (TARGET, SOURCE):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


def put_policy(s3: Any, *statements: dict[str, Any]) -> None:
    s3.put_bucket_policy(Bucket=TARGET, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def enable_logging(s3: Any, prefix: str = f"s3/{SOURCE}/") -> None:
    s3.put_bucket_logging(
        Bucket=SOURCE,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": TARGET, "TargetPrefix": prefix}},
    )


def test_without_the_fix_a_string_principal_in_the_target_policy_breaks_put_bucket_logging(s3):
    put_policy(s3, ACCESS_LOGS, TLS_ONLY)
    with pytest.raises(AttributeError):
        enable_logging(s3)


def test_without_the_fix_a_wildcard_resource_covering_the_prefix_is_refused(s3):
    put_policy(s3, ACCESS_LOGS)
    with pytest.raises(s3.exceptions.ClientError) as error:
        enable_logging(s3)
    assert error.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"


def test_with_the_fix_a_tls_only_target_whose_policy_admits_log_delivery_is_accepted(s3):
    put_policy(s3, ACCESS_LOGS, TLS_ONLY)
    with logging_fix():
        enable_logging(s3)
    assert s3.get_bucket_logging(Bucket=SOURCE)["LoggingEnabled"]["TargetPrefix"] == f"s3/{SOURCE}/"


@pytest.mark.parametrize(
    "statement",
    [
        {**ACCESS_LOGS, "Effect": "Deny"},
        {**ACCESS_LOGS, "Principal": {"Service": "cloudfront.amazonaws.com"}},
        {**ACCESS_LOGS, "Action": "s3:GetObject"},
        {**ACCESS_LOGS, "Resource": f"arn:aws:s3:::{TARGET}/alb/*"},
    ],
    ids=["deny", "other-service", "other-action", "other-prefix"],
)
def test_with_the_fix_a_policy_that_does_not_admit_log_delivery_under_the_prefix_is_refused(s3, statement):
    put_policy(s3, statement, TLS_ONLY)
    with logging_fix(), pytest.raises(s3.exceptions.ClientError) as error:
        enable_logging(s3)
    assert error.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"


def test_with_the_fix_the_s3_logging_module_enables_logging_and_a_second_run_changes_nothing(s3, capsys):
    put_policy(s3, {**ACCESS_LOGS, "Action": ["s3:PutObject"]}, TLS_ONLY)
    wanted = {"name": SOURCE, "target_bucket": TARGET, "target_prefix": f"s3/{SOURCE}/"}
    with logging_fix():
        first = run_module(capsys, s3_logging_module, **wanted)
        second = run_module(capsys, s3_logging_module, **wanted)
    assert first["changed"] is True, first
    assert second["changed"] is False, second


# --- a TLS-only bucket's objects, over the emulator's plain HTTP standing for HTTPS ----------------


def https_fix():
    return fix("bucket_policy_over_https").patch()


def put_object_then_delete(s3: Any) -> list[dict[str, Any]]:
    s3.put_object(Bucket=TARGET, Key="s3/log-1", Body=b"log line")
    answer = s3.delete_objects(Bucket=TARGET, Delete={"Objects": [{"Key": "s3/log-1"}], "Quiet": True})
    return answer.get("Errors", [])


def test_without_the_fix_a_tls_only_bucket_refuses_its_objects_to_the_account_itself(s3):
    put_policy(s3, TLS_ONLY)
    with pytest.raises(ClientError, match="Forbidden"):
        s3.put_object(Bucket=TARGET, Key="s3/log-1", Body=b"log line")


def test_with_the_fix_a_tls_only_bucket_reads_and_deletes_its_objects(s3):
    put_policy(s3, TLS_ONLY, ACCESS_LOGS)
    with https_fix():
        s3.put_object(Bucket=TARGET, Key="s3/log-0", Body=b"kept")
        assert s3.get_object(Bucket=TARGET, Key="s3/log-0")["Body"].read() == b"kept"
        assert put_object_then_delete(s3) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=TARGET, Prefix="s3/log-1")


def test_with_the_fix_a_deny_without_the_tls_condition_still_denies(s3):
    deny_delete = {
        "Sid": "NoDeletes",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{TARGET}/*",
    }
    put_policy(s3, TLS_ONLY, deny_delete)
    with https_fix():
        assert [e["Code"] for e in put_object_then_delete(s3)] == ["AccessDenied"]
