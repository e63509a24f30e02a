"""Alarms, dashboard and log groups as CloudWatch and SNS report them: the promises of aws_monitoring."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ENV, ROOT

DEFAULTS = yaml.safe_load((ROOT / "roles/aws_monitoring/defaults/main.yml").read_text())
THRESHOLDS = DEFAULTS["aws_monitoring_thresholds"]
# Each alarm's threshold setting (the ASG's is the inventory's maximum size).
EXPECTED = {
    "alb-5xx": THRESHOLDS["alb_5xx_count"],
    "alb-target-response-time": THRESHOLDS["alb_target_response_time_s"],
    "alb-unhealthy-hosts": THRESHOLDS["unhealthy_hosts"],
    "rds-cpu": THRESHOLDS["rds_cpu_percent"],
    "rds-free-storage": THRESHOLDS["rds_free_storage_bytes"],
    "rds-connections": THRESHOLDS["rds_connections"],
    "efs-burst-credits": THRESHOLDS["efs_burst_credit_bytes"],
    "efs-io-limit": THRESHOLDS["efs_percent_io_limit"],
    "redis-cpu": THRESHOLDS["redis_cpu_percent"],
    "redis-memory": THRESHOLDS["redis_memory_percent"],
    "redis-evictions": THRESHOLDS["redis_evictions"],
    "ses-bounce-rate": THRESHOLDS["ses_bounce_rate"],
    "ses-complaint-rate": THRESHOLDS["ses_complaint_rate"],
}


@pytest.fixture(scope="module")
def prefix(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}"


def alarms_in(aws_client, prefix: str) -> dict[str, dict]:
    found = aws_client.describe_alarms(AlarmNamePrefix=f"{prefix}-")["MetricAlarms"]
    return {a["AlarmName"].removeprefix(f"{prefix}-"): a for a in found}


@pytest.fixture(scope="module")
def alarms(aws, prefix) -> dict[str, dict]:
    return alarms_in(aws("cloudwatch"), prefix)


@pytest.fixture(scope="module")
def topic_arn(aws, prefix) -> str:
    topics = [
        t["TopicArn"]
        for t in aws("sns").list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{prefix}-alarms")
    ]
    assert len(topics) == 1, topics
    return topics[0]


def test_every_alarm_exists_with_its_configured_threshold(alarms, settings):
    wanted = {**EXPECTED, "asg-at-maximum": settings["webcast_asg_max_size"]}
    found = {name: alarms[name]["Threshold"] for name in wanted if name in alarms}
    assert found == {name: float(value) for name, value in wanted.items()}


def test_every_alarm_notifies_the_alarm_topic(alarms, topic_arn):
    wrong = {n: a["AlarmActions"] for n, a in alarms.items() if a["AlarmActions"] != [topic_arn]}
    assert not wrong, f"alarms not notifying {topic_arn}: {wrong}"


def test_the_cloudfront_alarm_lives_in_us_east_1_and_notifies_that_region_s_topic(aws, settings, prefix):
    import boto3

    us_east = boto3.client(
        "cloudwatch",
        region_name="us-east-1",
        endpoint_url=aws("cloudwatch").meta.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    alarm = alarms_in(us_east, prefix)["cloudfront-5xx-rate"]
    assert alarm["Threshold"] == float(THRESHOLDS["cloudfront_5xx_rate_percent"])
    assert [a.split(":")[3] for a in alarm["AlarmActions"]] == ["us-east-1"]
    assert alarm["AlarmActions"][0].endswith(f":{prefix}-alarms")


def test_the_alarm_topic_is_encrypted_and_mailed_to_the_configured_address(aws, topic_arn, settings):
    attributes = aws("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert attributes.get("KmsMasterKeyId", "").startswith("alias/"), attributes.get("KmsMasterKeyId")
    subscriptions = aws("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    wanted = (
        [("email", settings["aws_monitoring_alarm_email"])] if settings["aws_monitoring_alarm_email"] else []
    )
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == wanted


def test_the_dashboard_has_a_widget_per_alarm(aws, prefix):
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=f"{prefix}-monitoring")["DashboardBody"])
    titles = sorted(w["properties"]["title"] for w in body["widgets"])
    assert titles == sorted([*EXPECTED, "asg-at-maximum", "cloudfront-5xx-rate"])


@pytest.mark.parametrize("log", ["app", "nginx", "postfix"])
def test_each_log_group_keeps_its_events_as_configured(aws, settings, log):
    name = f"/{settings['webcast_project']}/{ENV}/{log}"
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [
        (name, settings["aws_monitoring_log_retention_days"])
    ]


@pytest.mark.parametrize("region", ["home", "us-east-1"])
def test_cloudwatch_may_use_the_alarm_key_only_for_this_account_s_alarms_of_the_environment(
    aws, settings, prefix, region
):
    region = settings["webcast_aws_region"] if region == "home" else region
    kms = aws("kms", region=region)
    key_id = kms.describe_key(KeyId=f"alias/{prefix}-alarms")["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    account = aws("sts").get_caller_identity()["Account"]
    services = [
        s for s in policy["Statement"] if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]
    ]
    assert [s["Principal"]["Service"] for s in services] == ["cloudwatch.amazonaws.com"], services
    condition = services[0].get("Condition", {})
    assert condition.get("StringEquals", {}).get("aws:SourceAccount") == account, condition
    assert condition.get("ArnLike", {}).get("aws:SourceArn") == (
        f"arn:aws:cloudwatch:{region}:{account}:alarm:{prefix}-*"
    ), condition
