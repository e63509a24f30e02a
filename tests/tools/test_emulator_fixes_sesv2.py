"""SESv2 GetAccount: AWS answers with the sandbox state; moto 5.2 has no handler and no server route."""

from __future__ import annotations

import boto3
import pytest
from emulator_helpers import REGION, emulator_running, fix
from moto import mock_aws
from moto.sesv2.responses import SESV2Response


def test_without_the_fix_moto_cannot_answer_get_account():
    with mock_aws(), pytest.raises(NotImplementedError):
        boto3.client("sesv2", region_name=REGION).get_account()


def test_with_the_fix_a_new_account_is_in_the_sandbox_with_ses_v1_s_quota():
    with mock_aws(), fix("sesv2_get_account").patch():
        account = boto3.client("sesv2", region_name=REGION).get_account()
        quota = boto3.client("ses", region_name=REGION).get_send_quota()
    assert account["ProductionAccessEnabled"] is False
    assert account["SendingEnabled"] is True
    assert account["SendQuota"]["Max24HourSend"] == quota["Max24HourSend"]


def test_the_emulator_s_server_answers_get_account():
    with emulator_running() as port:
        client = boto3.client(
            "sesv2",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert client.get_account()["ProductionAccessEnabled"] is False


def test_the_sesv2_fix_is_reversible():
    with fix("sesv2_get_account").patch():
        assert hasattr(SESV2Response, "get_account")
    assert not hasattr(SESV2Response, "get_account")
