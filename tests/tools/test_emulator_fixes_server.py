"""The emulator's own server (python -m tools.emulator, fixes applied at start) carries the fixes.

The collection modules run in process against it through endpoint_url, twice each: the first run
changes, the second reports no change, as against AWS.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.modules import backup_vault
from ansible_collections.community.aws.plugins.modules import efs, elasticache

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def emulator(action: str, port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", action, "--port", str(port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.fixture(scope="module")
def endpoint_url() -> Iterator[str]:
    port = free_port()
    started = emulator("start", port)
    assert started.returncode == 0, started.stderr
    yield f"http://127.0.0.1:{port}"
    emulator("stop", port)
    shutil.rmtree(ROOT / f".run/emulator-{port}", ignore_errors=True)


def run_module(module: Any, capsys: pytest.CaptureFixture[str], endpoint_url: str, **args: Any) -> dict:
    with (
        patch_module_args({"region": REGION, "endpoint_url": endpoint_url, **args}),
        mock.patch.dict(ansible_warnings._global_warnings, clear=True),
        pytest.raises(SystemExit),
    ):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("module", "args"),
    [
        (efs, {"name": "media", "tags": {"Name": "media", "env": "test"}}),
        (elasticache, {"name": "chat", "state": "present", "engine": "redis", "cache_port": 6379}),
        (elasticache, {"name": "sessions", "state": "present", "engine": "memcached", "num_nodes": 2}),
        (backup_vault, {"backup_vault_name": "media", "tags": {"env": "test"}}),
    ],
    ids=["efs", "elasticache-redis", "elasticache-memcached", "backup_vault"],
)
def test_the_emulator_server_lets_the_module_converge_and_report_no_change(
    endpoint_url, capsys, module, args
):
    first = run_module(module, capsys, endpoint_url, **args)
    second = run_module(module, capsys, endpoint_url, **args)
    assert first["changed"] is True and not first.get("failed"), first
    assert second["changed"] is False and not second.get("failed"), second
