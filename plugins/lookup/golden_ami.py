"""The newest approved golden AMI of the project: how the cloud layer finds the image layer."""

from __future__ import annotations

DOCUMENTATION = r"""
name: golden_ami
short_description: The newest available, approved golden AMI of this project
version_added: 0.1.0
description:
  - Finds the AMIs that the image bake registered for O(project) and O(role), keeps those that are
    available, approved (tag C(Approved=true)) and not deprecated, optionally pinned to a
    O(version), and returns the newest one's id (or, with O(details=true), a description of it).
  - The filters run in the EC2 API (owner, state and tags), so only this project's images travel.
  - Fails with a message naming every filter when nothing matches, so that a launch template is
    never built from a guessed or missing image.
  - "Tags the bake writes: C(Project), C(Role), C(Version), C(GitSha), C(BaseImage); an operator
    (or the image test pipeline) adds C(Approved=true)."
author:
  - Webcast platform engineering
options:
  project:
    description: The project whose images to consider; the C(webcast_project) variable by default.
    type: str
    vars:
      - name: webcast_project
  role:
    description: The image's role tag (which golden image, when there are several).
    type: str
    default: webcast
  version:
    description: Pin to this bake version (tag C(Version)); the newest version when omitted.
    type: str
  approved_only:
    description: Only images tagged C(Approved=true). Turn off to test an unapproved bake.
    type: bool
    default: true
  owners:
    description: Accounts whose images count (V(self), or account ids of a shared image account).
    type: list
    elements: str
    default: [self]
  details:
    description: Return a dict (id, name, creation date, version, git sha, tags) instead of the id.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
"""

EXAMPLES = r"""
- name: Build the launch template from the newest approved image
  amazon.aws.ec2_launch_template:
    name: webcast-staging-app
    image_id: "{{ lookup('webcast.platform.golden_ami', **webcast_aws_connection) }}"

- name: Roll back to a known version
  ansible.builtin.set_fact:
    image: >-
      {{ lookup('webcast.platform.golden_ami', version='1.4.2', details=true, **webcast_aws_connection) }}
"""

RETURN = r"""
_raw:
  description: The AMI id, or with O(details=true) a dict describing the image.
  type: raw
  sample: ami-0123456789abcdef0
"""

from datetime import UTC, datetime
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AWSLookupBase reports the missing SDK

from ansible.errors import AnsibleLookupError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase
from ansible_collections.webcast.platform.plugins.module_utils.aws import RETRY

TAG_ROLE = "Role"
TAG_VERSION = "Version"
TAG_APPROVED = "Approved"


def image_filters(project: str, role: str, version: str | None, approved_only: bool) -> list[dict[str, Any]]:
    """DescribeImages filters for the wanted images (the EC2 API applies them)."""
    filters = [
        {"Name": "state", "Values": ["available"]},
        {"Name": "tag:Project", "Values": [project]},
        {"Name": f"tag:{TAG_ROLE}", "Values": [role]},
    ]
    if version:
        filters.append({"Name": f"tag:{TAG_VERSION}", "Values": [version]})
    if approved_only:
        filters.append({"Name": f"tag:{TAG_APPROVED}", "Values": ["true"]})
    return filters


def _deprecated(image: dict[str, Any], now: datetime) -> bool:
    deprecation = image.get("DeprecationTime")
    if not deprecation:
        return False
    when = datetime.fromisoformat(deprecation.replace("Z", "+00:00"))
    return when <= now


def newest_image(images: list[dict[str, Any]], now: datetime) -> dict[str, Any] | None:
    """The newest image that is not deprecated at `now`; ties go to the later name."""
    usable = [image for image in images if not _deprecated(image, now)]
    if not usable:
        return None
    return max(usable, key=lambda image: (image.get("CreationDate", ""), image.get("Name", "")))


def describe_image(image: dict[str, Any]) -> dict[str, Any]:
    tags = boto3_tag_list_to_ansible_dict(image.get("Tags") or [])
    return {
        "id": image["ImageId"],
        "name": image.get("Name"),
        "creation_date": image.get("CreationDate"),
        "version": tags.get(TAG_VERSION),
        "git_sha": tags.get("GitSha"),
        "tags": tags,
    }


def no_match_message(filters: list[dict[str, Any]], owners: list[str], region: str | None) -> str:
    described = ", ".join(f"{f['Name']}={','.join(f['Values'])}" for f in filters)
    return (
        f"golden_ami: no image matches owners={','.join(owners)}, {described} "
        f"in {region or 'the default region'}. "
        "Bake one (the image pipeline tags it), or approve a baked one with the tag Approved=true, "
        "or pin an existing version with version=..."
    )


class LookupModule(AWSLookupBase):
    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        super().run(terms, variables, **kwargs)
        project = self.get_option("project")
        if not project:
            raise AnsibleLookupError(
                "golden_ami: no project given: set project= or the webcast_project variable"
            )
        filters = image_filters(
            project, self.get_option("role"), self.get_option("version"), self.get_option("approved_only")
        )
        owners = self.get_option("owners")
        client = self.client("ec2", retry_decorator=RETRY)
        try:
            images = client.describe_images(aws_retry=True, Owners=owners, Filters=filters)["Images"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            self.fail_aws("golden_ami: could not list the project's images", exception=error)
        image = newest_image(images, datetime.now(UTC))
        if image is None:
            raise AnsibleLookupError(no_match_message(filters, owners, self.region))
        return [describe_image(image) if self.get_option("details") else image["ImageId"]]
