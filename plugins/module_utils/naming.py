"""The naming and tagging convention of every resource, in one place for modules and plugins.

Names are ``<project>-<env>-<component>``; tags are Name, Project, Environment, Component and
ManagedBy=ansible. The filters resource_name/resource_tags and our modules all call these.
"""

from __future__ import annotations

import re
from typing import Any

_NAME_PART = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

# Tag keys the platform reads back (inventory grouping, the golden AMI lookup, summaries).
TAG_PROJECT = "Project"
TAG_ENVIRONMENT = "Environment"
TAG_COMPONENT = "Component"
TAG_MANAGED_BY = "ManagedBy"


class NamingError(ValueError):
    """A name part breaks the convention; the message names the part and what is allowed."""


def checked_part(label: str, value: Any) -> str:
    text = str(value)
    if not _NAME_PART.fullmatch(text):
        raise NamingError(
            f"{label} '{text}' is not a valid name part; use lowercase letters, digits and "
            "single hyphens, such as 'webcast' or 'staging'"
        )
    return text


def resource_name(project: Any, env: Any, component: Any) -> str:
    return "-".join(
        (
            checked_part("project", project),
            checked_part("environment", env),
            checked_part("component", component),
        )
    )


def resource_tags(project: Any, env: Any, component: Any, extra: dict | None = None) -> dict[str, str]:
    """The tags every resource carries, plus a Name and any extra tags."""
    tags = {
        "Name": resource_name(project, env, component),
        TAG_PROJECT: str(project),
        TAG_ENVIRONMENT: str(env),
        TAG_COMPONENT: str(component),
        TAG_MANAGED_BY: "ansible",
    }
    tags.update({str(key): str(value) for key, value in (extra or {}).items()})
    return tags


def environment_filters(project: str, env: str | None = None) -> list[dict[str, Any]]:
    """EC2 Describe* filters selecting one project's (and one environment's) resources, server side."""
    filters = [{"Name": f"tag:{TAG_PROJECT}", "Values": [project]}]
    if env:
        filters.append({"Name": f"tag:{TAG_ENVIRONMENT}", "Values": [env]})
    return filters
