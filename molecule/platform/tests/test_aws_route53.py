"""The public DNS names and health check, as Route 53 (the emulator) reports them: aws_route53's promises."""

from __future__ import annotations

import pytest
from conftest import ENV, role_defaults

CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"


@pytest.fixture(scope="module")
def route53(aws):
    return aws("route53")


@pytest.fixture(scope="module")
def wanted(settings) -> dict:
    return {**role_defaults("aws_route53"), **settings}


@pytest.fixture(scope="module")
def zone(route53, domain) -> dict:
    zones = [
        z
        for z in route53.list_hosted_zones_by_name(DNSName=domain)["HostedZones"]
        if z["Name"] == f"{domain}." and not z["Config"]["PrivateZone"]
    ]
    assert len(zones) == 1, f"expected one public zone {domain}, found {zones}"
    return zones[0]


@pytest.fixture(scope="module")
def records(route53, zone) -> dict[tuple[str, str], dict]:
    found = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return {(r["Name"], r["Type"]): r for r in found}


@pytest.fixture(scope="module")
def distribution(aws, domain) -> dict:
    items = aws("cloudfront", region="us-east-1").list_distributions()["DistributionList"].get("Items", [])
    found = [d for d in items if domain in d["Aliases"].get("Items", [])]
    assert len(found) == 1, f"expected one distribution for {domain}, found {len(found)}"
    return found[0]


def test_the_public_zone_is_tagged_and_delegated(route53, zone):
    zone_id = zone["Id"].split("/")[-1]
    details = route53.get_hosted_zone(Id=zone_id)
    assert details["DelegationSet"]["NameServers"], "the zone has no name servers to delegate to"
    tag_set = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)["ResourceTagSet"]
    tags = {t["Key"]: t["Value"] for t in tag_set["Tags"]}
    assert (tags.get("Environment"), tags.get("ManagedBy")) == (ENV, "ansible"), tags


@pytest.mark.parametrize("prefix", ["", "www."])
@pytest.mark.parametrize("record_type", ["A", "AAAA"])
def test_viewers_names_are_aliases_of_the_distribution(records, distribution, domain, prefix, record_type):
    name = f"{prefix}{domain}."
    record = records.get((name, record_type))
    assert record is not None, f"no {record_type} record {name}; found {sorted(records)}"
    target = record.get("AliasTarget")
    assert target, f"{name} {record_type} is not an alias: {record}"
    assert target["HostedZoneId"] == CLOUDFRONT_ZONE, target
    assert target["DNSName"].rstrip(".") == distribution["DomainName"], target


def test_the_origin_name_is_an_alias_of_a_load_balancer(records, domain):
    record = records.get((f"origin.{domain}.", "A"))
    assert record is not None, f"no A record origin.{domain}; found {sorted(records)}"
    target = record.get("AliasTarget") or {}
    assert target.get("DNSName", "").rstrip(".").endswith(".elb.amazonaws.com"), record
    assert target["EvaluateTargetHealth"] is True, target


def test_route53_checks_the_public_health_path_over_https(route53, domain, wanted):
    checks = [
        c["HealthCheckConfig"]
        for c in route53.list_health_checks()["HealthChecks"]
        if c["HealthCheckConfig"].get("FullyQualifiedDomainName") == domain
    ]
    assert len(checks) == 1, f"expected one health check of {domain}, found {checks}"
    (check,) = checks
    assert check["Type"] == "HTTPS", check
    assert check["Port"] == 443, check
    assert check["ResourcePath"] == wanted["aws_route53_health_check_path"], check
    assert check["RequestInterval"] == wanted["aws_route53_health_check_interval_s"], check
    assert check["FailureThreshold"] == wanted["aws_route53_health_check_failure_threshold"], check
