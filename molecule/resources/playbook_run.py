"""Run ansible-playbook from a verifier and read its recap, for the scenarios' check-mode tests."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Molecule sets ANSIBLE_FORCE_COLOR for its own subprocesses when it colours its output, and that
# beats ANSIBLE_NOCOLOR: the recap would not parse. Both are turned off below, and any colour left
# is stripped.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "stdout", _ANSI.sub("", self.stdout))

    @property
    def changed_per_host(self) -> list[int]:
        return [int(n) for n in re.findall(r"^\S+\s+:\s+ok=\d+\s+changed=(\d+)", self.stdout, re.MULTILINE)]

    @property
    def changed_tasks(self) -> list[str]:
        """The 'changed:' lines with the task header above each, to say what would change."""
        lines = self.stdout.splitlines()
        return [f"{lines[i - 1]} {line}" for i, line in enumerate(lines) if line.startswith("changed:")]

    def tail(self) -> str:
        return self.stdout[-3000:] + self.stderr[-2000:]


def run_playbook(args: list[str], cwd: Path) -> PlaybookRun:
    result = subprocess.run(
        ["ansible-playbook", *args],
        cwd=cwd,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return PlaybookRun(result.returncode, result.stdout, result.stderr)


def assert_check_mode_reports_no_change(scenario: Path) -> None:
    """Run the scenario's converge.yml in check mode on its converged hosts: it must change nothing.

    Through Ansible, as an operator would run it: molecule passes its inventory and the provisioner's
    environment (ANSIBLE_CONFIG, roles and collections paths) to the verifier.
    """
    import pytest

    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.skip(f"needs molecule's inventory: run it with `molecule verify -s {scenario.name}`")
    run = run_playbook(["--check", "--diff", "-i", str(Path(inventory).parent), "converge.yml"], scenario)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host and set(run.changed_per_host) == {0}, (
        f"check mode reports changes on a converged host: {run.changed_tasks}"
    )
