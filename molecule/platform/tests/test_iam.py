"""The instance role, as AWS (the emulator) reports it after converge: the promises of aws_iam."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from conftest import ENV, env_tags


@pytest.fixture(scope="module")
def iam(aws):
    return aws("iam")


@pytest.fixture(scope="module")
def name(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-instance"


@pytest.fixture(scope="module")
def role(iam, name) -> dict:
    return iam.get_role(RoleName=name)["Role"]


def document(value) -> dict:
    return value if isinstance(value, dict) else json.loads(unquote(value))


def test_only_ec2_may_assume_the_instance_role(role):
    trust = document(role["AssumeRolePolicyDocument"])
    principals = [s["Principal"] for s in trust["Statement"] if s["Effect"] == "Allow"]
    assert principals == [{"Service": "ec2.amazonaws.com"}]


def test_the_role_has_exactly_session_manager_and_the_cloudwatch_agent_as_managed_policies(iam, name):
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]


def test_the_inline_policy_reaches_only_the_environment_s_own_resources(iam, name, settings, aws):
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["environment-access"]
    policy = document(iam.get_role_policy(RoleName=name, PolicyName="environment-access")["PolicyDocument"])
    path = f"/{settings['webcast_project']}/{ENV}"
    account = aws("sts").get_caller_identity()["Account"]
    # The database's master password is in RDS's own secret (rds!db-<uuid>), named by the instance.
    (database,) = aws("rds").describe_db_instances(
        DBInstanceIdentifier=f"{settings['webcast_project']}-{ENV}-db"
    )["DBInstances"]
    for statement in policy["Statement"]:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "*" not in resources and "*" not in actions, statement
        for resource in resources:
            assert (
                f":{path}" in resource
                or f"parameter{path}" in resource
                or f"-{ENV}-media-{account}" in resource
                or resource == database["MasterUserSecret"]["SecretArn"]
                or resource.startswith(f"arn:aws:kms:{settings['webcast_aws_region']}:{account}:key/")
            ), f"{statement['Sid']} reaches {resource}"


def test_the_media_key_statement_names_the_buckets_key(iam, name, aws, settings):
    policy = document(iam.get_role_policy(RoleName=name, PolicyName="environment-access")["PolicyDocument"])
    statement = {s["Sid"]: s for s in policy["Statement"]}["UseTheMediaBucketKeyThroughS3"]
    alias = f"alias/{settings['webcast_project']}-{ENV}-s3"
    key_id = {a["AliasName"]: a for a in aws("kms").list_aliases()["Aliases"]}[alias]["TargetKeyId"]
    assert statement["Resource"] == aws("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


def test_the_instance_profile_holds_the_instance_role_only(iam, name, role):
    profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert [r["Arn"] for r in profile["Roles"]] == [role["Arn"]]


def test_the_role_carries_the_environment_s_tags(iam, name, settings):
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    assert tags == env_tags(settings, name, "instance")
