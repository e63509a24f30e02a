"""Bad settings of the mail, runtime, backup and monitoring tiers fail in validate.yml, before any AWS
call, naming the variable. The endpoint is a closed port: reaching AWS would fail differently."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def validate(inventory: str, extra_vars: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, WEBCAST_AWS_ENDPOINT_URL="http://127.0.0.1:9", ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        [
            "ansible-playbook",
            "-i",
            f"inventories/{inventory}/hosts.yml",
            "playbooks/validate.yml",
            "-e",
            json.dumps(extra_vars),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("inventory", "extra_vars", "variable"),
    [
        ("local", {"aws_ses_mail_from_label": "Mail.From"}, "aws_ses_mail_from_label"),
        ("local", {"aws_ses_dmarc_report_address": "not-an-address"}, "aws_ses_dmarc_report_address"),
        ("local", {"webcast_domain": "https://example.com/"}, "webcast_domain"),
        ("local", {"webcast_hls_fragment_s": 30}, "webcast_hls_fragment_s"),
        ("local", {"aws_backup_copy_region": "eu-west-1"}, "aws_backup_copy_region"),
        (
            "local",
            {"aws_backup_retention_days": {"daily": 30, "weekly": 7, "monthly": 365}},
            "aws_backup_retention_days",
        ),
        (
            "local",
            {
                "aws_backup_schedules": {
                    "daily": "every day",
                    "weekly": "cron(0 4 ? * SUN *)",
                    "monthly": "cron(0 5 1 * ? *)",
                }
            },
            "aws_backup_schedules.daily",
        ),
        ("local", {"aws_monitoring_thresholds": {"rds_cpu_percent": -1}}, "aws_monitoring_thresholds"),
        ("staging", {"aws_monitoring_alarm_email": ""}, "aws_monitoring_alarm_email"),
        ("local", {"aws_monitoring_alarm_email": "ops at example"}, "aws_monitoring_alarm_email"),
    ],
)
def test_a_bad_setting_fails_validation_naming_the_variable(inventory, extra_vars, variable):
    run = validate(inventory, extra_vars)
    assert run.returncode != 0, run.stdout[-2000:]
    assert variable in run.stdout, run.stdout[-2000:]
    assert "127.0.0.1:9" not in run.stdout  # no AWS call was attempted


@pytest.mark.parametrize("inventory", ["local", "staging", "production"])
def test_each_inventory_s_own_settings_validate(inventory):
    run = validate(inventory, {})
    assert run.returncode == 0, run.stdout[-2000:]
