"""The SES modules (ses_domain_settings, ses_configuration_set, ses_account_info) against moto in process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import (
    ses_account_info,
    ses_configuration_set,
    ses_domain_settings,
)
from ansible_collections.webcast.platform.plugins.modules.ses_domain_settings import (
    changes_needed,
    current_settings,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module
from tools.emulator.fixes import FIXES

REGION = "eu-west-1"
DOMAIN = "example.com"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:events"


@pytest.fixture
def ses() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("ses", region_name=REGION)
        client.verify_domain_identity(Domain=DOMAIN)
        yield client


def args(**extra: Any) -> dict[str, Any]:
    return {"region": REGION, **extra}


# --- ses_domain_settings: pure functions -------------------------------------------------------


def params(**overrides: Any) -> dict[str, Any]:
    return {
        "dkim": True,
        "mail_from_domain": "mail.example.com",
        "behavior_on_mx_failure": "UseDefaultValue",
        **overrides,
    }


def test_a_new_identity_needs_dkim_tokens_and_its_mail_from_domain():
    assert changes_needed(current_settings({}, {}), params()) == ["dkim_tokens", "mail_from"]


def test_an_identity_with_tokens_and_the_mail_from_domain_needs_nothing():
    current = current_settings(
        {"DkimEnabled": True, "DkimTokens": ["a", "b", "c"]},
        {"MailFromDomain": "mail.example.com", "BehaviorOnMXFailure": "UseDefaultValue"},
    )
    assert changes_needed(current, params()) == []


def test_another_mx_failure_behaviour_is_a_mail_from_change():
    current = current_settings(
        {"DkimEnabled": True, "DkimTokens": ["a"]},
        {"MailFromDomain": "mail.example.com", "BehaviorOnMXFailure": "UseDefaultValue"},
    )
    assert changes_needed(current, params(behavior_on_mx_failure="RejectMessage")) == ["mail_from"]


# --- ses_domain_settings: end to end -----------------------------------------------------------


def test_domain_settings_set_the_mail_from_domain_return_three_tokens_and_converge(ses, capsys):
    wanted = args(identity=DOMAIN, mail_from_domain="mail.example.com")
    first = run_module(ses_domain_settings, wanted, capsys)
    second = run_module(ses_domain_settings, wanted, capsys)
    assert first["changed"] is True
    assert len(first["dkim_tokens"]) == 3
    assert first["mail_from_domain"] == "mail.example.com"
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=[DOMAIN])["MailFromDomainAttributes"]
    assert attributes[DOMAIN]["MailFromDomain"] == "mail.example.com"
    assert second["changed"] is False, second["diff"]


def test_domain_settings_in_check_mode_report_the_change_and_make_none(ses, capsys):
    result = run_module(
        ses_domain_settings, args(identity=DOMAIN, mail_from_domain="mail.example.com"), capsys, True
    )
    assert result["changed"] is True
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=[DOMAIN])["MailFromDomainAttributes"]
    assert attributes[DOMAIN].get("MailFromDomain") is None


def test_domain_settings_refuse_a_mail_from_domain_outside_the_identity(ses, capsys):
    result = run_module(ses_domain_settings, args(identity=DOMAIN, mail_from_domain="mail.other.org"), capsys)
    assert result["failed"] is True
    assert "not a subdomain of example.com" in result["msg"]


def test_domain_settings_fail_on_an_identity_ses_does_not_know(ses, capsys):
    result = run_module(ses_domain_settings, args(identity="unknown.org"), capsys)
    assert result["failed"] is True
    assert "SES has no identity unknown.org" in result["msg"]


# --- ses_configuration_set ---------------------------------------------------------------------


def test_configuration_set_is_created_with_its_sns_destination_and_converges(ses, capsys):
    wanted = args(name="webcast-test", topic_arn=TOPIC)
    first = run_module(ses_configuration_set, wanted, capsys)
    second = run_module(ses_configuration_set, wanted, capsys)
    described = ses.describe_configuration_set(
        ConfigurationSetName="webcast-test", ConfigurationSetAttributeNames=["eventDestinations"]
    )
    (destination,) = described["EventDestinations"]
    assert first["changed"] is True
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["SNSDestination"]["TopicARN"] == TOPIC
    assert second["changed"] is False, second["diff"]


def test_configuration_set_in_check_mode_creates_nothing(ses, capsys):
    result = run_module(ses_configuration_set, args(name="webcast-test", topic_arn=TOPIC), capsys, True)
    assert result["changed"] is True
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


# --- ses_account_info ----------------------------------------------------------------------------


def test_account_info_reports_the_sandbox_and_warns(capsys):
    get_account = next(f for f in FIXES if f.name == "sesv2_get_account")
    with mock_aws(), get_account.patch():
        result = run_module(ses_account_info, args(), capsys)
    assert result["changed"] is False
    assert result["sandbox"] is True
    assert result["max_24_hour_send"] == 200.0
    assert any("SES sandbox" in str(w) for w in result.get("warnings", [])), result.get("warnings")
