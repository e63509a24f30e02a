"""The buckets, as AWS (the emulator) reports them after converge: the promises of aws_s3."""

from __future__ import annotations

import json

import pytest
from conftest import ENV, env_tags

TIERS = ("media", "logs", "backups")


@pytest.fixture(scope="module")
def s3(aws):
    return aws("s3")


@pytest.fixture(scope="module")
def account_id(aws) -> str:
    return aws("sts").get_caller_identity()["Account"]


@pytest.fixture(scope="module")
def buckets(settings, account_id) -> dict[str, str]:
    """Bucket names by tier: <project>-<env>-<tier>-<account id> (docs/decisions/0005)."""
    return {tier: f"{settings['webcast_project']}-{ENV}-{tier}-{account_id}" for tier in TIERS}


@pytest.fixture(scope="module")
def key_arn(aws, settings) -> str:
    alias = f"alias/{settings['webcast_project']}-{ENV}-s3"
    aliases = {a["AliasName"]: a for a in aws("kms").list_aliases()["Aliases"]}
    assert alias in aliases, f"no KMS alias {alias}: {sorted(aliases)}"
    return aws("kms").describe_key(KeyId=aliases[alias]["TargetKeyId"])["KeyMetadata"]["Arn"]


def policy(s3, bucket: str) -> dict[str, dict]:
    """The bucket policy's statements by Sid."""
    document = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    return {statement["Sid"]: statement for statement in document["Statement"]}


def rules(s3, bucket: str) -> dict[str, dict]:
    return {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}


def test_every_bucket_exists_with_the_environment_s_tags(s3, buckets, settings):
    for tier, bucket in buckets.items():
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags == env_tags(settings, bucket, "storage", Tier=tier), bucket


def test_the_kms_key_is_customer_managed_enabled_and_rotated(aws, key_arn):
    kms = aws("kms")
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert (metadata["KeyManager"], metadata["KeyState"]) == ("CUSTOMER", "Enabled")
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True


@pytest.mark.parametrize("tier", ["media", "backups"])
def test_media_and_backups_are_encrypted_with_the_role_s_key_and_bucket_keys(s3, buckets, key_arn, tier):
    (rule,) = s3.get_bucket_encryption(Bucket=buckets[tier])["ServerSideEncryptionConfiguration"]["Rules"]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert (default["SSEAlgorithm"], default.get("KMSMasterKeyID"), rule.get("BucketKeyEnabled")) == (
        "aws:kms",
        key_arn,
        True,
    )


def test_the_logs_bucket_uses_sse_s3_which_log_delivery_requires(s3, buckets):
    (rule,) = s3.get_bucket_encryption(Bucket=buckets["logs"])["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


@pytest.mark.parametrize("tier", TIERS)
def test_every_bucket_is_versioned(s3, buckets, tier):
    assert s3.get_bucket_versioning(Bucket=buckets[tier]).get("Status") == "Enabled"


@pytest.mark.parametrize("tier", TIERS)
def test_every_bucket_blocks_all_public_access(s3, buckets, tier):
    block = s3.get_public_access_block(Bucket=buckets[tier])["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize(
    ("tier", "ownership"),
    [("media", "BucketOwnerEnforced"), ("backups", "BucketOwnerEnforced"), ("logs", "BucketOwnerPreferred")],
)
def test_acls_are_off_except_on_the_logs_bucket_where_log_delivery_needs_them(s3, buckets, tier, ownership):
    rules_found = s3.get_bucket_ownership_controls(Bucket=buckets[tier])["OwnershipControls"]["Rules"]
    assert [rule["ObjectOwnership"] for rule in rules_found] == [ownership]


@pytest.mark.parametrize("tier", TIERS)
def test_every_bucket_refuses_requests_without_tls(s3, buckets, tier):
    deny = policy(s3, buckets[tier])["DenyRequestsWithoutTls"]
    arn = f"arn:aws:s3:::{buckets[tier]}"
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert sorted(deny["Resource"]) == [arn, f"{arn}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_logs_bucket_admits_alb_log_delivery_under_its_prefix_only(s3, buckets, account_id, settings):
    statement = policy(s3, buckets["logs"])["AlbAccessLogDelivery"]
    # eu-west-1 opened before August 2022: its Elastic Load Balancing account delivers the logs.
    assert settings["webcast_aws_region"] == "eu-west-1"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::156460612806:root"}
    assert (statement["Effect"], statement["Action"]) == ("Allow", "s3:PutObject")
    assert statement["Resource"] == f"arn:aws:s3:::{buckets['logs']}/alb/AWSLogs/{account_id}/*"


def test_the_logs_bucket_admits_s3_access_logs_of_media_and_backups_only(s3, buckets, account_id):
    statement = policy(s3, buckets["logs"])["S3ServerAccessLogDelivery"]
    assert statement["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert statement["Resource"] == f"arn:aws:s3:::{buckets['logs']}/s3/*"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": account_id}
    assert sorted(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == sorted(
        f"arn:aws:s3:::{buckets[tier]}" for tier in ("media", "backups")
    )


def test_the_logs_bucket_admits_the_environment_s_trail_and_no_other_under_its_prefix(
    aws, s3, buckets, account_id
):
    # AWS refuses CreateTrail without these statements (the emulator does not check): they must name
    # the trail the account baseline made, and the prefix it writes under.
    trails = aws("cloudtrail").describe_trails()["trailList"]
    trail = next(t for t in trails if t["S3BucketName"] == buckets["logs"])
    statements = policy(s3, buckets["logs"])
    acl, write = statements["CloudTrailChecksTheBucketAcl"], statements["CloudTrailDelivery"]
    assert (acl["Principal"], acl["Action"], acl["Resource"]) == (
        {"Service": "cloudtrail.amazonaws.com"},
        "s3:GetBucketAcl",
        f"arn:aws:s3:::{buckets['logs']}",
    )
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": trail["TrailARN"]}}
    assert (write["Principal"], write["Action"]) == ({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject")
    assert (
        write["Resource"] == f"arn:aws:s3:::{buckets['logs']}/{trail['S3KeyPrefix']}/AWSLogs/{account_id}/*"
    )
    assert write["Condition"] == {
        "StringEquals": {"aws:SourceArn": trail["TrailARN"], "s3:x-amz-acl": "bucket-owner-full-control"}
    }


def test_only_cloudfront_of_this_account_may_read_on_demand_video_from_the_media_bucket(
    s3, buckets, account_id
):
    statements = policy(s3, buckets["media"])
    assert sorted(statements) == ["CloudFrontOfThisAccountReadsOnDemandVideo", "DenyRequestsWithoutTls"]
    read = statements["CloudFrontOfThisAccountReadsOnDemandVideo"]
    assert (read["Principal"], read["Action"], read["Resource"]) == (
        {"Service": "cloudfront.amazonaws.com"},
        "s3:GetObject",
        f"arn:aws:s3:::{buckets['media']}/vod/*",
    )
    assert read["Condition"] == {"StringEquals": {"aws:SourceAccount": account_id}}


def test_the_backups_bucket_admits_nobody_beyond_the_account_s_iam(s3, buckets):
    assert sorted(policy(s3, buckets["backups"])) == ["DenyRequestsWithoutTls"]


@pytest.mark.parametrize("tier", ["media", "backups"])
def test_media_and_backups_log_their_access_to_the_logs_bucket(s3, buckets, tier):
    logging = s3.get_bucket_logging(Bucket=buckets[tier]).get("LoggingEnabled", {})
    assert (logging.get("TargetBucket"), logging.get("TargetPrefix")) == (
        buckets["logs"],
        f"s3/{buckets[tier]}/",
    )


def test_the_logs_bucket_does_not_log_its_own_access(s3, buckets):
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=buckets["logs"])


def test_logs_expire_after_the_setting_and_their_old_versions_too(s3, buckets):
    rule = rules(s3, buckets["logs"])["expire-logs"]
    assert rule["Status"] == "Enabled"
    assert rule["Expiration"] == {"Days": 90}
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_recordings_move_to_standard_ia_then_glacier(s3, buckets):
    rule = rules(s3, buckets["media"])["archive-recordings"]
    assert rule["Status"] == "Enabled"
    assert rule["Filter"] == {"Prefix": "recordings/"}
    assert sorted((t["Days"], t["StorageClass"]) for t in rule["Transitions"]) == [
        (30, "STANDARD_IA"),
        (180, "GLACIER"),
    ]


def test_on_demand_video_never_moves_beyond_standard_ia(s3, buckets):
    rule = rules(s3, buckets["media"])["infrequent-vod"]
    assert rule["Filter"] == {"Prefix": "vod/"}
    assert [(t["Days"], t["StorageClass"]) for t in rule["Transitions"]] == [(30, "STANDARD_IA")]


@pytest.mark.parametrize("tier", ["media", "backups"])
def test_noncurrent_versions_expire_and_unfinished_uploads_are_aborted(s3, buckets, tier):
    rule = rules(s3, buckets[tier])["expire-noncurrent"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert "Expiration" not in rule and "Transitions" not in rule
