"""The event_capacity filter: the capacity formula of docs/capacity.md, and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.filter.event_capacity import (
    event_capacity,
    event_capacity_errors,
)

NOW = "2026-11-26T10:00:00Z"


def event(**overrides: Any) -> dict[str, Any]:
    return {
        "start": "2026-12-01T18:00:00Z",
        "duration_min": 90,
        "viewers": 20000,
        "viewers_per_instance": 500,
        "headroom_percent": 30,
        "origin_share_percent": 100,
        "lead_min": 30,
        "tail_min": 15,
        "min_size": 2,
        "max_size": 60,
        "prefix": "prescale_",
        "now": NOW,
        **overrides,
    }


def test_instances_are_the_origin_viewers_with_headroom_over_the_per_instance_capacity_rounded_up() -> None:
    # 20000 x 1.3 / 500 = 52
    assert event_capacity(event())["instances"] == 52
    # 20001 x 1.3 / 500 = 52.0026 -> 53
    assert event_capacity(event(viewers=20001))["instances"] == 53


def test_only_the_origin_share_of_viewers_counts() -> None:
    plan = event_capacity(event(origin_share_percent=10))
    assert (plan["peak_origin_viewers"], plan["instances"]) == (2000, 6)


def test_a_small_event_keeps_the_groups_minimum() -> None:
    assert event_capacity(event(viewers=10))["instances"] == 2


def test_scale_out_is_the_lead_before_the_start_and_scale_in_the_tail_after_the_end() -> None:
    plan = event_capacity(event())
    assert (plan["scale_out_at"], plan["start"], plan["end"], plan["scale_in_at"]) == (
        "2026-12-01T17:30:00Z",
        "2026-12-01T18:00:00Z",
        "2026-12-01T19:30:00Z",
        "2026-12-01T19:45:00Z",
    )


def test_each_action_is_a_recurrence_that_fires_once_at_its_time() -> None:
    plan = event_capacity(event())
    assert (plan["scale_out_recurrence"], plan["scale_out_until"]) == ("30 17 1 12 *", "2026-12-01T18:30:00Z")
    assert (plan["scale_in_recurrence"], plan["scale_in_until"]) == ("45 19 1 12 *", "2026-12-01T20:45:00Z")


def test_above_the_groups_maximum_is_refused_with_the_figures() -> None:
    with pytest.raises(AnsibleFilterError, match=r"needs 52 instances .* above the group's maximum of 40"):
        event_capacity(event(max_size=40))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"start": "2026-11-01T18:00:00Z"}, "prescale_start is 2026-11-01T18:00:00Z, which is past"),
        ({"start": "next tuesday"}, "prescale_start is next tuesday; allowed: an ISO 8601 UTC time"),
        ({"start": "2026-12-01T18:00:00+02:00"}, "prescale_start is 2026-12-01T18:00:00+02:00;"),
        ({"duration_min": -5}, "prescale_duration_min is -5"),
        ({"viewers": -1}, "prescale_viewers is -1"),
        ({"viewers": "many"}, "prescale_viewers is many;"),
        ({"viewers_per_instance": 0}, "prescale_viewers_per_instance is 0"),
        ({"origin_share_percent": 120}, "prescale_origin_share_percent is 120"),
    ],
)
def test_bad_input_is_refused_naming_the_variable(overrides, named) -> None:
    errors = event_capacity_errors(event(**overrides))
    assert any(named in error for error in errors), errors
    with pytest.raises(AnsibleFilterError):
        event_capacity(event(**overrides))
