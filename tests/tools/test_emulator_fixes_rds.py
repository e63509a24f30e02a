"""What RDS tells amazon.aws.rds_instance_param_group about DB parameter groups, with and without the fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import rds_instance_param_group
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
