"""The rds_master_user_secret module: its pure functions, and the module end to end against moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import rds_master_user_secret
from ansible_collections.webcast.platform.plugins.modules.rds_master_user_secret import (
    missing_tags,
    needs_rotation_schedule,
    policy_differs,
    state_of,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
DB = "webcast-test-db"
PASSWORD = "created-with-this-password"

Run = Callable[..., dict[str, Any]]


# --- pure functions --------------------------------------------------------------------------


def test_an_instance_without_a_managed_secret_is_reported_unmanaged_and_unrotated() -> None:
    assert state_of({"DBInstanceIdentifier": DB}, None) == {
        "manage_master_user_password": False,
        "secret_arn": "",
        "kms_key_id": "",
        "rotation_enabled": False,
        "rotation_days": 0,
        "tags": {},
    }


def test_rotation_days_count_only_when_rotation_is_on() -> None:
    secret = {"RotationEnabled": False, "RotationRules": {"AutomaticallyAfterDays": 7}}

    assert state_of({}, secret)["rotation_days"] == 0


def test_a_schedule_is_needed_when_rotation_is_off_or_its_interval_differs() -> None:
    assert needs_rotation_schedule({"rotation_enabled": False, "rotation_days": 0}, 7)
    assert needs_rotation_schedule({"rotation_enabled": True, "rotation_days": 30}, 7)
    assert not needs_rotation_schedule({"rotation_enabled": True, "rotation_days": 7}, 7)


def test_only_the_tags_the_secret_lacks_or_holds_otherwise_are_added() -> None:
    existing = {"aws:rds:primaryDBInstanceArn": "arn", "Project": "webcast", "Environment": "old"}

    assert missing_tags(existing, {"Project": "webcast", "Environment": "test"}) == {"Environment": "test"}
    assert missing_tags(existing, None) == {}


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OnlyTheInstanceRoleReads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/reader"]}},
        }
    ],
}


def test_a_policy_differs_when_the_secret_has_none_or_another_and_never_when_none_is_wanted() -> None:
    assert policy_differs(None, POLICY)
    assert policy_differs(json.dumps({**POLICY, "Statement": []}), POLICY)
    assert not policy_differs(json.dumps(POLICY, indent=2), POLICY)
    assert not policy_differs(json.dumps(POLICY), None)


# --- the module against moto -----------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """A moto account with a MySQL instance created with a password of its own, and a KMS key."""
    with mock_aws():
        rds = boto3.client("rds", region_name=REGION)
        rds.create_db_instance(
            DBInstanceIdentifier=DB,
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="webcast_admin",
            MasterUserPassword=PASSWORD,
        )
        kms = boto3.client("kms", region_name=REGION)
        key_arn = kms.create_key(Description="the master secret's key")["KeyMetadata"]["Arn"]
        yield {
            "rds": rds,
            "secretsmanager": boto3.client("secretsmanager", region_name=REGION),
            "key_arn": key_arn,
            "kms": kms,
        }


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_rds_master_user_secret(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        return run_module(rds_master_user_secret, {"region": REGION, **args}, capsys, check_mode)

    return run_rds_master_user_secret


@pytest.fixture
def args(aws: dict[str, Any]) -> dict[str, Any]:
    return {
        "db_instance_identifier": DB,
        "kms_key_id": aws["key_arn"],
        "rotation_days": 7,
        "tags": {"Project": "webcast", "Environment": "test"},
    }


def master_secret(aws: dict[str, Any]) -> dict[str, Any]:
    return (
        aws["rds"]
        .describe_db_instances(DBInstanceIdentifier=DB)["DBInstances"][0]
        .get("MasterUserSecret", {})
    )


def test_an_instance_with_its_own_password_switches_to_a_secret_rds_owns(aws, run, args) -> None:
    result = run(args)

    assert result["changed"], result
    managed = master_secret(aws)
    assert result["secret_arn"] == managed["SecretArn"], (result, managed)
    secret = aws["secretsmanager"].describe_secret(SecretId=result["secret_arn"])
    assert secret.get("OwningService") == "rds", secret
    assert secret["Name"].startswith("rds!db-"), secret["Name"]
    value = json.loads(aws["secretsmanager"].get_secret_value(SecretId=result["secret_arn"])["SecretString"])
    assert sorted(value) == ["password", "username"], sorted(value)
    assert value["password"] != PASSWORD


def test_the_secret_is_encrypted_with_the_given_key(aws, run, args) -> None:
    result = run(args)

    assert result["kms_key_id"] == aws["key_arn"], result
    assert master_secret(aws)["KmsKeyId"] == aws["key_arn"]


def test_a_key_given_by_alias_is_compared_by_its_arn(aws, run, args) -> None:
    aws["kms"].create_alias(AliasName="alias/webcast-test-db-secret", TargetKeyId=aws["key_arn"])
    run(args)

    again = run({**args, "kms_key_id": "alias/webcast-test-db-secret"})

    assert not again["changed"], again["diff"]


def test_the_secret_rotates_on_the_given_schedule_without_being_rotated_now(aws, run, args) -> None:
    result = run({**args, "rotation_days": 14})

    secret = aws["secretsmanager"].describe_secret(SecretId=result["secret_arn"])
    assert secret.get("RotationEnabled") is True, secret
    assert secret["RotationRules"]["AutomaticallyAfterDays"] == 14, secret["RotationRules"]
    assert (result["rotation_enabled"], result["rotation_days"]) == (True, 14), result


def test_the_secret_carries_the_given_tags_and_keeps_those_rds_set(aws, run, args) -> None:
    result = run(args)

    tags = {
        t["Key"]: t["Value"]
        for t in aws["secretsmanager"].describe_secret(SecretId=result["secret_arn"])["Tags"]
    }
    assert tags["Project"] == "webcast" and tags["Environment"] == "test", tags
    assert any(key.startswith("aws:") for key in tags), tags


def test_a_second_run_changes_nothing_and_keeps_the_password(aws, run, args) -> None:
    first = run(args)
    password = aws["secretsmanager"].get_secret_value(SecretId=first["secret_arn"])["SecretString"]

    second = run(args)

    assert not second["changed"], second["diff"]
    assert second["secret_arn"] == first["secret_arn"]
    assert aws["secretsmanager"].get_secret_value(SecretId=first["secret_arn"])["SecretString"] == password


def test_a_new_interval_changes_only_the_schedule(aws, run, args) -> None:
    first = run(args)

    second = run({**args, "rotation_days": 30})

    assert second["changed"] and second["secret_arn"] == first["secret_arn"], second
    assert second["diff"]["before"]["rotation_days"] == 7 and second["diff"]["after"]["rotation_days"] == 30


def test_check_mode_reports_the_switch_and_leaves_the_instance_alone(aws, run, args) -> None:
    result = run(args, check_mode=True)

    assert result["changed"], result
    assert result["diff"]["after"]["manage_master_user_password"] is True
    assert master_secret(aws) == {}


def test_check_mode_on_a_managed_instance_reports_no_change(aws, run, args) -> None:
    run(args)

    result = run(args, check_mode=True)

    assert not result["changed"], result["diff"]


def test_check_mode_reports_a_change_for_an_instance_not_yet_created(aws, run, args) -> None:
    result = run({**args, "db_instance_identifier": "webcast-test-new"}, check_mode=True)

    assert result["changed"] and result["secret_arn"] == "", result


def test_a_missing_instance_fails_naming_it(aws, run, args) -> None:
    result = run({**args, "db_instance_identifier": "webcast-test-new"})

    assert result["failed"] and "webcast-test-new" in result["msg"], result


def test_a_rotation_interval_outside_what_secrets_manager_allows_fails(aws, run, args) -> None:
    result = run({**args, "rotation_days": 0})

    assert result["failed"] and "rotation_days is 0" in result["msg"], result


def test_the_resource_policy_is_attached_once(aws, run, args) -> None:
    first = run({**args, "resource_policy": POLICY})
    attached = aws["secretsmanager"].get_resource_policy(SecretId=first["secret_arn"])["ResourcePolicy"]

    second = run({**args, "resource_policy": POLICY})

    assert first["resource_policy_changed"] and json.loads(attached) == POLICY, attached
    assert not second["changed"] and not second["resource_policy_changed"], second["diff"]


def test_check_mode_reports_a_resource_policy_to_replace(aws, run, args) -> None:
    run(args)

    result = run({**args, "resource_policy": POLICY}, check_mode=True)

    assert result["changed"] and result["resource_policy_changed"], result
