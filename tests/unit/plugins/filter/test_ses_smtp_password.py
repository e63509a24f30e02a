"""The SES SMTP password filter, step by step against the SES developer guide's derivation.

"Obtaining Amazon SES SMTP credentials" (convert existing AWS credentials):
    signature = HMAC-SHA256("AWS4" + secret, "11111111")
    signature = HMAC-SHA256(signature, region)
    signature = HMAC-SHA256(signature, "ses")
    signature = HMAC-SHA256(signature, "aws4_request")
    signature = HMAC-SHA256(signature, "SendRawEmail")
    password  = base64(0x04 + signature)
Each step below is computed here with hmac directly, from the guide's literal inputs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.filter.ses_smtp_password import (
    FilterModule,
    derivation_steps,
    ses_smtp_password,
    smtp_password,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documentation example key
REGION = "eu-west-1"


def hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


@pytest.fixture(scope="module")
def steps() -> list[bytes]:
    return derivation_steps(SECRET, REGION)


def test_step_1_signs_the_fixed_date_with_aws4_and_the_secret(steps):
    assert steps[0] == hmac_sha256(b"AWS4" + SECRET.encode(), "11111111")


def test_step_2_signs_the_region(steps):
    assert steps[1] == hmac_sha256(steps[0], REGION)


def test_step_3_signs_the_service_ses(steps):
    assert steps[2] == hmac_sha256(steps[1], "ses")


def test_step_4_signs_the_terminal_aws4_request(steps):
    assert steps[3] == hmac_sha256(steps[2], "aws4_request")


def test_step_5_signs_the_message_send_raw_email(steps):
    assert steps[4] == hmac_sha256(steps[3], "SendRawEmail")
    assert len(steps) == 5


def test_the_password_is_version_byte_4_and_the_last_signature_in_base64(steps):
    raw = base64.b64decode(smtp_password(SECRET, REGION))
    assert raw[0] == 0x04
    assert raw[1:] == steps[4]
    assert len(smtp_password(SECRET, REGION)) == 44


def test_the_whole_chain_matches_the_guide_computed_independently():
    signature = b"AWS4" + SECRET.encode()
    for message in ("11111111", REGION, "ses", "aws4_request", "SendRawEmail"):
        signature = hmac_sha256(signature, message)
    assert smtp_password(SECRET, REGION) == base64.b64encode(b"\x04" + signature).decode()


def test_a_known_password_does_not_drift():
    # Computed once with the guide's own Python script for this key and region.
    assert smtp_password(SECRET, "us-east-1") == "BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9"


def test_the_password_depends_on_the_region_and_the_key():
    assert smtp_password(SECRET, "eu-west-1") != smtp_password(SECRET, "us-east-1")
    assert smtp_password(SECRET, REGION) != smtp_password(SECRET + "x", REGION)


@pytest.mark.parametrize(("key", "region"), [("", REGION), (None, REGION), (SECRET, ""), (SECRET, None)])
def test_a_missing_key_or_region_fails_with_a_message(key, region):
    with pytest.raises(AnsibleFilterError, match="ses_smtp_password needs"):
        ses_smtp_password(key, region)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["ses_smtp_password"] is ses_smtp_password
