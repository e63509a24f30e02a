"""RDS: what AWS tells about DB parameter groups, which amazon.aws.rds_instance_param_group relies on."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together

# Parameters of the mysql8.0 family as AWS's DescribeDBParameters lists them for a new group:
# name, DataType, AllowedValues, ApplyType. AWS lists about 400; these are the ones the platform
# sets or reads, and their neighbours an operator is likely to set. A parameter not here is
# refused by the module ("not an available parameter"), as AWS would refuse a misspelt one.
_MYSQL80_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("character_set_server", "string", "big5,latin1,ascii,utf8,utf8mb3,utf8mb4,binary", "dynamic"),
    (
        "collation_server",
        "string",
        "utf8mb4_0900_ai_ci,utf8mb4_general_ci,utf8mb4_unicode_ci,binary",
        "dynamic",
    ),
    ("slow_query_log", "boolean", "0,1", "dynamic"),
    ("long_query_time", "float", "0-31536000", "dynamic"),
    ("log_output", "string", "TABLE,FILE", "dynamic"),
    ("general_log", "boolean", "0,1", "dynamic"),
    ("require_secure_transport", "boolean", "0,1", "dynamic"),
    ("tls_version", "string", "TLSv1.2,TLSv1.3", "static"),
    ("max_connections", "integer", "1-100000", "dynamic"),
    ("time_zone", "string", "UTC,Europe/London,Europe/Paris,America/New_York", "dynamic"),
    ("innodb_print_all_deadlocks", "boolean", "0,1", "dynamic"),
    ("log_bin_trust_function_creators", "boolean", "0,1", "dynamic"),
    ("max_allowed_packet", "integer", "1024-1073741824", "dynamic"),
    ("wait_timeout", "integer", "1-31536000", "dynamic"),
)

_ENGINE_DEFAULTS: dict[str, tuple[tuple[str, str, str, str], ...]] = {"mysql8.0": _MYSQL80_PARAMETERS}


def _engine_default(name: str, data_type: str, allowed: str, apply_type: str) -> dict[str, Any]:
    """One parameter at its engine default: AWS sends no ParameterValue then."""
    return {
        "ParameterName": name,
        "Description": name.replace("_", " "),
        "Source": "engine-default",
        "ApplyType": apply_type,
        "DataType": data_type,
        "AllowedValues": allowed,
        "IsModifiable": True,
        "ApplyMethod": "pending-reboot",
    }


def _described_parameters(group: Any) -> list[dict[str, Any]]:
    """The group's parameters as AWS lists them: the family's defaults, overlaid by what was set."""
    listed = {
        name: _engine_default(name, *details)
        for name, *details in _ENGINE_DEFAULTS.get(group.family or "", ())
    }
    for name, set_values in group.parameters.items():
        listed[name] = {**listed.get(name, {"ParameterName": name}), **set_values, "Source": "user"}
    return list(listed.values())


def _rds_parameter_groups() -> AbstractContextManager:
    """AWS describes a DB parameter group's parameters, and refuses to describe a missing group.

    DescribeDBParameterGroups naming a group that does not exist answers DBParameterGroupNotFound
    on AWS; moto answers an empty list, which amazon.aws.rds_instance_param_group indexes
    (``response["DBParameterGroups"][0]``): it fails with "list index out of range" and can never
    create a group. DescribeDBParameters of a group lists every parameter of the group's family,
    with its DataType, AllowedValues, ApplyType and IsModifiable, whether set or at its default;
    moto lists only the parameters set by ModifyDBParameterGroup, so the module refuses every
    parameter of a new group as "not an available parameter for the mysql8.0 engine". The fix
    lists a catalogue of mysql8.0 parameters (not all ~400 of AWS), with what was set overlaid
    and marked Source=user, as AWS does. Other families keep moto's answer.
    """
    from moto.rds.exceptions import DBParameterGroupNotFoundError
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    describe_groups = RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self: Any, kwargs: dict[str, Any]) -> list[Any]:
        found = describe_groups(self, kwargs)
        name = kwargs.get("db_parameter_group_name")
        if name and not found:
            raise DBParameterGroupNotFoundError(name)
        return found

    def describe_db_parameters(self: Any) -> Any:
        from moto.core.responses import ActionResult

        name = self.params.get("DBParameterGroupName")
        (group,) = self.backend.describe_db_parameter_groups({"db_parameter_group_name": name})
        return ActionResult({"Parameters": _described_parameters(group)})

    return _Together(
        mock.patch.object(RDSBackend, "describe_db_parameter_groups", describe_db_parameter_groups),
        mock.patch.object(RDSResponse, "describe_db_parameters", describe_db_parameters),
    )


# RDS for MySQL gp3 below 400 GiB: a fixed baseline of 3000 IOPS and 125 MiB/s (not settable); from
# 400 GiB the baseline is 12000 IOPS and 500 MiB/s.
_GP3_BASELINE_BOUNDARY_GIB = 400


def _gp3_baseline(allocated_storage: int) -> tuple[int, int]:
    return (3000, 125) if allocated_storage < _GP3_BASELINE_BOUNDARY_GIB else (12000, 500)


def _rds_gp3_baseline() -> AbstractContextManager:
    """AWS reports a gp3 instance's Iops and StorageThroughput, its baseline when none was asked for.

    Below 400 GiB RDS for MySQL refuses Iops and StorageThroughput on gp3 storage (the baseline,
    3000 IOPS and 125 MiB/s, is fixed) yet describes the instance with both. moto reports them only
    when they were passed at creation, and amazon.aws.rds_instance reads
    ``instance["StorageThroughput"]`` of every gp3 instance on its second run: KeyError. So the
    module could only converge a gp3 instance with explicit values that AWS refuses under 400 GiB.
    The fix fills in the baseline when the creation named none.
    """
    from moto.rds.models import DBInstance

    init = DBInstance.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if getattr(self, "storage_type", None) != "gp3":
            return
        iops, throughput = _gp3_baseline(int(self.allocated_storage or 0))
        if self.iops is None:
            self.iops = iops
        if self.storage_throughput is None:
            self.storage_throughput = throughput

    return mock.patch.object(DBInstance, "__init__", __init__)


FIXES: tuple[Fix, ...] = (
    Fix(
        name="rds_gp3_baseline",
        aws_behaviour="DescribeDBInstances reports a gp3 instance's Iops and StorageThroughput, its baseline "
        "when none was given",
        patch=_rds_gp3_baseline,
    ),
    Fix(
        name="rds_parameter_groups",
        aws_behaviour="DescribeDBParameterGroups of a missing group answers DBParameterGroupNotFound; "
        "DescribeDBParameters lists the family's parameters with their types, set or not",
        patch=_rds_parameter_groups,
    ),
)
