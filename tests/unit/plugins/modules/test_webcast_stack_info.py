"""The webcast_stack_info module: each section's extraction, and the module against moto in process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import boto3
import botocore.exceptions
import botocore.parsers
import pytest
from ansible_collections.webcast.platform.plugins.modules import webcast_stack_info
from ansible_collections.webcast.platform.plugins.modules.webcast_stack_info import (
    SECTIONS,
    Scope,
    alb_section,
    ami_drift,
    asg_section,
    cloudfront_section,
    efs_section,
    instances_amis_section,
    launch_template_section,
    nat_gateways_section,
    rds_section,
    redis_section,
    subnets_section,
    vpc_section,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator.fixes import FIXES

REGION = "eu-west-1"
PROJECT = "webcast"
ENV = "test"
SCOPE = Scope(PROJECT, ENV)

Aws = dict[str, Any]
Run = Callable[..., dict[str, Any]]

EMPTY = {
    "vpc": {},
    "subnets": {},
    "nat_gateways": [],
    "alb": {},
    "cloudfront": {},
    "rds": {},
    "redis": {},
    "efs": {},
    "launch_template": {},
    "instances_amis": {},
    "asg": {},
}


def tag_list(env: str = ENV, **extra: str) -> list[dict[str, str]]:
    tags = {"Project": PROJECT, "Environment": env, "ManagedBy": "ansible", **extra}
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def tags_dict(env: str = ENV) -> dict[str, str]:
    return {"Project": PROJECT, "Environment": env}


# --- pure functions: each section from API responses ----------------------------------------------


def test_a_scope_refuses_a_name_part_that_breaks_the_convention() -> None:
    with pytest.raises(ValueError, match="environment 'Test_1' is not a valid name part"):
        Scope(PROJECT, "Test_1")


def test_a_scope_owns_what_carries_both_its_tags() -> None:
    assert SCOPE.owns({"Project": PROJECT, "Environment": ENV, "Name": "x"})
    assert not SCOPE.owns({"Project": PROJECT, "Environment": "other"})
    assert not SCOPE.owns({"Project": "other", "Environment": ENV})
    assert not SCOPE.owns({})


def test_no_vpc_is_an_empty_section() -> None:
    assert vpc_section([], []) == {}


def test_a_vpc_is_its_id_cidr_and_name() -> None:
    vpc = {
        "VpcId": "vpc-1",
        "CidrBlock": "10.10.0.0/16",
        "Tags": [{"Key": "Name", "Value": "webcast-test-vpc"}],
    }

    assert vpc_section([vpc], []) == {"id": "vpc-1", "cidr": "10.10.0.0/16", "name": "webcast-test-vpc"}


def test_of_several_vpcs_the_first_by_id_is_reported_and_a_note_names_the_others() -> None:
    notes: list[str] = []
    vpcs = [{"VpcId": "vpc-2", "CidrBlock": "10.2.0.0/16"}, {"VpcId": "vpc-1", "CidrBlock": "10.1.0.0/16"}]

    assert vpc_section(vpcs, notes)["id"] == "vpc-1"
    assert notes == ["several VPCs match the environment; reporting vpc-1, not vpc-2"]


def subnet(subnet_id: str, cidr: str, az: str, tier: str | None) -> dict[str, Any]:
    tags = [{"Key": "Tier", "Value": tier}] if tier else []
    return {"SubnetId": subnet_id, "CidrBlock": cidr, "AvailabilityZone": az, "Tags": tags}


def test_subnets_are_grouped_by_tier_in_address_order() -> None:
    subnets = [
        subnet("s-app-b", "10.10.32.0/20", "eu-west-1b", "app"),
        subnet("s-pub-b", "10.10.1.0/24", "eu-west-1b", "public"),
        subnet("s-app-a", "10.10.16.0/20", "eu-west-1a", "app"),
        subnet("s-pub-a", "10.10.0.0/24", "eu-west-1a", "public"),
        subnet("s-data-a", "10.10.2.0/24", "eu-west-1a", "data"),
    ]

    tiers = subnets_section(subnets)

    assert list(tiers) == ["public", "data", "app"]  # in the order of their first addresses
    assert [s["id"] for s in tiers["public"]] == ["s-pub-a", "s-pub-b"]
    # 10.10.16.0 before 10.10.32.0, although "10.10.16" > "10.10.1" as text too; and 10.10.2 < 10.10.16.
    assert [s["id"] for s in tiers["app"]] == ["s-app-a", "s-app-b"]
    assert tiers["data"] == [{"id": "s-data-a", "cidr": "10.10.2.0/24", "az": "eu-west-1a", "tier": "data"}]


def test_a_subnet_without_a_tier_tag_is_listed_as_untagged() -> None:
    assert subnets_section([subnet("s-1", "10.0.0.0/24", "eu-west-1a", None)]) == {
        "untagged": [{"id": "s-1", "cidr": "10.0.0.0/24", "az": "eu-west-1a", "tier": "untagged"}]
    }


def test_a_nat_gateway_is_its_id_subnet_state_and_public_addresses() -> None:
    nat = {
        "NatGatewayId": "nat-1",
        "SubnetId": "s-pub-a",
        "State": "available",
        "NatGatewayAddresses": [
            {"PublicIp": "203.0.113.10", "PrivateIp": "10.10.0.5"},
            {"PrivateIp": "10.10.0.6"},
        ],
    }

    assert nat_gateways_section([nat]) == [
        {"id": "nat-1", "subnet_id": "s-pub-a", "state": "available", "public_ips": ["203.0.113.10"]}
    ]
    assert nat_gateways_section([]) == []


def load_balancer(name: str, kind: str = "application") -> dict[str, Any]:
    return {
        "LoadBalancerName": name,
        "LoadBalancerArn": f"arn:lb/{name}",
        "DNSName": f"{name}.elb.example",
        "State": {"Code": "active"},
        "Scheme": "internet-facing",
        "Type": kind,
    }


def test_the_alb_is_the_application_load_balancer_with_the_environment_s_tags() -> None:
    lbs = [load_balancer("webcast-test-alb"), load_balancer("webcast-test-ingest", "network")]
    tags = {lb["LoadBalancerArn"]: tags_dict() for lb in lbs}

    assert alb_section(lbs, tags, SCOPE, []) == {
        "name": "webcast-test-alb",
        "arn": "arn:lb/webcast-test-alb",
        "dns_name": "webcast-test-alb.elb.example",
        "state": "active",
        "scheme": "internet-facing",
    }


def test_a_load_balancer_named_like_the_environment_but_tagged_for_another_is_not_its_alb() -> None:
    # webcast-test- also starts the names of an environment called test-eu.
    lb = load_balancer("webcast-test-eu-alb")

    assert alb_section([lb], {lb["LoadBalancerArn"]: tags_dict("test-eu")}, SCOPE, []) == {}
    assert alb_section([lb], {}, SCOPE, []) == {}


def distribution(dist_id: str) -> dict[str, Any]:
    return {
        "Id": dist_id,
        "ARN": f"arn:aws:cloudfront::123456789012:distribution/{dist_id}",
        "DomainName": f"{dist_id.lower()}.cloudfront.net",
        "Status": "Deployed",
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["live.example.com"]},
    }


def test_the_cdn_is_the_distribution_with_the_environment_s_tags() -> None:
    ours, theirs = distribution("EOURS"), distribution("ETHEIRS")
    tags = {ours["ARN"]: tags_dict(), theirs["ARN"]: tags_dict("other")}

    assert cloudfront_section([theirs, ours], tags, SCOPE, []) == {
        "id": "EOURS",
        "arn": ours["ARN"],
        "domain_name": "eours.cloudfront.net",
        "aliases": ["live.example.com"],
        "status": "Deployed",
        "enabled": True,
    }


def test_a_distribution_without_aliases_has_an_empty_alias_list() -> None:
    dist = {**distribution("E1"), "Aliases": {"Quantity": 0}}

    assert cloudfront_section([dist], {dist["ARN"]: tags_dict()}, SCOPE, [])["aliases"] == []


def db_instance(identifier: str, env: str = ENV, **changes: Any) -> dict[str, Any]:
    return {
        "DBInstanceIdentifier": identifier,
        "DBInstanceStatus": "available",
        "Endpoint": {"Address": f"{identifier}.rds.example", "Port": 3306},
        "MultiAZ": True,
        "Engine": "mysql",
        "TagList": tag_list(env),
        **changes,
    }


def test_the_database_is_the_instance_whose_tag_list_names_the_environment() -> None:
    dbs = [db_instance("webcast-other-db", "other"), db_instance("webcast-test-db")]

    assert rds_section(dbs, SCOPE, []) == {
        "identifier": "webcast-test-db",
        "address": "webcast-test-db.rds.example",
        "port": 3306,
        "status": "available",
        "multi_az": True,
        "engine": "mysql",
    }


def test_a_database_being_created_has_no_endpoint_yet() -> None:
    creating = db_instance("webcast-test-db", DBInstanceStatus="creating")
    del creating["Endpoint"]

    section = rds_section([creating], SCOPE, [])

    assert (section["status"], section["address"], section["port"]) == ("creating", None, None)


def test_the_cache_is_the_replication_group_s_primary_endpoint() -> None:
    group = {
        "ReplicationGroupId": "webcast-test-redis",
        "ARN": "arn:rg/webcast-test-redis",
        "Status": "available",
        "NodeGroups": [
            {"NodeGroupId": "0001", "PrimaryEndpoint": {"Address": "master.redis.example", "Port": 6379}}
        ],
    }

    assert redis_section([group], {group["ARN"]: tags_dict()}, SCOPE, []) == {
        "replication_group_id": "webcast-test-redis",
        "address": "master.redis.example",
        "port": 6379,
        "status": "available",
    }
    assert redis_section([group], {group["ARN"]: tags_dict("other")}, SCOPE, []) == {}


def test_a_cluster_mode_cache_is_its_configuration_endpoint() -> None:
    group = {
        "ReplicationGroupId": "webcast-test-redis",
        "ARN": "arn:rg/1",
        "Status": "modifying",
        "ConfigurationEndpoint": {"Address": "cfg.redis.example", "Port": 6379},
        "NodeGroups": [{"NodeGroupId": "0001"}, {"NodeGroupId": "0002"}],
    }

    section = redis_section([group], {"arn:rg/1": tags_dict()}, SCOPE, [])

    assert (section["address"], section["status"]) == ("cfg.redis.example", "modifying")


def test_the_file_system_is_its_id_state_and_mount_target_count() -> None:
    fs = {
        "FileSystemId": "fs-1",
        "Name": "webcast-test-efs",
        "LifeCycleState": "available",
        "NumberOfMountTargets": 2,
        "Tags": tag_list(),
    }
    other = {**fs, "FileSystemId": "fs-0", "Tags": tag_list("other")}

    assert efs_section([other, fs], SCOPE, []) == {
        "file_system_id": "fs-1",
        "name": "webcast-test-efs",
        "life_cycle_state": "available",
        "mount_targets": 2,
    }


def version(number: int, ami: str) -> dict[str, Any]:
    return {"VersionNumber": number, "LaunchTemplateData": {"ImageId": ami}}


def test_the_launch_template_reports_the_amis_of_its_default_and_latest_versions() -> None:
    template = {
        "LaunchTemplateId": "lt-1",
        "LaunchTemplateName": "webcast-test-app",
        "DefaultVersionNumber": 3,
        "LatestVersionNumber": 4,
    }

    assert launch_template_section(template, [version(3, "ami-3"), version(4, "ami-4")]) == {
        "id": "lt-1",
        "name": "webcast-test-app",
        "default_version": 3,
        "latest_version": 4,
        "image_id": "ami-3",
        "latest_image_id": "ami-4",
    }


def test_a_default_version_that_is_the_latest_may_be_listed_twice() -> None:
    # Versions=["$Default", "$Latest"] names the same version twice when it is both.
    template = {
        "LaunchTemplateId": "lt-1",
        "LaunchTemplateName": "x",
        "DefaultVersionNumber": 1,
        "LatestVersionNumber": 1,
    }

    section = launch_template_section(template, [version(1, "ami-1"), version(1, "ami-1")])

    assert (section["image_id"], section["latest_image_id"]) == ("ami-1", "ami-1")
    assert launch_template_section(None, []) == {}


def instance(ami: str, state: str = "running") -> dict[str, Any]:
    return {"ImageId": ami, "State": {"Name": state}}


def test_running_instances_are_counted_by_ami() -> None:
    reservations = [
        {"Instances": [instance("ami-b"), instance("ami-a")]},
        {"Instances": [instance("ami-a"), instance("ami-c", "stopped")]},
    ]

    assert instances_amis_section(reservations) == {"ami-a": 2, "ami-b": 1}
    assert instances_amis_section([]) == {}


@pytest.mark.parametrize(
    ("template", "amis", "drift"),
    [
        ({"image_id": "ami-a"}, {"ami-a": 3}, False),
        ({"image_id": "ami-a"}, {"ami-a": 2, "ami-b": 1}, True),
        ({"image_id": "ami-a"}, {"ami-b": 1}, True),
        ({"image_id": "ami-a"}, {}, False),
        ({}, {"ami-a": 1}, False),
    ],
)
def test_drift_is_an_instance_running_another_ami_than_the_launch_template_s(
    template: dict[str, Any], amis: dict[str, int], drift: bool
) -> None:
    assert ami_drift(template, amis) is drift


def group(**changes: Any) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": "webcast-test-app",
        "DesiredCapacity": 3,
        "MinSize": 2,
        "MaxSize": 6,
        "Instances": [
            {"InstanceId": "i-1", "LifecycleState": "InService"},
            {"InstanceId": "i-2", "LifecycleState": "InService"},
            {"InstanceId": "i-3", "LifecycleState": "Pending"},
        ],
        **changes,
    }


def test_the_group_reports_its_capacity_and_instances_in_service() -> None:
    assert asg_section(group(), []) == {
        "name": "webcast-test-app",
        "desired_capacity": 3,
        "min_size": 2,
        "max_size": 6,
        "instances": 3,
        "in_service": 2,
        "instance_refresh": {},
    }
    assert asg_section(None, []) == {}


def test_a_running_instance_refresh_is_reported_and_a_finished_one_is_not() -> None:
    running = {"InstanceRefreshId": "r-2", "Status": "InProgress", "PercentageComplete": 40}
    done = {"InstanceRefreshId": "r-1", "Status": "Successful", "PercentageComplete": 100}

    assert asg_section(group(), [running, done])["instance_refresh"] == {
        "id": "r-2",
        "status": "InProgress",
        "percentage_complete": 40,
    }
    assert asg_section(group(), [done])["instance_refresh"] == {}


# --- the module against moto --------------------------------------------------------------------


class Account(dict):
    """A service's client the first time a test asks for it: each one loads its service model."""

    def __missing__(self, service: str) -> Any:
        self[service] = boto3.client(service, region_name=REGION)
        return self[service]


@pytest.fixture
def aws() -> Iterator[Aws]:
    """A moto account (eu-west-1), its clients, and AMIs the bake could have registered.

    moto implements neither DescribeInstanceRefreshes nor StartInstanceRefresh; the emulator's fix
    answers an empty list (no refresh can be started), as AWS does for a group never refreshed. A
    running refresh is covered by the asg_section tests only.
    """
    refreshes = next(f for f in FIXES if f.name == "autoscaling_describe_instance_refreshes")
    with mock_aws(), refreshes.patch():
        account = Account()
        ec2 = account["ec2"]
        # A base image of our own: listing moto's 1,300 public AMIs to pick one takes seconds.
        base = ec2.register_image(Name="debian-12-base", RootDeviceName="/dev/xvda")["ImageId"]
        builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        account["amis"] = [
            ec2.create_image(InstanceId=builder, Name=f"webcast-{n}")["ImageId"] for n in ("1.0.0", "1.1.0")
        ]
        ec2.terminate_instances(InstanceIds=[builder])
        yield account


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the module in process with these arguments (the test environment's by default)."""

    def run_stack_info(check_mode: bool = False, **args: Any) -> dict[str, Any]:
        args = {"project": PROJECT, "environment": ENV, "region": REGION, **args}
        return run_module(webcast_stack_info, args, capsys, check_mode)

    return run_stack_info


def specs(resource_type: str, env: str = ENV, **extra: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": tag_list(env, **extra)}]


def make_network(aws: Aws, env: str = ENV, cidr: str = "10.10.0.0/16") -> dict[str, Any]:
    """A VPC as aws_network builds it: tagged, a public and an app subnet per AZ, one NAT gateway."""
    ec2 = aws["ec2"]
    prefix = cidr.split(".0.0/")[0]
    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=specs("vpc", env, Name=f"webcast-{env}-vpc"))[
        "Vpc"
    ]["VpcId"]
    subnets = {}
    for tier, third, az in (("public", 0, "a"), ("public", 1, "b"), ("app", 16, "a"), ("app", 32, "b")):
        subnets[f"{tier}-{az}"] = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"{prefix}.{third}.0/24",
            AvailabilityZone=f"{REGION}{az}",
            TagSpecifications=specs("subnet", env, Tier=tier),
        )["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")
    nat_id = ec2.create_nat_gateway(
        SubnetId=subnets["public-a"],
        AllocationId=allocation["AllocationId"],
        TagSpecifications=specs("natgateway", env),
    )["NatGateway"]["NatGatewayId"]
    return {"vpc_id": vpc_id, "subnets": subnets, "nat_id": nat_id, "public_ip": allocation["PublicIp"]}


def make_alb(aws: Aws, network: dict[str, Any], name: str, env: str = ENV) -> dict[str, Any]:
    return aws["elbv2"].create_load_balancer(
        Name=name,
        Scheme="internet-facing",
        Subnets=[network["subnets"]["public-a"], network["subnets"]["public-b"]],
        Tags=tag_list(env),
    )["LoadBalancers"][0]


def make_db(aws: Aws, identifier: str, env: str = ENV) -> None:
    aws["rds"].create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        MultiAZ=False,
        Tags=tag_list(env),
    )


def make_launch_template(aws: Aws, ami: str, env: str = ENV) -> str:
    return aws["ec2"].create_launch_template(
        LaunchTemplateName=f"webcast-{env}-app",
        LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.small"},
        TagSpecifications=specs("launch-template", env),
    )["LaunchTemplate"]["LaunchTemplateId"]


def run_instances(aws: Aws, ami: str, count: int, env: str = ENV) -> list[str]:
    instances = aws["ec2"].run_instances(
        ImageId=ami, MinCount=count, MaxCount=count, TagSpecifications=specs("instance", env)
    )["Instances"]
    return [i["InstanceId"] for i in instances]


def test_an_empty_account_gives_empty_sections_and_no_change(aws: Aws, run: Run) -> None:
    result = run()

    assert result["changed"] is False
    assert result["drift"] is False
    assert {section: result[section] for section in SECTIONS} == EMPTY


def test_check_mode_reads_the_same_and_changes_nothing(aws: Aws, run: Run) -> None:
    make_network(aws)

    normal, checked = run(), run(check_mode=True)

    assert checked["changed"] is False
    assert {s: checked[s] for s in SECTIONS} == {s: normal[s] for s in SECTIONS}


def test_the_network_sections_show_the_vpc_its_subnets_by_tier_and_the_nat_gateway(
    aws: Aws, run: Run
) -> None:
    network = make_network(aws)

    result = run()

    assert result["vpc"] == {"id": network["vpc_id"], "cidr": "10.10.0.0/16", "name": "webcast-test-vpc"}
    subnets = network["subnets"]
    assert result["subnets"] == {
        "public": [
            {"id": subnets["public-a"], "cidr": "10.10.0.0/24", "az": "eu-west-1a", "tier": "public"},
            {"id": subnets["public-b"], "cidr": "10.10.1.0/24", "az": "eu-west-1b", "tier": "public"},
        ],
        "app": [
            {"id": subnets["app-a"], "cidr": "10.10.16.0/24", "az": "eu-west-1a", "tier": "app"},
            {"id": subnets["app-b"], "cidr": "10.10.32.0/24", "az": "eu-west-1b", "tier": "app"},
        ],
    }
    assert result["nat_gateways"] == [
        {
            "id": network["nat_id"],
            "subnet_id": subnets["public-a"],
            "state": "available",
            "public_ips": [network["public_ip"]],
        }
    ]
    # Only the network exists: every other tier is empty, and nothing failed for it.
    assert {s: result[s] for s in SECTIONS if s not in ("vpc", "subnets", "nat_gateways")} == {
        s: v for s, v in EMPTY.items() if s not in ("vpc", "subnets", "nat_gateways")
    }


def test_a_deleted_nat_gateway_is_not_reported(aws: Aws, run: Run) -> None:
    network = make_network(aws)
    aws["ec2"].delete_nat_gateway(NatGatewayId=network["nat_id"])

    assert run(sections=["nat_gateways"])["nat_gateways"] == []


def test_the_database_load_balancer_and_fleet_sections_with_drift_and_counts(aws: Aws, run: Run) -> None:
    network = make_network(aws)
    alb = make_alb(aws, network, "webcast-test-alb")
    make_db(aws, "webcast-test-db")
    old, new = aws["amis"]
    template_id = make_launch_template(aws, new)
    run_instances(aws, new, 2)
    run_instances(aws, old, 1)

    result = run(sections=["alb", "rds", "launch_template", "instances_amis"])

    assert result["alb"] == {
        "name": "webcast-test-alb",
        "arn": alb["LoadBalancerArn"],
        "dns_name": alb["DNSName"],
        "state": "active",  # provisioning when created; active when described again, as on AWS
        "scheme": "internet-facing",
    }
    rds = result["rds"]
    assert (rds["identifier"], rds["status"], rds["multi_az"], rds["engine"]) == (
        "webcast-test-db",
        "available",
        False,
        "mysql",
    )
    assert rds["address"] and rds["port"] == 3306
    assert result["launch_template"] == {
        "id": template_id,
        "name": "webcast-test-app",
        "default_version": 1,
        "latest_version": 1,
        "image_id": new,
        "latest_image_id": new,
    }
    assert result["instances_amis"] == {new: 2, old: 1}
    assert result["drift"] is True


def test_a_fleet_on_the_launch_template_s_ami_has_no_drift(aws: Aws, run: Run) -> None:
    old, new = aws["amis"]
    make_launch_template(aws, new)
    run_instances(aws, new, 2)
    stopped = run_instances(aws, old, 1)
    aws["ec2"].stop_instances(InstanceIds=stopped)  # not running: does not count

    result = run(sections=["launch_template", "instances_amis"])

    assert result["instances_amis"] == {new: 2}
    assert result["drift"] is False


def test_a_new_default_version_of_the_launch_template_is_the_ami_compared(aws: Aws, run: Run) -> None:
    old, new = aws["amis"]
    template_id = make_launch_template(aws, old)
    aws["ec2"].create_launch_template_version(
        LaunchTemplateId=template_id, LaunchTemplateData={"ImageId": new}
    )
    aws["ec2"].modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="2")
    run_instances(aws, old, 1)

    result = run(sections=["launch_template", "instances_amis"])

    assert (result["launch_template"]["default_version"], result["launch_template"]["image_id"]) == (2, new)
    assert result["drift"] is True


def test_the_auto_scaling_group_reports_its_capacity_and_its_instances_the_fleet(aws: Aws, run: Run) -> None:
    network = make_network(aws)
    ami = aws["amis"][1]
    template_id = make_launch_template(aws, ami)
    aws["autoscaling"].create_auto_scaling_group(
        AutoScalingGroupName="webcast-test-app",
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Default"},
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=2,
        VPCZoneIdentifier=f"{network['subnets']['app-a']},{network['subnets']['app-b']}",
        Tags=[{**tag, "PropagateAtLaunch": True} for tag in tag_list()],
    )

    result = run(sections=["asg", "launch_template", "instances_amis"])

    assert result["asg"] == {
        "name": "webcast-test-app",
        "desired_capacity": 2,
        "min_size": 1,
        "max_size": 4,
        "instances": 2,
        "in_service": 2,
        "instance_refresh": {},
    }
    # The group's instances carry the environment's tags (propagated at launch) and its AMI.
    assert result["instances_amis"] == {ami: 2}
    assert result["drift"] is False


def test_the_cache_file_system_and_cdn_sections(aws: Aws, run: Run) -> None:
    group = aws["elasticache"].create_replication_group(
        ReplicationGroupId="webcast-test-redis",
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        Tags=tag_list(),
    )["ReplicationGroup"]
    fs_id = aws["efs"].create_file_system(
        CreationToken="webcast-test-efs", Tags=[*tag_list(), {"Key": "Name", "Value": "webcast-test-efs"}]
    )["FileSystemId"]
    dist = aws["cloudfront"].create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": distribution_config("test"),
            "Tags": {"Items": tag_list()},
        }
    )["Distribution"]

    result = run(sections=["redis", "efs", "cloudfront"])

    endpoint = group["NodeGroups"][0]["PrimaryEndpoint"]
    assert result["redis"] == {
        "replication_group_id": "webcast-test-redis",
        "address": endpoint["Address"],
        "port": endpoint["Port"],
        "status": "available",
    }
    assert result["efs"] == {
        "file_system_id": fs_id,
        "name": "webcast-test-efs",
        "life_cycle_state": "available",
        "mount_targets": 0,
    }
    assert result["cloudfront"] == {
        "id": dist["Id"],
        "arn": dist["ARN"],
        "domain_name": dist["DomainName"],
        "aliases": [],
        "status": "Deployed",  # InProgress when created; moto deploys at once
        "enabled": True,
    }


def distribution_config(env: str) -> dict[str, Any]:
    return {
        "CallerReference": f"webcast-{env}",
        "Comment": f"webcast-{env}-cdn",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "alb",
                    "DomainName": f"webcast-{env}-alb.example",
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "https-only",
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "ViewerProtocolPolicy": "redirect-to-https",
            # The AWS managed policy CachingOptimized.
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }


def test_another_environment_s_resources_are_not_reported(aws: Aws, run: Run) -> None:
    # Everything of environment test-eu: its names start webcast-test- too, its tags say otherwise.
    other = "test-eu"
    network = make_network(aws, other, "10.20.0.0/16")
    make_alb(aws, network, "webcast-test-eu-alb", other)
    make_db(aws, "webcast-test-eu-db", other)
    ami = aws["amis"][0]
    make_launch_template(aws, ami, other)
    run_instances(aws, ami, 1, other)
    aws["elasticache"].create_replication_group(
        ReplicationGroupId="webcast-test-eu-redis",
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        Tags=tag_list(other),
    )
    aws["efs"].create_file_system(CreationToken="webcast-test-eu-efs", Tags=tag_list(other))
    aws["cloudfront"].create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": distribution_config(other),
            "Tags": {"Items": tag_list(other)},
        }
    )

    result = run()

    assert {section: result[section] for section in SECTIONS} == EMPTY
    assert run(environment=other)["vpc"]["id"] == network["vpc_id"]


def test_several_matching_resources_report_the_first_and_warn(aws: Aws, run: Run) -> None:
    network = make_network(aws)
    make_alb(aws, network, "webcast-test-alb")
    make_alb(aws, network, "webcast-test-admin")

    result = run(sections=["alb"])

    assert result["alb"]["name"] == "webcast-test-admin"
    assert any("webcast-test-alb" in str(warning) for warning in result.get("warnings", [])), result


def test_sections_limit_what_is_read_and_returned(aws: Aws, run: Run) -> None:
    make_network(aws)
    real_client = webcast_stack_info.retrying_client
    made: list[tuple[str, str]] = []

    def client_for_ec2_only(module: Any, service: str) -> Any:
        made.append((service, threading.current_thread().name))
        if service != "ec2":
            raise AssertionError(f"a {service} client was made for sections that do not need one")
        return real_client(module, service)

    with mock.patch.object(webcast_stack_info, "retrying_client", client_for_ec2_only):
        result = run(sections=["subnets", "launch_template"])

    assert not result.get("failed"), result
    assert set(result["subnets"]) == {"public", "app"}
    assert result["launch_template"] == {}
    for section in SECTIONS:
        if section not in ("subnets", "launch_template"):
            assert section not in result
    # One ec2 client for both sections, made before the worker threads start.
    assert made == [("ec2", threading.main_thread().name)]


def test_every_client_is_made_once_in_the_main_thread(aws: Aws, run: Run) -> None:
    real_client = webcast_stack_info.retrying_client
    made: list[tuple[str, bool]] = []

    def recording(module: Any, service: str) -> Any:
        made.append((service, threading.current_thread() is threading.main_thread()))
        return real_client(module, service)

    with mock.patch.object(webcast_stack_info, "retrying_client", recording):
        run()

    assert sorted(made) == sorted(
        (service, True)
        for service in ("ec2", "elbv2", "cloudfront", "rds", "elasticache", "efs", "autoscaling")
    )


def test_no_sections_read_nothing(aws: Aws, run: Run) -> None:
    with mock.patch.object(webcast_stack_info, "retrying_client", side_effect=AssertionError("no client")):
        result = run(sections=[])

    assert result["changed"] is False
    assert result["drift"] is False
    assert not set(SECTIONS) & set(result)


def failing(operation_name: str, error: Exception) -> Callable[..., Any]:
    """paginate, but raising error for one operation."""
    real_paginate = webcast_stack_info.paginate

    def paginate(client: Any, operation: str, **params: Any) -> Any:
        if operation == operation_name:
            raise error
        return real_paginate(client, operation, **params)

    return paginate


def test_an_api_error_fails_naming_what_was_being_read(aws: Aws, run: Run) -> None:
    denied = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "DescribeDBInstances"
    )

    with mock.patch.object(webcast_stack_info, "paginate", failing("describe_db_instances", denied)):
        result = run()

    assert result["failed"] is True
    assert result["msg"].startswith(
        "Failed to read the RDS instances (rds DescribeDBInstances) for webcast-test"
    )
    assert "not allowed" in result["msg"]
    assert result["error"]["code"] == "AccessDenied"


def test_an_answer_botocore_cannot_parse_fails_naming_what_was_being_read(aws: Aws, run: Run) -> None:
    # What an emulator's 500 page (or a proxy's) gives: no BotoCoreError, but a failure all the same.
    unparsable = botocore.parsers.ResponseParserError("Unable to parse response, invalid XML received")

    with mock.patch.object(webcast_stack_info, "paginate", failing("describe_file_systems", unparsable)):
        result = run(sections=["efs"])

    assert result["failed"] is True
    assert result["msg"].startswith("Failed to read the EFS file systems (efs DescribeFileSystems)")
    assert "invalid XML" in result["msg"]


def test_a_load_balancer_deleted_while_its_tags_are_read_is_absent_not_an_error(aws: Aws, run: Run) -> None:
    network = make_network(aws)
    make_alb(aws, network, "webcast-test-alb")
    real_client = webcast_stack_info.retrying_client

    class Vanishing:
        """elbv2 whose load balancer is deleted between the listing and the tags, as in a teardown."""

        def __init__(self, client: Any) -> None:
            self.client = client

        def __getattr__(self, name: str) -> Any:
            return getattr(self.client, name)

        def describe_tags(self, **kwargs: Any) -> Any:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "LoadBalancerNotFound", "Message": "gone"}}, "DescribeTags"
            )

    def client(module: Any, service: str) -> Any:
        made = real_client(module, service)
        return Vanishing(made) if service == "elbv2" else made

    with mock.patch.object(webcast_stack_info, "retrying_client", client):
        result = run(sections=["alb"])

    assert result.get("failed") is not True, result
    assert result["alb"] == {}


def test_an_invalid_environment_fails_before_any_aws_call(run: Run) -> None:
    with mock.patch.object(webcast_stack_info, "retrying_client", side_effect=AssertionError("no client")):
        result = run(environment="Staging")

    assert result["failed"] is True
    assert "environment 'Staging' is not a valid name part" in result["msg"]
