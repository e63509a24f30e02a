"""AWS Backup's recovery API: on-demand backup jobs, recovery points and EFS restores.

botocore's model (and so AWS) serves PUT /backup-jobs (StartBackupJob), GET
/resources/{arn}/recovery-points/ (ListRecoveryPointsByResource: an empty list for a resource with
none), GET /backup-vaults/{name}/recovery-points/, PUT /restore-jobs (StartRestoreJob) and GET
/restore-jobs/{id}; moto 5.2.5 has none of the routes (its server answers 404). playbooks/recover.yml
restores the file system from its latest recovery point through them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from emulator_helpers import REGION, fix, free_port
from moto.server import ThreadedMotoServer

ROLE = "arn:aws:iam::123456789012:role/backup"


@pytest.fixture
def endpoint() -> Iterator[str]:
    """moto's own server in a thread of this process, with the fix started before its first request."""
    with fix("backup_recovery_api").patch():
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{port}"
        server.stop()


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def vault(endpoint) -> str:
    """A vault of this test's own: moto's backends outlive a test in the server's process."""
    name = f"vault-{uuid.uuid4().hex[:8]}"
    client("backup", endpoint).create_backup_vault(BackupVaultName=name)
    return name


@pytest.fixture
def file_system_arn(endpoint) -> str:
    token = f"media-{uuid.uuid4().hex[:8]}"
    return client("efs", endpoint).create_file_system(CreationToken=token, Encrypted=True)["FileSystemArn"]


def test_without_the_fix_moto_has_no_recovery_point_route() -> None:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        backup = client("backup", f"http://127.0.0.1:{port}")
        with pytest.raises(botocore.exceptions.ClientError) as error:
            backup.list_recovery_points_by_resource(
                ResourceArn="arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1"
            )
        assert error.value.response["Error"]["Code"] == "404"
    finally:
        server.stop()


def test_a_resource_without_recovery_points_lists_none(endpoint, file_system_arn) -> None:
    points = client("backup", endpoint).list_recovery_points_by_resource(ResourceArn=file_system_arn)
    assert points["RecoveryPoints"] == []


def test_on_demand_backups_leave_completed_recovery_points_newest_first(
    endpoint, vault, file_system_arn
) -> None:
    backup = client("backup", endpoint)
    first = backup.start_backup_job(BackupVaultName=vault, ResourceArn=file_system_arn, IamRoleArn=ROLE)
    second = backup.start_backup_job(BackupVaultName=vault, ResourceArn=file_system_arn, IamRoleArn=ROLE)
    assert backup.describe_backup_job(BackupJobId=first["BackupJobId"])["State"] == "COMPLETED"
    points = backup.list_recovery_points_by_resource(ResourceArn=file_system_arn)["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in points] == [second["RecoveryPointArn"], first["RecoveryPointArn"]]
    assert {p["Status"] for p in points} == {"COMPLETED"}
    in_vault = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    assert {p["ResourceArn"] for p in in_vault} == {file_system_arn}
    described = backup.describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=first["RecoveryPointArn"]
    )
    assert described["ResourceArn"] == file_system_arn
    by_type = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault, ByResourceType="RDS")
    assert by_type["RecoveryPoints"] == []


def test_a_backup_into_an_unknown_vault_is_resource_not_found(endpoint, file_system_arn) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        client("backup", endpoint).start_backup_job(
            BackupVaultName="nowhere", ResourceArn=file_system_arn, IamRoleArn=ROLE
        )
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_efs_recovery_point_restores_to_a_new_encrypted_file_system(
    endpoint, vault, file_system_arn
) -> None:
    backup = client("backup", endpoint)
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=file_system_arn, IamRoleArn=ROLE)
    job = backup.start_restore_job(
        RecoveryPointArn=point["RecoveryPointArn"],
        IamRoleArn=ROLE,
        ResourceType="EFS",
        Metadata={"newFileSystem": "true", "Encrypted": "true", "CreationToken": "restored"},
    )
    restored = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
    assert restored["Status"] == "COMPLETED"
    created = restored["CreatedResourceArn"]
    systems = client("efs", endpoint).describe_file_systems()["FileSystems"]
    assert created in [fs["FileSystemArn"] for fs in systems] and created != file_system_arn
    assert next(fs for fs in systems if fs["FileSystemArn"] == created)["Encrypted"] is True


def test_an_unknown_recovery_point_is_resource_not_found(endpoint) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        client("backup", endpoint).start_restore_job(
            RecoveryPointArn=f"arn:aws:backup:{REGION}:123456789012:recovery-point:none",
            IamRoleArn=ROLE,
            Metadata={"newFileSystem": "true"},
        )
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
