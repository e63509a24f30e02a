#!/usr/bin/python
# community.aws.config_recorder compares the whole recording group AWS answers with the keys it
# sends; AWS also answers recordingStrategy and exclusionByResourceTypes, so that module reports a
# change on every run (and has no check mode). This one compares only what it manages.

from __future__ import annotations

DOCUMENTATION = r"""
module: config_recorder
short_description: An AWS Config configuration recorder of every supported resource type
version_added: 0.3.0
description:
  - Creates or updates the AWS Config configuration recorder of the region, recording every
    supported resource type, global ones (IAM) optionally included, through a service role.
  - Compares only the role and the recording group settings it manages, so a converged recorder
    reports no change. Starting the recorder is M(webcast.platform.config_recorder_status)'s job.
author:
  - Webcast platform engineering
options:
  name:
    description: The recorder's name (a region has at most one recorder).
    type: str
    required: true
  role_arn:
    description: The role AWS Config assumes to read the resources' configuration.
    type: str
    required: true
  include_global_types:
    description: Whether global resource types (IAM users, roles, policies) are recorded too.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the recorder records every supported resource, global ones included
  webcast.platform.config_recorder:
    name: webcast-production
    role_arn: arn:aws:iam::123456789012:role/webcast-production-config
"""

RETURN = r"""
recorder:
  description: The recorder as the module leaves it (in check mode, as it would leave it).
  returned: always
  type: dict
  contains:
    name:
      description: The recorder's name.
      type: str
      sample: webcast-production
    role_arn:
      description: The role AWS Config assumes.
      type: str
    all_supported:
      description: Whether every supported resource type is recorded.
      type: bool
      sample: true
    include_global_types:
      description: Whether global resource types are recorded.
      type: bool
      sample: true
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def current_state(config: Any, name: str) -> dict[str, Any] | None:
    """The managed settings of the recorder named `name`, or None when there is none."""
    try:
        found = config.describe_configuration_recorders(ConfigurationRecorderNames=[name], aws_retry=True)
    except is_boto3_error_code("NoSuchConfigurationRecorderException"):
        return None
    recorder = found["ConfigurationRecorders"][0]
    group = recorder.get("recordingGroup") or {}
    return {
        "name": recorder["name"],
        "role_arn": recorder.get("roleARN", ""),
        "all_supported": bool(group.get("allSupported", False)),
        "include_global_types": bool(group.get("includeGlobalResourceTypes", False)),
    }


def wanted_state(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": params["name"],
        "role_arn": params["role_arn"],
        "all_supported": True,
        "include_global_types": params["include_global_types"],
    }


def put_recorder(config: Any, state: dict[str, Any]) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": state["name"],
            "roleARN": state["role_arn"],
            "recordingGroup": {
                "allSupported": True,
                "includeGlobalResourceTypes": state["include_global_types"],
                "resourceTypes": [],
            },
        },
        aws_retry=True,
    )


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"required": True},
            "role_arn": {"required": True},
            "include_global_types": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    config = retrying_client(module, "config")
    wanted = wanted_state(module.params)
    try:
        before = current_state(config, wanted["name"])
        changed = before != wanted
        if changed and not module.check_mode:
            put_recorder(config, wanted)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not put the Config recorder {wanted['name']}")
    module.exit_json(changed=changed, recorder=wanted, diff={"before": before or {}, "after": wanted})


if __name__ == "__main__":
    main()
