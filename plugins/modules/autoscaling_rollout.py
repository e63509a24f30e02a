#!/usr/bin/python
"""Roll an Auto Scaling group onto a launch template version with an instance refresh that can roll back."""

from __future__ import annotations

DOCUMENTATION = r"""
module: autoscaling_rollout
short_description: Roll an Auto Scaling group onto a launch template version, with checkpoints and rollback
version_added: 0.3.0
description:
  - Starts an instance refresh that moves an Auto Scaling group to one explicit version of its launch
    template (the refresh's C(DesiredConfiguration)), so that AWS can roll it back, automatically when
    the new instances fail their health checks (O(auto_rollback)), or when asked (O(state=rolled_back)).
  - Checkpoints make a canary. The refresh replaces O(checkpoint_percentages) of the group, waits
    O(checkpoint_delay) seconds, then goes on.
  - Idempotent. A group that already runs O(launch_template_version) changes nothing; an active refresh
    towards that version is reported, not started again; an active refresh towards another version is
    an error (wait for it, or roll it back).
  - Returns at once; follow the refresh with M(amazon.aws.autoscaling_instance_refresh_info).
  - Written because M(amazon.aws.autoscaling_instance_refresh) (amazon.aws 10.1.2) sends neither a
    desired configuration nor the C(CheckpointPercentages), C(CheckpointDelay) and C(AutoRollback)
    preferences, and cannot call C(RollbackInstanceRefresh).
author:
  - Webcast platform engineering
options:
  name:
    description: The Auto Scaling group.
    type: str
    required: true
  state:
    description:
      - V(present) ensures the group runs O(launch_template_version), or is being refreshed towards it.
      - V(rolled_back) rolls back the group's active refresh (AWS puts back instances of the configuration
        from before it); nothing to do when no refresh is active.
      - V(cancelled) stops the group's active refresh where it is, without rolling back.
    type: str
    choices: [present, rolled_back, cancelled]
    default: present
  launch_template_version:
    description:
      - The version of the group's launch template to roll out (a number, never C($Latest) or
        C($Default), from which AWS cannot roll back). Required with O(state=present).
    type: str
  min_healthy_percentage:
    description: Percent of the group kept in service during the refresh, 0 to 100.
    type: int
    default: 100
  max_healthy_percentage:
    description:
      - Percent of the group in service or launching, 100 to 200, at most O(min_healthy_percentage) + 100;
        above 100 launches replacements before old instances go.
    type: int
    default: 200
  instance_warmup:
    description: Seconds a new instance needs before it counts as healthy; the group's grace period if unset.
    type: int
  skip_matching:
    description: Leave alone instances that already run the wanted version.
    type: bool
    default: true
  checkpoint_percentages:
    description:
      - Percentages of the group after which the refresh pauses for O(checkpoint_delay), strictly
        increasing, 1 to 100. The module adds 100 at the end when it is not there, so that the whole
        group is replaced. Empty for no pause.
    type: list
    elements: int
    default: []
  checkpoint_delay:
    description: Seconds the refresh waits at each checkpoint (AWS's default is 3600), 0 to 172800.
    type: int
  auto_rollback:
    description: Let AWS roll back when the refresh fails (new instances failing their health checks).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode and diff (the group's launch template version before and after).
"""

EXAMPLES = r"""
- name: Roll the group onto launch template version 7, a quarter first, then the rest after 10 minutes
  webcast.platform.autoscaling_rollout:
    name: webcast-production-app
    launch_template_version: "7"
    min_healthy_percentage: 100
    max_healthy_percentage: 200
    checkpoint_percentages: [25]
    checkpoint_delay: 600
  register: rollout

- name: Roll back the refresh in progress
  webcast.platform.autoscaling_rollout:
    name: webcast-production-app
    state: rolled_back
"""

RETURN = r"""
action:
  description: What the module did (or in check mode would do).
  returned: always
  type: str
  sample: started
  choices: [started, none, in_progress, rolled_back, cancelled]
launch_template:
  description: The group's launch template before the call.
  returned: always
  type: dict
  sample:
    launch_template_id: lt-0123456789abcdef0
    launch_template_name: webcast-production-app
    version: "6"
instance_refresh:
  description: The refresh started, rolled back, cancelled or found active ({} when there is none).
  returned: always
  type: dict
  contains:
    instance_refresh_id:
      description: The refresh's id.
      type: str
      returned: when there is a refresh
    status:
      description: Pending, InProgress, Successful, Failed, Cancelling, Cancelled, RollbackInProgress, ...
      type: str
      returned: when there is a refresh
    percentage_complete:
      description: Percent of the group replaced.
      type: int
      returned: when there is a refresh
    preferences:
      description: The refresh's preferences as AWS holds them.
      type: dict
      returned: when there is a refresh
msg:
  description: A sentence saying what happened.
  returned: always
  type: str
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client

# Statuses of a refresh that is still running: AWS refuses to start another one meanwhile.
ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
# Statuses from which RollbackInstanceRefresh and CancelInstanceRefresh can act.
REVERSIBLE = ("Pending", "InProgress", "Baking")


def settings_errors(params: dict[str, Any]) -> list[str]:
    """What is wrong with the parameters, each naming the option, its value and what is allowed."""
    errors = []
    low, high = params["min_healthy_percentage"], params["max_healthy_percentage"]
    if not 0 <= low <= 100:
        errors.append(f"min_healthy_percentage is {low}; allowed: 0 to 100")
    if not 100 <= high <= 200 or high - low > 100:
        errors.append(
            f"max_healthy_percentage is {high}; allowed: 100 to 200 and at most min + 100 ({low + 100})"
        )
    checkpoints = params["checkpoint_percentages"] or []
    if any(not 1 <= p <= 100 for p in checkpoints) or checkpoints != sorted(set(checkpoints)):
        errors.append(f"checkpoint_percentages is {checkpoints}; allowed: strictly increasing, each 1 to 100")
    delay = params.get("checkpoint_delay")
    if delay is not None and not 0 <= delay <= 172800:
        errors.append(f"checkpoint_delay is {delay}; allowed: 0 to 172800 seconds")
    version = params.get("launch_template_version")
    if params["state"] == "present" and not (version or "").isdigit():
        errors.append(f"launch_template_version is {version!r}; allowed: a version number such as '7'")
    return errors


def refresh_request(params: dict[str, Any], template_id: str) -> dict[str, Any]:
    """StartInstanceRefresh's arguments, the group name aside."""
    preferences: dict[str, Any] = {
        "MinHealthyPercentage": params["min_healthy_percentage"],
        "MaxHealthyPercentage": params["max_healthy_percentage"],
        "SkipMatching": params["skip_matching"],
        "AutoRollback": params["auto_rollback"],
    }
    if params.get("instance_warmup") is not None:
        preferences["InstanceWarmup"] = params["instance_warmup"]
    checkpoints = list(params["checkpoint_percentages"] or [])
    if checkpoints:
        preferences["CheckpointPercentages"] = checkpoints if checkpoints[-1] == 100 else [*checkpoints, 100]
        if params.get("checkpoint_delay") is not None:
            preferences["CheckpointDelay"] = params["checkpoint_delay"]
    return {
        "Strategy": "Rolling",
        "DesiredConfiguration": {
            "LaunchTemplate": {"LaunchTemplateId": template_id, "Version": params["launch_template_version"]}
        },
        "Preferences": preferences,
    }


def desired_version(refresh: dict[str, Any]) -> str | None:
    return ((refresh.get("DesiredConfiguration") or {}).get("LaunchTemplate") or {}).get("Version")


def plan(group: dict[str, Any], active: dict[str, Any] | None, params: dict[str, Any]) -> tuple[str, str]:
    """(action, message) for the group, its active refresh (or None) and the parameters."""
    name, state = group["AutoScalingGroupName"], params["state"]
    if state != "present":
        if active is None or active["Status"] not in REVERSIBLE:
            found = f"its refresh is {active['Status']}" if active else "it has no active refresh"
            return "none", f"Nothing to {state.replace('ed', '')} in {name}: {found}."
        return (
            state,
            f"{state.replace('_', ' ').capitalize()} refresh {active['InstanceRefreshId']} of {name}.",
        )
    wanted = params["launch_template_version"]
    if active is not None:
        if desired_version(active) == wanted:
            return "in_progress", f"{name} is being refreshed to version {wanted} ({active['Status']})."
        raise ValueError(
            f"{name} has an active instance refresh {active['InstanceRefreshId']} ({active['Status']}) "
            f"towards version {desired_version(active) or '(none given)'}, not {wanted}: "
            "wait for it, or roll it back."
        )
    current = (group.get("LaunchTemplate") or {}).get("Version")
    if current == wanted:
        return "none", f"{name} already runs launch template version {wanted}."
    return "started", f"Refreshing {name} from launch template version {current} to {wanted}."


def describe_group(client, module) -> dict[str, Any]:
    name = module.params["name"]
    try:
        groups = client.describe_auto_scaling_groups(aws_retry=True, AutoScalingGroupNames=[name])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the Auto Scaling group {name}")
    if not groups["AutoScalingGroups"]:
        module.fail_json(msg=f"There is no Auto Scaling group {name} to roll out.")
    return groups["AutoScalingGroups"][0]


def active_refresh(client, module) -> dict[str, Any] | None:
    name = module.params["name"]
    try:
        refreshes = client.describe_instance_refreshes(aws_retry=True, AutoScalingGroupName=name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the instance refreshes of {name}")
    return next((r for r in refreshes["InstanceRefreshes"] if r["Status"] in ACTIVE), None)


def refresh_by_id(client, module, refresh_id: str) -> dict[str, Any]:
    name = module.params["name"]
    try:
        found = client.describe_instance_refreshes(
            aws_retry=True, AutoScalingGroupName=name, InstanceRefreshIds=[refresh_id]
        )["InstanceRefreshes"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe instance refresh {refresh_id} of {name}")
    return found[0] if found else {}


def act(client, module, action: str, group: dict[str, Any]) -> str:
    """Call AWS for the action; the refresh's id."""
    name = module.params["name"]
    try:
        if action == "started":
            request = refresh_request(module.params, group["LaunchTemplate"]["LaunchTemplateId"])
            return client.start_instance_refresh(aws_retry=True, AutoScalingGroupName=name, **request)[
                "InstanceRefreshId"
            ]
        if action == "rolled_back":
            return client.rollback_instance_refresh(aws_retry=True, AutoScalingGroupName=name)[
                "InstanceRefreshId"
            ]
        return client.cancel_instance_refresh(aws_retry=True, AutoScalingGroupName=name)["InstanceRefreshId"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to {action.replace('ed', '').replace('_', ' ')} the refresh of {name}"
        )


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "rolled_back", "cancelled"]),
        launch_template_version=dict(type="str"),
        min_healthy_percentage=dict(type="int", default=100),
        max_healthy_percentage=dict(type="int", default=200),
        instance_warmup=dict(type="int"),
        skip_matching=dict(type="bool", default=True),
        checkpoint_percentages=dict(type="list", elements="int", default=[]),
        checkpoint_delay=dict(type="int"),
        auto_rollback=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = settings_errors(module.params)
    if errors:
        module.fail_json(msg="; ".join(errors) + ".")
    client = retrying_client(module, "autoscaling")
    group = describe_group(client, module)
    before = camel_dict_to_snake_dict(group.get("LaunchTemplate") or {})
    if module.params["state"] == "present" and before.get("version") in (None, "$Latest", "$Default"):
        module.fail_json(
            msg=f"{module.params['name']} runs launch template version {before.get('version')!r}; a rollout "
            "that can roll back needs the group on an explicit version number."
        )
    active = active_refresh(client, module)
    try:
        action, message = plan(group, active, module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    refresh = active or {}
    if action in ("started", "rolled_back", "cancelled") and not module.check_mode:
        refresh = refresh_by_id(client, module, act(client, module, action, group))
    after = dict(before, version=module.params["launch_template_version"]) if action == "started" else before
    module.exit_json(
        changed=action in ("started", "rolled_back", "cancelled"),
        action=action,
        msg=message,
        launch_template=before,
        instance_refresh=camel_dict_to_snake_dict(refresh, ignore_list=["Preferences"]),
        diff={"before": {"launch_template": before}, "after": {"launch_template": after}},
    )


if __name__ == "__main__":
    main()
