"""Check mode tells the truth: on the converged network it reports nothing to change."""

from __future__ import annotations

import os
import re
import subprocess

from conftest import ENV, ROOT


def test_check_mode_on_the_converged_network_reports_no_change():
    result = subprocess.run(
        [
            "ansible-playbook",
            "--check",
            "--diff",
            "-i",
            "inventories/local",
            "playbooks/network.yml",
            "-e",
            f"webcast_env={ENV}",
        ],
        cwd=ROOT,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    recap = re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", result.stdout)
    assert recap, result.stdout[-2000:]
    changed = [line for line in result.stdout.splitlines() if line.startswith("changed:")]
    assert recap.group(1) == "0", f"check mode reports changes on a converged network: {changed}"


def test_check_mode_on_an_unbuilt_environment_shows_the_plan_and_creates_nothing(aws):
    result = subprocess.run(
        [
            "ansible-playbook",
            "--check",
            "-i",
            "inventories/local",
            "playbooks/site.yml",
            "-e",
            "webcast_env=unbuilt",
        ],
        cwd=ROOT,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "would_create_vpc" in result.stdout
    vpcs = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Environment", "Values": ["unbuilt"]}])["Vpcs"]
    assert vpcs == [], f"check mode created {vpcs}"
