"""Bad settings of the data tiers (EFS, RDS, ElastiCache) fail in validate.yml, before any AWS call,
naming the variable and what is allowed.

The endpoint points at a closed port on loopback: a role that reached AWS before validating would
fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import pytest
from playbook_batch import assert_refused, run_rows

# The inventory's own settings, as one more row: they must pass.
OWN = "the inventory's own settings"

# (settings, texts the failure must show), each row a host of one run of playbooks/validate.yml
CASES = [
    (
        {"aws_efs_throughput_mode": "fast"},
        ["aws_efs_throughput_mode", "elastic", "bursting", "provisioned"],
    ),
    ({"aws_efs_media_uid": 0}, ["aws_efs_media_uid is 0", "allowed: 1 to 4294967295"]),
    ({"aws_efs_transition_to_ia_days": 45}, ["aws_efs_transition_to_ia_days", "90"]),
    ({"aws_efs_media_path": "media"}, ["aws_efs_media_path is media", "absolute path"]),
    ({"aws_rds_engine_version": "5.7.44"}, ["aws_rds_engine_version is 5.7.44", "MySQL 8.0"]),
    ({"webcast_db_instance_class": "m5.large"}, ["aws_rds_instance_class is m5.large", "db.t3.micro"]),
    (
        {"aws_rds_max_allocated_storage_gb": 10},
        ["aws_rds_max_allocated_storage_gb is 10", "a maximum above the allocation"],
    ),
    ({"aws_rds_backup_retention_days": 0}, ["aws_rds_backup_retention_days is 0", "allowed: 1 to 35"]),
    (
        {
            "aws_rds_allocated_storage_gb": 500,
            "aws_rds_max_allocated_storage_gb": 1000,
            "aws_rds_iops": 3000,
        },
        ["aws_rds_iops is 3000", "at least 12000 IOPS and 500 MiB/s"],
    ),
    ({"aws_rds_monitoring_interval_s": 7}, ["aws_rds_monitoring_interval_s", "60"]),
    ({"aws_elasticache_replicas": 0}, ["aws_elasticache_replicas is 0", "allowed: 1 to 5"]),
    (
        {"webcast_cache_node_type": "t3.micro"},
        ["aws_elasticache_node_type is t3.micro", "cache.t4g.micro"],
    ),
    ({"aws_elasticache_maxmemory_policy": "lru"}, ["aws_elasticache_maxmemory_policy", "allkeys-lru"]),
    ({"aws_elasticache_engine_version": "7"}, ["aws_elasticache_engine_version is 7", "major.minor"]),
]
IDS = [
    "efs-throughput",
    "efs-root-uid",
    "efs-ia-days",
    "efs-media-path",
    "rds-engine",
    "rds-class",
    "rds-autoscaling",
    "rds-no-backups",
    "rds-iops",
    "rds-monitoring",
    "redis-no-replica",
    "redis-node-type",
    "redis-eviction",
    "redis-version",
]


@pytest.fixture(scope="module")
def runs():
    return run_rows(
        "playbooks/validate.yml",
        {OWN: {}} | {case: settings for case, (settings, _) in zip(IDS, CASES, strict=True)},
    )


@pytest.mark.parametrize(("extra_vars", "expected"), CASES, ids=IDS)
def test_bad_data_tier_setting_fails_before_any_aws_call_naming_the_variable(
    runs, request, extra_vars, expected
):
    assert_refused(runs[request.node.callspec.id], expected, extra_vars)


def test_the_inventories_settings_pass_validation(runs):
    assert runs[OWN].passed, f"{runs[OWN].recap}: {runs[OWN].failures[-2000:]}"
