"""The efs_restore module against moto in process, with the emulator's AWS Backup recovery API
(moto has none: tools/emulator/fixes_backup_recovery.py restores AWS's answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import efs_restore
from ansible_collections.webcast.platform.plugins.modules.efs_restore import newest_point, restore_metadata
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator.fixes import FIXES

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/webcast-test-backup-service"
VAULT = "webcast-test-backup"
Run = Callable[..., dict[str, Any]]


def test_the_newest_completed_point_is_chosen() -> None:
    points = [
        {"RecoveryPointArn": "old", "Status": "COMPLETED", "CreationDate": 1},
        {"RecoveryPointArn": "new", "Status": "COMPLETED", "CreationDate": 3},
        {"RecoveryPointArn": "running", "Status": "PARTIAL", "CreationDate": 4},
    ]

    assert newest_point(points)["RecoveryPointArn"] == "new"
    assert newest_point([]) is None


def test_the_restore_makes_a_new_file_system_named_by_its_creation_token() -> None:
    params = {
        "encrypted": True,
        "performance_mode": "generalPurpose",
        "name": "webcast-dr-efs",
        "kms_key_id": None,
    }
    point = {"ResourceArn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1"}

    assert restore_metadata(params, point) == {
        "newFileSystem": "true",
        "Encrypted": "true",
        "PerformanceMode": "generalPurpose",
        "CreationToken": "webcast-dr-efs",
        "file-system-id": "fs-1",
    }


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """A vault with two recovery points of one file system."""
    with next(f for f in FIXES if f.name == "backup_recovery_api").patch(), mock_aws():
        efs = boto3.client("efs", region_name=REGION)
        backup = boto3.client("backup", region_name=REGION)
        arn = efs.create_file_system(CreationToken="webcast-test-efs", Encrypted=True)["FileSystemArn"]
        backup.create_backup_vault(BackupVaultName=VAULT)
        points = [
            backup.start_backup_job(BackupVaultName=VAULT, ResourceArn=arn, IamRoleArn=ROLE)[
                "RecoveryPointArn"
            ]
            for _ in range(2)
        ]
        yield {"efs": efs, "points": points}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_restore(check_mode: bool = False, **args: Any) -> dict[str, Any]:
        args = {
            "backup_vault_name": VAULT,
            "name": "webcast-dr-efs",
            "iam_role_arn": ROLE,
            "region": REGION,
            **args,
        }
        return run_module(efs_restore, args, capsys, check_mode)

    return run_restore


def test_the_newest_point_is_restored_once_under_the_name(aws, run: Run) -> None:
    result = run(tags={"Environment": "dr"})

    assert result["changed"] and result["recovery_point_arn"] == aws["points"][-1], result
    restored = aws["efs"].describe_file_systems(CreationToken="webcast-dr-efs")["FileSystems"]
    assert [fs["FileSystemId"] for fs in restored] == [result["file_system_id"]]
    tags = {
        t["Key"]: t["Value"]
        for t in aws["efs"].list_tags_for_resource(ResourceId=result["file_system_id"])["Tags"]
    }
    assert tags == {"Name": "webcast-dr-efs", "Environment": "dr"}
    again = run()
    assert not again["changed"] and again["file_system_id"] == result["file_system_id"]


def test_check_mode_names_the_point_and_restores_nothing(aws, run: Run) -> None:
    result = run(check_mode=True)

    assert result["changed"] and result["recovery_point_arn"] == aws["points"][-1]
    assert aws["efs"].describe_file_systems(CreationToken="webcast-dr-efs")["FileSystems"] == []


def test_a_vault_without_efs_points_fails_saying_so(aws, run: Run) -> None:
    boto3.client("backup", region_name=REGION).create_backup_vault(BackupVaultName="empty")

    result = run(backup_vault_name="empty")

    assert result["failed"] and "No completed EFS recovery point in empty" in result["msg"]
