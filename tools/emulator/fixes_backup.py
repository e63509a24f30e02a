"""AWS Backup: the backup-selection API of a plan, which moto lacks."""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix

# What AWS answers for Conditions when a selection was created without any.
_EMPTY_CONDITIONS = {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}


def _selections_of(response: Any, plan_id: str) -> dict[str, dict[str, Any]]:
    """The plan's selections by id, kept on moto's backend; ResourceNotFound as on AWS without the plan."""
    from moto.backup.exceptions import ResourceNotFoundException

    backend = response.backup_backend
    if plan_id not in backend.plans:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan {plan_id}")
    return backend.__dict__.setdefault("_webcast_backup_selections", {}).setdefault(plan_id, {})


def _path_ids(response: Any) -> tuple[str, str]:
    """(plan id, selection id) from /backup/plans/{plan}/selections/[{selection}]."""
    parts = response.path.rstrip("/").split("/")
    plan_index = parts.index("plans") + 1
    selection_id = parts[plan_index + 2] if len(parts) > plan_index + 2 else ""
    return parts[plan_index], selection_id


def _create_backup_selection(self: Any) -> str:
    """PUT /backup/plans/{id}/selections/: {SelectionId, BackupPlanId, CreationDate}."""
    from moto.backup.exceptions import AlreadyExistsException
    from moto.core.utils import unix_time

    plan_id, _ = _path_ids(self)
    selections = _selections_of(self, plan_id)
    params = json.loads(self.body)
    selection = dict(params["BackupSelection"])
    if any(s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in selections.values()):
        raise AlreadyExistsException(msg=f"Selection {selection['SelectionName']} already exists")
    selection["Conditions"] = {**_EMPTY_CONDITIONS, **(selection.get("Conditions") or {})}
    record = {
        "SelectionId": str(uuid.uuid4()),
        "BackupPlanId": plan_id,
        "CreationDate": unix_time(),
        "CreatorRequestId": params.get("CreatorRequestId", ""),
        "BackupSelection": selection,
    }
    selections[record["SelectionId"]] = record
    return json.dumps({k: record[k] for k in ("SelectionId", "BackupPlanId", "CreationDate")})


def _get_backup_selection(self: Any) -> str:
    """GET /backup/plans/{id}/selections/{selectionId}: the selection as created."""
    from moto.backup.exceptions import ResourceNotFoundException

    plan_id, selection_id = _path_ids(self)
    record = _selections_of(self, plan_id).get(selection_id)
    if record is None:
        raise ResourceNotFoundException(msg=f"Failed reading selection {selection_id}")
    return json.dumps(record)


def _list_backup_selections(self: Any) -> str:
    """GET /backup/plans/{id}/selections/: {BackupSelectionsList: [...]}, all in one page."""
    plan_id, _ = _path_ids(self)
    listed = [
        {
            "SelectionId": r["SelectionId"],
            "SelectionName": r["BackupSelection"]["SelectionName"],
            "BackupPlanId": r["BackupPlanId"],
            "CreationDate": r["CreationDate"],
            "CreatorRequestId": r["CreatorRequestId"],
            "IamRoleArn": r["BackupSelection"]["IamRoleArn"],
        }
        for r in _selections_of(self, plan_id).values()
    ]
    return json.dumps({"BackupSelectionsList": listed})


def _delete_backup_selection(self: Any) -> str:
    """DELETE /backup/plans/{id}/selections/{selectionId}: 200, no body."""
    from moto.backup.exceptions import ResourceNotFoundException

    plan_id, selection_id = _path_ids(self)
    if _selections_of(self, plan_id).pop(selection_id, None) is None:
        raise ResourceNotFoundException(msg=f"Failed reading selection {selection_id}")
    return "{}"


def _backup_selection_api() -> AbstractContextManager:
    """AWS Backup serves Create-, Get-, List- and DeleteBackupSelection: the resources a plan backs up.

    A plan backs up nothing until a selection (resources by ARN, or by tag conditions) is assigned
    to it. moto 5.2 has no handler for any of the four (in process NotImplementedError, its server
    500), so amazon.aws.backup_selection, which starts every run with ListBackupSelections, fails
    before it can create one. moto's route for /backup/plans/{id} already matches the selection
    paths (its pattern is greedy), so only the handlers are added; botocore's model maps method and
    path to the operation. The selections live on moto's backup backend of the region, per plan, and
    GetBackupSelection answers Conditions with the four empty lists when none were given, as AWS
    does (the module compares against exactly that). A missing plan or selection answers
    ResourceNotFoundException, as AWS does.
    """
    from moto.backup.responses import BackupResponse

    return mock.patch.multiple(
        BackupResponse,
        create=True,
        create_backup_selection=_create_backup_selection,
        get_backup_selection=_get_backup_selection,
        list_backup_selections=_list_backup_selections,
        delete_backup_selection=_delete_backup_selection,
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="backup_selection_api",
        aws_behaviour="Backup serves Create/Get/List/DeleteBackupSelection on a plan",
        patch=_backup_selection_api,
    ),
)
