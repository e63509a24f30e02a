"""The runtime configuration, as SSM reports it after converge: the promises of aws_runtime_config."""

from __future__ import annotations

import re

import pytest
from conftest import ENV, ROOT

DOC = ROOT / "docs/runtime-config.md"


@pytest.fixture(scope="module")
def prefix(settings) -> str:
    return f"/{settings['webcast_project']}/{ENV}/"


@pytest.fixture(scope="module")
def parameters(aws, prefix) -> dict[str, dict]:
    pages = aws("ssm").get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True)
    return {p["Name"].removeprefix(prefix): p for page in pages for p in page["Parameters"]}


@pytest.fixture(scope="module")
def documented() -> set[str]:
    """The parameter names in the first column of docs/runtime-config.md's table."""
    return set(re.findall(r"^\| `([a-z0-9_/]+)` \| String \|", DOC.read_text(), re.MULTILINE))


def test_every_documented_parameter_exists(parameters, documented):
    missing = documented - parameters.keys()
    assert not missing, f"documented in docs/runtime-config.md but not in SSM: {sorted(missing)}"


def test_every_parameter_the_role_writes_is_documented(aws, prefix, documented):
    pages = (
        aws("ssm")
        .get_paginator("describe_parameters")
        .paginate(
            ParameterFilters=[
                {"Key": "Name", "Option": "BeginsWith", "Values": [prefix]},
                {"Key": "tag:Component", "Values": ["runtime-config"]},
            ]
        )
    )
    written = {p["Name"].removeprefix(prefix) for page in pages for p in page["Parameters"]}
    assert written, "no parameter tagged Component=runtime-config under the prefix"
    assert written - documented == set(), "written by aws_runtime_config, not in docs/runtime-config.md"


def test_no_runtime_parameter_is_a_secure_string_or_holds_a_secret(parameters, documented):
    for name in documented:
        assert parameters[name]["Type"] == "String", f"{name} is {parameters[name]['Type']}"


def test_the_environment_region_and_urls_are_the_inventory_s(parameters, settings):
    domain = f"{ENV}.webcast.test"
    wanted = {
        "env/name": ENV,
        "env/region": settings["webcast_aws_region"],
        "urls/public": f"https://{domain}",
        "urls/cdn": f"https://{domain}",
        "media/hls_fragment_s": str(settings["webcast_hls_fragment_s"]),
        "smtp/host": f"email-smtp.{settings['webcast_aws_region']}.amazonaws.com",
        "smtp/port": "587",
    }
    found = {name: parameters[name]["Value"] for name in wanted}
    assert found == wanted


@pytest.mark.parametrize("name", ["db/secret_arn", "redis/token_secret_arn", "smtp/credentials_secret_arn"])
def test_each_secret_arn_names_a_secret_that_exists(aws, parameters, name):
    arn = parameters[name]["Value"]
    secret = aws("secretsmanager").describe_secret(SecretId=arn)
    assert secret["ARN"] == arn


@pytest.mark.parametrize("name", ["db/port", "redis/port", "smtp/port", "media/hls_fragment_s"])
def test_numbers_are_decimal_strings(parameters, name):
    assert parameters[name]["Value"].isdigit(), f"{name} is {parameters[name]['Value']!r}"


@pytest.mark.parametrize(
    "name", ["db/endpoint", "db/name", "db/user", "redis/endpoint", "efs/file_system_id", "s3/media_bucket"]
)
def test_each_endpoint_and_name_is_set(parameters, name):
    assert parameters[name]["Value"].strip(), f"{name} is empty"
