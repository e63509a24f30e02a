#!/usr/bin/python
# Neither amazon.aws nor community.aws manages the account's EBS encryption by default, so this
# module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: ebs_encryption_default
short_description: Manage EBS encryption by default in a region
version_added: 0.2.0
description:
  - Turns EBS encryption by default on or off for the account in one region, and sets the KMS key
    that new volumes are encrypted with.
  - With encryption by default on, every new EBS volume and snapshot copy in the region is
    encrypted, whatever the request that created it said (AWS Foundational Security Best Practices
    EC2.7).
  - The key is compared by its key ARN, so an alias, a key id and a key ARN naming the same key
    are the same request.
author:
  - Webcast platform engineering
options:
  enabled:
    description: Whether new EBS volumes are encrypted by default.
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key for new volumes (key id, key ARN, alias name or alias ARN).
      - When omitted, the key is left as it is; V(alias/aws/ebs) is the AWS managed key.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Encrypt every new volume with our key
  webcast.platform.ebs_encryption_default:
    enabled: true
    kms_key_id: alias/webcast-production-ebs
"""

RETURN = r"""
enabled:
  description: Whether EBS encryption by default is on, after the module ran.
  returned: always
  type: bool
  sample: true
kms_key_arn:
  description: The ARN of the key that new volumes are encrypted with, after the module ran.
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def key_arn(kms: Any, key_id: str) -> str:
    """The key ARN that any name of a key (id, ARN, alias) stands for."""
    return kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]["Arn"]


def current_state(ec2: Any, kms: Any) -> dict[str, Any]:
    enabled = ec2.get_ebs_encryption_by_default(aws_retry=True)["EbsEncryptionByDefault"]
    key = ec2.get_ebs_default_kms_key_id(aws_retry=True)["KmsKeyId"]
    return {"enabled": enabled, "kms_key_arn": key_arn(kms, key)}


def wanted_state(current: dict[str, Any], enabled: bool, wanted_key_arn: str | None) -> dict[str, Any]:
    return {"enabled": enabled, "kms_key_arn": wanted_key_arn or current["kms_key_arn"]}


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={"enabled": {"type": "bool", "default": True}, "kms_key_id": {"type": "str"}},
        supports_check_mode=True,
    )
    ec2 = retrying_client(module, "ec2")
    kms = retrying_client(module, "kms")
    try:
        before = current_state(ec2, kms)
        wanted_key = key_arn(kms, module.params["kms_key_id"]) if module.params["kms_key_id"] else None
        after = wanted_state(before, module.params["enabled"], wanted_key)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not read the EBS encryption by default settings")

    changed = before != after
    if changed and not module.check_mode:
        try:
            if after["kms_key_arn"] != before["kms_key_arn"]:
                ec2.modify_ebs_default_kms_key_id(KmsKeyId=after["kms_key_arn"], aws_retry=True)
            if after["enabled"] and not before["enabled"]:
                ec2.enable_ebs_encryption_by_default(aws_retry=True)
            elif before["enabled"] and not after["enabled"]:
                ec2.disable_ebs_encryption_by_default(aws_retry=True)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Could not change the EBS encryption by default settings")
    module.exit_json(changed=changed, diff={"before": before, "after": after}, **after)


if __name__ == "__main__":
    main()
