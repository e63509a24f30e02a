"""Plan a VPC's subnets from one CIDR, so that nobody types subnet CIDRs by hand."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: subnet_plan
short_description: Plan a VPC's tiered subnets across availability zones from one CIDR
description:
  - Splits O(_input), the VPC CIDR, into one subnet per tier per availability zone.
  - Every tier gets a block of O(slots) equal subnets, one per AZ index, so adding an AZ later
    (up to O(slots)) never moves an existing subnet. Blocks are laid out largest first, each
    aligned to its size, in a fixed order, so the same input always gives the same plan.
  - Fails, naming the problem and what is allowed, on a malformed or non-private CIDR, a prefix
    AWS does not accept, an AZ count out of range, or a VPC too small for the plan.
positional: azs, tiers
options:
  _input:
    description: The VPC CIDR, a private IPv4 network from /16 to /28.
    type: str
    required: true
  azs:
    description:
      - The availability zone names, in the order their subnets are numbered.
      - A number instead plans for that many AZs with placeholder names, which validates
        the inputs before any AWS call.
    type: raw
    required: true
  tiers:
    description: Tier name to subnet prefix length (for example V(public=24)), in tier order.
    type: dict
    required: true
  slots:
    description: AZ slots reserved per tier; the most AZs the plan can ever grow to.
    type: int
    default: 4
"""

EXAMPLES = r"""
- name: Plan public, app and data subnets over two AZs
  ansible.builtin.set_fact:
    plan: "{{ '10.20.0.0/16' | webcast.platform.subnet_plan(['eu-west-1a', 'eu-west-1b'],
              {'public': 24, 'app': 20, 'data': 24}) }}"
# plan[0] == {'tier': 'public', 'az': 'eu-west-1a', 'az_index': 0, 'cidr': '10.20.64.0/24'}
# plan[2] == {'tier': 'app', 'az': 'eu-west-1a', 'az_index': 0, 'cidr': '10.20.0.0/20'}
"""

RETURN = r"""
_value:
  description: One entry per tier and AZ, ordered by tier (as given) then AZ index.
  type: list
  elements: dict
  contains:
    tier: {description: The tier name., type: str}
    az: {description: The availability zone., type: str}
    az_index: {description: The AZ's position in O(azs)., type: int}
    cidr: {description: The subnet CIDR., type: str}
"""

# AWS accepts VPC and subnet prefixes from /16 to /28.
AWS_MIN_PREFIX = 16
AWS_MAX_PREFIX = 28
# Private address space for a VPC. ipaddress's is_private also admits loopback, link-local and
# reserved ranges, which AWS refuses or which break the instances' own networking.
RFC_1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class SubnetPlanError(ValueError):
    """The inputs cannot give a valid plan; the message says why and what is allowed."""


def parse_vpc_cidr(vpc_cidr: Any) -> ipaddress.IPv4Network:
    """The VPC CIDR as a network, or a SubnetPlanError naming what is wrong."""
    text = str(vpc_cidr).strip()
    try:
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise SubnetPlanError(
            f"'{text}' is not an IPv4 CIDR; expected a network such as 10.0.0.0/16"
        ) from None
    if "/" not in text:
        raise SubnetPlanError(f"'{text}' has no prefix length; expected a CIDR such as {text}/16")
    if str(network) != text:
        raise SubnetPlanError(f"'{text}' has host bits set; the network is {network}")
    if not AWS_MIN_PREFIX <= network.prefixlen <= AWS_MAX_PREFIX:
        raise SubnetPlanError(
            f"'{text}' has prefix /{network.prefixlen}; AWS allows a VPC from "
            f"/{AWS_MIN_PREFIX} to /{AWS_MAX_PREFIX}"
        )
    if not any(network.subnet_of(private) for private in RFC_1918):
        raise SubnetPlanError(
            f"'{text}' is not a private range; use RFC 1918 space "
            "(10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
        )
    return network


def plan_subnets(
    vpc_cidr: Any, azs: Sequence[str] | int, tiers: Mapping[str, int], slots: int = 4
) -> list[dict[str, Any]]:
    """Lay out one subnet per tier per AZ inside vpc_cidr (see DOCUMENTATION for the rules)."""
    network = parse_vpc_cidr(vpc_cidr)
    if isinstance(azs, str):
        raise SubnetPlanError(
            f"availability zones given as the text '{azs}'; expected a list of names or a number"
        )
    azs = [f"az{index}" for index in range(azs)] if isinstance(azs, int) else list(azs)
    if not 1 <= len(azs) <= slots:
        raise SubnetPlanError(f"{len(azs)} availability zones given; the plan allows 1 to {slots}")
    if len(set(azs)) != len(azs):
        raise SubnetPlanError(f"availability zones repeat: {azs}")
    if not tiers:
        raise SubnetPlanError("no tiers given; expected a mapping such as {'public': 24}")

    prefixes: dict[str, int] = {}
    for tier, prefix in tiers.items():
        try:
            prefixes[tier] = int(prefix)
        except (TypeError, ValueError):
            raise SubnetPlanError(f"tier '{tier}' prefix '{prefix}' is not a number") from None
        if not max(network.prefixlen, AWS_MIN_PREFIX) <= prefixes[tier] <= AWS_MAX_PREFIX:
            raise SubnetPlanError(
                f"tier '{tier}' prefix /{prefix} is out of range; a subnet of {network} "
                f"must be /{network.prefixlen} to /{AWS_MAX_PREFIX}"
            )

    # Largest subnets first keeps every block aligned with no gaps; ties keep the given order.
    order = sorted(prefixes, key=lambda tier: (prefixes[tier], list(prefixes).index(tier)))
    needed = sum(slots * 2 ** (32 - prefixes[tier]) for tier in order)
    if needed > network.num_addresses:
        raise SubnetPlanError(
            f"{network} has {network.num_addresses} addresses but {slots} AZ slots of "
            + ", ".join(f"{tier} /{prefixes[tier]}" for tier in order)
            + f" need {needed}; use a larger VPC CIDR or longer subnet prefixes"
        )

    cursor = int(network.network_address)
    blocks: dict[str, list[ipaddress.IPv4Network]] = {}
    for tier in order:
        size = 2 ** (32 - prefixes[tier])
        blocks[tier] = [
            ipaddress.IPv4Network((cursor + index * size, prefixes[tier])) for index in range(slots)
        ]
        cursor += slots * size

    return [
        {"tier": tier, "az": az, "az_index": index, "cidr": str(blocks[tier][index])}
        for tier in prefixes
        for index, az in enumerate(azs)
    ]


def subnet_plan(vpc_cidr: Any, azs: Sequence[str] | int, tiers: Mapping[str, int], slots: int = 4):
    try:
        return plan_subnets(vpc_cidr, azs, tiers, slots)
    except SubnetPlanError as error:
        raise AnsibleFilterError(f"subnet_plan: {error}") from None


def subnet_plan_error(
    vpc_cidr: Any, azs: Sequence[str] | int, tiers: Mapping[str, int], slots: int = 4
) -> str:
    """The reason the plan is impossible, or '' when it is fine (for assert tasks)."""
    try:
        plan_subnets(vpc_cidr, azs, tiers, slots)
    except SubnetPlanError as error:
        return str(error)
    return ""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"subnet_plan": subnet_plan, "subnet_plan_error": subnet_plan_error}
