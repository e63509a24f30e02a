"""EC2 fixes: the network ACL filters that amazon.aws.ec2_vpc_nacl sends."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix


def _network_acl_filter_value(original: Any) -> Any:
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name == "network-acl-id":
            return self.id
        return original(self, filter_name, method_name)

    return get_filter_value


def _network_acl_id_filter() -> AbstractContextManager:
    """DescribeNetworkAcls filters on ``network-acl-id`` (a documented filter name).

    moto knows ``association.network-acl-id`` but raises FilterNotImplementedError (an HTTP 500)
    on ``network-acl-id``, which amazon.aws.ec2_vpc_nacl sends to read an ACL it was given by id:
    managing the VPC's default network ACL fails on every run after the first.
    """
    from moto.ec2.models.network_acls import NetworkAcl

    return mock.patch.object(
        NetworkAcl, "get_filter_value", _network_acl_filter_value(NetworkAcl.get_filter_value)
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="ec2_network_acl_id_filter",
        aws_behaviour="DescribeNetworkAcls accepts the filter network-acl-id",
        patch=_network_acl_id_filter,
    ),
)
