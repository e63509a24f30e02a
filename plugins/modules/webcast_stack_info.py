#!/usr/bin/python
# One call that reads back an environment across EC2, ELBv2, CloudFront, RDS, ElastiCache, EFS and
# Auto Scaling; the AWS collections have an info module per service but nothing that ties them
# together by the platform's tags and names.

from __future__ import annotations

DOCUMENTATION = r"""
module: webcast_stack_info
short_description: Endpoints and state of one environment of the webcast platform
version_added: 0.1.0
description:
  - Reads, without changing anything, what exists of one environment (O(project) and
    O(environment)) in every tier (the network, the load balancer, the CDN, the database, the cache,
    the shared file system, the launch template, the running instances and the Auto Scaling group).
  - Resources are found by their C(Project) and C(Environment) tags, in the API where it can filter
    by tag (EC2, Auto Scaling) and otherwise by listing and reading the tags, narrowed first by the
    naming convention C(<project>-<env>-<component>) where a listing is long (load balancers,
    replication groups).
  - A section whose resource does not exist yet is empty (V({}) or V([])), so the module can run
    after any tier. It fails only on an API error other than "not found", naming what it was reading.
  - Sections are read concurrently, a few at a time.
author:
  - Webcast platform engineering
options:
  project:
    description: The project, the first part of every name and the C(Project) tag.
    type: str
    required: true
  environment:
    description: The environment, the second part of every name and the C(Environment) tag.
    type: str
    required: true
    aliases: [env]
  sections:
    description:
      - The sections to read; the others are not read and not returned.
      - V(subnets) and V(nat_gateways) are found through the environment's VPC, so they read it
        even when V(vpc) is not asked for.
      - RV(drift) compares V(launch_template) with V(instances_amis), so it needs both.
    type: list
    elements: str
    choices: [vpc, subnets, nat_gateways, alb, cloudfront, rds, redis, efs, launch_template,
              instances_amis, asg]
    default: [vpc, subnets, nat_gateways, alb, cloudfront, rds, redis, efs, launch_template,
              instances_amis, asg]
notes:
  - Where several resources of a kind match (two VPCs, two ALBs), the first by name or id is
    returned and a warning names the others.
  - CloudFront has no server-side tag filter and no naming convention for distributions, so the
    tags of every distribution in the account are read, one call each.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read what exists of the staging environment
  webcast.platform.webcast_stack_info:
    project: webcast
    environment: staging
  register: stack

- name: Show where viewers connect
  ansible.builtin.debug:
    msg: "{{ stack.cloudfront.domain_name | default(stack.alb.dns_name | default('not deployed')) }}"

- name: Fail when the fleet does not run the launch template's image
  webcast.platform.webcast_stack_info:
    project: webcast
    environment: production
    sections: [launch_template, instances_amis]
  register: fleet
  failed_when: fleet.drift
"""

RETURN = r"""
vpc:
  description: The environment's VPC; V({}) when there is none.
  returned: when O(sections) has V(vpc)
  type: dict
  contains:
    id: {description: The VPC id., type: str, sample: vpc-0123456789abcdef0}
    cidr: {description: Its primary IPv4 CIDR block., type: str, sample: 10.10.0.0/16}
    name: {description: Its Name tag., type: str, sample: webcast-staging-vpc}
subnets:
  description:
    - The VPC's subnets by the value of their C(Tier) tag (C(public), C(app), C(data); C(untagged)
      for a subnet without one), each tier's sorted by CIDR; V({}) when there is no VPC.
  returned: when O(sections) has V(subnets)
  type: dict
  sample:
    public: [{id: subnet-0a, cidr: 10.10.0.0/24, az: eu-west-1a, tier: public}]
    app: [{id: subnet-0b, cidr: 10.10.16.0/20, az: eu-west-1a, tier: app}]
  contains:
    id: {description: The subnet id., type: str}
    cidr: {description: Its IPv4 CIDR block., type: str}
    az: {description: Its availability zone., type: str}
    tier: {description: Its tier (the key it is listed under)., type: str}
nat_gateways:
  description: The VPC's NAT gateways that are pending or available, by id; V([]) when none.
  returned: when O(sections) has V(nat_gateways)
  type: list
  elements: dict
  contains:
    id: {description: The NAT gateway id., type: str, sample: nat-0123456789abcdef0}
    subnet_id: {description: The public subnet it sits in., type: str}
    state: {description: Its state., type: str, sample: available}
    public_ips: {description: Its public addresses., type: list, elements: str, sample: [203.0.113.10]}
alb:
  description: The environment's application load balancer; V({}) when there is none.
  returned: when O(sections) has V(alb)
  type: dict
  contains:
    name: {description: Its name., type: str, sample: webcast-staging-alb}
    arn: {description: Its ARN., type: str}
    dns_name: {description: The DNS name clients connect to., type: str}
    state: {description: Its state code., type: str, sample: active}
    scheme: {description: C(internet-facing) or C(internal)., type: str}
cloudfront:
  description: The environment's CloudFront distribution; V({}) when there is none.
  returned: when O(sections) has V(cloudfront)
  type: dict
  contains:
    id: {description: The distribution id., type: str, sample: E2QWRUHEXAMPLE}
    arn: {description: Its ARN., type: str}
    domain_name: {description: Its own domain name., type: str, sample: d111111abcdef8.cloudfront.net}
    aliases: {description: Its alternate domain names., type: list, elements: str}
    status: {description: C(InProgress) while a change deploys and C(Deployed) after., type: str}
    enabled: {description: Whether it serves requests., type: bool}
rds:
  description: The environment's RDS instance; V({}) when there is none.
  returned: when O(sections) has V(rds)
  type: dict
  contains:
    identifier: {description: The DB instance identifier., type: str, sample: webcast-staging-db}
    address: {description: The endpoint's host name; null while the instance is being created., type: str}
    port: {description: The endpoint's port; null while it is being created., type: int, sample: 3306}
    status: {description: The instance status., type: str, sample: available}
    multi_az: {description: Whether it has a standby in another AZ., type: bool}
    engine: {description: The engine., type: str, sample: mysql}
redis:
  description: The environment's ElastiCache replication group; V({}) when there is none.
  returned: when O(sections) has V(redis)
  type: dict
  contains:
    replication_group_id: {description: Its id., type: str, sample: webcast-staging-redis}
    address:
      description: The primary endpoint's host name; in cluster mode the configuration endpoint's.
      type: str
    port: {description: That endpoint's port., type: int, sample: 6379}
    status: {description: Its status., type: str, sample: available}
efs:
  description: The environment's EFS file system; V({}) when there is none.
  returned: when O(sections) has V(efs)
  type: dict
  contains:
    file_system_id: {description: Its id., type: str, sample: fs-0123456789abcdef0}
    name: {description: Its Name tag., type: str}
    life_cycle_state: {description: Its lifecycle state., type: str, sample: available}
    mount_targets: {description: How many mount targets it has., type: int, sample: 2}
launch_template:
  description: The environment's launch template; V({}) when there is none.
  returned: when O(sections) has V(launch_template)
  type: dict
  contains:
    id: {description: The launch template id., type: str, sample: lt-0123456789abcdef0}
    name: {description: Its name., type: str, sample: webcast-staging-app}
    default_version: {description: The default version's number., type: int}
    latest_version: {description: The latest version's number., type: int}
    image_id: {description: The AMI of the default version (what RV(drift) compares with)., type: str}
    latest_image_id: {description: The AMI of the latest version., type: str}
instances_amis:
  description: How many running instances of the environment run each AMI; V({}) when none run.
  returned: when O(sections) has V(instances_amis)
  type: dict
  sample: {ami-0123456789abcdef0: 3, ami-0fedcba9876543210: 1}
drift:
  description:
    - Whether running instances run an AMI other than the launch template's (RV(launch_template.image_id)).
    - False when there is no launch template or no running instance, or when O(sections) lacks either.
  returned: always
  type: bool
asg:
  description: The environment's Auto Scaling group; V({}) when there is none.
  returned: when O(sections) has V(asg)
  type: dict
  contains:
    name: {description: Its name., type: str, sample: webcast-staging-app}
    desired_capacity: {description: The desired number of instances., type: int}
    min_size: {description: The minimum., type: int}
    max_size: {description: The maximum., type: int}
    instances: {description: How many instances it has in any lifecycle state., type: int}
    in_service: {description: How many of them are InService., type: int}
    instance_refresh:
      description: The instance refresh in progress (id, status, percentage_complete); V({}) when none.
      type: dict
"""

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_network
from typing import Any

try:
    import botocore
    import botocore.parsers
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code,
    paginated_query_with_retries,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.webcast.platform.plugins.module_utils.aws import RETRY, retrying_client
from ansible_collections.webcast.platform.plugins.module_utils.naming import (
    NamingError,
    environment_filters,
    in_environment,
    name_prefix,
)

SECTIONS = (
    "vpc",
    "subnets",
    "nat_gateways",
    "alb",
    "cloudfront",
    "rds",
    "redis",
    "efs",
    "launch_template",
    "instances_amis",
    "asg",
)

# Sections are read a few at a time: enough to overlap the slow calls, few enough not to meet the
# per-account API rate limits that an operator's other tools share.
MAX_WORKERS = 4

# A resource that vanished between its listing and the read of its tags or versions is absent,
# not an error.
NOT_FOUND = (
    "LoadBalancerNotFound",
    "NoSuchResource",
    "NoSuchDistribution",
    "ReplicationGroupNotFoundFault",
    "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateName.NotFoundException",
)

# Instance refresh statuses that mean a refresh is still running.
REFRESH_RUNNING = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")

# DescribeTags of Elastic Load Balancing takes at most 20 ARNs.
ELB_TAGS_BATCH = 20


@dataclass(frozen=True)
class Scope:
    """The environment being read, and what tells its resources apart."""

    project: str
    environment: str

    def __post_init__(self) -> None:
        name_prefix(self.project, self.environment)  # NamingError names a part that breaks the convention

    @property
    def prefix(self) -> str:
        return name_prefix(self.project, self.environment)

    @property
    def filters(self) -> list[dict[str, Any]]:
        return environment_filters(self.project, self.environment)

    def owns(self, tags: dict[str, str]) -> bool:
        return in_environment(tags, self.project, self.environment)


class ReadError(Exception):
    """An API error while reading a section; `what` says what was being read."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(what)
        self.what = what
        self.error = error


@contextmanager
def reading(what: str) -> Iterator[None]:
    # ResponseParserError is no BotoCoreError: botocore raises it for a body it cannot parse, such
    # as the HTML page of a proxy or an emulator's 500, and it should name the call all the same.
    try:
        yield
    except (
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
        botocore.parsers.ResponseParserError,
    ) as e:
        raise ReadError(what, e) from e


def tags_of(resource: dict[str, Any], key: str = "Tags") -> dict[str, str]:
    return boto3_tag_list_to_ansible_dict(resource.get(key) or [])


def first(
    items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str], what: str, notes: list[str]
) -> dict[str, Any] | None:
    """The first of items by key, or None; a note names the others when there are several."""
    ordered = sorted(items, key=key)
    if len(ordered) > 1:
        others = ", ".join(key(item) for item in ordered[1:])
        notes.append(f"several {what} match the environment; reporting {key(ordered[0])}, not {others}")
    return ordered[0] if ordered else None


# --- sections from API responses ------------------------------------------------------------------


def vpc_section(vpcs: list[dict[str, Any]], notes: list[str]) -> dict[str, Any]:
    vpc = first(vpcs, lambda v: v["VpcId"], "VPCs", notes)
    if vpc is None:
        return {}
    return {"id": vpc["VpcId"], "cidr": vpc["CidrBlock"], "name": tags_of(vpc).get("Name")}


def subnets_section(subnets: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    tiers: dict[str, list[dict[str, Any]]] = {}
    for subnet in sorted(subnets, key=lambda s: ip_network(s["CidrBlock"])):
        tier = tags_of(subnet).get("Tier") or "untagged"
        tiers.setdefault(tier, []).append(
            {
                "id": subnet["SubnetId"],
                "cidr": subnet["CidrBlock"],
                "az": subnet["AvailabilityZone"],
                "tier": tier,
            }
        )
    return tiers


def nat_gateways_section(nat_gateways: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": nat["NatGatewayId"],
            "subnet_id": nat.get("SubnetId"),
            "state": nat.get("State"),
            "public_ips": [a["PublicIp"] for a in nat.get("NatGatewayAddresses", []) if a.get("PublicIp")],
        }
        for nat in sorted(nat_gateways, key=lambda n: n["NatGatewayId"])
    ]


def alb_section(
    load_balancers: list[dict[str, Any]],
    tags_by_arn: dict[str, dict[str, str]],
    scope: Scope,
    notes: list[str],
) -> dict[str, Any]:
    ours = [
        lb
        for lb in load_balancers
        if lb.get("Type") == "application" and scope.owns(tags_by_arn.get(lb["LoadBalancerArn"], {}))
    ]
    lb = first(ours, lambda b: b["LoadBalancerName"], "application load balancers", notes)
    if lb is None:
        return {}
    return {
        "name": lb["LoadBalancerName"],
        "arn": lb["LoadBalancerArn"],
        "dns_name": lb.get("DNSName"),
        "state": lb.get("State", {}).get("Code"),
        "scheme": lb.get("Scheme"),
    }


def cloudfront_section(
    distributions: list[dict[str, Any]],
    tags_by_arn: dict[str, dict[str, str]],
    scope: Scope,
    notes: list[str],
) -> dict[str, Any]:
    ours = [d for d in distributions if scope.owns(tags_by_arn.get(d["ARN"], {}))]
    distribution = first(ours, lambda d: d["Id"], "CloudFront distributions", notes)
    if distribution is None:
        return {}
    return {
        "id": distribution["Id"],
        "arn": distribution["ARN"],
        "domain_name": distribution.get("DomainName"),
        "aliases": distribution.get("Aliases", {}).get("Items", []),
        "status": distribution.get("Status"),
        "enabled": distribution.get("Enabled"),
    }


def rds_section(db_instances: list[dict[str, Any]], scope: Scope, notes: list[str]) -> dict[str, Any]:
    ours = [db for db in db_instances if scope.owns(tags_of(db, "TagList"))]
    db = first(ours, lambda d: d["DBInstanceIdentifier"], "RDS instances", notes)
    if db is None:
        return {}
    endpoint = db.get("Endpoint") or {}  # absent until the instance is first available
    return {
        "identifier": db["DBInstanceIdentifier"],
        "address": endpoint.get("Address"),
        "port": endpoint.get("Port"),
        "status": db.get("DBInstanceStatus"),
        "multi_az": db.get("MultiAZ", False),
        "engine": db.get("Engine"),
    }


def redis_section(
    groups: list[dict[str, Any]], tags_by_arn: dict[str, dict[str, str]], scope: Scope, notes: list[str]
) -> dict[str, Any]:
    ours = [g for g in groups if scope.owns(tags_by_arn.get(g.get("ARN", ""), {}))]
    group = first(ours, lambda g: g["ReplicationGroupId"], "ElastiCache replication groups", notes)
    if group is None:
        return {}
    # Cluster mode has one configuration endpoint; otherwise the node group's primary endpoint.
    endpoint = group.get("ConfigurationEndpoint") or next(
        (ng["PrimaryEndpoint"] for ng in group.get("NodeGroups", []) if ng.get("PrimaryEndpoint")), {}
    )
    return {
        "replication_group_id": group["ReplicationGroupId"],
        "address": endpoint.get("Address"),
        "port": endpoint.get("Port"),
        "status": group.get("Status"),
    }


def efs_section(file_systems: list[dict[str, Any]], scope: Scope, notes: list[str]) -> dict[str, Any]:
    ours = [fs for fs in file_systems if scope.owns(tags_of(fs))]
    fs = first(ours, lambda f: f["FileSystemId"], "EFS file systems", notes)
    if fs is None:
        return {}
    return {
        "file_system_id": fs["FileSystemId"],
        "name": fs.get("Name") or tags_of(fs).get("Name"),
        "life_cycle_state": fs.get("LifeCycleState"),
        "mount_targets": fs.get("NumberOfMountTargets", 0),
    }


def launch_template_section(
    template: dict[str, Any] | None, versions: list[dict[str, Any]]
) -> dict[str, Any]:
    """The template and the AMIs of its default and latest versions (versions may repeat one)."""
    if not template:
        return {}
    by_number = {v["VersionNumber"]: v for v in versions}

    def image_of(number: int | None) -> str | None:
        return by_number.get(number, {}).get("LaunchTemplateData", {}).get("ImageId")

    default, latest = template.get("DefaultVersionNumber"), template.get("LatestVersionNumber")
    return {
        "id": template["LaunchTemplateId"],
        "name": template["LaunchTemplateName"],
        "default_version": default,
        "latest_version": latest,
        "image_id": image_of(default),
        "latest_image_id": image_of(latest),
    }


def instances_amis_section(reservations: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(
        instance["ImageId"]
        for reservation in reservations
        for instance in reservation.get("Instances", [])
        if instance.get("State", {}).get("Name") == "running"
    )
    return dict(sorted(counts.items()))


def ami_drift(launch_template: dict[str, Any], instances_amis: dict[str, int]) -> bool:
    """True when some running instance runs an AMI other than the launch template's."""
    image = launch_template.get("image_id")
    if not image or not instances_amis:
        return False
    return any(ami != image for ami in instances_amis)


def asg_section(group: dict[str, Any] | None, refreshes: list[dict[str, Any]]) -> dict[str, Any]:
    if not group:
        return {}
    instances = group.get("Instances", [])
    running = next((r for r in refreshes if r.get("Status") in REFRESH_RUNNING), None)
    return {
        "name": group["AutoScalingGroupName"],
        "desired_capacity": group.get("DesiredCapacity"),
        "min_size": group.get("MinSize"),
        "max_size": group.get("MaxSize"),
        "instances": len(instances),
        "in_service": sum(1 for i in instances if i.get("LifecycleState") == "InService"),
        "instance_refresh": {
            "id": running["InstanceRefreshId"],
            "status": running["Status"],
            "percentage_complete": running.get("PercentageComplete"),
        }
        if running
        else {},
    }


# --- reading the API (each fetch runs in a worker thread with its own service's client) -----------


def paginate(client, operation: str, **params: Any) -> dict[str, Any]:
    """Every page of operation merged; a result key is missing when nothing was found (CloudFront)."""
    return paginated_query_with_retries(client, operation, retry_decorator=RETRY, **params)


def fetch_network(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the VPCs (ec2 DescribeVpcs)"):
        vpcs = paginate(client, "describe_vpcs", Filters=scope.filters).get("Vpcs", [])
    found: dict[str, Any] = {"vpc": vpc_section(vpcs, notes), "subnets": {}, "nat_gateways": []}
    # By VPC id rather than by tags: the local emulator ignores tag filters on NAT gateways, and
    # whatever sits in the environment's VPC belongs to the environment.
    vpc_filter = [{"Name": "vpc-id", "Values": sorted(v["VpcId"] for v in vpcs)}]
    if vpcs and "subnets" in wanted:
        with reading("the subnets (ec2 DescribeSubnets)"):
            subnets = paginate(client, "describe_subnets", Filters=vpc_filter).get("Subnets", [])
        found["subnets"] = subnets_section(subnets)
    if vpcs and "nat_gateways" in wanted:
        live = [*vpc_filter, {"Name": "state", "Values": ["pending", "available"]}]
        with reading("the NAT gateways (ec2 DescribeNatGateways)"):
            nats = paginate(client, "describe_nat_gateways", Filter=live).get("NatGateways", [])
        found["nat_gateways"] = nat_gateways_section(nats)
    return found


def fetch_alb(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the load balancers (elbv2 DescribeLoadBalancers)"):
        load_balancers = paginate(client, "describe_load_balancers").get("LoadBalancers", [])
    # ELBv2 cannot filter by tag: the name narrows, the tags decide.
    candidates = [lb for lb in load_balancers if lb["LoadBalancerName"].startswith(scope.prefix)]
    arns = [lb["LoadBalancerArn"] for lb in candidates]
    tags_by_arn: dict[str, dict[str, str]] = {}
    for start in range(0, len(arns), ELB_TAGS_BATCH):
        batch = arns[start : start + ELB_TAGS_BATCH]
        with reading("the load balancers' tags (elbv2 DescribeTags)"):
            try:
                descriptions = client.describe_tags(aws_retry=True, ResourceArns=batch)["TagDescriptions"]
            except is_boto3_error_code(NOT_FOUND):
                # One deleted meanwhile fails the batch: read the rest one by one.
                descriptions = [d for arn in batch for d in _elb_tags_one(client, arn)]
        tags_by_arn.update({d["ResourceArn"]: tags_of(d) for d in descriptions})
    return {"alb": alb_section(candidates, tags_by_arn, scope, notes)}


def _elb_tags_one(client, arn: str) -> list[dict[str, Any]]:
    try:
        return client.describe_tags(aws_retry=True, ResourceArns=[arn])["TagDescriptions"]
    except is_boto3_error_code(NOT_FOUND):
        return []


def fetch_cloudfront(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the CloudFront distributions (cloudfront ListDistributions)"):
        distributions = paginate(client, "list_distributions").get("DistributionList", {}).get("Items", [])
    # Neither a tag filter nor a name to narrow by: every distribution's tags, one call each.
    tags_by_arn = {}
    for distribution in distributions:
        with reading(
            f"the tags of CloudFront distribution {distribution['Id']} (cloudfront ListTagsForResource)"
        ):
            try:
                tags = client.list_tags_for_resource(aws_retry=True, Resource=distribution["ARN"])
            except is_boto3_error_code(NOT_FOUND):
                continue
        tags_by_arn[distribution["ARN"]] = tags_of(tags.get("Tags", {}), "Items")
    return {"cloudfront": cloudfront_section(distributions, tags_by_arn, scope, notes)}


def fetch_rds(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    # DescribeDBInstances filters by engine or identifier, not by tag; its TagList carries the tags.
    with reading("the RDS instances (rds DescribeDBInstances)"):
        db_instances = paginate(client, "describe_db_instances").get("DBInstances", [])
    return {"rds": rds_section(db_instances, scope, notes)}


def fetch_redis(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the ElastiCache replication groups (elasticache DescribeReplicationGroups)"):
        groups = paginate(client, "describe_replication_groups").get("ReplicationGroups", [])
    candidates = [g for g in groups if g["ReplicationGroupId"].startswith(scope.prefix) and g.get("ARN")]
    tags_by_arn = {}
    for group in candidates:
        what = (
            f"the tags of replication group {group['ReplicationGroupId']} (elasticache ListTagsForResource)"
        )
        with reading(what):
            try:
                tags = client.list_tags_for_resource(aws_retry=True, ResourceName=group["ARN"])
            except is_boto3_error_code(NOT_FOUND):
                continue
        tags_by_arn[group["ARN"]] = tags_of(tags, "TagList")
    return {"redis": redis_section(candidates, tags_by_arn, scope, notes)}


def fetch_efs(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the EFS file systems (efs DescribeFileSystems)"):
        file_systems = paginate(client, "describe_file_systems").get("FileSystems", [])
    return {"efs": efs_section(file_systems, scope, notes)}


def fetch_launch_template(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    with reading("the launch templates (ec2 DescribeLaunchTemplates)"):
        templates = paginate(client, "describe_launch_templates", Filters=scope.filters).get(
            "LaunchTemplates", []
        )
    template = first(templates, lambda t: t["LaunchTemplateName"], "launch templates", notes)
    if template is None:
        return {"launch_template": {}}
    name = template["LaunchTemplateName"]
    what = f"the versions of launch template {name} (ec2 DescribeLaunchTemplateVersions)"
    with reading(what):
        try:
            versions = client.describe_launch_template_versions(
                aws_retry=True,
                LaunchTemplateId=template["LaunchTemplateId"],
                Versions=["$Default", "$Latest"],
            )["LaunchTemplateVersions"]
        except is_boto3_error_code(NOT_FOUND):
            return {"launch_template": {}}
    return {"launch_template": launch_template_section(template, versions)}


def fetch_instances_amis(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    running = [*scope.filters, {"Name": "instance-state-name", "Values": ["running"]}]
    with reading("the environment's instances (ec2 DescribeInstances)"):
        reservations = paginate(client, "describe_instances", Filters=running).get("Reservations", [])
    return {"instances_amis": instances_amis_section(reservations)}


def fetch_asg(client, scope: Scope, wanted: set[str], notes: list[str]) -> dict[str, Any]:
    # The same tag:<key> filters as EC2's.
    with reading("the Auto Scaling groups (autoscaling DescribeAutoScalingGroups)"):
        groups = paginate(client, "describe_auto_scaling_groups", Filters=scope.filters).get(
            "AutoScalingGroups", []
        )
    group = first(groups, lambda g: g["AutoScalingGroupName"], "Auto Scaling groups", notes)
    if group is None:
        return {"asg": {}}
    # One call, and only once a group exists: the newest refreshes, running ones among them.
    with reading(
        f"the instance refreshes of {group['AutoScalingGroupName']} (autoscaling DescribeInstanceRefreshes)"
    ):
        refreshes = client.describe_instance_refreshes(
            aws_retry=True, AutoScalingGroupName=group["AutoScalingGroupName"]
        )["InstanceRefreshes"]
    return {"asg": asg_section(group, refreshes)}


@dataclass(frozen=True)
class Fetch:
    service: str
    sections: tuple[str, ...]
    read: Callable[[Any, Scope, set[str], list[str]], dict[str, Any]]


FETCHES = (
    Fetch("ec2", ("vpc", "subnets", "nat_gateways"), fetch_network),
    Fetch("elbv2", ("alb",), fetch_alb),
    Fetch("cloudfront", ("cloudfront",), fetch_cloudfront),
    Fetch("rds", ("rds",), fetch_rds),
    Fetch("elasticache", ("redis",), fetch_redis),
    Fetch("efs", ("efs",), fetch_efs),
    Fetch("ec2", ("launch_template",), fetch_launch_template),
    Fetch("ec2", ("instances_amis",), fetch_instances_amis),
    Fetch("autoscaling", ("asg",), fetch_asg),
)


def read_stack(module, scope: Scope, wanted: set[str]) -> dict[str, Any]:
    """The wanted sections, read concurrently; fails the module on the first API error, in section order."""
    fetches = [fetch for fetch in FETCHES if wanted.intersection(fetch.sections)]
    if not fetches:
        return {}
    # boto3 clients are thread-safe, sessions are not: every client is made here, before the threads.
    clients = {}
    for fetch in fetches:
        if fetch.service not in clients:
            clients[fetch.service] = retrying_client(module, fetch.service)
    notes: list[str] = []
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(fetches))) as pool:
        futures = [pool.submit(f.read, clients[f.service], scope, wanted, notes) for f in fetches]
    found: dict[str, Any] = {}
    for future in futures:
        try:
            found.update(future.result())
        except ReadError as e:
            module.fail_json_aws(
                e.error, msg=f"Failed to read {e.what} for {scope.project}-{scope.environment}"
            )
    for note in notes:
        module.warn(note)
    return {section: found[section] for section in SECTIONS if section in wanted}


def main() -> None:
    argument_spec = dict(
        project=dict(type="str", required=True),
        environment=dict(type="str", required=True, aliases=["env"]),
        sections=dict(type="list", elements="str", choices=list(SECTIONS), default=list(SECTIONS)),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        scope = Scope(module.params["project"], module.params["environment"])
    except NamingError as e:
        module.fail_json(msg=str(e))

    stack = read_stack(module, scope, set(module.params["sections"]))
    drift = ami_drift(stack.get("launch_template", {}), stack.get("instances_amis", {}))
    module.exit_json(changed=False, drift=drift, **stack)


if __name__ == "__main__":
    main()
