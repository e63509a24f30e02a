"""Bad input is refused before any AWS call, naming the variable, and the emulator is left as it was.

Unlike tests/integration (a closed port, one role's table each), every value here goes to the live
emulator that holds the converged environment: its request log must not grow by one line while all
of them run, and a listing of the environment taken before and after must be equal. The values are
those tests/integration does not already try (or try with another value).

playbooks/validate.yml is the first play of site.yml and of every tier playbook: a value it refuses
stops them all before their first AWS task. It is run alone here so that a value wrongly accepted
fails this test instead of converging the environment with it.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import ENDPOINT, ENV, ROOT, playbook_env, request_count
from playbook_batch import run_rows

# (id, extra vars, texts the failure must show: the variable's name and the value or rule).
BAD_INPUTS: list[tuple[str, dict, list[str]]] = [
    ("vpc-cidr-without-prefix", {"aws_network_vpc_cidr": "10.0.0.0"}, ["aws_network_vpc_cidr", "no prefix"]),
    (
        "vpc-cidr-not-an-address",
        {"aws_network_vpc_cidr": "ten.zero/16"},
        ["aws_network_vpc_cidr", "ten.zero/16"],
    ),
    (
        "rtmp-cidr-malformed",
        {"aws_security_rtmp_allowlist": ["203.0.113.0/33"]},
        ["aws_security_rtmp_allowlist", "203.0.113.0/33: not an IPv4 or IPv6 CIDR"],
    ),
    (
        "rtmp-cidr-host-bits",
        {"aws_security_rtmp_allowlist": ["203.0.113.7/24"]},
        ["aws_security_rtmp_allowlist", "host bits set"],
    ),
    (
        "rtmp-cidrs-overlap",
        {"aws_security_rtmp_allowlist": ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.128/25"]},
        ["aws_security_rtmp_allowlist", "203.0.113.0/24 overlaps 203.0.113.128/25"],
    ),
    (
        "rtmp-ipv6-cidrs-overlap",
        {"aws_security_rtmp_allowlist": ["2001:db8::/32", "2001:db8:1::/48"]},
        ["aws_security_rtmp_allowlist", "2001:db8::/32 overlaps 2001:db8:1::/48"],
    ),
    (
        "rtmp-open-to-the-world",
        {"aws_security_rtmp_allowlist": ["0.0.0.0/0"]},
        ["aws_security_rtmp_allowlist", "0.0.0.0/0 is the whole internet"],
    ),
    ("env-empty", {"webcast_env": ""}, ["webcast_env=:", "lowercase letters"]),
    ("env-uppercase", {"webcast_env": "PROD"}, ["webcast_env=PROD", "lowercase letters"]),
    ("env-with-a-space", {"webcast_env": "my env"}, ["webcast_env=my env", "lowercase letters"]),
    ("project-with-a-space", {"webcast_project": "Web Cast"}, ["webcast_project=Web Cast", "lowercase"]),
    ("region-unknown", {"webcast_aws_region": "moon-1"}, ["webcast_aws_region is moon-1", "region name"]),
    (
        "instance-type-unknown",
        {"webcast_instance_type": "banana"},
        ["aws_compute_instance_type is banana", "webcast_instance_type"],
    ),
    (
        "instance-type-without-size",
        {"webcast_instance_type": "t3"},
        ["aws_compute_instance_type is t3", "such as t3.small"],
    ),
    (
        "db-class-without-db-prefix",
        {"webcast_db_instance_class": "t3.micro"},
        ["aws_rds_instance_class is t3.micro", "db.t3.micro"],
    ),
    (
        "cache-node-without-cache-prefix",
        {"webcast_cache_node_type": "t3.micro"},
        ["aws_elasticache_node_type is t3.micro", "cache.t4g.micro"],
    ),
    (
        "asg-min-negative",
        {"webcast_asg_min_size": -1},
        ["aws_compute_min_size is -1", "webcast_asg_min_size"],
    ),
    ("asg-max-zero", {"webcast_asg_max_size": 0}, ["aws_compute_max_size is 0", "max at least 1"]),
    (
        "db-backups-negative",
        {"webcast_db_backup_retention_days": -1},
        ["aws_rds_backup_retention_days is -1", "1 to 35"],
    ),
    (
        "db-backups-too-long",
        {"webcast_db_backup_retention_days": 36},
        ["aws_rds_backup_retention_days is 36", "1 to 35"],
    ),
    ("hls-fragment-zero", {"webcast_hls_fragment_s": 0}, ["hls_fragment_s is 0", "1 to 10 seconds"]),
    ("hls-fragment-negative", {"webcast_hls_fragment_s": -2}, ["hls_fragment_s is -2", "1 to 10 seconds"]),
    (
        "production-without-deletion-protection",
        {
            "webcast_env": "production",
            "webcast_deletion_protection": False,
            "aws_monitoring_alarm_email": "ops@example.com",
        },
        ["aws_rds_deletion_protection is False", "webcast_deletion_protection", "in production"],
    ),
    ("multi-az-not-a-boolean", {"webcast_multi_az": "maybe"}, ["aws_rds_multi_az", "maybe"]),
    ("domain-with-a-space", {"webcast_domain": "web cast.test"}, ["webcast_domain", "web cast.test"]),
    ("domain-single-label", {"webcast_domain": "localhost"}, ["webcast_domain", "localhost"]),
    (
        "root-volume-negative",
        {"aws_compute_root_volume_size_gb": -20},
        ["aws_compute_root_volume_size_gb", "-20", "8 to 16384 GiB"],
    ),
    ("db-storage-negative", {"aws_rds_allocated_storage_gb": -5}, ["aws_rds_allocated_storage_gb", "-5"]),
    (
        "db-storage-ceiling-below-allocation",
        {"aws_rds_max_allocated_storage_gb": 10},
        ["aws_rds_max_allocated_storage_gb is 10", "a maximum above the allocation"],
    ),
    ("mail-record-ttl-negative", {"aws_ses_record_ttl": -1}, ["aws_ses_record_ttl is -1", "60 to 86400"]),
    (
        "certificate-record-ttl-negative",
        {"aws_acm_validation_record_ttl_s": -300},
        ["aws_acm_validation_record_ttl_s is -300", "60 or more"],
    ),
    (
        "log-retention-not-a-cloudwatch-period",
        {"aws_monitoring_log_retention_days": 31},
        ["aws_monitoring_log_retention_days", "31"],
    ),
    (
        "flow-log-retention-negative",
        {"aws_network_flow_logs_retention_days": -1},
        ["aws_network_flow_logs_retention_days", "-1"],
    ),
    (
        "media-glacier-before-infrequent-access",
        {"aws_s3_media_glacier_days": 10},
        ["aws_s3_media_glacier_days=10", "GLACIER"],
    ),
    (
        "logs-expire-at-once",
        {"aws_s3_logs_expiration_days": 0},
        ["aws_s3_logs_expiration_days", "1 day or more"],
    ),
    (
        "efs-archive-days-negative",
        {"aws_efs_transition_to_ia_days": -1},
        ["aws_efs_transition_to_ia_days", "-1"],
    ),
    (
        "app-port-out-of-range",
        {"aws_security_app_port": 70000},
        ["aws_security_app_port is 70000", "1 to 65535"],
    ),
    ("egress-port-zero", {"aws_security_app_egress_ports": [0]}, ["aws_security_app_egress_ports is [0]"]),
    (
        "cache-snapshots-negative",
        {"aws_elasticache_snapshot_retention_days": -1},
        ["aws_elasticache_snapshot_retention_days is -1", "0 (no snapshots) to 35"],
    ),
    (
        "trail-log-retention-negative",
        {"aws_account_baseline_cloudtrail_log_retention_days": -1},
        ["cloudtrail_log_retention_days is -1", "allowed: 1, 3, 5"],
    ),
]


def environment_listing(aws) -> dict:
    """What a bad value could have touched, as plain data to compare (ids, rules, tags, settings)."""
    ec2, s3 = aws("ec2"), aws("s3")
    tagged = [{"Name": "tag:Environment", "Values": [ENV]}]
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    return {
        "vpcs": ec2.describe_vpcs(Filters=tagged)["Vpcs"],
        "subnets": sorted(s["SubnetId"] for s in ec2.describe_subnets(Filters=tagged)["Subnets"]),
        "security_groups": ec2.describe_security_groups()["SecurityGroups"],
        "nat_gateways": sorted(n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]),
        "buckets": {
            name: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            for name in buckets
            if f"-{ENV}-" in name
        },
        "secrets": sorted(s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]),
        "alarms": sorted(a["AlarmName"] for a in aws("cloudwatch").describe_alarms()["MetricAlarms"]),
        "parameters": sorted(p["Name"] for p in aws("ssm").describe_parameters(MaxResults=50)["Parameters"]),
        "db_instances": [
            (d["DBInstanceIdentifier"], d["DBInstanceClass"], d["DeletionProtection"])
            for d in aws("rds").describe_db_instances()["DBInstances"]
        ],
        "launch_templates": [
            (t["LaunchTemplateName"], t["LatestVersionNumber"])
            for t in aws("ec2").describe_launch_templates()["LaunchTemplates"]
        ],
    }


@pytest.fixture(scope="module")
def refused(aws, figures):
    """Every bad value in one run of playbooks/validate.yml (each value a host of its own, with the
    environment as a host var beneath it), with the emulator's request count and the environment's
    listing taken around the run."""
    before = environment_listing(aws)
    requests_before = request_count()
    results = run_rows(
        "playbooks/validate.yml",
        {case: extra_vars for case, extra_vars, _ in BAD_INPUTS},
        endpoint=ENDPOINT,
        common={"webcast_env": ENV},
        env=playbook_env(),
        timeout=1800,
    )
    requests_during = request_count() - requests_before
    after = environment_listing(aws)
    figures.record("bad inputs tried", len(BAD_INPUTS))
    figures.record(
        "bad inputs refused before any AWS call",
        sum(
            1
            for case in BAD_INPUTS
            if results[case[0]].failed and all(t in results[case[0]].failures for t in case[2])
        ),
    )
    figures.record("emulator requests while they ran", requests_during)
    return {"results": results, "requests": requests_during, "before": before, "after": after}


def test_the_table_holds_at_least_thirty_distinct_bad_inputs():
    assert len(BAD_INPUTS) >= 30
    assert len({case[0] for case in BAD_INPUTS}) == len(BAD_INPUTS)


def test_every_playbook_that_changes_the_environment_starts_with_the_validation():
    for playbook in ("site.yml", "network.yml", "security.yml", "storage.yml"):
        first = yaml.safe_load((ROOT / "playbooks" / playbook).read_text())[0]
        assert first.get("ansible.builtin.import_playbook") == "validate.yml", (
            f"{playbook} starts with {first}"
        )


@pytest.mark.parametrize(
    ("extra_vars", "expected"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_a_bad_input_fails_naming_the_variable(refused, request, extra_vars, expected):
    run = refused["results"][request.node.callspec.id]
    assert run.failed, f"{extra_vars} was accepted ({run.recap}): {run.output[-1500:]}"
    for text in expected:
        assert text in run.failures, f"{text!r} not in the failure for {extra_vars}: {run.failures[-1500:]}"


def test_no_bad_input_reached_the_emulator(refused):
    assert refused["requests"] == 0, (
        f"the emulator answered {refused['requests']} requests during the bad inputs"
    )


def test_the_environment_is_the_same_after_the_bad_inputs(refused):
    assert refused["after"] == refused["before"]
