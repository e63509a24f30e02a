"""Names and tags of AWS resources, so every role spells the convention the same way."""

from __future__ import annotations

import re
from typing import Any

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: resource_name
short_description: The name of an AWS resource, C(<project>-<env>-<component>)
description:
  - Joins project, environment and component with hyphens, the convention for every resource.
  - Fails when a part is empty or holds anything but lowercase letters, digits and hyphens,
    which some AWS names (S3 buckets, RDS identifiers) refuse.
positional: env, component
options:
  _input: {description: The project name., type: str, required: true}
  env: {description: The environment name., type: str, required: true}
  component: {description: The component name., type: str, required: true}
"""

EXAMPLES = r"""
- ansible.builtin.debug:
    msg: "{{ 'webcast' | webcast.platform.resource_name('staging', 'vpc') }}"  # webcast-staging-vpc
- ansible.builtin.debug:
    msg: "{{ 'webcast' | webcast.platform.resource_tags('staging', 'network') }}"
"""

RETURN = r"""
_value: {description: The resource name., type: str}
"""

_NAME_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _checked(label: str, value: Any) -> str:
    text = str(value)
    if not _NAME_PART.fullmatch(text):
        raise AnsibleFilterError(
            f"{label} '{text}' is not a valid name part; use lowercase letters, digits and "
            "single hyphens, such as 'webcast' or 'staging'"
        )
    return text


def resource_name(project: Any, env: Any, component: Any) -> str:
    return "-".join(
        (_checked("project", project), _checked("environment", env), _checked("component", component))
    )


def resource_tags(project: Any, env: Any, component: Any, extra: dict | None = None) -> dict[str, str]:
    """The tags every resource carries, plus a Name and any extra tags."""
    tags = {
        "Name": resource_name(project, env, component),
        "Project": str(project),
        "Environment": str(env),
        "Component": str(component),
        "ManagedBy": "ansible",
    }
    tags.update({str(key): str(value) for key, value in (extra or {}).items()})
    return tags


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"resource_name": resource_name, "resource_tags": resource_tags}
