"""Which networks of a list overlap another of the list, so a role can refuse an ambiguous allowlist."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

DOCUMENTATION = r"""
name: overlapping_cidrs
short_description: The pairs of networks in a list that overlap
description:
  - Returns one entry per pair of networks of O(_input) that share addresses (one inside the other,
    or the same network twice), in input order. Security group rules of overlapping networks are
    redundant at best, and a typo that widens one network hides behind the other.
  - Entries that are not network CIDRs are skipped here (the filter C(invalid_cidrs) reports them);
    IPv4 and IPv6 networks never overlap each other.
positional: ''
options:
  _input:
    description: The CIDRs to compare.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse an allowlist whose networks overlap
  ansible.builtin.assert:
    that: allowlist | webcast.platform.overlapping_cidrs | length == 0
    fail_msg: "allowlist overlaps: {{ allowlist | webcast.platform.overlapping_cidrs | join('; ') }}"
"""

RETURN = r"""
_value:
  description: "One C(<first> overlaps <second>) per overlapping pair, in input order; empty when none do."
  type: list
  elements: str
"""


def _network(entry: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if "/" not in str(entry):  # a bare address: invalid_cidrs reports it
        return None
    try:
        return ipaddress.ip_network(str(entry))
    except ValueError:
        return None


def overlapping_cidrs(entries: Iterable[Any]) -> list[str]:
    parsed = [(str(entry), _network(entry)) for entry in entries]
    networks = [(text, net) for text, net in parsed if net is not None]
    return [
        f"{first} overlaps {second}"
        for i, (first, a) in enumerate(networks)
        for second, b in networks[i + 1 :]
        if a.version == b.version and a.overlaps(b)
    ]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"overlapping_cidrs": overlapping_cidrs}
