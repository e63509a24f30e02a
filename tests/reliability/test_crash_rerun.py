"""A converge killed part-way, then run again, converges without doubling anything.

A fresh environment (`crash-<hex time>`) gets the first tiers of site.yml (tests/reliability/crash.yml:
the same roles, the buckets first). Each run is killed at the next crash point, with the AWS calls of
the task under way; the next run starts from the beginning, as an operator would rerun it, and goes
only as far as the next crash point; the last one is left to finish. The environment `molecule`,
converged once without a crash by the same roles, is the reference: every count of the crashed
environment must equal its count there.

The kill waits for a number of emulator requests after the task starts, so it lands between the
module's calls (a lookup answered, a create sent or about to be) rather than before the module runs.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from conftest import ENV, aws_client, resource_counts, run_and_kill, run_playbook

# A new name each run, so that the suite can run again on the same emulator.
CRASH_ENV = os.environ.get("WEBCAST_RELIABILITY_CRASH_ENV") or f"crash-{int(time.time()):x}"
PLAYBOOK = "tests/reliability/crash.yml"

# (task prefix as Ansible prints it, emulator requests to wait for after it starts, signal)
CRASH_POINTS = [
    ("aws_s3 : Ensure the buckets' customer-managed KMS key exists", 2, signal.SIGKILL),
    ("aws_s3 : Ensure each bucket is encrypted, versioned, private and TLS-only", 8, signal.SIGTERM),
    # After AllocateAddress (the search for an unassociated address of the gateway's name first):
    # killed there, a rerun must reuse that address, not allocate another for the gateway.
    (
        "aws_network : Ensure each public subnet that still needs a NAT gateway has its elastic IP",
        2,
        signal.SIGKILL,
    ),
    # After DescribeDBInstances, DescribeKey and ModifyDBInstance: RDS made its secret, not yet scheduled.
    ("aws_rds : Ensure RDS manages the master password with our key and rotates it", 3, signal.SIGKILL),
]

# Counted per environment, compared with the reference; account-wide counts are compared as
# the growth the crashed environment caused.
PER_ENVIRONMENT = [
    "VPCs",
    "subnets",
    "internet gateways",
    "NAT gateways",
    "route tables",
    "security groups",
    "VPC endpoints",
    "flow logs",
    "buckets",
    "DB instances",
]


def aliases(env_name: str) -> list[str]:
    return [
        a["AliasName"]
        for a in aws_client("kms").list_aliases()["Aliases"]
        if a["AliasName"].startswith(f"alias/webcast-{env_name}-")
        or a["AliasName"].startswith(f"alias/webcast/{env_name}/")
    ]


def secret_names(env_name: str) -> list[str]:
    secrets = aws_client("secretsmanager").list_secrets(
        Filters=[{"Key": "name", "Values": [f"/webcast/{env_name}/"]}]
    )["SecretList"]
    return sorted(s["Name"].removeprefix(f"/webcast/{env_name}/") for s in secrets)


@pytest.fixture(scope="module")
def crashed(figures) -> dict:
    assert resource_counts(CRASH_ENV)["VPCs"] == 0, (
        f"environment {CRASH_ENV} exists already: reset the emulator"
    )
    account_before = resource_counts(CRASH_ENV)
    kills = []
    for task, requests, sig in CRASH_POINTS:
        run = run_and_kill(PLAYBOOK, CRASH_ENV, task, requests, sig)
        kills.append(run)
    final = run_playbook(PLAYBOOK, CRASH_ENV)
    counts = resource_counts(CRASH_ENV)
    reference = resource_counts(ENV)
    survived = sum(1 for run in kills if run.signal_sent) if final.returncode == 0 else 0
    figures.record("crash points survived", survived)
    figures.record("crash runs and final rerun (s)", [round(r.seconds) for r in (*kills, final)])
    return {
        "kills": kills,
        "final": final,
        "counts": counts,
        "reference": reference,
        "account_before": account_before,
    }


def test_every_crash_point_was_reached_and_killed(crashed):
    for (task, _, sig), run in zip(CRASH_POINTS, crashed["kills"], strict=True):
        assert run.signal_sent.startswith(sig.name), (
            f"the run never reached [{task}] (or ended before the kill): {run.tail()}"
        )
        assert run.returncode != 0, f"the run killed at [{task}] reported success"


def test_the_rerun_after_the_crashes_converges(crashed):
    final = crashed["final"]
    assert final.returncode == 0, final.tail()


def test_the_crashed_environment_holds_what_a_clean_converge_holds(crashed, figures):
    counts, reference = crashed["counts"], crashed["reference"]
    duplicated = {k: counts[k] - reference[k] for k in PER_ENVIRONMENT if counts[k] > reference[k]}
    missing = {k: reference[k] - counts[k] for k in PER_ENVIRONMENT if counts[k] < reference[k]}
    grown = {
        k: counts[k] - crashed["account_before"][k] for k in ("elastic IPs (account)", "KMS keys (account)")
    }
    extra_ips = grown["elastic IPs (account)"] - counts["NAT gateways"]
    extra_keys = grown["KMS keys (account)"] - len(aliases(CRASH_ENV))
    figures.record(
        "resources duplicated by the crashes",
        sum(duplicated.values()) + max(0, extra_ips) + max(0, extra_keys),
    )
    assert duplicated == {}, f"duplicated: {duplicated} (crashed {counts}, reference {reference})"
    assert missing == {}, f"missing: {missing} (crashed {counts}, reference {reference})"
    assert extra_ips == 0, (
        f"{grown['elastic IPs (account)']} elastic IPs for {counts['NAT gateways']} NAT gateways"
    )
    assert extra_keys == 0, f"{grown['KMS keys (account)']} KMS keys made, {aliases(CRASH_ENV)} aliased"


def master_secrets(env_name: str) -> list[dict]:
    """The secrets RDS keeps the master password of the environment's database in, as described."""
    client = aws_client("secretsmanager")
    return [
        client.describe_secret(SecretId=s["ARN"])
        for s in client.list_secrets()["SecretList"]
        if any(
            t["Key"] == "aws:rds:primaryDBInstanceArn" and t["Value"].endswith(f":db:webcast-{env_name}-db")
            for t in s.get("Tags", [])
        )
    ]


def test_no_secret_was_made_twice_or_lost(crashed):
    assert [name for name in secret_names(CRASH_ENV) if name.startswith("rds/")] == []
    managed = master_secrets(CRASH_ENV)
    assert len(managed) == len(master_secrets(ENV)) == 1, [s["Name"] for s in managed]
    assert managed[0].get("RotationEnabled") is True, managed[0]


def test_no_golden_image_was_copied(crashed):
    # The AMI belongs to the account (emulator_image.yml made it once): a tier run never adds one.
    assert crashed["counts"]["AMIs (account)"] == crashed["account_before"]["AMIs (account)"]


# Regions the emulator answers in; the golden image stand-in is copied into the first one that has
# none yet, so that each run of the suite has a fresh place to crash the copy in.
SPARE_REGIONS = [
    "ca-central-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
]


@pytest.fixture(scope="module")
def image_crashed(figures) -> dict:
    region = next(
        (r for r in SPARE_REGIONS if not aws_client("ec2", r).describe_images(Owners=["self"])["Images"]),
        None,
    )
    if region is None:
        pytest.skip(f"every spare region already holds a stand-in image: {SPARE_REGIONS}")
    # Killed as the tagging starts: the copy exists, untagged, which the approved-image lookup misses.
    kill = run_and_kill(
        "playbooks/emulator_image.yml",
        ENV,
        "Tag the stand-in",
        0,
        signal.SIGKILL,
        "-e",
        f"webcast_aws_region={region}",
    )
    left = aws_client("ec2", region).describe_images(Owners=["self"])["Images"]
    rerun = run_playbook("playbooks/emulator_image.yml", ENV, "-e", f"webcast_aws_region={region}")
    images = aws_client("ec2", region).describe_images(Owners=["self"])["Images"]
    figures.record(
        "crash points survived (golden image copy)", int(bool(kill.signal_sent) and rerun.returncode == 0)
    )
    return {"kill": kill, "left": left, "rerun": rerun, "images": images}


def test_a_stand_in_image_copied_but_not_tagged_is_adopted_not_copied_again(image_crashed):
    assert image_crashed["kill"].signal_sent, image_crashed["kill"].tail()
    assert [i.get("Tags", []) for i in image_crashed["left"]] == [[]], (
        "the kill did not land between copy and tag"
    )
    assert image_crashed["rerun"].returncode == 0, image_crashed["rerun"].tail()
    images = image_crashed["images"]
    assert len(images) == 1, f"the rerun copied the image again: {[i['ImageId'] for i in images]}"
    assert {t["Key"]: t["Value"] for t in images[0]["Tags"]}.get("Approved") == "true"
