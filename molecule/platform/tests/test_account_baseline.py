"""The account baseline, as the emulated account reports it: the promises of aws_account_baseline."""

from __future__ import annotations

import json

import pytest
from conftest import ENV


@pytest.fixture(scope="module")
def prefix(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}"


@pytest.fixture(scope="module")
def account(aws) -> str:
    return aws("sts").get_caller_identity()["Account"]


def key_of(aws, alias: str) -> dict:
    return aws("kms").describe_key(KeyId=f"alias/{alias}")["KeyMetadata"]


def test_new_ebs_volumes_are_encrypted_with_our_rotated_key(aws, prefix):
    ec2 = aws("ec2")
    key = key_of(aws, f"{prefix}-ebs")
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == key["Arn"]
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_the_ebs_key_lets_auto_scaling_launch_encrypted_volumes(aws, prefix):
    key = key_of(aws, f"{prefix}-ebs")
    policy = json.loads(aws("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    principals = {s["Sid"]: s["Principal"].get("AWS", "") for s in policy["Statement"]}
    assert principals["AutoScalingLaunchesEncryptedVolumes"].endswith("/AWSServiceRoleForAutoScaling")


def test_the_audit_key_is_rotated(aws, prefix):
    key = key_of(aws, f"{prefix}-audit")
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_no_bucket_of_the_account_can_be_made_public(aws, account):
    # S3 Control puts the account id in the host; the emulator is an address: call it path-style.
    client = aws("s3control")
    client.meta.events.register(
        "before-sign.s3-control.*",
        lambda request, **_: setattr(request, "url", request.url.replace(f"//{account}.", "//", 1)),
    )
    block = client.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


def test_the_password_policy_meets_the_cis_benchmark(aws):
    policy = aws("iam").get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 14
    assert policy["PasswordReusePrevention"] == 24
    assert all(
        policy[k]
        for k in (
            "RequireSymbols",
            "RequireNumbers",
            "RequireUppercaseCharacters",
            "RequireLowercaseCharacters",
        )
    )


def test_guardduty_watches_the_region(aws):
    detectors = aws("guardduty").list_detectors()["DetectorIds"]
    assert len(detectors) == 1
    assert aws("guardduty").get_detector(DetectorId=detectors[0])["Status"] == "ENABLED"


def test_security_hub_checks_the_foundational_best_practices(aws, settings):
    enabled = aws("securityhub").get_enabled_standards()["StandardsSubscriptions"]
    assert [s["StandardsArn"].split(":standards/")[1] for s in enabled] == [
        "aws-foundational-security-best-practices/v/1.0.0"
    ]


def test_aws_config_records_every_resource_type_global_ones_too(aws, prefix):
    config = aws("config")
    recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert [r["name"] for r in recorders] == [prefix], recorders
    group = recorders[0]["recordingGroup"]
    assert (group["allSupported"], group["includeGlobalResourceTypes"]) == (True, True), group
    assert recorders[0]["roleARN"].endswith(f":role/{prefix}-config")
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert status[0]["recording"] is True, status


def test_aws_config_delivers_daily_to_the_logs_bucket(aws, prefix):
    channels = aws("config").describe_delivery_channels()["DeliveryChannels"]
    assert len(channels) == 1, channels
    assert channels[0]["s3BucketName"].startswith(f"{prefix}-logs-"), channels[0]
    assert channels[0]["s3KeyPrefix"] == "config"
    assert channels[0]["configSnapshotDeliveryProperties"]["deliveryFrequency"] == "TwentyFour_Hours"


def test_aws_config_evaluates_each_chosen_managed_rule(aws, prefix):
    from conftest import role_defaults

    wanted = role_defaults("aws_account_baseline")["aws_account_baseline_config_rules"]
    rules = aws("config").describe_config_rules()["ConfigRules"]
    found = {r["Source"]["SourceIdentifier"] for r in rules if r["ConfigRuleName"].startswith(prefix)}
    assert found == set(wanted), f"missing {set(wanted) - found}, extra {found - set(wanted)}"
    assert all(r["Source"]["Owner"] == "AWS" for r in rules)
