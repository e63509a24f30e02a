#!/usr/bin/python
# Neither amazon.aws nor community.aws reads the SES account's state (sandbox, quota), so this does.

from __future__ import annotations

DOCUMENTATION = r"""
module: ses_account_info
short_description: Whether the account's SES is still in the sandbox, and its sending quota
version_added: 0.1.0
description:
  - Reads the region's SES account details (SESv2 GetAccount).
  - In the sandbox SES delivers only to verified addresses, at most 200 messages a day, a new
    account's state until AWS grants production access on request. The module warns while the
    account is in the sandbox.
author:
  - Webcast platform engineering
options: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find out whether SES may mail anyone yet
  webcast.platform.ses_account_info:
  register: ses_account
"""

RETURN = r"""
sandbox:
  description: True while the account is in the SES sandbox (no production access).
  returned: always
  type: bool
sending_enabled:
  description: Whether the account may send at all.
  returned: always
  type: bool
max_24_hour_send:
  description: Messages allowed in 24 hours.
  returned: always
  type: float
max_send_rate:
  description: Messages allowed per second.
  returned: always
  type: float
enforcement_status:
  description: HEALTHY, PROBATION or SHUTDOWN.
  returned: always
  type: str
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def summary(account: dict) -> dict:
    quota = account.get("SendQuota") or {}
    return {
        "sandbox": not account.get("ProductionAccessEnabled", False),
        "sending_enabled": bool(account.get("SendingEnabled", False)),
        "max_24_hour_send": float(quota.get("Max24HourSend", 0)),
        "max_send_rate": float(quota.get("MaxSendRate", 0)),
        "enforcement_status": account.get("EnforcementStatus", ""),
    }


def main() -> None:
    module = AnsibleAWSModule(argument_spec={}, supports_check_mode=True)
    client = retrying_client(module, "sesv2")
    try:
        account = client.get_account(aws_retry=True)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="Failed to read the SES account's details")
    result = summary(account)
    if result["sandbox"]:
        module.warn(
            "The account is in the SES sandbox in this region: SES delivers only to verified addresses, "
            f"at most {result['max_24_hour_send']:.0f} messages a day. Request production access "
            "(SES console, Account dashboard) before going live."
        )
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
