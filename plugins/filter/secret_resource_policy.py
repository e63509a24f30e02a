"""The resource policy of the environment's secrets: only their readers and the administrators."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: secret_resource_policy
short_description: A Secrets Manager resource policy that only named principals get past
description:
  - Denies reading the secret (GetSecretValue) to every IAM principal whose ARN matches neither
    O(readers) nor O(_input), and changing it, its policy or its rotation to every principal
    outside O(_input). AWS services acting for the account (C(aws:PrincipalIsAWSService)) are not
    denied, so RDS or a rotation can still use the secret they manage.
  - Same-account access still needs an identity policy that allows it; this policy only takes away.
  - The conditions name principals by ARN (C(aws:PrincipalArn)), so a role need not exist yet.
positional: readers
options:
  _input:
    description: ARNs (wildcards allowed) of the administrators, the deploying principal among them.
    type: list
    elements: str
    required: true
  readers:
    description: ARNs of the principals that may only read the secret.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- community.aws.secretsmanager_secret:
    name: /webcast/production/redis/auth-token
    resource_policy: >-
      {{ ['arn:aws:iam::123456789012:root'] | webcast.platform.secret_resource_policy(
         ['arn:aws:iam::123456789012:role/webcast-production-instance']) }}
"""

RETURN = r"""
_value: {description: The policy document, as JSON text., type: str}
"""

# What only administrators may do to a secret: its value, its settings, its policy, its life.
ADMINISTRATION = [
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:DeleteSecret",
    "secretsmanager:RestoreSecret",
]
_STS_ROLE = re.compile(r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+$")


def principal_arns(caller_arn: Any) -> list[str]:
    """What aws:PrincipalArn is for the caller of sts:GetCallerIdentity.

    A role's session (arn:...:sts::...:assumed-role/NAME/SESSION) is seen as the role's ARN, whose
    path the session ARN does not show: both the root path and any path match.
    """
    if not isinstance(caller_arn, str) or not caller_arn.startswith("arn:"):
        raise AnsibleFilterError(f"principal_arns: {caller_arn!r} is not an ARN of sts:GetCallerIdentity")
    session = _STS_ROLE.match(caller_arn)
    if not session:
        return [caller_arn]
    prefix = f"arn:{session['partition']}:iam::{session['account']}:role/"
    return [f"{prefix}{session['role']}", f"{prefix}*/{session['role']}"]


def _arns(value: Any, what: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise AnsibleFilterError(f"secret_resource_policy: {what} must be a list of ARNs, got {value!r}")
    arns = list(value)
    bad = [a for a in arns if not isinstance(a, str) or not a.startswith("arn:")]
    if bad:
        raise AnsibleFilterError(f"secret_resource_policy: {what} holds {bad!r}, which are not ARNs")
    return arns


def _deny_unless(sid: str, actions: list[str], principals: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": actions,
        "Resource": "*",
        "Condition": {
            "ArnNotLike": {"aws:PrincipalArn": principals},
            "Bool": {"aws:PrincipalIsAWSService": "false"},
        },
    }


def secret_resource_policy(administrators: Any, readers: Any = ()) -> str:
    admins = _arns(administrators, "the administrators")
    if not admins:
        raise AnsibleFilterError("secret_resource_policy: no administrator: nobody could manage the secret")
    allowed_readers = [a for a in _arns(readers, "the readers") if a not in admins]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            _deny_unless(
                "OnlyItsReadersAndAdministratorsReadTheSecret",
                ["secretsmanager:GetSecretValue"],
                allowed_readers + admins,
            ),
            _deny_unless("OnlyAdministratorsChangeTheSecret", ADMINISTRATION, admins),
        ],
    }
    return json.dumps(document, sort_keys=True)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"secret_resource_policy": secret_resource_policy, "principal_arns": principal_arns}
