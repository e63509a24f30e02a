"""Elastic Load Balancing v2 fixes: what AWS answers about an application load balancer."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix

# DescribeLoadBalancerAttributes of a new application load balancer on AWS: every attribute, with
# its default value (the Elastic Load Balancing API reference, LoadBalancerAttribute).
ALB_DEFAULT_ATTRIBUTES: dict[str, str] = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}


def _alb_default_attributes() -> AbstractContextManager:
    """AWS describes every attribute of an application load balancer, each with its default.

    moto answers only the access log bucket and prefix, deletion protection and cross-zone load
    balancing (it leaves out ``access_logs.s3.enabled`` and ``idle_timeout.timeout_seconds`` on
    purpose, for another tool). amazon.aws.elb_application_lb compares each attribute it is given
    with the answer by key, so a load balancer with access logs, an idle timeout, desync mitigation
    or dropped invalid header fields fails with a KeyError (``access_logs_s3_enabled``). The fix
    starts each new application load balancer with AWS's full set of defaults.
    """
    from moto.elbv2.models import FakeLoadBalancer

    original_init = FakeLoadBalancer.__init__

    def init_with_aws_defaults(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.type == "application":
            self.attrs = {**ALB_DEFAULT_ATTRIBUTES, **self.attrs}
            # moto's own default; AWS always balances across zones for an ALB.
            self.attrs["load_balancing.cross_zone.enabled"] = "true"

    return mock.patch.object(FakeLoadBalancer, "__init__", init_with_aws_defaults)


FIXES: tuple[Fix, ...] = (
    Fix(
        name="elbv2_alb_default_attributes",
        aws_behaviour="DescribeLoadBalancerAttributes lists every attribute of an application load balancer, "
        "with its default",
        patch=_alb_default_attributes,
    ),
)
