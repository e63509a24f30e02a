"""AWS Config fixes: asking for a rule by name when the account has none."""

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


FIXES: tuple[Fix, ...] = (
    Fix(
        name="config_rule_not_found",
        aws_behaviour="DescribeConfigRules of an unknown rule name answers NoSuchConfigRuleException",
        patch=_config_rule_not_found,
    ),
)
