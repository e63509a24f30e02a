"""The linear strategy on Mitogen: one persistent Python for every module a play runs on its host.

The cloud plays run several hundred AWS modules on localhost, and Ansible starts a new Python for
each, which imports boto3 and botocore afresh (most of a no-op task's time). Mitogen keeps one
interpreter per target and its imports warm (docs/decisions/0025-cloud-plays-run-on-mitogen.md).
This proxy is the one Mitogen ships (ansible_mitogen/plugins/strategy/mitogen_linear.py), here so
that the playbooks name it by the collection's FQCN instead of a path into the virtualenv.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: mitogen_linear
short_description: Ansible's linear strategy, with modules run by Mitogen in a persistent interpreter
description:
  - The linear strategy (every task on every host before the next task), with module execution by
    Mitogen (the C(mitogen) package, pinned in requirements.txt), which keeps one Python per target
    and its imports, instead of starting one per task.
  - Used by the plays that call AWS from the control node. Host plays keep Ansible's own strategy.
author: webcast platform engineers
"""

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
    pass
