"""The load balancer tier, as AWS (the emulator) reports it after converge: the promises of aws_alb."""

from __future__ import annotations

import re

import pytest
from conftest import ENV

ALB_NAME = f"webcast-{ENV}-alb"
TARGET_GROUP_NAME = f"webcast-{ENV}-app"
SECRET_NAME = f"/webcast/{ENV}/alb/origin-secret"
HEADER = "X-Origin-Verify"


@pytest.fixture(scope="module")
def elbv2(aws):
    return aws("elbv2")


@pytest.fixture(scope="module")
def alb(elbv2):
    found = [
        lb for lb in elbv2.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"] == ALB_NAME
    ]
    assert len(found) == 1, f"expected one load balancer {ALB_NAME}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def attributes(elbv2, alb):
    answer = elbv2.describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])["Attributes"]
    return {item["Key"]: item["Value"] for item in answer}


@pytest.fixture(scope="module")
def listeners(elbv2, alb):
    answer = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    return {listener["Port"]: listener for listener in answer}


@pytest.fixture(scope="module")
def target_group(elbv2):
    return elbv2.describe_target_groups(Names=[TARGET_GROUP_NAME])["TargetGroups"][0]


@pytest.fixture(scope="module")
def origin_secret(aws):
    return aws("secretsmanager").get_secret_value(SecretId=SECRET_NAME)["SecretString"]


def subnet_tiers(aws, subnet_ids: list[str]) -> set[str]:
    subnets = aws("ec2").describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    return {next(t["Value"] for t in s["Tags"] if t["Key"] == "Tier") for s in subnets}


def test_the_alb_is_internet_facing_in_the_public_subnets_of_every_az(aws, alb, settings):
    assert alb["Scheme"] == "internet-facing"
    subnet_ids = [zone["SubnetId"] for zone in alb["AvailabilityZones"]]
    assert subnet_tiers(aws, subnet_ids) == {"public"}, f"subnets {subnet_ids}"
    assert len(subnet_ids) == settings["aws_network_az_count"]


def test_the_alb_has_one_security_group_and_not_the_vpc_default(aws, alb):
    assert len(alb["SecurityGroups"]) == 1, alb["SecurityGroups"]
    group = aws("ec2").describe_security_groups(GroupIds=alb["SecurityGroups"])["SecurityGroups"][0]
    assert group["GroupName"] != "default"


def test_http_redirects_permanently_to_https(listeners):
    assert set(listeners) == {80, 443}, f"listener ports {sorted(listeners)}"
    action = listeners[80]["DefaultActions"][0]
    assert action["Type"] == "redirect", action
    redirect = action["RedirectConfig"]
    assert (redirect["Protocol"], redirect["Port"], redirect["StatusCode"]) == ("HTTPS", "443", "HTTP_301")


def test_https_offers_only_tls_1_2_and_newer_with_the_certificate(listeners):
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06", https["SslPolicy"]
    assert https["Certificates"] and https["Certificates"][0]["CertificateArn"].startswith("arn:aws:acm:")


def test_https_answers_403_to_anything_that_does_not_come_through_cloudfront(listeners):
    action = listeners[443]["DefaultActions"][0]
    assert action["Type"] == "fixed-response", action
    assert action["FixedResponseConfig"]["StatusCode"] == "403"


def test_only_requests_carrying_the_stored_origin_secret_reach_the_app(
    elbv2, listeners, target_group, origin_secret
):
    rules = [
        r
        for r in elbv2.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"]
        if not r["IsDefault"]
    ]
    assert len(rules) == 1, f"rules besides the default: {rules}"
    condition = rules[0]["Conditions"][0]
    assert condition["Field"] == "http-header"
    assert condition["HttpHeaderConfig"]["HttpHeaderName"] == HEADER
    assert condition["HttpHeaderConfig"]["Values"] == [origin_secret], (
        "the rule's value is not the stored secret"
    )
    action = rules[0]["Actions"][0]
    assert (action["Type"], action["TargetGroupArn"]) == ("forward", target_group["TargetGroupArn"])


def test_the_origin_secret_is_long_random_and_tagged(aws, origin_secret):
    assert len(origin_secret) == 64 and origin_secret.isalnum()
    described = aws("secretsmanager").describe_secret(SecretId=SECRET_NAME)
    tags = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
    assert (tags.get("Environment"), tags.get("Component")) == (ENV, "alb"), tags


def test_the_target_group_checks_the_apps_health_over_http(target_group):
    found = {
        key: target_group[key]
        for key in (
            "Protocol",
            "Port",
            "TargetType",
            "HealthCheckProtocol",
            "HealthCheckPath",
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
        )
    }
    assert found == {
        "Protocol": "HTTP",
        "Port": 80,
        "TargetType": "instance",
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPath": "/healthz",
        "HealthCheckIntervalSeconds": 15,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 2,
        "UnhealthyThresholdCount": 3,
    }
    assert target_group["Matcher"]["HttpCode"] == "200"


def test_access_logs_go_to_the_logs_bucket_under_the_alb_prefix(attributes):
    assert attributes["access_logs.s3.enabled"] == "true", attributes
    assert re.fullmatch(rf"webcast-{ENV}-logs-\d{{12}}", attributes["access_logs.s3.bucket"]), attributes
    assert attributes["access_logs.s3.prefix"] == "alb"


def test_invalid_headers_are_dropped_and_desync_mitigation_is_strictest(attributes):
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["routing.http.desync_mitigation_mode"] == "strictest"


def test_deletion_protection_follows_the_environment_setting(attributes, settings):
    assert attributes["deletion_protection.enabled"] == str(settings["webcast_deletion_protection"]).lower()
