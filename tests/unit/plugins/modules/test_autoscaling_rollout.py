"""The autoscaling_rollout module: its checks and plan, and the module against moto in process.

moto has no instance refresh: the emulator's fix (tools/emulator/fixes_autoscaling.py) supplies it,
as it does for every play run against the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import autoscaling_rollout
from ansible_collections.webcast.platform.plugins.modules.autoscaling_rollout import (
    plan,
    refresh_request,
    settings_errors,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator.fixes import FIXES

REGION = "eu-west-1"


def params(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "fleet",
        "state": "present",
        "launch_template_version": "2",
        "min_healthy_percentage": 100,
        "max_healthy_percentage": 200,
        "instance_warmup": None,
        "skip_matching": True,
        "checkpoint_percentages": [],
        "checkpoint_delay": None,
        "auto_rollback": True,
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"min_healthy_percentage": 101}, "min_healthy_percentage is 101"),
        ({"max_healthy_percentage": 99}, "max_healthy_percentage is 99"),
        ({"min_healthy_percentage": 50, "max_healthy_percentage": 200}, "at most min + 100 (150)"),
        ({"checkpoint_percentages": [50, 20]}, "checkpoint_percentages is [50, 20]"),
        ({"checkpoint_percentages": [0]}, "checkpoint_percentages is [0]"),
        ({"checkpoint_delay": -1}, "checkpoint_delay is -1"),
        ({"launch_template_version": "$Latest"}, "launch_template_version is '$Latest'"),
    ],
)
def test_bad_settings_are_refused_naming_the_option(overrides, named) -> None:
    errors = settings_errors(params(**overrides))
    assert any(named in error for error in errors), errors


def test_good_settings_pass() -> None:
    assert settings_errors(params(checkpoint_percentages=[25, 100], checkpoint_delay=600)) == []


def test_the_request_carries_the_version_the_canary_ending_at_100_and_auto_rollback() -> None:
    request = refresh_request(params(checkpoint_percentages=[25], checkpoint_delay=60), "lt-1")
    assert request["DesiredConfiguration"] == {"LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "2"}}
    preferences = request["Preferences"]
    assert preferences["CheckpointPercentages"] == [25, 100]
    assert (preferences["CheckpointDelay"], preferences["AutoRollback"]) == (60, True)


GROUP = {"AutoScalingGroupName": "fleet", "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "1"}}


def test_the_plan_starts_only_when_the_group_is_on_another_version() -> None:
    assert plan(GROUP, None, params())[0] == "started"
    assert plan(GROUP, None, params(launch_template_version="1"))[0] == "none"


def test_an_active_refresh_towards_the_same_version_is_not_started_again() -> None:
    active = {"InstanceRefreshId": "r", "Status": "InProgress"}
    towards = {"DesiredConfiguration": {"LaunchTemplate": {"Version": "2"}}}
    assert plan(GROUP, active | towards, params())[0] == "in_progress"
    with pytest.raises(ValueError, match="towards version 3, not 2"):
        plan(GROUP, active | {"DesiredConfiguration": {"LaunchTemplate": {"Version": "3"}}}, params())


def test_rolling_back_without_an_active_refresh_does_nothing() -> None:
    assert plan(GROUP, None, params(state="rolled_back"))[0] == "none"


# --- against moto ------------------------------------------------------------------------------


@pytest.fixture
def fleet() -> Iterator[Any]:
    fix = next(f for f in FIXES if f.name == "autoscaling_instance_refreshes")
    with mock_aws(), fix.patch():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        image = ec2.register_image(Name="image", RootDeviceName="/dev/xvda")["ImageId"]
        template = ec2.create_launch_template(
            LaunchTemplateName="fleet", LaunchTemplateData={"ImageId": image}
        )["LaunchTemplate"]["LaunchTemplateId"]
        ec2.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData={"ImageId": image})
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_auto_scaling_group(
            AutoScalingGroupName="fleet",
            LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
            MinSize=0,
            MaxSize=4,
            DesiredCapacity=2,
            VPCZoneIdentifier=subnet,
        )
        yield client


def run(capsys, check_mode: bool = False, **overrides: Any) -> dict[str, Any]:
    args = {key: value for key, value in params(**overrides).items() if value is not None}
    return run_module(autoscaling_rollout, {"region": REGION, **args}, capsys, check_mode=check_mode)


def test_check_mode_reports_the_rollout_and_starts_nothing(fleet, capsys) -> None:
    result = run(capsys, check_mode=True)
    assert (result["changed"], result["action"]) == (True, "started"), result
    assert result["diff"]["after"]["launch_template"]["version"] == "2"
    assert fleet.describe_instance_refreshes(AutoScalingGroupName="fleet")["InstanceRefreshes"] == []


def test_a_rollout_starts_once_with_its_preferences_and_rolls_back_on_request(fleet, capsys) -> None:
    first = run(capsys, checkpoint_percentages=[50], checkpoint_delay=3600)
    second = run(capsys, checkpoint_percentages=[50], checkpoint_delay=3600)
    assert (first["changed"], second["changed"], second["action"]) == (True, False, "in_progress"), second
    (refresh,) = fleet.describe_instance_refreshes(AutoScalingGroupName="fleet")["InstanceRefreshes"]
    assert refresh["Preferences"]["CheckpointPercentages"] == [50, 100]
    assert refresh["Preferences"]["AutoRollback"] is True
    assert refresh["DesiredConfiguration"]["LaunchTemplate"]["Version"] == "2"
    rolled = run(capsys, state="rolled_back")
    assert (rolled["changed"], rolled["instance_refresh"]["status"]) == (True, "RollbackInProgress"), rolled


def test_a_group_already_on_the_version_changes_nothing(fleet, capsys) -> None:
    result = run(capsys, launch_template_version="1")
    assert (result["changed"], result["action"]) == (False, "none"), result


def test_a_missing_group_fails_with_its_name(fleet, capsys) -> None:
    result = run(capsys, name="nobody")
    assert result["failed"] and "nobody" in result["msg"], result
