#!/usr/bin/python
# community.aws.config_rule has no check mode, so `--check` skipped every rule and hid drift (a rule
# deleted or changed by hand); this one manages the environment's set of AWS managed rules at once,
# with check mode and diff, and removes the rules of the set that the setting no longer names.

from __future__ import annotations

DOCUMENTATION = r"""
module: config_managed_rules
short_description: The set of AWS Config managed rules of an environment, with check mode and diff
version_added: 0.3.0
description:
  - Ensures one AWS Config rule per AWS managed rule identifier, named C(<prefix>-<identifier>) in
    lower case with dashes, owned by AWS with that source identifier.
  - With O(purge), deletes the other AWS managed rules named as this module names them
    (C(<prefix>-<their identifier>)), so a rule dropped from the setting is dropped from the
    account; rules of other names (another environment's, hand-made ones) are never touched.
  - Reports the change it would make in check mode, with a diff of the rule names and sources.
author:
  - Webcast platform engineering
options:
  prefix:
    description: The environment's name prefix, such as V(webcast-production).
    type: str
    required: true
  rules:
    description: The AWS managed rules' source identifiers, such as V(CLOUD_TRAIL_ENABLED).
    type: list
    elements: str
    required: true
  purge:
    description: Whether to delete the prefix's managed rules that O(rules) does not name.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure each chosen managed rule evaluates the account
  webcast.platform.config_managed_rules:
    prefix: webcast-production
    rules:
      - CLOUD_TRAIL_ENABLED
      - ENCRYPTED_VOLUMES
"""

RETURN = r"""
rules:
  description: Each rule's name and source identifier as the module leaves them (in check mode, as it would).
  returned: always
  type: dict
  sample: {webcast-production-encrypted-volumes: ENCRYPTED_VOLUMES}
created:
  description: The names of the rules created (or to be created, in check mode).
  returned: always
  type: list
  elements: str
updated:
  description: The names of the rules whose source was corrected.
  returned: always
  type: list
  elements: str
deleted:
  description: The names of the rules deleted by O(purge).
  returned: always
  type: list
  elements: str
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def rule_name(prefix: str, identifier: str) -> str:
    return f"{prefix}-{identifier.lower().replace('_', '-')}"


def current_rules(config: Any, prefix: str) -> dict[str, dict[str, str]]:
    """The prefix's rules: name -> {owner, identifier}."""
    found: dict[str, dict[str, str]] = {}
    kwargs: dict[str, Any] = {}
    while True:
        page = config.describe_config_rules(aws_retry=True, **kwargs)
        for rule in page.get("ConfigRules", []):
            if rule["ConfigRuleName"].startswith(f"{prefix}-"):
                source = rule.get("Source") or {}
                found[rule["ConfigRuleName"]] = {
                    "owner": source.get("Owner", ""),
                    "identifier": source.get("SourceIdentifier", ""),
                }
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def plan(
    current: dict[str, dict[str, str]], wanted: dict[str, str], purge: bool, prefix: str
) -> dict[str, list[str]]:
    """Which rules to create, correct and delete to go from `current` to `wanted` (name -> identifier)."""
    create = sorted(name for name in wanted if name not in current)
    update = sorted(
        name
        for name, identifier in wanted.items()
        if name in current and current[name] != {"owner": "AWS", "identifier": identifier}
    )
    # Only names this module would give the rule's own source: another environment whose name
    # starts with this one's (webcast-prod-eu vs webcast-prod) keeps its rules.
    delete = sorted(
        name
        for name, source in current.items()
        if purge
        and name not in wanted
        and source["owner"] == "AWS"
        and name == rule_name(prefix, source["identifier"])
    )
    return {"created": create, "updated": update, "deleted": delete}


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "prefix": {"required": True},
            "rules": {"type": "list", "elements": "str", "required": True},
            "purge": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    prefix = module.params["prefix"]
    wanted = {rule_name(prefix, identifier): identifier for identifier in module.params["rules"]}
    config = retrying_client(module, "config")
    try:
        current = current_rules(config, prefix)
        changes = plan(current, wanted, module.params["purge"], prefix)
        if not module.check_mode:
            for name in changes["created"] + changes["updated"]:
                config.put_config_rule(
                    ConfigRule={
                        "ConfigRuleName": name,
                        "Source": {"Owner": "AWS", "SourceIdentifier": wanted[name]},
                    },
                    aws_retry=True,
                )
            for name in changes["deleted"]:
                config.delete_config_rule(ConfigRuleName=name, aws_retry=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not manage the Config rules of {prefix}")
    before = {name: source["identifier"] for name, source in sorted(current.items())}
    after = {
        **{name: identifier for name, identifier in before.items() if name not in changes["deleted"]},
        **wanted,
    }
    module.exit_json(
        changed=any(changes.values()),
        rules=dict(sorted(after.items())),
        diff={"before": before, "after": dict(sorted(after.items()))},
        **changes,
    )


if __name__ == "__main__":
    main()
