"""Instance refreshes: AWS starts them (one at a time per group) and describes them; moto does neither.

Without DescribeInstanceRefreshes, amazon.aws.autoscaling_instance_refresh_info fails, and so does
the environment summary (webcast.platform.webcast_stack_info) as soon as an Auto Scaling group
exists. Without StartInstanceRefresh, amazon.aws.autoscaling_instance_refresh cannot roll a group
onto a new launch template version (aws_compute after a new golden image).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
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


# --- refreshes that progress, roll out a desired configuration, roll back ----------------------


@pytest.fixture
def fleet(monkeypatch) -> Iterator[dict[str, Any]]:
    """A group of 4 instances on launch template version 1, a version 2 (a newer image) to roll to,
    and the refreshes' clock in the test's hands (fleet["later"](seconds) moves it on)."""
    from tools.emulator import fixes_autoscaling

    now = [time.time()]
    monkeypatch.setattr(fixes_autoscaling, "time", SimpleNamespace(time=lambda: now[0]))

    def later(seconds: float) -> None:
        now[0] += seconds

    with mock_aws(), refresh_fix():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        old = ec2.register_image(Name="old", RootDeviceName="/dev/xvda")["ImageId"]
        new = ec2.register_image(Name="new", RootDeviceName="/dev/xvda")["ImageId"]
        template = ec2.create_launch_template(
            LaunchTemplateName="fleet", LaunchTemplateData={"ImageId": old}
        )["LaunchTemplate"]["LaunchTemplateId"]
        ec2.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData={"ImageId": new})
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_auto_scaling_group(
            AutoScalingGroupName="fleet",
            LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
            MinSize=0,
            MaxSize=8,
            DesiredCapacity=4,
            VPCZoneIdentifier=subnet,
        )
        yield {"client": client, "ec2": ec2, "template": template, "old": old, "new": new, "later": later}


def start(fleet: dict[str, Any], **preferences: Any) -> str:
    return fleet["client"].start_instance_refresh(
        AutoScalingGroupName="fleet",
        DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": fleet["template"], "Version": "2"}},
        Preferences={"MinHealthyPercentage": 100, "SkipMatching": True, **preferences},
    )["InstanceRefreshId"]


def latest(fleet: dict[str, Any]) -> dict[str, Any]:
    return fleet["client"].describe_instance_refreshes(AutoScalingGroupName="fleet")["InstanceRefreshes"][0]


def images(fleet: dict[str, Any]) -> list[str]:
    group = fleet["client"].describe_auto_scaling_groups(AutoScalingGroupNames=["fleet"])[
        "AutoScalingGroups"
    ][0]
    ids = [i["InstanceId"] for i in group["Instances"]]
    found = fleet["ec2"].describe_instances(InstanceIds=ids)["Reservations"]
    return sorted("new" if i["ImageId"] == fleet["new"] else "old" for r in found for i in r["Instances"])


def group_version(fleet: dict[str, Any]) -> str:
    group = fleet["client"].describe_auto_scaling_groups(AutoScalingGroupNames=["fleet"])[
        "AutoScalingGroups"
    ][0]
    return group["LaunchTemplate"]["Version"]


def test_a_refresh_is_pending_first_then_replaces_every_instance_and_moves_the_group(fleet):
    start(fleet)
    assert (latest(fleet)["Status"], latest(fleet)["PercentageComplete"]) == ("Pending", 0)
    fleet["later"](2.5)
    done = latest(fleet)
    assert (done["Status"], done["PercentageComplete"], done["InstancesToUpdate"]) == ("Successful", 100, 0)
    assert images(fleet) == ["new"] * 4
    assert group_version(fleet) == "2"


def test_a_checkpoint_replaces_its_share_then_waits_its_delay(fleet):
    start(fleet, CheckpointPercentages=[50, 100], CheckpointDelay=3600)
    fleet["later"](2.5)
    paused = latest(fleet)
    assert (paused["Status"], paused["PercentageComplete"], paused["InstancesToUpdate"]) == (
        "InProgress",
        50,
        2,
    )
    assert images(fleet) == ["new", "new", "old", "old"]
    assert group_version(fleet) == "1", "the group moved before the refresh succeeded"


def test_a_rollback_puts_back_instances_of_the_old_configuration(fleet):
    start(fleet, CheckpointPercentages=[50], CheckpointDelay=3600, AutoRollback=True)
    fleet["later"](2.5)
    fleet["client"].rollback_instance_refresh(AutoScalingGroupName="fleet")
    assert latest(fleet)["Status"] == "RollbackInProgress"
    fleet["later"](2.5)
    done = latest(fleet)
    assert done["Status"] == "RollbackSuccessful"
    assert done["RollbackDetails"]["PercentageCompleteOnRollback"] == 50
    assert images(fleet) == ["old"] * 4
    assert group_version(fleet) == "1"


def test_instances_of_an_unhealthy_image_make_auto_rollback_roll_back(fleet):
    from tools.emulator.fixes_autoscaling import HEALTH_TAG

    fleet["ec2"].create_tags(Resources=[fleet["new"]], Tags=[{"Key": HEALTH_TAG, "Value": "unhealthy"}])
    start(fleet, AutoRollback=True)
    fleet["later"](3.5)  # pending, the first batch fails, rolled back
    assert latest(fleet)["Status"] == "RollbackSuccessful"
    assert images(fleet) == ["old"] * 4
    assert group_version(fleet) == "1"


def test_without_auto_rollback_an_unhealthy_image_fails_the_refresh(fleet):
    from tools.emulator.fixes_autoscaling import HEALTH_TAG

    fleet["ec2"].create_tags(Resources=[fleet["new"]], Tags=[{"Key": HEALTH_TAG, "Value": "unhealthy"}])
    start(fleet, AutoRollback=False)
    fleet["later"](2.5)
    assert latest(fleet)["Status"] == "Failed"
    assert group_version(fleet) == "1"


def test_a_refresh_without_a_desired_configuration_cannot_be_rolled_back(fleet):
    fleet["client"].start_instance_refresh(AutoScalingGroupName="fleet")
    with pytest.raises(fleet["client"].exceptions.ClientError) as error:
        fleet["client"].rollback_instance_refresh(AutoScalingGroupName="fleet")
    assert error.value.response["Error"]["Code"] == "IrreversibleInstanceRefresh"


def test_rolling_back_without_an_active_refresh_is_an_error(fleet):
    with pytest.raises(fleet["client"].exceptions.ClientError) as error:
        fleet["client"].rollback_instance_refresh(AutoScalingGroupName="fleet")
    assert error.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_a_cancelled_refresh_stops_where_it_is(fleet):
    start(fleet, CheckpointPercentages=[50], CheckpointDelay=3600)
    fleet["later"](2.5)
    fleet["client"].cancel_instance_refresh(AutoScalingGroupName="fleet")
    fleet["later"](2.5)
    assert latest(fleet)["Status"] == "Cancelled"
    assert images(fleet) == ["new", "new", "old", "old"]


def test_a_second_refresh_is_refused_while_one_is_active(fleet):
    start(fleet, CheckpointPercentages=[50], CheckpointDelay=3600)
    with pytest.raises(fleet["client"].exceptions.ClientError) as error:
        start(fleet)
    assert error.value.response["Error"]["Code"] == "InstanceRefreshInProgress"
