"""The acm_certificate_request module: its pure functions, and the module end to end against moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import acm_certificate_request
from ansible_collections.webcast.platform.plugins.modules.acm_certificate_request import (
    pick,
    records_complete,
    validation_records,
)
from moto import mock_aws, settings

from tests.unit.plugins.collection import run_module
from tests.unit.plugins.modules.self_signed import self_signed

REGION = "eu-west-1"
DOMAIN = "webcast.example.com"
WILDCARD = f"*.{DOMAIN}"

Run = Callable[..., dict[str, Any]]


# --- pure functions ---------------------------------------------------------------------------


def option(name: str, record: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"DomainName": name, "ValidationMethod": "DNS"}
    if record:
        entry["ResourceRecord"] = {
            "Name": f"_{record}.{DOMAIN}.",
            "Type": "CNAME",
            "Value": f"_{record}.acm.",
        }
    return entry


def test_a_wildcard_sharing_its_domain_s_record_gives_one_validation_record() -> None:
    certificate = {"DomainValidationOptions": [option(DOMAIN, "abc"), option(WILDCARD, "abc")]}

    assert validation_records(certificate) == [
        {"name": f"_abc.{DOMAIN}.", "type": "CNAME", "value": "_abc.acm."}
    ]


def test_distinct_records_are_all_returned_in_acm_s_order() -> None:
    certificate = {"DomainValidationOptions": [option(DOMAIN, "b"), option("other.example.net", "a")]}

    assert [record["value"] for record in validation_records(certificate)] == ["_b.acm.", "_a.acm."]


def test_records_are_incomplete_until_every_name_has_one() -> None:
    assert (
        records_complete({"DomainValidationOptions": [option(DOMAIN, "a"), option(WILDCARD, None)]}) is False
    )
    assert records_complete({"DomainValidationOptions": []}) is False
    assert records_complete({"DomainValidationOptions": [option(DOMAIN, "a"), option(WILDCARD, "a")]}) is True


def test_an_issued_certificate_is_kept_before_a_newer_pending_one() -> None:
    issued = {"Status": "ISSUED", "CreatedAt": "2026-01-01", "CertificateArn": "issued"}
    pending = {"Status": "PENDING_VALIDATION", "CreatedAt": "2026-06-01", "CertificateArn": "pending"}

    assert pick([pending, issued])["CertificateArn"] == "issued"
    assert pick([]) is None


# --- the module against moto ------------------------------------------------------------------


@pytest.fixture
def acm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("acm", region_name=REGION)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_request(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        return run_module(acm_certificate_request, {"region": REGION, **args}, capsys, check_mode)

    return run_request


@pytest.fixture
def args() -> dict[str, Any]:
    return {"domain_name": DOMAIN, "subject_alternative_names": [WILDCARD], "tags": {"Name": "public"}}


@pytest.fixture
def issued_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto issues a requested certificate once it is older than ACM_VALIDATION_WAIT seconds."""
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", -1)


def certificates(acm: Any) -> list[dict[str, Any]]:
    return acm.list_certificates()["CertificateSummaryList"]


def test_a_new_certificate_is_requested_with_dns_validation_and_its_records_returned(acm, args, run) -> None:
    result = run(args)

    assert result["changed"] is True
    (summary,) = certificates(acm)
    certificate = acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
    assert result["certificate"]["certificate_arn"] == summary["CertificateArn"]
    assert sorted(certificate["SubjectAlternativeNames"]) == sorted([DOMAIN, WILDCARD])
    assert {o["ValidationMethod"] for o in certificate["DomainValidationOptions"]} == {"DNS"}
    assert result["certificate"]["status"] == "PENDING_VALIDATION"
    assert result["certificate"]["tags"] == {"Name": "public"}
    wanted = {
        (o["ResourceRecord"]["Name"], o["ResourceRecord"]["Value"])
        for o in certificate["DomainValidationOptions"]
    }
    assert {(r["name"], r["value"]) for r in result["validation_records"]} == wanted
    assert {r["type"] for r in result["validation_records"]} == {"CNAME"}


def test_a_second_run_finds_the_certificate_and_requests_none(acm, args, run) -> None:
    first = run(args)
    second = run(args)

    assert second["changed"] is False
    assert second["certificate"]["certificate_arn"] == first["certificate"]["certificate_arn"]
    assert second["validation_records"] == first["validation_records"]
    assert len(certificates(acm)) == 1


def test_the_names_may_come_in_any_order_and_repeat_the_domain(acm, args, run) -> None:
    first = run(args)
    second = run({**args, "subject_alternative_names": [DOMAIN, WILDCARD]})

    assert second["changed"] is False
    assert second["certificate"]["certificate_arn"] == first["certificate"]["certificate_arn"]


def test_other_names_mean_another_certificate(acm, args, run) -> None:
    run(args)
    result = run({**args, "subject_alternative_names": [f"www.{DOMAIN}"]})

    assert result["changed"] is True
    assert len(certificates(acm)) == 2


def test_an_imported_certificate_for_the_same_names_is_not_taken_for_a_requested_one(acm, args, run) -> None:
    certificate, key = self_signed(DOMAIN, [WILDCARD])
    acm.import_certificate(Certificate=certificate, PrivateKey=key)

    result = run(args)

    assert result["changed"] is True
    assert len(certificates(acm)) == 2


def test_check_mode_reports_a_request_and_requests_nothing(acm, args, run) -> None:
    result = run(args, check_mode=True)

    assert result["changed"] is True
    assert result["certificate"]["status"] == "PENDING_VALIDATION"
    assert certificates(acm) == []


def test_wait_returns_once_the_certificate_is_issued(acm, args, run, issued_at_once) -> None:
    result = run({**args, "wait": True})

    assert result["certificate"]["status"] == "ISSUED"


def test_wait_gives_up_after_the_timeout_naming_what_it_waited_for(acm, args, run) -> None:
    run(args)
    result = run({**args, "wait": True, "wait_timeout": 0})

    assert result["failed"] is True
    assert "the certificate's issue" in result["msg"]
    assert result["certificate"]["status"] == "PENDING_VALIDATION"


def test_waiting_on_an_issued_certificate_changes_nothing(acm, args, run, issued_at_once) -> None:
    run({**args, "wait": True})

    result = run({**args, "wait": True})

    assert result["changed"] is False
    assert result["certificate"]["status"] == "ISSUED"


def test_a_tag_change_is_made_in_place(acm, args, run) -> None:
    arn = run(args)["certificate"]["certificate_arn"]

    result = run({**args, "tags": {"Name": "public", "Owner": "media"}})

    assert result["changed"] is True
    assert result["certificate"]["certificate_arn"] == arn
    tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}
    assert tags == {"Name": "public", "Owner": "media"}


def test_check_mode_reports_a_tag_change_and_changes_no_tag(acm, args, run) -> None:
    arn = run(args)["certificate"]["certificate_arn"]

    result = run({**args, "tags": {"Name": "renamed"}}, check_mode=True)

    assert result["changed"] is True
    assert result["certificate"]["tags"] == {"Name": "renamed"}
    tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}
    assert tags == {"Name": "public"}


def test_absent_deletes_the_certificate_and_a_second_absent_changes_nothing(acm, args, run) -> None:
    run(args)

    first = run({**args, "state": "absent"})
    second = run({**args, "state": "absent"})

    assert first["changed"] is True
    assert certificates(acm) == []
    assert second["changed"] is False
