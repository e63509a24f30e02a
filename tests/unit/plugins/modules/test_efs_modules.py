"""The efs_access_point and efs_file_system_settings modules against moto in process.

moto lacks UpdateFileSystem and PutBackupPolicy; the emulator's fix for them
(tools/emulator/fixes_efs.py) is started around these tests, as the emulator starts it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import efs_access_point, efs_file_system_settings
from ansible_collections.webcast.platform.plugins.modules.efs_file_system_settings import changed_settings
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator import fixes

REGION = "eu-west-1"
MEDIA = {
    "name": "webcast-test-media",
    "posix_user": {"uid": 2000, "gid": 2000},
    "root_directory": {
        "path": "/media",
        "creation_info": {"owner_uid": 2000, "owner_gid": 2000, "permissions": "0750"},
    },
    "tags": {"Component": "efs"},
}

Run = Callable[..., dict[str, Any]]


def tls_only(arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


# --- pure functions --------------------------------------------------------------------------

CURRENT = {
    "throughput_mode": "bursting",
    "provisioned_throughput_mibps": None,
    "backup": False,
    "policy": None,
}


def test_unset_settings_are_left_alone() -> None:
    assert changed_settings(CURRENT, {"throughput_mode": None, "backup": None, "policy": None}) == []


def test_each_differing_setting_is_listed_in_a_fixed_order() -> None:
    wanted = {"throughput_mode": "elastic", "backup": True, "policy": json.dumps(tls_only("arn:fs"))}
    assert changed_settings(CURRENT, wanted) == ["throughput_mode", "backup", "policy"]


def test_a_policy_with_its_statements_reordered_is_the_same_policy() -> None:
    policy = tls_only("arn:fs")
    current = {**CURRENT, "policy": policy}
    assert changed_settings(current, {"policy": json.dumps(policy, sort_keys=True)}) == []


# --- the modules against moto ----------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws(), next(f for f in fixes.FIXES if f.name == "efs_throughput_and_backup_policy").patch():
        client = boto3.client("efs", region_name=REGION)
        created = client.create_file_system(CreationToken="webcast-test-efs", Encrypted=True)
        yield {"efs": client, "id": created["FileSystemId"], "arn": created["FileSystemArn"]}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_in_process(module: Any, args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        return run_module(module, {"region": REGION, **args}, capsys, check_mode)

    return run_in_process


def access_points(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return aws["efs"].describe_access_points(FileSystemId=aws["id"])["AccessPoints"]


def test_an_access_point_is_created_once_with_its_user_root_and_name(aws, run: Run) -> None:
    first = run(efs_access_point, {"file_system_id": aws["id"], **MEDIA})
    second = run(efs_access_point, {"file_system_id": aws["id"], **MEDIA})

    assert (first["changed"], second["changed"]) == (True, False)
    (created,) = access_points(aws)
    assert created["PosixUser"] == {"Uid": 2000, "Gid": 2000}
    assert created["RootDirectory"]["CreationInfo"]["Permissions"] == "0750"
    assert {t["Key"]: t["Value"] for t in created["Tags"]} == {
        "Name": "webcast-test-media",
        "Component": "efs",
    }
    assert second["access_point"]["access_point_id"] == created["AccessPointId"]


def test_check_mode_reports_a_new_access_point_and_creates_none(aws, run: Run) -> None:
    result = run(efs_access_point, {"file_system_id": aws["id"], **MEDIA}, check_mode=True)

    assert result["changed"] is True
    assert access_points(aws) == []


def test_a_changed_user_fails_naming_it_and_keeps_the_access_point(aws, run: Run) -> None:
    run(efs_access_point, {"file_system_id": aws["id"], **MEDIA})

    result = run(efs_access_point, {"file_system_id": aws["id"], **MEDIA, "posix_user": {"uid": 0, "gid": 0}})

    assert result["failed"] is True
    assert "posix_user is" in result["msg"] and "cannot be changed" in result["msg"]
    assert len(access_points(aws)) == 1


def test_absent_deletes_the_access_point(aws, run: Run) -> None:
    run(efs_access_point, {"file_system_id": aws["id"], **MEDIA})

    result = run(efs_access_point, {"file_system_id": aws["id"], "name": MEDIA["name"], "state": "absent"})

    assert result["changed"] is True
    assert access_points(aws) == []


def test_settings_are_applied_once_then_left_alone(aws, run: Run) -> None:
    args = {
        "file_system_id": aws["id"],
        "throughput_mode": "elastic",
        "backup": True,
        "policy": tls_only(aws["arn"]),
    }

    first = run(efs_file_system_settings, args)
    second = run(efs_file_system_settings, args)

    assert first["modified"] == ["throughput_mode", "backup", "policy"]
    assert second["changed"] is False, second["modified"]
    client = aws["efs"]
    assert (
        client.describe_file_systems(FileSystemId=aws["id"])["FileSystems"][0]["ThroughputMode"] == "elastic"
    )
    assert client.describe_backup_policy(FileSystemId=aws["id"])["BackupPolicy"]["Status"] == "ENABLED"
    assert json.loads(client.describe_file_system_policy(FileSystemId=aws["id"])["Policy"]) == tls_only(
        aws["arn"]
    )


def test_check_mode_reports_the_settings_and_changes_none(aws, run: Run) -> None:
    result = run(
        efs_file_system_settings,
        {"file_system_id": aws["id"], "throughput_mode": "elastic", "backup": True},
        True,
    )

    assert result["changed"] is True
    assert result["diff"]["after"]["throughput_mode"] == "elastic"
    assert (
        aws["efs"].describe_file_systems(FileSystemId=aws["id"])["FileSystems"][0]["ThroughputMode"]
        == "bursting"
    )


def test_provisioned_throughput_without_an_amount_fails_naming_it(aws, run: Run) -> None:
    result = run(efs_file_system_settings, {"file_system_id": aws["id"], "throughput_mode": "provisioned"})

    assert result["failed"] is True
    assert "provisioned_throughput_mibps" in result["msg"]
