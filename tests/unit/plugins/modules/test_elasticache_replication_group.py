"""The elasticache_replication_group module: its pure functions, and the module against moto in process.

moto answers replication groups differently from AWS in ways the module depends on (members as
cache clusters, NumCacheClusters, what ModifyReplicationGroup changes, parameter groups): the
emulator's fixes for them (tools/emulator/fixes_elasticache.py, and the cache cluster details of
fixes.py) are started around every test here, as the emulator starts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import elasticache_replication_group
from ansible_collections.webcast.platform.plugins.modules.elasticache_replication_group import (
    create_request,
    current_settings,
    differences,
    modify_request,
    wanted_settings,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator import fixes

REGION = "eu-west-1"
GROUP_ID = "webcast-test-redis"
TOKEN = "a-long-enough-auth-token-0123456789"
EMULATOR_FIXES = (
    "elasticache_cache_cluster_details",
    "elasticache_replication_group_members",
    "elasticache_cache_parameter_groups",
)

Aws = dict[str, Any]
Run = Callable[..., dict[str, Any]]


# --- pure functions --------------------------------------------------------------------------


def params(**overrides: Any) -> dict[str, Any]:
    """Module parameters as AnsibleModule hands them over: every option, defaults filled in."""
    defaults = {
        "replication_group_id": GROUP_ID,
        "description": "test",
        "state": "present",
        "engine": "redis",
        "engine_version": None,
        "cache_node_type": "cache.t3.micro",
        "num_cache_clusters": 2,
        "preferred_cache_cluster_azs": None,
        "cache_parameter_group_name": None,
        "cache_subnet_group_name": None,
        "security_group_ids": None,
        "port": 6379,
        "automatic_failover": None,
        "multi_az": None,
        "at_rest_encryption": True,
        "kms_key_id": None,
        "transit_encryption": True,
        "auth_token": None,
        "snapshot_retention_limit": None,
        "snapshot_window": None,
        "preferred_maintenance_window": None,
        "auto_minor_version_upgrade": None,
        "apply_immediately": False,
        "tags": None,
        "purge_tags": True,
    }
    return {**defaults, **overrides}


def test_only_options_that_are_set_are_wanted_and_groups_are_sorted() -> None:
    wanted = wanted_settings(params(security_group_ids=["sg-b", "sg-a"], auth_token=TOKEN))

    assert wanted["security_group_ids"] == ["sg-a", "sg-b"]
    assert wanted["auth_token_enabled"] is True
    assert "engine_version" not in wanted and "multi_az" not in wanted


def test_a_requested_minor_version_matches_the_reported_patch_level() -> None:
    wanted = wanted_settings(params(engine_version="7.1"))

    assert differences({"engine_version": "7.1.0"}, wanted, ["engine_version"]) == []
    assert differences({"engine_version": "7.10.0"}, wanted, ["engine_version"]) == ["engine_version"]
    assert differences({"engine_version": "6.2.6"}, wanted, ["engine_version"]) == ["engine_version"]


def test_the_group_and_its_primary_cluster_together_give_the_settings() -> None:
    group = {
        "Description": "d",
        "CacheNodeType": "cache.t3.micro",
        "MemberClusters": ["g-001", "g-002"],
        "NodeGroups": [{"PrimaryEndpoint": {"Address": "master.x", "Port": 6380}}],
        "AutomaticFailover": "enabling",
        "MultiAZ": "enabled",
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": False,
        "AuthTokenEnabled": False,
    }
    member = {
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "CacheParameterGroup": {"CacheParameterGroupName": "pg"},
        "CacheSubnetGroupName": "sn",
        "SecurityGroups": [{"SecurityGroupId": "sg-2"}, {"SecurityGroupId": "sg-1"}],
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
    }

    settings = current_settings(group, member)

    assert settings["port"] == 6380
    assert settings["num_cache_clusters"] == 2
    assert settings["automatic_failover"] is True  # enabling counts: it is on its way
    assert settings["security_group_ids"] == ["sg-1", "sg-2"]
    assert settings["cache_parameter_group_name"] == "pg"
    assert settings["engine"] == "redis"


def test_a_modification_sends_only_what_changed_with_apply_immediately() -> None:
    wanted = wanted_settings(params(cache_node_type="cache.r6g.large", multi_az=True))

    assert modify_request(wanted, ["cache_node_type"], True) == {
        "CacheNodeType": "cache.r6g.large",
        "ApplyImmediately": True,
    }


def test_a_creation_request_leaves_out_what_is_not_set_and_carries_the_token() -> None:
    request = create_request(params(auth_token=TOKEN, tags={"Name": "x"}))

    assert request["NumCacheClusters"] == 2 and request["AuthToken"] == TOKEN
    assert request["Tags"] == [{"Key": "Name", "Value": "x"}]
    assert "EngineVersion" not in request and "MultiAZEnabled" not in request


# --- the module against moto -----------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[Aws]:
    """A moto account with the emulator's ElastiCache fixes, a VPC, two subnets, a subnet group,
    a security group and a parameter group."""
    with mock_aws(), ExitStack() as started:
        for fix in fixes.FIXES:
            if fix.name in EMULATOR_FIXES:
                started.enter_context(fix.patch())
        ec2 = boto3.client("ec2", region_name=REGION)
        elasticache = boto3.client("elasticache", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
                "Subnet"
            ]["SubnetId"]
            for i, az in enumerate("ab")
        ]
        elasticache.create_cache_subnet_group(
            CacheSubnetGroupName="webcast-test-redis", CacheSubnetGroupDescription="t", SubnetIds=subnets
        )
        groups = [
            ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
            for name in ("redis", "other")
        ]
        elasticache.create_cache_parameter_group(
            CacheParameterGroupName="webcast-test-redis", CacheParameterGroupFamily="redis7", Description="t"
        )
        yield {"elasticache": elasticache, "security_group_ids": groups}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_elasticache_replication_group(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        return run_module(elasticache_replication_group, {"region": REGION, **args}, capsys, check_mode)

    return run_elasticache_replication_group


@pytest.fixture
def args(aws: Aws) -> dict[str, Any]:
    """A primary and a replica in two AZs, encrypted, with a token, failing over across AZs."""
    return {
        "replication_group_id": GROUP_ID,
        "description": "Sessions of webcast-test.",
        "engine_version": "7.1",
        "cache_node_type": "cache.t3.micro",
        "num_cache_clusters": 2,
        "preferred_cache_cluster_azs": [f"{REGION}a", f"{REGION}b"],
        "cache_parameter_group_name": "webcast-test-redis",
        "cache_subnet_group_name": "webcast-test-redis",
        "security_group_ids": [aws["security_group_ids"][0]],
        "automatic_failover": True,
        "multi_az": True,
        "auth_token": TOKEN,
        "snapshot_retention_limit": 3,
        "tags": {"Name": GROUP_ID},
    }


def described(aws: Aws) -> dict[str, Any]:
    return aws["elasticache"].describe_replication_groups(ReplicationGroupId=GROUP_ID)["ReplicationGroups"][0]


def members(aws: Aws) -> list[dict[str, Any]]:
    clusters = aws["elasticache"].describe_cache_clusters()["CacheClusters"]
    return [c for c in clusters if c.get("ReplicationGroupId") == GROUP_ID]


def test_a_new_group_is_created_with_a_replica_in_another_az(aws: Aws, args: dict, run: Run) -> None:
    result = run(args)

    assert result["changed"] is True, result
    group = described(aws)
    assert group["MemberClusters"] == [f"{GROUP_ID}-001", f"{GROUP_ID}-002"]
    zones = [m["PreferredAvailabilityZone"] for m in group["NodeGroups"][0]["NodeGroupMembers"]]
    assert zones == [f"{REGION}a", f"{REGION}b"]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    assert (
        group["AtRestEncryptionEnabled"] and group["TransitEncryptionEnabled"] and group["AuthTokenEnabled"]
    )
    assert result["primary_endpoint"]["address"].startswith("master.")
    assert result["reader_endpoint"]["address"].startswith("replica.")
    assert result["replication_group"]["tags"] == {"Name": GROUP_ID}


def test_the_members_carry_the_groups_network_and_parameters(aws: Aws, args: dict, run: Run) -> None:
    run(args)

    for member in members(aws):
        assert member["CacheSubnetGroupName"] == "webcast-test-redis"
        assert [g["SecurityGroupId"] for g in member["SecurityGroups"]] == args["security_group_ids"]
        assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "webcast-test-redis"


def test_the_auth_token_never_appears_in_the_result(aws: Aws, args: dict, run: Run) -> None:
    result = run(args)

    assert TOKEN not in str(result)


def test_a_second_identical_run_changes_nothing(aws: Aws, args: dict, run: Run) -> None:
    run(args)

    second = run(args)

    assert second["changed"] is False, second["modified"]
    assert second["modified"] == []
    assert second["diff"]["before"] == second["diff"]["after"]


def test_check_mode_reports_a_new_group_and_creates_nothing(aws: Aws, args: dict, run: Run) -> None:
    result = run(args, check_mode=True)

    assert result["changed"] is True
    assert result["settings"]["num_cache_clusters"] == 2
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []


def test_mutable_settings_are_modified_in_place(aws: Aws, args: dict, run: Run) -> None:
    run(args)
    other_group = aws["security_group_ids"][1]

    result = run({**args, "cache_node_type": "cache.t3.small", "security_group_ids": [other_group]})

    assert result["changed"] is True
    assert result["modified"] == ["cache_node_type", "security_group_ids"]
    assert described(aws)["CacheNodeType"] == "cache.t3.small"
    assert all([g["SecurityGroupId"] for g in m["SecurityGroups"]] == [other_group] for m in members(aws))
    assert result["diff"]["before"]["cache_node_type"] == "cache.t3.micro"
    assert result["diff"]["after"]["cache_node_type"] == "cache.t3.small"


def test_check_mode_reports_a_modification_and_modifies_nothing(aws: Aws, args: dict, run: Run) -> None:
    run(args)

    result = run({**args, "snapshot_retention_limit": 7}, check_mode=True)

    assert result["changed"] is True
    assert result["modified"] == ["snapshot_retention_limit"]
    assert described(aws)["SnapshotRetentionLimit"] == 3


def test_a_setting_fixed_at_creation_fails_naming_it_and_changes_nothing(
    aws: Aws, args: dict, run: Run
) -> None:
    run(args)

    result = run({**args, "port": 6380, "at_rest_encryption": False, "cache_node_type": "cache.t3.small"})

    assert result["failed"] is True
    assert "port is 6379, requested 6380" in result["msg"]
    assert "at_rest_encryption is True, requested False" in result["msg"]
    assert described(aws)["CacheNodeType"] == "cache.t3.micro"


def test_tags_are_converged_in_place(aws: Aws, args: dict, run: Run) -> None:
    run(args)

    result = run({**args, "tags": {"Name": GROUP_ID, "Team": "video"}})

    assert result["changed"] is True and result["modified"] == []
    arn = described(aws)["ARN"]
    tags = aws["elasticache"].list_tags_for_resource(ResourceName=arn)["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Name": GROUP_ID, "Team": "video"}


def test_failover_without_a_replica_fails_before_any_call(aws: Aws, args: dict, run: Run) -> None:
    result = run({**args, "num_cache_clusters": 1})

    assert result["failed"] is True
    assert "num_cache_clusters of 2 or more" in result["msg"]
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []


def test_absent_deletes_the_group_and_its_members_and_a_second_absent_changes_nothing(
    aws: Aws, args: dict, run: Run
) -> None:
    run(args)
    absent = {"replication_group_id": GROUP_ID, "state": "absent"}

    first = run(absent)
    second = run(absent)

    assert first["changed"] is True
    assert first["diff"]["before"]["num_cache_clusters"] == 2
    assert aws["elasticache"].describe_replication_groups()["ReplicationGroups"] == []
    assert members(aws) == []
    assert second["changed"] is False
