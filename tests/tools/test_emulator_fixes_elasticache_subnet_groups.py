"""ElastiCache's DeleteCacheSubnetGroup: AWS serves it; moto 5.2 does not (NotImplementedError).

The teardown deletes the cache's subnet group after the replication group, before the subnets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from emulator_helpers import REGION, fix
from moto import mock_aws


@pytest.fixture
def elasticache() -> Iterator[Any]:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
        client = boto3.client("elasticache", region_name=REGION)
        client.create_cache_subnet_group(
            CacheSubnetGroupName="webcast-test-redis", CacheSubnetGroupDescription="d", SubnetIds=[subnet]
        )
        yield client


def test_without_the_fix_moto_cannot_delete_a_cache_subnet_group(elasticache) -> None:
    with pytest.raises(NotImplementedError):
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="webcast-test-redis")


def test_an_unused_cache_subnet_group_is_deleted(elasticache) -> None:
    with fix("elasticache_delete_cache_subnet_group").patch():
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="webcast-test-redis")

        with pytest.raises(botocore.exceptions.ClientError) as error:
            elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="webcast-test-redis")
    assert error.value.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"


def test_an_unknown_cache_subnet_group_is_not_found(elasticache) -> None:
    with (
        fix("elasticache_delete_cache_subnet_group").patch(),
        pytest.raises(botocore.exceptions.ClientError) as error,
    ):
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="nowhere")
    assert error.value.response["Error"]["Code"] == "CacheSubnetGroupNotFoundFault"
