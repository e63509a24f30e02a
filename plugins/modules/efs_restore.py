#!/usr/bin/python
# Disaster recovery restores a file system from AWS Backup; neither AWS collection starts a restore
# job or reads recovery points, and the restored file system must carry the name the aws_efs role
# finds it by (its creation token), so that the role adopts it instead of making an empty one.

from __future__ import annotations

DOCUMENTATION = r"""
module: efs_restore
short_description: Restore an EFS file system from the newest AWS Backup recovery point of a vault
version_added: 0.3.0
description:
  - Finds the newest completed EFS recovery point in O(backup_vault_name) (or uses
    O(recovery_point_arn)), restores it to a new file system whose creation token and C(Name) tag
    are O(name), and waits for the restore job.
  - Idempotent by O(name); when a file system with that creation token exists nothing is restored
    and C(changed=false).
  - In check mode nothing is restored; RV(recovery_point_arn) says which point would be.
author:
  - Webcast platform engineering
options:
  backup_vault_name:
    description: The vault holding the recovery points (the source environment's; a teardown keeps it).
    type: str
    required: true
  name:
    description: Creation token and C(Name) tag of the restored file system.
    type: str
    required: true
  iam_role_arn:
    description: The role AWS Backup assumes to restore.
    type: str
    required: true
  recovery_point_arn:
    description: Restore this recovery point instead of the newest.
    type: str
  encrypted:
    description: Encrypt the new file system.
    type: bool
    default: true
  kms_key_id:
    description: The key of the new file system; the EFS default key if not given.
    type: str
  performance_mode:
    description: The new file system's performance mode.
    type: str
    default: generalPurpose
    choices: [generalPurpose, maxIO]
  tags:
    description: Tags of the new file system, besides C(Name).
    type: dict
    default: {}
  wait_timeout:
    description: Seconds to wait for the restore job.
    type: int
    default: 7200
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Restore the media file system of production as the dr environment's
  webcast.platform.efs_restore:
    backup_vault_name: webcast-production-backup
    name: webcast-dr-efs
    iam_role_arn: arn:aws:iam::123456789012:role/webcast-production-backup-service
    tags: {Project: webcast, Environment: dr, Component: efs, ManagedBy: ansible}
"""

RETURN = r"""
file_system_id:
  description: The restored (or already present) file system; empty in check mode before a restore.
  type: str
  returned: always
  sample: fs-0123456789abcdef0
recovery_point_arn:
  description: The recovery point restored (or, in check mode, that would be); empty when none was needed.
  type: str
  returned: always
recovery_point_created:
  description: When that recovery point was taken (ISO 8601), the data's age at the restore.
  type: str
  returned: always
restore_job_id:
  description: The restore job; empty when nothing was restored.
  type: str
  returned: always
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client, wait_for


def newest_point(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest completed recovery point, or None."""
    completed = [p for p in points if p.get("Status") == "COMPLETED"]
    return max(completed, key=lambda p: p["CreationDate"], default=None)


def restore_metadata(params: dict[str, Any], point: dict[str, Any]) -> dict[str, str]:
    """StartRestoreJob's metadata for an EFS restore to a new file system."""
    metadata = {
        "newFileSystem": "true",
        "Encrypted": str(params["encrypted"]).lower(),
        "PerformanceMode": params["performance_mode"],
        "CreationToken": params["name"],
        "file-system-id": point.get("ResourceArn", "").split("/")[-1],
    }
    if params["kms_key_id"]:
        metadata["KmsKeyId"] = params["kms_key_id"]
    return metadata


def find_point(module, backup) -> dict[str, Any]:
    params = module.params
    if params["recovery_point_arn"]:
        return backup.describe_recovery_point(
            BackupVaultName=params["backup_vault_name"],
            RecoveryPointArn=params["recovery_point_arn"],
            aws_retry=True,
        )
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=params["backup_vault_name"], ByResourceType="EFS", aws_retry=True
    )["RecoveryPoints"]
    point = newest_point(points)
    if point is None:
        module.fail_json(
            msg=f"No completed EFS recovery point in {params['backup_vault_name']}: nothing to restore"
        )
    return point


def restore(module, backup, efs, point: dict[str, Any]) -> dict[str, Any]:
    params = module.params
    job_id = backup.start_restore_job(
        RecoveryPointArn=point["RecoveryPointArn"],
        IamRoleArn=params["iam_role_arn"],
        ResourceType="EFS",
        Metadata=restore_metadata(params, point),
        aws_retry=True,
    )["RestoreJobId"]

    def finished() -> dict[str, Any] | None:
        job = backup.describe_restore_job(RestoreJobId=job_id, aws_retry=True)
        if job["Status"] in ("FAILED", "ABORTED"):
            module.fail_json(msg=f"Restore job {job_id} {job['Status']}: {job.get('StatusMessage', '')}")
        return job if job["Status"] == "COMPLETED" else None

    try:
        job = wait_for(finished, what=f"restore job {job_id}", timeout_s=params["wait_timeout"], delay_s=15)
    except TimeoutError as e:
        module.fail_json(msg=str(e), restore_job_id=job_id)
    file_system_id = job["CreatedResourceArn"].split("/")[-1]
    tags = {**params["tags"], "Name": params["name"]}
    efs.tag_resource(
        ResourceId=file_system_id, Tags=[{"Key": k, "Value": str(v)} for k, v in tags.items()], aws_retry=True
    )
    return {"file_system_id": file_system_id, "restore_job_id": job_id}


def main() -> None:
    argument_spec = {
        "backup_vault_name": {"type": "str", "required": True},
        "name": {"type": "str", "required": True},
        "iam_role_arn": {"type": "str", "required": True},
        "recovery_point_arn": {"type": "str"},
        "encrypted": {"type": "bool", "default": True},
        "kms_key_id": {"type": "str"},
        "performance_mode": {
            "type": "str",
            "default": "generalPurpose",
            "choices": ["generalPurpose", "maxIO"],
        },
        "tags": {"type": "dict", "default": {}},
        "wait_timeout": {"type": "int", "default": 7200},
    }
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    backup = retrying_client(module, "backup")
    efs = retrying_client(module, "efs")
    result = {
        "file_system_id": "",
        "recovery_point_arn": "",
        "recovery_point_created": "",
        "restore_job_id": "",
    }
    try:
        existing = efs.describe_file_systems(CreationToken=module.params["name"], aws_retry=True)[
            "FileSystems"
        ]
        if existing:
            module.exit_json(changed=False, **{**result, "file_system_id": existing[0]["FileSystemId"]})
        point = find_point(module, backup)
        result["recovery_point_arn"] = point["RecoveryPointArn"]
        result["recovery_point_created"] = point["CreationDate"].isoformat()
        if not module.check_mode:
            result.update(restore(module, backup, efs, point))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to restore the file system {module.params['name']}")
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
