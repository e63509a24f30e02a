"""Runs one playbook for many sets of settings at once, and reads each set's own result.

A test table of bad settings would otherwise start one ansible-playbook per row, and Ansible's start
(loading the collections, the inventory and every role) costs far more than the row's checks. Here
each row becomes a host of a generated inventory, in group `aws` beside `localhost`: it runs on the
control node as localhost does (local connection, the playbook's Python), and its settings are host
vars. The generated file comes after the environment's hosts.yml, so the environment's group_vars
still load; `--limit` keeps localhost out. Host vars override group_vars and role defaults, as the
extra vars of a run of one row did; nothing the rows set is a play or role var (they would win over
host vars), and a row whose value must be an extra var keeps a run of its own.

A failed task stops that host alone (no play sets any_errors_fatal), so every row goes as far as its
own settings let it. The JSON callback gives each host's results apart; a row's text is every
string of its results (keys and values), as the default callback would have printed them.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# A closed port on loopback: a role that reached AWS before validating fails to connect instead.
CLOSED_ENDPOINT = "http://127.0.0.1:9"
# What a host's output shows when one of its tasks called AWS.
CONNECTION_ERRORS = ("Could not connect", "EndpointConnectionError", CLOSED_ENDPOINT.split("//")[1])


@dataclass(frozen=True)
class HostRun:
    """One row's share of the run: its recap line, and the text of its failed and of all its results."""

    recap: dict[str, int]
    failures: str
    output: str

    @property
    def failed(self) -> bool:
        return self.recap.get("failures", 0) > 0 and self.recap.get("unreachable", 0) == 0

    @property
    def passed(self) -> bool:
        """The row ran (it has a recap line) and none of its tasks failed."""
        return (
            bool(self.recap) and self.recap.get("failures", 0) == 0 and self.recap.get("unreachable", 0) == 0
        )

    @property
    def reached_aws(self) -> bool:
        # A task that called the closed port failed (ignored or not): its error is among the failures.
        return any(text in self.failures for text in CONNECTION_ERRORS)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _text(results: list[dict]) -> str:
    return " ".join(" ".join(_strings(results)).split())


def run_rows(
    playbook: str,
    rows: Mapping[str, Mapping[str, Any]],
    *,
    inventory: str = "inventories/local/hosts.yml",
    endpoint: str = CLOSED_ENDPOINT,
    common: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: int = 900,
) -> dict[str, HostRun]:
    """Run `playbook` once for every row ({row id: its settings}, plus `common` under each), the
    endpoint pointing at `endpoint`; return each row's HostRun by its id."""
    names = {row: f"row{index:03d}" for index, row in enumerate(rows)}
    hosts = {
        names[row]: {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            **(common or {}),
            **settings,
        }
        for row, settings in rows.items()
    }
    run_env = dict(
        env if env is not None else os.environ,
        WEBCAST_AWS_ENDPOINT_URL=endpoint,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
    )
    with tempfile.TemporaryDirectory(prefix="webcast-rows-") as work:
        generated = Path(work) / "rows.yml"
        # JSON is YAML: the inventory plugin reads it, and the values keep their types.
        generated.write_text(json.dumps({"all": {"children": {"aws": {"hosts": hosts}}}}))
        result = subprocess.run(
            [
                "ansible-playbook",
                "-i",
                # hosts.yml, not the whole inventory: the fleet inventory beside it lists instances
                # from the endpoint as it loads, which is not a role reaching AWS (group_vars/ is
                # read from beside hosts.yml all the same)
                inventory,
                "-i",
                str(generated),
                "--limit",
                ",".join(names.values()),
                playbook,
            ],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"ansible-playbook gave no JSON report (exit {result.returncode}): "
            + " ".join((result.stdout + result.stderr).split())[-3000:]
        ) from None
    failed: dict[str, list[dict]] = {name: [] for name in names.values()}
    every: dict[str, list[dict]] = {name: [] for name in names.values()}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, outcome in task["hosts"].items():
                if host not in every:
                    continue
                every[host].append(outcome)
                if outcome.get("failed") or outcome.get("unreachable"):
                    failed[host].append({"task": task["task"]["name"], **outcome})
    return {
        row: HostRun(report["stats"].get(name, {}), _text(failed[name]), _text(every[name]))
        for row, name in names.items()
    }


def assert_refused(run: HostRun, expected: list[str], settings: Mapping[str, Any]) -> None:
    """The row failed, before any AWS call, its failure showing every expected text."""
    assert not run.reached_aws, f"a role called AWS before validating {dict(settings)}: {run.output[-2000:]}"
    assert run.failed, f"{dict(settings)} was accepted ({run.recap}): {run.output[-2000:]}"
    for text in expected:
        assert text in run.failures, (
            f"{text!r} not in the failure for {dict(settings)}: {run.failures[-2000:]}"
        )
