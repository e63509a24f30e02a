"""The running fleet of one environment: how operators (and plays) reach the runtime layer."""

from __future__ import annotations

DOCUMENTATION = r"""
name: webcast_aws
short_description: The running instances of one webcast environment, grouped by role, AZ, image and ASG
version_added: 0.1.0
description:
  - Lists the EC2 instances of one O(project) and O(environment) in one or more O(regions). The EC2 API
    does the filtering (tags C(Project) and C(Environment), the O(instance_states)), so only the
    environment's instances travel.
  - "Groups every host by role (tag O(role_tag), C(Role) by default: the tag the launch template and the
    image bake write), environment, region, availability zone, AMI id, the AMI's bake version (tag
    C(Version) on the image, read with one C(DescribeImages) call for the distinct AMI ids of a region),
    Auto Scaling group (tag C(aws:autoscaling:groupName)), instance state and Auto Scaling lifecycle
    state. Group names: C(role_<role>), C(env_<environment>), C(region_<region>), C(az_<zone>),
    C(image_<ami id>), C(image_version_<version>), C(asg_<group name>), C(state_<instance state>) and
    C(lifecycle_<lifecycle state, lowercase>); characters other than letters, digits and C(_) become C(_),
    so C(az_eu-west-1a) is C(az_eu_west_1a)."
  - "The lifecycle state (C(InService), C(Pending), C(Terminating:Wait), ...) comes from
    C(DescribeAutoScalingGroups) for the groups the instances name: one call per 50 groups, whatever the
    fleet size, where C(DescribeAutoScalingInstances) would take one call per 50 instances. Instances that
    belong to no group get none. Turn it off with O(asg_lifecycle=false)."
  - "The host name (C(inventory_hostname)) is the instance id. Each host gets a small, fixed set of
    variables: C(ansible_host) (the private IP); C(ansible_aws_ssm_instance_id) when O(ssm_connection) is on;
    and C(fleet_instance_type), C(fleet_availability_zone), C(fleet_image_id), C(fleet_image_version),
    C(fleet_role), C(fleet_asg), C(fleet_state), C(fleet_asg_lifecycle_state), C(fleet_launch_time)
    (ISO 8601), and with O(tags_hostvar) C(fleet_tags). A value the instance does not have (no ASG, an AMI
    without a version) is null. What is the same for every host of a region is set once, on its
    C(region_<region>) group:
    C(fleet_region) and, with O(ssm_connection), the rest of the C(amazon.aws.aws_ssm) connection
    (C(ansible_connection), C(ansible_aws_ssm_region), C(ansible_aws_ssm_bucket_name)). Nothing else of
    the EC2 answer is kept, and nothing is set twice: every variable costs time in every run, in the
    plugin and in Ansible after it."
  - "Regions are read concurrently, one thread and one client per region; within a region, the
    availability zones are listed concurrently (one C(DescribeAvailabilityZones) call, then one listing
    per zone, each with the zone as its first filter)."
  - "With O(cache=true) the built inventory is cached for O(cache_timeout) seconds; a run that finds it in
    the cache makes no AWS call. C(ansible-inventory --flush-cache) (or C(meta: refresh_inventory)) reads
    AWS again. Changing the settings in the file also does: the cache entry records the settings it was built
    with."
  - "There is no C(compose) or C(keyed_groups): templating per host is what makes large dynamic inventories
    slow. Add a C(ansible.builtin.constructed) source next to this one if you need more groups."
  - The inventory file name must end with C(webcast_aws.yml) or C(webcast_aws.yaml).
author:
  - Webcast platform engineering
options:
  plugin:
    description: This plugin's name; marks the file as a configuration of it.
    type: str
    required: true
    choices: [webcast.platform.webcast_aws]
  project:
    description: The project whose instances to list (tag C(Project)).
    type: str
    required: true
  environment:
    description: The environment whose instances to list (tag C(Environment)).
    type: str
    required: true
  regions:
    description:
      - The regions to list. Empty means the one region of O(region) (or C(AWS_REGION)).
    type: list
    elements: str
    default: []
  instance_states:
    description:
      - The instance states to list. The running fleet by default; add C(pending) to see instances
        still booting, C(stopped) for a stopped fleet.
    type: list
    elements: str
    choices: [pending, running, stopping, stopped, shutting-down]
    default: [running]
  role_tag:
    description: The instance tag that names a host's role (group C(role_<value>), variable C(fleet_role)).
    type: str
    default: Role
  asg_lifecycle:
    description:
      - Read the Auto Scaling lifecycle state of instances that belong to a group (one
        C(DescribeAutoScalingGroups) call per 50 groups), as C(fleet_asg_lifecycle_state) and the
        C(lifecycle_*) groups.
    type: bool
    default: true
  tags_hostvar:
    description:
      - "Also set C(fleet_tags), every tag of the instance as a dict. Off by default: the tags that matter
        (role, environment, Auto Scaling group) are already groups, and at 5,000 hosts a dict per host
        costs about 0.4 s and 25 MiB in every run (docs/measurements.md)."
    type: bool
    default: false
  ssm_connection:
    description:
      - Set the connection variables of the C(amazon.aws.aws_ssm) connection (C(ansible_aws_ssm_instance_id)
        on every host; C(ansible_connection), C(ansible_aws_ssm_region) on its region's group), so that
        Ansible reaches instances through SSM Session Manager, without SSH.
      - C(community.aws.aws_ssm) is a redirect to that connection in community.aws 10.
    type: bool
    default: true
  ssm_bucket_name:
    description:
      - The S3 bucket the C(amazon.aws.aws_ssm) connection moves files through
        (C(ansible_aws_ssm_bucket_name)); it needs one. Unset, no bucket variable is set.
    type: str
  endpoint_url:
    description:
      - URL to connect to instead of the default AWS endpoints (the local emulator).
      - C(WEBCAST_AWS_ENDPOINT_URL), the variable the local inventory and C(make test) use, then C(AWS_URL)
        may also be used.
    type: str
    aliases: [aws_endpoint_url]
    env:
      - name: WEBCAST_AWS_ENDPOINT_URL
      - name: AWS_URL
extends_documentation_fragment:
  - inventory_cache
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
"""

EXAMPLES = r"""
---
# inventories/staging/fleet.webcast_aws.yml: the running staging fleet, cached for five minutes.
plugin: webcast.platform.webcast_aws
project: webcast
environment: staging
regions: [eu-west-1]
ssm_bucket_name: webcast-staging-ssm-transfer
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/webcast-platform/inventory
cache_timeout: 300

---
# Two regions, read concurrently, booting instances included, no lifecycle states.
plugin: webcast.platform.webcast_aws
project: webcast
environment: production
regions: [eu-west-1, eu-central-1]
instance_states: [pending, running]
asg_lifecycle: false

---
# The local environment in the emulator (dummy credentials; the endpoint can be moved with
# WEBCAST_AWS_ENDPOINT_URL).
plugin: webcast.platform.webcast_aws
project: webcast
environment: local
regions: [eu-west-1]
endpoint_url: >-
  {{ lookup('ansible.builtin.env', 'WEBCAST_AWS_ENDPOINT_URL', default='http://127.0.0.1:4566') }}
access_key: testing
secret_key: testing

# Then, for instance:
#   ansible-inventory -i inventories/staging --graph
#   ansible role_media -i inventories/staging -m ansible.builtin.ping
#   ansible-playbook -i inventories/staging playbooks/deploy.yml \
#     --limit 'asg_webcast_staging_app:&az_eu_west_1a'
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AWSInventoryBase reports the missing SDK

from ansible.errors import AnsibleError
from ansible.inventory.group import to_safe_group_name
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.plugin_utils.botocore import boto3_conn, get_aws_connection_info
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase
from ansible_collections.webcast.platform.plugins.module_utils.aws import RETRY, batches
from ansible_collections.webcast.platform.plugins.module_utils.naming import (
    TAG_ASG_NAME,
    TAG_ENVIRONMENT,
    TAG_ROLE,
    TAG_VERSION,
    environment_filters,
)

# AWS allows 5 to 1000 instances per DescribeInstances page; the largest page means fewest calls.
INSTANCE_PAGE_SIZE = 1000
# EC2 takes at most 200 values in one filter.
IMAGE_IDS_PER_CALL = 200
# DescribeAutoScalingGroups takes at most 50 group names (and answers up to 100 groups a page).
GROUP_NAMES_PER_CALL = 50
# More threads than regions buy nothing; more than this many regions is not one environment.
MAX_REGION_THREADS = 8
# The zones of a region are listed concurrently; most regions have three to six.
MAX_ZONE_THREADS = 4
# The cache entry's format; a change of it (or of the settings) makes old entries a miss.
CACHE_FORMAT = 3

Instance = dict[str, Any]
Inventory = dict[str, Any]
ClientFactory = Callable[[str, str], Any]


# --- what one region answers ------------------------------------------------------------------


def instance_filters(project: str, environment: str, states: Iterable[str]) -> list[dict[str, Any]]:
    """DescribeInstances filters for the environment's instances in the wanted states.

    The state comes first: a filter engine that stops at the first failing filter (moto's does) then
    never looks at the tags of a stopped instance.
    """
    return [
        {"Name": "instance-state-name", "Values": list(states)},
        *environment_filters(project, environment),
    ]


def lean_instance(instance: dict[str, Any], region: str) -> Instance:
    """The few fields the inventory uses of one DescribeInstances instance (the rest is dropped at once)."""
    launch_time = instance.get("LaunchTime")
    return {
        "id": instance["InstanceId"],
        "type": instance.get("InstanceType"),
        "private_ip": instance.get("PrivateIpAddress"),
        "region": region,
        "az": (instance.get("Placement") or {}).get("AvailabilityZone"),
        "image_id": instance.get("ImageId"),
        "state": (instance.get("State") or {}).get("Name"),
        "launch_time": launch_time.isoformat() if hasattr(launch_time, "isoformat") else launch_time,
        "tags": {tag["Key"]: tag["Value"] for tag in instance.get("Tags") or ()},
    }


def list_instances(ec2: Any, filters: list[dict[str, Any]], region: str) -> list[Instance]:
    """Every instance the filters select, page by page; each page is reduced before the next is read."""
    instances: list[Instance] = []
    request: dict[str, Any] = {"Filters": filters, "MaxResults": INSTANCE_PAGE_SIZE}
    while True:
        page = ec2.describe_instances(aws_retry=True, **request)
        for reservation in page["Reservations"]:
            instances.extend(lean_instance(instance, region) for instance in reservation["Instances"])
        if not page.get("NextToken"):
            return instances
        request["NextToken"] = page["NextToken"]


def availability_zones(ec2: Any) -> list[str]:
    """Every zone of the region an instance can run in: by default DescribeAvailabilityZones lists the
    zones enabled for the account, opted-in Local and Wavelength Zones included."""
    answer = ec2.describe_availability_zones(aws_retry=True)
    return sorted(zone["ZoneName"] for zone in answer["AvailabilityZones"])


def list_instances_by_zone(ec2: Any, filters: list[dict[str, Any]], region: str) -> list[Instance]:
    """The listing split by availability zone, the zones read concurrently (the client is thread-safe).

    Disjoint slices, so nothing is listed twice; a smaller answer each. The zone filter comes first,
    so a filter engine that stops at the first failing filter skips the tags of other zones' instances.
    """
    zones = availability_zones(ec2)
    if len(zones) < 2:
        return list_instances(ec2, filters, region)
    with ThreadPoolExecutor(max_workers=min(len(zones), MAX_ZONE_THREADS)) as pool:
        slices = pool.map(
            lambda zone: list_instances(
                ec2, [{"Name": "availability-zone", "Values": [zone]}, *filters], region
            ),
            zones,
        )
        return [instance for zone_slice in slices for instance in zone_slice]


def image_versions(ec2: Any, image_ids: Iterable[str]) -> dict[str, str | None]:
    """The bake version (tag Version) of each AMI; None for an AMI without one or no longer visible.

    A filter rather than ImageIds: DescribeImages fails on an unknown id, and an instance can outlive the
    AMI it was launched from. IncludeDeprecated: a deprecated AMI still runs instances.
    """
    versions: dict[str, str | None] = dict.fromkeys(image_ids)
    for batch in batches(sorted(versions), IMAGE_IDS_PER_CALL):
        answer = ec2.describe_images(
            aws_retry=True, Filters=[{"Name": "image-id", "Values": batch}], IncludeDeprecated=True
        )
        for image in answer["Images"]:
            tags = {tag["Key"]: tag["Value"] for tag in image.get("Tags") or ()}
            versions[image["ImageId"]] = tags.get(TAG_VERSION)
    return versions


def asg_lifecycle_states(autoscaling: Any, group_names: Iterable[str]) -> dict[str, str]:
    """The lifecycle state of every member of the named Auto Scaling groups, by instance id."""
    states: dict[str, str] = {}
    for batch in batches(sorted(set(group_names)), GROUP_NAMES_PER_CALL):
        request: dict[str, Any] = {"AutoScalingGroupNames": batch, "MaxRecords": 100}
        while True:
            page = autoscaling.describe_auto_scaling_groups(aws_retry=True, **request)
            for group in page["AutoScalingGroups"]:
                for member in group.get("Instances") or ():
                    states[member["InstanceId"]] = member["LifecycleState"]
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return states


@dataclass
class RegionFleet:
    """What one region answered: lean instances, AMI versions, lifecycle states."""

    instances: list[Instance] = field(default_factory=list)
    images: dict[str, str | None] = field(default_factory=dict)
    asg_states: dict[str, str] = field(default_factory=dict)


def fetch_region(
    clients: ClientFactory, region: str, filters: list[dict[str, Any]], asg_lifecycle: bool
) -> RegionFleet:
    """One region's fleet: its zones' listings, then one DescribeImages and one DescribeAutoScalingGroups."""
    ec2 = clients("ec2", region)
    instances = list_instances_by_zone(ec2, filters, region)
    images = image_versions(ec2, {i["image_id"] for i in instances if i["image_id"]})
    group_names = {i["tags"][TAG_ASG_NAME] for i in instances if TAG_ASG_NAME in i["tags"]}
    asg_states = {}
    if asg_lifecycle and group_names:
        asg_states = asg_lifecycle_states(clients("autoscaling", region), group_names)
    return RegionFleet(instances, images, asg_states)


def fetch_fleet(
    clients: ClientFactory, regions: list[str], filters: list[dict[str, Any]], asg_lifecycle: bool
) -> RegionFleet:
    """Every region's fleet, read concurrently, merged (instance and AMI ids are unique across regions)."""
    with ThreadPoolExecutor(max_workers=max(1, min(len(regions), MAX_REGION_THREADS))) as pool:
        answers = list(
            pool.map(lambda region: fetch_region(clients, region, filters, asg_lifecycle), regions)
        )
    merged = RegionFleet()
    for answer in answers:
        merged.instances.extend(answer.instances)
        merged.images.update(answer.images)
        merged.asg_states.update(answer.asg_states)
    return merged


# --- the inventory ----------------------------------------------------------------------------


def group_name(prefix: str, value: str) -> str:
    """prefix_value with every character that is not a letter, digit or _ made _ (as keyed_groups would)."""
    return to_safe_group_name(f"{prefix}_{value}", force=True, silent=True)


def host_groups(instance: Instance, version: str | None, lifecycle: str | None, role_tag: str) -> list[str]:
    tags = instance["tags"]
    keys = (
        ("role", tags.get(role_tag)),
        ("env", tags.get(TAG_ENVIRONMENT)),
        ("region", instance["region"]),
        ("az", instance["az"]),
        ("image", instance["image_id"]),
        ("image_version", version),
        ("asg", tags.get(TAG_ASG_NAME)),
        ("state", instance["state"]),
        ("lifecycle", lifecycle.lower() if lifecycle else None),
    )
    return [group_name(prefix, value) for prefix, value in keys if value]


def host_vars(
    instance: Instance,
    version: str | None,
    lifecycle: str | None,
    role_tag: str,
    ssm_connection: bool,
    tags_hostvar: bool = False,
) -> dict[str, Any]:
    """The variables of one host; what all hosts of a region share is in region_vars."""
    tags = instance["tags"]
    hostvars: dict[str, Any] = {}
    if instance["private_ip"]:
        hostvars["ansible_host"] = instance["private_ip"]
    if ssm_connection:
        hostvars["ansible_aws_ssm_instance_id"] = instance["id"]
    hostvars.update(
        fleet_instance_type=instance["type"],
        fleet_availability_zone=instance["az"],
        fleet_image_id=instance["image_id"],
        fleet_image_version=version,
        fleet_role=tags.get(role_tag),
        fleet_asg=tags.get(TAG_ASG_NAME),
        fleet_state=instance["state"],
        fleet_asg_lifecycle_state=lifecycle,
        fleet_launch_time=instance["launch_time"],
    )
    if tags_hostvar:
        hostvars["fleet_tags"] = tags
    return hostvars


def region_vars(region: str, ssm_connection: bool, ssm_bucket_name: str | None) -> dict[str, Any]:
    """The variables of a region's group: the same for every host there, so set once."""
    variables: dict[str, Any] = {"fleet_region": region}
    if ssm_connection:
        variables["ansible_connection"] = "amazon.aws.aws_ssm"
        variables["ansible_aws_ssm_region"] = region
        if ssm_bucket_name:
            variables["ansible_aws_ssm_bucket_name"] = ssm_bucket_name
    return variables


def build_inventory(
    instances: Iterable[Instance],
    images: dict[str, str | None],
    asg_states: dict[str, str],
    *,
    role_tag: str = TAG_ROLE,
    tags_hostvar: bool = False,
    ssm_connection: bool = True,
    ssm_bucket_name: str | None = None,
) -> Inventory:
    """{"hosts": {id: hostvars}, "groups": {group: [ids, sorted]}, "group_vars": {group: vars}}."""
    hosts: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    group_vars: dict[str, dict[str, Any]] = {}
    for instance in sorted(instances, key=lambda i: i["id"]):
        version = images.get(instance["image_id"])
        lifecycle = asg_states.get(instance["id"])
        hosts[instance["id"]] = host_vars(
            instance, version, lifecycle, role_tag, ssm_connection, tags_hostvar
        )
        for group in host_groups(instance, version, lifecycle, role_tag):
            groups[group].append(instance["id"])
        region_group = group_name("region", instance["region"])
        if region_group not in group_vars:
            group_vars[region_group] = region_vars(instance["region"], ssm_connection, ssm_bucket_name)
    return {"hosts": hosts, "groups": dict(sorted(groups.items())), "group_vars": group_vars}


def populate(inventory: Any, built: Inventory) -> None:
    """Add a built inventory to Ansible's InventoryData: hosts, their variables, group members."""
    for host, hostvars in built["hosts"].items():
        inventory.add_host(host)
        for name, value in hostvars.items():
            inventory.set_variable(host, name, value)
    for group, members in built["groups"].items():
        inventory.add_group(group)
        for host in members:
            inventory.add_child(group, host)
    for group, variables in built["group_vars"].items():
        for name, value in variables.items():
            inventory.set_variable(group, name, value)


def settings_key(settings: dict[str, Any]) -> str:
    """A short digest of the settings a cache entry was built with."""
    text = json.dumps([CACHE_FORMAT, settings], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- the Ansible glue -------------------------------------------------------------------------


class _TemplatedOptions(AWSInventoryBase.TemplatedOptions):
    """amazon.aws's templated options, templating only what is a template.

    amazon.aws 10 templates every element of a list option (regions) with `disable_lookups`, which
    ansible-core 2.19 deprecates: every run would print a deprecation warning for a plain region list.
    """

    def _render(self, value: Any) -> Any:
        return self.templar.template(value) if self.templar.is_template(value) else value

    def get(self, *args: Any) -> Any:
        value = self.original_options.get(*args)
        if not value or not self.templar or args[0] not in self.TEMPLATABLE_OPTIONS:
            return value
        if isinstance(value, dict):
            return {k: self._render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render(v) for v in value]
        return self._render(value)


class InventoryModule(AWSInventoryBase):
    NAME = "webcast.platform.webcast_aws"
    INVENTORY_FILE_SUFFIXES = ("webcast_aws.yml", "webcast_aws.yaml")
    TemplatedOptions = _TemplatedOptions

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache=cache)
        settings = self._settings()
        key = settings_key(settings)
        use_cache = bool(self.get_option("cache"))
        built = self._cached(path, key) if (cache and use_cache) else None
        if built is None:
            built = self._query(settings)
            if use_cache:
                self._cache[self.get_cache_key(path)] = {"settings": key, "inventory": built}
        populate(self.inventory, built)

    def _settings(self) -> dict[str, Any]:
        regions = list(self.get_option("regions") or []) or ([self.region] if self.region else [])
        if not regions:
            raise AnsibleError(
                "webcast_aws: no region: set regions (a list) in the inventory file, or region, or AWS_REGION"
            )
        settings = {
            "project": self.get_option("project"),
            "environment": self.get_option("environment"),
            "regions": regions,
            "instance_states": list(self.get_option("instance_states")),
            "role_tag": self.get_option("role_tag"),
            "tags_hostvar": self.get_option("tags_hostvar"),
            "asg_lifecycle": self.get_option("asg_lifecycle"),
            "ssm_connection": self.get_option("ssm_connection"),
            "ssm_bucket_name": self.get_option("ssm_bucket_name"),
            "endpoint_url": self.get_option("endpoint_url"),
        }
        # As plain data: option values carry Ansible's origin and trust tags, which the hostvars made
        # from them, and the cache entry, have no use for (the cache would store every tag of every copy).
        return json.loads(json.dumps(settings))

    def _cached(self, path: str, key: str) -> Inventory | None:
        """The cached inventory if there is one, not expired, built with these settings."""
        try:
            entry = self._cache[self.get_cache_key(path)]
        except KeyError:
            return None
        if not isinstance(entry, dict) or entry.get("settings") != key:
            return None
        return entry["inventory"]

    def _query(self, settings: dict[str, Any]) -> Inventory:
        filters = instance_filters(settings["project"], settings["environment"], settings["instance_states"])
        try:
            fleet = fetch_fleet(self._clients(), settings["regions"], filters, settings["asg_lifecycle"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            self.fail_aws(
                f"webcast_aws: could not list the {settings['project']} {settings['environment']} fleet "
                f"in {', '.join(settings['regions'])}",
                exception=error,
            )
        return build_inventory(
            fleet.instances,
            fleet.images,
            fleet.asg_states,
            role_tag=settings["role_tag"],
            tags_hostvar=settings["tags_hostvar"],
            ssm_connection=settings["ssm_connection"],
            ssm_bucket_name=settings["ssm_bucket_name"],
        )

    def _clients(self) -> ClientFactory:
        """A factory of retrying clients, safe to call from the region threads.

        The connection settings are read here, once, in the calling thread: reading options templates
        them, and the templar is not meant to be shared between threads. Each call makes a client of
        its own (boto3 clients are thread-safe, sessions are not: boto3_conn makes a session per client).
        """
        _region, endpoint, params = get_aws_connection_info(self)
        params = {**params, **self._frozen_credentials}

        def client(service: str, region: str) -> Any:
            connection = boto3_conn(
                self, conn_type="client", resource=service, region=region, endpoint=endpoint, **params
            )
            return RetryingBotoClientWrapper(connection, RETRY)

        return client
