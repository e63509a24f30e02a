"""Measure the fleet inventory (webcast.platform.webcast_aws) against amazon.aws.aws_ec2.

    python tools/bench_inventory.py [--sizes 1000 5000] [--runs 3] [--port 4581]

Runs on an emulator of its own (fresh, stopped at the end). For each size it populates that many
running instances of the environment `bench` (three roles, three AZs, three golden AMIs with a
Version tag, one Auto Scaling group per role), plus a few instances of another environment and a few
stopped ones that neither inventory may list. Then, alternating ours and theirs, it times
`ansible-inventory --list` cold (the cache directory deleted first) and cached (the cache the cold
run left, TTL not expired), and records the wall time and the peak RSS of that one fresh process
(through /usr/bin/time; see inventory_list).

What aws_ec2 is given, to be equivalent to ours (their_config): the same region and endpoint, the
same server-side filters (tag:Project, tag:Environment, instance-state-name=running), hostnames
instance-id, the same cache plugin and TTL, and keyed_groups that make our groups with our names
(role_, env_, region_, az_, image_, asg_, state_; ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS=silently
turns their hyphens into underscores as ours are). No compose. It cannot make two of our groups,
because it reads neither AMI tags (image_version_) nor Auto Scaling (lifecycle_): ours makes one
DescribeImages and one DescribeAutoScalingGroups call more than it, per region.

The instances come from run_instances in batches (MaxCount) tagged through TagSpecifications;
each batch carries the aws:autoscaling:groupName tag of its role's group (moto, unlike AWS, lets a
client set that tag), and the groups are real, with a few members of their own, so the lifecycle
lookup makes the calls it makes on AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The venv's ansible-inventory when run with the venv's python (make puts .venv/bin on PATH anyway).
_VENV_INVENTORY = Path(sys.executable).parent / "ansible-inventory"
ANSIBLE_INVENTORY = str(_VENV_INVENTORY) if _VENV_INVENTORY.exists() else "ansible-inventory"
# GNU time (Debian package `time`): the peak RSS of the one process it runs.
TIME = "/usr/bin/time"
PROJECT = "webcast"
ENVIRONMENT = "bench"
OTHER_ENVIRONMENT = "other"
REGION = "eu-west-1"
ROLES = ("app", "media", "mail")
AZS = tuple(f"{REGION}{letter}" for letter in "abc")
VERSIONS = ("1.4.0", "1.4.1", "1.4.2")
# moto creates a reservation per run_instances call; 100 instances a call keeps the calls few.
BATCH = 100
CACHE_TIMEOUT_S = 3600
# Both inventories fail loudly instead of answering with an empty inventory (which would be fast).
ANSIBLE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
    "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
    "ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS": "silently",
    "ANSIBLE_DEPRECATION_WARNINGS": "false",
    "ANSIBLE_NOCOLOR": "1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


# --- the fleet --------------------------------------------------------------------------------


def clients(endpoint: str, region: str = REGION) -> tuple[Any, Any]:
    import boto3

    settings = {
        "region_name": region,
        "endpoint_url": endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return boto3.client("ec2", **settings), boto3.client("autoscaling", **settings)


def tags(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs.items()]


def golden_images(ec2: Any, versions: tuple[str, ...] = VERSIONS) -> list[str]:
    """One AMI per bake version, tagged as the bake tags them (Project, Role, Version)."""
    # An Amazon Linux 2 image of moto's catalogue; filtered, as listing all of it takes seconds.
    base = ec2.describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*-x86_64-gp2"]}]
    )["Images"][0]["ImageId"]
    builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    images = []
    for version in versions:
        image = ec2.create_image(InstanceId=builder, Name=f"{PROJECT}-golden-{version}")["ImageId"]
        ec2.create_tags(
            Resources=[image], Tags=tags({"Project": PROJECT, "Role": "webcast", "Version": version})
        )
        images.append(image)
    ec2.terminate_instances(InstanceIds=[builder])
    return images


def asg_name(environment: str, role: str) -> str:
    return f"{PROJECT}-{environment}-{role}"


def auto_scaling_groups(ec2: Any, autoscaling: Any, image: str, environment: str, members: int) -> None:
    """One group per role, each with `members` instances of its own (lifecycle InService)."""
    template = f"{PROJECT}-{environment}-fleet"
    ec2.create_launch_template(
        LaunchTemplateName=template, LaunchTemplateData={"ImageId": image, "InstanceType": "c6i.large"}
    )
    for role in ROLES:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=asg_name(environment, role),
            LaunchTemplate={"LaunchTemplateName": template},
            MinSize=members,
            MaxSize=max(members, 1),
            DesiredCapacity=members,
            AvailabilityZones=[AZS[0]],
            Tags=[
                {"Key": key, "Value": value, "PropagateAtLaunch": True}
                for key, value in {"Project": PROJECT, "Environment": environment, "Role": role}.items()
            ],
        )


def run_batch(
    ec2: Any, image: str, count: int, *, environment: str, role: str, az: str, asg: str | None = None
) -> list[str]:
    instance_tags = {"Project": PROJECT, "Environment": environment, "Role": role}
    if asg:
        instance_tags["aws:autoscaling:groupName"] = asg
    answer = ec2.run_instances(
        ImageId=image,
        MinCount=count,
        MaxCount=count,
        InstanceType="c6i.large",
        Placement={"AvailabilityZone": az},
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags(instance_tags)}],
    )
    return [instance["InstanceId"] for instance in answer["Instances"]]


def populate(
    endpoint: str,
    running: int,
    *,
    others: int = 6,
    stopped: int = 6,
    asg_members: int = 2,
    batch: int = BATCH,
) -> int:
    """The environment's fleet in the emulator; returns how many instances the inventories must list.

    `running` instances of ENVIRONMENT (including the ASGs' own members) spread over roles, AZs and
    images; `others` running instances of OTHER_ENVIRONMENT and `stopped` stopped ones of ENVIRONMENT,
    which neither inventory may list.
    """
    ec2, autoscaling = clients(endpoint)
    images = golden_images(ec2)
    auto_scaling_groups(ec2, autoscaling, images[-1], ENVIRONMENT, asg_members)
    remaining = running - asg_members * len(ROLES)
    batch_number = 0
    while remaining > 0:
        count = min(batch, remaining)
        role = ROLES[batch_number % len(ROLES)]
        run_batch(
            ec2,
            images[batch_number % len(images)],
            count,
            environment=ENVIRONMENT,
            role=role,
            # every batch moves role and AZ on, so that nine batches make every pair
            az=AZS[(batch_number + batch_number // len(ROLES)) % len(AZS)],
            asg=asg_name(ENVIRONMENT, role),
        )
        remaining -= count
        batch_number += 1
    if others:
        run_batch(ec2, images[0], others, environment=OTHER_ENVIRONMENT, role="app", az=AZS[1])
    if stopped:
        ids = run_batch(ec2, images[0], stopped, environment=ENVIRONMENT, role="media", az=AZS[2])
        ec2.stop_instances(InstanceIds=ids)
    return running


# --- the two inventories ----------------------------------------------------------------------


def our_config(
    cache_dir: Path, *, endpoint: str | None = None, regions: tuple[str, ...] = (REGION,), **extra: Any
) -> dict[str, Any]:
    """webcast_aws for the bench environment; without endpoint, WEBCAST_AWS_ENDPOINT_URL says where."""
    config: dict[str, Any] = {
        "plugin": "webcast.platform.webcast_aws",
        "project": PROJECT,
        "environment": ENVIRONMENT,
        "regions": list(regions),
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
        "cache_timeout": CACHE_TIMEOUT_S,
    }
    if endpoint:
        config["endpoint_url"] = endpoint
    config.update(extra)
    return config


def their_config(
    cache_dir: Path, *, endpoint: str, regions: tuple[str, ...] = (REGION,), **extra: Any
) -> dict[str, Any]:
    """amazon.aws.aws_ec2 configured like our_config: same filters, hostnames, groups, cache."""
    config: dict[str, Any] = {
        "plugin": "amazon.aws.aws_ec2",
        "regions": list(regions),
        "endpoint_url": endpoint,
        "filters": {
            "instance-state-name": "running",
            "tag:Project": PROJECT,
            "tag:Environment": ENVIRONMENT,
        },
        "hostnames": ["instance-id"],
        "keyed_groups": [
            {"key": "tags.Role", "prefix": "role"},
            {"key": "tags.Environment", "prefix": "env"},
            {"key": "placement.region", "prefix": "region"},
            {"key": "placement.availability_zone", "prefix": "az"},
            {"key": "image_id", "prefix": "image"},
            {"key": "tags['aws:autoscaling:groupName']", "prefix": "asg"},
            {"key": "state.name", "prefix": "state"},
        ],
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
        "cache_timeout": CACHE_TIMEOUT_S,
    }
    config.update(extra)
    return config


def write_inventory(directory: Path, config: dict[str, Any]) -> Path:
    """An inventory directory holding one plugin configuration (JSON is YAML), named for its plugin."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = config["plugin"].rsplit(".", 1)[-1]
    path = directory / f"fleet.{suffix}.yml"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def inventory_list(inventory: Path, env: dict[str, str] | None = None) -> tuple[float, int, dict[str, Any]]:
    """ansible-inventory --list in a fresh process: (wall seconds, its peak RSS in KiB, its output).

    The peak comes from /usr/bin/time, which starts ansible-inventory from its own small image. The
    rusage of a child this process starts would not do: Linux carries a process's RSS high-water mark
    across exec, so the child's ru_maxrss starts at this process's RSS (which holds the listings).
    """
    child_env = dict(os.environ, **ANSIBLE_ENV, **(env or {}))
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        start = time.monotonic()
        result = subprocess.run(
            [TIME, "-f", "%M", "-o", peak.name, ANSIBLE_INVENTORY, "-i", str(inventory), "--list"],
            cwd=ROOT,
            env=child_env,
            stdout=out,
            stderr=err,
            check=False,
        )
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        if result.returncode != 0:
            raise RuntimeError(f"ansible-inventory -i {inventory} failed:\n{err.read().decode()[-3000:]}")
        return elapsed, int(peak.read().split()[-1]), json.load(out)


def listed_hosts(output: dict[str, Any]) -> set[str]:
    return set(output.get("_meta", {}).get("hostvars", {}))


# --- the benchmark ----------------------------------------------------------------------------


def emulator(action: str, port: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.emulator", action, "--port", str(port)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def bench_emulator(port: int) -> Iterator[str]:
    emulator("start", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        emulator("stop", port)
        shutil.rmtree(ROOT / ".run" / f"emulator-{port}", ignore_errors=True)


def measure(
    size: int, runs: int, endpoint: str, work: Path
) -> dict[tuple[str, str], list[tuple[float, int]]]:
    """Alternating runs of both inventories, cold then cached: {(plugin, mode): [(seconds, KiB)]}."""
    inventories = {
        "ours": (our_config, work / "ours"),
        "theirs": (their_config, work / "theirs"),
    }
    results: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for run in range(1, runs + 1):
        for name, (config, directory) in inventories.items():
            cache_dir = directory / "cache"
            inventory = write_inventory(directory / "inventory", config(cache_dir, endpoint=endpoint))
            for mode in ("cold", "cached"):
                if mode == "cold":
                    shutil.rmtree(cache_dir, ignore_errors=True)
                elapsed, rss, output = inventory_list(inventory)
                hosts = len(listed_hosts(output))
                if hosts != size:
                    raise RuntimeError(f"{name} {mode} listed {hosts} hosts, expected {size}")
                results.setdefault((name, mode), []).append((elapsed, rss))
                print(f"  {size:5d} run {run} {name:6s} {mode:6s} {elapsed:7.2f} s {rss / 1024:7.0f} MiB")
    return results


def report(table: dict[int, dict[tuple[str, str], list[tuple[float, int]]]]) -> None:
    print()
    print(
        "| instances | mode | ours s | theirs s | theirs/ours time "
        "| ours MiB | theirs MiB | theirs/ours memory |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, results in table.items():
        for mode in ("cold", "cached"):
            ours_s = statistics.median(s for s, _ in results[("ours", mode)])
            theirs_s = statistics.median(s for s, _ in results[("theirs", mode)])
            ours_m = statistics.median(m for _, m in results[("ours", mode)]) / 1024
            theirs_m = statistics.median(m for _, m in results[("theirs", mode)]) / 1024
            print(
                f"| {size:,} | {mode} | {ours_s:.2f} | {theirs_s:.2f} | {theirs_s / ours_s:.1f}x "
                f"| {ours_m:.0f} | {theirs_m:.0f} | {theirs_m / ours_m:.1f}x |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000], help="fleet sizes (1000 5000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per plugin and mode (default 3)")
    parser.add_argument("--port", type=int, default=4581, help="the bench emulator's port (default 4581)")
    args = parser.parse_args()

    table = {}
    for size in args.sizes:
        # A fresh emulator per size: the smaller fleet must not stay in the larger one's listing.
        with bench_emulator(args.port) as endpoint, tempfile.TemporaryDirectory() as work:
            start = time.monotonic()
            populate(endpoint, size)
            print(f"{size} instances populated in {time.monotonic() - start:.0f} s")
            table[size] = measure(size, args.runs, endpoint, Path(work))
    report(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
