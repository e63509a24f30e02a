"""Bad settings of the mail, runtime, backup and monitoring tiers fail in validate.yml, before any AWS
call, naming the variable. The endpoint is a closed port: reaching AWS would fail differently."""

from __future__ import annotations

import pytest
from playbook_batch import assert_refused, run_rows

# (inventory, settings, the variable the failure must name); the rows of each inventory are the hosts
# of one run, with the inventory's own settings as one more row (they must pass).
CASES = [
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
]
INVENTORIES = ("local", "staging", "production")
OWN = "the inventory's own settings"


@pytest.fixture(scope="module")
def runs():
    return {
        inventory: run_rows(
            "playbooks/validate.yml",
            {OWN: {}}
            | {index: settings for index, (name, settings, _) in enumerate(CASES) if name == inventory},
            inventory=f"inventories/{inventory}/hosts.yml",
        )
        for inventory in INVENTORIES
    }


@pytest.mark.parametrize(("inventory", "extra_vars", "variable"), CASES)
def test_a_bad_setting_fails_validation_naming_the_variable(runs, inventory, extra_vars, variable):
    assert_refused(runs[inventory][CASES.index((inventory, extra_vars, variable))], [variable], extra_vars)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_each_inventory_s_own_settings_validate(runs, inventory):
    assert runs[inventory][OWN].passed, (
        f"{runs[inventory][OWN].recap}: {runs[inventory][OWN].failures[-2000:]}"
    )
