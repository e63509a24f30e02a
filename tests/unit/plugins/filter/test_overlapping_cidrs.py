"""overlapping_cidrs: which networks of an allowlist share addresses with another."""

from __future__ import annotations

from ansible_collections.webcast.platform.plugins.filter.overlapping_cidrs import overlapping_cidrs


def test_disjoint_networks_do_not_overlap() -> None:
    assert overlapping_cidrs(["203.0.113.0/25", "203.0.113.128/25", "2001:db8::/48", "198.51.100.7/32"]) == []


def test_a_network_inside_another_overlaps_it() -> None:
    assert overlapping_cidrs(["203.0.113.0/24", "198.51.100.0/24", "203.0.113.128/25"]) == [
        "203.0.113.0/24 overlaps 203.0.113.128/25"
    ]


def test_the_same_network_twice_overlaps() -> None:
    assert overlapping_cidrs(["2001:db8::/32", "2001:db8::/32"]) == ["2001:db8::/32 overlaps 2001:db8::/32"]


def test_ipv4_and_ipv6_never_overlap_and_invalid_entries_are_left_to_invalid_cidrs() -> None:
    assert overlapping_cidrs(["0.0.0.0/0", "::/0", "10.0.0.1", "bad/8"]) == []


def test_every_overlapping_pair_is_reported_in_input_order() -> None:
    assert overlapping_cidrs(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"]) == [
        "10.0.0.0/8 overlaps 10.1.0.0/16",
        "10.0.0.0/8 overlaps 10.1.2.0/24",
        "10.1.0.0/16 overlaps 10.1.2.0/24",
    ]
