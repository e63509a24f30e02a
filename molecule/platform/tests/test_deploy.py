"""playbooks/deploy.yml on the converged environment: the image rolls, with its preferences, once;
bad input changes nothing; a bad image and a refresh past its time are rolled back.

Each test registers its own approved images; at the end they are deregistered and the image that
ran before is deployed again, so that the environment is converged as before for the tests after.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import ENV, ROOT
from playbook_run import PlaybookRun, run_playbook


def flat(run: PlaybookRun) -> str:
    """The run's output on one line: Ansible folds long messages and doubles quotes in YAML."""
    return " ".join((run.stdout + run.stderr).replace("''", "'").split())


NAME = f"webcast-{ENV}-app"
HEALTH_TAG = "webcast:emulator-health"  # tools/emulator/fixes_autoscaling.py: instances fail health checks
FAST = ["-e", "aws_compute_deploy_poll_s=1", "-e", "aws_compute_deploy_timeout_s=60"]


def deploy(*extra: str) -> PlaybookRun:
    return run_playbook(
        ["-i", "inventories/local", "playbooks/deploy.yml", "-e", f"webcast_env={ENV}", *extra], ROOT
    )


@pytest.fixture(scope="module")
def ec2(aws):
    return aws("ec2")


@pytest.fixture(scope="module")
def autoscaling(aws):
    return aws("autoscaling")


def group(autoscaling) -> dict:
    return autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[NAME])["AutoScalingGroups"][0]


def template_image(ec2, version: str) -> str:
    template_id = ec2.describe_launch_templates(LaunchTemplateNames=[NAME])["LaunchTemplates"][0][
        "LaunchTemplateId"
    ]
    found = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=[version])
    return found["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"]


def latest_version(ec2) -> int:
    return ec2.describe_launch_templates(LaunchTemplateNames=[NAME])["LaunchTemplates"][0][
        "LatestVersionNumber"
    ]


def instance_images(ec2, autoscaling) -> set[str]:
    ids = [i["InstanceId"] for i in group(autoscaling)["Instances"]]
    reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"] if ids else []
    return {i["ImageId"] for r in reservations for i in r["Instances"]}


def last_refresh(autoscaling) -> dict:
    return autoscaling.describe_instance_refreshes(AutoScalingGroupName=NAME)["InstanceRefreshes"][0]


@pytest.fixture(scope="module")
def images(ec2, autoscaling) -> Iterator[dict]:
    """Registers approved images on demand (images.new(version, unhealthy=False)); cleans up after."""
    approved = ec2.describe_images(
        Owners=["self"],
        Filters=[
            {"Name": "tag:Project", "Values": ["webcast"]},
            {"Name": "tag:Approved", "Values": ["true"]},
        ],
    )["Images"]
    source = max(approved, key=lambda image: image["CreationDate"])["ImageId"]
    made: list[str] = []

    def new(version: str, unhealthy: bool = False) -> str:
        image_id = ec2.copy_image(
            SourceImageId=source, SourceRegion="eu-west-1", Name=f"webcast-webcast-{version}"
        )["ImageId"]
        tags = {"Project": "webcast", "Role": "webcast", "Version": version, "Approved": "true"}
        if unhealthy:
            tags[HEALTH_TAG] = "unhealthy"
        ec2.create_tags(Resources=[image_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        made.append(image_id)
        return image_id

    yield {"new": new, "source": source}
    for image_id in made:
        ec2.deregister_image(ImageId=image_id)
    # The image from before is the newest approved one again: deploy it back.
    run = deploy(*FAST)
    assert run.returncode == 0, run.tail()


def test_a_bad_canary_percentage_is_refused_naming_the_variable_before_any_change(ec2):
    before = latest_version(ec2)
    run = deploy("-e", "aws_compute_deploy_canary_percent=100")
    assert run.returncode != 0
    assert "aws_compute_deploy_canary_percent=100 (allowed: 0 for none, up to 99)" in flat(run), run.tail()
    assert latest_version(ec2) == before


def test_an_unknown_image_version_is_refused_with_the_versions_there_are(ec2):
    before = latest_version(ec2)
    run = deploy("-e", "aws_compute_image_version=7.7.7")
    assert run.returncode != 0
    assert "aws_compute_image_version is '7.7.7', which no approved webcast image carries" in flat(run), (
        run.tail()
    )
    assert latest_version(ec2) == before


def test_check_mode_tells_what_would_roll_and_changes_nothing(ec2, autoscaling, images):
    images["new"]("9.5.0")
    before, group_before = latest_version(ec2), group(autoscaling)["LaunchTemplate"]["Version"]
    run = deploy("--check")
    assert run.returncode == 0, run.tail()
    assert "Would create launch template version" in flat(run), run.tail()
    assert (latest_version(ec2), group(autoscaling)["LaunchTemplate"]["Version"]) == (before, group_before)


def test_a_deploy_rolls_the_newest_image_with_a_canary_and_reports_what_changed(ec2, autoscaling, images):
    new = images["new"]("9.5.1")
    old_version = group(autoscaling)["LaunchTemplate"]["Version"]
    run = deploy(
        *FAST, "-e", "aws_compute_deploy_canary_percent=50", "-e", "aws_compute_deploy_canary_pause_s=2"
    )
    assert run.returncode == 0, run.tail()
    version = str(latest_version(ec2))
    assert template_image(ec2, version) == new
    assert group(autoscaling)["LaunchTemplate"]["Version"] == version, (
        "the group did not move to the new version"
    )
    assert instance_images(ec2, autoscaling) == {new}
    refresh = last_refresh(autoscaling)
    preferences = refresh["Preferences"]
    assert (refresh["Status"], refresh["DesiredConfiguration"]["LaunchTemplate"]["Version"]) == (
        "Successful",
        version,
    )
    assert preferences["CheckpointPercentages"] == [50, 100], preferences
    assert (
        preferences["CheckpointDelay"],
        preferences["MinHealthyPercentage"],
        preferences["AutoRollback"],
    ) == (
        2,
        100,
        True,
    )
    assert "% replaced" in run.stdout, "no progress was printed"
    assert f"{old_version} -> {version}" in flat(run) and new in flat(run), run.tail()


def test_deploying_the_image_already_running_changes_nothing():
    run = deploy(*FAST)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host == [0], run.changed_tasks


def test_an_image_failing_health_checks_is_rolled_back_automatically(ec2, autoscaling, images):
    good_version = group(autoscaling)["LaunchTemplate"]["Version"]
    good_images = instance_images(ec2, autoscaling)
    images["new"]("9.6.0", unhealthy=True)
    run = deploy(*FAST)
    assert run.returncode != 0, "a deploy that was rolled back reported success"
    assert "ended RollbackSuccessful" in flat(run), run.tail()
    assert last_refresh(autoscaling)["Status"] == "RollbackSuccessful"
    assert group(autoscaling)["LaunchTemplate"]["Version"] == good_version
    assert instance_images(ec2, autoscaling) == good_images


def test_a_refresh_past_the_deploys_time_is_rolled_back_by_the_play(ec2, autoscaling, images):
    good_version = group(autoscaling)["LaunchTemplate"]["Version"]
    images["new"]("9.7.0")
    run = deploy(
        "-e",
        "aws_compute_deploy_poll_s=1",
        "-e",
        "aws_compute_deploy_timeout_s=3",
        "-e",
        "aws_compute_deploy_canary_percent=50",
        "-e",
        "aws_compute_deploy_canary_pause_s=3600",
    )
    assert run.returncode != 0, run.tail()
    refresh = last_refresh(autoscaling)
    assert refresh["Status"] == "RollbackSuccessful", refresh
    assert refresh["RollbackDetails"]["RollbackReason"] == "Rollback requested by the user.", refresh
    assert group(autoscaling)["LaunchTemplate"]["Version"] == good_version
