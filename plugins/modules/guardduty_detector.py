#!/usr/bin/python
# Neither amazon.aws nor community.aws manages GuardDuty, so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: guardduty_detector
short_description: Manage the GuardDuty detector of a region
version_added: 0.2.0
description:
  - Ensures the account has one GuardDuty detector in the region, enabled or suspended, with the
    given finding publishing frequency; or that it has none.
  - A region holds at most one detector per account, so the detector needs no name.
author:
  - Webcast platform engineering
options:
  state:
    description: Whether the detector exists.
    type: str
    choices: [present, absent]
    default: present
  enable:
    description: Whether the detector analyses (V(false) suspends it, keeping its findings).
    type: bool
    default: true
  finding_publishing_frequency:
    description: How often updated findings are published to EventBridge (and on to Security Hub).
    type: str
    choices: [FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS]
    default: FIFTEEN_MINUTES
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Watch the account for threats
  webcast.platform.guardduty_detector:
    finding_publishing_frequency: FIFTEEN_MINUTES
"""

RETURN = r"""
detector_id:
  description: The detector's id; empty when there is none.
  returned: always
  type: str
  sample: 12abc34d567e8fa901bc2d34e56789f0
status:
  description: V(ENABLED) or V(DISABLED); empty when there is no detector.
  returned: always
  type: str
finding_publishing_frequency:
  description: The detector's publishing frequency; empty when there is no detector.
  returned: always
  type: str
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client

ABSENT: dict[str, str] = {"detector_id": "", "status": "", "finding_publishing_frequency": ""}


def current_detector(guardduty: Any) -> dict[str, str]:
    ids = guardduty.list_detectors(aws_retry=True)["DetectorIds"]
    if not ids:
        return dict(ABSENT)
    found = guardduty.get_detector(DetectorId=ids[0], aws_retry=True)
    return {
        "detector_id": ids[0],
        "status": found["Status"],
        "finding_publishing_frequency": found["FindingPublishingFrequency"],
    }


def wanted_detector(current: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    if params["state"] == "absent":
        return dict(ABSENT)
    return {
        "detector_id": current["detector_id"],
        "status": "ENABLED" if params["enable"] else "DISABLED",
        "finding_publishing_frequency": params["finding_publishing_frequency"],
    }


def apply(guardduty: Any, before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    """Make `after` true; returns it with the id of a detector that was created."""
    enable = after["status"] == "ENABLED"
    if not after["status"]:
        guardduty.delete_detector(DetectorId=before["detector_id"], aws_retry=True)
    elif not before["detector_id"]:
        created = guardduty.create_detector(
            Enable=enable, FindingPublishingFrequency=after["finding_publishing_frequency"], aws_retry=True
        )
        return dict(after, detector_id=created["DetectorId"])
    else:
        guardduty.update_detector(
            DetectorId=before["detector_id"],
            Enable=enable,
            FindingPublishingFrequency=after["finding_publishing_frequency"],
            aws_retry=True,
        )
    return after


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "state": {"choices": ["present", "absent"], "default": "present"},
            "enable": {"type": "bool", "default": True},
            "finding_publishing_frequency": {
                "choices": ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"],
                "default": "FIFTEEN_MINUTES",
            },
        },
        supports_check_mode=True,
    )
    guardduty = retrying_client(module, "guardduty")
    try:
        before = current_detector(guardduty)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not read the region's GuardDuty detector")
    after = wanted_detector(before, module.params)
    changed = before != after
    if changed and not module.check_mode:
        try:
            after = apply(guardduty, before, after)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg="Could not change the region's GuardDuty detector")
    module.exit_json(changed=changed, diff={"before": before, "after": after}, **after)


if __name__ == "__main__":
    main()
