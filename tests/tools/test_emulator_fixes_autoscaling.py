"""Instance refreshes: AWS starts them (one at a time per group) and describes them; moto does neither.

Without DescribeInstanceRefreshes, amazon.aws.autoscaling_instance_refresh_info fails, and so does
the environment summary (webcast.platform.webcast_stack_info) as soon as an Auto Scaling group
exists. Without StartInstanceRefresh, amazon.aws.autoscaling_instance_refresh cannot roll a group
onto a new launch template version (aws_compute after a new golden image).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import autoscaling_group as group_module
from ansible_collections.amazon.aws.plugins.modules import autoscaling_instance_refresh as refresh_module
from ansible_collections.amazon.aws.plugins.modules import (
    autoscaling_instance_refresh_info as refresh_info_module,
)
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws
from moto.autoscaling.responses import AutoScalingResponse


def refreshes_fix():
    return fix("autoscaling_describe_instance_refreshes").patch()


def refresh_fix():
    return fix("autoscaling_instance_refreshes").patch()


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


PREFERENCES = {"min_healthy_percentage": 100, "max_healthy_percentage": 200, "skip_matching": True}


def test_without_the_refresh_fix_moto_cannot_start_an_instance_refresh(autoscaling):
    with pytest.raises(NotImplementedError):
        autoscaling.start_instance_refresh(AutoScalingGroupName="webcast-test-app")


def test_with_the_fix_the_module_starts_a_refresh_that_is_described_after(autoscaling, capsys):
    with refresh_fix():
        result = run_module(
            capsys, refresh_module, name="webcast-test-app", state="started", preferences=PREFERENCES
        )
        listed = autoscaling.describe_instance_refreshes(AutoScalingGroupName="webcast-test-app")
    assert result.get("failed") is not True, result
    refresh = result["instance_refreshes"]
    assert refresh["auto_scaling_group_name"] == "webcast-test-app"
    assert refresh["preferences"]["min_healthy_percentage"] == 100
    assert [r["InstanceRefreshId"] for r in listed["InstanceRefreshes"]] == [refresh["instance_refresh_id"]]


def test_with_the_fix_an_unknown_group_is_a_validation_error(autoscaling):
    with refresh_fix(), pytest.raises(autoscaling.exceptions.ClientError) as error:
        autoscaling.start_instance_refresh(AutoScalingGroupName="nobody")
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_with_the_fix_other_groups_have_no_refreshes(autoscaling):
    with refresh_fix():
        autoscaling.start_instance_refresh(AutoScalingGroupName="webcast-test-app")
        listed = autoscaling.describe_instance_refreshes(AutoScalingGroupName="webcast-test-other")
    assert listed["InstanceRefreshes"] == []


def test_the_refresh_fix_is_reversible(autoscaling):
    with refresh_fix():
        assert hasattr(AutoScalingResponse, "start_instance_refresh")
    assert not hasattr(AutoScalingResponse, "start_instance_refresh")


def tags_fix():
    return fix("autoscaling_group_tags_sorted_by_key").patch()


def group_args() -> dict[str, Any]:
    """A new group, created by the module: on create moto keeps the tags in the order given."""
    subnet = boto3.client("ec2", region_name=REGION).describe_subnets()["Subnets"][0]["SubnetId"]
    return {
        "name": "webcast-test-tagged",
        "launch_template": {"launch_template_name": "webcast-test-app"},
        "vpc_zone_identifier": [subnet],
        "min_size": 0,
        "max_size": 1,
        "tags": [
            {
                "Name": "webcast-test-app",
                "Project": "webcast",
                "Environment": "test",
                "propagate_at_launch": False,
            }
        ],
        "purge_tags": True,
        "wait_for_instances": False,
        # The module's default (false) calls DisableMetricsCollection, which moto lacks.
        "metrics_collection": True,
    }


def test_without_the_tags_fix_an_unchanged_group_reports_a_change_every_run(autoscaling, capsys):
    first = run_module(capsys, group_module, **group_args())
    second = run_module(capsys, group_module, **group_args())
    assert (first["changed"], second["changed"]) == (True, True)


def test_with_the_tags_fix_tags_are_listed_by_key_and_a_second_run_changes_nothing(autoscaling, capsys):
    with tags_fix():
        first = run_module(capsys, group_module, **group_args())
        second = run_module(capsys, group_module, **group_args())
        listed = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["webcast-test-tagged"])
    assert (first["changed"], second["changed"]) == (True, False)
    keys = [tag["Key"] for tag in listed["AutoScalingGroups"][0]["Tags"]]
    assert keys == sorted(keys) == ["Environment", "Name", "Project"]
