"""Runs a playbook whose AWS endpoint is a closed port, for the tests that bad settings fail in
validation: had a role reached AWS before validating, the run would fail with a connection error
instead of the validation message."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOSED_ENDPOINT = "http://127.0.0.1:9"


def run_offline(playbook: str, extra_vars: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, WEBCAST_AWS_ENDPOINT_URL=CLOSED_ENDPOINT, ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        [
            "ansible-playbook",
            "-i",
            # hosts.yml, not the whole inventory: the fleet inventory next to it
            # (fleet.webcast_aws.yml) lists instances from the endpoint as it loads, which is not
            # the role reaching AWS (group_vars/ is read from beside hosts.yml all the same)
            "inventories/local/hosts.yml",
            playbook,
            "-e",
            json.dumps(extra_vars),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_fails_in_validation(result: subprocess.CompletedProcess, expected: list[str]) -> None:
    """The run failed, its output holds every expected text, and no AWS call was tried."""
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in output, f"{text!r} not in: {output[-2000:]}"
    assert "Could not connect" not in output and "EndpointConnectionError" not in output, (
        "a role called AWS before validating: " + output[-2000:]
    )
