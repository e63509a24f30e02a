#!/usr/bin/python
# community.aws.config_delivery_channel has no check mode, so `--check` skipped it and hid drift;
# this one compares the channel's settings and reports the difference in check mode and diff.

from __future__ import annotations

DOCUMENTATION = r"""
module: config_delivery_channel
short_description: The AWS Config delivery channel of a region, with check mode and diff
version_added: 0.3.0
description:
  - Creates or updates the AWS Config delivery channel of the region, where the configuration
    snapshots and history go (an S3 bucket and prefix, optionally an SNS topic) and how often.
  - Compares only the settings it manages, so a converged channel reports no change; in check mode
    it reports the change it would make, with a diff.
  - AWS Config needs a configuration recorder before it accepts a delivery channel
    (M(webcast.platform.config_recorder)).
author:
  - Webcast platform engineering
options:
  name:
    description: The channel's name (a region has at most one channel).
    type: str
    required: true
  s3_bucket:
    description: The bucket AWS Config delivers to.
    type: str
    required: true
  s3_prefix:
    description: The key prefix in that bucket; empty for none.
    type: str
    default: ""
  sns_topic_arn:
    description: The topic AWS Config notifies of deliveries and changes; empty for none.
    type: str
    default: ""
  delivery_frequency:
    description: How often the configuration snapshot is delivered.
    type: str
    default: TwentyFour_Hours
    choices: [One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the configuration is delivered to the logs bucket daily
  webcast.platform.config_delivery_channel:
    name: webcast-production
    s3_bucket: webcast-production-logs-123456789012
    s3_prefix: config
    delivery_frequency: TwentyFour_Hours
"""

RETURN = r"""
channel:
  description: The channel as the module leaves it (in check mode, as it would leave it).
  returned: always
  type: dict
  contains:
    name:
      description: The channel's name.
      type: str
      sample: webcast-production
    s3_bucket:
      description: The bucket delivered to.
      type: str
    s3_prefix:
      description: The key prefix.
      type: str
      sample: config
    sns_topic_arn:
      description: The topic notified, or empty.
      type: str
    delivery_frequency:
      description: How often the snapshot is delivered.
      type: str
      sample: TwentyFour_Hours
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client

FREQUENCIES = ["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"]


def current_state(config: Any, name: str) -> dict[str, Any] | None:
    """The managed settings of the channel named `name`, or None when there is none."""
    try:
        found = config.describe_delivery_channels(DeliveryChannelNames=[name], aws_retry=True)
    except is_boto3_error_code("NoSuchDeliveryChannelException"):
        return None
    if not found["DeliveryChannels"]:
        return None
    channel = found["DeliveryChannels"][0]
    return {
        "name": channel["name"],
        "s3_bucket": channel.get("s3BucketName", ""),
        "s3_prefix": channel.get("s3KeyPrefix") or "",
        "sns_topic_arn": channel.get("snsTopicARN") or "",
        # AWS leaves the properties out when the channel was created without them: the default.
        "delivery_frequency": (channel.get("configSnapshotDeliveryProperties") or {}).get(
            "deliveryFrequency", "TwentyFour_Hours"
        ),
    }


def wanted_state(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: params[key] for key in ("name", "s3_bucket", "s3_prefix", "sns_topic_arn", "delivery_frequency")
    }


def put_channel(config: Any, state: dict[str, Any]) -> None:
    channel: dict[str, Any] = {
        "name": state["name"],
        "s3BucketName": state["s3_bucket"],
        "configSnapshotDeliveryProperties": {"deliveryFrequency": state["delivery_frequency"]},
    }
    if state["s3_prefix"]:
        channel["s3KeyPrefix"] = state["s3_prefix"]
    if state["sns_topic_arn"]:
        channel["snsTopicARN"] = state["sns_topic_arn"]
    config.put_delivery_channel(DeliveryChannel=channel, aws_retry=True)


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"required": True},
            "s3_bucket": {"required": True},
            "s3_prefix": {"default": ""},
            "sns_topic_arn": {"default": ""},
            "delivery_frequency": {"default": "TwentyFour_Hours", "choices": FREQUENCIES},
        },
        supports_check_mode=True,
    )
    config = retrying_client(module, "config")
    wanted = wanted_state(module.params)
    try:
        before = current_state(config, wanted["name"])
        changed = before != wanted
        if changed and not module.check_mode:
            put_channel(config, wanted)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not put the Config delivery channel {wanted['name']}")
    module.exit_json(changed=changed, channel=wanted, diff={"before": before or {}, "after": wanted})


if __name__ == "__main__":
    main()
