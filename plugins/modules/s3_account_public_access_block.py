#!/usr/bin/python
# amazon.aws.s3_bucket blocks public access bucket by bucket; nothing in amazon.aws or
# community.aws sets the account-wide block (S3 Control), so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_account_public_access_block
short_description: Manage the account-wide S3 public access block
version_added: 0.2.0
description:
  - Sets the four S3 Block Public Access settings for the whole account (S3 Control), which hold
    for every bucket present and future, whatever the bucket's own settings say (AWS Foundational
    Security Best Practices S3.1).
author:
  - Webcast platform engineering
options:
  block_public_acls:
    description: Refuse requests that would add a public ACL.
    type: bool
    default: true
  ignore_public_acls:
    description: Ignore every public ACL already present.
    type: bool
    default: true
  block_public_policy:
    description: Refuse bucket policies that grant public access.
    type: bool
    default: true
  restrict_public_buckets:
    description: Limit buckets with a public policy to AWS services and the account's principals.
    type: bool
    default: true
  account_id:
    description: The account; the caller's account when omitted.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Block public access to every bucket of the account
  webcast.platform.s3_account_public_access_block: {}
"""

RETURN = r"""
account_id:
  description: The account whose settings these are.
  returned: always
  type: str
  sample: "123456789012"
public_access_block:
  description: The four settings after the module ran.
  returned: always
  type: dict
  sample:
    block_public_acls: true
    ignore_public_acls: true
    block_public_policy: true
    restrict_public_buckets: true
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import (
    retrying_client,
    without_account_label,
)

SETTINGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def current_block(s3control: Any, account_id: str) -> dict[str, bool]:
    """The account's settings; all off when none were ever set.

    AWS answers NoSuchPublicAccessBlockConfiguration for an account that never set them."""
    try:
        found = s3control.get_public_access_block(AccountId=account_id, aws_retry=True)
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        return {api: False for api in SETTINGS.values()}
    return {api: bool(found["PublicAccessBlockConfiguration"].get(api)) for api in SETTINGS.values()}


def wanted_block(params: dict[str, Any]) -> dict[str, bool]:
    return {api: bool(params[option]) for option, api in SETTINGS.items()}


def s3control_client(module: Any) -> Any:
    """S3 Control's client; with an endpoint_url, one that drops the account label S3 Control
    puts in front of the host (module_utils.aws.without_account_label)."""
    client = retrying_client(module, "s3control")
    if module.params.get("endpoint_url"):
        without_account_label(client)
    return client


def main() -> None:
    argument_spec: dict[str, Any] = {option: {"type": "bool", "default": True} for option in SETTINGS}
    argument_spec["account_id"] = {"type": "str"}
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    s3control = s3control_client(module)
    try:
        account_id = (
            module.params["account_id"]
            or retrying_client(module, "sts").get_caller_identity(aws_retry=True)["Account"]
        )
        before = current_block(s3control, account_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not read the account's S3 public access block")
    after = wanted_block(module.params)
    changed = before != after
    if changed and not module.check_mode:
        try:
            s3control.put_public_access_block(
                AccountId=account_id, PublicAccessBlockConfiguration=after, aws_retry=True
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Could not set the account's S3 public access block")
    module.exit_json(
        changed=changed,
        diff={"before": camel_dict_to_snake_dict(before), "after": camel_dict_to_snake_dict(after)},
        account_id=account_id,
        public_access_block=camel_dict_to_snake_dict(after),
    )


if __name__ == "__main__":
    main()
