"""Auto Scaling fixes: instance refreshes, which moto does not implement, and the order of a group's tags."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together

# Statuses in which AWS refuses to start another refresh of the same group.
_ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")


def _refreshes(response: Any) -> list[dict[str, Any]]:
    """The instance refreshes recorded on the request's Auto Scaling backend, newest first."""
    backend = response.autoscaling_backend
    if not hasattr(backend, "webcast_instance_refreshes"):
        backend.webcast_instance_refreshes = []
    return backend.webcast_instance_refreshes


def _start_instance_refresh(self: Any) -> Any:
    """StartInstanceRefresh: 200 and {"InstanceRefreshId": ...}; ValidationError for an unknown group,
    InstanceRefreshInProgress while another refresh of the group is active."""
    from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
    from moto.core.responses import ActionResult

    group_name = self._get_param("AutoScalingGroupName")
    if group_name not in self.autoscaling_backend.autoscaling_groups:
        raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
    refreshes = _refreshes(self)
    if any(r["AutoScalingGroupName"] == group_name and r["Status"] in _ACTIVE for r in refreshes):
        error = AutoscalingClientError(f"An Instance Refresh is already in progress for {group_name}.")
        error.code = "InstanceRefreshInProgress"
        raise error
    now = datetime.now(UTC)
    # The emulator's instances boot at once, so the refresh is done when it is recorded.
    refresh = {
        "InstanceRefreshId": str(uuid.uuid4()),
        "AutoScalingGroupName": group_name,
        "Status": "Successful",
        "StatusReason": "",
        "StartTime": now,
        "EndTime": now,
        "PercentageComplete": 100,
        "InstancesToUpdate": 0,
        "Preferences": self._get_param("Preferences") or {},
        "Strategy": self._get_param("Strategy") or "Rolling",
    }
    refreshes.insert(0, refresh)
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def _describe_instance_refreshes(self: Any) -> Any:
    """DescribeInstanceRefreshes: the group's refreshes, newest first (optionally only some ids)."""
    from moto.core.responses import ActionResult

    group_name = self._get_param("AutoScalingGroupName")
    wanted = self._get_param("InstanceRefreshIds") or []
    found = [
        r
        for r in _refreshes(self)
        if r["AutoScalingGroupName"] == group_name and (not wanted or r["InstanceRefreshId"] in wanted)
    ]
    return ActionResult({"InstanceRefreshes": found})


def _instance_refreshes() -> AbstractContextManager:
    """AWS starts an instance refresh of a group and describes it afterwards.

    moto implements neither StartInstanceRefresh nor DescribeInstanceRefreshes (its server answers
    500), so amazon.aws.autoscaling_instance_refresh cannot roll a group to a new launch template
    version, and a play that replaces instances after a new golden image fails. The fix records
    each refresh (one active refresh per group, as on AWS) and describes the recorded ones; since
    the emulator's instances need no boot, a refresh is complete when it starts.
    """
    from moto.autoscaling.responses import AutoScalingResponse

    return _Together(
        mock.patch.object(
            AutoScalingResponse, "start_instance_refresh", _start_instance_refresh, create=True
        ),
        mock.patch.object(
            AutoScalingResponse, "describe_instance_refreshes", _describe_instance_refreshes, create=True
        ),
    )


def _group_tags_sorted_by_key() -> AbstractContextManager:
    """AWS lists an Auto Scaling group's tags sorted by key (DescribeAutoScalingGroups, DescribeTags).

    moto lists them in the order they were given. amazon.aws.autoscaling_group sorts the group's
    tags in place before comparing them, which also sorts its snapshot of the group from before the
    update; the group read back after the update is in moto's order, so the two snapshots differ and
    every run of an unchanged group reports a change. The fix keeps moto's tags sorted by key.
    """
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.tags

    def set_sorted(self: Any, tags: list[dict[str, Any]]) -> None:
        original.fset(self, tags)
        self._tags = sorted(self._tags, key=lambda tag: tag["Key"])

    return mock.patch.object(FakeAutoScalingGroup, "tags", property(original.fget, set_sorted))


FIXES: tuple[Fix, ...] = (
    Fix(
        name="autoscaling_instance_refreshes",
        aws_behaviour="StartInstanceRefresh starts a refresh of a group, DescribeInstanceRefreshes lists it",
        patch=_instance_refreshes,
    ),
    Fix(
        name="autoscaling_group_tags_sorted_by_key",
        aws_behaviour="DescribeAutoScalingGroups lists a group's tags sorted by key",
        patch=_group_tags_sorted_by_key,
    ),
)
