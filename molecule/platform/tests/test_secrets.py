"""The environment's secrets: who may read them (resource policies), and that Ansible still can."""

from __future__ import annotations

import json

import pytest
from conftest import ENV

# Each secret the platform creates, and whether the instances read it (bootstrap).
SECRETS = {
    "rds/master": True,
    "redis/auth-token": True,
    "smtp/credentials": True,
    "alb/origin-secret": False,
}


@pytest.fixture(scope="module")
def account(aws) -> str:
    return aws("sts").get_caller_identity()["Account"]


@pytest.fixture(scope="module")
def policies(aws, settings) -> dict[str, dict]:
    secretsmanager = aws("secretsmanager")
    found = {}
    for name in SECRETS:
        answer = secretsmanager.get_resource_policy(SecretId=f"/{settings['webcast_project']}/{ENV}/{name}")
        found[name] = json.loads(answer.get("ResourcePolicy") or "{}")
    return found


def denied_unless(policy: dict, action: str) -> list[str]:
    """The principal ARNs a Deny of `action` to everyone spares, or [] when there is no such Deny."""
    for statement in policy.get("Statement", []):
        if statement["Effect"] == "Deny" and statement["Principal"] == "*" and action in statement["Action"]:
            return statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    return []


@pytest.mark.parametrize("name", SECRETS)
def test_every_secret_denies_reading_to_all_but_named_principals(policies, name):
    spared = denied_unless(policies[name], "secretsmanager:GetSecretValue")
    assert spared, f"/{name}: no Deny of GetSecretValue to everyone in {policies[name]}"


@pytest.mark.parametrize("name", SECRETS)
def test_only_the_instance_role_reads_a_secret_the_instances_need(policies, settings, account, name):
    instance = f"arn:aws:iam::{account}:role/{settings['webcast_project']}-{ENV}-instance"
    spared = denied_unless(policies[name], "secretsmanager:GetSecretValue")
    assert (instance in spared) is SECRETS[name], f"/{name} spares {spared}"
    readers = [arn for arn in spared if ":role/" in arn and arn.endswith("-instance")]
    assert readers == ([instance] if SECRETS[name] else []), f"/{name}: instance readers {readers}"


@pytest.mark.parametrize("name", SECRETS)
def test_the_instance_role_may_not_change_a_secret(policies, settings, account, name):
    instance = f"arn:aws:iam::{account}:role/{settings['webcast_project']}-{ENV}-instance"
    spared = denied_unless(policies[name], "secretsmanager:PutSecretValue")
    assert spared and instance not in spared, f"/{name}: PutSecretValue spares {spared}"


@pytest.mark.parametrize("name", SECRETS)
def test_the_principal_running_ansible_and_the_root_are_never_locked_out(aws, policies, account, name):
    caller = aws("sts").get_caller_identity()["Arn"]
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutResourcePolicy"):
        spared = denied_unless(policies[name], action)
        assert {caller, f"arn:aws:iam::{account}:root"} <= set(spared), f"/{name} {action} spares {spared}"


def test_the_instance_role_may_read_every_secret_the_instances_need(aws, settings, account):
    """The resource policies only take away: the instance role's own policy still grants the read."""
    iam = aws("iam")
    role = f"{settings['webcast_project']}-{ENV}-instance"
    document = iam.get_role_policy(RoleName=role, PolicyName="environment-access")["PolicyDocument"]
    statement = next(s for s in document["Statement"] if s.get("Sid") == "ReadTheEnvironmentsSecrets")
    region = settings["webcast_aws_region"]
    path = f"arn:aws:secretsmanager:{region}:{account}:secret:/{settings['webcast_project']}/{ENV}/*"
    assert path in statement["Resource"], statement
