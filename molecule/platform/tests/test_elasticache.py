"""The cache tier, as AWS (the emulator) reports it after converge: the promises of aws_elasticache."""

from __future__ import annotations

import pytest
from conftest import ENV


@pytest.fixture(scope="module")
def elasticache(aws):
    return aws("elasticache")


@pytest.fixture(scope="module")
def name(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-redis"


@pytest.fixture(scope="module")
def group(elasticache, name):
    (found,) = elasticache.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"]
    return found


@pytest.fixture(scope="module")
def members(elasticache, group) -> list[dict]:
    return [
        elasticache.describe_cache_clusters(CacheClusterId=member)["CacheClusters"][0]
        for member in group["MemberClusters"]
    ]


def test_a_replica_runs_in_another_az_than_the_primary(group):
    roles = {
        m["CurrentRole"]: m["PreferredAvailabilityZone"] for m in group["NodeGroups"][0]["NodeGroupMembers"]
    }
    assert set(roles) == {"primary", "replica"}, roles
    assert roles["primary"] != roles["replica"], roles


def test_failover_is_automatic_and_multi_az(group):
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")


def test_data_is_encrypted_at_rest_and_in_transit_behind_an_auth_token(group):
    found = {
        key: group.get(key)
        for key in ("AtRestEncryptionEnabled", "TransitEncryptionEnabled", "AuthTokenEnabled")
    }
    assert found == {
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": True,
        "AuthTokenEnabled": True,
    }


def test_the_auth_token_is_kept_in_secrets_manager_under_the_environment(aws, settings):
    secret_name = f"/{settings['webcast_project']}/{ENV}/redis/auth-token"
    token = aws("secretsmanager").get_secret_value(SecretId=secret_name)["SecretString"]
    assert len(token) >= 16, f"the AUTH token has {len(token)} characters"


def test_every_member_lives_in_the_data_subnets_behind_the_redis_group_only(
    aws, elasticache, members, env_filters, settings
):
    subnets = aws("ec2").describe_subnets(Filters=[*env_filters, {"Name": "tag:Tier", "Values": ["data"]}])[
        "Subnets"
    ]
    data_subnets = {subnet["SubnetId"] for subnet in subnets}
    for member in members:
        (subnet_group,) = elasticache.describe_cache_subnet_groups(
            CacheSubnetGroupName=member["CacheSubnetGroupName"]
        )["CacheSubnetGroups"]
        assert {s["SubnetIdentifier"] for s in subnet_group["Subnets"]} == data_subnets
        group_ids = [g["SecurityGroupId"] for g in member["SecurityGroups"]]
        (security_group,) = aws("ec2").describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
        assert security_group["GroupName"] == f"{settings['webcast_project']}-{ENV}-redis", group_ids


def test_the_parameter_group_sets_the_eviction_policy(elasticache, members, name):
    assert {m["CacheParameterGroup"]["CacheParameterGroupName"] for m in members} == {name}
    parameters = elasticache.describe_cache_parameters(CacheParameterGroupName=name)["Parameters"]
    policy = {p["ParameterName"]: p.get("ParameterValue") for p in parameters}["maxmemory-policy"]
    assert policy == "volatile-lru"


def test_nodes_are_of_the_environment_type(group, settings):
    assert group["CacheNodeType"] == settings["webcast_cache_node_type"]


def test_automatic_snapshots_are_kept(group):
    assert group["SnapshotRetentionLimit"] >= 1, group["SnapshotRetentionLimit"]
