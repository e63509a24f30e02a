"""What tells one environment's resources apart: the name prefix narrows, the tags decide."""

from __future__ import annotations

import pytest
from ansible_collections.webcast.platform.plugins.module_utils.naming import (
    NamingError,
    in_environment,
    name_prefix,
    resource_name,
)


def test_every_name_of_the_environment_starts_with_its_prefix() -> None:
    prefix = name_prefix("webcast", "staging")

    assert prefix == "webcast-staging-"
    assert resource_name("webcast", "staging", "alb").startswith(prefix)


def test_the_prefix_of_an_environment_also_starts_the_names_of_a_longer_one() -> None:
    # Why the tags decide: webcast-staging- also starts webcast-staging-eu-alb.
    assert resource_name("webcast", "staging-eu", "alb").startswith(name_prefix("webcast", "staging"))


@pytest.mark.parametrize(
    ("project", "env", "label"), [("Webcast", "staging", "project"), ("webcast", "stag ing", "environment")]
)
def test_the_prefix_refuses_what_the_name_refuses(project: str, env: str, label: str) -> None:
    with pytest.raises(NamingError, match=f"^{label} "):
        name_prefix(project, env)


def test_a_resource_is_in_the_environment_when_both_tags_say_so() -> None:
    assert in_environment({"Project": "webcast", "Environment": "staging", "Name": "x"}, "webcast", "staging")
    assert not in_environment({"Project": "webcast", "Environment": "staging-eu"}, "webcast", "staging")
    assert not in_environment({"Project": "other", "Environment": "staging"}, "webcast", "staging")
    assert not in_environment({"Environment": "staging"}, "webcast", "staging")
    assert not in_environment({}, "webcast", "staging")
