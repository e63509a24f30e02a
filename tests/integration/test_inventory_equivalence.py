"""webcast_aws and amazon.aws.aws_ec2, configured alike, list the same fleet from the same emulator.

Both run as operators run them (`ansible-inventory --list` in a child process) against an emulator of
this test's own, holding the environment's running fleet, instances of another environment and stopped
ones. The configurations are the benchmark's (tools/bench_inventory.py), so this test is also what
makes the benchmark's comparison a fair one: same filters, same hosts, same groups.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import bench_inventory as bench

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from emulator_helpers import emulator_running  # noqa: E402 (tests/tools is not a package)

RUNNING = 40
# The groups aws_ec2 cannot make: it reads neither AMI tags nor Auto Scaling.
OURS_ONLY = ("image_version_", "lifecycle_")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with emulator_running() as port:
        url = f"http://127.0.0.1:{port}"
        # batches of 5: the 40 instances spread over every role, AZ and image
        bench.populate(url, RUNNING, others=4, stopped=3, batch=5)
        yield url


@pytest.fixture(scope="module")
def listings(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    work = tmp_path_factory.mktemp("inventories")
    # Ours finds the emulator through WEBCAST_AWS_ENDPOINT_URL, as the local inventory does.
    ours = bench.write_inventory(work / "ours", bench.our_config(work / "ours-cache"))
    theirs = bench.write_inventory(
        work / "theirs", bench.their_config(work / "theirs-cache", endpoint=endpoint)
    )
    return {
        "ours": bench.inventory_list(ours, env={"WEBCAST_AWS_ENDPOINT_URL": endpoint})[2],
        "theirs": bench.inventory_list(theirs)[2],
    }


def groups(listing: dict[str, Any]) -> dict[str, set[str]]:
    return {
        name: set(group.get("hosts", []))
        for name, group in listing.items()
        if name not in ("_meta", "all", "ungrouped", "aws_ec2")
    }


def test_both_list_the_same_hosts(listings: dict[str, dict[str, Any]]) -> None:
    ours, theirs = (bench.listed_hosts(listings[name]) for name in ("ours", "theirs"))
    assert len(theirs) == RUNNING, f"aws_ec2 listed {len(theirs)} hosts, the fleet has {RUNNING}"
    assert ours == theirs, f"only ours: {sorted(ours - theirs)}; only theirs: {sorted(theirs - ours)}"


def test_both_make_the_same_groups(listings: dict[str, dict[str, Any]]) -> None:
    ours = {name: hosts for name, hosts in groups(listings["ours"]).items() if not name.startswith(OURS_ONLY)}
    assert ours == groups(listings["theirs"])


def test_ours_adds_image_versions_and_lifecycle_states(listings: dict[str, dict[str, Any]]) -> None:
    ours = groups(listings["ours"])
    assert {name for name in ours if name.startswith("image_version_")} == {
        f"image_version_{version.replace('.', '_')}" for version in bench.VERSIONS
    }
    assert ours["lifecycle_inservice"], "the Auto Scaling groups' own members are InService"


def test_ours_keeps_hostvars_lean(listings: dict[str, dict[str, Any]]) -> None:
    ours, theirs = (listings[name]["_meta"]["hostvars"] for name in ("ours", "theirs"))
    host = next(iter(ours))
    assert len(ours[host]) < len(theirs[host]) / 2, f"ours {sorted(ours[host])}"
