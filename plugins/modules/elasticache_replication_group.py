#!/usr/bin/python
# Neither amazon.aws nor community.aws has a module for ElastiCache replication groups (community.aws
# elasticache manages single cache clusters only), so this one exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: elasticache_replication_group
short_description: Manage an ElastiCache (Redis OSS or Valkey) replication group
version_added: 0.1.0
description:
  - Creates, modifies or deletes one replication group with cluster mode disabled (a primary and
    up to five replicas, each in a cache cluster of its own).
  - Settings AWS can change in place (node type, engine version, parameter group, security groups,
    automatic failover, Multi-AZ, snapshots, maintenance window, minor upgrades, description) are
    modified with one ModifyReplicationGroup call; the diff shows them.
  - Settings AWS fixes at creation, or that this module does not change (engine, port, subnet group,
    encryption at rest and in transit, KMS key, AUTH token on or off, number of cache clusters),
    make the module fail, naming each setting with its current and requested value, and change
    nothing.
  - Settings that the group's member clusters carry (engine version, parameter group, security
    groups, subnet group, maintenance window) are read from the primary's cache cluster, as AWS
    reports them there.
  - The AUTH token is used only when the group is created; AWS never returns it.
author:
  - Webcast platform engineering
options:
  replication_group_id:
    description: The group's id; lowercase letters, digits and hyphens, at most 40 characters.
    type: str
    required: true
    aliases: [name]
  description:
    description: The group's description; required when O(state=present).
    type: str
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description: The engine. Fixed at creation.
    type: str
    choices: [redis, valkey]
    default: redis
  engine_version:
    description:
      - The engine version, such as V(7.1) or V(6.2). A requested V(7.1) matches a reported V(7.1.0).
      - Only upgrades are possible in place; AWS refuses a downgrade.
    type: str
  cache_node_type:
    description: The node type of every member, such as V(cache.t4g.micro). Required to create a group.
    type: str
  num_cache_clusters:
    description:
      - Cache clusters in the group (the primary and its replicas), 1 to 6.
      - Automatic failover and Multi-AZ need at least 2. Not changed on an existing group.
    type: int
    default: 2
  preferred_cache_cluster_azs:
    description:
      - The availability zone of each cache cluster, the primary's first. Used at creation only, since a
        failover swaps the roles, so the zones are not compared afterwards.
    type: list
    elements: str
  cache_parameter_group_name:
    description: The parameter group of every member; the engine's default group when omitted.
    type: str
  cache_subnet_group_name:
    description: The subnet group the members are placed in. Fixed at creation.
    type: str
  security_group_ids:
    description: The VPC security groups of every member.
    type: list
    elements: str
  port:
    description: The port every member listens on. Fixed at creation.
    type: int
    default: 6379
  automatic_failover:
    description: Whether a replica is promoted when the primary fails.
    type: bool
  multi_az:
    description: Whether the replicas are kept in other AZs than the primary and fail over across AZs.
    type: bool
  at_rest_encryption:
    description: Whether data on disk (snapshots, swap) is encrypted. Fixed at creation.
    type: bool
    default: true
  kms_key_id:
    description: A customer managed KMS key for encryption at rest (AWS's own when omitted); creation only.
    type: str
  transit_encryption:
    description: Whether clients must connect with TLS. Fixed at creation by this module.
    type: bool
    default: true
  auth_token:
    description:
      - The AUTH token (password) clients must send; needs O(transit_encryption=true).
      - Used at creation only, because AWS never returns it, so a changed token is not seen. The
        module compares only whether the group has a token.
    type: str
  snapshot_retention_limit:
    description: Days automatic snapshots are kept; 0 turns them off.
    type: int
  snapshot_window:
    description: Daily snapshot window, UTC, such as V(03:00-04:00).
    type: str
  preferred_maintenance_window:
    description: Weekly maintenance window, UTC, such as V(sun:05:00-sun:06:00).
    type: str
  auto_minor_version_upgrade:
    description: Whether minor engine upgrades are applied in the maintenance window.
    type: bool
  apply_immediately:
    description: Whether modifications apply now rather than in the next maintenance window.
    type: bool
    default: false
  final_snapshot_identifier:
    description: When O(state=absent), the name of a snapshot to take before the group is deleted.
    type: str
  wait:
    description: Whether to wait until the group is available (or, when O(state=absent), deleted).
    type: bool
    default: true
  wait_timeout:
    description: How long to wait, in seconds.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A Redis primary and a replica in another AZ, encrypted, failing over automatically
  webcast.platform.elasticache_replication_group:
    replication_group_id: webcast-staging-redis
    description: Sessions and live counters of webcast-staging.
    engine_version: "7.1"
    cache_node_type: cache.t4g.small
    num_cache_clusters: 2
    preferred_cache_cluster_azs: [eu-west-1a, eu-west-1b]
    cache_parameter_group_name: webcast-staging-redis
    cache_subnet_group_name: webcast-staging-redis
    security_group_ids: ["{{ redis_group_id }}"]
    automatic_failover: true
    multi_az: true
    auth_token: "{{ redis_auth_token }}"
    snapshot_retention_limit: 7
    tags:
      Name: webcast-staging-redis
  no_log: true

- name: Scale the nodes up now rather than in the maintenance window
  webcast.platform.elasticache_replication_group:
    replication_group_id: webcast-staging-redis
    description: Sessions and live counters of webcast-staging.
    cache_node_type: cache.r6g.large
    apply_immediately: true

- name: Delete the group, keeping a final snapshot
  webcast.platform.elasticache_replication_group:
    replication_group_id: webcast-staging-redis
    state: absent
    final_snapshot_identifier: webcast-staging-redis-final
"""

RETURN = r"""
replication_group:
  description: The group as AWS describes it, keys in snake case, with its tags; empty when absent.
  returned: always
  type: dict
  contains:
    replication_group_id: {description: The group's id., type: str, sample: webcast-staging-redis}
    arn: {description: The group's ARN., type: str}
    status: {description: The group's status., type: str, sample: available}
    member_clusters: {description: The ids of its cache clusters., type: list, elements: str}
    node_groups:
      description: Its one node group, with C(primary_endpoint), C(reader_endpoint) and the members.
      type: list
      elements: dict
    automatic_failover: {description: enabled, disabled, enabling or disabling., type: str}
    multi_az: {description: enabled or disabled., type: str}
    at_rest_encryption_enabled: {description: Encryption at rest., type: bool}
    transit_encryption_enabled: {description: Encryption in transit., type: bool}
    auth_token_enabled: {description: Whether clients must send an AUTH token., type: bool}
    cache_node_type: {description: The node type., type: str}
    tags: {description: The group's tags., type: dict}
primary_endpoint:
  description: The host name and port of the primary (writes); empty when absent or not yet created.
  returned: always
  type: dict
  sample: {address: master.webcast-staging-redis.abc123.euw1.cache.amazonaws.com, port: 6379}
reader_endpoint:
  description: The host name and port that spreads reads over the replicas.
  returned: always
  type: dict
settings:
  description: The settings the module compares, as they are after the run (in check mode, as they would be).
  returned: always
  type: dict
modified:
  description: The settings a run modified (or in check mode would modify).
  returned: always
  type: list
  elements: str
  sample: [cache_node_type, security_group_ids]
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client, wait_for

# Module option -> ModifyReplicationGroup parameter, for what AWS changes in place.
MUTABLE = {
    "description": "ReplicationGroupDescription",
    "cache_node_type": "CacheNodeType",
    "engine_version": "EngineVersion",
    "cache_parameter_group_name": "CacheParameterGroupName",
    "security_group_ids": "SecurityGroupIds",
    "automatic_failover": "AutomaticFailoverEnabled",
    "multi_az": "MultiAZEnabled",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "snapshot_window": "SnapshotWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
}
# What cannot change once the group exists (or that this module does not change).
IMMUTABLE = (
    "engine",
    "port",
    "cache_subnet_group_name",
    "at_rest_encryption",
    "transit_encryption",
    "auth_token_enabled",
    "num_cache_clusters",
)
TRANSIENT = ("creating", "modifying", "snapshotting")


def wanted_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The settings the parameters ask for, by option name; an option left unset is not compared."""
    wanted = {
        key: params[key]
        for key in (*MUTABLE, *IMMUTABLE)
        if key in params and params[key] is not None and key != "auth_token_enabled"
    }
    wanted["auth_token_enabled"] = bool(params.get("auth_token"))
    if "security_group_ids" in wanted:
        wanted["security_group_ids"] = sorted(wanted["security_group_ids"])
    return wanted


def current_settings(group: dict[str, Any], member: dict[str, Any]) -> dict[str, Any]:
    """What AWS reports, in the module's option names: the group's own fields, and what its primary
    cache cluster carries (AWS does not report those on the group)."""
    node_group = (group.get("NodeGroups") or [{}])[0]
    port = (node_group.get("PrimaryEndpoint") or {}).get("Port")
    parameter_group = (member.get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
    return {
        "description": group.get("Description"),
        "cache_node_type": group.get("CacheNodeType"),
        "engine": group.get("Engine", member.get("Engine")),
        "engine_version": member.get("EngineVersion"),
        "cache_parameter_group_name": parameter_group,
        "cache_subnet_group_name": member.get("CacheSubnetGroupName"),
        "security_group_ids": sorted(sg["SecurityGroupId"] for sg in member.get("SecurityGroups") or []),
        "port": port,
        "num_cache_clusters": len(group.get("MemberClusters") or []),
        "automatic_failover": group.get("AutomaticFailover") in ("enabled", "enabling"),
        "multi_az": group.get("MultiAZ") == "enabled",
        "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
        "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
        "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit"),
        "snapshot_window": group.get("SnapshotWindow"),
        "preferred_maintenance_window": member.get("PreferredMaintenanceWindow"),
        "auto_minor_version_upgrade": group.get(
            "AutoMinorVersionUpgrade", member.get("AutoMinorVersionUpgrade")
        ),
    }


def same_value(key: str, current: Any, wanted: Any) -> bool:
    if key == "engine_version" and isinstance(current, str):
        # AWS reports the patch level: a requested 7.1 is satisfied by 7.1.0 (or 7.1.1).
        return current == wanted or current.startswith(f"{wanted}.")
    return current == wanted


def differences(current: dict[str, Any], wanted: dict[str, Any], keys: Any) -> list[str]:
    """The options in keys whose wanted value differs from the current one, in a fixed order."""
    return [key for key in keys if key in wanted and not same_value(key, current.get(key), wanted[key])]


def modify_request(wanted: dict[str, Any], changed: list[str], apply_immediately: bool) -> dict[str, Any]:
    request = {MUTABLE[key]: wanted[key] for key in changed}
    request["ApplyImmediately"] = apply_immediately
    return request


def create_request(params: dict[str, Any]) -> dict[str, Any]:
    """CreateReplicationGroup's parameters from the module's (cluster mode disabled)."""
    request = {
        "ReplicationGroupId": params["replication_group_id"],
        "ReplicationGroupDescription": params["description"],
        "Engine": params["engine"],
        "CacheNodeType": params["cache_node_type"],
        "NumCacheClusters": params["num_cache_clusters"],
        "Port": params["port"],
        "AtRestEncryptionEnabled": params["at_rest_encryption"],
        "TransitEncryptionEnabled": params["transit_encryption"],
    }
    optional = {
        "EngineVersion": "engine_version",
        "PreferredCacheClusterAZs": "preferred_cache_cluster_azs",
        "CacheParameterGroupName": "cache_parameter_group_name",
        "CacheSubnetGroupName": "cache_subnet_group_name",
        "SecurityGroupIds": "security_group_ids",
        "AutomaticFailoverEnabled": "automatic_failover",
        "MultiAZEnabled": "multi_az",
        "KmsKeyId": "kms_key_id",
        "AuthToken": "auth_token",
        "SnapshotRetentionLimit": "snapshot_retention_limit",
        "SnapshotWindow": "snapshot_window",
        "PreferredMaintenanceWindow": "preferred_maintenance_window",
        "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
    }
    request.update(
        {api: params[option] for api, option in optional.items() if params.get(option) is not None}
    )
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def wanted_tags(existing: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    if params.get("tags") is None:
        return dict(existing)
    if params["purge_tags"]:
        return dict(params["tags"])
    return {**existing, **params["tags"]}


class ReplicationGroups:
    """The ElastiCache calls the module makes, each retried and failing with what it was doing."""

    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.client = retrying_client(module, "elasticache")
        self.group_id = module.params["replication_group_id"]

    def _fail(self, error: Exception, doing: str) -> None:
        self.module.fail_json_aws(error, msg=f"Failed to {doing} replication group {self.group_id}")

    def describe(self) -> dict[str, Any] | None:
        try:
            groups = self.client.describe_replication_groups(aws_retry=True, ReplicationGroupId=self.group_id)
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            return None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe")
        return groups["ReplicationGroups"][0]

    def primary_member(self, group: dict[str, Any]) -> dict[str, Any]:
        """The cache cluster of the primary (or the first member): where AWS reports the members' settings."""
        members = group.get("NodeGroups", [{}])[0].get("NodeGroupMembers", [])
        primary = next((m["CacheClusterId"] for m in members if m.get("CurrentRole") == "primary"), None)
        cluster_id = primary or (group.get("MemberClusters") or [None])[0]
        if not cluster_id:
            return {}
        try:
            clusters = self.client.describe_cache_clusters(aws_retry=True, CacheClusterId=cluster_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, f"describe cache cluster {cluster_id} of")
        return clusters["CacheClusters"][0]

    def tags(self, group: dict[str, Any]) -> dict[str, str]:
        try:
            found = self.client.list_tags_for_resource(aws_retry=True, ResourceName=group["ARN"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "list the tags of")
        return boto3_tag_list_to_ansible_dict(found.get("TagList", []))

    def create(self, request: dict[str, Any]) -> None:
        try:
            self.client.create_replication_group(aws_retry=True, **request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "create")

    def modify(self, request: dict[str, Any]) -> None:
        try:
            self.client.modify_replication_group(aws_retry=True, ReplicationGroupId=self.group_id, **request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "modify")

    def retag(self, arn: str, current: dict[str, str], wanted: dict[str, str]) -> bool:
        to_add, to_remove = compare_aws_tags(current, wanted, purge_tags=True)
        try:
            if to_add:
                self.client.add_tags_to_resource(
                    aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_add)
                )
            if to_remove:
                self.client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_remove)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "tag")
        return bool(to_add or to_remove)

    def delete(self, final_snapshot: str | None) -> None:
        request = {"ReplicationGroupId": self.group_id, "RetainPrimaryCluster": False}
        if final_snapshot:
            request["FinalSnapshotIdentifier"] = final_snapshot
        try:
            self.client.delete_replication_group(aws_retry=True, **request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "delete")

    def wait_available(self) -> dict[str, Any]:
        return self._wait(
            lambda group: group if group and group.get("Status") == "available" else None, "available"
        )

    def wait_deleted(self) -> None:
        self._wait(lambda group: "deleted" if group is None else None, "deleted")

    def _wait(self, done: Any, what: str) -> Any:
        if not self.module.params["wait"]:
            return self.describe()
        try:
            return wait_for(
                lambda: done(self.describe()),
                what=f"replication group {self.group_id} to be {what}",
                timeout_s=self.module.params["wait_timeout"],
                delay_s=15,
            )
        except TimeoutError as e:
            self.module.fail_json(msg=str(e))


def result(
    group: dict[str, Any] | None,
    tags: dict[str, str],
    settings: dict[str, Any],
    changed: bool,
    modified: list[str],
    before: dict[str, Any],
) -> dict[str, Any]:
    described = camel_dict_to_snake_dict(group or {})
    if group:
        described["tags"] = tags
    node_group = (described.get("node_groups") or [{}])[0]
    after = dict(settings, tags=tags) if settings else {}
    return {
        "changed": changed,
        "replication_group": described,
        "primary_endpoint": node_group.get("primary_endpoint", {}),
        "reader_endpoint": node_group.get("reader_endpoint", {}),
        "settings": settings,
        "modified": modified,
        "diff": {"before": before, "after": after},
    }


def ensure_present(api: ReplicationGroups, module: AnsibleAWSModule) -> dict[str, Any]:
    params = module.params
    wanted = wanted_settings(params)
    group = api.describe()

    if group is None:
        missing = [key for key in ("description", "cache_node_type") if not params.get(key)]
        if missing:
            module.fail_json(
                msg=f"{' and '.join(missing)} required to create replication group {api.group_id}"
            )
        if params.get("auth_token") and not params["transit_encryption"]:
            module.fail_json(
                msg="auth_token needs transit_encryption=true: AWS sends the token only over TLS"
            )
        tags = wanted_tags({}, params)
        if module.check_mode:
            return result(None, tags, wanted, True, [], {})
        api.create(create_request(params))
        group = api.wait_available() if params["wait"] else api.describe()
        settings = current_settings(group, api.primary_member(group))
        return result(group, api.tags(group), settings, True, [], {})

    current = current_settings(group, api.primary_member(group))
    current_tags = api.tags(group)
    before = dict(current, tags=current_tags)
    fixed = differences(current, wanted, IMMUTABLE)
    if fixed:
        module.fail_json(
            msg=f"replication group {api.group_id} cannot be changed in place: "
            + "; ".join(f"{key} is {current.get(key)!r}, requested {wanted[key]!r}" for key in fixed)
            + ". Create a new group (and move the clients) or keep the current values.",
            replication_group=camel_dict_to_snake_dict(group),
        )
    if group.get("Status") in TRANSIENT and params["wait"] and not module.check_mode:
        group = api.wait_available()

    modified = differences(current, wanted, MUTABLE)
    tags = wanted_tags(current_tags, params)
    tags_differ = tags != current_tags
    settings = {**current, **{key: wanted[key] for key in modified}}
    if module.check_mode or not (modified or tags_differ):
        return result(group, tags, settings, bool(modified or tags_differ), modified, before)

    if modified:
        api.modify(modify_request(wanted, modified, params["apply_immediately"]))
    if tags_differ:
        api.retag(group["ARN"], current_tags, tags)
    group = api.wait_available() if params["wait"] else api.describe()
    settings = current_settings(group, api.primary_member(group))
    return result(group, api.tags(group), settings, True, modified, before)


def ensure_absent(api: ReplicationGroups, module: AnsibleAWSModule) -> dict[str, Any]:
    group = api.describe()
    if group is None or group.get("Status") == "deleting":
        if group is not None and module.params["wait"] and not module.check_mode:
            api.wait_deleted()
        return result(None, {}, {}, False, [], {})
    before = dict(current_settings(group, api.primary_member(group)), tags=api.tags(group))
    if not module.check_mode:
        api.delete(module.params.get("final_snapshot_identifier"))
        api.wait_deleted()
    return result(None, {}, {}, True, [], before)


def main() -> None:
    argument_spec = dict(
        replication_group_id=dict(type="str", required=True, aliases=["name"]),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="redis", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        cache_node_type=dict(type="str"),
        num_cache_clusters=dict(type="int", default=2),
        preferred_cache_cluster_azs=dict(type="list", elements="str"),
        cache_parameter_group_name=dict(type="str"),
        cache_subnet_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        port=dict(type="int", default=6379),
        automatic_failover=dict(type="bool"),
        multi_az=dict(type="bool"),
        at_rest_encryption=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        transit_encryption=dict(type="bool", default=True),
        auth_token=dict(type="str", no_log=True),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        auto_minor_version_upgrade=dict(type="bool"),
        apply_immediately=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    count = module.params["num_cache_clusters"]
    if not 1 <= count <= 6:
        module.fail_json(
            msg=f"num_cache_clusters is {count}; allowed: 1 to 6 (a primary and up to five replicas)"
        )
    if (module.params["automatic_failover"] or module.params["multi_az"]) and count < 2:
        module.fail_json(
            msg="automatic_failover and multi_az need num_cache_clusters of 2 or more (a replica)"
        )

    api = ReplicationGroups(module)
    if module.params["state"] == "present":
        outcome = ensure_present(api, module)
    else:
        outcome = ensure_absent(api, module)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
