"""Bad network settings fail before any AWS call, naming the variable and what is allowed.

The endpoint points at a closed port on loopback: if the role reached AWS before validating, the
run would fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import pytest
from playbook_batch import assert_refused, run_rows

# (settings, texts the failure must show), each row a host of one run of playbooks/network.yml
CASES = [
    ({"aws_network_vpc_cidr": "10.0.0.0/33"}, ["aws_network_vpc_cidr=10.0.0.0/33", "not an IPv4 CIDR"]),
    (
        {"aws_network_vpc_cidr": "10.0.0.1/16"},
        ["aws_network_vpc_cidr=10.0.0.1/16", "the network is 10.0.0.0/16"],
    ),
    (
        {"aws_network_vpc_cidr": "10.0.0.0/20"},
        ["aws_network_vpc_cidr=10.0.0.0/20", "has 4096 addresses", "need"],
    ),
    ({"aws_network_vpc_cidr": "8.8.0.0/16"}, ["not a private range", "RFC 1918"]),
    ({"aws_network_az_count": 5}, ["aws_network_az_count is 5", "allowed: 2 to 4"]),
    ({"aws_network_az_count": 1}, ["aws_network_az_count is 1", "allowed: 2 to 4"]),
    ({"aws_network_nat_gateways": "two"}, ["aws_network_nat_gateways", "per_az", "single", "none"]),
    (
        {"aws_network_subnet_prefixes": {"public": 24, "app": 29, "data": 24}},
        ["tier 'app' prefix /29 is out of range"],
    ),
    ({"webcast_env": "Staging_1"}, ["webcast_env=Staging_1", "lowercase"]),
]
IDS = [
    "cidr-malformed",
    "cidr-host-bits",
    "vpc-too-small",
    "cidr-public",
    "az-count-high",
    "az-count-low",
    "nat-mode",
    "subnet-prefix",
    "env-name",
]


@pytest.fixture(scope="module")
def runs():
    return run_rows(
        "playbooks/network.yml", {case: settings for case, (settings, _) in zip(IDS, CASES, strict=True)}
    )


@pytest.mark.parametrize(("extra_vars", "expected"), CASES, ids=IDS)
def test_bad_setting_fails_before_any_aws_call_with_a_clear_message(runs, request, extra_vars, expected):
    assert_refused(runs[request.node.callspec.id], expected, extra_vars)
