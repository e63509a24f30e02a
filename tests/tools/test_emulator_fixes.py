"""Each emulator fix restores an AWS behaviour: these tests show what moto answers without it."""

from __future__ import annotations

import subprocess
import sys

import boto3
import pytest
from emulator_helpers import ROOT, fix
from moto import mock_aws

from tools.emulator import fixes


@pytest.fixture
def ec2():
    with mock_aws():
        yield boto3.client("ec2", region_name="eu-west-1")


def nat_gateway_with_tags(ec2) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return ec2.create_nat_gateway(
        SubnetId=subnet,
        AllocationId=allocation,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "nat-a"}]}],
    )["NatGateway"]["NatGatewayId"]


def natgateway_tags(ec2, nat_id: str) -> list[dict]:
    # The filter amazon.aws.ec2_vpc_nat_gateway sends (describe_ec2_tags, resource_type="natgateway").
    return ec2.describe_tags(
        Filters=[
            {"Name": "resource-id", "Values": [nat_id]},
            {"Name": "resource-type", "Values": ["natgateway"]},
        ]
    )["Tags"]


def test_without_the_fix_moto_hides_nat_gateway_tags_from_the_collections_filter(ec2):
    nat_id = nat_gateway_with_tags(ec2)
    assert natgateway_tags(ec2, nat_id) == []


def test_with_the_fix_nat_gateway_tags_are_found_as_on_aws(ec2):
    nat_id = nat_gateway_with_tags(ec2)
    with fix("nat_gateway_tag_resource_type").patch():
        tags = natgateway_tags(ec2, nat_id)
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("Name", "nat-a", "natgateway")]


def test_every_fix_names_the_aws_behaviour_it_restores():
    for each in fixes.FIXES:
        assert each.aws_behaviour.strip(), each.name
        assert each.patch.__doc__ and "AWS" in each.patch.__doc__, f"{each.name} does not say why"


def test_fixes_are_reversible(ec2):
    nat_id = nat_gateway_with_tags(ec2)
    started = fixes.apply_all()
    assert natgateway_tags(ec2, nat_id)
    for patcher in reversed(started):
        patcher.__exit__(None, None, None)
    assert natgateway_tags(ec2, nat_id) == []


def test_fixes_stay_started_when_the_server_drops_what_apply_all_returns():
    # tools/emulator/server.py calls apply_all() and keeps nothing: a fix made of several patches
    # must not be stopped by the garbage collector. Run in a process of its own, never undone.
    script = (
        "import gc\n"
        "from tools.emulator import fixes\n"
        "fixes.apply_all()\n"
        "gc.collect()\n"
        "from moto.efs import urls\n"
        "from moto.elasticache.models import CacheCluster\n"
        "print('/2015-02-01/tags/<file_system_id>/' in urls.url_paths)\n"
        "print(hasattr(CacheCluster, 'security_groups'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["True", "True"], done.stderr
