"""Compatibility fixes for moto, each restoring one AWS behaviour that the AWS collections rely on.

Every fix is a small, reversible patch: ``apply_all()`` starts them in the emulator's server
process, and the tests start each one alone to show what the collections see with and without it.
Add a fix only with the AWS behaviour it restores named in its docstring, and a test in
``tests/tools/test_emulator_fixes*.py`` that fails without it.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock


@dataclass(frozen=True)
class Fix:
    """A named patch of moto; ``patch()`` returns an unstarted context manager."""

    name: str
    aws_behaviour: str
    patch: Callable[[], AbstractContextManager]


def _nat_gateway_tag_resource_type() -> AbstractContextManager:
    """AWS reports NAT gateways in DescribeTags as resource type ``natgateway``.

    moto derives the type from the id prefix and answers ``nat-gateway``, so a filter on
    ``resource-type=natgateway`` (what amazon.aws.ec2_vpc_nat_gateway sends) finds no tags, and
    the module re-tags every NAT gateway on every run: a converged network never reports ok.
    """
    from moto.ec2 import utils

    return mock.patch.dict(utils.EC2_PREFIX_TO_RESOURCE, {"nat": "natgateway"})


class _Together(AbstractContextManager):
    """Several patches that restore one behaviour, started and stopped as one.

    A class, not a generator-based context manager: the server drops what apply_all() returns,
    and a dropped generator is closed by the garbage collector, which would stop its patches.
    """

    def __init__(self, *patchers: AbstractContextManager) -> None:
        self._patchers = patchers
        self._started = ExitStack()

    def __enter__(self) -> _Together:
        with ExitStack() as stack:
            for patcher in self._patchers:
                stack.enter_context(patcher)
            self._started = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._started.close()


# --- EFS: the file-system tag API (DescribeTags, CreateTags, DeleteTags) ------------------------


def _efs_file_system_id(response: Any) -> str:
    """The file system named in the request path; FileSystemNotFound (404) as on AWS if there is none."""
    from moto.efs.exceptions import FileSystemNotFound

    file_system_id = response._get_param("FileSystemId")
    if file_system_id not in response.efs_backend.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    return file_system_id


def _efs_describe_tags(self: Any) -> tuple[str, dict[str, Any]]:
    """GET /2015-02-01/tags/{FileSystemId}/: 200 and {"Tags": [...]}."""
    file_system_id = _efs_file_system_id(self)
    tags = self.efs_backend.list_tags_for_resource(file_system_id)
    return json.dumps({"Tags": tags}), {"Content-Type": "application/json"}


def _efs_create_tags(self: Any) -> tuple[str, dict[str, Any]]:
    """POST /2015-02-01/create-tags/{FileSystemId} with {"Tags": [...]}: 204, no body."""
    file_system_id = _efs_file_system_id(self)
    tags = {tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags") or []}
    self.efs_backend.tag_resource(file_system_id, tags)
    return "", {"status": 204}


def _efs_delete_tags(self: Any) -> tuple[str, dict[str, Any]]:
    """POST /2015-02-01/delete-tags/{FileSystemId} with {"TagKeys": [...]}: 204, no body."""
    file_system_id = _efs_file_system_id(self)
    self.efs_backend.untag_resource(file_system_id, self._get_param("TagKeys") or [])
    return "", {"status": 204}


def _efs_file_system_tag_api() -> AbstractContextManager:
    """AWS EFS answers DescribeTags, CreateTags and DeleteTags (the file-system tag API).

    The three operations are deprecated in favour of ListTagsForResource/TagResource/UntagResource
    but still served by AWS and still in botocore's model, and community.aws.efs uses only them:
    it reads every file system's tags with DescribeTags and converges them with CreateTags and
    DeleteTags. moto implements neither the routes (its server answers 404 Not Found, an HTML page)
    nor the handlers (in process: NotImplementedError), so the module fails on any file system. The
    routes are added to moto.efs.urls.url_paths, which the server reads when it builds the EFS URL
    map at its first EFS request: the fix has to be started before that (apply_all() runs before
    moto.server.main). The handlers keep the tags in moto's own tag store, so ListTagsForResource
    (community.aws.efs_tag) sees the same tags.
    """
    from moto.efs import urls
    from moto.efs.responses import EFSResponse

    return _Together(
        mock.patch.dict(
            urls.url_paths,
            {
                "/2015-02-01/tags/<file_system_id>/": EFSResponse.dispatch,
                "/2015-02-01/create-tags/<file_system_id>": EFSResponse.dispatch,
                "/2015-02-01/delete-tags/<file_system_id>": EFSResponse.dispatch,
            },
        ),
        mock.patch.multiple(
            EFSResponse,
            create=True,
            describe_tags=_efs_describe_tags,
            create_tags=_efs_create_tags,
            delete_tags=_efs_delete_tags,
        ),
    )


# --- ElastiCache: what DescribeCacheClusters tells about a cluster's nodes and security groups ---


def _elasticache_region(cluster: Any) -> str:
    return cluster.arn.split(":")[3]


def _elasticache_address(cluster: Any, part: str) -> str:
    """An endpoint host name as AWS forms them: <cluster>.<6 chars>.<0001|cfg>.<euw1>.cache.amazonaws.com."""
    region = _elasticache_region(cluster).split("-")
    short_region = region[0] + "".join(word[0] for word in region[1:-1]) + region[-1]
    stable = hashlib.sha256(cluster.arn.encode()).hexdigest()[:6]
    return f"{cluster.cache_cluster_id}.{stable}.{part}.{short_region}.cache.amazonaws.com"


def _elasticache_cache_nodes(cluster: Any) -> list[dict[str, Any]]:
    """CacheNodes as AWS lists them (botocore's DescribeCacheClusters example): 0001, 0002, ..."""
    zones = cluster.preferred_availability_zones
    default_zone = cluster.preferred_availability_zone or f"{_elasticache_region(cluster)}a"
    nodes = []
    for index in range(cluster.num_cache_nodes):
        node_id = f"{index + 1:04d}"
        nodes.append(
            {
                "CacheNodeId": node_id,
                "CacheNodeStatus": "available",
                "CacheNodeCreateTime": cluster.cache_cluster_create_time,
                "Endpoint": {"Address": _elasticache_address(cluster, node_id), "Port": cluster.port},
                "ParameterGroupStatus": "in-sync",
                "CustomerAvailabilityZone": zones[index] if index < len(zones) else default_zone,
            }
        )
    return nodes


def _elasticache_cache_security_groups(self: Any) -> list[dict[str, str]]:
    return [{"CacheSecurityGroupName": name, "Status": "active"} for name in self.cache_security_group_names]


def _elasticache_security_groups(self: Any) -> list[dict[str, str]]:
    return [{"SecurityGroupId": group_id, "Status": "active"} for group_id in self.security_group_ids]


def _elasticache_configuration_endpoint(self: Any) -> dict[str, Any] | None:
    if self.engine != "memcached":
        return None
    return {"Address": _elasticache_address(self, "cfg"), "Port": self.port}


def _elasticache_cache_cluster_details() -> AbstractContextManager:
    """AWS DescribeCacheClusters reports a cluster's nodes and security groups.

    Every CacheCluster that AWS returns carries CacheSecurityGroups (an empty list in a VPC) and
    SecurityGroups (the VPC security groups, each with its Status), a memcached cluster also its
    ConfigurationEndpoint, and with ShowCacheNodeInfo=true DescribeCacheClusters adds CacheNodes:
    each node's id (0001, 0002, ...), status, Endpoint {Address, Port}, ParameterGroupStatus and
    CustomerAvailabilityZone (botocore's own example of the call, in
    botocore/data/elasticache/2015-02-02/examples-1.json, shows this shape). moto returns none of
    them, so community.aws.elasticache, which reads them on every run after the first, fails with
    KeyError 'CacheNodes' (redis: the port of CacheNodes[0]), 'ConfigurationEndpoint' (memcached),
    then 'CacheSecurityGroups'; and with security_group_ids it finds no SecurityGroups and modifies
    the cluster on every run.
    """
    from moto.core.responses import PaginatedResult
    from moto.elasticache.models import CacheCluster
    from moto.elasticache.responses import ElastiCacheResponse

    describe = ElastiCacheResponse.describe_cache_clusters

    def describe_cache_clusters(self: Any) -> Any:
        result = describe(self)
        if self._get_param("ShowCacheNodeInfo") not in (True, "true"):
            return result
        described = []
        for cluster in result.result["CacheClusters"]:
            with_nodes = copy.copy(cluster)  # what this answer shows, not the stored cluster
            with_nodes.cache_nodes = _elasticache_cache_nodes(cluster)
            described.append(with_nodes)
        return PaginatedResult({**result.result, "CacheClusters": described})

    return _Together(
        mock.patch.multiple(
            CacheCluster,
            create=True,
            cache_security_groups=property(_elasticache_cache_security_groups),
            security_groups=property(_elasticache_security_groups),
            configuration_endpoint=property(_elasticache_configuration_endpoint),
        ),
        mock.patch.object(ElastiCacheResponse, "describe_cache_clusters", describe_cache_clusters),
    )


# --- Backup: DescribeBackupVault of a vault that does not exist ----------------------------------


def _backup_vault_missing_is_access_denied() -> AbstractContextManager:
    """AWS Backup answers DescribeBackupVault of a vault that does not exist with AccessDeniedException.

    AWS answers 403 AccessDeniedException ("Insufficient privileges to perform this action.") even
    to a caller allowed to describe every vault (aws/aws-sdk-js#2625; amazon.aws#1436, where the
    module was written against AWS), although botocore's model lists ResourceNotFoundException.
    amazon.aws.backup_vault relies on it: it treats AccessDeniedException from DescribeBackupVault
    as "no vault yet" and creates one. moto answers ResourceNotFoundException, which the module
    reports as "Unable to get vault facts", so it can never create a vault. Only DescribeBackupVault
    of a missing vault changes; every other call, and every other error, stays moto's.
    """
    from moto.backup.responses import BackupResponse
    from moto.core.exceptions import JsonRESTError

    class AccessDeniedException(JsonRESTError):
        code = 403

        def __init__(self) -> None:
            super().__init__("AccessDeniedException", "Insufficient privileges to perform this action.")

    describe = BackupResponse.describe_backup_vault

    def describe_backup_vault(self: Any) -> Any:
        if self.path.split("/")[-1] not in self.backup_backend.vaults:
            raise AccessDeniedException()
        return describe(self)

    return mock.patch.object(BackupResponse, "describe_backup_vault", describe_backup_vault)


# --- Auto Scaling: DescribeInstanceRefreshes ------------------------------------------------------


def _autoscaling_no_instance_refreshes(self: Any) -> Any:
    """DescribeInstanceRefreshes: 200 and {"InstanceRefreshes": []}."""
    from moto.core.responses import ActionResult

    return ActionResult({"InstanceRefreshes": []})


def _autoscaling_describe_instance_refreshes() -> AbstractContextManager:
    """AWS Auto Scaling answers DescribeInstanceRefreshes with a group's instance refreshes.

    moto implements neither DescribeInstanceRefreshes nor StartInstanceRefresh: in process the call
    raises NotImplementedError, and its server answers 500 with an HTML page that botocore cannot
    parse. So amazon.aws.autoscaling_instance_refresh_info fails, and so does the summary
    (webcast.platform.webcast_stack_info) of any environment that has an Auto Scaling group. No
    refresh can be started in the emulator, so the answer is the one AWS gives for a group that was
    never refreshed: an empty list. It does not check that the group exists.
    """
    from moto.autoscaling.responses import AutoScalingResponse

    return mock.patch.object(
        AutoScalingResponse, "describe_instance_refreshes", _autoscaling_no_instance_refreshes, create=True
    )


# --- EC2: one resource's tags ------------------------------------------------------------------


def _ec2_resource_tags(self: Any) -> list[dict[str, str]]:
    """One resource's tags, as describe_tags(resource-id=<id>) lists them, read from its own entry."""
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

    if not self.id:
        return []
    tags = self.ec2_backend.tags.get(self.id) or {}
    resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
    return [
        {"resource_id": self.id, "key": key, "value": value, "resource_type": resource_type}
        for key, value in tags.items()
    ]


def _ec2_tags_by_resource() -> AbstractContextManager:
    """AWS answers a tag-filtered DescribeInstances of thousands of instances within seconds.

    moto reads one resource's tags (for each tag filter, and again to render the answer) by scanning
    every tag of every resource in the region, with a regular expression per tag. A listing of n
    instances costs n times all the region's tags: about 70 s for 1,700 of 5,000 tagged instances
    on 2 cores, beyond botocore's 60 s read timeout, so neither amazon.aws.aws_ec2 nor
    webcast.platform.webcast_aws can list such a fleet at all. The fix reads the resource's own
    entry of the same tag store: the same tags in the same order, in time linear in the listing.
    """
    from moto.ec2.models.core import TaggedEC2Resource

    return mock.patch.object(TaggedEC2Resource, "get_tags", _ec2_resource_tags)


_CORE_FIXES: tuple[Fix, ...] = (
    Fix(
        name="nat_gateway_tag_resource_type",
        aws_behaviour="DescribeTags reports NAT gateways as resource type 'natgateway'",
        patch=_nat_gateway_tag_resource_type,
    ),
    Fix(
        name="efs_file_system_tag_api",
        aws_behaviour="EFS serves DescribeTags, CreateTags and DeleteTags on a file system",
        patch=_efs_file_system_tag_api,
    ),
    Fix(
        name="elasticache_cache_cluster_details",
        aws_behaviour="DescribeCacheClusters returns CacheSecurityGroups, SecurityGroups, a memcached "
        "ConfigurationEndpoint, and CacheNodes with ShowCacheNodeInfo",
        patch=_elasticache_cache_cluster_details,
    ),
    Fix(
        name="backup_vault_missing_is_access_denied",
        aws_behaviour="DescribeBackupVault of a vault that does not exist answers AccessDeniedException",
        patch=_backup_vault_missing_is_access_denied,
    ),
    Fix(
        name="autoscaling_describe_instance_refreshes",
        aws_behaviour="DescribeInstanceRefreshes answers a group's instance refreshes (none, for a group "
        "never refreshed)",
        patch=_autoscaling_describe_instance_refreshes,
    ),
    Fix(
        name="ec2_tags_by_resource",
        aws_behaviour="DescribeInstances filtered by tags lists thousands of instances within seconds",
        patch=_ec2_tags_by_resource,
    ),
)


def _service_fixes() -> tuple[Fix, ...]:
    """The fixes of one service each, in ``tools/emulator/fixes_<service>.py`` (each exports FIXES).

    One file per service keeps a service's patches, helpers and docstrings together as they grow.
    """
    found: list[Fix] = []
    for path in sorted(Path(__file__).parent.glob("fixes_*.py")):
        found.extend(importlib.import_module(f"{__package__}.{path.stem}").FIXES)
    return tuple(found)


FIXES: tuple[Fix, ...] = _CORE_FIXES + _service_fixes()


def apply_all() -> list[AbstractContextManager]:
    """Start every fix for the life of the process; return the started patches."""
    started = []
    for fix in FIXES:
        patcher = fix.patch()
        patcher.__enter__()
        started.append(patcher)
    return started
