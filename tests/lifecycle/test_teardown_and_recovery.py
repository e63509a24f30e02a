"""Disaster recovery and teardown of the environment the platform scenario converged.

The platform scenario leaves the environment `molecule` in the test emulator and the audit reads
it; these tests then use it up, in order: a protected teardown is refused before any AWS call, the
data stores are restored into a recovery environment `dr`, the environment is torn down (check mode
first), and a second teardown changes nothing. They run in `make test` after the audit
(WEBCAST_LIFECYCLE=molecule, tools/test.sh); elsewhere they are skipped, since they destroy what
they run against.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = "molecule"
RECOVERY_ENV = "dr"
PROJECT = "webcast"
REGION = "eu-west-1"
# Its own variable: the tests' root conftest removes WEBCAST_AWS_ENDPOINT_URL before this is read.
ENDPOINT = os.environ.get("WEBCAST_LIFECYCLE_ENDPOINT_URL", "http://127.0.0.1:4567")

pytestmark = pytest.mark.skipif(
    os.environ.get("WEBCAST_LIFECYCLE") != ENV,
    reason="runs in make test after the audit (WEBCAST_LIFECYCLE=molecule)",
)


def aws(service: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def playbook(
    name: str, *args: str, env: str = ENV, inventory: str = "inventories/local"
) -> subprocess.CompletedProcess:
    """ansible-playbook against the local inventory; the run, with its output."""
    command = [
        "ansible-playbook",
        "-i",
        inventory,
        f"playbooks/{name}",
        "-e",
        f"webcast_env={env}",
        *args,
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "WEBCAST_AWS_ENDPOINT_URL": ENDPOINT},
    )


def recap(run: subprocess.CompletedProcess) -> dict[str, int]:
    """The PLAY RECAP counts of localhost (ok, changed, failed, ...)."""
    line = next(x for x in run.stdout.splitlines() if x.startswith("localhost") and "changed=" in x)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def requests_served() -> int:
    """How many requests the emulator has answered: its log has one line per request."""
    port = ENDPOINT.rsplit(":", 1)[-1]
    return len((ROOT / f".run/emulator-{port}/server.log").read_text().splitlines())


def env_vpcs(env: str = ENV) -> list[str]:
    filters = [{"Name": "tag:Project", "Values": [PROJECT]}, {"Name": "tag:Environment", "Values": [env]}]
    return [v["VpcId"] for v in aws("ec2").describe_vpcs(Filters=filters)["Vpcs"]]


def summary(run: subprocess.CompletedProcess) -> str:
    """The teardown's printed summary (the debug task's lines)."""
    return run.stdout[run.stdout.rindex("Teardown of ") :]


@pytest.mark.parametrize(
    ("extra", "confirm"),
    [
        (["-e", "webcast_env=production"], "production"),
        (["-e", "webcast_deletion_protection=true"], ENV),
        (["-e", "webcast_deletion_protection=true", "-e", "webcast_teardown_confirm=staging"], ENV),
    ],
    ids=["production", "protected", "protected-wrong-confirmation"],
)
def test_a_protected_environment_is_refused_before_any_aws_call(extra: list[str], confirm: str) -> None:
    before = requests_served()

    # The static inventory and its group_vars only: the directory's fleet inventory plugin reads
    # EC2 (DescribeInstances) while the inventory loads, before any play.
    run = playbook("teardown.yml", *extra, inventory="inventories/local/hosts.yml")

    assert run.returncode != 0, run.stdout[-2000:]
    assert f"-e webcast_teardown_confirm={confirm}" in run.stdout, run.stdout[-2000:]
    assert requests_served() == before, "the refused teardown reached the emulator"
    assert env_vpcs(), "the environment is gone after a refused teardown"


def test_the_database_and_file_system_are_restored_into_the_recovery_environment() -> None:
    # The backup plan never runs in the emulator: take the on-demand backup an operator would.
    file_system = next(
        fs
        for fs in aws("efs").describe_file_systems()["FileSystems"]
        if fs.get("Name") == f"{PROJECT}-{ENV}-efs"
    )
    role = aws("iam").get_role(RoleName=f"{PROJECT}-{ENV}-backup-service")["Role"]["Arn"]
    aws("backup").start_backup_job(
        BackupVaultName=f"{PROJECT}-{ENV}-backup", ResourceArn=file_system["FileSystemArn"], IamRoleArn=role
    )
    network = playbook("security.yml", env=RECOVERY_ENV)
    assert network.returncode == 0, network.stdout[-3000:]

    run = playbook("recover.yml", "-e", f"webcast_recovery_env={RECOVERY_ENV}")

    assert run.returncode == 0, run.stdout[-3000:]
    db = aws("rds").describe_db_instances(DBInstanceIdentifier=f"{PROJECT}-{RECOVERY_ENV}-db")["DBInstances"][
        0
    ]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == f"{PROJECT}-{RECOVERY_ENV}-db"
    assert db["PubliclyAccessible"] is False
    # The snapshot's password was RDS's and rotates away: site.yml of the recovery environment gives
    # the restored instance a new RDS-managed one, so the restore copies no secret.
    path = {"Key": "name", "Values": [f"/{PROJECT}/{RECOVERY_ENV}/"]}
    copied = aws("secretsmanager").list_secrets(Filters=[path])
    assert copied["SecretList"] == [], [s["Name"] for s in copied["SecretList"]]
    restored = aws("efs").describe_file_systems(CreationToken=f"{PROJECT}-{RECOVERY_ENV}-efs")["FileSystems"]
    assert restored and restored[0]["Encrypted"], restored
    assert "snapshot" in run.stdout and "recovery point" in run.stdout

    again = playbook("recover.yml", "-e", f"webcast_recovery_env={RECOVERY_ENV}")
    assert again.returncode == 0 and recap(again)["changed"] == 0, again.stdout[-3000:]


def test_check_mode_lists_what_would_go_and_deletes_nothing() -> None:
    run = playbook("teardown.yml", "--check")

    assert run.returncode == 0, run.stdout[-3000:]
    text = summary(run)
    for expected in ("Would delete", "vpc ", "rds_instance", "cloudfront_distribution", "efs_file_system"):
        assert expected in text, text
    assert env_vpcs(), "check mode deleted the VPC"
    assert aws("rds").describe_db_instances(DBInstanceIdentifier=f"{PROJECT}-{ENV}-db")["DBInstances"]


def test_the_teardown_leaves_only_backups_snapshots_and_what_restores_need() -> None:
    run = playbook("teardown.yml")

    assert run.returncode == 0, run.stdout[-4000:]
    assert env_vpcs() == [], "the VPC is still there"
    assert env_vpcs(RECOVERY_ENV), "the teardown reached another environment"
    rds = aws("rds")
    # The two environments' instances only: in make test the emulator also holds the reliability
    # suite's crash environment, which this teardown must not touch either.
    instances = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
    assert [i for i in instances if i.startswith((f"{PROJECT}-{ENV}-", f"{PROJECT}-{RECOVERY_ENV}-"))] == [
        f"{PROJECT}-{RECOVERY_ENV}-db"
    ], instances
    finals = [
        s["DBSnapshotIdentifier"]
        for s in rds.describe_db_snapshots(DBInstanceIdentifier=f"{PROJECT}-{ENV}-db")["DBSnapshots"]
        if s["DBSnapshotIdentifier"].startswith(f"{PROJECT}-{ENV}-db-final-")
    ]
    assert len(finals) == 1, finals
    assert aws("backup").describe_backup_vault(BackupVaultName=f"{PROJECT}-{ENV}-backup")
    assert aws("iam").get_role(RoleName=f"{PROJECT}-{ENV}-backup-service")
    names = [fs.get("Name") for fs in aws("efs").describe_file_systems()["FileSystems"]]
    assert f"{PROJECT}-{ENV}-efs" not in names
    buckets = [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(f"{PROJECT}-{ENV}-")], buckets
    assert not aws("elbv2").describe_load_balancers()["LoadBalancers"]
    assert not aws("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert not aws("cloudfront", "us-east-1").list_distributions()["DistributionList"].get("Items")
    assert not aws("elasticache").describe_replication_groups()["ReplicationGroups"]
    parameters = aws("ssm").get_parameters_by_path(Path=f"/{PROJECT}/{ENV}", Recursive=True)["Parameters"]
    assert parameters == []
    live_secrets = [
        s["Name"]
        for s in aws("secretsmanager").list_secrets()["SecretList"]
        if s["Name"].startswith(f"/{PROJECT}/{ENV}/")
    ]
    assert live_secrets == [], live_secrets
    db_arn = f"arn:aws:rds:{REGION}:123456789012:db:{PROJECT}-{ENV}-db"
    managed = [
        s["Name"]
        for s in aws("secretsmanager").list_secrets()["SecretList"]
        if {"Key": "aws:rds:primaryDBInstanceArn", "Value": db_arn} in s.get("Tags", [])
    ]
    assert managed == [], f"RDS's master password secret outlived {PROJECT}-{ENV}-db: {managed}"
    text = summary(run)
    assert "Kept" in text and "backup_vault" in text and "rds_snapshot" in text, text


def test_a_second_teardown_changes_nothing() -> None:
    run = playbook("teardown.yml")

    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run)["changed"] == 0, run.stdout[-4000:]
    assert "already gone" in summary(run)
