"""Bad edge settings (DNS, WAF, CloudFront) fail in validate.yml before any AWS call, naming the variable.

The endpoint points at a closed port on loopback: if a role reached AWS before validating, the run
would fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOSED_ENDPOINT = "http://127.0.0.1:9"


def run_validate(extra_vars: dict, inventory: Path | None = None) -> str:
    env = dict(os.environ, WEBCAST_AWS_ENDPOINT_URL=CLOSED_ENDPOINT, ANSIBLE_NOCOLOR="1")
    result = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            # hosts.yml only: the fleet inventory beside it would list instances from the endpoint.
            str(inventory or ROOT / "inventories/local/hosts.yml"),
            "playbooks/validate.yml",
            "-e",
            json.dumps(extra_vars),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output[-2000:]
    assert "Could not connect" not in output and "EndpointConnectionError" not in output, (
        "a role called AWS before validating: " + output[-2000:]
    )
    return output


@pytest.mark.parametrize(
    ("extra_vars", "expected"),
    [
        ({"aws_cloudfront_min_ttl_s": -1}, ['"aws_cloudfront_min_ttl_s": -1', "0 or more"]),
        ({"aws_cloudfront_segment_ttl_s": -60}, ['"aws_cloudfront_segment_ttl_s": -60', "0 or more"]),
        (
            {"aws_cloudfront_min_ttl_s": 600, "aws_cloudfront_max_ttl_s": 60},
            ['"aws_cloudfront_min_ttl_s": 600', '"aws_cloudfront_max_ttl_s": 60', "min_ttl_s <="],
        ),
        (
            {"aws_cloudfront_playlist_ttl_s": 30, "aws_cloudfront_max_ttl_s": 10},
            ['"aws_cloudfront_playlist_ttl_s": 30', "<= aws_cloudfront_max_ttl_s"],
        ),
        (
            {"aws_cloudfront_minimum_protocol_version": "TLSv1.4_2030"},
            ["aws_cloudfront_minimum_protocol_version", "TLSv1.2_2021", "TLSv1.4_2030"],
        ),
        ({"aws_cloudfront_price_class": "PriceClass_1"}, ["aws_cloudfront_price_class", "PriceClass_100"]),
        ({"aws_waf_rate_limit": 5}, ["aws_waf_rate_limit is 5", "allowed: 10"]),
        ({"aws_waf_managed_rule_groups": ["Common"]}, ["aws_waf_managed_rule_groups", "AWSManagedRules"]),
        ({"aws_waf_rate_window_s": 30}, ["aws_waf_rate_window_s", "300"]),
        ({"webcast_domain": "Not A Domain"}, ["webcast_domain is Not A Domain", "lowercase labels"]),
        ({"webcast_domain": ""}, ["webcast_domain is ;", "public DNS name"]),
        ({"aws_route53_health_check_path": "healthz"}, ["aws_route53_health_check_path is healthz", "start"]),
        ({"aws_route53_zone_mode": "import"}, ["aws_route53_zone_mode", "create", "existing"]),
    ],
    ids=[
        "ttl-below-zero",
        "segment-ttl-below-zero",
        "min-above-max",
        "playlist-above-max",
        "protocol-unknown",
        "price-class-unknown",
        "rate-limit-below-minimum",
        "rule-group-name",
        "rate-window",
        "domain-malformed",
        "domain-empty",
        "health-path-relative",
        "zone-mode",
    ],
)
def test_bad_edge_setting_fails_before_any_aws_call_naming_it(extra_vars, expected):
    output = run_validate(extra_vars)
    for text in expected:
        assert text in output, f"{text!r} not in: {output[-2000:]}"


def test_a_missing_webcast_domain_fails_before_any_aws_call_naming_it(tmp_path):
    inventory = tmp_path / "local"
    shutil.copytree(ROOT / "inventories/local", inventory, ignore=shutil.ignore_patterns("*webcast_aws*"))
    main = inventory / "group_vars/all/main.yml"
    kept = [line for line in main.read_text().splitlines(True) if "webcast_domain:" not in line]
    main.write_text("".join(kept))

    output = run_validate({}, inventory / "hosts.yml")

    assert "webcast_domain" in output, output[-2000:]
    assert "missing required arguments" in output or "webcast_domain is undefined" in output, output[-2000:]
