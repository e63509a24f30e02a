"""The environment's secrets: who may read them (resource policies), and that Ansible still can."""

from __future__ import annotations

import json

import pytest
from conftest import ENV

# Each secret the platform creates, and whether the instances read it (bootstrap); the master
# password's is RDS's own (rds!db-...), named here by where it used to be.
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
    db = f"{settings['webcast_project']}-{ENV}-db"
    master = aws("rds").describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["MasterUserSecret"]
    for name in SECRETS:
        secret_id = f"/{settings['webcast_project']}/{ENV}/{name}"
        if name == "rds/master":
            secret_id = master["SecretArn"]
        answer = secretsmanager.get_resource_policy(SecretId=secret_id)
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


def test_the_instance_role_may_read_the_rds_master_secret_and_decrypt_it_through_secrets_manager(
    aws, settings, account
):
    db = f"{settings['webcast_project']}-{ENV}-db"
    master = aws("rds").describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["MasterUserSecret"]
    role = f"{settings['webcast_project']}-{ENV}-instance"
    document = aws("iam").get_role_policy(RoleName=role, PolicyName="environment-access")["PolicyDocument"]
    reads = next(s for s in document["Statement"] if s.get("Sid") == "ReadTheEnvironmentsSecrets")
    decrypts = next(
        s for s in document["Statement"] if s.get("Sid") == "DecryptParametersAndSecretsThroughTheirServices"
    )
    assert master["SecretArn"] in reads["Resource"], reads
    assert master["KmsKeyId"] in decrypts["Resource"], decrypts


def test_every_secret_rotates_or_is_exempt_by_a_recorded_decision(aws, settings):
    """SecretsManager.1 as the audit applies it: the exemptions are the inventory's, each with a reason."""
    exempt = {e["secret"]: e["reason"] for e in settings["webcast_audit_secret_rotation_exempt"]}
    db = f"{settings['webcast_project']}-{ENV}-db"
    master = aws("rds").describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["MasterUserSecret"]
    secretsmanager = aws("secretsmanager")
    for name in SECRETS:
        secret_id = (
            master["SecretArn"] if name == "rds/master" else f"/{settings['webcast_project']}/{ENV}/{name}"
        )
        secret = secretsmanager.describe_secret(SecretId=secret_id)
        assert secret.get("RotationEnabled") or exempt.get(name, "").strip(), (
            f"/{name} neither rotates nor is exempt"
        )
    assert "rds/master" not in exempt, "the RDS-managed master password rotates: it needs no exemption"
