"""The account-level modules (EBS encryption by default, the S3 account public access block,
GuardDuty, Security Hub) end to end against moto in process: first run, second run, check mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import (
    config_recorder,
    config_recorder_status,
    ebs_encryption_default,
    guardduty_detector,
    iam_service_linked_role,
    s3_account_public_access_block,
    securityhub,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator.fixes import FIXES

REGION = "eu-west-1"
CONNECTION = {"region": REGION}
FSBP = "aws-foundational-security-best-practices/v/1.0.0"
CIS = "cis-aws-foundations-benchmark/v/1.4.0"


@pytest.fixture
def aws() -> Iterator[Any]:
    standards = next(f for f in FIXES if f.name == "securityhub_standards")
    ebs_key = next(f for f in FIXES if f.name == "ec2_get_ebs_default_kms_key_id")
    with mock_aws(), standards.patch(), ebs_key.patch():
        yield lambda service: boto3.client(service, region_name=REGION)


# --- EBS encryption by default -------------------------------------------------------------------


def test_ebs_encryption_is_turned_on_with_our_key_once(aws, capsys):
    key = aws("kms").create_key()["KeyMetadata"]
    aws("kms").create_alias(AliasName="alias/webcast-test-ebs", TargetKeyId=key["KeyId"])
    args = {**CONNECTION, "enabled": True, "kms_key_id": "alias/webcast-test-ebs"}

    planned = run_module(ebs_encryption_default, args, capsys, check_mode=True)
    assert (
        planned["changed"] and aws("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    )
    first = run_module(ebs_encryption_default, args, capsys)
    second = run_module(ebs_encryption_default, {**args, "kms_key_id": key["Arn"]}, capsys)

    assert (first["changed"], second["changed"]) == (True, False)
    assert aws("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    assert first["kms_key_arn"] == key["Arn"]
    assert first["diff"]["before"]["enabled"] is False


def test_ebs_encryption_can_be_turned_off(aws, capsys):
    aws("ec2").enable_ebs_encryption_by_default()
    result = run_module(ebs_encryption_default, {**CONNECTION, "enabled": False}, capsys)
    assert result["changed"] and aws("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False


# --- S3 account public access block --------------------------------------------------------------


def test_the_account_block_is_set_in_full_once(aws, capsys):
    account = aws("sts").get_caller_identity()["Account"]
    planned = run_module(s3_account_public_access_block, CONNECTION, capsys, check_mode=True)
    with pytest.raises(aws("s3control").exceptions.ClientError):
        aws("s3control").get_public_access_block(AccountId=account)
    first = run_module(s3_account_public_access_block, CONNECTION, capsys)
    second = run_module(s3_account_public_access_block, CONNECTION, capsys)

    assert (planned["changed"], first["changed"], second["changed"]) == (True, True, False)
    stored = aws("s3control").get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert stored == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert first["account_id"] == account


def test_a_weakened_account_block_is_repaired(aws, capsys):
    account = aws("sts").get_caller_identity()["Account"]
    run_module(s3_account_public_access_block, CONNECTION, capsys)
    aws("s3control").put_public_access_block(
        AccountId=account,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    repaired = run_module(s3_account_public_access_block, CONNECTION, capsys)
    assert repaired["changed"] and repaired["diff"]["before"]["block_public_policy"] is False


# --- GuardDuty -----------------------------------------------------------------------------------


def test_one_detector_is_created_then_left_alone(aws, capsys):
    args = {**CONNECTION, "finding_publishing_frequency": "FIFTEEN_MINUTES"}
    planned = run_module(guardduty_detector, args, capsys, check_mode=True)
    assert planned["changed"] and aws("guardduty").list_detectors()["DetectorIds"] == []
    first = run_module(guardduty_detector, args, capsys)
    second = run_module(guardduty_detector, args, capsys)

    assert (first["changed"], second["changed"]) == (True, False)
    assert aws("guardduty").list_detectors()["DetectorIds"] == [first["detector_id"]]
    detector = aws("guardduty").get_detector(DetectorId=first["detector_id"])
    assert (detector["Status"], detector["FindingPublishingFrequency"]) == ("ENABLED", "FIFTEEN_MINUTES")


def test_a_suspended_detector_is_enabled_again(aws, capsys):
    detector = aws("guardduty").create_detector(Enable=False, FindingPublishingFrequency="SIX_HOURS")
    result = run_module(guardduty_detector, CONNECTION, capsys)
    assert result["changed"] and result["detector_id"] == detector["DetectorId"]
    assert aws("guardduty").get_detector(DetectorId=detector["DetectorId"])["Status"] == "ENABLED"


def test_absent_deletes_the_detector(aws, capsys):
    aws("guardduty").create_detector(Enable=True)
    result = run_module(guardduty_detector, {**CONNECTION, "state": "absent"}, capsys)
    assert result["changed"] and aws("guardduty").list_detectors()["DetectorIds"] == []


# --- Security Hub --------------------------------------------------------------------------------


def enabled_standards(aws: Any) -> list[str]:
    return sorted(
        s["StandardsArn"] for s in aws("securityhub").get_enabled_standards()["StandardsSubscriptions"]
    )


def test_security_hub_is_enabled_with_exactly_the_listed_standards(aws, capsys):
    args = {**CONNECTION, "standards": [FSBP]}
    planned = run_module(securityhub, args, capsys, check_mode=True)
    with pytest.raises(aws("securityhub").exceptions.InvalidAccessException):
        aws("securityhub").describe_hub()
    first = run_module(securityhub, args, capsys)
    second = run_module(securityhub, args, capsys)

    assert (planned["changed"], first["changed"], second["changed"]) == (True, True, False)
    assert enabled_standards(aws) == [f"arn:aws:securityhub:{REGION}::standards/{FSBP}"]
    assert first["hub_arn"].endswith(":hub/default")


def test_a_standard_no_longer_listed_is_disabled(aws, capsys):
    run_module(securityhub, {**CONNECTION, "standards": [FSBP, CIS]}, capsys)
    result = run_module(securityhub, {**CONNECTION, "standards": [FSBP]}, capsys)
    assert result["changed"] and result["diff"]["before"]["standards"] == sorted([FSBP, CIS])
    assert enabled_standards(aws) == [f"arn:aws:securityhub:{REGION}::standards/{FSBP}"]


# --- service-linked roles ------------------------------------------------------------------------


def test_the_service_linked_role_is_created_once(aws, capsys):
    args = {**CONNECTION, "aws_service_name": "autoscaling.amazonaws.com"}
    planned = run_module(iam_service_linked_role, args, capsys, check_mode=True)
    assert planned["changed"] and aws("iam").list_roles(PathPrefix="/aws-service-role/")["Roles"] == []
    first = run_module(iam_service_linked_role, args, capsys)
    second = run_module(iam_service_linked_role, args, capsys)

    assert (first["changed"], second["changed"]) == (True, False)
    assert first["arn"] == second["arn"]
    assert first["arn"].endswith(
        ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    )


# --- AWS Config recorder status ------------------------------------------------------------------


def test_a_recorder_is_started_once_and_can_be_stopped(aws, capsys):
    config = aws("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "webcast-test", "roleARN": "arn:aws:iam::123456789012:role/config"}
    )
    aws("s3").create_bucket(
        Bucket="webcast-test-logs", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    config.put_delivery_channel(DeliveryChannel={"name": "webcast-test", "s3BucketName": "webcast-test-logs"})
    args = {**CONNECTION, "name": "webcast-test"}

    planned = run_module(config_recorder_status, args, capsys, check_mode=True)
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert planned["changed"] and status["recording"] is False
    first = run_module(config_recorder_status, args, capsys)
    second = run_module(config_recorder_status, args, capsys)
    stopped = run_module(config_recorder_status, {**args, "recording": False}, capsys)

    assert (first["changed"], second["changed"], stopped["changed"]) == (True, False, True)
    assert (
        config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]
        is False
    )


# --- the Config recorder ---------------------------------------------------------------------------


def test_the_recorder_is_created_once_and_a_converged_one_is_left_alone(aws, capsys):
    config = aws("config")
    role = "arn:aws:iam::123456789012:role/webcast-test-config"
    args = {**CONNECTION, "name": "webcast-test", "role_arn": role}

    planned = run_module(config_recorder, args, capsys, check_mode=True)
    assert planned["changed"] and config.describe_configuration_recorders()["ConfigurationRecorders"] == []
    first = run_module(config_recorder, args, capsys)
    # AWS (and moto) answer recordingStrategy and exclusionByResourceTypes too: not a difference.
    second = run_module(config_recorder, args, capsys)
    checked = run_module(config_recorder, args, capsys, check_mode=True)

    assert (first["changed"], second["changed"], checked["changed"]) == (True, False, False)
    group = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["recordingGroup"]
    assert (group["allSupported"], group["includeGlobalResourceTypes"]) == (True, True)


def test_the_recorder_follows_a_changed_setting(aws, capsys):
    config = aws("config")
    args = {**CONNECTION, "name": "webcast-test", "role_arn": "arn:aws:iam::123456789012:role/a"}
    run_module(config_recorder, args, capsys)

    changed = run_module(config_recorder, {**args, "include_global_types": False}, capsys)

    assert changed["changed"] and changed["diff"]["before"]["include_global_types"] is True
    group = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["recordingGroup"]
    assert group["includeGlobalResourceTypes"] is False


def test_check_mode_plans_to_start_a_recorder_that_a_real_run_would_create_first(aws, capsys):
    planned = run_module(
        config_recorder_status, {**CONNECTION, "name": "webcast-test"}, capsys, check_mode=True
    )

    assert planned["changed"] and planned["diff"]["before"] == {"recording": False}
