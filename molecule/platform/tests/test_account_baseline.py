"""The account baseline, as the emulated account reports it: the promises of aws_account_baseline."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ENV, ROOT


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


@pytest.fixture(scope="module")
def trail(aws, prefix) -> dict:
    trails = [t for t in aws("cloudtrail").describe_trails()["trailList"] if t["Name"] == f"{prefix}-trail"]
    assert len(trails) == 1, trails
    return trails[0]


def test_the_trail_logs_every_region_validated_encrypted_to_the_logs_bucket_and_its_log_group(
    aws, trail, prefix, settings
):
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"], trail
    assert trail["KmsKeyId"] == key_of(aws, f"{prefix}-audit")["Arn"], trail.get("KmsKeyId")
    assert trail["S3BucketName"].startswith(f"{prefix}-logs-"), trail["S3BucketName"]
    assert f":log-group:/{settings['webcast_project']}/{ENV}/cloudtrail" in trail.get(
        "CloudWatchLogsLogGroupArn", ""
    ), trail
    assert aws("cloudtrail").get_trail_status(Name=trail["TrailARN"])["IsLogging"]


def test_only_cloudtrail_for_this_trail_may_assume_the_trail_s_log_role(aws, trail, account):
    role_name = trail["CloudWatchLogsRoleArn"].rsplit("/", 1)[-1]
    statement = aws("iam").get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": account,
        "aws:SourceArn": trail["TrailARN"],
    }


def test_each_cis_monitoring_item_has_a_metric_filter_and_an_alarm_to_the_alarm_topic(aws, trail, prefix):
    items = yaml.safe_load((ROOT / "roles/aws_account_baseline/vars/main.yml").read_text())[
        "_aws_account_baseline_cis_filters"
    ]
    group = trail["CloudWatchLogsLogGroupArn"].split(":log-group:", 1)[1].split(":", 1)[0]
    filters = aws("logs").describe_metric_filters(logGroupName=group)["metricFilters"]
    metrics = {f["filterName"]: f["metricTransformations"][0]["metricName"] for f in filters}
    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix=f"{prefix}-cis-")["MetricAlarms"]
    alarmed = {a["MetricName"]: a["AlarmActions"] for a in alarms}
    missing = [i["name"] for i in items if f"{prefix}-{i['name']}" not in metrics]
    assert not missing, f"no metric filter for {missing}"
    silent = [
        i["name"]
        for i in items
        if not any(a.endswith(f":{prefix}-alarms") for a in alarmed.get(metrics[f"{prefix}-{i['name']}"], []))
    ]
    assert not silent, f"no alarm to the alarm topic for {silent}"


def test_the_audit_key_lets_cloudtrail_use_it_for_this_trail_only(aws, trail, prefix):
    kms = aws("kms")
    key = key_of(aws, f"{prefix}-audit")
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    statement = next(
        s for s in policy["Statement"] if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    )
    assert statement["Condition"]["StringEquals"] == {"aws:SourceArn": trail["TrailARN"]}
