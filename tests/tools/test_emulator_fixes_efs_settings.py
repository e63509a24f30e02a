"""EFS UpdateFileSystem and PutBackupPolicy, as moto answers without the fix and as AWS does with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from emulator_helpers import REGION, fix
from moto import mock_aws
from moto.efs.models import FileSystem
from moto.efs.responses import EFSResponse


def throughput_fix():
    return fix("efs_throughput_and_backup_policy").patch()


@pytest.fixture
def efs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("efs", region_name=REGION)


@pytest.fixture
def file_system_id(efs) -> str:
    return efs.create_file_system(CreationToken="media", Encrypted=True)["FileSystemId"]


def test_without_the_fix_neither_call_is_served(efs, file_system_id):
    with pytest.raises(NotImplementedError):
        efs.update_file_system(FileSystemId=file_system_id, ThroughputMode="elastic")
    with pytest.raises(NotImplementedError):
        efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "ENABLED"})


def test_with_the_fix_the_throughput_mode_changes(efs, file_system_id):
    with throughput_fix():
        answer = efs.update_file_system(FileSystemId=file_system_id, ThroughputMode="elastic")
        (described,) = efs.describe_file_systems(FileSystemId=file_system_id)["FileSystems"]
        provisioned = efs.update_file_system(
            FileSystemId=file_system_id, ThroughputMode="provisioned", ProvisionedThroughputInMibps=64.0
        )
    assert answer["ThroughputMode"] == described["ThroughputMode"] == "elastic"
    assert (provisioned["ThroughputMode"], provisioned["ProvisionedThroughputInMibps"]) == (
        "provisioned",
        64.0,
    )


def test_with_the_fix_provisioned_throughput_needs_an_amount(efs, file_system_id):
    with throughput_fix(), pytest.raises(efs.exceptions.BadRequest):
        efs.update_file_system(FileSystemId=file_system_id, ThroughputMode="provisioned")


def test_with_the_fix_backups_turn_on_and_off_and_are_reported(efs, file_system_id):
    with throughput_fix():
        with pytest.raises(efs.exceptions.PolicyNotFound):
            efs.describe_backup_policy(FileSystemId=file_system_id)
        efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "ENABLED"})
        enabled = efs.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"]
        efs.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": "DISABLED"})
        disabled = efs.describe_backup_policy(FileSystemId=file_system_id)["BackupPolicy"]
    assert (enabled, disabled) == ({"Status": "ENABLED"}, {"Status": "DISABLED"})


def test_with_the_fix_a_missing_file_system_is_not_found(efs):
    with throughput_fix(), pytest.raises(efs.exceptions.FileSystemNotFound):
        efs.update_file_system(FileSystemId="fs-00000000", ThroughputMode="elastic")


def test_the_efs_settings_fix_is_reversible():
    backup_policy = FileSystem.backup_policy
    with throughput_fix():
        assert hasattr(EFSResponse, "update_file_system")
    assert not hasattr(EFSResponse, "update_file_system")
    assert FileSystem.backup_policy is backup_policy
