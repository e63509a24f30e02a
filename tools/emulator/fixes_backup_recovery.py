"""AWS Backup: on-demand backups, recovery points and EFS restores, which moto lacks."""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock
from urllib.parse import unquote

from tools.emulator.fixes import Fix, _Together

# Resource types as AWS Backup names them, by the service part of the resource's ARN.
_RESOURCE_TYPES = {"elasticfilesystem": "EFS", "rds": "RDS", "dynamodb": "DynamoDB", "ec2": "EC2"}


def _store(response: Any) -> dict[str, dict[str, Any]]:
    """Backup jobs, recovery points and restore jobs of the region, kept on moto's backup backend."""
    backend = response.backup_backend
    return backend.__dict__.setdefault(
        "_webcast_backup_recovery", {"backup_jobs": {}, "recovery_points": {}, "restore_jobs": {}}
    )


def _not_found(message: str) -> Exception:
    from moto.backup.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(msg=message)


def _invalid(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidParameterValueException", message)


def _start_backup_job(self: Any) -> str:
    """PUT /backup-jobs: a completed recovery point of the resource in the vault, at once.

    AWS takes minutes to hours and answers CREATED first; the emulator completes the job in the
    call, which is what a poller that waits for COMPLETED then sees on its first look.
    """
    from moto.core.utils import unix_time

    params = json.loads(self.body)
    vault = self.backup_backend.vaults.get(params["BackupVaultName"])
    if vault is None:
        raise _not_found(f"Backup vault {params['BackupVaultName']} does not exist")
    resource_arn = params["ResourceArn"]
    service = resource_arn.split(":")[2]
    if service not in _RESOURCE_TYPES:
        raise _invalid(f"Invalid resource ARN {resource_arn}")
    backend = self.backup_backend
    now = unix_time()
    point_arn = f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:{uuid.uuid4()}"
    job_id = str(uuid.uuid4()).upper()
    point = {
        "RecoveryPointArn": point_arn,
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn,
        "ResourceType": _RESOURCE_TYPES[service],
        "IamRoleArn": params["IamRoleArn"],
        "Status": "COMPLETED",
        "CreationDate": now,
        "CompletionDate": now,
        "EncryptionKeyArn": vault.encryption_key_arn or "",
        "IsEncrypted": True,
        "BackupSizeInBytes": 0,
    }
    job = {
        "BackupJobId": job_id,
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "RecoveryPointArn": point_arn,
        "ResourceArn": resource_arn,
        "ResourceType": point["ResourceType"],
        "IamRoleArn": params["IamRoleArn"],
        "State": "COMPLETED",
        "CreationDate": now,
        "CompletionDate": now,
        "PercentDone": "100.0",
    }
    store = _store(self)
    store["recovery_points"][point_arn] = point
    store["backup_jobs"][job_id] = job
    return json.dumps({"BackupJobId": job_id, "RecoveryPointArn": point_arn, "CreationDate": now})


def _describe_backup_job(self: Any) -> str:
    """GET /backup-jobs/{backupJobId}."""
    job_id = unquote(self.path.rstrip("/").split("/")[-1])
    job = _store(self)["backup_jobs"].get(job_id)
    if job is None:
        raise _not_found(f"Backup job {job_id} does not exist")
    return json.dumps(job)


def _listed(point: dict[str, Any]) -> dict[str, Any]:
    keys = ("RecoveryPointArn", "CreationDate", "Status", "EncryptionKeyArn", "BackupVaultName")
    listed = {k: point[k] for k in keys if k in point}
    listed["BackupSizeBytes"] = point["BackupSizeInBytes"]
    listed["ResourceType"] = point["ResourceType"]
    listed["IsParent"] = False
    return listed


def _list_recovery_points_by_resource(self: Any) -> str:
    """GET /resources/{resourceArn}/recovery-points/: the resource's points, newest first; [] if none."""
    path = unquote(self.path)
    resource_arn = path[path.index("/resources/") + len("/resources/") : path.rindex("/recovery-points")]
    points = [p for p in _store(self)["recovery_points"].values() if p["ResourceArn"] == resource_arn]
    points.sort(key=lambda p: p["CreationDate"], reverse=True)
    return json.dumps({"RecoveryPoints": [_listed(p) for p in points]})


def _list_recovery_points_by_backup_vault(self: Any) -> str:
    """GET /backup-vaults/{backupVaultName}/recovery-points/: the vault's points, newest first,
    narrowed by ?resourceType= and ?resourceArn= (ByResourceType, ByResourceArn) when given."""
    parts = unquote(self.path).rstrip("/").split("/")
    name = parts[parts.index("backup-vaults") + 1]
    vault = self.backup_backend.vaults.get(name)
    if vault is None:
        raise _not_found(f"Backup vault {name} does not exist")
    points = [p for p in _store(self)["recovery_points"].values() if p["BackupVaultName"] == name]
    for field, query in (("ResourceType", "resourceType"), ("ResourceArn", "resourceArn")):
        wanted = self.querystring.get(query, [None])[0]
        points = [p for p in points if wanted is None or p[field] == wanted]
    points.sort(key=lambda p: p["CreationDate"], reverse=True)
    return json.dumps({"RecoveryPoints": [{**p, "IsParent": False} for p in points]})


def _describe_recovery_point(self: Any) -> str:
    """GET /backup-vaults/{backupVaultName}/recovery-points/{recoveryPointArn}."""
    path = unquote(self.path)
    point_arn = path[path.index("/recovery-points/") + len("/recovery-points/") :].rstrip("/")
    point = _store(self)["recovery_points"].get(point_arn)
    if point is None:
        raise _not_found(f"Recovery point {point_arn} does not exist")
    return json.dumps(point)


def _start_restore_job(self: Any) -> str:
    """PUT /restore-jobs: an EFS recovery point restored to a new file system (newFileSystem=true).

    Only what the platform restores is emulated: EFS to a new, empty file system with the
    metadata's encryption and performance mode (the data itself is not emulated). Another
    resource type answers InvalidParameterValueException, naming it.
    """
    from moto.core.utils import unix_time
    from moto.efs.models import efs_backends

    params = json.loads(self.body)
    point = _store(self)["recovery_points"].get(params["RecoveryPointArn"])
    if point is None:
        raise _not_found(f"Recovery point {params['RecoveryPointArn']} does not exist")
    if point["ResourceType"] != "EFS":
        raise _invalid(f"the emulator restores EFS recovery points only, not {point['ResourceType']}")
    metadata = params.get("Metadata") or {}
    if metadata.get("newFileSystem", "false").lower() != "true":
        raise _invalid("the emulator restores to a new file system only (Metadata newFileSystem=true)")
    backend = self.backup_backend
    efs = efs_backends[backend.account_id][backend.region_name]
    file_system = efs.create_file_system(
        creation_token=metadata.get("CreationToken") or str(uuid.uuid4()),
        performance_mode=metadata.get("PerformanceMode", "generalPurpose"),
        encrypted=metadata.get("Encrypted", "false").lower() == "true",
        kms_key_id=metadata.get("KmsKeyId", ""),
        throughput_mode="bursting",
        provisioned_throughput_in_mibps=0,
        availability_zone_name="",
        backup=False,
        tags=[],
    )
    now = unix_time()
    job_id = str(uuid.uuid4()).upper()
    _store(self)["restore_jobs"][job_id] = {
        "RestoreJobId": job_id,
        "RecoveryPointArn": point["RecoveryPointArn"],
        "IamRoleArn": params["IamRoleArn"],
        "Status": "COMPLETED",
        "CreationDate": now,
        "CompletionDate": now,
        "PercentDone": "100.0",
        "CreatedResourceArn": file_system.file_system_arn,
        "ResourceType": "EFS",
    }
    return json.dumps({"RestoreJobId": job_id})


def _describe_restore_job(self: Any) -> str:
    """GET /restore-jobs/{restoreJobId}."""
    job_id = unquote(self.path.rstrip("/").split("/")[-1])
    job = _store(self)["restore_jobs"].get(job_id)
    if job is None:
        raise _not_found(f"Restore job {job_id} does not exist")
    return json.dumps(job)


def _recovery_api() -> AbstractContextManager:
    """AWS Backup serves StartBackupJob, DescribeBackupJob, ListRecoveryPointsByResource,
    ListRecoveryPointsByBackupVault, DescribeRecoveryPoint, StartRestoreJob and DescribeRestoreJob.

    moto 5.2 has none of them (no routes: its server answers 404), so an on-demand backup, the
    latest recovery point of a file system and a restore cannot be asked for. The routes are added to
    moto.backup.urls.url_paths (read when the server builds its URL map, so apply_all() must start
    this first, as it does), the handlers keep jobs and points on moto's backup backend of the region,
    and a restore of an EFS recovery point makes a new file system in moto's EFS backend. A resource
    without recovery points lists none (200, empty), as AWS does; an unknown vault, point or job
    answers ResourceNotFoundException.
    """
    from moto.backup import urls
    from moto.backup.responses import BackupResponse

    return _Together(
        mock.patch.dict(
            urls.url_paths,
            {
                "{0}/backup-jobs$": BackupResponse.dispatch,
                "{0}/backup-jobs/(?P<job>[^/]+)$": BackupResponse.dispatch,
                "{0}/resources/(?P<resource_arn>.+)/recovery-points/$": BackupResponse.dispatch,
                "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$": BackupResponse.dispatch,
                "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$": BackupResponse.dispatch,
                "{0}/restore-jobs$": BackupResponse.dispatch,
                "{0}/restore-jobs/(?P<job>[^/]+)$": BackupResponse.dispatch,
            },
        ),
        mock.patch.multiple(
            BackupResponse,
            create=True,
            start_backup_job=_start_backup_job,
            describe_backup_job=_describe_backup_job,
            list_recovery_points_by_resource=_list_recovery_points_by_resource,
            list_recovery_points_by_backup_vault=_list_recovery_points_by_backup_vault,
            describe_recovery_point=_describe_recovery_point,
            start_restore_job=_start_restore_job,
            describe_restore_job=_describe_restore_job,
        ),
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="backup_recovery_api",
        aws_behaviour="Backup serves on-demand backup jobs, recovery points and EFS restores",
        patch=_recovery_api,
    ),
)
