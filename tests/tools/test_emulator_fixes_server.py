"""The emulator's own server (python -m tools.emulator, fixes applied at start) carries the fixes.

The collection modules run in process against it through endpoint_url, twice each: the first run
changes, the second reports no change, as against AWS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ansible_collections.amazon.aws.plugins.modules import backup_vault
from ansible_collections.community.aws.plugins.modules import efs, elasticache
from emulator_helpers import emulator_running, run_module


@pytest.fixture(scope="module")
def endpoint_url() -> Iterator[str]:
    with emulator_running() as port:
        yield f"http://127.0.0.1:{port}"


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
    first = run_module(capsys, module, endpoint_url=endpoint_url, **args)
    second = run_module(capsys, module, endpoint_url=endpoint_url, **args)
    assert first["changed"] is True and not first.get("failed"), first
    assert second["changed"] is False and not second.get("failed"), second
