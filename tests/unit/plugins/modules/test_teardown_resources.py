"""The teardown_resources module end to end against moto in process: what it deletes, in which
order, what it keeps and why, check mode, and a second run that finds nothing to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import teardown_resources
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
TAGS = [{"Key": "Project", "Value": "webcast"}, {"Key": "Environment", "Value": "test"}]
Run = Callable[..., dict[str, Any]]


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """An environment "test": a VPC with subnets, an internet gateway, a route table and two groups
    that name each other; a bucket with an object and an empty one; a secret; a database; and a VPC
    of another environment that must survive."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(
            CidrBlock="10.20.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": TAGS}]
        )["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.2.0/24", AvailabilityZone=f"{REGION}b")
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        groups = {}
        for name in ("app", "rds"):
            groups[name] = ec2.create_security_group(
                GroupName=f"webcast-test-{name}",
                Description=name,
                VpcId=vpc_id,
                TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS}],
            )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=groups["rds"],
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 3306,
                    "ToPort": 3306,
                    "UserIdGroupPairs": [{"GroupId": groups["app"]}],
                }
            ],
        )
        other = ec2.create_vpc(
            CidrBlock="10.30.0.0/16",
            TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [TAGS[0], {"Key": "Environment", "Value": "prod"}]}
            ],
        )["Vpc"]["VpcId"]
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in ("webcast-test-media", "webcast-test-logs"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="webcast-test-media", Key="vod/talk.mp4", Body=b"video")
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="/webcast/test/alb/origin-secret", SecretString="x"
        )
        rds = boto3.client("rds", region_name=REGION)
        rds.create_db_instance(
            DBInstanceIdentifier="webcast-test-db",
            DBInstanceClass="db.t3.micro",
            Engine="mysql",
            MasterUsername="admin",
            MasterUserPassword="password1234",
            AllocatedStorage=20,
            DeletionProtection=True,
        )
        yield {"ec2": ec2, "s3": s3, "rds": rds, "vpc_id": vpc_id, "other_vpc": other}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_teardown(resources: list[dict[str, Any]], check_mode: bool = False) -> dict[str, Any]:
        args = {"project": "webcast", "environment": "test", "region": REGION, "resources": resources}
        return run_module(teardown_resources, args, capsys, check_mode)

    return run_teardown


NETWORK = [{"type": "security_groups"}, {"type": "vpc"}]


def test_the_network_goes_with_everything_in_it_and_only_its_own(aws, run: Run) -> None:
    result = run(NETWORK)

    assert result.get("changed"), result.get("msg")
    assert result["deleted"][0].startswith("security_groups webcast-test-app, webcast-test-rds")
    assert result["deleted"][1].startswith("vpc ") and aws["vpc_id"] in result["deleted"][1]
    vpcs = [v["VpcId"] for v in aws["ec2"].describe_vpcs()["Vpcs"]]
    assert aws["vpc_id"] not in vpcs and aws["other_vpc"] in vpcs
    assert (
        aws["ec2"].describe_subnets(Filters=[{"Name": "vpc-id", "Values": [aws["vpc_id"]]}])["Subnets"] == []
    )


def test_a_second_run_deletes_nothing(aws, run: Run) -> None:
    run(NETWORK)

    again = run(NETWORK)

    assert not again["changed"] and again["deleted"] == [], again


def test_check_mode_lists_what_would_go_and_changes_nothing(aws, run: Run) -> None:
    result = run([*NETWORK, {"type": "rds_instance", "name": "webcast-test-db"}], check_mode=True)

    assert result["changed"]
    assert [d.split()[0] for d in result["deleted"]] == ["security_groups", "vpc", "rds_instance"]
    assert aws["vpc_id"] in [v["VpcId"] for v in aws["ec2"].describe_vpcs()["Vpcs"]]
    assert aws["rds"].describe_db_instances()["DBInstances"]


def test_a_bucket_with_objects_is_kept_unless_purged_and_an_empty_one_goes(aws, run: Run) -> None:
    result = run(
        [
            {"type": "s3_bucket", "name": "webcast-test-media"},
            {"type": "s3_bucket", "name": "webcast-test-logs"},
        ]
    )

    assert result["deleted"] == ["s3_bucket webcast-test-logs"]
    assert result["kept"] == ["s3_bucket webcast-test-media: holds 1 object versions"]
    purged = run([{"type": "s3_bucket", "name": "webcast-test-media", "purge": True}])
    assert purged["deleted"] == ["s3_bucket webcast-test-media (emptied: 1 versions)"]
    assert aws["s3"].list_buckets()["Buckets"] == []


def test_a_protected_database_goes_leaving_a_final_snapshot(aws, run: Run) -> None:
    result = run(
        [{"type": "rds_instance", "name": "webcast-test-db", "final_snapshot": "webcast-test-db-final"}]
    )

    assert result["deleted"] == ["rds_instance webcast-test-db"]
    assert result["kept"][0].startswith("rds_snapshot webcast-test-db-final-")
    assert aws["rds"].describe_db_instances()["DBInstances"] == []
    snapshots = aws["rds"].describe_db_snapshots(DBInstanceIdentifier="webcast-test-db")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots if s["SnapshotType"] == "manual"] == [
        result["kept"][0].split()[1].rstrip(":")
    ]


def test_a_kept_resource_is_reported_with_its_reason_and_left_alone(aws, run: Run) -> None:
    secret = {"type": "secret", "name": "/webcast/test/alb/origin-secret", "keep": "restores need it"}

    result = run([secret, {"type": "secret", "name": "/webcast/test/none", "keep": "absent"}])

    assert not result["changed"]
    assert result["kept"] == ["secret /webcast/test/alb/origin-secret: restores need it"]
    sm = boto3.client("secretsmanager", region_name=REGION)
    assert "DeletedDate" not in sm.describe_secret(SecretId="/webcast/test/alb/origin-secret")


def test_a_deleted_secret_stays_restorable_and_counts_as_gone(aws, run: Run) -> None:
    secret = {"type": "secret", "name": "/webcast/test/alb/origin-secret", "recovery_window_days": 7}

    assert run([secret])["deleted"] == ["secret /webcast/test/alb/origin-secret (restorable for 7 days)"]
    assert run([secret])["deleted"] == []
