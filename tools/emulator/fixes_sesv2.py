"""SES (v2): the account's details, which moto lacks."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together


def _get_account(self: Any) -> str:
    """GET /v2/email/account: a new account's answer, with moto's SES v1 send quota."""
    from moto.ses.models import ses_backends

    quota = ses_backends[self.current_account][self.region].get_send_quota()
    return json.dumps(
        {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": False,
            "SendingEnabled": True,
            "SendQuota": {
                "Max24HourSend": float(quota.max24_hour_send),
                "MaxSendRate": float(quota.max_send_rate),
                "SentLast24Hours": float(quota.sent_last24_hours),
            },
        }
    )


def _sesv2_get_account() -> AbstractContextManager:
    """AWS SESv2 answers GetAccount with the account's sandbox state, sending state and quota.

    moto 5.2 has no handler (in process NotImplementedError; its server 404), so nothing can ask
    whether the account is still in the SES sandbox. The answer is the one AWS gives a new
    account: ProductionAccessEnabled false (the sandbox), sending enabled, HEALTHY, and the send
    quota moto's SES v1 backend reports (GetSendQuota), so the two APIs agree. moto's catch-all
    route ``/v2/.*`` works in process but not in its server (Flask takes ``.*`` literally), so the
    route ``/v2/email/account`` is added too: the server reads moto.sesv2.urls when it builds the
    SESv2 URL map at the first SESv2 request, after apply_all() has started this fix.
    """
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    return _Together(
        mock.patch.dict(urls.url_paths, {"{0}/v2/email/account$": SESV2Response.dispatch}),
        mock.patch.object(SESV2Response, "get_account", _get_account, create=True),
    )


FIXES: tuple[Fix, ...] = (
    Fix(
        name="sesv2_get_account",
        aws_behaviour="SESv2 GetAccount answers the account's sandbox state, sending state and quota",
        patch=_sesv2_get_account,
    ),
)
