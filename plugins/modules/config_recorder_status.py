#!/usr/bin/python
# community.aws.config_recorder creates a recorder but never starts it, and no module starts or
# stops one, so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: config_recorder_status
short_description: Start or stop an AWS Config configuration recorder
version_added: 0.2.0
description:
  - Starts or stops an existing AWS Config configuration recorder. A recorder that exists but is
    not recording records nothing, and the rules that read it evaluate nothing.
  - AWS refuses to start a recorder that has no delivery channel yet.
author:
  - Webcast platform engineering
options:
  name:
    description: The recorder's name.
    type: str
    required: true
  recording:
    description: Whether the recorder records.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the recorder is recording
  webcast.platform.config_recorder_status:
    name: webcast-production
"""

RETURN = r"""
recording:
  description: Whether the recorder records, after the module ran.
  returned: always
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


def is_recording(config: Any, name: str, check_mode: bool) -> bool:
    """Whether the recorder records; in check mode a recorder still to be created does not."""
    try:
        found = config.describe_configuration_recorder_status(
            ConfigurationRecorderNames=[name], aws_retry=True
        )
    except is_boto3_error_code("NoSuchConfigurationRecorderException"):
        if not check_mode:
            raise
        return False
    return bool(found["ConfigurationRecordersStatus"][0]["recording"])


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={"name": {"required": True}, "recording": {"type": "bool", "default": True}},
        supports_check_mode=True,
    )
    name, wanted = module.params["name"], module.params["recording"]
    config = retrying_client(module, "config")
    try:
        before = is_recording(config, name, module.check_mode)
        changed = before != wanted
        if changed and not module.check_mode:
            if wanted:
                config.start_configuration_recorder(ConfigurationRecorderName=name, aws_retry=True)
            else:
                config.stop_configuration_recorder(ConfigurationRecorderName=name, aws_retry=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not {'start' if wanted else 'stop'} the Config recorder {name}")
    module.exit_json(
        changed=changed,
        recording=wanted,
        diff={"before": {"recording": before}, "after": {"recording": wanted}},
    )


if __name__ == "__main__":
    main()
