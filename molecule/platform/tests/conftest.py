"""Fixtures for verifying a tier in the emulator through boto3."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import boto3
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / ".collections"))
sys.path.insert(0, str(ROOT / "molecule/resources"))

ENV = "molecule"  # the scenario's webcast_env (molecule.yml)


@pytest.fixture(scope="session")
def settings() -> dict:
    """The local inventory's group_vars, which the scenario converged with."""
    merged: dict = {}
    for path in sorted((ROOT / "inventories/local/group_vars/all").glob("*.yml")):
        merged.update(yaml.safe_load(path.read_text()) or {})
    return merged


@pytest.fixture(scope="session")
def aws(settings):
    """A boto3 client factory for the emulator the scenario ran against."""
    endpoint = os.environ.get("WEBCAST_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    def client(service: str, region: str | None = None):
        """A client in the environment's region, or in `region` (us-east-1 for CloudFront's WAF)."""
        return boto3.client(
            service,
            region_name=region or settings["webcast_aws_region"],
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client


@pytest.fixture(scope="session")
def domain(settings) -> str:
    """The scenario's webcast_domain (the inventory's template, rendered for ENV)."""
    return settings["webcast_domain"].replace("{{ webcast_env }}", ENV)


def role_defaults(role: str) -> dict:
    """A role's defaults/main.yml: the settings the scenario converged with, unless the inventory set them."""
    return yaml.safe_load((ROOT / "roles" / role / "defaults/main.yml").read_text()) or {}


@pytest.fixture(scope="session")
def env_filters(settings) -> list[dict]:
    return [
        {"Name": "tag:Project", "Values": [settings["webcast_project"]]},
        {"Name": "tag:Environment", "Values": [ENV]},
    ]


def env_tags(settings: dict, name: str, component: str, **extra: str) -> dict[str, str]:
    """The tags every resource of the scenario's environment carries (naming.resource_tags)."""
    return {
        "Name": name,
        "Project": settings["webcast_project"],
        "Environment": ENV,
        "Component": component,
        "ManagedBy": "ansible",
        **extra,
    }
