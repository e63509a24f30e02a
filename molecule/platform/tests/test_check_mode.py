"""Check mode tells the truth: no change on the converged environment, only a plan on an unbuilt one."""

from __future__ import annotations

from conftest import ENV, ROOT
from playbook_run import run_playbook


def test_check_mode_on_the_converged_environment_reports_no_change():
    run = run_playbook(
        ["--check", "--diff", "-i", "inventories/local", "playbooks/site.yml", "-e", f"webcast_env={ENV}"],
        ROOT,
    )
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host == [0], (
        f"check mode reports changes on a converged environment: {run.changed_tasks}"
    )


def test_check_mode_on_an_unbuilt_environment_shows_the_plan_and_creates_nothing(aws):
    run = run_playbook(
        ["--check", "-i", "inventories/local", "playbooks/site.yml", "-e", "webcast_env=unbuilt"], ROOT
    )
    assert run.returncode == 0, run.tail()
    assert "would_create_vpc" in run.stdout
    vpcs = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": ["unbuilt"]}])["Vpcs"]
    assert vpcs == [], f"check mode created {vpcs}"
