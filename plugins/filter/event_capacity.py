"""Capacity for a live event: how many app instances, from when to when (docs/capacity.md)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: event_capacity
short_description: The app instances a live event needs and when to scale out and back
description:
  - "The capacity formula of docs/capacity.md: instances = ceil(viewers x origin share x (1 + headroom)
    / viewers per instance), at least the group's minimum, never above its maximum."
  - Scale out O(lead_min) minutes before the start; back O(tail_min) minutes after the end.
  - Fails, naming the setting, when an input is out of range, the start is unparsable or past, or the
    event needs more instances than the group's maximum.
  - The companion filter C(event_capacity_errors) returns the messages instead of failing, for
    assertions that name every bad setting at once.
positional: ""
options:
  _input:
    description: "The event: start (ISO 8601 UTC), duration_min, viewers, viewers_per_instance,
      headroom_percent, origin_share_percent, lead_min, tail_min, min_size, max_size; optional prefix
      (the variable names' prefix in messages) and now (ISO 8601, for tests)."
    type: dict
    required: true
"""

EXAMPLES = r"""
- ansible.builtin.debug:
    msg: "{{ {'start': '2026-12-01T18:00:00Z', 'duration_min': 90, 'viewers': 20000,
             'viewers_per_instance': 500, 'headroom_percent': 30, 'origin_share_percent': 100,
             'lead_min': 30, 'tail_min': 15, 'min_size': 2, 'max_size': 60}
             | webcast.platform.event_capacity }}"
"""

RETURN = r"""
_value:
  description: instances, peak_origin_viewers, start, end, scale_out_at and scale_in_at (ISO 8601 UTC),
    and for each a cron recurrence that fires then (scale_out_recurrence) and its end (scale_out_until).
  type: dict
"""

# Inputs that are whole numbers, with their smallest allowed value.
_COUNTS = {
    "duration_min": 1,
    "viewers": 0,
    "viewers_per_instance": 1,
    "headroom_percent": 0,
    "origin_share_percent": 1,
    "lead_min": 0,
    "tail_min": 0,
    "min_size": 0,
    "max_size": 1,
}
_MOST = {"origin_share_percent": 100, "duration_min": 7 * 24 * 60, "headroom_percent": 500}


def _utc(text: Any) -> datetime:
    """An ISO 8601 time with a UTC designator (Z or +00:00); ValueError otherwise."""
    value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    if value.utcoffset() != timedelta(0):
        raise ValueError("not UTC")
    return value.astimezone(UTC)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def event_capacity_errors(event: dict[str, Any]) -> list[str]:
    """Every problem with the event's inputs, each naming its variable, the value and what is allowed."""
    prefix = event.get("prefix", "")
    errors = []
    for key, least in _COUNTS.items():
        value, number = event.get(key), _int(event.get(key))
        most = _MOST.get(key)
        if number is None or number < least or (most is not None and number > most):
            allowed = f"a whole number from {least}" + (f" to {most}" if most is not None else " up")
            errors.append(f"{prefix}{key} is {value}; allowed: {allowed}")
    try:
        start = _utc(event.get("start"))
    except (TypeError, ValueError):
        errors.append(
            f"{prefix}start is {event.get('start')}; "
            "allowed: an ISO 8601 UTC time such as 2026-12-01T18:00:00Z"
        )
    else:
        now = _utc(event["now"]) if event.get("now") else datetime.now(UTC)
        if start <= now:
            errors.append(
                f"{prefix}start is {event['start']}, which is past "
                f"(now {now:%Y-%m-%dT%H:%M:%SZ}); allowed: a future time"
            )
    if not errors:
        plan = _plan(event)
        if plan["instances"] > int(event["max_size"]):
            errors.append(
                f"the event needs {plan['instances']} instances ({event['viewers']} viewers, "
                f"{prefix}viewers_per_instance {event['viewers_per_instance']}, "
                f"headroom {event['headroom_percent']}%), "
                f"above the group's maximum of {event['max_size']} (webcast_asg_max_size): raise the maximum "
                "(and the account's EC2 limits) first, or lower the expected viewers"
            )
    return errors


def _plan(event: dict[str, Any]) -> dict[str, Any]:
    start = _utc(event["start"])
    end = start + timedelta(minutes=int(event["duration_min"]))
    origin = math.ceil(int(event["viewers"]) * int(event["origin_share_percent"]) / 100)
    needed = math.ceil(
        origin * (100 + int(event["headroom_percent"])) / 100 / int(event["viewers_per_instance"])
    )
    scale_out = start - timedelta(minutes=int(event["lead_min"]))
    scale_in = end + timedelta(minutes=int(event["tail_min"]))
    return {
        "instances": max(needed, int(event["min_size"])),
        "peak_origin_viewers": origin,
        "start": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "end": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "scale_out_at": f"{scale_out:%Y-%m-%dT%H:%M:%SZ}",
        "scale_in_at": f"{scale_in:%Y-%m-%dT%H:%M:%SZ}",
        **_once("scale_out", scale_out),
        **_once("scale_in", scale_in),
    }


def _once(name: str, when: datetime) -> dict[str, str]:
    """A cron recurrence that fires at `when` (its minute, hour, day and month), and the end of the
    schedule an hour later, so that it fires once: community.aws.autoscaling_scheduled_action
    requires a recurrence, so a one-time action is written as one."""
    return {
        f"{name}_recurrence": f"{when.minute} {when.hour} {when.day} {when.month} *",
        f"{name}_until": f"{when + timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
    }


def event_capacity(event: dict[str, Any]) -> dict[str, Any]:
    errors = event_capacity_errors(event)
    if errors:
        raise AnsibleFilterError("; ".join(errors) + ".")
    return _plan(event)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"event_capacity": event_capacity, "event_capacity_errors": event_capacity_errors}
