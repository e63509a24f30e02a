"""DescribeNetworkAcls with the filter network-acl-id, which amazon.aws.ec2_vpc_nacl sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import ec2_vpc_nacl
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws


@pytest.fixture
def ec2() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def default_acl(ec2: Any) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    acl = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]["NetworkAclId"]
    return vpc, acl


def deny_ssh(capsys: Any, vpc: str, acl: str) -> dict[str, Any]:
    return run_module(
        capsys,
        ec2_vpc_nacl,
        nacl_id=acl,
        vpc_id=vpc,
        ingress=[
            [10, "tcp", "deny", "0.0.0.0/0", None, None, 22, 22],
            [100, "all", "allow", "0.0.0.0/0", None, None, None, None],
        ],
        egress=[[100, "all", "allow", "0.0.0.0/0", None, None, None, None]],
    )


def test_without_the_fix_the_filter_is_not_implemented(ec2):
    _, acl = default_acl(ec2)
    with pytest.raises(Exception, match="network-acl-id"):
        ec2.describe_network_acls(Filters=[{"Name": "network-acl-id", "Values": [acl]}])


def test_with_the_fix_the_filter_finds_that_acl_only(ec2):
    _, acl = default_acl(ec2)
    default_acl(ec2)  # a second VPC's default ACL must not match
    with fix("ec2_network_acl_id_filter").patch():
        found = ec2.describe_network_acls(Filters=[{"Name": "network-acl-id", "Values": [acl]}])[
            "NetworkAcls"
        ]
    assert [a["NetworkAclId"] for a in found] == [acl]


def test_with_the_fix_a_second_run_of_ec2_vpc_nacl_on_the_default_acl_changes_nothing(ec2, capsys):
    vpc, acl = default_acl(ec2)
    with fix("ec2_network_acl_id_filter").patch():
        first = deny_ssh(capsys, vpc, acl)
        second = deny_ssh(capsys, vpc, acl)
    assert (first.get("failed"), first["changed"]) == (None, True), first
    assert (second.get("failed"), second["changed"]) == (None, False), second
