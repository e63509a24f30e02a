"""Compatibility fixes for moto, each restoring one AWS behaviour that the AWS collections rely on.

Every fix is a small, reversible patch: ``apply_all()`` starts them in the emulator's server
process, and the tests start each one alone to show what the collections see with and without it.
Add a fix only with the AWS behaviour it restores named in its docstring, and a test in
``tests/tools/test_emulator_fixes.py`` that fails without it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from unittest import mock


@dataclass(frozen=True)
class Fix:
    """A named patch of moto; ``patch()`` returns an unstarted context manager."""

    name: str
    aws_behaviour: str
    patch: Callable[[], AbstractContextManager]


def _nat_gateway_tag_resource_type() -> AbstractContextManager:
    """AWS reports NAT gateways in DescribeTags as resource type ``natgateway``.

    moto derives the type from the id prefix and answers ``nat-gateway``, so a filter on
    ``resource-type=natgateway`` (what amazon.aws.ec2_vpc_nat_gateway sends) finds no tags, and
    the module re-tags every NAT gateway on every run: a converged network never reports ok.
    """
    from moto.ec2 import utils

    return mock.patch.dict(utils.EC2_PREFIX_TO_RESOURCE, {"nat": "natgateway"})


FIXES: tuple[Fix, ...] = (
    Fix(
        name="nat_gateway_tag_resource_type",
        aws_behaviour="DescribeTags reports NAT gateways as resource type 'natgateway'",
        patch=_nat_gateway_tag_resource_type,
    ),
)


def apply_all() -> list[AbstractContextManager]:
    """Start every fix for the life of the process; return the started patches."""
    started = []
    for fix in FIXES:
        patcher = fix.patch()
        patcher.__enter__()
        started.append(patcher)
    return started
