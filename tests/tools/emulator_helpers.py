"""Helpers the tests of tools/emulator share: the emulator's command line, its fixes, a module run."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from tools.emulator import fixes

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def emulator(action: str, port: int) -> subprocess.CompletedProcess:
    """python -m tools.emulator ACTION --port PORT, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", action, "--port", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )


@contextmanager
def emulator_running() -> Iterator[int]:
    """The emulator started on a free port (its port); stopped and its run folder removed after."""
    port = free_port()
    started = emulator("start", port)
    assert started.returncode == 0, started.stderr
    try:
        yield port
    finally:
        emulator("stop", port)
        shutil.rmtree(ROOT / f".run/emulator-{port}", ignore_errors=True)


def fix(name: str) -> fixes.Fix:
    return next(f for f in fixes.FIXES if f.name == name)


def run_module(capsys: pytest.CaptureFixture[str], module: ModuleType, **args: Any) -> dict[str, Any]:
    """An Ansible module in process, as Ansible would run it (in REGION unless args say otherwise).

    Its result, warnings included: the warnings of earlier runs are cleared first.
    """
    with (
        patch_module_args({"region": REGION, **args}),
        mock.patch.dict(ansible_warnings._global_warnings, clear=True),
        pytest.raises(SystemExit),
    ):
        module.main()
    return json.loads(capsys.readouterr().out)
