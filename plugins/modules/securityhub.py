#!/usr/bin/python
# Neither amazon.aws nor community.aws manages Security Hub, so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: securityhub
short_description: Manage Security Hub and its standards subscriptions in a region
version_added: 0.2.0
description:
  - Ensures the account is subscribed to Security Hub in the region, with exactly the listed
    security standards enabled; or that it is not subscribed.
  - Standards are named by the part of their ARN after C(standards/), for example
    V(aws-foundational-security-best-practices/v/1.0.0) or V(cis-aws-foundations-benchmark/v/1.4.0).
  - Security Hub is enabled without AWS's default standards, so that the list here is the whole
    truth.
author:
  - Webcast platform engineering
options:
  state:
    description: Whether the account is subscribed to Security Hub in the region.
    type: str
    choices: [present, absent]
    default: present
  standards:
    description: The standards to have enabled; any other enabled standard is disabled.
    type: list
    elements: str
    default: [aws-foundational-security-best-practices/v/1.0.0]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check every resource against AWS Foundational Security Best Practices
  webcast.platform.securityhub:
    standards:
      - aws-foundational-security-best-practices/v/1.0.0
"""

RETURN = r"""
hub_arn:
  description: The hub's ARN; empty when the account is not subscribed.
  returned: always
  type: str
  sample: arn:aws:securityhub:eu-west-1:123456789012:hub/default
standards:
  description: The enabled standards (the part of their ARN after C(standards/)).
  returned: always
  type: list
  elements: str
  sample: [aws-foundational-security-best-practices/v/1.0.0]
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def standard_name(standards_arn: str) -> str:
    return standards_arn.split(":standards/", 1)[1]


def standards_arn(region: str, name: str) -> str:
    """Standards ARNs carry the region and no account (AWS-owned); a few older ones are global."""
    if name.startswith("cis-aws-foundations-benchmark/v/1.2.0"):
        return f"arn:aws:securityhub:::ruleset/{name}"
    return f"arn:aws:securityhub:{region}::standards/{name}"


def current_hub(securityhub: Any) -> dict[str, Any]:
    """The hub's ARN and enabled standards by name (with their subscription ARNs)."""
    try:
        hub_arn = securityhub.describe_hub(aws_retry=True)["HubArn"]
    except is_boto3_error_code("InvalidAccessException"):
        return {"hub_arn": "", "subscriptions": {}}
    found = securityhub.get_enabled_standards(aws_retry=True)["StandardsSubscriptions"]
    subscriptions = {
        standard_name(s["StandardsArn"]) if ":standards/" in s["StandardsArn"] else s["StandardsArn"]: s[
            "StandardsSubscriptionArn"
        ]
        for s in found
    }
    return {"hub_arn": hub_arn, "subscriptions": subscriptions}


def plan(current: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """What to do: subscribe or unsubscribe, and which standards to enable and disable."""
    present = params["state"] == "present"
    wanted = set(params["standards"]) if present else set()
    have = set(current["subscriptions"])
    return {
        "enable_hub": present and not current["hub_arn"],
        "disable_hub": not present and bool(current["hub_arn"]),
        "enable": sorted(wanted - have) if present else [],
        "disable": sorted(have - wanted) if present else [],
    }


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "state": {"choices": ["present", "absent"], "default": "present"},
            "standards": {
                "type": "list",
                "elements": "str",
                "default": ["aws-foundational-security-best-practices/v/1.0.0"],
            },
        },
        supports_check_mode=True,
    )
    securityhub = retrying_client(module, "securityhub")
    region = module.region
    try:
        before = current_hub(securityhub)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not read the region's Security Hub subscription")
    todo = plan(before, module.params)
    changed = any(todo.values())
    if changed and not module.check_mode:
        try:
            if todo["enable_hub"]:
                securityhub.enable_security_hub(EnableDefaultStandards=False, aws_retry=True)
            if todo["disable"]:
                securityhub.batch_disable_standards(
                    StandardsSubscriptionArns=[before["subscriptions"][name] for name in todo["disable"]],
                    aws_retry=True,
                )
            if todo["enable"]:
                securityhub.batch_enable_standards(
                    StandardsSubscriptionRequests=[
                        {"StandardsArn": standards_arn(region, name)} for name in todo["enable"]
                    ],
                    aws_retry=True,
                )
            if todo["disable_hub"]:
                securityhub.disable_security_hub(aws_retry=True)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Could not change the region's Security Hub subscription: {todo}")
    present = module.params["state"] == "present"
    after_standards = sorted(module.params["standards"]) if present else []
    hub_arn = before["hub_arn"] if present else ""
    if present and todo["enable_hub"] and not module.check_mode:
        hub_arn = securityhub.describe_hub(aws_retry=True)["HubArn"]
    module.exit_json(
        changed=changed,
        diff={
            "before": {"subscribed": bool(before["hub_arn"]), "standards": sorted(before["subscriptions"])},
            "after": {"subscribed": present, "standards": after_standards},
        },
        hub_arn=hub_arn,
        standards=after_standards,
    )


if __name__ == "__main__":
    main()
