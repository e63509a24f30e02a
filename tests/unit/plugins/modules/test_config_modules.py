"""The AWS Config delivery channel and managed rules modules end to end against moto in process:
first run, second run, check mode (which must report drift, not skip it), diff and purge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import config_delivery_channel, config_managed_rules
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
CONNECTION = {"region": REGION}
BUCKET = "webcast-test-logs"


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        client = lambda service: boto3.client(service, region_name=REGION)  # noqa: E731
        client("config").put_configuration_recorder(
            ConfigurationRecorder={"name": "webcast-test", "roleARN": "arn:aws:iam::123456789012:role/config"}
        )
        client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


# --- the delivery channel --------------------------------------------------------------------------

CHANNEL = {**CONNECTION, "name": "webcast-test", "s3_bucket": BUCKET, "s3_prefix": "config"}


def test_the_channel_is_created_once_and_check_mode_creates_nothing(aws, capsys):
    config = aws("config")

    planned = run_module(config_delivery_channel, CHANNEL, capsys, check_mode=True)
    assert planned["changed"] and config.describe_delivery_channels()["DeliveryChannels"] == []
    first = run_module(config_delivery_channel, CHANNEL, capsys)
    second = run_module(config_delivery_channel, CHANNEL, capsys)
    checked = run_module(config_delivery_channel, CHANNEL, capsys, check_mode=True)

    assert (first["changed"], second["changed"], checked["changed"]) == (True, False, False)
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    assert (channel["s3BucketName"], channel["s3KeyPrefix"]) == (BUCKET, "config")
    assert channel["configSnapshotDeliveryProperties"] == {"deliveryFrequency": "TwentyFour_Hours"}


def test_check_mode_reports_a_channel_changed_by_hand_and_leaves_it_a_real_run_corrects_it(aws, capsys):
    config = aws("config")
    run_module(config_delivery_channel, CHANNEL, capsys)
    config.put_delivery_channel(
        DeliveryChannel={"name": "webcast-test", "s3BucketName": BUCKET, "s3KeyPrefix": "elsewhere"}
    )

    checked = run_module(config_delivery_channel, CHANNEL, capsys, check_mode=True)
    assert checked["changed"]
    assert (checked["diff"]["before"]["s3_prefix"], checked["diff"]["after"]["s3_prefix"]) == (
        "elsewhere",
        "config",
    )
    assert config.describe_delivery_channels()["DeliveryChannels"][0]["s3KeyPrefix"] == "elsewhere"

    corrected = run_module(config_delivery_channel, CHANNEL, capsys)
    assert corrected["changed"]
    assert config.describe_delivery_channels()["DeliveryChannels"][0]["s3KeyPrefix"] == "config"


def test_the_channel_follows_a_changed_frequency(aws, capsys):
    run_module(config_delivery_channel, CHANNEL, capsys)

    changed = run_module(config_delivery_channel, {**CHANNEL, "delivery_frequency": "Six_Hours"}, capsys)

    assert changed["changed"] and changed["diff"]["before"]["delivery_frequency"] == "TwentyFour_Hours"
    channel = aws("config").describe_delivery_channels()["DeliveryChannels"][0]
    assert channel["configSnapshotDeliveryProperties"] == {"deliveryFrequency": "Six_Hours"}


# --- the managed rules -----------------------------------------------------------------------------

RULES = {**CONNECTION, "prefix": "webcast-test", "rules": ["CLOUD_TRAIL_ENABLED", "ENCRYPTED_VOLUMES"]}


def rules_in(aws) -> dict[str, str]:
    found = aws("config").describe_config_rules()["ConfigRules"]
    return {r["ConfigRuleName"]: r["Source"]["SourceIdentifier"] for r in found}


def test_the_rules_are_created_once_and_check_mode_creates_nothing(aws, capsys):
    planned = run_module(config_managed_rules, RULES, capsys, check_mode=True)
    assert planned["changed"] and rules_in(aws) == {}
    first = run_module(config_managed_rules, RULES, capsys)
    second = run_module(config_managed_rules, RULES, capsys)
    checked = run_module(config_managed_rules, RULES, capsys, check_mode=True)

    assert (first["changed"], second["changed"], checked["changed"]) == (True, False, False)
    assert rules_in(aws) == {
        "webcast-test-cloud-trail-enabled": "CLOUD_TRAIL_ENABLED",
        "webcast-test-encrypted-volumes": "ENCRYPTED_VOLUMES",
    }


def test_check_mode_reports_a_rule_deleted_by_hand_and_a_real_run_restores_it(aws, capsys):
    run_module(config_managed_rules, RULES, capsys)
    aws("config").delete_config_rule(ConfigRuleName="webcast-test-encrypted-volumes")

    checked = run_module(config_managed_rules, RULES, capsys, check_mode=True)
    assert checked["changed"] and checked["created"] == ["webcast-test-encrypted-volumes"]
    assert "webcast-test-encrypted-volumes" not in checked["diff"]["before"]
    assert "webcast-test-encrypted-volumes" not in rules_in(aws)

    restored = run_module(config_managed_rules, RULES, capsys)
    assert restored["created"] == ["webcast-test-encrypted-volumes"]
    assert rules_in(aws)["webcast-test-encrypted-volumes"] == "ENCRYPTED_VOLUMES"


def test_a_rule_dropped_from_the_setting_is_purged_and_other_names_are_left_alone(aws, capsys):
    run_module(config_managed_rules, RULES, capsys)
    # Another environment whose name starts with this one's, and a rule made by hand.
    for name in ("someone-else", "webcast-test-eu-iam-password-policy"):
        aws("config").put_config_rule(
            ConfigRule={
                "ConfigRuleName": name,
                "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"},
            }
        )

    purged = run_module(config_managed_rules, {**RULES, "rules": ["CLOUD_TRAIL_ENABLED"]}, capsys)

    assert purged["deleted"] == ["webcast-test-encrypted-volumes"]
    assert rules_in(aws) == {
        "webcast-test-cloud-trail-enabled": "CLOUD_TRAIL_ENABLED",
        "someone-else": "IAM_PASSWORD_POLICY",
        "webcast-test-eu-iam-password-policy": "IAM_PASSWORD_POLICY",
    }


def test_a_rule_whose_source_was_changed_by_hand_is_corrected(aws, capsys):
    run_module(config_managed_rules, RULES, capsys)
    aws("config").put_config_rule(
        ConfigRule={
            "ConfigRuleName": "webcast-test-encrypted-volumes",
            "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"},
        }
    )

    corrected = run_module(config_managed_rules, RULES, capsys)

    assert corrected["updated"] == ["webcast-test-encrypted-volumes"]
    assert rules_in(aws)["webcast-test-encrypted-volumes"] == "ENCRYPTED_VOLUMES"
