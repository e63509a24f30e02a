"""The backups, as AWS Backup and KMS report them after converge: the promises of aws_backup."""

from __future__ import annotations

import pytest
from conftest import ENV

RULES = ("daily", "weekly", "monthly")


@pytest.fixture(scope="module")
def name(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-backup"


@pytest.fixture(scope="module")
def backup(aws):
    return aws("backup")


@pytest.fixture(scope="module")
def vault(backup, name) -> dict:
    return backup.describe_backup_vault(BackupVaultName=name)


@pytest.fixture(scope="module")
def plan(backup, name) -> dict:
    plans = [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == name]
    assert len(plans) == 1, f"expected one plan named {name}, found {len(plans)}"
    return backup.get_backup_plan(BackupPlanId=plans[0]["BackupPlanId"])


def test_the_vault_is_encrypted_with_its_own_rotating_key(aws, vault, name):
    kms = aws("kms")
    key_arn = vault["EncryptionKeyArn"]
    aliases = [a["AliasName"] for a in kms.list_aliases(KeyId=key_arn)["Aliases"]]
    assert aliases == [f"alias/{name}"], f"the vault's key {key_arn} has aliases {aliases}"
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True


def test_the_plan_has_a_daily_a_weekly_and_a_monthly_rule_into_the_vault(plan, name):
    rules = {rule["RuleName"]: rule for rule in plan["BackupPlan"]["Rules"]}
    assert sorted(rules) == sorted(RULES)
    assert {rule["TargetBackupVaultName"] for rule in rules.values()} == {name}


def test_each_rule_keeps_recovery_points_as_long_as_the_environment_says(plan, settings):
    kept = {rule["RuleName"]: rule["Lifecycle"]["DeleteAfterDays"] for rule in plan["BackupPlan"]["Rules"]}
    assert kept == settings["aws_backup_retention_days"]


def test_copies_go_to_a_second_region_only_when_one_is_set(plan, settings):
    copies = {rule["RuleName"]: rule.get("CopyActions", []) for rule in plan["BackupPlan"]["Rules"]}
    if not settings["aws_backup_copy_region"]:
        assert all(not actions for actions in copies.values()), copies
    else:
        for rule, actions in copies.items():
            assert [a["DestinationBackupVaultArn"].split(":")[3] for a in actions] == [
                settings["aws_backup_copy_region"]
            ], rule


def test_the_selection_takes_the_environment_s_rds_and_efs_by_project_and_environment_tags(
    backup, plan, settings
):
    plan_id = plan["BackupPlanId"]
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert len(listed) == 1, f"expected one selection, found {listed}"
    selection = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=listed[0]["SelectionId"])
    chosen = selection["BackupSelection"]
    conditions = {c["ConditionKey"]: c["ConditionValue"] for c in chosen["Conditions"]["StringEquals"]}
    assert conditions == {
        "aws:ResourceTag/Project": settings["webcast_project"],
        "aws:ResourceTag/Environment": ENV,
    }
    services = sorted(arn.split(":")[2] for arn in chosen["Resources"])
    assert services == ["elasticfilesystem", "rds"]


def test_the_selection_s_role_is_the_backup_service_s(aws, backup, plan):
    plan_id = plan["BackupPlanId"]
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    role_name = listed[0]["IamRoleArn"].split("/")[-1]
    trust = aws("iam").get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    principals = [s["Principal"]["Service"] for s in trust["Statement"]]
    assert principals == ["backup.amazonaws.com"]
