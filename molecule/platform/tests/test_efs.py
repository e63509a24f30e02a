"""The shared file system, as AWS (the emulator) reports it after converge: the promises of aws_efs."""

from __future__ import annotations

import json

import pytest
from conftest import ENV


@pytest.fixture(scope="module")
def efs(aws):
    return aws("efs")


@pytest.fixture(scope="module")
def file_system(efs, settings):
    found = efs.describe_file_systems(CreationToken=f"{settings['webcast_project']}-{ENV}-efs")["FileSystems"]
    assert len(found) == 1, f"expected one file system for environment {ENV}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def file_system_id(file_system) -> str:
    return file_system["FileSystemId"]


@pytest.fixture(scope="module")
def policy(efs, file_system_id) -> dict:
    return json.loads(efs.describe_file_system_policy(FileSystemId=file_system_id)["Policy"])


@pytest.fixture(scope="module")
def access_point(efs, file_system_id, settings) -> dict:
    points = efs.describe_access_points(FileSystemId=file_system_id)["AccessPoints"]
    named = [p for p in points if p.get("Name") == f"{settings['webcast_project']}-{ENV}-media"]
    assert len(named) == 1, [p.get("Name") for p in points]
    return named[0]


def test_the_file_system_is_encrypted(file_system):
    assert file_system["Encrypted"] is True


def test_throughput_is_elastic_and_performance_general_purpose(file_system):
    found = (file_system["ThroughputMode"], file_system["PerformanceMode"])
    assert found == ("elastic", "generalPurpose")


def test_every_az_has_a_mount_target_in_its_app_subnet_behind_the_efs_group(
    aws, efs, file_system_id, env_filters, settings
):
    ec2 = aws("ec2")
    app_subnets = ec2.describe_subnets(Filters=[*env_filters, {"Name": "tag:Tier", "Values": ["app"]}])[
        "Subnets"
    ]
    targets = efs.describe_mount_targets(FileSystemId=file_system_id)["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted(s["SubnetId"] for s in app_subnets)
    assert len({t["AvailabilityZoneName"] for t in targets}) == len(targets), "two mount targets share an AZ"
    for target in targets:
        group_ids = efs.describe_mount_target_security_groups(MountTargetId=target["MountTargetId"])[
            "SecurityGroups"
        ]
        names = [g["GroupName"] for g in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]]
        assert names == [f"{settings['webcast_project']}-{ENV}-efs"], (target["SubnetId"], names)


def test_files_move_to_infrequent_access_after_30_days(efs, file_system_id):
    policies = efs.describe_lifecycle_configuration(FileSystemId=file_system_id)["LifecyclePolicies"]
    assert {"TransitionToIA": "AFTER_30_DAYS"} in policies, policies


def test_automatic_backups_are_on(efs, file_system_id):
    assert efs.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"]["Status"] == "ENABLED"


def test_the_media_access_point_enforces_its_user_and_root_directory(access_point):
    assert access_point["PosixUser"] == {"Uid": 2000, "Gid": 2000}
    assert access_point["RootDirectory"] == {
        "Path": "/media",
        "CreationInfo": {"OwnerUid": 2000, "OwnerGid": 2000, "Permissions": "0750"},
    }


def test_the_policy_refuses_every_client_without_tls(policy, file_system):
    denials = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(
        s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        and s["Action"] in ("*", ["*"])
        and s["Principal"] in ("*", {"AWS": "*"})
        and s["Resource"] == file_system["FileSystemArn"]
        for s in denials
    ), denials


def test_the_policy_allows_mount_and_write_only_through_the_access_point_or_from_the_account(
    policy, access_point, file_system
):
    account = file_system["FileSystemArn"].split(":")[4]
    allowed = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    for statement in allowed:
        condition = statement.get("Condition", {})
        through_access_point = (
            condition.get("StringEquals", {}).get("elasticfilesystem:AccessPointArn")
            == access_point["AccessPointArn"]
        )
        from_account = statement["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
        assert through_access_point or from_account, statement
        assert set(statement["Action"]) <= {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"}
    assert len(allowed) == 2, allowed
