"""Drift made behind Ansible's back is reported by check mode, repaired by a real run, and then gone.

On the converged environment `molecule`. That check mode reports nothing on it as converged is the
platform scenario's own test (molecule/platform/tests/test_check_mode.py); here check mode after
the drift must report the drifted tasks and nothing else, which also shows that nothing else
differed. Four drifts, one per kind the operators meet: a rule added to a security group by hand,
a tag edited in the console, an alarm deleted, a bucket's public access block removed.
"""

from __future__ import annotations

import re

import pytest
from conftest import ENV, resource_counts, run_playbook

PREFIX = f"webcast-{ENV}"
SITE = "playbooks/site.yml"

# Each drift: the task that must report it, and the item (loop label) it must name, if any.
EXPECTED = {
    "security group rule": ("aws_security : Ensure the app group admits the ALB and the encoders only", ""),
    "VPC tag": ("aws_network : Ensure the VPC exists", ""),
    "alarm": ("aws_monitoring : Ensure every alarm watches its metric and notifies the alarm topic", ""),
    "bucket public access block": (
        "aws_s3 : Ensure each bucket is encrypted, versioned, private and TLS-only",
        "media",
    ),
}


def changed_lines(stdout: str) -> dict[str, list[str]]:
    """Task name -> the 'changed:' lines under it (each with its item, when it loops)."""
    found: dict[str, list[str]] = {}
    task = ""
    for line in stdout.splitlines():
        header = re.match(r"^TASK \[(.+?)\] \*+", line)
        if header:
            task = header.group(1)
        elif line.startswith("changed:"):
            found.setdefault(task, []).append(line)
    return found


def reported(detected: dict[str, list[str]], prefix: str) -> list[str]:
    """The 'changed:' lines of the task whose name starts with prefix (names are long sentences)."""
    return [line for task, lines in detected.items() if task.startswith(prefix) for line in lines]


def find(items: list[dict], key: str, value: str) -> dict:
    matches = [item for item in items if item.get(key) == value]
    assert len(matches) == 1, f"expected one {key}={value}, found {len(matches)}"
    return matches[0]


@pytest.fixture(scope="module")
def drift(aws) -> dict:
    """Make the four drifts with boto3, and say what each touched."""
    ec2, s3, cloudwatch = aws("ec2"), aws("s3"), aws("cloudwatch")
    app = find(ec2.describe_security_groups()["SecurityGroups"], "GroupName", f"{PREFIX}-app")
    ec2.authorize_security_group_ingress(
        GroupId=app["GroupId"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}
        ],
    )
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]
    component = {t["Key"]: t["Value"] for t in vpc["Tags"]}["Component"]
    ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "Component", "Value": "edited-by-hand"}])
    alarm = sorted(
        a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=PREFIX)["MetricAlarms"]
    )[0]
    cloudwatch.delete_alarms(AlarmNames=[alarm])
    media = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{PREFIX}-media"))
    s3.delete_public_access_block(Bucket=media)
    return {
        "app_group": app["GroupId"],
        "vpc": vpc["VpcId"],
        "component": component,
        "alarm": alarm,
        "alarm_label": alarm.removeprefix(f"{PREFIX}-"),
        "bucket": media,
    }


@pytest.fixture(scope="module")
def repaired(drift, aws, figures) -> dict:
    """Check mode after the drift, the repairing run, and check mode again, timed."""
    counts_before = resource_counts(ENV)
    check = run_playbook(SITE, ENV, "--check")
    repair = run_playbook(SITE, ENV)
    clean = run_playbook(SITE, ENV, "--check")
    counts_after = resource_counts(ENV)
    detected = changed_lines(check.stdout)
    figures.record("drifts made", len(EXPECTED))
    figures.record(
        "drifts detected by check mode", sum(1 for task, _ in EXPECTED.values() if reported(detected, task))
    )
    figures.record("drift check, repair, clean check (s)", [round(r.seconds) for r in (check, repair, clean)])
    return {
        "check": check,
        "repair": repair,
        "clean": clean,
        "detected": detected,
        "counts": (counts_before, counts_after),
    }


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_check_mode_reports_the_drift(repaired, drift, kind):
    check = repaired["check"]
    assert check.returncode == 0, check.tail()
    task, _ = EXPECTED[kind]
    lines = " ".join(reported(repaired["detected"], task))
    assert lines, f"check mode did not report the {kind}: {repaired['detected']}"
    if kind == "alarm":
        assert f"item={drift['alarm_label']}" in lines, lines
    if kind == "bucket public access block":
        assert "item=media" in lines, lines


def test_check_mode_reports_nothing_but_the_drift(repaired):
    prefixes = tuple(task for task, _ in EXPECTED.values())
    others = [task for task in repaired["detected"] if not task.startswith(prefixes)]
    assert others == [], f"check mode reports more than the drift: {others}"


def test_the_real_run_repairs_every_drift(repaired, drift, aws, figures):
    assert repaired["repair"].returncode == 0, repaired["repair"].tail()
    ec2, s3, cloudwatch = aws("ec2"), aws("s3"), aws("cloudwatch")
    app = ec2.describe_security_groups(GroupIds=[drift["app_group"]])["SecurityGroups"][0]
    ssh = [p for p in app["IpPermissions"] if p.get("FromPort") == 22]
    vpc = ec2.describe_vpcs(VpcIds=[drift["vpc"]])["Vpcs"][0]
    component = {t["Key"]: t["Value"] for t in vpc["Tags"]}["Component"]
    alarms = cloudwatch.describe_alarms(AlarmNames=[drift["alarm"]])["MetricAlarms"]
    block = s3.get_public_access_block(Bucket=drift["bucket"])["PublicAccessBlockConfiguration"]
    repairs = {
        "security group rule": ssh == [],
        "VPC tag": component == drift["component"],
        "alarm": len(alarms) == 1,
        "bucket public access block": all(block.values()) and len(block) == 4,
    }
    figures.record("drifts repaired by a real run", sum(repairs.values()))
    assert all(repairs.values()), (
        f"not repaired: {[k for k, ok in repairs.items() if not ok]} "
        f"(ssh rules {ssh}, Component={component}, alarms {alarms}, block {block})"
    )


def test_check_mode_is_clean_after_the_repair(repaired):
    clean = repaired["clean"]
    assert clean.returncode == 0, clean.tail()
    assert clean.recap_changed == [0], f"check mode after the repair still reports {clean.changed_tasks}"


def test_the_repair_duplicated_nothing(repaired, figures):
    before, after = repaired["counts"]
    duplicated = {k: after[k] - before[k] for k in before if after[k] != before[k] and k != "alarms"}
    figures.record("resources duplicated by the drift repair", sum(max(0, n) for n in duplicated.values()))
    assert duplicated == {}, f"the repair changed counts: {duplicated} (before {before}, after {after})"
    # The deleted alarm comes back exactly once: the count before was taken without it.
    assert after["alarms"] == before["alarms"] + 1
