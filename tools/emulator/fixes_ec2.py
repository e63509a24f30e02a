"""EC2 fixes: launch templates; the network ACL filter amazon.aws.ec2_vpc_nacl sends; the EBS default key."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix


def _network_acl_filter_value(original: Any) -> Any:
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name == "network-acl-id":
            return self.id
        return original(self, filter_name, method_name)

    return get_filter_value


def _network_acl_id_filter() -> AbstractContextManager:
    """AWS DescribeNetworkAcls filters on ``network-acl-id`` (a documented filter name).

    moto knows ``association.network-acl-id`` but raises FilterNotImplementedError (an HTTP 500)
    on ``network-acl-id``, which amazon.aws.ec2_vpc_nacl sends to read an ACL it was given by id:
    managing the VPC's default network ACL fails on every run after the first.
    """
    from moto.ec2.models.network_acls import NetworkAcl

    return mock.patch.object(
        NetworkAcl, "get_filter_value", _network_acl_filter_value(NetworkAcl.get_filter_value)
    )


def _get_ebs_default_kms_key_id(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.ec2_backend
    return ActionResult({"KmsKeyId": backend.default_kms_key_id or backend._create_default_encryption_key()})


def _ebs_default_kms_key_id() -> AbstractContextManager:
    """GetEbsDefaultKmsKeyId answers the key new volumes are encrypted with by default.

    moto stores that key (ModifyEbsDefaultKmsKeyId) but does not serve GetEbsDefaultKmsKeyId: the
    call raises NotImplementedError, so nothing can read the setting back. AWS answers the key's
    ARN, and the AWS managed key alias/aws/ebs (made on first use) when none was chosen; moto's
    backend already makes that key the same way.
    """
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    return mock.patch.object(
        ElasticBlockStore, "get_ebs_default_kms_key_id", _get_ebs_default_kms_key_id, create=True
    )


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
    Fix(
        name="ec2_network_acl_id_filter",
        aws_behaviour="DescribeNetworkAcls accepts the filter network-acl-id",
        patch=_network_acl_id_filter,
    ),
    Fix(
        name="ec2_get_ebs_default_kms_key_id",
        aws_behaviour="GetEbsDefaultKmsKeyId answers the default EBS key (alias/aws/ebs when none was set)",
        patch=_ebs_default_kms_key_id,
    ),
)
