"""Every policy of the environment that lets an AWS service act (role trust, key and bucket policies)
ties the service to this account's own resources: the confused-deputy promise of the security baseline.

EC2's trust of the instance role is the one exception, and why is in docs/security-audit.md
(WEBCAST.IAM.2)."""

from __future__ import annotations

import json

import pytest
from conftest import ENV

# Condition keys that name this account or its resource, for the service acting.
SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn", "kms:encryptioncontext:aws:")


@pytest.fixture(scope="module")
def prefix(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-"


@pytest.fixture(scope="module")
def account(aws) -> str:
    return aws("sts").get_caller_identity()["Account"]


def unscoped(policy: dict, account: str, exempt: tuple[str, ...] = ()) -> list[str]:
    """The services an Allow statement names without a condition naming the source, nor resources
    only under this account's AWSLogs/<account>/ prefix (how AWS scopes log delivery)."""
    found = []
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        keys = [k.lower() for block in statement.get("Condition", {}).values() for k in block]
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        scoped = any(k.startswith(SOURCE_KEYS) for k in keys) or (
            resources and all(f"/AWSLogs/{account}/" in r for r in resources)
        )
        if statement.get("Effect") == "Allow" and not scoped:
            found += [s for s in services if s not in exempt]
    return found


def test_every_service_trust_of_the_environment_names_the_source_account_or_arn(aws, prefix, account):
    roles = [r for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    assert roles
    found = {
        r["RoleName"]: unscoped(r["AssumeRolePolicyDocument"], account, exempt=("ec2.amazonaws.com",))
        for r in roles
    }
    assert not {name: services for name, services in found.items() if services}


@pytest.mark.parametrize("region", ["home", "us-east-1"])
def test_every_key_policy_of_the_environment_ties_services_to_this_account(
    aws, settings, prefix, account, region
):
    kms = aws("kms", region=settings["webcast_aws_region"] if region == "home" else region)
    ours = {
        a["TargetKeyId"]
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith(f"alias/{prefix}")
    }
    assert ours
    found = {
        key: unscoped(json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]), account)
        for key in ours
    }
    assert not {key: services for key, services in found.items() if services}


def test_every_bucket_policy_of_the_environment_ties_services_to_this_account(aws, prefix, account):
    s3 = aws("s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)]
    assert buckets
    found = {b: unscoped(json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]), account) for b in buckets}
    assert not {bucket: services for bucket, services in found.items() if services}
