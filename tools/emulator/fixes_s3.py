"""S3 fixes: what PutBucketLogging accepts as the target bucket's permission for log delivery, and
bucket policies' TLS-only statements on the emulator's plain-HTTP endpoint."""

from __future__ import annotations

import fnmatch
import json
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix

LOGGING_SERVICE = "logging.s3.amazonaws.com"


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _allows_log_delivery(statement: dict[str, Any], object_arn: str) -> bool:
    """Whether one policy statement lets the S3 logging service put this object, as IAM reads it."""
    principal = statement.get("Principal")
    services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
    actions = _as_list(statement.get("Action"))
    return (
        statement.get("Effect") == "Allow"
        and LOGGING_SERVICE in services
        and any(fnmatch.fnmatchcase("s3:PutObject", action) for action in actions)
        and any(fnmatch.fnmatchcase(object_arn, resource) for resource in _as_list(statement.get("Resource")))
    )


def _log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
    if not target_bucket.policy:
        return False
    policy = json.loads(target_bucket.policy.decode())
    # Any key the log delivery would write: the target prefix and then the log file's name.
    object_arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}log-object"
    return any(_allows_log_delivery(statement, object_arn) for statement in _as_list(policy.get("Statement")))


def _s3_logging_policy_as_iam_reads_it() -> AbstractContextManager:
    """AWS PutBucketLogging accepts a target bucket whose policy lets logging.s3.amazonaws.com put the logs.

    AWS evaluates the target bucket's policy as IAM does: a statement may name its principal as
    "*", its action and resource as a string or a list, and the resource with wildcards that cover
    the target prefix (".../s3/*" covers the prefix "s3/media/"). moto reads every statement's
    Principal as a dict, so a bucket policy holding any statement with "Principal": "*" (the usual
    TLS-only deny) makes PutBucketLogging fail with 500 (AttributeError); and it accepts only a
    resource spelled exactly "<bucket>/<prefix>*", "<bucket>/*" or the bucket. So
    community.aws.s3_logging cannot log to a TLS-only logs bucket. The fix reads the statements as
    IAM does; moto's ACL check (the LogDelivery group's grants) is left as it is.
    """
    from moto.s3.models import FakeBucket

    return mock.patch.object(
        FakeBucket, "_log_permissions_enabled_policy", staticmethod(_log_permissions_enabled_policy)
    )


def _is_tls_only_deny(statement: dict[str, Any]) -> bool:
    """A Deny that applies only to requests not made over TLS (aws:SecureTransport false)."""
    condition = statement.get("Condition") or {}
    return (
        statement.get("Effect") == "Deny"
        and list(condition) == ["Bool"]
        and {key.lower(): value for key, value in condition["Bool"].items()}
        in ({"aws:securetransport": "false"}, {"aws:securetransport": ["false"]})
    )


def _bucket_policy_over_https() -> AbstractContextManager:
    """AWS applies a bucket policy's TLS-only deny to plain-HTTP requests only; its endpoints are HTTPS.

    moto's object-level permission check (GetObject, HeadObject, DeleteObjects) evaluates a bucket
    policy's statements without their conditions, so the usual "Deny s3:* when aws:SecureTransport
    is false" denies every object request, the emulator's plain-HTTP requests standing for HTTPS
    ones included: no object of a TLS-only bucket can be read or deleted, and a teardown cannot
    empty one. The fix evaluates the policy as AWS would for a request over TLS: without those
    statements. Every other statement is evaluated as moto does.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode())
        statements = [s for s in _as_list(policy.get("Statement")) if not _is_tls_only_deny(s)]
        return IAMPolicy(json.dumps({**policy, "Statement": statements})).is_action_permitted(
            action, resource
        )

    return mock.patch.object(FakeBucket, "get_permission", get_permission)


FIXES: tuple[Fix, ...] = (
    Fix(
        name="s3_logging_policy_as_iam_reads_it",
        aws_behaviour="PutBucketLogging accepts a target bucket policy that lets logging.s3.amazonaws.com "
        "put objects under the prefix, whatever else the policy holds",
        patch=_s3_logging_policy_as_iam_reads_it,
    ),
    Fix(
        name="bucket_policy_over_https",
        aws_behaviour="a bucket policy's deny on aws:SecureTransport false leaves requests over TLS alone",
        patch=_bucket_policy_over_https,
    ),
)
