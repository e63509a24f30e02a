"""Replication groups and cache parameter groups: moto without the fixes, and AWS's answers with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.community.aws.plugins.modules import elasticache_parameter_group
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.elasticache.models import CacheCluster, ElastiCacheBackend
from moto.elasticache.responses import ElastiCacheResponse

GROUP = {
    "ReplicationGroupId": "chat",
    "ReplicationGroupDescription": "chat",
    "Engine": "redis",
    "CacheNodeType": "cache.t3.micro",
    "NumCacheClusters": 2,
    "PreferredCacheClusterAZs": [f"{REGION}a", f"{REGION}b"],
    "CacheSubnetGroupName": "data",
    "SecurityGroupIds": ["sg-0123456789abcdef0"],
    "CacheParameterGroupName": "chat",
    "EngineVersion": "7.1",
}
PARAMETER_GROUP = {"name": "chat", "group_family": "redis6.x", "state": "present", "values": {"timeout": 300}}


def members_fix():
    return fix("elasticache_replication_group_members").patch()


def parameter_groups_fix():
    return fix("elasticache_cache_parameter_groups").patch()


@pytest.fixture
def elasticache() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("elasticache", region_name=REGION)


def describe(elasticache) -> dict[str, Any]:
    return elasticache.describe_replication_groups(ReplicationGroupId="chat")["ReplicationGroups"][0]


# --- replication groups ------------------------------------------------------------------------


def test_without_the_fix_a_group_of_two_has_one_member_and_no_member_cluster(elasticache):
    elasticache.create_replication_group(**GROUP)
    group = describe(elasticache)
    assert group["MemberClusters"] == ["chat-001"]
    assert "ReaderEndpoint" not in group["NodeGroups"][0]
    with pytest.raises(elasticache.exceptions.CacheClusterNotFoundFault):
        elasticache.describe_cache_clusters(CacheClusterId="chat-001")


def test_with_the_fix_a_group_of_two_has_a_replica_in_the_second_az(elasticache):
    with members_fix():
        elasticache.create_replication_group(**GROUP)
        group = describe(elasticache)
    node_group = group["NodeGroups"][0]
    assert group["MemberClusters"] == ["chat-001", "chat-002"]
    assert [(m["CurrentRole"], m["PreferredAvailabilityZone"]) for m in node_group["NodeGroupMembers"]] == [
        ("primary", f"{REGION}a"),
        ("replica", f"{REGION}b"),
    ]
    assert node_group["ReaderEndpoint"]["Address"].startswith("replica.")


def test_with_the_fix_members_are_cache_clusters_carrying_the_groups_settings(elasticache):
    with members_fix():
        elasticache.create_replication_group(**GROUP)
        (member,) = elasticache.describe_cache_clusters(CacheClusterId="chat-002")["CacheClusters"]
    assert member["ReplicationGroupId"] == "chat"
    assert member["CacheSubnetGroupName"] == "data"
    assert member["EngineVersion"] == "7.1"
    assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "chat"
    assert member["PreferredAvailabilityZone"] == f"{REGION}b"


def test_without_the_fix_modify_ignores_the_members_settings(elasticache):
    elasticache.create_replication_group(**GROUP)
    elasticache.modify_replication_group(
        ReplicationGroupId="chat", SecurityGroupIds=["sg-1"], EngineVersion="7.2"
    )
    # Nothing to read them back from: moto has no member clusters, and the group does not report them.
    assert "SecurityGroups" not in describe(elasticache)


def test_with_the_fix_modify_changes_the_group_and_every_member(elasticache):
    with fix("elasticache_cache_cluster_details").patch(), members_fix():
        elasticache.create_replication_group(**GROUP)
        elasticache.modify_replication_group(
            ReplicationGroupId="chat",
            SecurityGroupIds=["sg-1"],
            EngineVersion="7.2",
            CacheNodeType="cache.t3.small",
        )
        clusters = elasticache.describe_cache_clusters()["CacheClusters"]
    assert [(c["EngineVersion"], c["CacheNodeType"]) for c in clusters] == [("7.2", "cache.t3.small")] * 2
    assert [[g["SecurityGroupId"] for g in c["SecurityGroups"]] for c in clusters] == [["sg-1"]] * 2


def test_with_the_fix_delete_removes_the_group_and_its_members(elasticache):
    with members_fix():
        elasticache.create_replication_group(**GROUP)
        elasticache.delete_replication_group(ReplicationGroupId="chat")
        assert elasticache.describe_cache_clusters()["CacheClusters"] == []
        assert elasticache.describe_replication_groups()["ReplicationGroups"] == []


def test_the_members_fix_is_reversible(elasticache):
    create = ElastiCacheBackend.create_replication_group
    with members_fix():
        assert ElastiCacheBackend.create_replication_group is not create
    assert ElastiCacheBackend.create_replication_group is create
    assert not hasattr(CacheCluster, "cache_parameter_group")


# --- cache parameter groups --------------------------------------------------------------------


def test_without_the_fix_no_parameter_group_can_be_created(elasticache):
    with pytest.raises(NotImplementedError):
        elasticache.create_cache_parameter_group(
            CacheParameterGroupName="chat", CacheParameterGroupFamily="redis7", Description="chat"
        )


def test_with_the_fix_a_group_lists_defaults_then_what_was_set(elasticache):
    with parameter_groups_fix():
        elasticache.create_cache_parameter_group(
            CacheParameterGroupName="chat", CacheParameterGroupFamily="redis7", Description="chat"
        )
        before = elasticache.describe_cache_parameters(CacheParameterGroupName="chat")["Parameters"]
        elasticache.modify_cache_parameter_group(
            CacheParameterGroupName="chat",
            ParameterNameValues=[{"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"}],
        )
        after = elasticache.describe_cache_parameters(CacheParameterGroupName="chat")["Parameters"]
        (group,) = elasticache.describe_cache_parameter_groups(CacheParameterGroupName="chat")[
            "CacheParameterGroups"
        ]
    policy = {p["ParameterName"]: p for p in before}["maxmemory-policy"]
    assert (policy["ParameterValue"], policy["Source"]) == ("volatile-lru", "system")
    policy = {p["ParameterName"]: p for p in after}["maxmemory-policy"]
    assert (policy["ParameterValue"], policy["Source"]) == ("allkeys-lru", "user")
    assert group["CacheParameterGroupFamily"] == "redis7"


def test_with_the_fix_a_missing_group_and_an_unknown_parameter_are_refused(elasticache):
    with parameter_groups_fix():
        with pytest.raises(elasticache.exceptions.CacheParameterGroupNotFoundFault):
            elasticache.describe_cache_parameters(CacheParameterGroupName="missing")
        elasticache.create_cache_parameter_group(
            CacheParameterGroupName="chat", CacheParameterGroupFamily="redis7", Description="chat"
        )
        with pytest.raises(elasticache.exceptions.InvalidParameterValueException):
            elasticache.modify_cache_parameter_group(
                CacheParameterGroupName="chat",
                ParameterNameValues=[{"ParameterName": "no-such", "ParameterValue": "1"}],
            )


def test_with_the_fix_the_parameter_group_module_converges(elasticache, capsys):
    with parameter_groups_fix():
        first = run_module(capsys, elasticache_parameter_group, **PARAMETER_GROUP)
        second = run_module(capsys, elasticache_parameter_group, **PARAMETER_GROUP)
    assert first["changed"] is True, first
    assert second["changed"] is False, second


def test_the_parameter_groups_fix_is_reversible(elasticache):
    with parameter_groups_fix():
        assert hasattr(ElastiCacheResponse, "describe_cache_parameters")
    assert not hasattr(ElastiCacheResponse, "describe_cache_parameters")
