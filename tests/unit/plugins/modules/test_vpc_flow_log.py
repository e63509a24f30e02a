"""The vpc_flow_log module: its pure functions, and the module end to end against moto in process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import vpc_flow_log
from ansible_collections.webcast.platform.plugins.modules.vpc_flow_log import (
    needs_replacement,
    same_destination,
    wanted_flow_log,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
LOG_GROUP = "/webcast/test/vpc-flow-logs"
ROLE_ARN = "arn:aws:iam::123456789012:role/webcast-test-flow-logs"
BUCKET_ARN = "arn:aws:s3:::webcast-test-flow-logs"

Aws = dict[str, Any]
Args = dict[str, Any]
Run = Callable[..., dict[str, Any]]


# --- pure functions --------------------------------------------------------------------------


def params(**overrides: Any) -> dict[str, Any]:
    """Module parameters as AnsibleModule hands them over: every option, defaults filled in."""
    return {
        "resource_id": "vpc-1",
        "resource_type": "VPC",
        "traffic_type": "ALL",
        "log_destination_type": "cloud-watch-logs",
        "log_group_name": LOG_GROUP,
        "deliver_logs_permission_arn": ROLE_ARN,
        "log_destination": None,
        "max_aggregation_interval": 600,
        "log_format": None,
        "tags": None,
        "purge_tags": True,
        "state": "present",
        **overrides,
    }


def test_a_cloud_watch_flow_log_is_wanted_with_its_group_and_role() -> None:
    assert wanted_flow_log(params()) == {
        "ResourceId": "vpc-1",
        "TrafficType": "ALL",
        "LogDestinationType": "cloud-watch-logs",
        "MaxAggregationInterval": 600,
        "LogGroupName": LOG_GROUP,
        "DeliverLogsPermissionArn": ROLE_ARN,
    }


def test_an_s3_flow_log_is_wanted_with_its_destination_and_no_group_or_role() -> None:
    wanted = wanted_flow_log(
        params(
            log_destination_type="s3", log_destination=BUCKET_ARN, log_group_name=None, traffic_type="REJECT"
        )
    )

    assert wanted == {
        "ResourceId": "vpc-1",
        "TrafficType": "REJECT",
        "LogDestinationType": "s3",
        "MaxAggregationInterval": 600,
        "LogDestination": BUCKET_ARN,
    }


def test_the_log_format_is_wanted_only_when_given() -> None:
    assert "LogFormat" not in wanted_flow_log(params())
    assert "LogFormat" not in wanted_flow_log(params(log_format=""))
    assert wanted_flow_log(params(log_format="${srcaddr} ${dstaddr}"))["LogFormat"] == "${srcaddr} ${dstaddr}"


def test_a_cloud_watch_destination_is_the_same_when_the_group_is() -> None:
    wanted = wanted_flow_log(params())

    assert same_destination({"LogDestinationType": "cloud-watch-logs", "LogGroupName": LOG_GROUP}, wanted)
    assert not same_destination({"LogDestinationType": "cloud-watch-logs", "LogGroupName": "/other"}, wanted)
    assert not same_destination({"LogDestinationType": "s3", "LogDestination": BUCKET_ARN}, wanted)


def test_an_s3_destination_is_the_same_when_the_arn_is() -> None:
    wanted = wanted_flow_log(params(log_destination_type="s3", log_destination=BUCKET_ARN))

    assert same_destination({"LogDestinationType": "s3", "LogDestination": BUCKET_ARN}, wanted)
    assert not same_destination(
        {"LogDestinationType": "s3", "LogDestination": f"{BUCKET_ARN}/other/"}, wanted
    )
    assert not same_destination({"LogDestinationType": "cloud-watch-logs", "LogGroupName": LOG_GROUP}, wanted)


def existing_like(wanted: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A flow log as describe_flow_logs returns it for wanted, with the AWS-only keys too."""
    return {
        "FlowLogId": "fl-1",
        "FlowLogStatus": "ACTIVE",
        "LogFormat": "${version} ${account-id} ${interface-id}",
        "Tags": [{"Key": "Name", "Value": "x"}],
        **wanted,
        **changes,
    }


def test_an_identical_flow_log_needs_no_replacement() -> None:
    wanted = wanted_flow_log(params())

    assert needs_replacement(existing_like(wanted), wanted) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TrafficType", "REJECT"),
        ("MaxAggregationInterval", 60),
        ("LogFormat", "${srcaddr}"),
        ("DeliverLogsPermissionArn", "arn:aws:iam::123456789012:role/other"),
    ],
)
def test_a_difference_in_an_immutable_setting_needs_replacement(key: str, value: Any) -> None:
    wanted = wanted_flow_log(params(log_format="${version} ${account-id} ${interface-id}"))

    assert needs_replacement(existing_like(wanted, **{key: value}), wanted) == [key]


def test_every_differing_immutable_setting_is_listed_in_a_fixed_order() -> None:
    wanted = wanted_flow_log(params(log_format="${srcaddr}"))
    existing = existing_like(wanted, MaxAggregationInterval=60, TrafficType="ACCEPT", LogFormat="${dstaddr}")

    assert needs_replacement(existing, wanted) == ["TrafficType", "MaxAggregationInterval", "LogFormat"]


def test_an_unrequested_log_format_never_needs_replacement() -> None:
    # AWS fills in its default format; without log_format the module must accept whatever is there.
    wanted = wanted_flow_log(params())

    assert needs_replacement(existing_like(wanted, LogFormat="${srcaddr}"), wanted) == []


def test_tags_and_mutable_details_never_need_replacement() -> None:
    wanted = wanted_flow_log(params())
    existing = existing_like(wanted, Tags=[{"Key": "Team", "Value": "media"}], FlowLogStatus="ERROR")

    assert needs_replacement(existing, wanted) == []


def test_an_s3_flow_log_is_not_replaced_for_a_role_it_does_not_have() -> None:
    wanted = wanted_flow_log(params(log_destination_type="s3", log_destination=BUCKET_ARN))
    existing = {
        key: value for key, value in existing_like(wanted).items() if key != "DeliverLogsPermissionArn"
    }

    assert needs_replacement(existing, wanted) == []


# --- the module against moto -----------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """A moto account with a VPC, a log group, an IAM role for the flow logs service and a bucket.

    moto records DeliverLogsStatus SUCCESS whatever the role: it does not check that the role trusts
    vpc-flow-logs.amazonaws.com or may write to the group, which AWS reports in DeliverLogsStatus and
    DeliverLogsErrorMessage. These tests cannot cover that; the role here is only realistic.
    """
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        boto3.client("logs", region_name=REGION).create_log_group(logGroupName=LOG_GROUP)
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role_arn = iam.create_role(
            RoleName="webcast-test-flow-logs", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="webcast-test-flow-logs", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield {"ec2": ec2, "vpc_id": vpc_id, "role_arn": role_arn}


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the module in process with these arguments; its result, as Ansible would receive it."""

    def run_vpc_flow_log(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        return run_module(vpc_flow_log, args, capsys, check_mode)

    return run_vpc_flow_log


@pytest.fixture
def args(aws: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a CloudWatch Logs flow log of the VPC, with the module's defaults."""
    return {
        "resource_id": aws["vpc_id"],
        "log_group_name": LOG_GROUP,
        "deliver_logs_permission_arn": aws["role_arn"],
        "region": REGION,
    }


def flow_logs(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return aws["ec2"].describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [aws["vpc_id"]]}])[
        "FlowLogs"
    ]


def tags_of(flow_log: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in flow_log.get("Tags", [])}


def test_a_new_flow_log_is_created_and_returned(aws: Aws, args: Args, run: Run) -> None:
    result = run({**args, "tags": {"Name": "webcast-test-flow-logs"}})

    assert result["changed"] is True
    flow_log = result["flow_log"]
    (created,) = flow_logs(aws)
    assert flow_log["flow_log_id"] == created["FlowLogId"]
    assert flow_log["flow_log_id"].startswith("fl-")
    assert flow_log["resource_id"] == aws["vpc_id"]
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["log_group_name"] == LOG_GROUP
    assert flow_log["max_aggregation_interval"] == 600
    assert flow_log["tags"] == {"Name": "webcast-test-flow-logs"}
    assert result["replaced"] == []
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["flow_log_id"] == created["FlowLogId"]


def test_the_flow_log_is_created_as_requested(aws: Aws, args: Args, run: Run) -> None:
    run({**args, "traffic_type": "REJECT", "max_aggregation_interval": 60})

    (created,) = flow_logs(aws)
    assert created["TrafficType"] == "REJECT"
    assert created["MaxAggregationInterval"] == 60
    assert created["LogGroupName"] == LOG_GROUP
    assert created["DeliverLogsPermissionArn"] == aws["role_arn"]


def test_a_second_identical_run_changes_nothing(aws: Aws, args: Args, run: Run) -> None:
    first = run({**args, "tags": {"Name": "flow-logs"}})
    second = run({**args, "tags": {"Name": "flow-logs"}})

    assert second["changed"] is False
    assert second["flow_log"]["flow_log_id"] == first["flow_log"]["flow_log_id"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert len(flow_logs(aws)) == 1


def test_check_mode_reports_a_new_flow_log_and_creates_nothing(aws: Aws, args: Args, run: Run) -> None:
    result = run({**args, "tags": {"Name": "flow-logs"}}, check_mode=True)

    assert result["changed"] is True
    assert result["flow_log"]["traffic_type"] == "ALL"
    assert result["flow_log"]["tags"] == {"Name": "flow-logs"}
    assert "flow_log_id" not in result["flow_log"]
    assert flow_logs(aws) == []


def test_a_changed_traffic_type_replaces_the_flow_log(aws: Aws, args: Args, run: Run) -> None:
    old_id = run(args)["flow_log"]["flow_log_id"]

    result = run({**args, "traffic_type": "REJECT"})

    assert result["changed"] is True
    assert result["replaced"] == ["TrafficType"]
    assert result["flow_log"]["flow_log_id"] != old_id
    assert result["diff"]["before"]["traffic_type"] == "ALL"
    assert result["diff"]["after"]["traffic_type"] == "REJECT"
    (remaining,) = flow_logs(aws)
    assert remaining["FlowLogId"] == result["flow_log"]["flow_log_id"]
    assert remaining["TrafficType"] == "REJECT"


def test_a_changed_aggregation_interval_replaces_the_flow_log(aws: Aws, args: Args, run: Run) -> None:
    old_id = run(args)["flow_log"]["flow_log_id"]

    result = run({**args, "max_aggregation_interval": 60})

    assert result["replaced"] == ["MaxAggregationInterval"]
    (remaining,) = flow_logs(aws)
    assert remaining["FlowLogId"] != old_id
    assert remaining["MaxAggregationInterval"] == 60


def test_check_mode_reports_a_replacement_and_keeps_the_flow_log(aws: Aws, args: Args, run: Run) -> None:
    old_id = run(args)["flow_log"]["flow_log_id"]

    result = run({**args, "traffic_type": "ACCEPT"}, check_mode=True)

    assert result["changed"] is True
    assert result["replaced"] == ["TrafficType"]
    assert result["diff"]["after"]["traffic_type"] == "ACCEPT"
    (remaining,) = flow_logs(aws)
    assert (remaining["FlowLogId"], remaining["TrafficType"]) == (old_id, "ALL")


def test_a_tag_change_updates_the_tags_in_place(aws: Aws, args: Args, run: Run) -> None:
    old_id = run({**args, "tags": {"Name": "flow-logs", "Team": "video"}})["flow_log"]["flow_log_id"]

    result = run({**args, "tags": {"Name": "flow-logs", "Owner": "media"}})

    assert result["changed"] is True
    assert result["replaced"] == []
    assert result["flow_log"]["flow_log_id"] == old_id
    assert result["flow_log"]["tags"] == {"Name": "flow-logs", "Owner": "media"}
    (remaining,) = flow_logs(aws)
    assert remaining["FlowLogId"] == old_id
    assert tags_of(remaining) == {"Name": "flow-logs", "Owner": "media"}


def test_without_purge_tags_existing_tags_are_kept(aws: Aws, args: Args, run: Run) -> None:
    run({**args, "tags": {"Name": "flow-logs"}})

    result = run({**args, "tags": {"Owner": "media"}, "purge_tags": False})

    assert result["changed"] is True
    assert tags_of(flow_logs(aws)[0]) == {"Name": "flow-logs", "Owner": "media"}


def test_without_tags_the_tags_are_left_alone(aws: Aws, args: Args, run: Run) -> None:
    run({**args, "tags": {"Name": "flow-logs"}})

    result = run(args)

    assert result["changed"] is False
    assert tags_of(flow_logs(aws)[0]) == {"Name": "flow-logs"}


def test_check_mode_reports_a_tag_change_and_changes_no_tag(aws: Aws, args: Args, run: Run) -> None:
    run({**args, "tags": {"Name": "flow-logs"}})

    result = run({**args, "tags": {"Name": "renamed"}}, check_mode=True)

    assert result["changed"] is True
    assert result["flow_log"]["tags"] == {"Name": "renamed"}
    assert tags_of(flow_logs(aws)[0]) == {"Name": "flow-logs"}


def test_check_mode_reports_the_tags_a_real_run_would_leave(aws: Aws, args: Args, run: Run) -> None:
    run({**args, "tags": {"Name": "flow-logs"}})

    result = run({**args, "tags": {"Owner": "media"}, "purge_tags": False}, check_mode=True)

    assert result["changed"] is True
    assert tags_of(flow_logs(aws)[0]) == {"Name": "flow-logs"}
    assert result["diff"]["after"]["tags"] == {"Name": "flow-logs", "Owner": "media"}


def test_a_replacement_without_tags_keeps_the_tags_of_the_flow_log_it_replaces(
    aws: Aws, args: Args, run: Run
) -> None:
    run({**args, "tags": {"Name": "flow-logs"}})

    result = run({**args, "traffic_type": "REJECT"})

    assert result["replaced"] == ["TrafficType"]
    assert tags_of(flow_logs(aws)[0]) == {"Name": "flow-logs"}


def test_a_flow_log_to_another_destination_is_a_different_flow_log(aws: Aws, args: Args, run: Run) -> None:
    cloud_watch = run(args)["flow_log"]["flow_log_id"]

    result = run(
        {
            "resource_id": aws["vpc_id"],
            "log_destination_type": "s3",
            "log_destination": BUCKET_ARN,
            "region": REGION,
        }
    )

    assert result["changed"] is True
    assert result["flow_log"]["log_destination"] == BUCKET_ARN
    assert sorted(flow_log["FlowLogId"] for flow_log in flow_logs(aws)) == sorted(
        [cloud_watch, result["flow_log"]["flow_log_id"]]
    )


def test_absent_deletes_the_flow_log_and_a_second_absent_changes_nothing(
    aws: Aws, args: Args, run: Run
) -> None:
    flow_log_id = run(args)["flow_log"]["flow_log_id"]
    absent = {"resource_id": aws["vpc_id"], "log_group_name": LOG_GROUP, "state": "absent", "region": REGION}

    first = run(absent)
    second = run(absent)

    assert first["changed"] is True
    assert first["flow_log"] == {}
    assert first["diff"]["before"]["flow_log_id"] == flow_log_id
    assert flow_logs(aws) == []
    assert second["changed"] is False
    assert second["flow_log"] == {}


def test_absent_deletes_only_the_flow_log_to_that_destination(aws: Aws, args: Args, run: Run) -> None:
    run(args)
    s3 = {"resource_id": aws["vpc_id"], "log_destination_type": "s3", "log_destination": BUCKET_ARN}
    s3_id = run({**s3, "region": REGION})["flow_log"]["flow_log_id"]

    run({**args, "state": "absent"})

    assert [flow_log["FlowLogId"] for flow_log in flow_logs(aws)] == [s3_id]


def test_check_mode_reports_a_deletion_and_deletes_nothing(aws: Aws, args: Args, run: Run) -> None:
    run(args)

    result = run({**args, "state": "absent"}, check_mode=True)

    assert result["changed"] is True
    assert len(flow_logs(aws)) == 1


def test_cloud_watch_logs_without_a_role_fails_naming_the_parameter(aws: Aws, args: Args, run: Run) -> None:
    result = run({key: value for key, value in args.items() if key != "deliver_logs_permission_arn"})

    assert result["failed"] is True
    assert "deliver_logs_permission_arn is required" in result["msg"]
    assert flow_logs(aws) == []


def test_cloud_watch_logs_without_a_group_fails_naming_the_parameter(aws: Aws, args: Args, run: Run) -> None:
    result = run({key: value for key, value in args.items() if key != "log_group_name"})

    assert result["failed"] is True
    assert "log_group_name" in result["msg"]


def test_s3_without_a_destination_fails_naming_the_parameter(aws: Aws, run: Run) -> None:
    result = run({"resource_id": aws["vpc_id"], "log_destination_type": "s3", "region": REGION})

    assert result["failed"] is True
    assert "log_destination" in result["msg"]
