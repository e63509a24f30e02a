"""The webcast_security_audit module: every control against moto in process, then the module end to end.

Each control's test seeds a compliant and a non-compliant resource with boto3 and expects exactly one
finding, on the non-compliant one; and, with nothing of its service in the environment, "not applicable".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from ansible_collections.webcast.platform.plugins.modules import webcast_security_audit
from ansible_collections.webcast.platform.plugins.modules.webcast_security_audit import (
    CONTROL_IDS,
    CONTROLS,
    Facts,
    NotApplicable,
    Options,
    audit,
    nacl_allows_from_world,
    public_statements,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[4]
PROJECT = "webcast"
ENV = "test"
PREFIX = f"{PROJECT}-{ENV}-"
OPTS = Options(
    rtmp_allowlist=("198.51.100.0/24",),
    deletion_protection_required=True,
    allowed_ssl_policies=("ELBSecurityPolicy-TLS13-1-2-2021-06",),
)

Aws = Callable[..., Any]
# moto has no Access Analyzer API: audits of a whole account skip IAM.28, which has its own test.
NO_ANALYZER = {"IAM.28": "moto has no Access Analyzer API"}


def tags(component: str = "x", env: str = ENV) -> list[dict[str, str]]:
    return [
        {"Key": "Name", "Value": f"{PROJECT}-{env}-{component}"},
        {"Key": "Project", "Value": PROJECT},
        {"Key": "Environment", "Value": env},
        {"Key": "Component", "Value": component},
    ]


def spec(resource_type: str, component: str = "x", env: str = ENV) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": tags(component, env)}]


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        yield lambda service, region=None: boto3.client(service, region_name=region or REGION)


def findings_of(aws: Aws, control_id: str, opts: Options = OPTS) -> Any:
    """The control's findings (resource, found, severity) on freshly read facts, or NotApplicable."""
    control = next(c for c in CONTROLS if c.id == control_id)
    result = control.check(Facts(aws, PROJECT, ENV), opts)
    if isinstance(result, NotApplicable):
        return result
    return [(f["resource"], f["found"], f.get("severity") or control.severity) for f in result]


def vpc(aws: Aws, cidr: str = "10.20.0.0/16", env: str = ENV) -> str:
    return aws("ec2").create_vpc(CidrBlock=cidr, TagSpecifications=spec("vpc", "vpc", env))["Vpc"]["VpcId"]


def group(aws: Aws, vpc_id: str, name: str, *permissions: dict[str, Any]) -> str:
    ec2 = aws("ec2")
    group_id = ec2.create_security_group(
        GroupName=f"{PREFIX}{name}",
        Description=name,
        VpcId=vpc_id,
        TagSpecifications=spec("security-group", name),
    )["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return group_id


def tcp(port: int, *cidrs: str) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "IpRanges": [{"CidrIp": c} for c in cidrs if ":" not in c],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs if ":" in c],
    }


def label(aws: Aws, group_id: str) -> str:
    name = aws("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["GroupName"]
    return f"{group_id} ({name})"


# --- network ---------------------------------------------------------------------------------------


def test_security_group_controls_are_not_applicable_without_a_group(aws):
    for control in ("EC2.18", "EC2.13", "EC2.14", "WEBCAST.RTMP.1", "EC2.2", "EC2.21", "EC2.15"):
        assert isinstance(findings_of(aws, control), NotApplicable), control


def test_ec2_18_only_the_alb_group_may_be_open_to_the_world_and_only_on_80_and_443(aws):
    vpc_id = vpc(aws)
    group(aws, vpc_id, "alb", tcp(443, "0.0.0.0/0", "::/0"), tcp(80, "0.0.0.0/0"))
    app = group(aws, vpc_id, "app", tcp(8080, "0.0.0.0/0"), tcp(8081, "10.20.0.0/16"))

    assert findings_of(aws, "EC2.18") == [(label(aws, app), "tcp 8080 open from 0.0.0.0/0", "high")]


def test_ec2_18_a_world_open_rtmp_port_is_a_finding_whatever_the_allowlist(aws):
    vpc_id = vpc(aws)
    media = group(aws, vpc_id, "media", tcp(1935, "198.51.100.0/24"), tcp(1935, "::/0"))

    assert findings_of(aws, "EC2.18") == [(label(aws, media), "tcp 1935 open from ::/0", "high")]


def test_ec2_18_the_alb_group_open_on_another_port_is_a_finding(aws):
    alb = group(aws, vpc(aws), "alb", tcp(443, "0.0.0.0/0"), tcp(8443, "0.0.0.0/0"))

    assert findings_of(aws, "EC2.18") == [(label(aws, alb), "tcp 8443 open from 0.0.0.0/0", "high")]


def test_ec2_13_ssh_from_anything_is_a_finding_critical_from_the_world(aws):
    vpc_id = vpc(aws)
    group(aws, vpc_id, "app", tcp(443, "10.20.0.0/16"))
    bastion = group(aws, vpc_id, "bastion", tcp(22, "0.0.0.0/0"))
    admin = group(aws, vpc_id, "admin", tcp(22, "10.0.0.0/8"))

    assert sorted(findings_of(aws, "EC2.13")) == sorted(
        [
            (label(aws, bastion), "SSH (tcp 22) open from 0.0.0.0/0", "critical"),
            (label(aws, admin), "SSH (tcp 22) open from 10.0.0.0/8", "high"),
        ]
    )


def test_ec2_14_rdp_through_an_all_traffic_rule_is_a_finding(aws):
    vpc_id = vpc(aws)
    group(aws, vpc_id, "app", tcp(443, "10.20.0.0/16"))
    wide = group(aws, vpc_id, "wide", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.0.2.0/24"}]})

    assert findings_of(aws, "EC2.14") == [
        (label(aws, wide), "RDP (all traffic) open from 192.0.2.0/24", "high")
    ]


def test_webcast_rtmp_1_rtmp_from_outside_the_allowlist_and_the_vpc_is_a_finding(aws):
    vpc_id = vpc(aws)
    group(aws, vpc_id, "media", tcp(1935, "198.51.100.0/25", "10.20.1.0/24"))
    stray = group(aws, vpc_id, "stray", tcp(1935, "203.0.113.0/24"))

    assert findings_of(aws, "WEBCAST.RTMP.1") == [
        (label(aws, stray), "RTMP (tcp 1935) open from 203.0.113.0/24, not in the allowlist", "high")
    ]


def test_ec2_2_a_default_security_group_with_any_rule_is_a_finding(aws):
    ec2 = aws("ec2")
    closed, open_ = vpc(aws, "10.20.0.0/16"), vpc(aws, "10.30.0.0/16")
    defaults = {
        g["VpcId"]: g
        for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"
        ]
    }
    for group_ in defaults.values():  # moto, like AWS, gives a new default group an allow-all egress
        if group_["VpcId"] in (closed, open_) and group_["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(
                GroupId=group_["GroupId"], IpPermissions=group_["IpPermissionsEgress"]
            )
    ec2.authorize_security_group_ingress(
        GroupId=defaults[open_]["GroupId"], IpPermissions=[tcp(443, "10.30.0.0/16")]
    )

    assert findings_of(aws, "EC2.2") == [
        (f"{defaults[open_]['GroupId']} (default)", "1 inbound rule(s): tcp 443 10.30.0.0/16", "medium")
    ]


def default_acl(aws: Aws, vpc_id: str) -> str:
    acls = aws("ec2").describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )
    return acls["NetworkAcls"][0]["NetworkAclId"]


def test_ec2_21_a_default_network_acl_without_ssh_and_rdp_denies_is_a_finding(aws):
    ec2 = aws("ec2")
    locked, open_ = default_acl(aws, vpc(aws, "10.20.0.0/16")), default_acl(aws, vpc(aws, "10.30.0.0/16"))
    for number, port in ((50, 22), (51, 3389)):
        ec2.create_network_acl_entry(
            NetworkAclId=locked,
            RuleNumber=number,
            Protocol="6",
            RuleAction="deny",
            Egress=False,
            CidrBlock="0.0.0.0/0",
            PortRange={"From": port, "To": port},
        )

    assert findings_of(aws, "EC2.21") == [
        (open_, "the default network ACL allows SSH (tcp 22) from 0.0.0.0/0", "medium"),
        (open_, "the default network ACL allows RDP (tcp 3389) from 0.0.0.0/0", "medium"),
    ]


def test_a_narrower_deny_before_a_world_allow_does_not_stop_ssh_from_anywhere():
    acl = {
        "Entries": [
            {
                "RuleNumber": 10,
                "Protocol": "6",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "10.0.0.0/8",
            },
            {
                "RuleNumber": 100,
                "Protocol": "-1",
                "RuleAction": "allow",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
            },
        ]
    }
    assert nacl_allows_from_world(acl, 22) == "0.0.0.0/0"


def test_ec2_15_a_subnet_mapping_public_ips_is_a_finding(aws):
    ec2 = aws("ec2")
    vpc_id = vpc(aws)
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.0.0/24")
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})

    assert findings_of(aws, "EC2.15") == [(public, "MapPublicIpOnLaunch is true", "medium")]


# --- encryption at rest ----------------------------------------------------------------------------


def test_ec2_3_an_unencrypted_volume_of_the_environment_is_a_finding(aws):
    ec2 = aws("ec2")
    assert isinstance(findings_of(aws, "EC2.3"), NotApplicable)
    az = f"{REGION}a"
    ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=True, TagSpecifications=spec("volume"))
    ec2.create_volume(
        AvailabilityZone=az, Size=8, Encrypted=False, TagSpecifications=spec("volume", env="other")
    )
    plain = ec2.create_volume(AvailabilityZone=az, Size=8, Encrypted=False, TagSpecifications=spec("volume"))

    assert findings_of(aws, "EC2.3") == [(plain["VolumeId"], "the volume is not encrypted", "high")]


def test_ec2_7_ebs_encryption_by_default_off_is_a_finding(aws):
    assert findings_of(aws, "EC2.7") == [
        ("account (this region)", "EBS encryption by default is off", "medium")
    ]
    aws("ec2").enable_ebs_encryption_by_default()
    assert findings_of(aws, "EC2.7") == []


def db(aws: Aws, name: str, env: str = ENV, **overrides: Any) -> None:
    settings = {
        "StorageEncrypted": True,
        "PubliclyAccessible": False,
        "EnableIAMDatabaseAuthentication": True,
        "DeletionProtection": True,
        "BackupRetentionPeriod": 7,
        "EnableCloudwatchLogsExports": ["error", "slowquery"],
        "MonitoringInterval": 60,
        "MonitoringRoleArn": "arn:aws:iam::123456789012:role/rds-monitoring",
        "AutoMinorVersionUpgrade": True,
        "CopyTagsToSnapshot": True,
        **overrides,
    }
    if not settings["MonitoringInterval"]:
        del settings["MonitoringRoleArn"]  # RDS refuses a role without an interval
    aws("rds").create_db_instance(
        DBInstanceIdentifier=f"{PROJECT}-{env}-{name}",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
        Tags=tags(name, env),
        **settings,
    )


@pytest.mark.parametrize(
    ("control", "override", "found"),
    [
        ("RDS.3", {"StorageEncrypted": False}, "StorageEncrypted is false"),
        ("RDS.2", {"PubliclyAccessible": True}, "PubliclyAccessible is true"),
        ("RDS.10", {"EnableIAMDatabaseAuthentication": False}, "IAMDatabaseAuthenticationEnabled is false"),
        ("RDS.8", {"DeletionProtection": False}, "DeletionProtection is false"),
        ("RDS.11", {"BackupRetentionPeriod": 0}, "BackupRetentionPeriod is 0"),
        ("RDS.9", {"EnableCloudwatchLogsExports": ["error"]}, "not exported: slowquery"),
        ("RDS.6", {"MonitoringInterval": 0}, "MonitoringInterval is 0"),
        ("RDS.13", {"AutoMinorVersionUpgrade": False}, "AutoMinorVersionUpgrade is false"),
        ("RDS.17", {"CopyTagsToSnapshot": False}, "CopyTagsToSnapshot is false"),
    ],
)
def test_rds_controls_find_the_instance_that_breaks_them(aws, control, override, found):
    assert isinstance(findings_of(aws, control), NotApplicable)
    db(aws, "db")
    db(aws, "stray", **override)
    db(aws, "db", env="other", **override)

    severity = next(c.severity for c in CONTROLS if c.id == control)
    assert findings_of(aws, control) == [(f"{PREFIX}stray", found, severity)]


def test_rds_8_deletion_protection_is_not_applicable_outside_production(aws):
    db(aws, "db", DeletionProtection=False)
    result = findings_of(aws, "RDS.8", Options(deletion_protection_required=False))
    assert isinstance(result, NotApplicable) and "not required" in result.reason


def test_webcast_db_1_a_database_group_open_to_the_world_is_a_finding(aws):
    vpc_id = vpc(aws)
    closed = group(aws, vpc_id, "rds", tcp(3306, "10.20.0.0/16"))
    wide = group(aws, vpc_id, "rds-wide", tcp(3306, "0.0.0.0/0"))
    db(aws, "db", VpcSecurityGroupIds=[closed])
    db(aws, "legacy", VpcSecurityGroupIds=[wide])

    assert findings_of(aws, "WEBCAST.DB.1") == [
        (f"{PREFIX}legacy / {label(aws, wide)}", "tcp 3306 open from 0.0.0.0/0", "critical")
    ]


def test_efs_1_an_unencrypted_file_system_is_a_finding(aws):
    efs = aws("efs")
    assert isinstance(findings_of(aws, "EFS.1"), NotApplicable)
    efs.create_file_system(CreationToken="a", Encrypted=True, Tags=tags("efs"))
    plain = efs.create_file_system(CreationToken="b", Encrypted=False, Tags=tags("efs-plain"))

    assert findings_of(aws, "EFS.1") == [(plain["FileSystemId"], "Encrypted is false", "high")]


def cache(aws: Aws, name: str, **settings: Any) -> None:
    aws("elasticache").create_replication_group(
        ReplicationGroupId=f"{PREFIX}{name}",
        ReplicationGroupDescription=name,
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        Tags=tags(name),
        **settings,
    )


def test_elasticache_4_and_5_find_the_group_without_encryption(aws):
    assert isinstance(findings_of(aws, "ElastiCache.4"), NotApplicable)
    cache(aws, "redis", AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True)
    cache(aws, "plain", AtRestEncryptionEnabled=False, TransitEncryptionEnabled=False)

    assert findings_of(aws, "ElastiCache.4") == [
        (f"{PREFIX}plain", "AtRestEncryptionEnabled is false", "high")
    ]
    assert findings_of(aws, "ElastiCache.5") == [
        (f"{PREFIX}plain", "TransitEncryptionEnabled is false", "high")
    ]


def test_sns_1_a_topic_without_kms_is_a_finding(aws):
    sns = aws("sns")
    assert isinstance(findings_of(aws, "SNS.1"), NotApplicable)
    sns.create_topic(Name=f"{PREFIX}alarms", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    plain = sns.create_topic(Name=f"{PREFIX}plain")["TopicArn"]
    sns.create_topic(Name="someone-else")

    assert findings_of(aws, "SNS.1") == [(plain, "no KmsMasterKeyId", "medium")]


def test_kms_4_a_customer_key_of_the_environment_without_rotation_is_a_finding(aws):
    kms = aws("kms")
    assert isinstance(findings_of(aws, "KMS.4"), NotApplicable)
    rotated = kms.create_key(
        Tags=[{"TagKey": "Project", "TagValue": PROJECT}, {"TagKey": "Environment", "TagValue": ENV}]
    )
    kms.enable_key_rotation(KeyId=rotated["KeyMetadata"]["KeyId"])
    by_alias = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{PREFIX}data", TargetKeyId=by_alias["KeyId"])
    kms.create_key()  # not the environment's

    assert findings_of(aws, "KMS.4") == [(by_alias["Arn"], "automatic key rotation is off", "medium")]


# --- S3 --------------------------------------------------------------------------------------------

TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::{name}", "arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
ALL_FOUR = "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"
BLOCK_ALL = {
    key: True for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
}


def logs_target(aws: Aws) -> str:
    """A bucket that accepts server access logs (moto checks the logging service's grant, as AWS does)."""
    s3, name = aws("s3"), "access-logs-target"
    if name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        grant = {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [grant]}))
    return name


def bucket(aws: Aws, component: str, compliant: bool = True, name: str | None = None, env: str = ENV) -> str:
    s3 = aws("s3")
    name = name or f"{PREFIX}{component}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(component, env)})
    if compliant:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=BLOCK_ALL)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_logging(
            Bucket=name,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": logs_target(aws), "TargetPrefix": f"{name}/"}
            },
        )
        # After the logging: moto 5.2 cannot read a target bucket policy whose Principal is "*".
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(TLS_ONLY).replace("{name}", name))
    return name


@pytest.mark.parametrize(
    ("control", "found"),
    [
        ("S3.4", "no default encryption"),
        (
            "S3.8",
            "bucket public access block off: " + ALL_FOUR,
        ),
        ("S3.5", "no policy statement denies requests without TLS"),
        ("S3.14", "versioning is never enabled"),
        ("S3.9", "server access logging is off"),
        ("WEBCAST.S3.1", "not SSE-KMS by default"),
    ],
)
def test_s3_bucket_controls_find_the_bucket_that_breaks_them(aws, control, found):
    assert isinstance(findings_of(aws, control), NotApplicable)
    bucket(aws, "media")
    plain = bucket(aws, "backups", compliant=False)
    bucket(aws, "media", compliant=False, name="someone-elses-bucket", env="other")

    severity = next(c.severity for c in CONTROLS if c.id == control)
    assert findings_of(aws, control) == [(plain, found, severity)]


def test_the_bucket_s_name_tells_media_from_backups_when_all_are_tagged_as_the_storage_tier(aws):
    s3 = aws("s3")
    name = f"{PREFIX}media-123456789012"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags("storage")})

    assert findings_of(aws, "S3.14") == [(name, "versioning is never enabled", "medium")]
    assert findings_of(aws, "WEBCAST.S3.1") == [(name, "not SSE-KMS by default", "medium")]


def test_s3_14_and_9_apply_only_to_media_and_backups(aws):
    bucket(aws, "logs", compliant=False)
    assert isinstance(findings_of(aws, "S3.14"), NotApplicable)
    assert isinstance(findings_of(aws, "S3.9"), NotApplicable)
    assert findings_of(aws, "S3.4") == [(f"{PREFIX}logs", "no default encryption", "high")]


def test_s3_2_a_policy_granting_everyone_is_a_finding_a_cloudfront_grant_is_not(aws):
    s3 = aws("s3")
    media, public = bucket(aws, "media"), bucket(aws, "public")
    cloudfront = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{media}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}},
    }
    everyone = {
        "Sid": "Anyone",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{public}/*",
    }
    s3.put_bucket_policy(
        Bucket=media, Policy=json.dumps({"Version": "2012-10-17", "Statement": [cloudfront]})
    )
    s3.put_bucket_policy(Bucket=public, Policy=json.dumps({"Version": "2012-10-17", "Statement": [everyone]}))

    assert findings_of(aws, "S3.2") == [(public, 'the bucket policy grants "*" (Anyone)', "critical")]


def test_a_grant_to_everyone_restricted_to_the_organisation_is_not_public():
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
    }
    assert public_statements({"Statement": [statement]}) == []


def test_s3_1_the_account_public_access_block_must_be_fully_on(aws):
    account = aws("sts").get_caller_identity()["Account"]
    assert findings_of(aws, "S3.1") == [
        (
            f"account {account}",
            "account public access block off: " + ALL_FOUR,
            "high",
        )
    ]
    aws("s3control").put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=BLOCK_ALL)
    assert findings_of(aws, "S3.1") == []


# --- IMDS ------------------------------------------------------------------------------------------


def image_id(aws: Aws) -> str:
    return aws("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def test_ec2_170_the_latest_and_default_template_versions_must_require_imdsv2(aws):
    ec2 = aws("ec2")
    assert isinstance(findings_of(aws, "EC2.170"), NotApplicable)
    ec2.create_launch_template(
        LaunchTemplateName=f"{PREFIX}app",
        LaunchTemplateData={"ImageId": image_id(aws), "MetadataOptions": {"HttpTokens": "required"}},
        TagSpecifications=spec("launch-template", "app"),
    )
    ec2.create_launch_template_version(
        LaunchTemplateName=f"{PREFIX}app",
        LaunchTemplateData={"ImageId": image_id(aws), "MetadataOptions": {"HttpTokens": "optional"}},
    )
    assert findings_of(aws, "EC2.170") == [(f"{PREFIX}app v2 (latest)", "HttpTokens is optional", "high")]

    ec2.create_launch_template(
        LaunchTemplateName=f"{PREFIX}handmade", LaunchTemplateData={"ImageId": image_id(aws)}
    )
    assert findings_of(aws, "EC2.170") == [
        (f"{PREFIX}app v2 (latest)", "HttpTokens is optional", "high"),
        (f"{PREFIX}handmade v1 (latest/default)", "HttpTokens is unset (optional)", "high"),
    ]


def test_ec2_8_a_running_instance_allowing_imdsv1_is_a_finding(aws):
    ec2 = aws("ec2")
    assert isinstance(findings_of(aws, "EC2.8"), NotApplicable)
    common = {
        "ImageId": image_id(aws),
        "MinCount": 1,
        "MaxCount": 1,
        "TagSpecifications": spec("instance", "app"),
    }
    ec2.run_instances(MetadataOptions={"HttpTokens": "required"}, **common)
    legacy = ec2.run_instances(MetadataOptions={"HttpTokens": "optional"}, **common)["Instances"][0][
        "InstanceId"
    ]

    assert findings_of(aws, "EC2.8") == [(legacy, "HttpTokens is optional", "high")]
    # Its volumes are the environment's too, tagged or not (EC2.3 reads them through the instance).
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [legacy]}])[
        "Volumes"
    ]
    assert {v["VolumeId"] for v in Facts(aws, PROJECT, ENV)["volumes"]} >= {v["VolumeId"] for v in volumes}


# --- TLS -------------------------------------------------------------------------------------------


def alb(aws: Aws, name: str) -> str:
    ec2 = aws("ec2")
    vpc_id = vpc(aws)
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    return aws("elbv2").create_load_balancer(Name=f"{PREFIX}{name}", Subnets=subnets, Tags=tags(name))[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]


def certificate(aws: Aws) -> str:
    return aws("acm").request_certificate(DomainName="origin.test.webcast.test")["CertificateArn"]


def test_elb_1_an_http_listener_that_does_not_redirect_is_a_finding(aws):
    elbv2 = aws("elbv2")
    assert isinstance(findings_of(aws, "ELB.1"), NotApplicable)
    arn = alb(aws, "alb")
    redirect = {
        "Type": "redirect",
        "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
    }
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80, DefaultActions=[redirect])
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=8080, DefaultActions=[fixed])

    assert findings_of(aws, "ELB.1") == [
        (f"{PREFIX}alb :8080", "the HTTP listener's default action does not redirect to HTTPS", "medium")
    ]


def test_elb_17_an_https_listener_with_an_old_policy_is_a_finding(aws):
    elbv2 = aws("elbv2")
    arn, cert = alb(aws, "alb"), certificate(aws)
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}]
    common = {
        "LoadBalancerArn": arn,
        "Protocol": "HTTPS",
        "Certificates": [{"CertificateArn": cert}],
        "DefaultActions": fixed,
    }
    elbv2.create_listener(Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", **common)
    elbv2.create_listener(Port=8443, SslPolicy="ELBSecurityPolicy-2016-08", **common)

    assert findings_of(aws, "ELB.17") == [
        (f"{PREFIX}alb :8443", "SslPolicy is ELBSecurityPolicy-2016-08", "high")
    ]


def distribution(aws: Aws, env: str = ENV, **changes: Any) -> str:
    config = {
        "CallerReference": f"{env}-{len(changes)}-{sorted(changes)}",
        "Comment": "",
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "WebACLId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/w/1",
        "Logging": {
            "Enabled": True,
            "IncludeCookies": False,
            "Bucket": "logs.s3.amazonaws.com",
            "Prefix": "cf/",
        },
        "ViewerCertificate": {
            "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
            "SSLSupportMethod": "sni-only",
            "CloudFrontDefaultCertificate": False,
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "alb",
                    "DomainName": "origin.test.webcast.test",
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "https-only",
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        **changes,
    }
    tag_items = [t for t in tags("cdn", env) if t["Key"] != "Name"]
    answer = aws("cloudfront").create_distribution_with_tags(
        DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": tag_items}}
    )
    return answer["Distribution"]["Id"]


@pytest.mark.parametrize(
    ("control", "changes", "found"),
    [
        ("CloudFront.1", {"DefaultRootObject": ""}, "no DefaultRootObject"),
        (
            "CloudFront.5",
            {"Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}},
            "standard logging is off",
        ),
        ("CloudFront.6", {"WebACLId": ""}, "no web ACL"),
        (
            "WEBCAST.CF.1",
            {
                "ViewerCertificate": {
                    "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
                    "SSLSupportMethod": "sni-only",
                    "CloudFrontDefaultCertificate": False,
                    "MinimumProtocolVersion": "TLSv1.2_2019",
                }
            },
            "MinimumProtocolVersion is TLSv1.2_2019",
        ),
    ],
)
def test_cloudfront_controls_find_the_distribution_that_breaks_them(aws, control, changes, found):
    assert isinstance(findings_of(aws, control), NotApplicable)
    distribution(aws)
    distribution(aws, env="other", **changes)
    weak = distribution(aws, **changes)

    severity = next(c.severity for c in CONTROLS if c.id == control)
    assert findings_of(aws, control) == [(weak, found, severity)]


def test_cloudfront_3_a_behaviour_allowing_http_is_a_finding(aws):
    distribution(aws)
    behavior = {
        "PathPattern": "/hls/*",
        "TargetOriginId": "alb",
        "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    }
    weak = distribution(aws, CacheBehaviors={"Quantity": 1, "Items": [behavior]})

    assert findings_of(aws, "CloudFront.3") == [
        (f"{weak} /hls/*", "ViewerProtocolPolicy is allow-all", "high")
    ]


# --- IAM -------------------------------------------------------------------------------------------


def trust(service: str, conditioned: bool = True) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if conditioned:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def allow(action: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def role(aws: Aws, name: str, service: str = "ec2.amazonaws.com", conditioned: bool = True) -> str:
    aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust(service, conditioned))
    return name


def test_iam_1_a_star_action_inline_or_attached_is_a_finding(aws):
    iam = aws("iam")
    assert isinstance(findings_of(aws, "IAM.1"), NotApplicable)
    iam.put_role_policy(
        RoleName=role(aws, f"{PREFIX}app"), PolicyName="read", PolicyDocument=allow("s3:GetObject")
    )
    iam.put_role_policy(RoleName=role(aws, f"{PREFIX}admin"), PolicyName="all", PolicyDocument=allow("*"))
    policy = iam.create_policy(PolicyName="everything", PolicyDocument=allow("*", "arn:aws:s3:::x"))[
        "Policy"
    ]["Arn"]
    iam.attach_role_policy(RoleName=role(aws, f"{PREFIX}ops"), PolicyArn=policy)
    iam.put_role_policy(RoleName=role(aws, "another-team-admin"), PolicyName="all", PolicyDocument=allow("*"))

    assert sorted(findings_of(aws, "IAM.1")) == [
        (f"{PREFIX}admin", 'inline all allows Action "*"', "critical"),
        (f"{PREFIX}ops", f'policy {policy} allows Action "*"', "critical"),
    ]


def test_iam_21_a_service_wildcard_on_every_resource_is_a_finding(aws):
    iam = aws("iam")
    iam.put_role_policy(
        RoleName=role(aws, f"{PREFIX}app"),
        PolicyName="media",
        PolicyDocument=allow("s3:*", "arn:aws:s3:::media/*"),
    )
    iam.put_role_policy(RoleName=role(aws, f"{PREFIX}wide"), PolicyName="s3", PolicyDocument=allow("s3:*"))

    assert findings_of(aws, "IAM.21") == [(f"{PREFIX}wide", 'inline s3 allows s3:* on Resource "*"', "high")]


def test_webcast_iam_2_service_trust_without_source_conditions_is_a_finding_ec2_is_exempt(aws):
    role(aws, f"{PREFIX}flow-logs", "vpc-flow-logs.amazonaws.com")
    role(aws, f"{PREFIX}backup", "backup.amazonaws.com", conditioned=False)
    role(aws, f"{PREFIX}app", "ec2.amazonaws.com", conditioned=False)

    assert findings_of(aws, "WEBCAST.IAM.2") == [
        (
            f"{PREFIX}backup",
            "trusts backup.amazonaws.com without aws:SourceAccount or aws:SourceArn",
            "medium",
        )
    ]


def test_webcast_iam_2_fails_the_audit_on_an_unconditioned_service_trust_next_to_the_exempt_ec2(aws):
    role(aws, f"{PREFIX}app", "ec2.amazonaws.com", conditioned=False)
    role(aws, f"{PREFIX}lambda", "lambda.amazonaws.com", conditioned=False)

    result = audit(Facts(aws, PROJECT, ENV), OPTS, NO_ANALYZER)
    found = [(f["resource"], f["severity"]) for f in result["findings"] if f["control"] == "WEBCAST.IAM.2"]
    assert found == [(f"{PREFIX}lambda", "medium")]
    assert result["failing"] >= 1 and result["counts"]["warning"] == 0


def test_webcast_iam_2_exempts_only_the_services_named(aws):
    role(aws, f"{PREFIX}app", "ec2.amazonaws.com", conditioned=False)

    strict = Options(**{**OPTS.__dict__, "trust_exempt_services": ()})
    assert findings_of(aws, "WEBCAST.IAM.2", strict) == [
        (f"{PREFIX}app", "trusts ec2.amazonaws.com without aws:SourceAccount or aws:SourceArn", "medium")
    ]


# --- account ---------------------------------------------------------------------------------------


def test_cloudtrail_1_and_4_want_a_logging_multi_region_trail_with_validation(aws):
    account = aws("sts").get_caller_identity()["Account"]
    assert findings_of(aws, "CloudTrail.1") == [
        (f"account {account}", "no logging multi-region trail (0 trail(s) seen)", "high")
    ]
    aws("s3").create_bucket(Bucket="trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudtrail = aws("cloudtrail")
    arn = cloudtrail.create_trail(Name="trail", S3BucketName="trail-logs", IsMultiRegionTrail=True)[
        "TrailARN"
    ]
    cloudtrail.start_logging(Name="trail")

    assert findings_of(aws, "CloudTrail.1") == []
    assert findings_of(aws, "CloudTrail.4") == [(arn, "LogFileValidationEnabled is false", "medium")]
    cloudtrail.update_trail(Name="trail", EnableLogFileValidation=True)
    assert findings_of(aws, "CloudTrail.4") == []


def test_guardduty_1_and_securityhub_1_want_both_enabled(aws):
    assert findings_of(aws, "GuardDuty.1") == [
        ("account (this region)", "no enabled GuardDuty detector", "high")
    ]
    assert findings_of(aws, "SecurityHub.1") == [
        ("account (this region)", "Security Hub is not enabled", "medium")
    ]
    aws("guardduty").create_detector(Enable=True)
    aws("securityhub").enable_security_hub()
    assert findings_of(aws, "GuardDuty.1") == []
    assert findings_of(aws, "SecurityHub.1") == []


def test_iam_15_and_16_want_a_cis_password_policy(aws):
    assert findings_of(aws, "IAM.15") == [("account", "no IAM password policy", "medium")]
    aws("iam").update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=24)
    assert findings_of(aws, "IAM.15") == [("account", "MinimumPasswordLength is 8", "medium")]
    assert findings_of(aws, "IAM.16") == []
    aws("iam").update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=5)
    assert findings_of(aws, "IAM.15") == []
    assert findings_of(aws, "IAM.16") == [("account", "PasswordReusePrevention is 5", "low")]


def test_cloudwatch_15_an_alarm_without_an_action_is_a_finding(aws):
    cloudwatch = aws("cloudwatch")
    assert isinstance(findings_of(aws, "CloudWatch.15"), NotApplicable)
    common = {
        "MetricName": "CPUUtilization",
        "Namespace": "AWS/EC2",
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 90.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    cloudwatch.put_metric_alarm(
        AlarmName=f"{PREFIX}cpu", AlarmActions=["arn:aws:sns:eu-west-1:123456789012:t"], **common
    )
    cloudwatch.put_metric_alarm(AlarmName=f"{PREFIX}silent", **common)

    assert findings_of(aws, "CloudWatch.15") == [(f"{PREFIX}silent", "no alarm action", "medium")]


def test_config_1_wants_a_recording_recorder_of_everything_and_a_delivery_channel(aws):
    config = aws("config")
    assert findings_of(aws, "Config.1") == [("account (this region)", "no AWS Config recorder", "medium")]
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": f"{PREFIX}config",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    assert findings_of(aws, "Config.1") == [
        (f"{PREFIX}config", "the recorder is not recording", "medium"),
        ("account (this region)", "no delivery channel", "medium"),
    ]
    aws("s3").create_bucket(Bucket="config-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    config.put_delivery_channel(DeliveryChannel={"name": f"{PREFIX}config", "s3BucketName": "config-logs"})
    config.start_configuration_recorder(ConfigurationRecorderName=f"{PREFIX}config")
    assert findings_of(aws, "Config.1") == []


def deny_all_but(*arns: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                    "Condition": {"ArnNotLike": {"aws:PrincipalArn": list(arns)}},
                }
            ],
        }
    )


def test_sm_1_a_secret_of_the_environment_without_a_limiting_policy_is_a_finding(aws):
    secrets = aws("secretsmanager")
    assert isinstance(findings_of(aws, "WEBCAST.SM.1"), NotApplicable)
    for name in ("kept", "open", "allowing"):
        secrets.create_secret(Name=f"/{PROJECT}/{ENV}/{name}", SecretString="x")
    secrets.create_secret(Name="/someone/else", SecretString="x")
    secrets.put_resource_policy(
        SecretId=f"/{PROJECT}/{ENV}/kept", ResourcePolicy=deny_all_but("arn:aws:iam::123456789012:root")
    )
    allowing = json.loads(deny_all_but("arn:aws:iam::123456789012:root"))
    allowing["Statement"][0]["Effect"] = "Allow"
    secrets.put_resource_policy(SecretId=f"/{PROJECT}/{ENV}/allowing", ResourcePolicy=json.dumps(allowing))

    assert sorted(findings_of(aws, "WEBCAST.SM.1")) == [
        (f"/{PROJECT}/{ENV}/allowing", "the resource policy denies reading to nobody", "high"),
        (f"/{PROJECT}/{ENV}/open", "no resource policy", "high"),
    ]


def test_secretsmanager_1_a_secret_that_does_not_rotate_is_a_finding(aws):
    secrets = aws("secretsmanager")
    assert isinstance(findings_of(aws, "SecretsManager.1"), NotApplicable)
    secrets.create_secret(Name=f"/{PROJECT}/{ENV}/still", SecretString="x")

    assert findings_of(aws, "SecretsManager.1") == [
        (f"/{PROJECT}/{ENV}/still", "automatic rotation is off", "medium")
    ]


def test_secretsmanager_1_a_secret_that_rotates_is_no_finding(aws):
    secrets = aws("secretsmanager")
    arn = secrets.create_secret(Name=f"/{PROJECT}/{ENV}/rotating", SecretString="x")["ARN"]
    secrets.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)

    assert findings_of(aws, "SecretsManager.1") == []


def test_secretsmanager_1_a_secret_exempt_by_decision_is_a_warning_naming_the_reason(aws):
    secrets = aws("secretsmanager")
    secrets.create_secret(Name=f"/{PROJECT}/{ENV}/redis/auth-token", SecretString="x")
    secrets.create_secret(Name=f"/{PROJECT}/{ENV}/other", SecretString="x")
    opts = Options(secret_rotation_exempt=(("redis/auth-token", "decision 28"),))

    assert sorted(findings_of(aws, "SecretsManager.1", opts)) == [
        (f"/{PROJECT}/{ENV}/other", "automatic rotation is off", "medium"),
        (
            f"/{PROJECT}/{ENV}/redis/auth-token",
            "automatic rotation is off, by decision: decision 28",
            "warning",
        ),
    ]


# --- the audit and the module ----------------------------------------------------------------------


def test_every_control_has_a_unique_id_and_a_known_severity():
    assert len(set(CONTROL_IDS)) == len(CONTROL_IDS)
    assert {c.severity for c in CONTROLS} <= {"critical", "high", "medium", "low"}


def test_an_empty_environment_in_a_bare_account_finds_only_account_controls_and_no_crash(aws):
    # moto has no Access Analyzer API: IAM.28 has its own test below.
    result = audit(Facts(aws, PROJECT, ENV), OPTS, NO_ANALYZER)

    assert {f["control"] for f in result["findings"]} == {
        "EC2.7",
        "S3.1",
        "Config.1",
        "CloudTrail.1",
        "CloudTrail.4",
        "GuardDuty.1",
        "SecurityHub.1",
        "IAM.15",
        "IAM.16",
    }
    assert {n["control"] for n in result["not_applicable"]} >= {"CloudFront.3", "RDS.3", "EC2.18", "EC2.170"}
    assert result["failing"] == result["counts"]["total"] == 9


def test_skipped_controls_are_reported_with_their_reason_and_not_evaluated(aws):
    result = audit(Facts(aws, PROJECT, ENV), OPTS, {"GuardDuty.1": "ticket SEC-1", **NO_ANALYZER})

    assert result["skipped"][0] == {
        "control": "GuardDuty.1",
        "title": "GuardDuty is enabled",
        "reason": "ticket SEC-1",
    }
    assert "GuardDuty.1" not in {f["control"] for f in result["findings"]}


def test_warnings_are_reported_but_do_not_fail(aws, monkeypatch):
    warn = webcast_security_audit.Control(
        "WEBCAST.TEST.1", "A warning", "low", lambda facts, opts: [{**finding_stub(), "severity": "warning"}]
    )
    monkeypatch.setattr(webcast_security_audit, "CONTROLS", (warn,))
    result = webcast_security_audit.audit(Facts(aws, PROJECT, ENV), OPTS)

    assert result["counts"]["warning"] == 1
    assert result["failing"] == result["counts"]["total"] - 1 == 0


def finding_stub() -> dict[str, str]:
    return {"resource": "r", "found": "f", "expected": "e"}


def module_args(**extra: Any) -> dict[str, Any]:
    skip = [{"control": c, "reason": r} for c, r in NO_ANALYZER.items()]
    return {"project": PROJECT, "environment": ENV, "region": REGION, "skip": skip, **extra}


def test_the_module_reports_findings_without_changing_anything_in_check_mode_too(aws, capsys):
    vpc_id = vpc(aws)
    group(aws, vpc_id, "app", tcp(22, "0.0.0.0/0"))

    result = run_module(webcast_security_audit, module_args(), capsys)
    checked = run_module(webcast_security_audit, module_args(), capsys, check_mode=True)

    assert result["changed"] is False
    ssh = [f for f in result["findings"] if f["control"] == "EC2.13"]
    assert ssh and ssh[0]["severity"] == "critical" and ssh[0]["found"] == "SSH (tcp 22) open from 0.0.0.0/0"
    assert result["findings"][0]["severity"] == "critical"  # most severe first
    assert checked["findings"] == result["findings"]


def test_the_module_refuses_a_skip_of_an_unknown_control(aws, capsys):
    result = run_module(
        webcast_security_audit, module_args(skip=[{"control": "EC2.99", "reason": "x"}]), capsys
    )
    assert result["failed"] and "unknown controls EC2.99" in result["msg"]


def test_the_module_refuses_a_skip_without_a_reason(aws, capsys):
    result = run_module(
        webcast_security_audit, module_args(skip=[{"control": "EC2.7", "reason": " "}]), capsys
    )
    assert result["failed"] and "no reason for EC2.7" in result["msg"]


def test_the_module_warns_when_the_environment_has_no_vpc(aws, capsys):
    result = run_module(webcast_security_audit, module_args(), capsys)
    assert result["environment_found"] is False
    assert any("no VPC tagged Project=webcast, Environment=test" in w for w in result["warnings"])

    vpc(aws)
    assert run_module(webcast_security_audit, module_args(), capsys)["environment_found"] is True


# --- the remaining controls ----------------------------------------------------------------

BASELINE_VARS = yaml.safe_load((ROOT / "roles/aws_account_baseline/vars/main.yml").read_text())
# The baseline's metric filter names, by the control that checks them.
CIS_FILTERS = {
    "CloudWatch.1": "root-account-use",
    "CloudWatch.2": "unauthorized-api-calls",
    "CloudWatch.3": "console-signin-without-mfa",
    "CloudWatch.4": "iam-policy-changes",
    "CloudWatch.5": "cloudtrail-changes",
    "CloudWatch.7": "kms-key-disabled-or-deleted",
    "CloudWatch.8": "s3-bucket-policy-changes",
    "CloudWatch.10": "security-group-changes",
    "CloudWatch.11": "nacl-changes",
    "CloudWatch.12": "network-gateway-changes",
    "CloudWatch.13": "route-table-changes",
    "CloudWatch.14": "vpc-changes",
}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:webcast-test-alarms"


def logging_trail(aws: Aws, **settings: Any) -> str:
    aws("s3").create_bucket(Bucket="trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    cloudtrail = aws("cloudtrail")
    arn = cloudtrail.create_trail(
        Name="trail", S3BucketName="trail-logs", IsMultiRegionTrail=True, **settings
    )["TrailARN"]
    cloudtrail.start_logging(Name="trail")
    return arn


def test_cloudtrail_2_and_5_want_the_trail_encrypted_and_delivered_to_a_log_group(aws):
    assert isinstance(findings_of(aws, "CloudTrail.2"), NotApplicable)
    arn = logging_trail(aws)

    assert findings_of(aws, "CloudTrail.2") == [(arn, "no KmsKeyId", "medium")]
    assert findings_of(aws, "CloudTrail.5") == [(arn, "no CloudWatchLogsLogGroupArn", "low")]
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    aws("logs").create_log_group(logGroupName="trail")
    group = f"arn:aws:logs:{REGION}:123456789012:log-group:trail:*"
    aws("cloudtrail").update_trail(
        Name="trail",
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=group,
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/trail-logs",
    )
    assert (findings_of(aws, "CloudTrail.2"), findings_of(aws, "CloudTrail.5")) == ([], [])


def monitored_trail(aws: Aws, skip_filter: str = "", silent_alarm: str = "") -> None:
    """A trail delivering to a log group with the baseline's metric filters, each alarmed."""
    logs, cloudwatch = aws("logs"), aws("cloudwatch")
    logs.create_log_group(logGroupName="trail")
    logging_trail(
        aws,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:123456789012:log-group:trail:*",
        CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/trail-logs",
    )
    for item in BASELINE_VARS["_aws_account_baseline_cis_filters"]:
        if item["name"] == skip_filter:
            continue
        logs.put_metric_filter(
            logGroupName="trail",
            filterName=item["name"],
            filterPattern=item["pattern"],
            metricTransformations=[
                {"metricName": item["name"], "metricNamespace": "CIS", "metricValue": "1"}
            ],
        )
        cloudwatch.put_metric_alarm(
            AlarmName=f"{PREFIX}cis-{item['name']}",
            MetricName=item["name"],
            Namespace="CIS",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[] if item["name"] == silent_alarm else [TOPIC],
        )


def test_the_cis_monitoring_controls_pass_on_the_baseline_s_own_filters(aws):
    assert isinstance(findings_of(aws, "CloudWatch.1"), NotApplicable)
    monitored_trail(aws)

    assert {control: findings_of(aws, control) for control in CIS_FILTERS} == {c: [] for c in CIS_FILTERS}


@pytest.mark.parametrize("control", ["CloudWatch.3", "CloudWatch.14"])
def test_a_cis_monitoring_item_without_its_filter_or_its_alarm_s_action_is_a_finding(aws, control):
    monitored_trail(aws, skip_filter=CIS_FILTERS[control])
    assert [f[1] for f in findings_of(aws, control)] == [
        f"no metric filter for {next(w for c, w, _ in webcast_security_audit.CIS_MONITORING if c == control)}"
    ]


def test_a_cis_monitoring_alarm_without_an_action_is_a_finding(aws):
    monitored_trail(aws, silent_alarm="root-account-use")
    assert findings_of(aws, "CloudWatch.1") == [
        ("CIS/root-account-use", "no alarm with an action for root account use", "low")
    ]


def test_iam_28_wants_an_active_account_analyzer():
    # moto has no Access Analyzer API: the facts as ListAnalyzers documents them.
    control = next(c for c in CONTROLS if c.id == "IAM.28")
    active = [{"name": "webcast-test", "type": "ACCOUNT", "status": "ACTIVE"}]

    assert control.check({"access_analyzers": active, "account_id": "123456789012"}, OPTS) == []
    assert control.check({"access_analyzers": [], "account_id": "123456789012"}, OPTS) == [
        {
            "resource": "account 123456789012",
            "found": "no active analyzer",
            "expected": "an active IAM Access Analyzer",
        }
    ]


def test_webcast_vpc_1_a_vpc_without_one_of_the_interface_endpoints_is_a_finding(aws):
    assert isinstance(findings_of(aws, "WEBCAST.VPC.1"), NotApplicable)
    vpc_id = vpc(aws)
    ec2 = aws("ec2")
    for service in ("ssm", "ssmmessages", "ec2messages", "logs", "secretsmanager"):
        ec2.create_vpc_endpoint(
            VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.{service}", VpcEndpointType="Interface"
        )

    assert findings_of(aws, "WEBCAST.VPC.1") == [(vpc_id, "no interface endpoint for kms", "medium")]
    ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.kms", VpcEndpointType="Interface"
    )
    assert findings_of(aws, "WEBCAST.VPC.1") == []


def test_elb_4_and_12_find_the_alb_that_keeps_invalid_headers_and_a_lax_desync_mode(aws):
    assert isinstance(findings_of(aws, "ELB.4"), NotApplicable)
    strict = alb(aws, "alb")
    alb(aws, "lax")
    aws("elbv2").modify_load_balancer_attributes(
        LoadBalancerArn=strict,
        Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
            {"Key": "routing.http.desync_mitigation_mode", "Value": "strictest"},
        ],
    )

    assert findings_of(aws, "ELB.4") == [
        (f"{PREFIX}lax", "routing.http.drop_invalid_header_fields.enabled is false", "medium")
    ]
    assert findings_of(aws, "ELB.12") == [
        (f"{PREFIX}lax", "routing.http.desync_mitigation_mode is defensive", "medium")
    ]


def test_webcast_s3_1_sse_kms_without_a_bucket_key_is_a_finding(aws):
    name = bucket(aws, "media")
    aws("s3").put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": False}
            ]
        },
    )
    assert findings_of(aws, "WEBCAST.S3.1") == [(name, "SSE-KMS without a bucket key", "medium")]


def key_policy(*service_statements: dict[str, Any]) -> str:
    admin = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [admin, *service_statements]})


def service_statement(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    return {**statement, "Condition": condition} if condition else statement


def test_webcast_policy_1_a_key_or_bucket_letting_a_service_act_for_anyone_is_a_finding(aws):
    kms = aws("kms")
    conditioned = kms.create_key(
        Policy=key_policy(
            service_statement(
                "cloudwatch.amazonaws.com", {"StringEquals": {"aws:SourceAccount": "123456789012"}}
            ),
            service_statement(
                "logs.eu-west-1.amazonaws.com",
                {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:*"}},
            ),
        )
    )["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{PREFIX}good", TargetKeyId=conditioned["KeyId"])
    open_key = kms.create_key(Policy=key_policy(service_statement("cloudwatch.amazonaws.com")))["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{PREFIX}alarms", TargetKeyId=open_key["KeyId"])
    logs = bucket(aws, "logs")
    delivery = {
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{logs}/*",
    }
    alb_delivery = {
        **delivery,
        "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
        "Resource": f"arn:aws:s3:::{logs}/alb/AWSLogs/123456789012/*",
    }
    aws("s3").put_bucket_policy(
        Bucket=logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [delivery, alb_delivery]})
    )

    assert sorted(findings_of(aws, "WEBCAST.POLICY.1")) == [
        (
            open_key["Arn"],
            "allows cloudwatch.amazonaws.com without aws:SourceAccount or aws:SourceArn",
            "medium",
        ),
        (logs, "allows logging.s3.amazonaws.com without aws:SourceAccount or aws:SourceArn", "medium"),
    ]
