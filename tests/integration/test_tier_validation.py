"""Bad settings of the security, storage, certificate and instance role tiers fail before any AWS call.

playbooks/validate.yml runs every tier's argument spec and tasks/validate.yml. The endpoint points at
a closed port on loopback: had a role reached AWS before validating, the run would fail with a
connection error instead of the validation message, which must name the variable.
"""

from __future__ import annotations

import pytest
from playbook_batch import assert_refused, run_rows

# id: (settings, texts the failure must show), each row a host of one run of playbooks/site.yml
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


@pytest.fixture(scope="module")
def runs():
    return run_rows("playbooks/site.yml", {case: settings for case, (settings, _) in CASES.items()})


@pytest.mark.parametrize(("extra_vars", "expected"), CASES.values(), ids=CASES.keys())
def test_bad_setting_fails_before_any_aws_call_naming_the_variable(runs, request, extra_vars, expected):
    assert_refused(runs[request.node.callspec.id], expected, extra_vars)
