#!/usr/bin/python
# Neither amazon.aws nor community.aws manages IAM Access Analyzer analyzers, so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: access_analyzer
short_description: Manage an IAM Access Analyzer analyzer
version_added: 0.2.0
description:
  - Ensures an analyzer of the given name and type exists (or does not) in the region, with its
    tags. An analyzer reports the resources (buckets, keys, roles, secrets...) that grant access
    to principals outside its zone of trust (the account, or the organization).
  - An analyzer's type cannot change; the module fails, naming both types, rather than replace it.
author:
  - Webcast platform engineering
options:
  name:
    description: The analyzer's name.
    type: str
    required: true
  type:
    description: The zone of trust.
    type: str
    choices: [ACCOUNT, ORGANIZATION]
    default: ACCOUNT
  state:
    description: Whether the analyzer exists.
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: The analyzer's tags.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Report what the account shares with the outside
  webcast.platform.access_analyzer:
    name: webcast-production-account
    type: ACCOUNT
"""

RETURN = r"""
arn:
  description: The analyzer's ARN; empty when it does not exist.
  returned: always
  type: str
  sample: arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/webcast-production-account
tags:
  description: The analyzer's tags after the module ran.
  returned: always
  type: dict
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def current_analyzer(client: Any, name: str) -> dict[str, Any] | None:
    try:
        return client.get_analyzer(analyzerName=name, aws_retry=True)["analyzer"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def tag_changes(have: dict[str, str], want: dict[str, str] | None, purge: bool) -> tuple[dict, list]:
    """(tags to set, keys to remove) to go from `have` to `want`."""
    if want is None:
        return {}, []
    to_set = {k: v for k, v in want.items() if have.get(k) != v}
    to_remove = sorted(k for k in have if k not in want) if purge else []
    return to_set, to_remove


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"required": True},
            "type": {"choices": ["ACCOUNT", "ORGANIZATION"], "default": "ACCOUNT"},
            "state": {"choices": ["present", "absent"], "default": "present"},
            "tags": {"type": "dict"},
            "purge_tags": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    client = retrying_client(module, "accessanalyzer")
    try:
        found = current_analyzer(client, p["name"])
        if p["state"] == "absent":
            if found and not module.check_mode:
                client.delete_analyzer(analyzerName=p["name"], aws_retry=True)
            module.exit_json(changed=bool(found), arn="", tags={})
        if found is None:
            arn = ""
            if not module.check_mode:
                arn = client.create_analyzer(
                    analyzerName=p["name"], type=p["type"], tags=p["tags"] or {}, aws_retry=True
                )["arn"]
            module.exit_json(changed=True, arn=arn, tags=p["tags"] or {})
        if found["type"] != p["type"]:
            module.fail_json(
                msg=f"Analyzer {p['name']} is of type {found['type']}, not {p['type']}; an analyzer's type "
                "cannot change: delete it first (state=absent) or choose another name."
            )
        have = found.get("tags") or {}
        to_set, to_remove = tag_changes(have, p["tags"], p["purge_tags"])
        if not module.check_mode:
            if to_set:
                client.tag_resource(resourceArn=found["arn"], tags=to_set, aws_retry=True)
            if to_remove:
                client.untag_resource(resourceArn=found["arn"], tagKeys=to_remove, aws_retry=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not manage the access analyzer {p['name']}")
    after = {k: v for k, v in {**have, **to_set}.items() if k not in to_remove}
    module.exit_json(
        changed=bool(to_set or to_remove),
        arn=found["arn"],
        tags=after,
        diff={"before": {"tags": have}, "after": {"tags": after}},
    )


if __name__ == "__main__":
    main()
