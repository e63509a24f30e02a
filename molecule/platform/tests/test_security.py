"""The security groups, as AWS (the emulator) reports them after converge: the promises of aws_security."""

from __future__ import annotations

import pytest
from conftest import ENV, env_tags

TIERS = ("alb", "app", "efs", "rds", "redis")


@pytest.fixture(scope="module")
def groups(aws, settings) -> dict[str, dict]:
    found = aws("ec2").describe_security_groups(
        Filters=[
            {"Name": "tag:Project", "Values": [settings["webcast_project"]]},
            {"Name": "tag:Environment", "Values": [ENV]},
            {"Name": "tag:Component", "Values": ["security"]},
        ]
    )["SecurityGroups"]
    by_tier = {tags(group)["Tier"]: group for group in found}
    assert sorted(by_tier) == sorted(TIERS), f"groups by tier: {sorted(by_tier)}"
    assert len(found) == len(TIERS), [group["GroupName"] for group in found]
    return by_tier


@pytest.fixture(scope="module")
def ids(groups) -> dict[str, str]:
    return {tier: group["GroupId"] for tier, group in groups.items()}


def tags(resource: dict) -> dict:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def rules(permissions: list[dict], ids: dict[str, str]) -> set[tuple]:
    """Every rule as (protocol, from port, to port, source): a CIDR, or 'sg:<tier>' for a group."""
    tier_of = {group_id: tier for tier, group_id in ids.items()}
    found = set()
    for permission in permissions:
        ports = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        for entry in permission.get("IpRanges", []):
            found.add((*ports, entry["CidrIp"]))
        for entry in permission.get("Ipv6Ranges", []):
            found.add((*ports, entry["CidrIpv6"]))
        for entry in permission.get("UserIdGroupPairs", []):
            found.add((*ports, f"sg:{tier_of.get(entry['GroupId'], entry['GroupId'])}"))
        for entry in permission.get("PrefixListIds", []):
            found.add((*ports, entry["PrefixListId"]))
    return found


def test_every_group_is_in_the_environment_s_vpc_and_named_by_the_convention(aws, groups, settings):
    vpcs = aws("ec2").describe_vpcs(
        Filters=[
            {"Name": "tag:Project", "Values": [settings["webcast_project"]]},
            {"Name": "tag:Environment", "Values": [ENV]},
        ]
    )["Vpcs"]
    names = {tier: (group["GroupName"], group["VpcId"]) for tier, group in groups.items()}
    assert names == {
        tier: (f"{settings['webcast_project']}-{ENV}-{tier}", vpcs[0]["VpcId"]) for tier in TIERS
    }


def test_the_alb_accepts_http_and_https_from_anywhere_and_nothing_else(groups, ids):
    assert rules(groups["alb"]["IpPermissions"], ids) == {
        ("tcp", 80, 80, "0.0.0.0/0"),
        ("tcp", 80, 80, "::/0"),
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 443, 443, "::/0"),
    }


def test_the_alb_sends_only_to_the_app_group_on_the_app_port(groups, ids):
    assert rules(groups["alb"]["IpPermissionsEgress"], ids) == {("tcp", 80, 80, "sg:app")}


def test_the_app_accepts_http_from_the_alb_and_rtmp_from_the_encoder_allowlist_only(groups, ids, settings):
    allowlist = settings["aws_security_rtmp_allowlist"]
    assert allowlist, "the local inventory should exercise the allowlist"
    assert rules(groups["app"]["IpPermissions"], ids) == {("tcp", 80, 80, "sg:alb")} | {
        ("tcp", 1935, 1935, cidr) for cidr in allowlist
    }


def test_the_app_reaches_the_data_tiers_by_group_and_the_internet_on_its_api_ports_only(groups, ids):
    assert rules(groups["app"]["IpPermissionsEgress"], ids) == {
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 587, 587, "0.0.0.0/0"),
        ("tcp", 2049, 2049, "sg:efs"),
        ("tcp", 3306, 3306, "sg:rds"),
        ("tcp", 6379, 6379, "sg:redis"),
    }


@pytest.mark.parametrize(("tier", "port"), [("efs", 2049), ("rds", 3306), ("redis", 6379)])
def test_a_data_tier_accepts_its_port_from_the_app_group_only(groups, ids, tier, port):
    assert rules(groups[tier]["IpPermissions"], ids) == {("tcp", port, port, "sg:app")}


@pytest.mark.parametrize("tier", ["efs", "rds", "redis"])
def test_a_data_tier_opens_no_connection_of_its_own(groups, ids, tier):
    assert rules(groups[tier]["IpPermissionsEgress"], ids) == set()


@pytest.mark.parametrize("tier", TIERS)
def test_no_group_accepts_ssh_from_anywhere(groups, ids, tier):
    open_to_ssh = {
        rule
        for rule in rules(groups[tier]["IpPermissions"], ids)
        if rule[0] == "-1" or (rule[1] is not None and rule[1] <= 22 <= rule[2])
    }
    assert open_to_ssh == set()


@pytest.mark.parametrize("tier", TIERS)
def test_every_group_carries_the_environment_s_tags(groups, settings, tier):
    name = f"{settings['webcast_project']}-{ENV}-{tier}"
    assert tags(groups[tier]) == env_tags(settings, name, "security", Tier=tier)
