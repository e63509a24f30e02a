"""The subnet_plan filter: given a VPC CIDR, AZs and tiers, this plan; given bad inputs, this message."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.filter.subnet_plan import (
    FilterModule,
    SubnetPlanError,
    plan_subnets,
    subnet_plan,
    subnet_plan_error,
)

TWO_AZS = ["eu-west-1a", "eu-west-1b"]
THREE_AZS = [*TWO_AZS, "eu-west-1c"]
TIERS = {"public": 24, "app": 20, "data": 24}


def cidrs(plan: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {(entry["tier"], entry["az"]): entry["cidr"] for entry in plan}


# --- the documented layout -------------------------------------------------------------------


def test_the_documented_example_puts_app_in_the_first_block() -> None:
    plan = plan_subnets("10.20.0.0/16", TWO_AZS, TIERS)

    # EXAMPLES says plan[0] is this entry; by RETURN (and the code) plan[0] is public's, since
    # the plan is ordered by tier as given. The entry itself is right, its index in the comment not.
    assert {"tier": "app", "az": "eu-west-1a", "az_index": 0, "cidr": "10.20.0.0/20"} in plan
    assert plan[0]["tier"] == "public"


def test_the_largest_tier_gets_the_first_block_and_each_tier_a_block_of_slots_subnets() -> None:
    plan = plan_subnets("10.20.0.0/16", TWO_AZS, TIERS)

    # app (/20) first: 4 slots of 4096 addresses = 10.20.0.0 - 10.20.63.255. Then public and data,
    # both /24, in the order given: 4 slots of 256 each.
    assert cidrs(plan) == {
        ("public", "eu-west-1a"): "10.20.64.0/24",
        ("public", "eu-west-1b"): "10.20.65.0/24",
        ("app", "eu-west-1a"): "10.20.0.0/20",
        ("app", "eu-west-1b"): "10.20.16.0/20",
        ("data", "eu-west-1a"): "10.20.68.0/24",
        ("data", "eu-west-1b"): "10.20.69.0/24",
    }


def test_slots_sets_the_block_size_of_each_tier() -> None:
    plan = plan_subnets("10.0.0.0/16", ["a"], {"app": 20, "data": 24}, slots=2)

    # app takes 2 x /20 = 10.0.0.0/19, so data starts at 10.0.32.0.
    assert cidrs(plan) == {("app", "a"): "10.0.0.0/20", ("data", "a"): "10.0.32.0/24"}


def test_every_subnet_is_aligned_to_its_own_size() -> None:
    plan = plan_subnets("10.0.0.0/16", THREE_AZS, {"small": 28, "big": 20, "mid": 24}, slots=3)

    for entry in plan:
        # strict=True refuses a CIDR whose address is not a multiple of the subnet size.
        network = ipaddress.IPv4Network(entry["cidr"], strict=True)
        assert int(network.network_address) % network.num_addresses == 0, entry


def test_adding_an_az_leaves_every_existing_subnet_where_it_was() -> None:
    before = cidrs(plan_subnets("10.20.0.0/16", TWO_AZS, TIERS))
    after = cidrs(plan_subnets("10.20.0.0/16", THREE_AZS, TIERS))

    assert {key: after[key] for key in before} == before
    assert set(after) - set(before) == {(tier, "eu-west-1c") for tier in TIERS}


def test_growing_to_every_slot_moves_nothing() -> None:
    azs = ["a", "b", "c", "d"]
    plans = [cidrs(plan_subnets("10.0.0.0/16", azs[:count], TIERS)) for count in range(1, 5)]

    for smaller, larger in itertools.pairwise(plans):
        assert {key: larger[key] for key in smaller} == smaller


def test_the_plan_is_ordered_by_tier_as_given_then_az_index() -> None:
    plan = plan_subnets("10.20.0.0/16", THREE_AZS, TIERS)

    assert [(entry["tier"], entry["az_index"], entry["az"]) for entry in plan] == [
        (tier, index, az) for tier in ("public", "app", "data") for index, az in enumerate(THREE_AZS)
    ]


def test_the_az_index_follows_the_order_of_the_azs_given_not_their_names() -> None:
    plan = plan_subnets("10.0.0.0/16", ["eu-west-1c", "eu-west-1a"], {"app": 24})

    assert [(entry["az"], entry["az_index"], entry["cidr"]) for entry in plan] == [
        ("eu-west-1c", 0, "10.0.0.0/24"),
        ("eu-west-1a", 1, "10.0.1.0/24"),
    ]


def test_the_same_inputs_always_give_the_same_plan() -> None:
    first = plan_subnets("10.20.0.0/16", THREE_AZS, TIERS)

    assert all(plan_subnets("10.20.0.0/16", THREE_AZS, dict(TIERS)) == first for _ in range(5))


def test_tiers_of_equal_size_keep_the_order_given() -> None:
    forward = cidrs(plan_subnets("10.0.0.0/16", ["a"], {"x": 24, "y": 24}))
    backward = cidrs(plan_subnets("10.0.0.0/16", ["a"], {"y": 24, "x": 24}))

    assert forward == {("x", "a"): "10.0.0.0/24", ("y", "a"): "10.0.4.0/24"}
    assert backward == {("y", "a"): "10.0.0.0/24", ("x", "a"): "10.0.4.0/24"}


def test_an_integer_azs_plans_that_many_placeholder_azs() -> None:
    plan = plan_subnets("10.20.0.0/16", 3, TIERS)

    assert [entry["az"] for entry in plan if entry["tier"] == "app"] == ["az0", "az1", "az2"]
    # The CIDRs depend only on the AZ index, so a count gives the same CIDRs as the names would.
    assert [entry["cidr"] for entry in plan] == [
        entry["cidr"] for entry in plan_subnets("10.20.0.0/16", THREE_AZS, TIERS)
    ]


def test_tier_prefixes_given_as_strings_are_read_as_numbers() -> None:
    assert plan_subnets("10.0.0.0/16", ["a"], {"app": "24"}) == plan_subnets(
        "10.0.0.0/16", ["a"], {"app": 24}
    )


def test_surrounding_whitespace_in_the_cidr_is_ignored() -> None:
    assert plan_subnets(" 10.0.0.0/16\n", ["a"], {"app": 24})[0]["cidr"] == "10.0.0.0/24"


@pytest.mark.parametrize(
    ("vpc", "tiers", "slots", "az_count"),
    [
        ("10.0.0.0/16", {"public": 24, "app": 20, "data": 24}, 4, 4),
        ("10.0.0.0/16", {"app": 18}, 4, 4),
        ("172.16.0.0/20", {"public": 26, "app": 24, "data": 27}, 4, 3),
        ("192.168.10.0/24", {"public": 28, "app": 28, "data": 28}, 4, 2),
        ("192.168.10.0/24", {"a": 27, "b": 28, "c": 28}, 4, 4),
        ("10.8.0.0/18", {"public": 24, "app": 22, "data": 23, "cache": 28}, 4, 4),
        ("10.0.0.0/16", {"public": 24, "app": 20, "data": 24}, 6, 6),
        ("172.31.0.0/16", {"one": 19}, 3, 3),
        ("10.255.255.240/28", {"only": 28}, 1, 1),
    ],
)
def test_every_subnet_lies_inside_the_vpc_and_none_overlap(
    vpc: str, tiers: dict[str, int], slots: int, az_count: int
) -> None:
    network = ipaddress.IPv4Network(vpc)
    plan = plan_subnets(vpc, [f"az-{index}" for index in range(az_count)], tiers, slots=slots)
    subnets = [ipaddress.IPv4Network(entry["cidr"]) for entry in plan]

    assert len(plan) == az_count * len(tiers)
    for entry, subnet in zip(plan, subnets, strict=True):
        assert subnet.subnet_of(network), f"{subnet} is outside {network}"
        assert subnet.prefixlen == int(tiers[entry["tier"]]), entry
    for first, second in itertools.combinations(subnets, 2):
        assert not first.overlaps(second), f"{first} overlaps {second}"


def test_a_plan_that_exactly_fills_the_vpc_is_accepted() -> None:
    plan = plan_subnets("10.0.0.0/20", ["a", "b", "c", "d"], {"app": 22})

    assert [entry["cidr"] for entry in plan] == ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22", "10.0.12.0/22"]


# --- errors: each names the problem and what is allowed --------------------------------------


def plan_error(vpc: Any = "10.0.0.0/16", azs: Any = TWO_AZS, tiers: Any = None, slots: int = 4) -> str:
    with pytest.raises(SubnetPlanError) as error:
        plan_subnets(vpc, azs, TIERS if tiers is None else tiers, slots)
    return str(error.value)


@pytest.mark.parametrize("vpc", ["10.0.0.0/33", "banana", "10.0.0.256/16", "", "10.0.0.0/16/2"])
def test_a_malformed_cidr_is_refused_with_an_example_of_a_cidr(vpc: str) -> None:
    message = plan_error(vpc)

    assert f"'{vpc}' is not an IPv4 CIDR" in message
    assert "such as 10.0.0.0/16" in message


def test_a_cidr_without_a_prefix_length_is_refused_and_the_message_suggests_one() -> None:
    message = plan_error("10.0.0.0")

    assert "'10.0.0.0' has no prefix length" in message
    assert "10.0.0.0/16" in message


@pytest.mark.parametrize(
    ("vpc", "network"),
    [
        ("10.0.0.1/16", "10.0.0.0/16"),
        ("10.20.30.0/16", "10.20.0.0/16"),
        ("192.168.1.17/28", "192.168.1.16/28"),
    ],
)
def test_a_cidr_with_host_bits_set_is_refused_and_the_message_names_the_network(
    vpc: str, network: str
) -> None:
    message = plan_error(vpc)

    assert f"'{vpc}' has host bits set" in message
    assert f"the network is {network}" in message


@pytest.mark.parametrize("vpc", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29", "10.0.0.0/32"])
def test_a_vpc_prefix_outside_16_to_28_is_refused_with_the_allowed_range(vpc: str) -> None:
    message = plan_error(vpc, tiers={"app": 28})

    assert f"has prefix /{vpc.split('/')[1]}" in message
    assert "from /16 to /28" in message


@pytest.mark.parametrize("vpc", ["8.8.0.0/16", "172.32.0.0/16", "11.0.0.0/16", "100.64.0.0/16"])
def test_a_public_range_is_refused_with_the_private_ranges(vpc: str) -> None:
    message = plan_error(vpc)

    assert f"'{vpc}' is not a private range" in message
    assert "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16" in message


@pytest.mark.parametrize("vpc", ["10.0.0.0/16", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16"])
def test_every_rfc_1918_range_is_accepted(vpc: str) -> None:
    assert plan_subnets(vpc, ["a"], {"app": 24})


@pytest.mark.parametrize(
    "vpc", ["127.0.0.0/16", "169.254.0.0/16", "0.0.0.0/16", "198.18.0.0/16", "240.0.0.0/16"]
)
def test_a_special_purpose_range_that_is_not_rfc_1918_is_refused(vpc: str) -> None:
    assert "is not a private range" in plan_error(vpc)


@pytest.mark.parametrize(("azs", "count"), [([], 0), (0, 0), (["a", "b", "c", "d", "e"], 5), (5, 5)])
def test_an_az_count_of_zero_or_more_than_slots_is_refused_with_the_allowed_range(
    azs: Any, count: int
) -> None:
    assert plan_error(azs=azs) == f"{count} availability zones given; the plan allows 1 to 4"


def test_the_allowed_az_count_follows_slots() -> None:
    assert "the plan allows 1 to 2" in plan_error(azs=THREE_AZS, slots=2)
    assert len(plan_subnets("10.0.0.0/16", ["a", "b", "c", "d", "e", "f"], {"app": 24}, slots=6)) == 6


def test_repeated_azs_are_refused_and_the_message_lists_them() -> None:
    message = plan_error(azs=["eu-west-1a", "eu-west-1b", "eu-west-1a"])

    assert message.startswith("availability zones repeat")
    assert "'eu-west-1a', 'eu-west-1b', 'eu-west-1a'" in message


def test_no_tiers_is_refused_with_an_example() -> None:
    assert "no tiers given" in plan_error(tiers={})


@pytest.mark.parametrize(
    ("vpc", "prefix", "allowed"),
    [
        ("10.0.0.0/20", 19, "/20 to /28"),  # shorter than the VPC
        ("10.0.0.0/20", 16, "/20 to /28"),
        ("10.0.0.0/16", 29, "/16 to /28"),  # longer than AWS allows
        ("10.0.0.0/16", 32, "/16 to /28"),
    ],
)
def test_a_tier_prefix_outside_the_vpc_prefix_to_28_is_refused(vpc: str, prefix: int, allowed: str) -> None:
    message = plan_error(vpc, tiers={"public": 24, "app": prefix}, azs=["a"])

    assert f"tier 'app' prefix /{prefix} is out of range" in message
    assert f"a subnet of {vpc} must be {allowed}" in message


def test_a_tier_prefix_that_is_not_a_number_is_refused() -> None:
    assert plan_error(tiers={"app": "big"}) == "tier 'app' prefix 'big' is not a number"


def test_a_vpc_too_small_for_the_plan_is_refused_with_the_addresses_needed() -> None:
    # 4 slots x (/20 = 4096 + 2 x /24 = 256) = 18432 addresses; a /19 has 8192.
    message = plan_error("10.0.0.0/19", tiers=TIERS)

    assert message.startswith(
        "10.0.0.0/19 has 8192 addresses but 4 AZ slots of app /20, public /24, data /24"
    )
    assert "need 18432" in message
    assert "use a larger VPC CIDR or longer subnet prefixes" in message


def test_a_tier_as_large_as_the_vpc_does_not_fit_its_slots() -> None:
    assert "need 262144" in plan_error("10.0.0.0/16", azs=["a"], tiers={"app": 16})


# --- the Ansible glue ------------------------------------------------------------------------


def test_subnet_plan_returns_the_plan() -> None:
    assert subnet_plan("10.20.0.0/16", TWO_AZS, TIERS) == plan_subnets("10.20.0.0/16", TWO_AZS, TIERS)


def test_subnet_plan_raises_an_ansible_filter_error_naming_the_filter_and_the_problem() -> None:
    with pytest.raises(AnsibleFilterError, match=r"subnet_plan: '8\.8\.0\.0/16' is not a private range"):
        subnet_plan("8.8.0.0/16", TWO_AZS, TIERS)


def test_subnet_plan_error_is_empty_for_a_valid_plan() -> None:
    assert subnet_plan_error("10.20.0.0/16", 2, TIERS) == ""


def test_subnet_plan_error_returns_the_reason_for_an_impossible_plan() -> None:
    assert subnet_plan_error("10.20.0.0/16", 7, TIERS) == "7 availability zones given; the plan allows 1 to 4"


def test_subnet_plan_passes_slots_through() -> None:
    assert len(subnet_plan("10.0.0.0/16", 6, {"app": 24}, 6)) == 6
    assert subnet_plan_error("10.0.0.0/16", 6, {"app": 24}, 6) == ""


def test_the_filter_module_exposes_both_filters() -> None:
    assert FilterModule().filters() == {"subnet_plan": subnet_plan, "subnet_plan_error": subnet_plan_error}


def test_azs_given_as_text_are_refused_rather_than_read_as_one_az_named_so() -> None:
    # "-e" turns numbers into text: "3" must not silently become one AZ called "3".
    assert "expected a list of names or a number" in plan_error("10.0.0.0/16", "3", {"app": 24})
