"""EC2 fixes: launch templates."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix


def _create_launch_template(self: Any) -> Any:
    """CreateLaunchTemplate: the request's TagSpecifications tag the template, not its first version."""
    from moto.core.responses import ActionResult
    from moto.ec2.utils import parse_user_data

    name = self._get_param("LaunchTemplateName")
    version_description = self._get_param("VersionDescription")
    tag_spec = self._parse_tag_specification()
    template_data = self._get_param("LaunchTemplateData", {})
    template_data["UserData"] = parse_user_data(self._get_param("LaunchTemplateData.UserData"))
    self.error_on_dryrun()
    template = self.ec2_backend.create_launch_template(name, version_description, template_data, tag_spec)
    version = template.default_version()
    return ActionResult(
        {
            "LaunchTemplate": {
                "CreateTime": version.create_time,
                "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
                "DefaultVersionNumber": template.default_version_number,
                "LatestVersionNumber": version.number,
                "LaunchTemplateId": template.id,
                "LaunchTemplateName": template.name,
                "Tags": template.tags,
            },
        }
    )


def _launch_template_tags_stay_on_the_template() -> AbstractContextManager:
    """AWS keeps a launch template's own tags (CreateLaunchTemplate's TagSpecifications, resource type
    ``launch-template``) on the template, apart from the tags its versions give to instances.

    moto also copies them into version 1's LaunchTemplateData.TagSpecifications. So
    amazon.aws.ec2_launch_template, which compares the wanted data with the newest version's,
    finds a difference on its second run and creates version 2 (the same data without those tags):
    a converged template reports a change once, and the Auto Scaling group is moved to a new
    version for nothing. The fix creates the template as AWS does, the rest of moto's answer unchanged.
    """
    from moto.ec2.responses.launch_templates import LaunchTemplates

    return mock.patch.object(LaunchTemplates, "create_launch_template", _create_launch_template)


FIXES: tuple[Fix, ...] = (
    Fix(
        name="ec2_launch_template_tags_stay_on_the_template",
        aws_behaviour="CreateLaunchTemplate tags the template, not its first version's instances",
        patch=_launch_template_tags_stay_on_the_template,
    ),
)
