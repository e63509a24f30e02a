"""ElastiCache: replication groups and cache parameter groups as AWS answers for them.

webcast.platform.elasticache_replication_group and community.aws.elasticache_parameter_group rely
on each behaviour restored here; tests/tools/test_emulator_fixes_elasticache_groups.py shows each
one failing without its fix.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together

# --- replication groups --------------------------------------------------------------------------

# ModifyReplicationGroup parameters moto ignores: (request parameter, attribute on the group and
# on its member cache clusters).
_MODIFIABLE_ON_MEMBERS = (
    ("EngineVersion", "engine_version"),
    ("CacheParameterGroupName", "cache_parameter_group_name"),
    ("SecurityGroupIds", "security_group_ids"),
    ("PreferredMaintenanceWindow", "preferred_maintenance_window"),
    ("SnapshotWindow", "snapshot_window"),
    ("AutoMinorVersionUpgrade", "auto_minor_version_upgrade"),
    ("CacheNodeType", "cache_node_type"),
)


def _member_cluster(backend: Any, group: Any, member: dict[str, Any]) -> Any:
    """The cache cluster AWS creates for one member of a replication group (cluster mode disabled)."""
    from moto.elasticache.models import CacheCluster

    return CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=member["cache_cluster_id"],
        cache_node_type=group.cache_node_type,
        replication_group_id=group.replication_group_id,
        az_mode="single-az",
        preferred_availability_zone=member.get("preferred_availability_zone"),
        num_cache_nodes=1,
        engine=group.engine,
        engine_version=group.engine_version,
        cache_parameter_group_name=group.cache_parameter_group_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        transit_encryption_enabled=group.transit_encryption_enabled,
        network_type=group.network_type,
        ip_discovery=group.ip_discovery,
        snapshot_name=None,
        preferred_maintenance_window=group.preferred_maintenance_window,
        port=group.port,
        notification_topic_arn=None,
        auto_minor_version_upgrade=group.auto_minor_version_upgrade,
        snapshot_retention_limit=group.snapshot_retention_limit,
        snapshot_window=group.snapshot_window,
        auth_token=None,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        cache_security_group_names=None,
        security_group_ids=group.security_group_ids,
        tags=None,
        snapshot_arns=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
    )


def _cache_parameter_group(self: Any) -> dict[str, Any] | None:
    name = self.cache_parameter_group_name or ""
    if not name:
        return None
    return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []}


def _elasticache_replication_group_members() -> AbstractContextManager:
    """AWS creates a replication group's members as cache clusters and modifies them with the group.

    With cluster mode disabled, NumCacheClusters is the number of members (the primary and its
    replicas); moto ignores it and creates a primary alone unless ReplicasPerNodeGroup is given, so
    a group asked for with a replica in another AZ has none. Every member is a cache cluster
    that DescribeCacheClusters lists, with its ReplicationGroupId, engine version, parameter group
    (CacheParameterGroup), subnet group, security groups and maintenance window: AWS reports these
    there and not on the group. moto creates no such clusters (DescribeCacheClusters of a member
    answers CacheClusterNotFound). ModifyReplicationGroup changes the engine version, parameter
    group, security groups, windows, minor upgrades and node type of the group and its members;
    moto applies only the description, node type, failover, Multi-AZ and snapshot retention.
    DeleteReplicationGroup deletes the members with the group. A node group reports its
    ReaderEndpoint (Address, Port) next to its PrimaryEndpoint; moto reports only the primary.
    """
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    set_members = ReplicationGroup._set_node_members_clusters_disabled
    create = ElastiCacheBackend.create_replication_group
    delete = ElastiCacheBackend.delete_replication_group
    modify_response = ElastiCacheResponse.modify_replication_group

    def set_node_members_clusters_disabled(self: Any, **kwargs: Any) -> None:
        if not kwargs.get("replicas_per_node_group"):
            kwargs["replicas_per_node_group"] = max(int(kwargs.get("num_cache_clusters") or 1) - 1, 0)
        node_group = kwargs["node_group"]
        node_group["reader_endpoint"] = {"address": node_group["reader_endpoint_address"], "port": self.port}
        set_members(self, **kwargs)

    def create_replication_group(self: Any, **kwargs: Any) -> Any:
        group = create(self, **kwargs)
        for node_group in group.node_groups:
            for member in node_group["node_group_members"]:
                self.cache_clusters[member["cache_cluster_id"]] = _member_cluster(self, group, member)
        return group

    def delete_replication_group(self: Any, replication_group_id: str, retain_primary_cluster: Any) -> Any:
        group = delete(self, replication_group_id, retain_primary_cluster)
        for cluster_id in list(self.cache_clusters):
            if getattr(self.cache_clusters[cluster_id], "replication_group_id", None) == replication_group_id:
                del self.cache_clusters[cluster_id]
        # AWS lists the group as deleting for minutes, then not at all; the emulator skips the minutes.
        self.replication_groups.pop(replication_group_id, None)
        return group

    def modify_replication_group(self: Any) -> Any:
        answer = modify_response(self)
        backend = self.elasticache_backend
        group = backend.replication_groups[self._get_param("ReplicationGroupId")]
        members = [backend.cache_clusters[c] for c in group.member_clusters if c in backend.cache_clusters]
        for parameter, attribute in _MODIFIABLE_ON_MEMBERS:
            if parameter == "AutoMinorVersionUpgrade":
                value = self._get_bool_param(parameter)
            elif parameter == "SecurityGroupIds":
                value = self._get_param(parameter) or None
            else:
                value = self._get_param(parameter)
            if value is None:
                continue
            for resource in (group, *members):
                setattr(resource, attribute, value)
        return answer

    return _Together(
        mock.patch.object(
            ReplicationGroup, "_set_node_members_clusters_disabled", set_node_members_clusters_disabled
        ),
        mock.patch.object(ElastiCacheBackend, "create_replication_group", create_replication_group),
        mock.patch.object(ElastiCacheBackend, "delete_replication_group", delete_replication_group),
        mock.patch.object(ElastiCacheResponse, "modify_replication_group", modify_replication_group),
        mock.patch.object(
            CacheCluster, "cache_parameter_group", property(_cache_parameter_group), create=True
        ),
    )


# --- cache parameter groups ------------------------------------------------------------------------

# Parameters of the redis6.x and redis7 families as DescribeCacheParameters lists them:
# name, DataType, AllowedValues, default value. AWS lists about 150; these are the ones an
# operator of this platform sets. ChangeType is immediate for all of them.
_REDIS_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    (
        "maxmemory-policy",
        "string",
        "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction",
        "volatile-lru",
    ),
    ("maxmemory-samples", "integer", "1-", "3"),
    ("timeout", "integer", "0,20-", "0"),
    ("tcp-keepalive", "integer", "0-", "300"),
    ("notify-keyspace-events", "string", "", ""),
    ("slowlog-log-slower-than", "integer", "-", "10000"),
    ("slowlog-max-len", "integer", "0-", "128"),
    ("reserved-memory-percent", "integer", "0-100", "25"),
)
_FAMILIES = ("redis6.x", "redis7", "valkey7", "valkey8")


class _ParameterGroupNotFound(Exception):
    pass


def _parameter_groups(backend: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "_webcast_cache_parameter_groups"):
        backend._webcast_cache_parameter_groups = {}
    return backend._webcast_cache_parameter_groups


def _not_found(name: str) -> Exception:
    from moto.elasticache.exceptions import ElastiCacheException

    class CacheParameterGroupNotFound(ElastiCacheException):
        code = "CacheParameterGroupNotFound"

    return CacheParameterGroupNotFound(f"CacheParameterGroup {name} not found.")


def _group_answer(backend: Any, name: str, group: dict[str, Any]) -> dict[str, Any]:
    return {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": group["family"],
        "Description": group["description"],
        "IsGlobal": False,
        "ARN": f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}:parametergroup:{name}",
    }


def _create_cache_parameter_group(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import InvalidParameterValueException

    name = self._get_param("CacheParameterGroupName")
    family = self._get_param("CacheParameterGroupFamily")
    groups = _parameter_groups(self.elasticache_backend)
    if name in groups:
        from moto.elasticache.exceptions import ElastiCacheException

        class CacheParameterGroupAlreadyExists(ElastiCacheException):
            code = "CacheParameterGroupAlreadyExists"

        raise CacheParameterGroupAlreadyExists(f"Parameter group {name} already exists.")
    if family not in _FAMILIES:
        raise InvalidParameterValueException(f"Unknown cache parameter group family {family}.")
    groups[name] = {"family": family, "description": self._get_param("Description") or "", "values": {}}
    return ActionResult({"CacheParameterGroup": _group_answer(self.elasticache_backend, name, groups[name])})


def _describe_cache_parameter_groups(self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("CacheParameterGroupName")
    groups = _parameter_groups(self.elasticache_backend)
    if name and name not in groups:
        raise _not_found(name)
    names = [name] if name else sorted(groups)
    return ActionResult(
        {"CacheParameterGroups": [_group_answer(self.elasticache_backend, n, groups[n]) for n in names]}
    )


def _describe_cache_parameters(self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("CacheParameterGroupName")
    groups = _parameter_groups(self.elasticache_backend)
    if name not in groups:
        raise _not_found(name)
    values = groups[name]["values"]
    parameters = []
    for parameter, data_type, allowed, default in _REDIS_PARAMETERS:
        parameters.append(
            {
                "ParameterName": parameter,
                "ParameterValue": values.get(parameter, default),
                "Description": parameter.replace("-", " "),
                "Source": "user" if parameter in values else "system",
                "DataType": data_type,
                "AllowedValues": allowed,
                "IsModifiable": True,
                "MinimumEngineVersion": "6.0.0",
                "ChangeType": "immediate",
            }
        )
    return ActionResult({"Parameters": parameters, "CacheNodeTypeSpecificParameters": []})


def _modify_cache_parameter_group(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import InvalidParameterValueException

    name = self._get_param("CacheParameterGroupName")
    groups = _parameter_groups(self.elasticache_backend)
    if name not in groups:
        raise _not_found(name)
    known = {parameter for parameter, *_ in _REDIS_PARAMETERS}
    for pair in self._get_param("ParameterNameValues") or []:
        if pair["ParameterName"] not in known:
            raise InvalidParameterValueException(f"Unknown parameter {pair['ParameterName']}.")
        groups[name]["values"][pair["ParameterName"]] = pair["ParameterValue"]
    return ActionResult({"CacheParameterGroupName": name})


def _delete_cache_parameter_group(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name = self._get_param("CacheParameterGroupName")
    if _parameter_groups(self.elasticache_backend).pop(name, None) is None:
        raise _not_found(name)
    return EmptyResult()


def _elasticache_cache_parameter_groups() -> AbstractContextManager:
    """AWS ElastiCache serves cache parameter groups: create, describe, list parameters, modify, delete.

    moto implements none of CreateCacheParameterGroup, DescribeCacheParameterGroups,
    DescribeCacheParameters, ModifyCacheParameterGroup or DeleteCacheParameterGroup (in process
    NotImplementedError; its server answers 500), so community.aws.elasticache_parameter_group
    cannot create a group and a replication group cannot be given one. The fix keeps groups of the
    redis6.x, redis7, valkey7 and valkey8 families per account and region; DescribeCacheParameters
    lists a catalogue of Redis parameters (not all ~150 of AWS) with their defaults (Source
    system) or their set values (Source user), and ModifyCacheParameterGroup refuses a parameter
    outside it, as AWS refuses an unknown one.
    """
    from moto.elasticache.responses import ElastiCacheResponse

    return mock.patch.multiple(
        ElastiCacheResponse,
        create=True,
        create_cache_parameter_group=_create_cache_parameter_group,
        describe_cache_parameter_groups=_describe_cache_parameter_groups,
        describe_cache_parameters=_describe_cache_parameters,
        modify_cache_parameter_group=_modify_cache_parameter_group,
        delete_cache_parameter_group=_delete_cache_parameter_group,
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="elasticache_replication_group_members",
        aws_behaviour="A replication group has NumCacheClusters members, each a cache cluster that "
        "DescribeCacheClusters lists and ModifyReplicationGroup changes",
        patch=_elasticache_replication_group_members,
    ),
    Fix(
        name="elasticache_cache_parameter_groups",
        aws_behaviour="ElastiCache creates, describes, modifies and deletes cache parameter groups",
        patch=_elasticache_cache_parameter_groups,
    ),
)
