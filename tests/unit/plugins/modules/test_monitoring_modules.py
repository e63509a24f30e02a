"""cloudwatch_dashboard and sns_topic_encryption against moto in process."""

from __future__ import annotations

import json

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import cloudwatch_dashboard, sns_topic_encryption
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
BODY = {
    "widgets": [
        {"type": "metric", "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]], "region": REGION}}
    ]
}


@pytest.fixture
def aws():
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def test_a_dashboard_is_created_then_left_alone(aws, capsys):
    first = run_module(cloudwatch_dashboard, {"region": REGION, "name": "ops", "body": BODY}, capsys)
    second = run_module(cloudwatch_dashboard, {"region": REGION, "name": "ops", "body": BODY}, capsys)
    assert first["changed"] is True
    assert json.loads(aws("cloudwatch").get_dashboard(DashboardName="ops")["DashboardBody"]) == BODY
    assert second["changed"] is False


def test_a_dashboard_in_check_mode_is_reported_not_created(aws, capsys):
    result = run_module(cloudwatch_dashboard, {"region": REGION, "name": "ops", "body": BODY}, capsys, True)
    assert result["changed"] is True
    assert aws("cloudwatch").list_dashboards()["DashboardEntries"] == []


def test_a_changed_body_updates_the_dashboard_and_absent_deletes_it(aws, capsys):
    run_module(cloudwatch_dashboard, {"region": REGION, "name": "ops", "body": BODY}, capsys)
    changed = run_module(
        cloudwatch_dashboard, {"region": REGION, "name": "ops", "body": {"widgets": []}}, capsys
    )
    deleted = run_module(cloudwatch_dashboard, {"region": REGION, "name": "ops", "state": "absent"}, capsys)
    assert changed["changed"] is True and changed["diff"]["before"] == BODY
    assert deleted["changed"] is True
    assert aws("cloudwatch").list_dashboards()["DashboardEntries"] == []


def test_a_topic_gets_its_kms_key_once(aws, capsys):
    topic = aws("sns").create_topic(Name="alarms")["TopicArn"]
    wanted = {"region": REGION, "topic_arn": topic, "kms_key_id": "alias/alarms"}
    first = run_module(sns_topic_encryption, wanted, capsys)
    second = run_module(sns_topic_encryption, wanted, capsys)
    attributes = aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    assert first["changed"] is True and second["changed"] is False
    assert attributes["KmsMasterKeyId"] == "alias/alarms"


def test_a_topic_s_key_is_only_reported_in_check_mode(aws, capsys):
    topic = aws("sns").create_topic(Name="alarms")["TopicArn"]
    result = run_module(
        sns_topic_encryption, {"region": REGION, "topic_arn": topic, "kms_key_id": "alias/a"}, capsys, True
    )
    assert result["changed"] is True
    assert "KmsMasterKeyId" not in aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
