#!/usr/bin/python
# amazon.aws.iam_role cannot create service-linked roles (AWS reserves their path and trust), and
# community.aws has no module for them, so this one exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_service_linked_role
short_description: Ensure an AWS service's service-linked role exists
version_added: 0.2.0
description:
  - Creates the service-linked role of an AWS service when the account does not have it yet.
  - AWS creates most service-linked roles on first use, but a policy that names one (a KMS key
    policy letting Auto Scaling use a key) is refused while it does not exist.
  - The module never deletes a service-linked role, since AWS services depend on them.
author:
  - Webcast platform engineering
options:
  aws_service_name:
    description: The service's principal, for example V(autoscaling.amazonaws.com).
    type: str
    required: true
  custom_suffix:
    description: The suffix of a second role of a service that allows several.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure Auto Scaling's role exists before a key policy names it
  webcast.platform.iam_service_linked_role:
    aws_service_name: autoscaling.amazonaws.com
"""

RETURN = r"""
role_name:
  description: The role's name.
  returned: always
  type: str
  sample: AWSServiceRoleForAutoScaling
arn:
  description: The role's ARN (predicted, in check mode, when it does not exist yet).
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAuto...
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def find_role(iam: Any, service: str, suffix: str | None) -> dict[str, Any] | None:
    """The service's linked role, found by its reserved path (names differ from service to service)."""
    paginator = iam.get_paginator("list_roles")
    for page in paginator.paginate(PathPrefix=f"/aws-service-role/{service}/"):
        for role in page["Roles"]:
            if suffix is None or role["RoleName"].endswith(f"_{suffix}"):
                return role
    return None


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={"aws_service_name": {"required": True}, "custom_suffix": {}},
        supports_check_mode=True,
    )
    service = module.params["aws_service_name"]
    suffix = module.params["custom_suffix"]
    iam = retrying_client(module, "iam")
    try:
        role = find_role(iam, service, suffix)
        if role:
            module.exit_json(changed=False, role_name=role["RoleName"], arn=role["Arn"])
        if module.check_mode:
            account = retrying_client(module, "sts").get_caller_identity(aws_retry=True)["Account"]
            module.exit_json(
                changed=True,
                role_name="",
                arn=f"arn:aws:iam::{account}:role/aws-service-role/{service}/(created by AWS)",
            )
        request: dict[str, Any] = {"AWSServiceName": service}
        if suffix:
            request["CustomSuffix"] = suffix
        role = iam.create_service_linked_role(aws_retry=True, **request)["Role"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not ensure the service-linked role of {service}")
    module.exit_json(changed=True, role_name=role["RoleName"], arn=role["Arn"])


if __name__ == "__main__":
    main()
