"""DescribeBackupVault of a vault that does not exist: AWS answers AccessDeniedException (403).

amazon.aws.backup_vault takes that answer for "no vault yet" (get_vault_facts catches only
AccessDeniedException); moto answers ResourceNotFoundException, so the module cannot create a vault.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import backup_vault as backup_vault_module
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.backup.responses import BackupResponse


def vault_fix():
    return fix("backup_vault_missing_is_access_denied").patch()


@pytest.fixture
def backup() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("backup", region_name=REGION)


def warnings_of(result: dict[str, Any]) -> list[str]:
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def test_without_the_fix_moto_answers_resource_not_found_for_a_missing_vault(backup):
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_backup_vault(BackupVaultName="media")


def test_without_the_fix_the_backup_vault_module_cannot_create_a_vault(backup, capsys):
    result = run_module(capsys, backup_vault_module, backup_vault_name="media")
    assert result.get("failed") is True
    assert result["msg"].startswith("Unable to get vault facts")
    assert result["error"]["code"] == "ResourceNotFoundException"
    assert backup.list_backup_vaults()["BackupVaultList"] == []


def test_with_the_fix_a_missing_vault_is_access_denied_as_on_aws(backup):
    with vault_fix(), pytest.raises(backup.exceptions.ClientError) as error:
        backup.describe_backup_vault(BackupVaultName="media")
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_with_the_fix_an_existing_vault_is_described_as_before(backup):
    backup.create_backup_vault(BackupVaultName="media")
    with vault_fix():
        vault = backup.describe_backup_vault(BackupVaultName="media")
    assert vault["BackupVaultName"] == "media"
    assert vault["BackupVaultArn"].endswith(":backup-vault:media")


def test_with_the_fix_other_calls_on_a_missing_vault_keep_moto_s_answer(backup):
    # Only DescribeBackupVault of a missing vault changes.
    with vault_fix(), pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.put_backup_vault_lock_configuration(BackupVaultName="media", MinRetentionDays=1)


def test_with_the_fix_the_backup_vault_module_creates_the_vault_and_a_second_run_reports_no_change(
    backup, capsys
):
    wanted = {"backup_vault_name": "media", "tags": {"env": "test"}}
    with vault_fix():
        first = run_module(capsys, backup_vault_module, **wanted)
        second = run_module(capsys, backup_vault_module, **wanted)
    assert first["changed"] is True, first
    # The module's own path for a vault that does not exist yet, as on AWS.
    assert "Access Denied trying to describe backup vault" in warnings_of(first)
    assert second["changed"] is False, second
    assert warnings_of(second) == []
    assert second["vault"]["tags"] == {"env": "test"}


def test_the_backup_vault_fix_is_reversible(backup):
    describe = BackupResponse.describe_backup_vault
    with vault_fix():
        assert BackupResponse.describe_backup_vault is not describe
    assert BackupResponse.describe_backup_vault is describe
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_backup_vault(BackupVaultName="media")
