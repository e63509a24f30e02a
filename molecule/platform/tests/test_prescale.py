"""playbooks/prescale.yml on the converged environment: scheduled actions at the formula's times and
sizes, once; bad input refused before any AWS call; cancelling removes them (and leaves nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import ENV, ROOT
from playbook_run import PlaybookRun, run_playbook


def flat(run: PlaybookRun) -> str:
    """The run's output on one line: Ansible folds long messages and doubles quotes in YAML."""
    return " ".join((run.stdout + run.stderr).replace("''", "'").split())


NAME = f"webcast-{ENV}-app"
EVENT = "verify-event"
START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)


def prescale(*extra: str) -> PlaybookRun:
    return run_playbook(
        [
            "-i",
            "inventories/local",
            "playbooks/prescale.yml",
            "-e",
            f"webcast_env={ENV}",
            "-e",
            f"aws_event_scaling_event={EVENT}",
            *extra,
        ],
        ROOT,
    )


EVENT_ARGS = [
    "-e", f"aws_event_scaling_start={START:%Y-%m-%dT%H:%M:%SZ}",
    "-e", "aws_event_scaling_duration_min=90",
    "-e", "aws_event_scaling_viewers=300",
    "-e", "aws_event_scaling_viewers_per_instance=200",
]  # fmt: skip


def event_actions(autoscaling) -> dict:
    actions = autoscaling.describe_scheduled_actions(AutoScalingGroupName=NAME)["ScheduledUpdateGroupActions"]
    return {
        a["ScheduledActionName"]: a for a in actions if a["ScheduledActionName"].startswith(f"event-{EVENT}")
    }


def cron(when: datetime) -> str:
    return f"{when.minute} {when.hour} {when.day} {when.month} *"


@pytest.fixture(scope="module")
def autoscaling(aws):
    client = aws("autoscaling")
    yield client
    if event_actions(client):
        prescale("-e", "aws_event_scaling_state=absent")


def test_bad_input_is_refused_naming_each_variable_before_any_aws_call(autoscaling):
    run = prescale(
        "-e", "aws_event_scaling_start=2020-01-01T00:00:00Z",
        "-e", "aws_event_scaling_duration_min=-10",
        "-e", "aws_event_scaling_viewers=-5",
    )  # fmt: skip
    assert run.returncode != 0
    for named in (
        "aws_event_scaling_start is 2020-01-01T00:00:00Z, which is past",
        "aws_event_scaling_duration_min is -10; allowed",
        "aws_event_scaling_viewers is -5; allowed",
    ):
        assert named in flat(run), run.tail()
    assert "Check that the group exists" not in run.stdout, "an AWS call ran before the input was refused"
    assert event_actions(autoscaling) == {}


def test_an_event_beyond_the_groups_maximum_is_refused_with_the_figures(autoscaling):
    run = prescale(
        *EVENT_ARGS[:-4],
        "-e",
        "aws_event_scaling_viewers_per_instance=200",
        "-e",
        "aws_event_scaling_viewers=100000",
    )
    assert run.returncode != 0
    assert "needs 650 instances" in flat(run) and "above the group's maximum of 2" in flat(run), run.tail()
    assert event_actions(autoscaling) == {}


def test_the_group_scales_out_before_the_event_and_back_after_it_at_the_computed_sizes(autoscaling, settings):
    run = prescale(*EVENT_ARGS)
    assert run.returncode == 0, run.tail()
    found = event_actions(autoscaling)
    out, back = found[f"event-{EVENT}-scale-out"], found[f"event-{EVENT}-scale-in"]
    # ceil(300 x 1.3 / 200) = 2 instances, 30 minutes before the start; back 15 minutes after the end.
    # Each action is a recurrence for its minute, hour, day and month that ends an hour later.
    scale_out, scale_in = START - timedelta(minutes=30), START + timedelta(minutes=90 + 15)
    assert (out["Recurrence"], out["MinSize"], out["DesiredCapacity"]) == (cron(scale_out), 2, 2), out
    assert out["EndTime"] == scale_out + timedelta(hours=1), out
    assert out["MaxSize"] == settings["webcast_asg_max_size"]
    assert (back["Recurrence"], back["EndTime"]) == (cron(scale_in), scale_in + timedelta(hours=1)), back
    assert back["MinSize"] == settings["webcast_asg_min_size"]
    assert back.get("DesiredCapacity") is None, back


def test_a_second_prescale_for_the_same_event_changes_nothing(autoscaling):
    run = prescale(*EVENT_ARGS)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host == [0], run.changed_tasks


def test_cancelling_the_event_removes_its_actions_and_nothing_else(autoscaling):
    others = autoscaling.describe_scheduled_actions(AutoScalingGroupName=NAME)["ScheduledUpdateGroupActions"]
    run = prescale("-e", "aws_event_scaling_state=absent")
    assert run.returncode == 0, run.tail()
    assert event_actions(autoscaling) == {}
    left = autoscaling.describe_scheduled_actions(AutoScalingGroupName=NAME)["ScheduledUpdateGroupActions"]
    assert len(left) == len(others) - 2, left
