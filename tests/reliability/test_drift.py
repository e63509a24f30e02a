"""Drift made behind Ansible's back is reported by check mode and repaired by a real run.

On the converged environment `molecule`. That check mode reports nothing on it as converged is the
platform scenario's own test (molecule/platform/tests/test_check_mode.py); here check mode after
the drift must report the drifted tasks and nothing else, which also shows that nothing else
differed. The drifts are the kinds operators meet: a rule added to a security group by hand, a tag
edited in the console, an alarm deleted, and a bucket changed by hand (its public access block
removed, its encryption switched to S3-managed keys, its versioning suspended, a tag edited).

Two runs of site.yml, no more: check mode after the drift, then the repairing run. The repairing run
must change exactly the tasks that own the drift and nothing else (so check mode told the truth),
and boto3 reads each repair back; a third, check-mode run after the repair would only repeat what
these two show (docs/reliability.md). site.yml, not the tier playbooks: the alarm belongs to the
monitoring tier, which reads the outputs of every tier before it.
"""

from __future__ import annotations

import re

import pytest
from conftest import ENV, resource_counts, run_playbook

PREFIX = f"webcast-{ENV}"
SITE = "playbooks/site.yml"

# Each drift: the task that reports it in check mode, the item (loop label) it must name, what its
# message must say (the buckets' check-mode report names what drifted), and the task that repairs it.
S3_REPORT = "aws_s3 : Report a bucket whose encryption, versioning, public access block or tags drifted"
S3_OWNER = "aws_s3 : Ensure each bucket is encrypted, versioned, private and TLS-only"
EXPECTED = {
    "security group rule": (
        "aws_security : Ensure the app group admits the ALB and the encoders only",
        "",
        "",
        "aws_security : Ensure the app group admits the ALB and the encoders only",
    ),
    "VPC tag": ("aws_network : Ensure the VPC exists", "", "", "aws_network : Ensure the VPC exists"),
    "alarm": (
        "aws_monitoring : Ensure every alarm watches its metric and notifies the alarm topic",
        "",
        "",
        "aws_monitoring : Ensure every alarm watches its metric and notifies the alarm topic",
    ),
    "bucket public access block": (S3_REPORT, "media", "public access block is off", S3_OWNER),
    "bucket encryption": (S3_REPORT, "backups", "encryption is AES256, not aws:kms", S3_OWNER),
    "bucket versioning": (S3_REPORT, "logs", "versioning is Suspended, not Enabled", S3_OWNER),
    "bucket tag": (S3_REPORT, "logs", "tags differ: Tier", S3_OWNER),
}


def changed_lines(stdout: str) -> dict[str, list[str]]:
    """Task name -> the 'changed:' results under it, each with the lines printed below it (its item,
    its message)."""
    found: dict[str, list[str]] = {}
    task, current = "", None
    for line in stdout.splitlines():
        header = re.match(r"^TASK \[(.+?)\] \*+", line)
        if header:
            task, current = header.group(1), None
        elif line.startswith("changed:"):
            found.setdefault(task, []).append(line)
            current = found[task]
        elif re.match(r"^(ok|skipping|fatal|failed|included):|^\S", line) or not line.strip():
            current = None
        elif current is not None:
            current[-1] += "\n" + line
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
    """Make the drifts with boto3, and say what each touched."""
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
    buckets = {
        tier: next(
            b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{PREFIX}-{tier}-")
        )
        for tier in ("media", "logs", "backups")
    }
    s3.delete_public_access_block(Bucket=buckets["media"])
    backups_encryption = s3.get_bucket_encryption(Bucket=buckets["backups"])[
        "ServerSideEncryptionConfiguration"
    ]
    s3.put_bucket_encryption(
        Bucket=buckets["backups"],
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=buckets["logs"], VersioningConfiguration={"Status": "Suspended"})
    logs_tags = s3.get_bucket_tagging(Bucket=buckets["logs"])["TagSet"]
    s3.put_bucket_tagging(
        Bucket=buckets["logs"],
        Tagging={
            "TagSet": [
                t if t["Key"] != "Tier" else {"Key": "Tier", "Value": "edited-by-hand"} for t in logs_tags
            ]
        },
    )
    return {
        "app_group": app["GroupId"],
        "vpc": vpc["VpcId"],
        "component": component,
        "alarm": alarm,
        "alarm_label": alarm.removeprefix(f"{PREFIX}-"),
        "buckets": buckets,
        "backups_encryption": backups_encryption,
        "logs_tags": logs_tags,
    }


@pytest.fixture(scope="module")
def repaired(drift, aws, figures) -> dict:
    """Check mode after the drift, then the repairing run, timed."""
    counts_before = resource_counts(ENV)
    check = run_playbook(SITE, ENV, "--check")
    repair = run_playbook(SITE, ENV)
    counts_after = resource_counts(ENV)
    detected = changed_lines(check.stdout)
    figures.record("drifts made", len(EXPECTED))
    figures.record(
        "drifts detected by check mode", sum(1 for kind in EXPECTED if reported_as(detected, kind))
    )
    figures.record("drift check and repair (s)", [round(r.seconds) for r in (check, repair)])
    return {
        "check": check,
        "repair": repair,
        "detected": detected,
        "repaired": changed_lines(repair.stdout),
        "counts": (counts_before, counts_after),
    }


def reported_as(detected: dict[str, list[str]], kind: str) -> list[str]:
    """The check-mode results that report this drift: its task, its item, its message."""
    task, item, message, _ = EXPECTED[kind]
    return [
        line
        for line in reported(detected, task)
        if (not item or f"(item={item})" in line) and message in line
    ]


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_check_mode_reports_the_drift(repaired, drift, kind):
    check = repaired["check"]
    assert check.returncode == 0, check.tail()
    lines = reported_as(repaired["detected"], kind)
    assert lines, f"check mode did not report the {kind}: {repaired['detected']}"
    if kind == "alarm":
        assert any(f"item={drift['alarm_label']}" in line for line in lines), lines


def test_check_mode_reports_nothing_but_the_drift(repaired):
    prefixes = tuple(task for task, *_ in EXPECTED.values())
    others = [task for task in repaired["detected"] if not task.startswith(prefixes)]
    assert others == [], f"check mode reports more than the drift: {others}"
    # The buckets' report names the three buckets, one per drifted bucket, and no other.
    items = sorted(
        re.search(r"\(item=(\w+)\)", line).group(1) for line in reported(repaired["detected"], S3_REPORT)
    )
    assert items == ["backups", "logs", "media"], items


def test_the_real_run_changes_exactly_what_check_mode_reported(repaired):
    """Check mode told the truth: the repairing run changes the tasks that own the drift, and only
    those (a real run on the converged environment changes nothing: the platform scenario's
    idempotence), so nothing check mode missed was out of place."""
    repair = repaired["repair"]
    assert repair.returncode == 0, repair.tail()
    owners = sorted({owner for *_, owner in EXPECTED.values()})
    changed = sorted(
        owner for owner in owners if any(task.startswith(owner) for task in repaired["repaired"])
    )
    others = [task for task in repaired["repaired"] if not task.startswith(tuple(owners))]
    assert (changed, others) == (owners, []), f"the repair changed {list(repaired['repaired'])}"
    items = sorted(
        re.search(r"\(item=(\w+)\)", line).group(1) for line in reported(repaired["repaired"], S3_OWNER)
    )
    assert items == ["backups", "logs", "media"], items


def test_the_real_run_repairs_every_drift(repaired, drift, aws, figures):
    assert repaired["repair"].returncode == 0, repaired["repair"].tail()
    ec2, s3, cloudwatch = aws("ec2"), aws("s3"), aws("cloudwatch")
    app = ec2.describe_security_groups(GroupIds=[drift["app_group"]])["SecurityGroups"][0]
    ssh = [p for p in app["IpPermissions"] if p.get("FromPort") == 22]
    vpc = ec2.describe_vpcs(VpcIds=[drift["vpc"]])["Vpcs"][0]
    component = {t["Key"]: t["Value"] for t in vpc["Tags"]}["Component"]
    alarms = cloudwatch.describe_alarms(AlarmNames=[drift["alarm"]])["MetricAlarms"]
    buckets = drift["buckets"]
    block = s3.get_public_access_block(Bucket=buckets["media"])["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket=buckets["backups"])["ServerSideEncryptionConfiguration"]
    versioning = s3.get_bucket_versioning(Bucket=buckets["logs"]).get("Status")
    tags = s3.get_bucket_tagging(Bucket=buckets["logs"])["TagSet"]
    repairs = {
        "security group rule": ssh == [],
        "VPC tag": component == drift["component"],
        "alarm": len(alarms) == 1,
        "bucket public access block": all(block.values()) and len(block) == 4,
        "bucket encryption": encryption == drift["backups_encryption"],
        "bucket versioning": versioning == "Enabled",
        "bucket tag": sorted(tags, key=lambda t: t["Key"])
        == sorted(drift["logs_tags"], key=lambda t: t["Key"]),
    }
    figures.record("drifts repaired by a real run", sum(repairs.values()))
    assert all(repairs.values()), (
        f"not repaired: {[k for k, ok in repairs.items() if not ok]} (ssh rules {ssh}, "
        f"Component={component}, alarms {alarms}, block {block}, encryption {encryption}, "
        f"versioning {versioning}, tags {tags})"
    )


def test_the_repair_duplicated_nothing(repaired, figures):
    before, after = repaired["counts"]
    duplicated = {k: after[k] - before[k] for k in before if after[k] != before[k] and k != "alarms"}
    figures.record("resources duplicated by the drift repair", sum(max(0, n) for n in duplicated.values()))
    assert duplicated == {}, f"the repair changed counts: {duplicated} (before {before}, after {after})"
    # The deleted alarm comes back exactly once: the count before was taken without it.
    assert after["alarms"] == before["alarms"] + 1
