"""Backup selections: AWS serves Create/Get/List/DeleteBackupSelection; moto 5.2 has none of them.

amazon.aws.backup_selection starts every run with ListBackupSelections, so without the fix it can
never assign resources to a plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import backup_selection as backup_selection_module
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.backup.responses import BackupResponse

ROLE_ARN = "arn:aws:iam::123456789012:role/backup"
TAG = {"condition_type": "STRINGEQUALS", "condition_key": "Backup", "condition_value": "true"}
TAGS = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Backup", "ConditionValue": "true"}]


def selection_fix():
    return fix("backup_selection_api").patch()


@pytest.fixture
def backup() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("backup", region_name=REGION)


@pytest.fixture
def plan_id(backup) -> str:
    plan = {"BackupPlanName": "daily", "Rules": [{"RuleName": "d", "TargetBackupVaultName": "v"}]}
    return backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]


def module_args(**overrides: Any) -> dict[str, Any]:
    # The alias selection_name, not backup_selection_name: the module reads params["selection_name"],
    # which Ansible sets only when the task uses the alias (amazon.aws 10.1.2).
    return {
        "selection_name": "tagged",
        "backup_plan_name": "daily",
        "iam_role_arn": ROLE_ARN,
        "list_of_tags": [TAG],
        **overrides,
    }


def test_without_the_fix_moto_cannot_list_a_plan_s_selections(backup, plan_id):
    with pytest.raises(NotImplementedError):
        backup.list_backup_selections(BackupPlanId=plan_id)


def test_without_the_fix_the_backup_selection_module_fails(backup, plan_id, capsys):
    with pytest.raises(NotImplementedError):
        run_module(capsys, backup_selection_module, **module_args())


def test_with_the_fix_a_selection_is_created_listed_read_and_deleted(backup, plan_id):
    with selection_fix():
        created = backup.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "tagged", "IamRoleArn": ROLE_ARN, "ListOfTags": TAGS},
        )
        listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
        backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
        after = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert created["BackupPlanId"] == plan_id
    assert [(s["SelectionName"], s["SelectionId"]) for s in listed] == [("tagged", created["SelectionId"])]
    assert got["BackupSelection"]["ListOfTags"] == TAGS
    assert got["BackupSelection"]["IamRoleArn"] == ROLE_ARN
    # AWS fills in the four empty condition lists when none were given.
    assert got["BackupSelection"]["Conditions"] == {
        "StringEquals": [],
        "StringLike": [],
        "StringNotEquals": [],
        "StringNotLike": [],
    }
    assert after == []


def test_with_the_fix_a_selection_of_a_missing_plan_is_not_found(backup):
    with selection_fix(), pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId="no-such-plan")


def test_with_the_fix_a_missing_selection_is_not_found(backup, plan_id):
    with selection_fix(), pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_backup_selection(BackupPlanId=plan_id, SelectionId="no-such-selection")


def test_with_the_fix_the_module_creates_the_selection_and_a_second_run_reports_no_change(
    backup, plan_id, capsys
):
    with selection_fix():
        first = run_module(capsys, backup_selection_module, **module_args())
        second = run_module(capsys, backup_selection_module, **module_args())
        changed_tags = module_args(list_of_tags=[{**TAG, "condition_value": "yes"}])
        third = run_module(capsys, backup_selection_module, **changed_tags)
        listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert first.get("changed") is True, first
    assert second["changed"] is False, second
    assert second["backup_selection"]["list_of_tags"] == [
        {"condition_type": "STRINGEQUALS", "condition_key": "Backup", "condition_value": "true"}
    ]
    assert third["changed"] is True, third
    assert len(listed) == 1, listed


def test_the_backup_selection_fix_is_reversible(backup, plan_id):
    with selection_fix():
        assert hasattr(BackupResponse, "list_backup_selections")
    assert not hasattr(BackupResponse, "list_backup_selections")
