"""DescribeInstanceRefreshes: AWS answers a group's instance refreshes; moto does not implement it.

Without an answer, amazon.aws.autoscaling_instance_refresh_info fails, and so does the environment
summary (webcast.platform.webcast_stack_info) as soon as an Auto Scaling group exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import (
    autoscaling_instance_refresh_info as refresh_info_module,
)
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.autoscaling.responses import AutoScalingResponse


def refreshes_fix():
    return fix("autoscaling_describe_instance_refreshes").patch()


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    """A moto account with one Auto Scaling group, webcast-test-app."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        image = ec2.register_image(Name="base", RootDeviceName="/dev/xvda")["ImageId"]
        template = ec2.create_launch_template(
            LaunchTemplateName="webcast-test-app", LaunchTemplateData={"ImageId": image}
        )["LaunchTemplate"]["LaunchTemplateId"]
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_auto_scaling_group(
            AutoScalingGroupName="webcast-test-app",
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
            MinSize=0,
            MaxSize=1,
            VPCZoneIdentifier=subnet,
        )
        yield client


def test_without_the_fix_moto_does_not_describe_instance_refreshes(autoscaling):
    with pytest.raises(NotImplementedError):
        autoscaling.describe_instance_refreshes(AutoScalingGroupName="webcast-test-app")


def test_without_the_fix_the_instance_refresh_info_module_cannot_run(autoscaling, capsys):
    # In process the NotImplementedError escapes the module; the server answers 500 instead.
    with pytest.raises(NotImplementedError):
        run_module(capsys, refresh_info_module, name="webcast-test-app")


def test_with_the_fix_a_group_never_refreshed_has_no_instance_refreshes_as_on_aws(autoscaling):
    with refreshes_fix():
        response = autoscaling.describe_instance_refreshes(AutoScalingGroupName="webcast-test-app")
    assert response["InstanceRefreshes"] == []
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_with_the_fix_the_instance_refresh_info_module_reports_no_refresh(autoscaling, capsys):
    with refreshes_fix():
        result = run_module(capsys, refresh_info_module, name="webcast-test-app")
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["instance_refreshes"] == []


def test_the_instance_refreshes_fix_is_reversible(autoscaling):
    with refreshes_fix():
        assert hasattr(AutoScalingResponse, "describe_instance_refreshes")
    assert not hasattr(AutoScalingResponse, "describe_instance_refreshes")
    with pytest.raises(NotImplementedError):
        autoscaling.describe_instance_refreshes(AutoScalingGroupName="webcast-test-app")
