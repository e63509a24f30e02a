"""Bad edge settings (DNS, WAF, CloudFront) fail in validate.yml before any AWS call, naming the variable.

The endpoint points at a closed port on loopback: if a role reached AWS before validating, the run
would fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import shutil

import pytest
from playbook_batch import ROOT, assert_refused, run_rows

# (settings, texts the failure must show), each row a host of one run of playbooks/validate.yml
CASES = [
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
]
IDS = [
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
]


@pytest.fixture(scope="module")
def runs():
    return run_rows(
        "playbooks/validate.yml", {case: settings for case, (settings, _) in zip(IDS, CASES, strict=True)}
    )


@pytest.mark.parametrize(("extra_vars", "expected"), CASES, ids=IDS)
def test_bad_edge_setting_fails_before_any_aws_call_naming_it(runs, request, extra_vars, expected):
    assert_refused(runs[request.node.callspec.id], expected, extra_vars)


def test_a_missing_webcast_domain_fails_before_any_aws_call_naming_it(tmp_path):
    inventory = tmp_path / "local"
    shutil.copytree(ROOT / "inventories/local", inventory, ignore=shutil.ignore_patterns("*webcast_aws*"))
    main = inventory / "group_vars/all/main.yml"
    kept = [line for line in main.read_text().splitlines(True) if "webcast_domain:" not in line]
    main.write_text("".join(kept))

    # A run of its own: an inventory without the variable (a row's settings can add one, not take one away).
    run = run_rows("playbooks/validate.yml", {"no domain": {}}, inventory=str(inventory / "hosts.yml"))[
        "no domain"
    ]

    assert_refused(run, ["webcast_domain"], {})
    assert "missing required arguments" in run.failures or "webcast_domain is undefined" in run.failures, (
        run.failures[-2000:]
    )
