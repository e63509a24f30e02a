"""invalid_cidrs: which allowlist entries a security group rule would refuse or misread."""

from __future__ import annotations

import pytest
from ansible_collections.webcast.platform.plugins.filter.cidr import invalid_cidrs


def test_ipv4_and_ipv6_networks_and_single_hosts_are_valid() -> None:
    assert invalid_cidrs(["203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32", "0.0.0.0/0"]) == []


def test_an_empty_list_is_valid() -> None:
    assert invalid_cidrs([]) == []


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("198.51.100.7", "no /prefix length"),
        ("encoder.example.com", "no /prefix length"),
        ("10.0.0.0/33", "not an IPv4 or IPv6 CIDR"),
        ("300.1.2.0/24", "not an IPv4 or IPv6 CIDR"),
        (" 10.0.0.0/24", "not an IPv4 or IPv6 CIDR"),
        ("203.0.113.9/24", "host bits set; the network is 203.0.113.0/24"),
        ("2001:db8::1/32", "host bits set; the network is 2001:db8::/32"),
    ],
)
def test_an_entry_that_is_not_a_network_cidr_is_reported_with_its_reason(entry: str, reason: str) -> None:
    assert invalid_cidrs([entry]) == [f"{entry}: {reason}"]


def test_only_the_invalid_entries_are_reported_in_input_order() -> None:
    assert invalid_cidrs(["10.0.0.1", "10.0.0.0/8", "bad/8"]) == [
        "10.0.0.1: no /prefix length",
        "bad/8: not an IPv4 or IPv6 CIDR",
    ]
