"""The web ACL in front of CloudFront, as WAF (the emulator) reports it: the promises of aws_waf."""

from __future__ import annotations

import pytest
from conftest import ENV, role_defaults

NAME = f"webcast-{ENV}-edge"


@pytest.fixture(scope="module")
def wanted(settings) -> dict:
    return {**role_defaults("aws_waf"), **settings}


@pytest.fixture(scope="module")
def wafv2(aws):
    return aws("wafv2", region="us-east-1")  # WAF for CloudFront lives in us-east-1 only


@pytest.fixture(scope="module")
def web_acl(wafv2) -> dict:
    found = [acl for acl in wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"] if acl["Name"] == NAME]
    assert len(found) == 1, f"expected one CLOUDFRONT web ACL {NAME}, found {found}"
    return wafv2.get_web_acl(Name=NAME, Scope="CLOUDFRONT", Id=found[0]["Id"])["WebACL"]


def test_the_web_acl_is_global_and_allows_what_no_rule_blocks(web_acl):
    assert web_acl["ARN"].startswith("arn:aws:wafv2:us-east-1:"), web_acl["ARN"]
    assert ":global/webacl/" in web_acl["ARN"], web_acl["ARN"]
    assert web_acl["DefaultAction"] == {"Allow": {}}, web_acl["DefaultAction"]


def test_the_managed_rule_groups_come_first_in_the_configured_order(web_acl, wanted):
    managed = [
        (rule["Priority"], rule["Statement"]["ManagedRuleGroupStatement"])
        for rule in web_acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    ]
    assert [(p, s["VendorName"], s["Name"]) for p, s in sorted(managed, key=lambda m: m[0])] == [
        (index, "AWS", name) for index, name in enumerate(wanted["aws_waf_managed_rule_groups"])
    ]
    for rule in web_acl["Rules"]:
        if "ManagedRuleGroupStatement" in rule["Statement"]:
            assert rule["OverrideAction"] == {"None": {}}, f"{rule['Name']} overrides its group's actions"


def test_one_client_ip_is_blocked_beyond_the_rate_limit(web_acl, wanted):
    rate = [rule for rule in web_acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert len(rate) == 1, f"expected one rate-based rule, found {rate}"
    (rule,) = rate
    statement = rule["Statement"]["RateBasedStatement"]
    assert rule["Action"] == {"Block": {}}, rule["Action"]
    assert statement["AggregateKeyType"] == "IP", statement
    assert statement["Limit"] == wanted["aws_waf_rate_limit"], statement
    assert statement["EvaluationWindowSec"] == wanted["aws_waf_rate_window_s"], statement
    assert rule["Priority"] == len(wanted["aws_waf_managed_rule_groups"]), "the rate rule is not last"


def test_every_rule_and_the_web_acl_publish_metrics(web_acl):
    assert web_acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    metric_names = [rule["VisibilityConfig"]["MetricName"] for rule in web_acl["Rules"]]
    for rule in web_acl["Rules"]:
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True, f"{rule['Name']} has no metrics"
    assert len(set(metric_names)) == len(metric_names), f"rules share metric names: {metric_names}"


def test_the_web_acl_is_tagged_for_its_environment(wafv2, web_acl):
    tags = {
        tag["Key"]: tag["Value"]
        for tag in wafv2.list_tags_for_resource(ResourceARN=web_acl["ARN"])["TagInfoForResource"]["TagList"]
    }
    assert {k: tags.get(k) for k in ("Environment", "Component", "ManagedBy")} == {
        "Environment": ENV,
        "Component": "edge",
        "ManagedBy": "ansible",
    }, tags
