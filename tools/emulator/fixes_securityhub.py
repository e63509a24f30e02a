"""Security Hub fixes: the standards subscriptions that webcast.platform.securityhub manages."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together


def _subscriptions(backend: Any) -> dict[str, dict[str, Any]]:
    """The backend's standards subscriptions by standards ARN, kept on the backend itself."""
    if not hasattr(backend, "webcast_standards_subscriptions"):
        backend.webcast_standards_subscriptions = {}
    return backend.webcast_standards_subscriptions


def _subscription(backend: Any, standards_arn: str) -> dict[str, Any]:
    standard = standards_arn.split(":standards/", 1)[-1]
    return {
        "StandardsSubscriptionArn": (
            f"arn:aws:securityhub:{backend.region_name}:{backend.account_id}:subscription/{standard}"
        ),
        "StandardsArn": standards_arn,
        "StandardsInput": {},
        "StandardsStatus": "READY",
    }


def _hub_enabled(self: Any) -> None:
    # AWS refuses standards calls while the account is not subscribed, with this error.
    self.securityhub_backend.describe_hub()


def _batch_enable_standards(self: Any) -> str:
    """POST /standards/register {"StandardsSubscriptionRequests": [{"StandardsArn": ...}]}."""
    _hub_enabled(self)
    found = _subscriptions(self.securityhub_backend)
    enabled = []
    for request in json.loads(self.body or "{}").get("StandardsSubscriptionRequests", []):
        arn = request["StandardsArn"]
        found.setdefault(arn, _subscription(self.securityhub_backend, arn))
        enabled.append(found[arn])
    return json.dumps({"StandardsSubscriptions": enabled})


def _batch_disable_standards(self: Any) -> str:
    """POST /standards/deregister {"StandardsSubscriptionArns": [...]}."""
    _hub_enabled(self)
    found = _subscriptions(self.securityhub_backend)
    wanted = set(json.loads(self.body or "{}").get("StandardsSubscriptionArns", []))
    disabled = []
    for arn, subscription in list(found.items()):
        if subscription["StandardsSubscriptionArn"] in wanted:
            disabled.append(dict(found.pop(arn), StandardsStatus="DELETING"))
    return json.dumps({"StandardsSubscriptions": disabled})


def _get_enabled_standards(self: Any) -> str:
    """POST /standards/get: every subscription (the ARN filter is not needed by our module)."""
    _hub_enabled(self)
    return json.dumps({"StandardsSubscriptions": list(_subscriptions(self.securityhub_backend).values())})


def _securityhub_standards() -> AbstractContextManager:
    """Security Hub enables, lists and disables standards subscriptions.

    moto 5.2 serves EnableSecurityHub and DescribeHub but has neither the routes nor the handlers
    of BatchEnableStandards, BatchDisableStandards and GetEnabledStandards (its server answers 404),
    so an account baseline cannot subscribe to AWS Foundational Security Best Practices. The routes
    join moto.securityhub.urls.url_paths before the server builds its URL map (apply_all() runs
    before moto.server.main); the subscriptions live on the region's backend.
    """
    from moto.securityhub import urls
    from moto.securityhub.responses import SecurityHubResponse

    return _Together(
        mock.patch.dict(
            urls.url_paths,
            {
                "{0}/standards/register$": SecurityHubResponse.dispatch,
                "{0}/standards/deregister$": SecurityHubResponse.dispatch,
                "{0}/standards/get$": SecurityHubResponse.dispatch,
            },
        ),
        mock.patch.multiple(
            SecurityHubResponse,
            create=True,
            batch_enable_standards=_batch_enable_standards,
            batch_disable_standards=_batch_disable_standards,
            get_enabled_standards=_get_enabled_standards,
        ),
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="securityhub_standards",
        aws_behaviour="Security Hub serves BatchEnableStandards, BatchDisableStandards, GetEnabledStandards",
        patch=_securityhub_standards,
    ),
)
