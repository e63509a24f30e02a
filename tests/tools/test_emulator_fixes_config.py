"""DescribeConfigRules of a rule that does not exist, in an account with no rules at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from emulator_helpers import REGION, fix
from moto import mock_aws


@pytest.fixture
def config() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("config", region_name=REGION)


def test_without_the_fix_an_unknown_rule_is_an_empty_answer_when_there_are_no_rules(config):
    assert config.describe_config_rules(ConfigRuleNames=["webcast-test-rule"])["ConfigRules"] == []


def test_with_the_fix_an_unknown_rule_is_no_such_rule_as_on_aws(config):
    with fix("config_rule_not_found").patch(), pytest.raises(config.exceptions.NoSuchConfigRuleException):
        config.describe_config_rules(ConfigRuleNames=["webcast-test-rule"])


def test_with_the_fix_all_rules_are_still_listed_without_names(config):
    with fix("config_rule_not_found").patch():
        assert config.describe_config_rules()["ConfigRules"] == []


def put_rule(config: Any) -> None:
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "webcast-test-rule",
            "Source": {"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"},
        }
    )


def test_without_the_fix_a_rule_has_no_evaluation_modes(config):
    put_rule(config)
    assert "EvaluationModes" not in config.describe_config_rules()["ConfigRules"][0]


def test_with_the_fix_a_rule_evaluates_detectively_as_on_aws(config):
    with fix("config_rule_evaluation_modes").patch():
        put_rule(config)
        rule = config.describe_config_rules(ConfigRuleNames=["webcast-test-rule"])["ConfigRules"][0]
    assert rule["EvaluationModes"] == [{"Mode": "DETECTIVE"}]
