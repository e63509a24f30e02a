#!/usr/bin/python
# community.aws.ses_identity creates and verifies an identity but manages neither Easy DKIM nor a
# custom MAIL FROM domain, so this module does those two.

from __future__ import annotations

DOCUMENTATION = r"""
module: ses_domain_settings
short_description: Easy DKIM and the custom MAIL FROM domain of an SES domain identity
version_added: 0.1.0
description:
  - Turns on Easy DKIM for an SES domain identity and returns its three DKIM tokens, from which
    the caller publishes the C(<token>._domainkey.<domain>) CNAME records.
  - Sets the identity's custom MAIL FROM domain and what SES does when its MX record is missing.
  - The identity must exist already (M(community.aws.ses_identity) creates it).
author:
  - Webcast platform engineering
options:
  identity:
    description: The domain identity, such as C(example.com).
    type: str
    required: true
  dkim:
    description: Whether Easy DKIM signs the domain's mail.
    type: bool
    default: true
  mail_from_domain:
    description:
      - The custom MAIL FROM domain, a subdomain of O(identity) such as C(mail.example.com).
      - Empty to use SES's own MAIL FROM domain (C(amazonses.com)).
    type: str
    default: ""
  behavior_on_mx_failure:
    description: What SES does when the MAIL FROM domain's MX record is missing.
    type: str
    choices: [UseDefaultValue, RejectMessage]
    default: UseDefaultValue
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Sign with Easy DKIM and send from mail.example.com
  webcast.platform.ses_domain_settings:
    identity: example.com
    mail_from_domain: mail.example.com
  register: ses_domain
"""

RETURN = r"""
dkim_tokens:
  description:
    - The three Easy DKIM tokens.
    - Publish C(<token>._domainkey.<identity>) CNAME C(<token>.dkim.amazonses.com) for each.
  returned: always
  type: list
  elements: str
  sample: [vvjuipp74whm76gqoni7qmwwn4w4qusj]
dkim_enabled:
  description: Whether Easy DKIM signs the domain's mail.
  returned: always
  type: bool
dkim_verification_status:
  description: Whether SES found the DKIM records (Pending, Success, Failed, TemporaryFailure, NotStarted).
  returned: always
  type: str
mail_from_domain:
  description: The custom MAIL FROM domain, empty when SES's own is used.
  returned: always
  type: str
behavior_on_mx_failure:
  description: What SES does when the MAIL FROM domain's MX record is missing.
  returned: always
  type: str
"""

from typing import Any

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def current_settings(dkim: dict[str, Any], mail_from: dict[str, Any]) -> dict[str, Any]:
    """The identity's settings as this module compares and returns them."""
    return {
        "dkim_enabled": bool(dkim.get("DkimEnabled")),
        "dkim_tokens": list(dkim.get("DkimTokens") or []),
        "dkim_verification_status": dkim.get("DkimVerificationStatus", "NotStarted"),
        "mail_from_domain": mail_from.get("MailFromDomain") or "",
        "behavior_on_mx_failure": mail_from.get("BehaviorOnMXFailure") or "UseDefaultValue",
    }


def changes_needed(current: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """What must change: 'dkim_tokens' (none yet), 'dkim_enabled', 'mail_from'."""
    changes = []
    if params["dkim"] and not current["dkim_tokens"]:
        changes.append("dkim_tokens")
    if params["dkim"] != current["dkim_enabled"] and (current["dkim_tokens"] or not params["dkim"]):
        changes.append("dkim_enabled")
    wanted_behavior = params["behavior_on_mx_failure"] if params["mail_from_domain"] else "UseDefaultValue"
    if (params["mail_from_domain"], wanted_behavior) != (
        current["mail_from_domain"],
        current["behavior_on_mx_failure"] if current["mail_from_domain"] else "UseDefaultValue",
    ):
        changes.append("mail_from")
    return changes


def read(client, module, identity: str) -> dict[str, Any] | None:
    """The identity's settings; None when SES has no such identity."""
    try:
        dkim = client.get_identity_dkim_attributes(Identities=[identity], aws_retry=True)["DkimAttributes"]
        mail_from = client.get_identity_mail_from_domain_attributes(Identities=[identity], aws_retry=True)[
            "MailFromDomainAttributes"
        ]
        verification = client.get_identity_verification_attributes(Identities=[identity], aws_retry=True)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the SES settings of {identity}")
    if identity not in verification["VerificationAttributes"]:
        return None
    return current_settings(dkim.get(identity, {}), mail_from.get(identity, {}))


def apply(client, module, identity: str, changes: list[str]) -> None:
    params = module.params
    try:
        if "dkim_tokens" in changes:
            client.verify_domain_dkim(Domain=identity, aws_retry=True)
        if "dkim_enabled" in changes:
            client.set_identity_dkim_enabled(Identity=identity, DkimEnabled=params["dkim"], aws_retry=True)
        if "mail_from" in changes:
            request = {"Identity": identity}
            if params["mail_from_domain"]:
                request["MailFromDomain"] = params["mail_from_domain"]
                request["BehaviorOnMXFailure"] = params["behavior_on_mx_failure"]
            client.set_identity_mail_from_domain(**request, aws_retry=True)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to change the SES settings of {identity} ({', '.join(changes)})")


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "identity": {"type": "str", "required": True},
            "dkim": {"type": "bool", "default": True},
            "mail_from_domain": {"type": "str", "default": ""},
            "behavior_on_mx_failure": {
                "type": "str",
                "choices": ["UseDefaultValue", "RejectMessage"],
                "default": "UseDefaultValue",
            },
        },
        supports_check_mode=True,
    )
    identity = module.params["identity"]
    mail_from = module.params["mail_from_domain"]
    if mail_from and not mail_from.endswith(f".{identity}"):
        module.fail_json(msg=f"mail_from_domain {mail_from} is not a subdomain of {identity}")
    client = retrying_client(module, "ses")
    before = read(client, module, identity)
    if before is None:
        if not module.check_mode:
            module.fail_json(
                msg=f"SES has no identity {identity}: create it first (community.aws.ses_identity)"
            )
        # Check mode before the identity exists (its creation was only reported): all would change.
        before = current_settings({}, {})
    changes = changes_needed(before, module.params)
    after = before
    if changes and not module.check_mode:
        apply(client, module, identity, changes)
        after = read(client, module, identity)
    elif changes:
        after = {
            **before,
            "dkim_enabled": module.params["dkim"],
            "mail_from_domain": mail_from,
            "behavior_on_mx_failure": module.params["behavior_on_mx_failure"],
        }
    module.exit_json(changed=bool(changes), diff={"before": before, "after": after}, **after)


if __name__ == "__main__":
    main()
