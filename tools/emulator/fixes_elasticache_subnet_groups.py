"""ElastiCache: DeleteCacheSubnetGroup, which moto lacks."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix


def _delete_cache_subnet_group(self: Any) -> Any:
    """DeleteCacheSubnetGroup: the group is gone (empty answer); CacheSubnetGroupNotFoundFault if there
    is none, and CacheSubnetGroupInUse while a cluster or replication group of the backend uses it."""
    from moto.core.responses import EmptyResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ElastiCacheException

    name = self._get_param("CacheSubnetGroupName")
    backend = self.elasticache_backend
    if name not in backend.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(name)
    users = list(backend.cache_clusters.values()) + list(backend.replication_groups.values())
    if any(getattr(user, "cache_subnet_group_name", None) == name for user in users):

        class CacheSubnetGroupInUse(ElastiCacheException):
            code = "CacheSubnetGroupInUse"

        raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster.")
    del backend.cache_subnet_groups[name]
    return EmptyResult()


def _delete_cache_subnet_group_api() -> AbstractContextManager:
    """AWS ElastiCache serves DeleteCacheSubnetGroup: a subnet group no cache uses any more can go.

    moto 5.2 creates and describes cache subnet groups but has no handler for deleting one (its
    server answers 500, NotImplementedError), so an environment's teardown could never remove the
    group, and with it the data subnets it names. AWS answers CacheSubnetGroupNotFoundFault for an
    unknown group and CacheSubnetGroupInUse while a cluster uses it; so does this handler.
    """
    from moto.elasticache.responses import ElastiCacheResponse

    return mock.patch.object(
        ElastiCacheResponse, "delete_cache_subnet_group", _delete_cache_subnet_group, create=True
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="elasticache_delete_cache_subnet_group",
        aws_behaviour="ElastiCache serves DeleteCacheSubnetGroup",
        patch=_delete_cache_subnet_group_api,
    ),
)
