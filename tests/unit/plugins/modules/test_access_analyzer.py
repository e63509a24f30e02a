"""access_analyzer against a client that answers in the API's documented shapes: moto has no IAM
Access Analyzer to run against. The tests check the calls the module makes from each state."""

from __future__ import annotations

from typing import Any

from ansible_collections.webcast.platform.plugins.modules import access_analyzer
from botocore.exceptions import ClientError

from tests.unit.plugins.collection import run_module

ARGS = {"region": "eu-west-1", "name": "webcast-test-account", "tags": {"Project": "webcast"}}
ARN = "arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/webcast-test-account"


def analyzer(**overrides: Any) -> dict[str, Any]:
    return {
        "analyzer": {
            "arn": ARN,
            "name": "webcast-test-account",
            "type": "ACCOUNT",
            "createdAt": "2026-11-26T00:00:00Z",
            "status": "ACTIVE",
            "tags": {"Project": "webcast"},
            **overrides,
        }
    }


NOT_FOUND = {"service_error_code": "ResourceNotFoundException", "http_status_code": 404}


def expect(calls: list[tuple[str, dict, dict | None, dict | None]], monkeypatch) -> list[tuple[str, dict]]:
    """Answer the module's calls in order; return what it sent."""
    sent: list[tuple[str, dict]] = []
    answers = list(calls)

    class Client:
        def __getattr__(self, name: str):
            def call(**params: Any) -> dict:
                params.pop("aws_retry", None)
                sent.append((name, params))
                operation, _, answer, error = answers.pop(0)
                assert operation == name, f"expected {operation}, the module called {name}"
                if error:
                    raise ClientError({"Error": {"Code": error["service_error_code"]}}, name)
                return answer or {}

            return call

    monkeypatch.setattr(access_analyzer, "retrying_client", lambda module, service: Client())
    return sent


def test_a_missing_analyzer_is_created_with_its_tags(monkeypatch, capsys):
    sent = expect(
        [("get_analyzer", {}, None, NOT_FOUND), ("create_analyzer", {}, {"arn": ARN}, None)], monkeypatch
    )
    result = run_module(access_analyzer, ARGS, capsys)
    assert (result["changed"], result["arn"]) == (True, ARN)
    assert sent[1] == (
        "create_analyzer",
        {"analyzerName": "webcast-test-account", "type": "ACCOUNT", "tags": ARGS["tags"]},
    )


def test_check_mode_creates_nothing(monkeypatch, capsys):
    sent = expect([("get_analyzer", {}, None, NOT_FOUND)], monkeypatch)
    result = run_module(access_analyzer, ARGS, capsys, check_mode=True)
    assert result["changed"] and [name for name, _ in sent] == ["get_analyzer"]


def test_an_analyzer_as_wanted_is_left_alone(monkeypatch, capsys):
    sent = expect([("get_analyzer", {}, analyzer(), None)], monkeypatch)
    result = run_module(access_analyzer, ARGS, capsys)
    assert result["changed"] is False and [name for name, _ in sent] == ["get_analyzer"]


def test_drifted_tags_are_repaired(monkeypatch, capsys):
    sent = expect(
        [
            ("get_analyzer", {}, analyzer(tags={"Project": "other", "Stray": "x"}), None),
            ("tag_resource", {}, {}, None),
            ("untag_resource", {}, {}, None),
        ],
        monkeypatch,
    )
    result = run_module(access_analyzer, ARGS, capsys)
    assert result["changed"] and result["tags"] == {"Project": "webcast"}
    assert sent[1] == ("tag_resource", {"resourceArn": ARN, "tags": {"Project": "webcast"}})
    assert sent[2] == ("untag_resource", {"resourceArn": ARN, "tagKeys": ["Stray"]})


def test_a_type_change_fails_naming_both_types(monkeypatch, capsys):
    expect([("get_analyzer", {}, analyzer(type="ORGANIZATION"), None)], monkeypatch)
    result = run_module(access_analyzer, ARGS, capsys)
    assert result["failed"] and "ORGANIZATION, not ACCOUNT" in result["msg"]
