"""What DescribeCacheClusters tells community.aws.elasticache about a cluster's nodes and groups.

AWS's shape is the one botocore documents in its own example of the call
(botocore/data/elasticache/2015-02-02/examples-1.json): CacheSecurityGroups always (empty in a
VPC), ConfigurationEndpoint for memcached, CacheNodes only with ShowCacheNodeInfo=true.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
from ansible_collections.community.aws.plugins.modules import elasticache as elasticache_module
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.elasticache.models import CacheCluster
from moto.elasticache.responses import ElastiCacheResponse

REDIS = {
    "name": "chat",
    "state": "present",
    "engine": "redis",
    "node_type": "cache.t3.micro",
    "num_nodes": 1,
    "cache_port": 6379,
}
MEMCACHED = {
    "name": "sessions",
    "state": "present",
    "engine": "memcached",
    "node_type": "cache.t3.micro",
    "num_nodes": 2,
}


def details_fix():
    return fix("elasticache_cache_cluster_details").patch()


@pytest.fixture
def elasticache() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("elasticache", region_name=REGION)


def botocore_example() -> dict[str, Any]:
    """The cluster in botocore's DescribeCacheClusters example with ShowCacheNodeInfo=true."""
    path = Path(botocore.__file__).parent / "data/elasticache/2015-02-02/examples-1.json"
    examples = json.loads(path.read_text())["examples"]["DescribeCacheClusters"]
    return next(e for e in examples if e["input"].get("ShowCacheNodeInfo"))["output"]["CacheClusters"][0]


def cluster(elasticache, cluster_id: str, engine: str, nodes: int = 1, **extra: Any) -> None:
    elasticache.create_cache_cluster(
        CacheClusterId=cluster_id, Engine=engine, CacheNodeType="cache.t3.micro", NumCacheNodes=nodes, **extra
    )


def described(elasticache, cluster_id: str, show_nodes: bool = True) -> dict[str, Any]:
    # The call community.aws.elasticache makes (ElastiCacheManager._refresh_data).
    return elasticache.describe_cache_clusters(CacheClusterId=cluster_id, ShowCacheNodeInfo=show_nodes)[
        "CacheClusters"
    ][0]


# --- what moto answers without the fix ---------------------------------------------------------


def test_without_the_fix_moto_omits_cache_nodes_security_groups_and_the_configuration_endpoint(elasticache):
    cluster(elasticache, "chat", "redis", SecurityGroupIds=["sg-0123456789abcdef0"])
    cluster(elasticache, "sessions", "memcached", 2)
    for cluster_id in ("chat", "sessions"):
        answer = described(elasticache, cluster_id)
        for key in ("CacheNodes", "CacheSecurityGroups", "SecurityGroups", "ConfigurationEndpoint"):
            assert key not in answer, (cluster_id, key)


@pytest.mark.parametrize(("wanted", "missing"), [(REDIS, "CacheNodes"), (MEMCACHED, "ConfigurationEndpoint")])
def test_without_the_fix_the_elasticache_module_fails_its_second_run(elasticache, capsys, wanted, missing):
    assert run_module(capsys, elasticache_module, **wanted)["changed"] is True
    with pytest.raises(KeyError, match=missing):
        run_module(capsys, elasticache_module, **wanted)


# --- what the fix restores ---------------------------------------------------------------------


def test_with_the_fix_cache_nodes_come_in_the_shape_aws_documents(elasticache):
    cluster(elasticache, "sessions", "memcached", 2, PreferredAvailabilityZone="eu-west-1b", Port=11211)
    with details_fix():
        answer = described(elasticache, "sessions")
    example = botocore_example()
    assert set(answer) >= {"CacheNodes", "CacheSecurityGroups", "ConfigurationEndpoint"}
    assert [set(node) for node in answer["CacheNodes"]] == [set(node) for node in example["CacheNodes"]]
    assert [node["CacheNodeId"] for node in answer["CacheNodes"]] == ["0001", "0002"]
    node = answer["CacheNodes"][0]
    assert node["CacheNodeStatus"] == "available" and node["ParameterGroupStatus"] == "in-sync"
    assert node["CustomerAvailabilityZone"] == "eu-west-1b"
    assert node["Endpoint"]["Port"] == 11211
    assert node["Endpoint"]["Address"].startswith("sessions.")
    assert node["Endpoint"]["Address"].endswith(".0001.euw1.cache.amazonaws.com")
    assert set(answer["ConfigurationEndpoint"]) == set(example["ConfigurationEndpoint"])
    assert answer["ConfigurationEndpoint"]["Address"].endswith(".cfg.euw1.cache.amazonaws.com")
    assert answer["ConfigurationEndpoint"]["Port"] == 11211
    assert answer["CacheSecurityGroups"] == example["CacheSecurityGroups"] == []  # in a VPC


def test_with_the_fix_cache_nodes_come_only_with_show_cache_node_info(elasticache):
    cluster(elasticache, "chat", "redis")
    with details_fix():
        answer = described(elasticache, "chat", show_nodes=False)
    assert "CacheNodes" not in answer
    assert answer["CacheSecurityGroups"] == []
    assert "ConfigurationEndpoint" not in answer  # memcached only


def test_with_the_fix_vpc_security_groups_are_reported_with_their_status(elasticache):
    cluster(elasticache, "chat", "redis", SecurityGroupIds=["sg-0123456789abcdef0"])
    with details_fix():
        answer = described(elasticache, "chat")
    assert answer["SecurityGroups"] == [{"SecurityGroupId": "sg-0123456789abcdef0", "Status": "active"}]
    assert answer["CacheNodes"][0]["Endpoint"]["Port"] == 6379


@pytest.mark.parametrize(
    "wanted",
    [
        REDIS,
        {**REDIS, "security_group_ids": ["sg-0123456789abcdef0"]},
        MEMCACHED,
        {**MEMCACHED, "cache_port": 11211, "security_group_ids": ["sg-0123456789abcdef0"]},
    ],
    ids=["redis", "redis-in-vpc-groups", "memcached", "memcached-in-vpc-groups"],
)
def test_with_the_fix_the_elasticache_module_reports_no_change_on_its_second_run(elasticache, capsys, wanted):
    with details_fix():
        first = run_module(capsys, elasticache_module, **wanted)
        second = run_module(capsys, elasticache_module, **wanted)
    assert first["changed"] is True, first
    assert second["changed"] is False, second
    assert second["elasticache"]["status"] == "available"


def test_the_elasticache_fix_is_reversible(elasticache):
    cluster(elasticache, "chat", "redis")
    describe = ElastiCacheResponse.describe_cache_clusters
    with details_fix():
        assert "CacheNodes" in described(elasticache, "chat")
    assert ElastiCacheResponse.describe_cache_clusters is describe
    for attribute in ("cache_security_groups", "security_groups", "configuration_endpoint"):
        assert not hasattr(CacheCluster, attribute)
    assert "CacheNodes" not in described(elasticache, "chat")
