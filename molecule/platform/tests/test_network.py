"""The network tier, as AWS (the emulator) reports it after converge: the promises of aws_network."""

from __future__ import annotations

import pytest
from ansible_collections.webcast.platform.plugins.filter.subnet_plan import plan_subnets
from conftest import ENV


def tags(resource: dict) -> dict:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


@pytest.fixture(scope="module")
def ec2(aws):
    return aws("ec2")


@pytest.fixture(scope="module")
def vpc(ec2, env_filters):
    vpcs = ec2.describe_vpcs(Filters=env_filters)["Vpcs"]
    assert len(vpcs) == 1, f"expected one VPC for environment {ENV}, found {len(vpcs)}"
    return vpcs[0]


@pytest.fixture(scope="module")
def subnets(ec2, vpc):
    return ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]


@pytest.fixture(scope="module")
def route_tables(ec2, vpc):
    return ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]


@pytest.fixture(scope="module")
def nat_gateways(ec2, vpc):
    return ec2.describe_nat_gateways(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "state", "Values": ["available"]}]
    )["NatGateways"]


@pytest.fixture(scope="module")
def plan(settings, ec2):
    zones = sorted(zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"])[
        : settings["aws_network_az_count"]
    ]
    return plan_subnets(settings["aws_network_vpc_cidr"], zones, {"public": 24, "app": 20, "data": 24})


def subnet_by_cidr(subnets: list[dict]) -> dict[str, dict]:
    return {subnet["CidrBlock"]: subnet for subnet in subnets}


def test_vpc_has_the_configured_cidr_dns_and_tags(ec2, vpc, settings):
    assert vpc["CidrBlock"] == settings["aws_network_vpc_cidr"]
    for attribute, key in (
        ("enableDnsSupport", "EnableDnsSupport"),
        ("enableDnsHostnames", "EnableDnsHostnames"),
    ):
        value = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key]["Value"]
        assert value is True, f"{attribute} is {value}"
    assert tags(vpc) | {"Name": None} == {
        "Name": None,
        "Project": settings["webcast_project"],
        "Environment": ENV,
        "Component": "network",
        "ManagedBy": "ansible",
    }


def test_every_planned_subnet_exists_in_its_az_and_no_other(subnets, plan):
    found = {(s["CidrBlock"], s["AvailabilityZone"], tags(s).get("Tier")) for s in subnets}
    wanted = {(entry["cidr"], entry["az"], entry["tier"]) for entry in plan}
    assert found == wanted


def test_no_subnet_hands_out_public_addresses(subnets):
    mapping = {s["CidrBlock"]: s["MapPublicIpOnLaunch"] for s in subnets}
    assert not any(mapping.values()), f"MapPublicIpOnLaunch per subnet: {mapping}"


def test_public_subnets_route_to_the_internet_gateway(ec2, vpc, route_tables, subnets, plan):
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])[
        "InternetGateways"
    ]
    assert len(igw) == 1
    by_cidr = subnet_by_cidr(subnets)
    for entry in (e for e in plan if e["tier"] == "public"):
        table = route_table_of(route_tables, by_cidr[entry["cidr"]]["SubnetId"])
        assert default_route(table).get("GatewayId") == igw[0]["InternetGatewayId"], entry


def test_single_nat_gateway_sits_in_the_first_public_subnet(nat_gateways, subnets, plan, settings):
    assert settings["aws_network_nat_gateways"] == "single"
    first_public = next(e for e in plan if e["tier"] == "public" and e["az_index"] == 0)
    assert [nat["SubnetId"] for nat in nat_gateways] == [
        subnet_by_cidr(subnets)[first_public["cidr"]]["SubnetId"]
    ]
    assert tags(nat_gateways[0])["Environment"] == ENV


def test_app_subnets_reach_out_only_through_the_nat_gateway(route_tables, subnets, plan, nat_gateways):
    by_cidr = subnet_by_cidr(subnets)
    for entry in (e for e in plan if e["tier"] == "app"):
        route = default_route(route_table_of(route_tables, by_cidr[entry["cidr"]]["SubnetId"]))
        assert route.get("NatGatewayId") == nat_gateways[0]["NatGatewayId"], f"{entry}: {route}"


def test_data_subnets_have_no_route_out_of_the_vpc(route_tables, subnets, plan):
    by_cidr = subnet_by_cidr(subnets)
    for entry in (e for e in plan if e["tier"] == "data"):
        assert default_route(route_table_of(route_tables, by_cidr[entry["cidr"]]["SubnetId"])) == {}, entry


def test_s3_gateway_endpoint_serves_app_and_data_route_tables(
    ec2, vpc, route_tables, subnets, plan, settings
):
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "VpcEndpoints"
    ]
    s3 = [e for e in endpoints if e["ServiceName"] == f"com.amazonaws.{settings['webcast_aws_region']}.s3"]
    assert len(s3) == 1 and s3[0]["VpcEndpointType"] == "Gateway"
    by_cidr = subnet_by_cidr(subnets)
    private_tables = {
        route_table_of(route_tables, by_cidr[e["cidr"]]["SubnetId"])["RouteTableId"]
        for e in plan
        if e["tier"] in ("app", "data")
    }
    assert set(s3[0]["RouteTableIds"]) == private_tables


def test_flow_logs_record_all_traffic_into_the_retained_log_group(aws, ec2, vpc, settings):
    group = f"/{settings['webcast_project']}/{ENV}/vpc-flow-logs"
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])[
        "FlowLogs"
    ]
    assert [(f["LogGroupName"], f["TrafficType"]) for f in flow_logs] == [(group, "ALL")]
    assert flow_logs[0]["DeliverLogsPermissionArn"].endswith(
        f"role/{settings['webcast_project']}-{ENV}-flow-logs"
    )
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g.get("retentionInDays") for g in groups] == [settings["aws_network_flow_logs_retention_days"]]


def route_table_of(route_tables: list[dict], subnet_id: str) -> dict:
    tables = [t for t in route_tables if any(a.get("SubnetId") == subnet_id for a in t["Associations"])]
    assert len(tables) == 1, f"{subnet_id} is associated with {len(tables)} route tables"
    return tables[0]


def default_route(table: dict) -> dict:
    return next((r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), {})


def test_the_default_security_group_allows_no_traffic_in_or_out(ec2, vpc):
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert (default["IpPermissions"], default["IpPermissionsEgress"]) == ([], [])


def test_the_default_network_acl_denies_ssh_and_rdp_from_anywhere_before_it_allows(ec2, vpc):
    acl = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]
    ingress = sorted((e for e in acl["Entries"] if not e["Egress"]), key=lambda e: e["RuleNumber"])
    first_match = {}
    for port in (22, 3389):
        first_match[port] = next(
            e["RuleAction"]
            for e in ingress
            if e["Protocol"] == "-1" or e["PortRange"]["From"] <= port <= e["PortRange"]["To"]
        )
    assert first_match == {22: "deny", 3389: "deny"}, ingress


def test_interface_endpoints_serve_the_instances_needs_from_every_app_subnet(ec2, vpc, subnets, settings):
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "VpcEndpoints"
    ]
    region = settings["webcast_aws_region"]
    interface = {e["ServiceName"].removeprefix(f"com.amazonaws.{region}."): e for e in endpoints}
    interface = {name: e for name, e in interface.items() if e["VpcEndpointType"] == "Interface"}
    assert set(interface) == {"ssm", "ssmmessages", "ec2messages", "logs", "secretsmanager", "kms"}
    app_subnets = {s["SubnetId"] for s in subnets if tags(s).get("Tier") == "app"}
    for name, endpoint in interface.items():
        assert set(endpoint["SubnetIds"]) == app_subnets, name


def test_the_endpoints_group_admits_only_https_from_the_vpc(ec2, vpc, settings):
    group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
            {"Name": "group-name", "Values": [f"{settings['webcast_project']}-{ENV}-endpoints"]},
        ]
    )["SecurityGroups"][0]
    rules = [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], r["CidrIp"])
        for p in group["IpPermissions"]
        for r in p["IpRanges"]
    ]
    assert rules == [("tcp", 443, 443, vpc["CidrBlock"])]
    assert group["IpPermissionsEgress"] == []
