"""The aws_iam policy documents, rendered by Ansible's templating for sample inputs: least privilege holds.

Each document must be valid JSON for every input, grant no action on every resource, and scope
the environment's parameters, secrets, media and logs to the environment.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

TEMPLATES = Path(__file__).resolve().parents[3] / "roles/aws_iam/templates"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
MEDIA = "arn:aws:s3:::webcast-staging-media-123456789012"
MEDIA_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-0000-4000-8000-000000000000"
MASTER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-0123-AbCdEf"
BASELINE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-0000-4000-8000-000000000000"


def inputs(**overrides: Any) -> dict[str, Any]:
    """The variables the role renders its templates with (vars/main.yml's, resolved)."""
    return {
        "webcast_project": "webcast",
        "webcast_env": "staging",
        "webcast_aws_region": REGION,
        "_aws_iam_partition": "aws",
        "_aws_iam_account_id": ACCOUNT,
        "_aws_iam_path": "/webcast/staging",
        "_aws_iam_media_bucket_arn": MEDIA,
        "_aws_iam_media_key_arn": MEDIA_KEY,
        "_aws_iam_extra_secret_arns": [],
        "_aws_iam_secret_key_arns": [],
        "aws_iam_media_prefixes": ["recordings/", "vod/", "uploads/"],
        **overrides,
    }


def render(template: str, variables: dict[str, Any]) -> dict[str, Any]:
    templar = Templar(loader=DataLoader(), variables=variables)
    text = templar.template(trust_as_template((TEMPLATES / template).read_text()))
    return json.loads(text)


SAMPLES = {
    "defaults": inputs(),
    "with-rds-master-secret": inputs(_aws_iam_extra_secret_arns=[MASTER_SECRET]),
    "with-baseline-keys": inputs(_aws_iam_secret_key_arns=[BASELINE_KEY]),
    "one-prefix": inputs(aws_iam_media_prefixes=["vod/"]),
}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in statements(document)}


def wildcard_problems(document: dict[str, Any]) -> list[str]:
    """Statements that allow every action, or an action with a wildcard on every resource."""
    problems = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = as_list(statement.get("Action", []))
        resources = as_list(statement.get("Resource", []))
        if "*" in actions:
            problems.append(f"{statement.get('Sid')}: Action '*'")
        if "*" in resources and any("*" in action for action in actions):
            problems.append(f"{statement.get('Sid')}: {actions} on Resource '*'")
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(f"{statement.get('Sid')}: NotAction/NotResource")
    return problems


@pytest.mark.parametrize("template", ["instance_policy.json.j2", "instance_trust.json.j2"])
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_no_statement_allows_every_action_or_a_wildcard_action_on_every_resource(template, sample):
    assert wildcard_problems(render(template, SAMPLES[sample])) == []


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_no_statement_of_the_policy_names_every_resource(sample):
    unscoped = [
        s["Sid"]
        for s in statements(render("instance_policy.json.j2", SAMPLES[sample]))
        if "*" in as_list(s["Resource"])
    ]
    assert unscoped == []


def test_the_wildcard_check_catches_what_it_must():
    # The check itself would fail on the documents it exists to refuse.
    allow_all = {
        "Statement": [{"Sid": "all", "Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}]
    }
    s3_star = {"Statement": [{"Sid": "s3", "Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}
    assert wildcard_problems(allow_all) == ["all: Action '*'"]
    assert wildcard_problems(s3_star) == ["s3: ['s3:*'] on Resource '*'"]


def test_parameters_are_read_under_the_environment_s_path_only():
    statement = by_sid(render("instance_policy.json.j2", inputs()))["ReadTheEnvironmentsParameters"]
    assert sorted(statement["Action"]) == ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    assert statement["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/webcast/staging",
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/webcast/staging/*",
    ]
    other = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/webcast/production/db-host"
    assert not any(fnmatch.fnmatchcase(other, pattern) for pattern in statement["Resource"])


def test_secrets_are_read_under_the_environment_s_path_only_without_an_rds_master_secret():
    statement = by_sid(render("instance_policy.json.j2", inputs()))["ReadTheEnvironmentsSecrets"]
    assert statement["Resource"] == [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/webcast/staging/*"]


def test_the_rds_master_secret_is_readable_when_the_database_tier_publishes_it():
    statement = by_sid(render("instance_policy.json.j2", SAMPLES["with-rds-master-secret"]))[
        "ReadTheEnvironmentsSecrets"
    ]
    assert MASTER_SECRET in statement["Resource"]
    assert len(statement["Resource"]) == 2


def test_no_kms_key_of_the_baseline_is_usable_unless_one_is_given():
    assert "DecryptParametersAndSecretsThroughTheirServices" not in by_sid(
        render("instance_policy.json.j2", inputs())
    )


def test_baseline_keys_decrypt_only_through_ssm_and_secrets_manager():
    statement = by_sid(render("instance_policy.json.j2", SAMPLES["with-baseline-keys"]))[
        "DecryptParametersAndSecretsThroughTheirServices"
    ]
    assert (statement["Action"], statement["Resource"]) == ("kms:Decrypt", [BASELINE_KEY])
    assert sorted(statement["Condition"]["StringEquals"]["kms:ViaService"]) == [
        f"secretsmanager.{REGION}.amazonaws.com",
        f"ssm.{REGION}.amazonaws.com",
    ]


def test_media_objects_are_read_and_written_under_the_prefixes_only_and_never_deleted():
    document = by_sid(render("instance_policy.json.j2", SAMPLES["one-prefix"]))
    objects = document["ReadAndWriteTheMediaPrefixes"]
    assert objects["Resource"] == [f"{MEDIA}/vod/*"]
    assert "s3:DeleteObject" not in objects["Action"]
    listing = document["ListTheMediaPrefixes"]
    assert (listing["Resource"], listing["Condition"]) == (MEDIA, {"StringLike": {"s3:prefix": ["vod/*"]}})


def test_the_media_key_is_used_only_through_s3():
    statement = by_sid(render("instance_policy.json.j2", inputs()))["UseTheMediaBucketKeyThroughS3"]
    assert statement["Resource"] == MEDIA_KEY
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}


def test_logs_are_written_to_the_environment_s_log_groups_only():
    statement = by_sid(render("instance_policy.json.j2", inputs()))["WriteTheEnvironmentsLogGroups"]
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/webcast/staging/*"
    assert statement["Resource"] == [group, f"{group}:log-stream:*"]


def test_only_ec2_may_assume_the_instance_role():
    (statement,) = statements(render("instance_trust.json.j2", inputs()))
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Allow",
        {"Service": "ec2.amazonaws.com"},
        "sts:AssumeRole",
    )
