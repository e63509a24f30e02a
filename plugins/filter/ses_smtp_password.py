"""The SES SMTP password of an IAM secret access key, derived as AWS documents it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: ses_smtp_password
short_description: The Amazon SES SMTP password of an IAM secret access key
description:
  - Derives the SMTP password SES accepts for an IAM user's access key in one region, by the
    algorithm of the SES developer guide ("Obtaining Amazon SES SMTP credentials", "Convert
    existing AWS credentials"), a chain of HMAC-SHA256 signatures over the fixed date
    C(11111111), the region, C(ses), C(aws4_request) and C(SendRawEmail), prefixed with the
    version byte C(0x04) and base64-encoded.
  - The SMTP user name is the access key id itself.
  - The password only works in the region it was derived for.
positional: region
options:
  _input: {description: The IAM secret access key., type: str, required: true}
  region: {description: The SES region, such as C(eu-west-1)., type: str, required: true}
"""

EXAMPLES = r"""
- name: Derive the SMTP password (never print it)
  ansible.builtin.set_fact:
    smtp_password: "{{ access_key.secret_access_key | webcast.platform.ses_smtp_password('eu-west-1') }}"
  no_log: true
"""

RETURN = r"""
_value: {description: The SMTP password (44 base64 characters)., type: str}
"""

# The fixed inputs of the documented derivation.
DATE = "11111111"
SERVICE = "ses"
TERMINAL = "aws4_request"
MESSAGE = "SendRawEmail"
VERSION = 0x04


def sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def derivation_steps(secret_access_key: str, region: str) -> list[bytes]:
    """Each signature of the chain, in order: date, region, service, terminal, message."""
    steps = [sign(f"AWS4{secret_access_key}".encode(), DATE)]
    for message in (region, SERVICE, TERMINAL, MESSAGE):
        steps.append(sign(steps[-1], message))
    return steps


def smtp_password(secret_access_key: str, region: str) -> str:
    signature = derivation_steps(secret_access_key, region)[-1]
    return base64.b64encode(bytes([VERSION]) + signature).decode("ascii")


def ses_smtp_password(secret_access_key: Any, region: Any) -> str:
    if not isinstance(secret_access_key, str) or not secret_access_key:
        raise AnsibleFilterError("ses_smtp_password needs a secret access key (a non-empty string)")
    if not isinstance(region, str) or not region:
        raise AnsibleFilterError("ses_smtp_password needs the SES region, such as eu-west-1")
    return smtp_password(secret_access_key, region)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"ses_smtp_password": ses_smtp_password}
