"""No generated secret appears in a converge's output, even at -vvv.

The secrets are read back from Secrets Manager by their names after a full converge of site.yml;
each must be absent from everything ansible-playbook printed. A secret is skipped only when no
secret of that name exists, and the skip says so.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ENV, ROOT
from playbook_run import PlaybookRun, run_playbook

# The generated secrets, by what their name under /<project>/<env>/ contains.
KINDS = {
    "database password": re.compile(r"/(db|rds|database)/"),
    "Redis token": re.compile(r"/(redis|elasticache|cache)/"),
    "SMTP password": re.compile(r"/smtp/credentials$"),
    "origin header secret": re.compile(r"/(alb|origin|cloudfront)/"),
}
# Keys of JSON secrets whose values are not secret (they are printed in outputs on purpose).
PUBLIC_KEYS = {
    "username",
    "user",
    "host",
    "port",
    "engine",
    "dbname",
    "database",
    "dbinstanceidentifier",
    "header_name",
    "name",
}


@pytest.fixture(scope="module")
def converge() -> PlaybookRun:
    return run_playbook(
        ["-vvv", "-i", "inventories/local", "playbooks/site.yml", "-e", f"webcast_env={ENV}"], ROOT
    )


@pytest.fixture(scope="module")
def secrets(aws, settings) -> dict[str, str]:
    """Every secret under /<project>/<env>/, by name, as stored."""
    client = aws("secretsmanager")
    prefix = f"/{settings['webcast_project']}/{ENV}/"
    names = [
        s["Name"]
        for page in client.get_paginator("list_secrets").paginate()
        for s in page["SecretList"]
        if s["Name"].startswith(prefix)
    ]
    return {name: client.get_secret_value(SecretId=name)["SecretString"] for name in names}


def secret_values(stored: str) -> list[str]:
    """The values in a secret that must never print: the whole string, or a JSON secret's secret fields."""
    try:
        document = json.loads(stored)
    except ValueError:
        return [stored]
    if not isinstance(document, dict):
        return [stored]
    return [str(v) for k, v in document.items() if k.lower() not in PUBLIC_KEYS and len(str(v)) >= 8]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_secret_never_appears_in_the_converge_output(kind, converge, secrets):
    named = {name: value for name, value in secrets.items() if KINDS[kind].search(name)}
    if not named:
        pytest.skip(f"no {kind} exists in Secrets Manager (no secret name matches {KINDS[kind].pattern})")
    output = converge.stdout + converge.stderr
    for name, stored in named.items():
        values = secret_values(stored)
        assert values, f"{name} holds no value to look for"
        leaked = [v[:4] + "..." for v in values if v in output]
        assert not leaked, f"the {kind} in {name} appears in the -vvv output (starts {leaked})"


def test_the_converge_it_checks_succeeded(converge):
    assert converge.returncode == 0, converge.tail()
