"""The cloudfront_origin_access_control module: its pure functions, and the module against moto in process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.webcast.platform.plugins.modules import cloudfront_origin_access_control
from ansible_collections.webcast.platform.plugins.modules.cloudfront_origin_access_control import (
    differences,
    wanted_config,
)
from moto import mock_aws

from tests.unit.plugins.collection import run_module

Run = Callable[..., dict[str, Any]]
NAME = "webcast-test-media"


def params(**overrides: Any) -> dict[str, Any]:
    return {
        "name": NAME,
        "description": "",
        "origin_type": "s3",
        "signing_behavior": "always",
        "signing_protocol": "sigv4",
        "state": "present",
        **overrides,
    }


# --- pure functions --------------------------------------------------------------------------


def test_the_wanted_config_has_every_setting_in_the_api_keys() -> None:
    assert wanted_config(params(description=None)) == {
        "Name": NAME,
        "Description": "",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }


def test_an_identical_oac_has_no_difference_whatever_else_the_api_adds() -> None:
    wanted = wanted_config(params())

    assert differences({"Id": "E1", **wanted}, wanted) == []


def test_a_missing_description_is_the_same_as_an_empty_one() -> None:
    wanted = wanted_config(params())
    existing = {key: value for key, value in wanted.items() if key != "Description"}

    assert differences(existing, wanted) == []


def test_every_differing_setting_is_listed() -> None:
    wanted = wanted_config(params(signing_behavior="no-override", description="media"))

    assert differences(wanted_config(params()), wanted) == ["Description", "SigningBehavior"]


# --- the module against moto -----------------------------------------------------------------


@pytest.fixture
def cloudfront() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudfront", region_name="us-east-1")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_oac(args: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
        args = {"region": "us-east-1", **args}
        return run_module(cloudfront_origin_access_control, args, capsys, check_mode)

    return run_oac


def oacs(cloudfront: Any) -> list[dict[str, Any]]:
    return cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items") or []


def test_a_new_oac_is_created_as_requested(cloudfront: Any, run: Run) -> None:
    result = run({"name": NAME, "description": "media bucket", "signing_behavior": "no-override"})

    assert result["changed"] is True
    (created,) = oacs(cloudfront)
    assert created["Name"] == NAME
    assert created["Description"] == "media bucket"
    assert created["SigningBehavior"] == "no-override"
    assert created["SigningProtocol"] == "sigv4"
    assert created["OriginAccessControlOriginType"] == "s3"
    assert result["origin_access_control"]["id"] == created["Id"]
    assert result["diff"] == {"before": {}, "after": result["origin_access_control"]}


def test_a_second_identical_run_changes_nothing(cloudfront: Any, run: Run) -> None:
    first = run({"name": NAME, "description": "media"})
    second = run({"name": NAME, "description": "media"})

    assert second["changed"] is False, second
    assert second["origin_access_control"]["id"] == first["origin_access_control"]["id"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert len(oacs(cloudfront)) == 1


def test_check_mode_reports_a_new_oac_and_creates_nothing(cloudfront: Any, run: Run) -> None:
    result = run({"name": NAME}, check_mode=True)

    assert result["changed"] is True
    assert result["origin_access_control"]["name"] == NAME
    assert "id" not in result["origin_access_control"]
    assert oacs(cloudfront) == []


def test_a_changed_setting_is_updated_in_place(cloudfront: Any, run: Run) -> None:
    oac_id = run({"name": NAME})["origin_access_control"]["id"]

    result = run({"name": NAME, "signing_behavior": "never", "description": "off"})

    assert result["changed"] is True
    assert result["updated"] == ["Description", "SigningBehavior"]
    assert result["diff"]["before"]["signing_behavior"] == "always"
    assert result["diff"]["after"]["signing_behavior"] == "never"
    (updated,) = oacs(cloudfront)
    assert (updated["Id"], updated["SigningBehavior"], updated["Description"]) == (oac_id, "never", "off")


def test_check_mode_reports_an_update_and_changes_nothing(cloudfront: Any, run: Run) -> None:
    run({"name": NAME})

    result = run({"name": NAME, "signing_behavior": "never"}, check_mode=True)

    assert result["changed"] is True
    assert result["updated"] == ["SigningBehavior"]
    assert oacs(cloudfront)[0]["SigningBehavior"] == "always"


def test_an_oac_of_another_name_is_left_alone(cloudfront: Any, run: Run) -> None:
    run({"name": "other", "signing_behavior": "never"})

    result = run({"name": NAME})

    assert result["changed"] is True
    assert sorted((o["Name"], o["SigningBehavior"]) for o in oacs(cloudfront)) == [
        ("other", "never"),
        (NAME, "always"),
    ]


def test_absent_deletes_the_oac_and_then_changes_nothing(cloudfront: Any, run: Run) -> None:
    run({"name": NAME})

    checked = run({"name": NAME, "state": "absent"}, check_mode=True)
    assert checked["changed"] is True
    assert len(oacs(cloudfront)) == 1

    deleted = run({"name": NAME, "state": "absent"})
    again = run({"name": NAME, "state": "absent"})

    assert deleted["changed"] is True
    assert deleted["diff"]["before"]["name"] == NAME
    assert again["changed"] is False
    assert oacs(cloudfront) == []


def test_a_name_beyond_cloudfronts_limit_fails_before_any_call(cloudfront: Any, run: Run) -> None:
    result = run({"name": "x" * 65})

    assert result["failed"] is True
    assert "64 characters" in result["msg"]
    assert oacs(cloudfront) == []
