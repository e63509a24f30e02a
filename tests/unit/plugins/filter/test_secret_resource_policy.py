"""The secrets' resource policy: who gets past it, and who runs Ansible."""

from __future__ import annotations

import json

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.filter.secret_resource_policy import (
    principal_arns,
    secret_resource_policy,
)

ROOT = "arn:aws:iam::123456789012:root"
DEPLOYER = "arn:aws:iam::123456789012:role/deployer"
INSTANCE = "arn:aws:iam::123456789012:role/webcast-production-instance"


def statement(policy: str, sid: str) -> dict:
    return next(s for s in json.loads(policy)["Statement"] if s["Sid"] == sid)


def test_reading_is_denied_to_everyone_but_the_readers_and_the_administrators():
    policy = secret_resource_policy([ROOT, DEPLOYER], [INSTANCE])
    read = statement(policy, "OnlyItsReadersAndAdministratorsReadTheSecret")

    assert (read["Effect"], read["Principal"], read["Action"]) == (
        "Deny",
        "*",
        ["secretsmanager:GetSecretValue"],
    )
    assert read["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [INSTANCE, ROOT, DEPLOYER]


def test_a_reader_may_not_change_the_secret_nor_its_policy():
    change = statement(
        secret_resource_policy([ROOT, DEPLOYER], [INSTANCE]), "OnlyAdministratorsChangeTheSecret"
    )

    assert INSTANCE not in change["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert {"secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy"} <= set(change["Action"])


def test_aws_services_acting_for_the_account_are_not_denied():
    for s in json.loads(secret_resource_policy([ROOT]))["Statement"]:
        assert s["Condition"]["Bool"] == {"aws:PrincipalIsAWSService": "false"}


def test_the_same_input_gives_the_same_text_so_a_second_run_changes_nothing():
    assert secret_resource_policy([ROOT], [INSTANCE]) == secret_resource_policy([ROOT], [INSTANCE])


def test_a_policy_without_administrators_is_refused():
    with pytest.raises(AnsibleFilterError, match="no administrator"):
        secret_resource_policy([], [INSTANCE])


def test_a_reader_that_is_not_an_arn_is_refused():
    with pytest.raises(AnsibleFilterError, match="not ARNs"):
        secret_resource_policy([ROOT], ["webcast-production-instance"])


def test_a_role_session_is_seen_as_its_role_with_any_path():
    assert principal_arns("arn:aws:sts::123456789012:assumed-role/deployer/ci-1234") == [
        DEPLOYER,
        "arn:aws:iam::123456789012:role/*/deployer",
    ]


def test_a_user_is_its_own_principal_arn():
    assert principal_arns("arn:aws:iam::123456789012:user/alice") == ["arn:aws:iam::123456789012:user/alice"]


def test_a_caller_that_is_not_an_arn_is_refused():
    with pytest.raises(AnsibleFilterError, match="not an ARN"):
        principal_arns("alice")
