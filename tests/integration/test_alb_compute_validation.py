"""Bad load balancer and compute settings fail in playbooks/validate.yml, before any AWS call,
naming the variable and what is allowed.

The endpoint points at a closed port on loopback: if a role reached AWS before validating, the run
would fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import pytest
from offline_validation import assert_fails_in_validation, run_offline


def run_validate(extra_vars: dict):
    return run_offline("playbooks/validate.yml", extra_vars)


@pytest.mark.parametrize(
    ("extra_vars", "expected"),
    [
        ({"aws_alb_ssl_policy": "ELBSecurityPolicy-2016-08"}, ["aws_alb_ssl_policy must be one of", "TLS13"]),
        (
            {"aws_alb_health_check_timeout_s": 20},
            ["aws_alb_health_check_timeout_s is 20", "shorter than the interval"],
        ),
        ({"aws_alb_healthy_threshold": 1}, ["aws_alb_healthy_threshold is 1", "2 to 10"]),
        (
            {"aws_alb_health_check_path": "healthz"},
            ["aws_alb_health_check_path is 'healthz'", "starting with '/'"],
        ),
        (
            {"aws_alb_access_logs_prefix": "/alb/"},
            ["aws_alb_access_logs_prefix is '/alb/'", "none at either end"],
        ),
        ({"aws_alb_origin_header_name": "Host"}, ["aws_alb_origin_header_name is 'Host'", "X-Origin-Verify"]),
        ({"aws_alb_origin_secret_length": 16}, ["aws_alb_origin_secret_length is 16", "32 to 128"]),
        ({"aws_compute_health_check_grace_s": -5}, ["aws_compute_health_check_grace_s is -5", "0 to 7200"]),
        (
            {"aws_compute_min_size": 5, "aws_compute_max_size": 2},
            ["aws_compute_min_size is 5 and aws_compute_max_size is 2", "min <= max"],
        ),
        ({"aws_compute_metadata_hop_limit": 3}, ["aws_compute_metadata_hop_limit must be one of", "1, 2"]),
        (
            {"aws_compute_root_volume_throughput_mibs": 1000},
            ["aws_compute_root_volume_throughput_mibs=1000", "one MiB/s per 4 IOPS"],
        ),
        (
            {"aws_compute_refresh_min_healthy_percent": 50, "aws_compute_refresh_max_healthy_percent": 200},
            ["aws_compute_refresh_min_healthy_percent is 50", "max - min at most 100"],
        ),
        (
            {
                "aws_compute_scheduled_actions": [
                    {
                        "name": "night",
                        "recurrence": "0 22 * * *",
                        "min_size": 3,
                        "max_size": 2,
                        "desired_capacity": 2,
                    }
                ]
            },
            ["aws_compute_scheduled_actions entry", "min_size <= desired_capacity"],
        ),
        (
            {
                "aws_compute_scheduled_actions": [
                    {
                        "name": "night",
                        "recurrence": "22 * *",
                        "min_size": 0,
                        "max_size": 2,
                        "desired_capacity": 0,
                    }
                ]
            },
            ["aws_compute_scheduled_actions entry", "5 fields"],
        ),
    ],
    ids=[
        "tls-policy",
        "health-timeout",
        "healthy-threshold",
        "health-path",
        "log-prefix",
        "origin-header",
        "secret-length",
        "negative-grace",
        "min-above-max",
        "hop-limit",
        "gp3-throughput",
        "refresh-window",
        "schedule-sizes",
        "schedule-cron",
    ],
)
def test_bad_setting_fails_before_any_aws_call_with_a_clear_message(extra_vars, expected):
    assert_fails_in_validation(run_validate(extra_vars), expected)


def test_the_inventories_settings_pass_validation():
    result = run_validate({})
    assert result.returncode == 0, result.stdout[-2000:]
