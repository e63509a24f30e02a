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
# What an instance does (app, media, ...): the launch template tags instances with it, and the
# image bake tags the golden AMI with it, so the fleet inventory and the AMI lookup agree.
TAG_ROLE = "Role"
# The bake version of a golden AMI (a tag on the image, not on the instances launched from it).
TAG_VERSION = "Version"
# Set by EC2 Auto Scaling on every instance it launches.
TAG_ASG_NAME = "aws:autoscaling:groupName"


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


def name_prefix(project: Any, env: Any) -> str:
    """What every name in the environment starts with, ``<project>-<env>-``.

    It narrows a listing that the API cannot filter by tag, and no more: ``webcast-staging-``
    also starts the names of an environment ``staging-eu``, so the tags decide (in_environment).
    """
    return f"{checked_part('project', project)}-{checked_part('environment', env)}-"


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


def in_environment(tags: dict[str, str], project: str, env: str) -> bool:
    """True when tags (a plain dict) mark a resource of that project and environment."""
    return tags.get(TAG_PROJECT) == project and tags.get(TAG_ENVIRONMENT) == env
