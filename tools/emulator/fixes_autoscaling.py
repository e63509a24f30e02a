"""Auto Scaling fixes: instance refreshes (start, progress, rollback, cancel), which moto does not implement,
and the order of a group's tags."""

from __future__ import annotations

import math
import time
import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together

# Statuses in which AWS refuses to start another refresh of the same group.
_ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
# Seconds each step of a refresh takes in the emulator (leaving Pending, reaching a checkpoint, a
# rollback): its instances boot at once, so a step stands for AWS's launch and warm-up.
STEP_S = 1.0
# An image tagged with this key and the value "unhealthy" gives instances that fail their health
# checks in the emulator, which has no instance that could fail one: how a bad image is simulated.
HEALTH_TAG = "webcast:emulator-health"


def _refreshes(response: Any) -> list[dict[str, Any]]:
    """The instance refreshes recorded on the request's Auto Scaling backend, newest first."""
    backend = response.autoscaling_backend
    if not hasattr(backend, "webcast_instance_refreshes"):
        backend.webcast_instance_refreshes = []
    return backend.webcast_instance_refreshes


def _error(code: str, message: str) -> Exception:
    from moto.autoscaling.exceptions import AutoscalingClientError

    error = AutoscalingClientError(message)
    error.code = code
    return error


def _launch(group: Any, version: str | None, count: int) -> list[str]:
    """Launch `count` instances into the group from launch template `version` (the group's own if None)."""
    if count <= 0:
        return []
    saved = (group.launch_template_version, group.provided_launch_template_version)
    if version is not None:
        group.launch_template_version = group.provided_launch_template_version = version
    before = {state.instance.id for state in group.instance_states}
    try:
        group.replace_autoscaling_group_instances(count, group.get_propagated_tags())
    finally:
        group.launch_template_version, group.provided_launch_template_version = saved
    return [state.instance.id for state in group.instance_states if state.instance.id not in before]


def _terminate(group: Any, instance_ids: list[str]) -> None:
    gone = [state for state in group.instance_states if state.instance.id in instance_ids]
    if gone:
        group.autoscaling_backend.ec2_backend.terminate_instances([s.instance.id for s in gone])
        group.instance_states = [state for state in group.instance_states if state not in gone]


def _image_unhealthy(group: Any, version: str) -> bool:
    template = group.ec2_launch_template
    image_id = template.get_version(version).image_id if template else None
    tags = group.autoscaling_backend.ec2_backend.tags.get(image_id) or {}
    return tags.get(HEALTH_TAG) == "unhealthy"


def _plan(preferences: dict[str, Any], desired: bool) -> list[tuple[float, str, int]]:
    """(seconds after the previous step, what happens, percentage) for each step of a refresh."""
    checkpoints = sorted({int(p) for p in preferences.get("CheckpointPercentages") or []} | {100})
    delay = float(preferences.get("CheckpointDelay") or 3600) if len(checkpoints) > 1 else 0.0
    plan: list[tuple[float, str, int]] = [(STEP_S, "start", 0)]
    for index, percentage in enumerate(checkpoints):
        plan.append((STEP_S if index == 0 else delay, "reach", percentage))
    return plan if desired else [(STEP_S, "start", 0), (STEP_S, "reach", 100)]


def _schedule(refresh: dict[str, Any], plan: list[tuple[float, str, int]], start: float) -> None:
    due = start
    refresh["_plan"] = []
    for after, action, percentage in plan:
        due += after
        refresh["_plan"].append((due, action, percentage))


def _roll_back(refresh: dict[str, Any], reason: str, now: float) -> None:
    refresh["Status"] = "RollbackInProgress"
    refresh["StatusReason"] = reason
    refresh["RollbackDetails"] = {
        "RollbackReason": reason,
        "RollbackStartTime": datetime.fromtimestamp(now, UTC),
        "PercentageCompleteOnRollback": refresh["PercentageComplete"],
        "InstancesToUpdateOnRollback": len(refresh["_new_ids"]),
    }
    _schedule(refresh, [(STEP_S, "rolled_back", 0)], now)


def _advance(backend: Any, refresh: dict[str, Any], now: float) -> None:
    """Apply every step of the refresh whose time has come (refreshes progress between calls)."""
    group = backend.autoscaling_groups.get(refresh["AutoScalingGroupName"])
    while refresh["_plan"] and refresh["_plan"][0][0] <= now:
        due, action, percentage = refresh["_plan"].pop(0)
        when = datetime.fromtimestamp(due, UTC)
        if group is None:
            refresh.update(Status="Failed", StatusReason="The Auto Scaling group was deleted.", EndTime=when)
            refresh["_plan"] = []
        elif action == "start":
            refresh.update(Status="InProgress", StatusReason="")
        elif action == "reach":
            desired = refresh["_desired_version"]
            if desired is not None and _image_unhealthy(group, desired):
                # The first replacement (launched before an old instance goes) never passes its checks.
                refresh["_new_ids"] += _launch(group, desired, 1 if refresh["_old_ids"] else 0)
                reason = "Instances failed to pass their health checks: the instance refresh failed."
                if refresh["Preferences"].get("AutoRollback"):
                    _roll_back(refresh, reason, due)
                else:
                    refresh.update(Status="Failed", StatusReason=reason, EndTime=when)
                    refresh["_plan"] = []
                continue
            wanted = math.ceil(len(refresh["_old_ids"]) * percentage / 100)
            batch = refresh["_old_ids"][refresh["_replaced"] : wanted]
            if desired is not None and batch:
                _terminate(group, batch)
                refresh["_new_ids"] += _launch(group, desired, len(batch))
            refresh["_replaced"] = max(refresh["_replaced"], wanted)
            refresh["PercentageComplete"] = percentage
            refresh["InstancesToUpdate"] = len(refresh["_old_ids"]) - refresh["_replaced"]
            if percentage == 100:
                if desired is not None:
                    # On success AWS moves the group to the desired configuration.
                    group._set_launch_configuration(
                        None, {"LaunchTemplateId": group.ec2_launch_template.id, "Version": desired}, None
                    )
                refresh.update(Status="Successful", StatusReason="", EndTime=when)
            else:
                refresh["StatusReason"] = f"Waiting after the checkpoint at {percentage}%."
        elif action == "rolled_back":
            # The replacements go; instances of the configuration from before the refresh come back.
            _terminate(group, refresh["_new_ids"])
            _launch(group, None, refresh["_replaced"] if refresh["_desired_version"] else 0)
            refresh.update(Status="RollbackSuccessful", EndTime=when)
        elif action == "cancelled":
            refresh.update(Status="Cancelled", EndTime=when)


def _current(response: Any, group_name: str) -> list[dict[str, Any]]:
    """The group's refreshes, newest first, each advanced to now."""
    now = time.time()
    found = [r for r in _refreshes(response) if r["AutoScalingGroupName"] == group_name]
    for refresh in found:
        _advance(response.autoscaling_backend, refresh, now)
    return found


def _active(response: Any, group_name: str) -> dict[str, Any] | None:
    return next((r for r in _current(response, group_name) if r["Status"] in _ACTIVE), None)


def _start_instance_refresh(self: Any) -> Any:
    """StartInstanceRefresh: 200 and {"InstanceRefreshId": ...}; ValidationError for an unknown group,
    InstanceRefreshInProgress while another refresh of the group is active."""
    from moto.autoscaling.exceptions import ValidationError
    from moto.core.responses import ActionResult

    group_name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(group_name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
    if _active(self, group_name):
        raise _error(
            "InstanceRefreshInProgress", f"An Instance Refresh is already in progress for {group_name}."
        )
    preferences = self._get_param("Preferences") or {}
    desired = (self._get_param("DesiredConfiguration") or {}).get("LaunchTemplate") or {}
    desired_version = str(desired["Version"]) if desired.get("Version") else None
    if preferences.get("AutoRollback") and (
        desired_version is None or group.provided_launch_template_version in (None, "$Latest", "$Default")
    ):
        raise ValidationError(
            "AutoRollback needs a desired configuration and a group on an explicit launch template version."
        )
    instance_ids = [state.instance.id for state in group.instance_states]
    if preferences.get("SkipMatching") and desired_version in (None, group.provided_launch_template_version):
        instance_ids = []
    now = time.time()
    refresh = {
        "InstanceRefreshId": str(uuid.uuid4()),
        "AutoScalingGroupName": group_name,
        "Status": "Pending",
        "StatusReason": "",
        "StartTime": datetime.fromtimestamp(now, UTC),
        "PercentageComplete": 0,
        "InstancesToUpdate": len(instance_ids),
        "Preferences": preferences,
        "Strategy": self._get_param("Strategy") or "Rolling",
        "_desired_version": desired_version,
        "_old_ids": instance_ids,
        "_replaced": 0,
        "_new_ids": [],
    }
    if desired:
        refresh["DesiredConfiguration"] = {"LaunchTemplate": desired}
    _schedule(refresh, _plan(preferences, desired_version is not None), now)
    _refreshes(self).insert(0, refresh)
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def _describe_instance_refreshes(self: Any) -> Any:
    """DescribeInstanceRefreshes: the group's refreshes, newest first (optionally only some ids)."""
    from moto.core.responses import ActionResult

    wanted = self._get_param("InstanceRefreshIds") or []
    found = [
        {key: value for key, value in r.items() if not key.startswith("_")}
        for r in _current(self, self._get_param("AutoScalingGroupName"))
        if not wanted or r["InstanceRefreshId"] in wanted
    ]
    return ActionResult({"InstanceRefreshes": found})


def _rollback_instance_refresh(self: Any) -> Any:
    """RollbackInstanceRefresh: rolls back the group's active refresh; ActiveInstanceRefreshNotFound
    without one, IrreversibleInstanceRefresh when it was started without a desired configuration."""
    from moto.core.responses import ActionResult

    group_name = self._get_param("AutoScalingGroupName")
    refresh = _active(self, group_name)
    if refresh is None or refresh["Status"] not in ("Pending", "InProgress", "Baking"):
        raise _error(
            "ActiveInstanceRefreshNotFound", f"No in-progress instance refresh found for {group_name}."
        )
    if refresh["_desired_version"] is None:
        raise _error(
            "IrreversibleInstanceRefresh",
            "The instance refresh was started without a desired configuration and cannot be rolled back.",
        )
    _roll_back(refresh, "Rollback requested by the user.", time.time())
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def _cancel_instance_refresh(self: Any) -> Any:
    """CancelInstanceRefresh: stops the active refresh where it is (no rollback)."""
    from moto.core.responses import ActionResult

    group_name = self._get_param("AutoScalingGroupName")
    refresh = _active(self, group_name)
    if refresh is None:
        raise _error(
            "ActiveInstanceRefreshNotFound", f"No in-progress instance refresh found for {group_name}."
        )
    refresh["Status"] = "Cancelling"
    _schedule(refresh, [(STEP_S, "cancelled", 0)], time.time())
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def _instance_refreshes() -> AbstractContextManager:
    """AWS runs instance refreshes: started, described while they progress, rolled back or cancelled.

    moto implements none of StartInstanceRefresh, DescribeInstanceRefreshes, RollbackInstanceRefresh
    and CancelInstanceRefresh (its server answers 500), so amazon.aws.autoscaling_instance_refresh
    cannot roll a group to a new launch template version, and no rollout can be watched or undone.
    The fix records each refresh (one active refresh per group, as on AWS) and lets it progress in
    time as AWS does, one step each STEP_S seconds: Pending, then InProgress up to each checkpoint
    (CheckpointPercentages; CheckpointDelay seconds between them, 3600 when not given, as on AWS),
    then Successful. With a DesiredConfiguration it replaces the group's instances batch by batch and
    on success moves the group to that launch template version, as AWS does; a rollback (asked for,
    or AutoRollback when the new instances fail their health checks) puts back instances of the
    configuration from before. Instances of an image tagged HEALTH_TAG=unhealthy fail their health
    checks. As on AWS, a rollback needs a desired configuration and an explicit group version.
    """
    from moto.autoscaling.responses import AutoScalingResponse

    return _Together(
        mock.patch.multiple(
            AutoScalingResponse,
            create=True,
            start_instance_refresh=_start_instance_refresh,
            describe_instance_refreshes=_describe_instance_refreshes,
            rollback_instance_refresh=_rollback_instance_refresh,
            cancel_instance_refresh=_cancel_instance_refresh,
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
        aws_behaviour="StartInstanceRefresh starts a refresh of a group that progresses (checkpoints, "
        "desired configuration), DescribeInstanceRefreshes lists it, RollbackInstanceRefresh and "
        "CancelInstanceRefresh stop it",
        patch=_instance_refreshes,
    ),
    Fix(
        name="autoscaling_group_tags_sorted_by_key",
        aws_behaviour="DescribeAutoScalingGroups lists a group's tags sorted by key",
        patch=_group_tags_sorted_by_key,
    ),
)
