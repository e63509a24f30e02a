"""The naming filters: <project>-<env>-<component> names, the tags every resource carries."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.filter.naming import (
    FilterModule,
    resource_name,
    resource_tags,
)


def test_a_name_joins_project_environment_and_component_with_hyphens() -> None:
    assert resource_name("webcast", "staging", "vpc") == "webcast-staging-vpc"


def test_name_parts_may_hold_digits_and_single_hyphens() -> None:
    assert resource_name("webcast2", "eu-prod", "media-server-01") == "webcast2-eu-prod-media-server-01"


def test_a_number_is_a_valid_name_part() -> None:
    assert resource_name("webcast", 2025, "vpc") == "webcast-2025-vpc"


def test_the_tags_are_the_five_convention_keys() -> None:
    assert resource_tags("webcast", "staging", "network") == {
        "Name": "webcast-staging-network",
        "Project": "webcast",
        "Environment": "staging",
        "Component": "network",
        "ManagedBy": "ansible",
    }


def test_extra_tags_are_added_to_the_convention_keys_as_strings() -> None:
    tags = resource_tags("webcast", "staging", "network", {"CostCentre": "media", "Tier": 3})

    assert tags == {
        "Name": "webcast-staging-network",
        "Project": "webcast",
        "Environment": "staging",
        "Component": "network",
        "ManagedBy": "ansible",
        "CostCentre": "media",
        "Tier": "3",
    }


def test_no_extra_tags_and_empty_extra_tags_are_the_same() -> None:
    assert resource_tags("webcast", "staging", "network", {}) == resource_tags(
        "webcast", "staging", "network"
    )


PARTS = ("project", "environment", "component")


def with_part(index: int, value: str) -> list[str]:
    parts = ["webcast", "staging", "vpc"]
    parts[index] = value
    return parts


@pytest.mark.parametrize(
    "bad", ["Webcast", "web_cast", "", "-web", "web-", "web--cast", "web cast", "web.cast"]
)
@pytest.mark.parametrize("index", range(3), ids=PARTS)
def test_an_invalid_part_is_refused_naming_the_part_its_value_and_what_is_allowed(
    index: int, bad: str
) -> None:
    with pytest.raises(AnsibleFilterError) as error:
        resource_name(*with_part(index, bad))

    message = str(error.value)
    assert message.startswith(f"{PARTS[index]} '{bad}' is not a valid name part")
    assert "lowercase letters, digits and single hyphens" in message


@pytest.mark.parametrize("index", range(3), ids=PARTS)
def test_the_tags_refuse_what_the_name_refuses(index: int) -> None:
    with pytest.raises(AnsibleFilterError, match=f"^{PARTS[index]} 'Bad_Part'"):
        resource_tags(*with_part(index, "Bad_Part"))


@pytest.mark.parametrize("index", range(3), ids=PARTS)
def test_a_part_with_a_trailing_newline_is_refused(index: int) -> None:
    with pytest.raises(AnsibleFilterError, match=f"^{PARTS[index]} "):
        resource_name(*with_part(index, "webcast\n"))


def test_the_filter_module_exposes_both_filters() -> None:
    assert FilterModule().filters() == {"resource_name": resource_name, "resource_tags": resource_tags}
