"""EFS: the throughput mode and backup policy calls AWS serves and moto lacks."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix

_THROUGHPUT_MODES = ("bursting", "provisioned", "elastic")


def _file_system(response: Any) -> Any:
    from moto.efs.exceptions import FileSystemNotFound

    file_system_id = response._get_param("FileSystemId")
    if file_system_id not in response.efs_backend.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    return response.efs_backend.file_systems_by_id[file_system_id]


def _update_file_system(self: Any) -> tuple[str, dict[str, Any]]:
    """PUT /2015-02-01/file-systems/{FileSystemId}: 202 and the file system's description."""
    from moto.efs.exceptions import BadRequest

    file_system = _file_system(self)
    mode = self._get_param("ThroughputMode")
    if mode is not None:
        if mode not in _THROUGHPUT_MODES:
            raise BadRequest(f"ThroughputMode {mode} is not one of {', '.join(_THROUGHPUT_MODES)}.")
        provisioned = self._get_param("ProvisionedThroughputInMibps")
        if (
            mode == "provisioned"
            and provisioned is None
            and file_system.provisioned_throughput_in_mibps is None
        ):
            raise BadRequest("ProvisionedThroughputInMibps is required with ThroughputMode provisioned.")
        file_system.throughput_mode = mode
        file_system.provisioned_throughput_in_mibps = (
            (provisioned or file_system.provisioned_throughput_in_mibps) if mode == "provisioned" else None
        )
    return json.dumps(file_system.info_json()), {"status": 202, "Content-Type": "application/json"}


def _put_backup_policy(self: Any) -> tuple[str, dict[str, Any]]:
    """PUT /2015-02-01/file-systems/{FileSystemId}/backup-policy: 200 and {"BackupPolicy": {...}}."""
    from moto.efs.exceptions import BadRequest

    file_system = _file_system(self)
    status = (self._get_param("BackupPolicy") or {}).get("Status")
    if status not in ("ENABLED", "DISABLED"):
        raise BadRequest(f"BackupPolicy Status {status} is not ENABLED or DISABLED.")
    file_system._backup = status == "ENABLED"
    file_system._webcast_backup_set = True
    return json.dumps({"BackupPolicy": {"Status": status}}), {"Content-Type": "application/json"}


def _backup_policy(self: Any) -> dict[str, str] | None:
    """ENABLED or, once PutBackupPolicy has turned backups off, DISABLED; none before either."""
    if self._backup:
        return {"Status": "ENABLED"}
    if getattr(self, "_webcast_backup_set", False):
        return {"Status": "DISABLED"}
    return None


def _efs_throughput_and_backup_policy() -> AbstractContextManager:
    """AWS EFS serves UpdateFileSystem (the throughput mode) and PutBackupPolicy.

    UpdateFileSystem switches a file system between the bursting, provisioned and elastic throughput
    modes; PutBackupPolicy turns AWS Backup's automatic daily backups on (ENABLED) or off
    (DISABLED), and DescribeBackupPolicy then reports that status. moto implements neither call (in
    process NotImplementedError; its server answers 500), so webcast.platform.efs_file_system_settings
    cannot give a file system elastic throughput or backups. The routes are moto's own
    (file-systems/<id> and file-systems/<id>/backup-policy); only the handlers are missing.
    """
    from moto.efs.models import FileSystem
    from moto.efs.responses import EFSResponse

    from tools.emulator.fixes import _Together

    return _Together(
        mock.patch.multiple(
            EFSResponse,
            create=True,
            update_file_system=_update_file_system,
            put_backup_policy=_put_backup_policy,
        ),
        mock.patch.object(FileSystem, "backup_policy", property(_backup_policy)),
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="efs_throughput_and_backup_policy",
        aws_behaviour="EFS serves UpdateFileSystem (throughput mode) and PutBackupPolicy",
        patch=_efs_throughput_and_backup_policy,
    ),
)
