"""The golden_ami lookup: its pure functions, and the lookup end to end against moto in process.

The lookup runs as a playbook runs it: loaded by Ansible's plugin loader (webcast.platform.golden_ami,
found through .collections), its options resolved from keyword arguments and variables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader
from moto import mock_aws

from tests.unit.plugins.collection import plugin_module

PLUGIN = "webcast.platform.golden_ami"
REGION = "eu-west-1"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


golden_ami = plugin_module("lookup", "golden_ami")


# --- pure functions ------------------------------------------------------------------------------


def test_the_filters_select_available_images_of_the_project_and_role_approved() -> None:
    assert golden_ami.image_filters("webcast", "webcast", None, True) == [
        {"Name": "state", "Values": ["available"]},
        {"Name": "tag:Project", "Values": ["webcast"]},
        {"Name": "tag:Role", "Values": ["webcast"]},
        {"Name": "tag:Approved", "Values": ["true"]},
    ]


def test_a_version_pin_adds_a_version_filter_and_approved_only_false_drops_the_approval() -> None:
    filters = golden_ami.image_filters("webcast", "media", "1.4.2", False)

    assert {"Name": "tag:Version", "Values": ["1.4.2"]} in filters
    assert {"Name": "tag:Role", "Values": ["media"]} in filters
    assert all(f["Name"] != "tag:Approved" for f in filters)


def image(image_id: str, created: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"ImageId": image_id, "CreationDate": created, "Name": name or image_id, **extra}


def test_the_newest_image_by_creation_date_is_chosen() -> None:
    images = [
        image("ami-old", "2026-01-01T00:00:00.000Z"),
        image("ami-new", "2026-02-01T00:00:00.000Z"),
        image("ami-mid", "2026-01-15T00:00:00.000Z"),
    ]

    assert golden_ami.newest_image(images, NOW)["ImageId"] == "ami-new"


def test_no_image_is_no_newest_image() -> None:
    assert golden_ami.newest_image([], NOW) is None


def test_an_image_deprecated_before_now_is_skipped() -> None:
    images = [
        image("ami-old", "2026-01-01T00:00:00.000Z"),
        image("ami-new", "2026-02-01T00:00:00.000Z", DeprecationTime="2026-02-15T00:00:00.000Z"),
    ]

    assert golden_ami.newest_image(images, NOW)["ImageId"] == "ami-old"


def test_an_image_deprecated_exactly_now_is_skipped() -> None:
    images = [image("ami-new", "2026-02-01T00:00:00.000Z", DeprecationTime="2026-03-01T12:00:00.000Z")]

    assert golden_ami.newest_image(images, NOW) is None


def test_an_image_to_be_deprecated_later_is_still_chosen() -> None:
    images = [
        image("ami-old", "2026-01-01T00:00:00.000Z"),
        image("ami-new", "2026-02-01T00:00:00.000Z", DeprecationTime="2026-06-01T00:00:00.000Z"),
    ]

    assert golden_ami.newest_image(images, NOW)["ImageId"] == "ami-new"


def test_only_deprecated_images_are_no_newest_image() -> None:
    images = [image("ami-1", "2026-01-01T00:00:00.000Z", DeprecationTime="2026-02-01T00:00:00.000Z")]

    assert golden_ami.newest_image(images, NOW) is None


def test_a_tie_on_creation_date_goes_to_the_later_name() -> None:
    created = "2026-02-01T00:00:00.000Z"
    images = [
        image("ami-b", created, "webcast-1.4.3"),
        image("ami-a", created, "webcast-1.4.2"),
    ]

    assert golden_ami.newest_image(images, NOW)["ImageId"] == "ami-b"
    assert golden_ami.newest_image(list(reversed(images)), NOW)["ImageId"] == "ami-b"


def test_an_image_is_described_by_id_name_date_version_sha_and_tags() -> None:
    tags = [
        {"Key": "Project", "Value": "webcast"},
        {"Key": "Version", "Value": "1.4.2"},
        {"Key": "GitSha", "Value": "0123abc"},
    ]

    assert golden_ami.describe_image(
        image("ami-1", "2026-02-01T00:00:00.000Z", "webcast-1.4.2", Tags=tags)
    ) == {
        "id": "ami-1",
        "name": "webcast-1.4.2",
        "creation_date": "2026-02-01T00:00:00.000Z",
        "version": "1.4.2",
        "git_sha": "0123abc",
        "tags": {"Project": "webcast", "Version": "1.4.2", "GitSha": "0123abc"},
    }


def test_an_image_without_tags_is_described_with_no_version_or_sha() -> None:
    described = golden_ami.describe_image({"ImageId": "ami-1"})

    assert (described["version"], described["git_sha"], described["tags"]) == (None, None, {})


def test_the_no_match_message_names_every_filter_the_owners_and_the_region() -> None:
    filters = golden_ami.image_filters("webcast", "media", "1.4.2", True)

    message = golden_ami.no_match_message(filters, ["self", "111122223333"], REGION)

    for named in (
        "owners=self,111122223333",
        "state=available",
        "tag:Project=webcast",
        "tag:Role=media",
        "tag:Version=1.4.2",
        "tag:Approved=true",
        f"in {REGION}",
    ):
        assert named in message
    assert "Approved=true" in message.split(".", 1)[1]  # and how to get an image that matches


def test_the_no_match_message_without_a_region_says_the_default_region() -> None:
    assert "in the default region" in golden_ami.no_match_message([], ["self"], None)


# --- the lookup against moto -------------------------------------------------------------------


Bake = Callable[..., str]
Lookup = Callable[..., Any]


@pytest.fixture
def ec2() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


@pytest.fixture
def bake(ec2: Any) -> Bake:
    """Register a golden AMI as the bake does: an image of a built instance, tagged, created at `days` ago.

    moto has no AMI deprecation (EnableImageDeprecation, DeprecationTime): deprecated images are
    covered by the newest_image tests only.
    """
    base = ec2.register_image(Name="debian-12-base", RootDeviceName="/dev/xvda")["ImageId"]
    builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]

    def register(
        version: str, days: int, approved: bool = True, project: str = "webcast", role: str = "webcast"
    ) -> str:
        # moto dates an image by its clock when it is created: set that clock, days before now.
        created = datetime.now(UTC) - timedelta(days=days)
        with mock.patch("moto.ec2.models.amis.utcnow", return_value=created.replace(tzinfo=None)):
            image_id = ec2.create_image(InstanceId=builder, Name=f"{project}-{role}-{version}")["ImageId"]
        tags = {"Project": project, "Role": role, "Version": version, "GitSha": f"sha-{version}"}
        if approved:
            tags["Approved"] = "true"
        ec2.create_tags(Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return image_id

    return register


@pytest.fixture
def lookup(ec2: Any) -> Lookup:
    """The lookup as a play calls it: lookup('webcast.platform.golden_ami', **options)."""

    def run(variables: dict[str, Any] | None = None, **options: Any) -> Any:
        plugin = lookup_loader.get(PLUGIN)
        variables = {"webcast_project": "webcast"} if variables is None else variables
        (result,) = plugin.run([], variables=variables, region=REGION, **options)
        return result

    return run


def test_the_newest_approved_image_is_chosen(bake: Bake, lookup: Lookup) -> None:
    bake("1.0.0", days=30)
    newest = bake("1.2.0", days=2)
    bake("1.1.0", days=10)

    assert lookup() == newest


def test_an_unapproved_newer_image_is_skipped(bake: Bake, lookup: Lookup) -> None:
    approved = bake("1.0.0", days=10)
    bake("1.1.0", days=1, approved=False)

    assert lookup() == approved


def test_an_unapproved_image_counts_without_approved_only(bake: Bake, lookup: Lookup) -> None:
    bake("1.0.0", days=10)
    unapproved = bake("1.1.0", days=1, approved=False)

    assert lookup(approved_only=False) == unapproved


def test_a_version_pin_chooses_that_version_over_newer_ones(bake: Bake, lookup: Lookup) -> None:
    pinned = bake("1.0.0", days=10)
    bake("1.1.0", days=1)

    assert lookup(version="1.0.0") == pinned


def test_another_project_s_images_are_ignored(bake: Bake, lookup: Lookup) -> None:
    ours = bake("1.0.0", days=10)
    bake("9.0.0", days=1, project="other")

    assert lookup() == ours
    with pytest.raises(AnsibleLookupError, match="tag:Project=nobody"):
        lookup(project="nobody")


def test_another_role_s_images_are_ignored_and_a_role_can_be_chosen(bake: Bake, lookup: Lookup) -> None:
    app = bake("1.0.0", days=10)
    media = bake("2.0.0", days=1, role="media")

    assert lookup() == app
    assert lookup(role="media") == media


def test_the_project_option_wins_over_the_variable(bake: Bake, lookup: Lookup) -> None:
    other = bake("1.0.0", days=1, project="other")

    assert lookup(project="other") == other


def test_details_describe_the_image(bake: Bake, lookup: Lookup, ec2: Any) -> None:
    image_id = bake("1.2.0", days=2)
    (described,) = ec2.describe_images(ImageIds=[image_id])["Images"]

    assert lookup(details=True) == {
        "id": image_id,
        "name": "webcast-webcast-1.2.0",
        "creation_date": described["CreationDate"],
        "version": "1.2.0",
        "git_sha": "sha-1.2.0",
        "tags": {
            "Project": "webcast",
            "Role": "webcast",
            "Version": "1.2.0",
            "GitSha": "sha-1.2.0",
            "Approved": "true",
        },
    }


def test_no_matching_image_fails_naming_every_filter(bake: Bake, lookup: Lookup) -> None:
    bake("1.0.0", days=1, approved=False)

    with pytest.raises(AnsibleLookupError) as error:
        lookup(version="1.0.0")

    message = str(error.value)
    for named in (
        "owners=self",
        "state=available",
        "tag:Project=webcast",
        "tag:Role=webcast",
        "tag:Version=1.0.0",
        "tag:Approved=true",
        f"in {REGION}",
    ):
        assert named in message


def test_an_empty_account_fails_naming_the_filters(lookup: Lookup) -> None:
    with pytest.raises(AnsibleLookupError, match="golden_ami: no image matches owners=self, state=available"):
        lookup()


def test_without_a_project_the_lookup_fails_saying_how_to_give_one(bake: Bake, lookup: Lookup) -> None:
    bake("1.0.0", days=1)

    with pytest.raises(
        AnsibleLookupError, match="no project given: set project= or the webcast_project variable"
    ):
        lookup(variables={})


def test_the_connection_options_a_play_passes_are_accepted(bake: Bake, lookup: Lookup) -> None:
    # What webcast_aws_connection holds, but the endpoint: moto intercepts only AWS's own endpoints.
    image_id = bake("1.0.0", days=1)

    assert lookup(access_key="testing", secret_key="testing") == image_id
