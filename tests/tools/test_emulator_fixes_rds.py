"""What RDS tells amazon.aws.rds_instance_param_group about DB parameter groups, with and without the fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import rds_instance, rds_instance_param_group
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

GROUP = {
    "name": "webcast-test-db",
    "state": "present",
    "engine": "mysql8.0",
    "description": "test",
    "params": {"character_set_server": "utf8mb4", "slow_query_log": 1, "long_query_time": 2},
}


def parameter_groups_fix():
    return fix("rds_parameter_groups").patch()


@pytest.fixture
def rds() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("rds", region_name=REGION)


def group(rds, name: str = "webcast-test-db", family: str = "mysql8.0") -> None:
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description="t")


# --- what moto answers without the fix ---------------------------------------------------------


def test_without_the_fix_a_missing_group_is_described_as_no_group(rds):
    assert rds.describe_db_parameter_groups(DBParameterGroupName="missing")["DBParameterGroups"] == []


def test_without_the_fix_a_new_group_has_no_parameters(rds):
    group(rds)
    assert rds.describe_db_parameters(DBParameterGroupName="webcast-test-db")["Parameters"] == []


def test_without_the_fix_the_module_cannot_create_a_group(rds, capsys):
    with pytest.raises(IndexError, match="list index out of range"):
        run_module(capsys, rds_instance_param_group, **GROUP)


# --- what the fix restores ---------------------------------------------------------------------


def test_with_the_fix_a_missing_group_is_not_found(rds):
    with parameter_groups_fix(), pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault):
        rds.describe_db_parameter_groups(DBParameterGroupName="missing")


def test_with_the_fix_groups_are_still_listed_and_found_by_name(rds):
    group(rds, "one")
    group(rds, "two")
    with parameter_groups_fix():
        everything = rds.describe_db_parameter_groups()["DBParameterGroups"]
        named = rds.describe_db_parameter_groups(DBParameterGroupName="two")["DBParameterGroups"]
    assert {g["DBParameterGroupName"] for g in everything} >= {"one", "two"}
    assert [g["DBParameterGroupName"] for g in named] == ["two"]


def test_with_the_fix_a_new_mysql_group_lists_engine_defaults_without_values(rds):
    group(rds)
    with parameter_groups_fix():
        parameters = rds.describe_db_parameters(DBParameterGroupName="webcast-test-db")["Parameters"]
    by_name = {p["ParameterName"]: p for p in parameters}
    slow_log = by_name["slow_query_log"]
    assert slow_log["Source"] == "engine-default"
    assert slow_log["DataType"] == "boolean" and slow_log["IsModifiable"] is True
    assert "ParameterValue" not in slow_log
    assert {"character_set_server", "collation_server", "require_secure_transport"} <= set(by_name)


def test_with_the_fix_set_parameters_are_listed_with_their_value_as_user_set(rds):
    group(rds)
    rds.modify_db_parameter_group(
        DBParameterGroupName="webcast-test-db",
        Parameters=[{"ParameterName": "long_query_time", "ParameterValue": "2", "ApplyMethod": "immediate"}],
    )
    with parameter_groups_fix():
        parameters = rds.describe_db_parameters(DBParameterGroupName="webcast-test-db")["Parameters"]
    (long_query_time,) = [p for p in parameters if p["ParameterName"] == "long_query_time"]
    assert (long_query_time["ParameterValue"], long_query_time["Source"]) == ("2", "user")
    assert long_query_time["DataType"] == "float"


def test_with_the_fix_the_module_creates_a_group_then_reports_no_change(rds, capsys):
    with parameter_groups_fix():
        first = run_module(capsys, rds_instance_param_group, **GROUP)
        second = run_module(capsys, rds_instance_param_group, **GROUP)
        changed = run_module(capsys, rds_instance_param_group, **{**GROUP, "params": {"long_query_time": 5}})
    assert first["changed"] is True, first
    assert second["changed"] is False, second
    assert changed["changed"] is True, changed


def test_with_the_fix_the_module_still_reports_an_unknown_parameter(rds, capsys):
    with parameter_groups_fix():
        result = run_module(capsys, rds_instance_param_group, **{**GROUP, "params": {"slow_query_logg": 1}})
    # The module reports what it could not set in `errors` rather than failing (AWS does the same).
    assert result["errors"] == [
        "Parameter slow_query_logg is not an available parameter for the mysql8.0 engine"
    ]


def test_the_rds_fix_is_reversible(rds):
    describe_groups = RDSBackend.describe_db_parameter_groups
    describe_parameters = RDSResponse.describe_db_parameters
    with parameter_groups_fix():
        assert RDSBackend.describe_db_parameter_groups is not describe_groups
    assert RDSBackend.describe_db_parameter_groups is describe_groups
    assert RDSResponse.describe_db_parameters is describe_parameters


# --- gp3 baseline IOPS and throughput ------------------------------------------------------------

INSTANCE = {
    "db_instance_identifier": "webcast-test-db",
    "state": "present",
    "engine": "mysql",
    "db_instance_class": "db.t3.micro",
    "allocated_storage": 20,
    "storage_type": "gp3",
    "master_username": "admin",
    "master_user_password": "a-password-of-20-chars",
    "db_subnet_group_name": "data",
}


def gp3_fix():
    return fix("rds_gp3_baseline").patch()


def subnet_group(rds) -> None:
    """A DB subnet group over two subnets: rds_instance reads the instance's DBSubnetGroup."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    rds.create_db_subnet_group(DBSubnetGroupName="data", DBSubnetGroupDescription="data", SubnetIds=subnets)


def test_without_the_fix_a_gp3_instance_has_no_iops_or_throughput(rds):
    created = rds.create_db_instance(
        DBInstanceIdentifier="db",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        StorageType="gp3",
        MasterUsername="admin",
        MasterUserPassword="a-password-of-20-chars",
    )["DBInstance"]
    assert created.get("Iops") is None and created.get("StorageThroughput") is None


def test_without_the_fix_rds_instance_fails_its_second_run_on_a_gp3_instance(rds, capsys):
    subnet_group(rds)
    assert run_module(capsys, rds_instance, **INSTANCE)["changed"] is True
    with pytest.raises(KeyError, match="StorageThroughput"):
        run_module(capsys, rds_instance, **INSTANCE)


@pytest.mark.parametrize(("allocated", "baseline"), [(20, (3000, 125)), (400, (12000, 500))])
def test_with_the_fix_a_gp3_instance_reports_its_baseline(rds, allocated, baseline):
    with gp3_fix():
        rds.create_db_instance(
            DBInstanceIdentifier="db",
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=allocated,
            StorageType="gp3",
            MasterUsername="admin",
            MasterUserPassword="a-password-of-20-chars",
        )
        (described,) = rds.describe_db_instances(DBInstanceIdentifier="db")["DBInstances"]
    assert (described["Iops"], described["StorageThroughput"]) == baseline


def test_with_the_fix_explicit_iops_are_kept(rds):
    with gp3_fix():
        created = rds.create_db_instance(
            DBInstanceIdentifier="db",
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=500,
            StorageType="gp3",
            Iops=16000,
            StorageThroughput=600,
            MasterUsername="admin",
            MasterUserPassword="a-password-of-20-chars",
        )["DBInstance"]
    assert (created["Iops"], created["StorageThroughput"]) == (16000, 600)


def test_with_the_fix_rds_instance_converges_a_gp3_instance_without_explicit_iops(rds, capsys):
    subnet_group(rds)
    with gp3_fix():
        first = run_module(capsys, rds_instance, **INSTANCE)
        second = run_module(capsys, rds_instance, **INSTANCE)
    assert first["changed"] is True, first
    assert second["changed"] is False, second
