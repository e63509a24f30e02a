"""Bad load balancer and compute settings fail in playbooks/validate.yml, before any AWS call,
naming the variable and what is allowed.

The endpoint points at a closed port on loopback: if a role reached AWS before validating, the run
would fail with a connection error instead of the validation message.
"""

from __future__ import annotations

import pytest
from playbook_batch import assert_refused, run_rows

# The inventory's own settings, as one more row: they must pass.
OWN = "the inventory's own settings"


# (settings, texts the failure must show), each row a host of one run of playbooks/validate.yml
CASES = [
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
]
IDS = [
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
]


@pytest.fixture(scope="module")
def runs():
    return run_rows(
        "playbooks/validate.yml",
        {OWN: {}} | {case: settings for case, (settings, _) in zip(IDS, CASES, strict=True)},
    )


@pytest.mark.parametrize(("extra_vars", "expected"), CASES, ids=IDS)
def test_bad_setting_fails_before_any_aws_call_with_a_clear_message(runs, request, extra_vars, expected):
    assert_refused(runs[request.node.callspec.id], expected, extra_vars)


def test_the_inventories_settings_pass_validation(runs):
    assert runs[OWN].passed, f"{runs[OWN].recap}: {runs[OWN].failures[-2000:]}"
