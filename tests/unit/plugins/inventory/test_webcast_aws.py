"""The webcast_aws inventory: its pure functions, and the plugin end to end against moto in process.

The plugin runs as ansible-inventory runs it: loaded by Ansible's plugin loader from its configuration
file, parsing into an InventoryData, saving its cache afterwards.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import botocore
import pytest
import yaml
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.inventory.helpers import get_group_vars
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from botocore.client import BaseClient
from moto import mock_aws

from tests.unit.plugins.collection import plugin_module

PLUGIN = "webcast.platform.webcast_aws"
REGION = "eu-west-1"
OTHER_REGION = "us-east-1"

# The variables every host gets (besides inventory_file and inventory_dir, which Ansible adds).
HOSTVARS = {
    "ansible_host",
    "ansible_aws_ssm_instance_id",
    "fleet_instance_type",
    "fleet_availability_zone",
    "fleet_image_id",
    "fleet_image_version",
    "fleet_role",
    "fleet_asg",
    "fleet_state",
    "fleet_asg_lifecycle_state",
    "fleet_launch_time",
}
# The variables of a region's group, the same for every host there.
REGION_VARS = {"fleet_region", "ansible_connection", "ansible_aws_ssm_region"}


def effective_vars(inventory: Any, host: str) -> dict[str, Any]:
    """A host's variables as a play sees them: its groups' variables, then its own."""
    groups = inventory.hosts[host].get_groups()
    return {**get_group_vars(groups), **inventory.hosts[host].vars}


webcast_aws = plugin_module("inventory", "webcast_aws")


# --- pure functions --------------------------------------------------------------------------


def lean(instance_id: str, **overrides: Any) -> dict[str, Any]:
    """A lean instance as lean_instance makes it."""
    instance = {
        "id": instance_id,
        "type": "c6i.large",
        "private_ip": "10.20.0.10",
        "region": REGION,
        "az": "eu-west-1a",
        "image_id": "ami-0a",
        "state": "running",
        "launch_time": "2026-01-01T00:00:00+00:00",
        "tags": {"Project": "webcast", "Environment": "staging", "Role": "app"},
    }
    instance.update(overrides)
    return instance


def test_the_state_filter_comes_before_the_tag_filters() -> None:
    filters = webcast_aws.instance_filters("webcast", "staging", ["running"])
    assert filters == [
        {"Name": "instance-state-name", "Values": ["running"]},
        {"Name": "tag:Project", "Values": ["webcast"]},
        {"Name": "tag:Environment", "Values": ["staging"]},
    ]


def test_lean_instance_keeps_the_handful_of_fields_and_drops_the_rest() -> None:
    answer = {
        "InstanceId": "i-1",
        "InstanceType": "c6i.large",
        "PrivateIpAddress": "10.20.0.5",
        "Placement": {"AvailabilityZone": "eu-west-1b", "Tenancy": "default"},
        "ImageId": "ami-0a",
        "State": {"Code": 16, "Name": "running"},
        "LaunchTime": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "Tags": [{"Key": "Role", "Value": "media"}],
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda"}],
        "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}],
    }
    assert webcast_aws.lean_instance(answer, REGION) == {
        "id": "i-1",
        "type": "c6i.large",
        "private_ip": "10.20.0.5",
        "region": REGION,
        "az": "eu-west-1b",
        "image_id": "ami-0a",
        "state": "running",
        "launch_time": "2026-01-02T03:04:05+00:00",
        "tags": {"Role": "media"},
    }


def test_group_names_are_valid_ansible_names() -> None:
    assert webcast_aws.group_name("az", "eu-west-1a") == "az_eu_west_1a"
    assert webcast_aws.group_name("image_version", "1.4.2") == "image_version_1_4_2"
    assert webcast_aws.group_name("asg", "webcast-staging-app") == "asg_webcast_staging_app"


def test_build_inventory_groups_by_every_key_and_sorts_members() -> None:
    instances = [
        lean("i-2", tags={"Environment": "staging", "Role": "app", "aws:autoscaling:groupName": "w-s-app"}),
        lean("i-1", az="eu-west-1b", image_id="ami-0b"),
        lean("i-3", tags={"Environment": "staging"}, state="pending"),
    ]
    built = webcast_aws.build_inventory(
        instances, {"ami-0a": "1.4.1", "ami-0b": None}, {"i-2": "Terminating:Wait"}
    )
    assert list(built["hosts"]) == ["i-1", "i-2", "i-3"]
    assert built["groups"] == {
        "asg_w_s_app": ["i-2"],
        "az_eu_west_1a": ["i-2", "i-3"],
        "az_eu_west_1b": ["i-1"],
        "env_staging": ["i-1", "i-2", "i-3"],
        "image_ami_0a": ["i-2", "i-3"],
        "image_ami_0b": ["i-1"],
        "image_version_1_4_1": ["i-2", "i-3"],
        "lifecycle_terminating_wait": ["i-2"],
        "region_eu_west_1": ["i-1", "i-2", "i-3"],
        "role_app": ["i-1", "i-2"],
        "state_pending": ["i-3"],
        "state_running": ["i-1", "i-2"],
    }
    assert built["hosts"]["i-2"]["fleet_asg_lifecycle_state"] == "Terminating:Wait"
    assert built["hosts"]["i-3"]["fleet_role"] is None


def test_build_inventory_sets_the_ssm_connection_and_its_bucket() -> None:
    built = webcast_aws.build_inventory([lean("i-1")], {}, {}, ssm_bucket_name="webcast-staging-ssm")
    hostvars = built["hosts"]["i-1"]
    assert hostvars["ansible_aws_ssm_instance_id"] == "i-1"
    assert hostvars["ansible_host"] == "10.20.0.10"
    # The same for every host of the region: set once, on the region's group.
    assert built["group_vars"]["region_eu_west_1"] == {
        "fleet_region": REGION,
        "ansible_connection": "amazon.aws.aws_ssm",
        "ansible_aws_ssm_region": REGION,
        "ansible_aws_ssm_bucket_name": "webcast-staging-ssm",
    }
    assert "ansible_connection" not in hostvars


def test_build_inventory_without_ssm_sets_no_connection() -> None:
    built = webcast_aws.build_inventory([lean("i-1")], {}, {}, ssm_connection=False)
    hostvars = {**built["group_vars"]["region_eu_west_1"], **built["hosts"]["i-1"]}
    assert not {name for name in hostvars if name.startswith("ansible_") and name != "ansible_host"}


def test_tags_become_a_hostvar_only_when_asked() -> None:
    tagged = webcast_aws.build_inventory([lean("i-1")], {}, {}, tags_hostvar=True)["hosts"]["i-1"]
    untagged = webcast_aws.build_inventory([lean("i-1")], {}, {})["hosts"]["i-1"]
    assert tagged["fleet_tags"] == lean("i-1")["tags"]
    assert "fleet_tags" not in untagged


def test_the_role_tag_is_configurable() -> None:
    built = webcast_aws.build_inventory(
        [lean("i-1", tags={"Tier": "web", "Environment": "staging"})], {}, {}, role_tag="Tier"
    )
    assert built["groups"]["role_web"] == ["i-1"]
    assert built["hosts"]["i-1"]["fleet_role"] == "web"


# --- the plugin against moto -----------------------------------------------------------------


def tag_list(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs.items()]


def launch(ec2: Any, image: str, az: str, count: int = 1, **instance_tags: str) -> list[str]:
    answer = ec2.run_instances(
        ImageId=image,
        MinCount=count,
        MaxCount=count,
        InstanceType="c6i.large",
        Placement={"AvailabilityZone": az},
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list(**instance_tags)}],
    )
    return [instance["InstanceId"] for instance in answer["Instances"]]


def base_image(ec2: Any) -> str:
    """An Amazon Linux 2 image of moto's catalogue (filtered: listing all of it takes seconds)."""
    images = ec2.describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*-x86_64-gp2"]}]
    )["Images"]
    return images[0]["ImageId"]


def golden_image(ec2: Any, version: str) -> str:
    base = base_image(ec2)
    builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=builder, Name=f"webcast-golden-{version}")["ImageId"]
    ec2.create_tags(Resources=[image], Tags=tag_list(Project="webcast", Role="webcast", Version=version))
    ec2.terminate_instances(InstanceIds=[builder])
    return image


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Any]]:
    """Given this AWS state: the staging fleet (three roles, three AZs, two golden AMIs, one ASG), with
    production and another project's instances, a stopped staging instance, and one more staging instance
    in a second region."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        v141, v142 = golden_image(ec2, "1.4.1"), golden_image(ec2, "1.4.2")
        staging = {"Project": "webcast", "Environment": "staging"}
        app_a = launch(ec2, v141, "eu-west-1a", 2, **staging, Role="app")
        app_b = launch(ec2, v142, "eu-west-1b", 1, **staging, Role="app")
        mail_c = launch(ec2, v142, "eu-west-1c", 1, **staging, Role="mail")
        untagged_role = launch(ec2, v142, "eu-west-1c", 1, **staging)
        ec2.create_launch_template(
            LaunchTemplateName="webcast-staging-media",
            LaunchTemplateData={"ImageId": v142, "InstanceType": "c6i.xlarge"},
        )
        boto3.client("autoscaling", region_name=REGION).create_auto_scaling_group(
            AutoScalingGroupName="webcast-staging-media",
            LaunchTemplate={"LaunchTemplateName": "webcast-staging-media"},
            MinSize=2,
            MaxSize=2,
            DesiredCapacity=2,
            AvailabilityZones=["eu-west-1a"],
            Tags=[
                {"Key": key, "Value": value, "PropagateAtLaunch": True}
                for key, value in {**staging, "Role": "media"}.items()
            ],
        )
        media = [
            instance["InstanceId"]
            for reservation in ec2.describe_instances(
                Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": ["webcast-staging-media"]}]
            )["Reservations"]
            for instance in reservation["Instances"]
        ]
        production = launch(
            ec2, v142, "eu-west-1a", 2, Project="webcast", Environment="production", Role="app"
        )
        other_project = launch(ec2, v142, "eu-west-1a", 1, Project="other", Environment="staging", Role="app")
        stopped = launch(ec2, v141, "eu-west-1b", 1, **staging, Role="app")
        ec2.stop_instances(InstanceIds=stopped)

        east = boto3.client("ec2", region_name=OTHER_REGION)
        east_app = launch(east, base_image(east), "us-east-1a", 1, **staging, Role="app")
        yield {
            "images": {"1.4.1": v141, "1.4.2": v142},
            "app_a": app_a,
            "app_b": app_b,
            "mail_c": mail_c,
            "untagged_role": untagged_role,
            "media": media,
            "running": [*app_a, *app_b, *mail_c, *untagged_role, *media],
            "production": production,
            "other_project": other_project,
            "stopped": stopped,
            "east": east_app,
        }


@pytest.fixture
def aws_calls() -> Iterator[list[str]]:
    """The AWS operations the code under test calls, in order."""
    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", record):
        yield calls


def config_file(directory: Path, **settings: Any) -> Path:
    config = {
        "plugin": PLUGIN,
        "project": "webcast",
        "environment": "staging",
        "regions": [REGION],
        **settings,
    }
    path = directory / "fleet.webcast_aws.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def parse(path: Path, cache: bool = True) -> InventoryData:
    """The inventory as ansible-inventory builds it from one source (and saves its cache after)."""
    plugin = inventory_loader.get(PLUGIN)
    assert plugin.verify_file(str(path))
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    if getattr(plugin, "_cache", None):
        plugin.update_cache_if_changed()
    return inventory


def members(inventory: InventoryData, group: str) -> set[str]:
    return {host.name for host in inventory.groups[group].get_hosts()}


def cached_config(tmp_path: Path, **settings: Any) -> Path:
    return config_file(
        tmp_path,
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
        cache_timeout=300,
        **settings,
    )


def test_lists_the_running_instances_of_the_environment(fleet: dict[str, Any], tmp_path: Path) -> None:
    inventory = parse(config_file(tmp_path))
    assert set(inventory.hosts) == set(fleet["running"])


def test_other_environments_projects_and_stopped_instances_are_not_listed(
    fleet: dict[str, Any], tmp_path: Path
) -> None:
    listed = set(parse(config_file(tmp_path)).hosts)
    assert not listed & set(fleet["production"]), "production instances listed in staging"
    assert not listed & set(fleet["other_project"]), "another project's instance listed"
    assert not listed & set(fleet["stopped"]), "a stopped instance listed"
    assert not listed & set(fleet["east"]), "an instance of a region not configured listed"


def test_instance_states_can_include_stopped_instances(fleet: dict[str, Any], tmp_path: Path) -> None:
    inventory = parse(config_file(tmp_path, instance_states=["running", "stopped"]))
    assert set(inventory.hosts) == {*fleet["running"], *fleet["stopped"]}
    assert members(inventory, "state_stopped") == set(fleet["stopped"])


def test_groups_by_role_environment_az_image_version_asg_and_state(
    fleet: dict[str, Any], tmp_path: Path
) -> None:
    inventory = parse(config_file(tmp_path))
    v141, v142 = fleet["images"]["1.4.1"], fleet["images"]["1.4.2"]
    expected = {
        "role_app": {*fleet["app_a"], *fleet["app_b"]},
        "role_mail": set(fleet["mail_c"]),
        "role_media": set(fleet["media"]),
        "env_staging": set(fleet["running"]),
        "region_eu_west_1": set(fleet["running"]),
        "az_eu_west_1a": {*fleet["app_a"], *fleet["media"]},
        "az_eu_west_1b": set(fleet["app_b"]),
        "az_eu_west_1c": {*fleet["mail_c"], *fleet["untagged_role"]},
        f"image_{v141.replace('-', '_')}": set(fleet["app_a"]),
        f"image_{v142.replace('-', '_')}": {
            *fleet["app_b"],
            *fleet["mail_c"],
            *fleet["untagged_role"],
            *fleet["media"],
        },
        "image_version_1_4_1": set(fleet["app_a"]),
        "image_version_1_4_2": {*fleet["app_b"], *fleet["mail_c"], *fleet["untagged_role"], *fleet["media"]},
        "asg_webcast_staging_media": set(fleet["media"]),
        "state_running": set(fleet["running"]),
        "lifecycle_inservice": set(fleet["media"]),
    }
    found = {
        group: members(inventory, group) for group in inventory.groups if group not in ("all", "ungrouped")
    }
    assert found == expected


def test_hostvars_are_the_documented_handful(fleet: dict[str, Any], tmp_path: Path) -> None:
    inventory = parse(config_file(tmp_path, ssm_bucket_name="webcast-staging-ssm"))
    media = fleet["media"][0]
    assert set(inventory.hosts[media].vars) - {"inventory_file", "inventory_dir"} == HOSTVARS
    hostvars = effective_vars(inventory, media)
    assert set(hostvars) - {"inventory_file", "inventory_dir"} == (
        HOSTVARS | REGION_VARS | {"ansible_aws_ssm_bucket_name"}
    )
    ec2 = boto3.client("ec2", region_name=REGION)
    instance = ec2.describe_instances(InstanceIds=[media])["Reservations"][0]["Instances"][0]
    assert hostvars["ansible_host"] == instance["PrivateIpAddress"]
    assert hostvars["ansible_connection"] == "amazon.aws.aws_ssm"
    assert hostvars["ansible_aws_ssm_instance_id"] == media
    assert hostvars["ansible_aws_ssm_region"] == REGION
    assert hostvars["ansible_aws_ssm_bucket_name"] == "webcast-staging-ssm"
    assert hostvars["fleet_instance_type"] == "c6i.xlarge"
    assert hostvars["fleet_region"] == REGION
    assert hostvars["fleet_availability_zone"] == "eu-west-1a"
    assert hostvars["fleet_image_id"] == fleet["images"]["1.4.2"]
    assert hostvars["fleet_image_version"] == "1.4.2"
    assert hostvars["fleet_role"] == "media"
    assert hostvars["fleet_asg"] == "webcast-staging-media"
    assert hostvars["fleet_state"] == "running"
    assert hostvars["fleet_asg_lifecycle_state"] == "InService"
    assert hostvars["fleet_launch_time"] == instance["LaunchTime"].isoformat()


def test_one_describe_images_call_for_the_distinct_amis(
    fleet: dict[str, Any], tmp_path: Path, aws_calls: list[str]
) -> None:
    parse(config_file(tmp_path))
    calls = Counter(aws_calls)
    assert calls["DescribeImages"] == 1
    assert calls["DescribeAutoScalingGroups"] == 1
    # one listing per availability zone (moto's eu-west-1 has three), after the zones are read
    assert calls["DescribeAvailabilityZones"] == 1
    assert calls["DescribeInstances"] == 3
    assert set(calls) == {
        "DescribeAvailabilityZones",
        "DescribeInstances",
        "DescribeImages",
        "DescribeAutoScalingGroups",
    }


def test_without_asg_lifecycle_no_auto_scaling_call_and_no_lifecycle_group(
    fleet: dict[str, Any], tmp_path: Path, aws_calls: list[str]
) -> None:
    inventory = parse(config_file(tmp_path, asg_lifecycle=False))
    assert "DescribeAutoScalingGroups" not in aws_calls
    assert not [group for group in inventory.groups if group.startswith("lifecycle_")]
    assert members(inventory, "asg_webcast_staging_media") == set(fleet["media"])


def test_zone_listings_are_disjoint_and_complete(fleet: dict[str, Any]) -> None:
    def clients(service: str, region: str) -> Any:
        return webcast_aws.RetryingBotoClientWrapper(
            boto3.client(service, region_name=region), webcast_aws.RETRY
        )

    filters = webcast_aws.instance_filters("webcast", "staging", ["running"])
    listed = [i["id"] for i in webcast_aws.fetch_region(clients, REGION, filters, False).instances]
    assert sorted(listed) == sorted(fleet["running"])


def test_a_cache_hit_makes_no_aws_call(fleet: dict[str, Any], tmp_path: Path, aws_calls: list[str]) -> None:
    path = cached_config(tmp_path)
    first = parse(path)
    assert aws_calls, "the first run must read AWS"
    aws_calls.clear()
    refuse = mock.patch.object(
        webcast_aws.InventoryModule, "_clients", side_effect=AssertionError("AWS called on a cache hit")
    )
    with refuse:
        second = parse(path)
    assert aws_calls == []
    assert set(second.hosts) == set(first.hosts) == set(fleet["running"])
    assert set(second.groups) == set(first.groups)
    some = fleet["media"][0]
    assert second.hosts[some].vars == first.hosts[some].vars


def test_flush_cache_reads_aws_again(fleet: dict[str, Any], tmp_path: Path, aws_calls: list[str]) -> None:
    path = cached_config(tmp_path)
    parse(path)
    aws_calls.clear()
    parse(path, cache=False)  # what ansible-inventory --flush-cache and meta: refresh_inventory do
    assert "DescribeInstances" in aws_calls


def test_changed_settings_miss_the_cache(fleet: dict[str, Any], tmp_path: Path) -> None:
    parse(cached_config(tmp_path))
    inventory = parse(cached_config(tmp_path, instance_states=["running", "stopped"]))
    assert set(fleet["stopped"]) <= set(inventory.hosts)


def test_an_expired_cache_entry_is_read_again(
    fleet: dict[str, Any], tmp_path: Path, aws_calls: list[str]
) -> None:
    path = config_file(
        tmp_path,
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
        cache_timeout=1,
    )
    parse(path)
    for entry in (tmp_path / "cache").iterdir():
        os.utime(entry, (0, 0))  # written long ago
    aws_calls.clear()
    parse(path)
    assert "DescribeInstances" in aws_calls


def test_two_regions_are_read_and_merged(fleet: dict[str, Any], tmp_path: Path) -> None:
    inventory = parse(config_file(tmp_path, regions=[REGION, OTHER_REGION]))
    assert set(inventory.hosts) == {*fleet["running"], *fleet["east"]}
    assert members(inventory, "region_us_east_1") == set(fleet["east"])
    assert members(inventory, "az_us_east_1a") == set(fleet["east"])
    assert effective_vars(inventory, fleet["east"][0])["ansible_aws_ssm_region"] == OTHER_REGION
    assert effective_vars(inventory, fleet["running"][0])["ansible_aws_ssm_region"] == REGION
    assert members(inventory, "role_app") == {*fleet["app_a"], *fleet["app_b"], *fleet["east"]}


def test_regions_are_read_concurrently_with_a_client_each(fleet: dict[str, Any], tmp_path: Path) -> None:
    threads: list[tuple[str, str]] = []
    original = webcast_aws.fetch_region

    def spy(clients: Any, region: str, *args: Any) -> Any:
        threads.append((region, threading.current_thread().name))
        return original(clients, region, *args)

    with mock.patch.object(webcast_aws, "fetch_region", spy):
        parse(config_file(tmp_path, regions=[REGION, OTHER_REGION]))
    assert {region for region, _ in threads} == {REGION, OTHER_REGION}
    assert all(thread != "MainThread" for _, thread in threads)


def test_the_endpoint_comes_from_webcast_aws_endpoint_url(
    fleet: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A closed port on loopback: if the variable is read, the listing fails there (moto only answers
    # for AWS's own endpoints).
    monkeypatch.setenv("WEBCAST_AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(AnsibleError, match=r"127\.0\.0\.1:9"):
        parse(config_file(tmp_path))


def test_no_region_is_an_error_that_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(AnsibleError, match="no region: set regions"):
        parse(config_file(tmp_path, regions=[]))


def test_an_aws_error_names_the_fleet_and_regions(
    fleet: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}}, "DescribeInstances"
        )

    monkeypatch.setattr(webcast_aws, "list_instances", denied)
    with pytest.raises(AnsibleError, match="could not list the webcast staging fleet in eu-west-1"):
        parse(config_file(tmp_path))
