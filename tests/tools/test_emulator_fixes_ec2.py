"""CreateLaunchTemplate: AWS tags the template with the request's TagSpecifications; moto also puts
them into version 1's data, so amazon.aws.ec2_launch_template makes a needless version 2."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.modules import ec2_launch_template as template_module
from emulator_helpers import REGION, fix, run_module
from moto import mock_aws


def template_fix():
    return fix("ec2_launch_template_tags_stay_on_the_template").patch()


@pytest.fixture
def image() -> Iterator[str]:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        yield ec2.register_image(Name="base", RootDeviceName="/dev/xvda")["ImageId"]


def template_args(image: str) -> dict[str, Any]:
    return {
        "template_name": "webcast-test-app",
        "image_id": image,
        "instance_type": "t3.small",
        "tag_specifications": [{"resource_type": "instance", "tags": {"Role": "webcast"}}],
        "tags": {"Component": "compute"},
    }


def versions() -> list[dict[str, Any]]:
    ec2 = boto3.client("ec2", region_name=REGION)
    return ec2.describe_launch_template_versions(LaunchTemplateName="webcast-test-app")[
        "LaunchTemplateVersions"
    ]


def test_without_the_fix_a_second_run_makes_a_version_2(image, capsys):
    run_module(capsys, template_module, **template_args(image))
    second = run_module(capsys, template_module, **template_args(image))
    assert second["changed"] is True
    assert len(versions()) == 2


def test_with_the_fix_the_template_keeps_its_tags_and_a_second_run_changes_nothing(image, capsys):
    with template_fix():
        first = run_module(capsys, template_module, **template_args(image))
        second = run_module(capsys, template_module, **template_args(image))
    assert (first["changed"], second["changed"]) == (True, False)
    found = versions()
    assert len(found) == 1
    assert [spec["ResourceType"] for spec in found[0]["LaunchTemplateData"]["TagSpecifications"]] == [
        "instance"
    ]
    template = boto3.client("ec2", region_name=REGION).describe_launch_templates()["LaunchTemplates"][0]
    assert {t["Key"]: t["Value"] for t in template["Tags"]} == {"Component": "compute"}


def test_the_template_fix_is_reversible(image):
    from moto.ec2.responses.launch_templates import LaunchTemplates

    original = LaunchTemplates.create_launch_template
    with template_fix():
        assert LaunchTemplates.create_launch_template is not original
    assert LaunchTemplates.create_launch_template is original
