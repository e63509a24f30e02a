"""DescribeLoadBalancerAttributes: AWS lists every attribute of an application load balancer.

moto leaves out access_logs.s3.enabled, idle_timeout.timeout_seconds and the routing.http.*
attributes, and amazon.aws.elb_application_lb reads each attribute it is given by key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import elb_application_lb as alb_module
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.elbv2.models import FakeLoadBalancer


def attributes_fix():
    return fix("elbv2_alb_default_attributes").patch()


@pytest.fixture
def network() -> Iterator[dict[str, Any]]:
    """Two subnets in two AZs, a security group and a logs bucket."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for n, zone in ((0, "a"), (1, "b"))
        ]
        group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="webcast-test-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
        yield {"subnets": subnets, "security_groups": [group]}


def alb_args(network: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "webcast-test-alb",
        **network,
        "access_logs_enabled": True,
        "access_logs_s3_bucket": "webcast-test-logs",
        "access_logs_s3_prefix": "alb",
        "idle_timeout": 60,
        "http_drop_invalid_header_fields": True,
        "http_desync_mitigation_mode": "strictest",
        "listeners": [
            {
                "Protocol": "HTTP",
                "Port": 80,
                "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}],
            }
        ],
    }


def attributes(arn: str) -> dict[str, str]:
    answer = boto3.client("elbv2", region_name=REGION).describe_load_balancer_attributes(LoadBalancerArn=arn)
    return {item["Key"]: item["Value"] for item in answer["Attributes"]}


def test_without_the_fix_the_alb_module_fails_on_the_missing_access_log_attribute(network, capsys):
    # In process the KeyError escapes the module; through the server the task fails with its message.
    with pytest.raises(KeyError, match="access_logs_s3_enabled"):
        run_module(capsys, alb_module, **alb_args(network))


def test_with_the_fix_a_new_alb_lists_awss_defaults(network):
    with attributes_fix():
        elbv2 = boto3.client("elbv2", region_name=REGION)
        arn = elbv2.create_load_balancer(Name="webcast-test-alb", Subnets=network["subnets"])[
            "LoadBalancers"
        ][0]["LoadBalancerArn"]
        found = attributes(arn)
    assert found["access_logs.s3.enabled"] == "false"
    assert found["idle_timeout.timeout_seconds"] == "60"
    assert found["routing.http.desync_mitigation_mode"] == "defensive"
    assert found["routing.http.drop_invalid_header_fields.enabled"] == "false"


def test_with_the_fix_the_alb_module_sets_the_attributes_and_then_changes_nothing(network, capsys):
    with attributes_fix():
        first = run_module(capsys, alb_module, **alb_args(network))
        second = run_module(capsys, alb_module, **alb_args(network))
    assert first.get("failed") is not True, first
    assert (first["changed"], second["changed"]) == (True, False)
    found = attributes(first["load_balancer_arn"])
    assert found["access_logs.s3.enabled"] == "true"
    assert found["routing.http.desync_mitigation_mode"] == "strictest"
    assert found["routing.http.drop_invalid_header_fields.enabled"] == "true"


def test_the_attributes_fix_is_reversible(network):
    original = FakeLoadBalancer.__init__
    with attributes_fix():
        assert FakeLoadBalancer.__init__ is not original
    assert FakeLoadBalancer.__init__ is original
