"""One resource's tags: AWS lists thousands of tagged instances in seconds; moto scans all tags per instance.

Without the fix, a tag-filtered DescribeInstances of 5,000 instances outlasts botocore's 60 s read
timeout (measured: about 70 s for the 1,700 instances of one zone), so no inventory can list such a
fleet. The tests show the work the listing does with and without the fix, and that the answers agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from emulator_helpers import REGION, fix
from moto import mock_aws
from moto.ec2.models.tags import TagBackend

STAGING = [{"Name": "tag:Project", "Values": ["webcast"]}, {"Name": "tag:Environment", "Values": ["staging"]}]


def tags_fix():
    return fix("ec2_tags_by_resource").patch()


@pytest.fixture
def ec2() -> Iterator[Any]:
    """30 staging instances, 10 production ones, and a tagged VPC and subnet."""
    with mock_aws():
        client = boto3.client("ec2", region_name=REGION)
        image = client.describe_images(
            Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*-x86_64-gp2"]}]
        )["Images"][0]["ImageId"]
        for environment, count in (("staging", 30), ("production", 10)):
            client.run_instances(
                ImageId=image,
                MinCount=count,
                MaxCount=count,
                TagSpecifications=[
                    {
                        "ResourceType": "instance",
                        "Tags": [
                            {"Key": "Project", "Value": "webcast"},
                            {"Key": "Environment", "Value": environment},
                            {"Key": "Role", "Value": "app"},
                        ],
                    }
                ],
            )
        vpc = client.create_vpc(
            CidrBlock="10.0.0.0/16",
            TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "webcast-staging"}]}
            ],
        )["Vpc"]["VpcId"]
        client.create_subnet(
            VpcId=vpc,
            CidrBlock="10.0.0.0/24",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Tier", "Value": "app"}]}],
        )
        yield client


def region_scans(ec2: Any) -> int:
    """How many times the staging listing scans the region's whole tag store."""
    with mock.patch.object(
        TagBackend, "describe_tags", autospec=True, side_effect=TagBackend.describe_tags
    ) as scan:
        ec2.describe_instances(Filters=STAGING)
    return scan.call_count


def answers(ec2: Any) -> dict[str, Any]:
    return {
        "instances": ec2.describe_instances(Filters=STAGING)["Reservations"],
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnets": ec2.describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["app"]}])["Subnets"],
        "tags": ec2.describe_tags()["Tags"],
    }


def test_without_the_fix_a_listing_scans_every_tag_of_the_region_per_instance(ec2: Any) -> None:
    # two tag filters on all 40 instances, then the 30 listed ones rendered
    assert region_scans(ec2) >= 2 * 40 + 30


def test_with_the_fix_a_listing_reads_each_instance_tags_directly(ec2: Any) -> None:
    with tags_fix():
        assert region_scans(ec2) == 0


def test_with_the_fix_the_answers_are_the_same(ec2: Any) -> None:
    without = answers(ec2)
    with tags_fix():
        with_fix = answers(ec2)
    assert len(with_fix["instances"][0]["Instances"]) == 30
    assert with_fix == without
