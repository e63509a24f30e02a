#!/usr/bin/python
# community.aws.sns_topic cannot set a topic's KMS key (KmsMasterKeyId), so this module does.

from __future__ import annotations

DOCUMENTATION = r"""
module: sns_topic_encryption
short_description: The KMS key that encrypts an SNS topic's messages at rest
version_added: 0.1.0
description:
  - Sets or clears the C(KmsMasterKeyId) attribute of an existing SNS topic.
author:
  - Webcast platform engineering
options:
  topic_arn:
    description: The topic's ARN.
    type: str
    required: true
  kms_key_id:
    description: The KMS key (id, ARN or alias); empty to turn encryption off.
    type: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Encrypt the alarm topic with its own key
  webcast.platform.sns_topic_encryption:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:webcast-production-alarms
    kms_key_id: alias/webcast-production-alarms
"""

RETURN = r"""
kms_key_id:
  description: The topic's KMS key after the run, empty when unencrypted.
  returned: always
  type: str
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "topic_arn": {"type": "str", "required": True},
            "kms_key_id": {"type": "str", "required": True, "no_log": False},
        },
        supports_check_mode=True,
    )
    topic_arn, wanted = module.params["topic_arn"], module.params["kms_key_id"]
    client = retrying_client(module, "sns")
    try:
        attributes = client.get_topic_attributes(TopicArn=topic_arn, aws_retry=True)["Attributes"]
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the attributes of {topic_arn}")
    before = attributes.get("KmsMasterKeyId", "")
    changed = before != wanted
    if changed and not module.check_mode:
        try:
            client.set_topic_attributes(
                TopicArn=topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=wanted, aws_retry=True
            )
        except (BotoCoreError, ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to set the KMS key of {topic_arn}")
    module.exit_json(changed=changed, kms_key_id=wanted, diff={"before": before, "after": wanted})


if __name__ == "__main__":
    main()
