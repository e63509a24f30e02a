"""The database tier, as AWS (the emulator) reports it after converge: the promises of aws_rds."""

from __future__ import annotations

import json

import pytest
from conftest import ENV, role_defaults


@pytest.fixture(scope="module")
def rds(aws):
    return aws("rds")


@pytest.fixture(scope="module")
def name(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-db"


@pytest.fixture(scope="module")
def instance(rds, name):
    (found,) = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"]
    return found


@pytest.fixture(scope="module")
def data_subnet_ids(aws, env_filters) -> set[str]:
    subnets = aws("ec2").describe_subnets(Filters=[*env_filters, {"Name": "tag:Tier", "Values": ["data"]}])
    return {subnet["SubnetId"] for subnet in subnets["Subnets"]}


def test_the_instance_runs_mysql_8_0_of_the_environment_class(instance, settings):
    assert instance["Engine"] == "mysql"
    assert instance["EngineVersion"].startswith("8.0."), instance["EngineVersion"]
    assert instance["DBInstanceClass"] == settings["webcast_db_instance_class"]


def test_storage_is_encrypted_gp3_that_grows_on_its_own(instance):
    found = {key: instance.get(key) for key in ("StorageEncrypted", "StorageType", "MaxAllocatedStorage")}
    assert found["StorageEncrypted"] is True, found
    assert found["StorageType"] == "gp3", found
    assert found["MaxAllocatedStorage"] > instance["AllocatedStorage"], found


def test_multi_az_follows_the_environment(instance, settings):
    assert instance["MultiAZ"] is settings["webcast_multi_az"]


def test_the_instance_lives_in_the_data_subnets_only(instance, data_subnet_ids):
    group = instance["DBSubnetGroup"]
    assert {subnet["SubnetIdentifier"] for subnet in group["Subnets"]} == data_subnet_ids
    assert len(data_subnet_ids) >= 2


def test_the_instance_is_private_behind_the_rds_group_only(aws, instance, settings):
    assert instance["PubliclyAccessible"] is False
    group_ids = [group["VpcSecurityGroupId"] for group in instance["VpcSecurityGroups"]]
    (group,) = aws("ec2").describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
    assert group["GroupName"] == f"{settings['webcast_project']}-{ENV}-rds", group_ids


def test_backups_are_kept_as_long_as_the_environment_says(instance, settings):
    assert instance["BackupRetentionPeriod"] == settings["webcast_db_backup_retention_days"]


def test_deletion_protection_follows_the_environment(instance, settings):
    assert instance["DeletionProtection"] is settings["webcast_deletion_protection"]


def test_iam_auth_log_exports_minor_upgrades_and_snapshot_tags_are_on(instance):
    found = {
        "IAMDatabaseAuthenticationEnabled": instance.get("IAMDatabaseAuthenticationEnabled"),
        "EnabledCloudwatchLogsExports": sorted(instance.get("EnabledCloudwatchLogsExports", [])),
        "AutoMinorVersionUpgrade": instance.get("AutoMinorVersionUpgrade"),
        "CopyTagsToSnapshot": instance.get("CopyTagsToSnapshot"),
    }
    assert found == {
        "IAMDatabaseAuthenticationEnabled": True,
        "EnabledCloudwatchLogsExports": ["error", "slowquery"],
        "AutoMinorVersionUpgrade": True,
        "CopyTagsToSnapshot": True,
    }


def test_the_parameter_group_sets_utf8mb4_the_slow_query_log_and_tls_only(rds, instance, name):
    groups = [group["DBParameterGroupName"] for group in instance["DBParameterGroups"]]
    assert groups == [name]
    parameters = rds.describe_db_parameters(DBParameterGroupName=name)["Parameters"]
    values = {p["ParameterName"]: p.get("ParameterValue") for p in parameters}
    wanted = {
        "character_set_server": "utf8mb4",
        "collation_server": "utf8mb4_0900_ai_ci",
        "slow_query_log": "1",
        "require_secure_transport": "1",
    }
    assert {key: values.get(key) for key in wanted} == wanted
    assert float(values.get("long_query_time") or "nan") == 1.0, values.get("long_query_time")


def test_enhanced_monitoring_uses_a_role_only_rds_of_this_account_may_assume(aws, instance):
    assert instance["MonitoringInterval"] > 0
    role_name = instance["MonitoringRoleArn"].split("/")[-1]
    role = aws("iam").get_role(RoleName=role_name)["Role"]
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    (statement,) = document["Statement"]
    account = instance["DBInstanceArn"].split(":")[4]
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": account}, statement


@pytest.fixture(scope="module")
def master_secret(aws, instance) -> dict:
    managed = instance.get("MasterUserSecret")
    assert managed, f"{instance['DBInstanceIdentifier']}: RDS does not manage the master password"
    return {**aws("secretsmanager").describe_secret(SecretId=managed["SecretArn"]), "managed": managed}


def test_rds_manages_the_master_password_in_a_secret_it_owns(master_secret):
    assert master_secret.get("OwningService") == "rds", master_secret.get("OwningService")
    assert master_secret["Name"].startswith("rds!db-"), master_secret["Name"]


def test_the_master_password_secret_holds_a_user_name_and_a_password_only(aws, master_secret):
    value = json.loads(aws("secretsmanager").get_secret_value(SecretId=master_secret["ARN"])["SecretString"])
    assert sorted(value) == ["password", "username"], sorted(value)
    assert value["password"], "the master password is empty"


def test_the_master_password_secret_is_encrypted_with_the_database_s_own_rotating_key(
    aws, master_secret, name
):
    key = aws("kms").describe_key(KeyId=f"alias/{name}-secret")["KeyMetadata"]
    assert master_secret["managed"]["KmsKeyId"] == key["Arn"], (master_secret["managed"], key["Arn"])
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_the_master_password_rotates_on_the_role_s_schedule(master_secret):
    days = role_defaults("aws_rds")["aws_rds_secret_rotation_days"]
    assert master_secret.get("RotationEnabled") is True, master_secret
    assert master_secret["RotationRules"]["AutomaticallyAfterDays"] == days, master_secret["RotationRules"]


def test_the_instances_read_the_rds_managed_secret(aws, master_secret, settings):
    parameter = f"/{settings['webcast_project']}/{ENV}/db/secret_arn"
    value = aws("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    assert value == master_secret["ARN"], f"{parameter} is {value}"


def test_the_role_s_own_password_secret_of_earlier_versions_is_gone(aws, settings):
    secrets = aws("secretsmanager").list_secrets(
        Filters=[{"Key": "name", "Values": [f"/{settings['webcast_project']}/{ENV}/rds/"]}]
    )["SecretList"]
    assert [s["Name"] for s in secrets if not s.get("DeletedDate")] == []
