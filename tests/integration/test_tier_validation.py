"""Bad settings of the security, storage, certificate and instance role tiers fail before any AWS call.

playbooks/validate.yml runs every tier's argument spec and tasks/validate.yml. The endpoint points at
a closed port on loopback: had a role reached AWS before validating, the run would fail with a
connection error instead of the validation message, which must name the variable.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOSED_ENDPOINT = "http://127.0.0.1:9"


def run_validate(extra_vars: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, WEBCAST_AWS_ENDPOINT_URL=CLOSED_ENDPOINT, ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        # hosts.yml only: the fleet inventory beside it would list instances from the endpoint.
        [
            "ansible-playbook",
            "-i",
            "inventories/local/hosts.yml",
            "playbooks/site.yml",
            "-e",
            json.dumps(extra_vars),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


CASES = {
    "rtmp-allowlist-host": (
        {"aws_security_rtmp_allowlist": ["203.0.113.0/24", "198.51.100.7"]},
        ["aws_security_rtmp_allowlist", "198.51.100.7: no /prefix length"],
    ),
    "rtmp-allowlist-name": (
        {"aws_security_rtmp_allowlist": ["encoder.example.com/32"]},
        ["aws_security_rtmp_allowlist", "encoder.example.com/32: not an IPv4 or IPv6 CIDR"],
    ),
    "rtmp-allowlist-host-bits": (
        {"aws_security_rtmp_allowlist": ["203.0.113.9/24"]},
        ["aws_security_rtmp_allowlist", "host bits set; the network is 203.0.113.0/24"],
    ),
    "app-port-ssh": ({"aws_security_app_port": 22}, ["aws_security_app_port is 22", "not 22"]),
    "app-port-type": ({"aws_security_app_port": "http"}, ["aws_security_app_port"]),
    "bucket-suffix": ({"aws_s3_bucket_suffix": "Media_Bucket"}, ["aws_s3_bucket_suffix=Media_Bucket"]),
    "bucket-name-length": ({"aws_s3_bucket_suffix": "x" * 50}, ["aws_s3_bucket_suffix=", "63 characters"]),
    "media-ia-too-early": ({"aws_s3_media_ia_days": 10}, ["aws_s3_media_ia_days=10", "30 days"]),
    "media-glacier-too-soon": (
        {"aws_s3_media_ia_days": 30, "aws_s3_media_glacier_days": 40},
        ["aws_s3_media_glacier_days=40", "at least 30 days after"],
    ),
    "logs-expiration": ({"aws_s3_logs_expiration_days": 0}, ["aws_s3_logs_expiration_days is 0"]),
    "archive-prefix-vod": ({"aws_s3_media_archive_prefix": "vod/"}, ["aws_s3_media_archive_prefix=vod/"]),
    "acm-mode": ({"aws_acm_mode": "selfsigned"}, ["aws_acm_mode", "request", "import"]),
    # aws_route53, the first role to read the domain, names it in its own words.
    "domain": ({"webcast_domain": "*.example.com"}, ["webcast_domain is *.example.com"]),
    "iam-prefix-empty": ({"aws_iam_media_prefixes": [""]}, ["aws_iam_media_prefixes", "ending with '/'"]),
    "iam-prefix-wildcard": ({"aws_iam_media_prefixes": ["*"]}, ["aws_iam_media_prefixes"]),
    "iam-session": ({"aws_iam_max_session_s": 60}, ["aws_iam_max_session_s is 60"]),
}


@pytest.mark.parametrize(("extra_vars", "expected"), CASES.values(), ids=CASES.keys())
def test_bad_setting_fails_before_any_aws_call_naming_the_variable(extra_vars, expected):
    result = run_validate(extra_vars)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in output, f"{text!r} not in: {output[-2000:]}"
    assert "Could not connect" not in output and "EndpointConnectionError" not in output, (
        "a role called AWS before validating: " + output[-2000:]
    )
