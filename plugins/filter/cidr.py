"""Which entries of a list are not network CIDRs, so a role can refuse them before any AWS call."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

DOCUMENTATION = r"""
name: invalid_cidrs
short_description: The entries of a list that are not IPv4 or IPv6 network CIDRs
description:
  - Returns the entries of O(_input) that security group rules would refuse or misread, each with
    the reason. An entry is valid when it is an IPv4 or IPv6 network with an explicit prefix
    length and no host bits set (V(203.0.113.0/24), V(2001:db8::/32), V(198.51.100.7/32)).
  - A bare address without a prefix is refused, since AWS would refuse it and a reader cannot tell
    whether a host or a network was meant.
positional: ''
options:
  _input:
    description: The CIDRs to check.
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
- name: Refuse an allowlist that holds anything but CIDRs
  ansible.builtin.assert:
    that: allowlist | webcast.platform.invalid_cidrs | length == 0
    fail_msg: "allowlist: {{ allowlist | webcast.platform.invalid_cidrs | join('; ') }}"
"""

RETURN = r"""
_value:
  description: "One C(<entry>: <reason>) per invalid entry, in input order; empty when all are valid."
  type: list
  elements: str
"""


def cidr_problem(entry: Any) -> str:
    """Why entry is not a network CIDR, or '' when it is one."""
    text = str(entry)
    if "/" not in text:
        return "no /prefix length"
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return "not an IPv4 or IPv6 CIDR"
    try:
        ipaddress.ip_network(text)
    except ValueError:
        return f"host bits set; the network is {ipaddress.ip_network(text, strict=False)}"
    return ""


def invalid_cidrs(entries: Iterable[Any]) -> list[str]:
    return [f"{entry}: {problem}" for entry in entries if (problem := cidr_problem(entry))]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"invalid_cidrs": invalid_cidrs}
