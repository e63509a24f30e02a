"""AWS Config fixes: asking for a rule by name when the account has none; a rule's evaluation modes."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix


def _describe_config_rules(original: Any) -> Any:
    def describe_config_rules(self: Any, config_rule_names: list[str] | None, next_token: str | None) -> Any:
        from moto.config.exceptions import NoSuchConfigRuleException

        for name in config_rule_names or []:
            if name not in self.config_rules:
                raise NoSuchConfigRuleException(name)
        return original(self, config_rule_names, next_token)

    return describe_config_rules


def _config_rule_not_found() -> AbstractContextManager:
    """AWS answers DescribeConfigRules for a rule name that does not exist with NoSuchConfigRuleException.

    moto answers so only when the account has other rules; with none at all it answers an empty
    list, and community.aws.config_rule (which reads the first rule of the answer and expects the
    exception for "no such rule") fails with IndexError before it can create the account's first rule.
    """
    from moto.config.models import ConfigBackend

    return mock.patch.object(
        ConfigBackend, "describe_config_rules", _describe_config_rules(ConfigBackend.describe_config_rules)
    )


def _rule_to_dict(original: Any) -> Any:
    def to_dict(self: Any) -> dict[str, Any]:
        answer = original(self)
        answer.setdefault("EvaluationModes", [{"Mode": "DETECTIVE"}])
        return answer

    return to_dict


def _config_rule_evaluation_modes() -> AbstractContextManager:
    """AWS answers every rule of DescribeConfigRules with its EvaluationModes (DETECTIVE unless the
    rule was created with others).

    moto 5.2 leaves the key out, and community.aws.config_rule deletes it from the answer before
    comparing, so every run after the first fails with KeyError 'EvaluationModes'.
    """
    from moto.config.models import ConfigRule

    return mock.patch.object(ConfigRule, "to_dict", _rule_to_dict(ConfigRule.to_dict))


FIXES: tuple[Fix, ...] = (
    Fix(
        name="config_rule_not_found",
        aws_behaviour="DescribeConfigRules of an unknown rule name answers NoSuchConfigRuleException",
        patch=_config_rule_not_found,
    ),
    Fix(
        name="config_rule_evaluation_modes",
        aws_behaviour="DescribeConfigRules answers each rule's EvaluationModes (DETECTIVE by default)",
        patch=_config_rule_evaluation_modes,
    ),
)
