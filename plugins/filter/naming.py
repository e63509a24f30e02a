"""Names and tags of AWS resources, so every role spells the convention the same way."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.webcast.platform.plugins.module_utils import naming

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


def resource_name(project: Any, env: Any, component: Any) -> str:
    try:
        return naming.resource_name(project, env, component)
    except naming.NamingError as error:
        raise AnsibleFilterError(str(error)) from None


def resource_tags(project: Any, env: Any, component: Any, extra: dict | None = None) -> dict[str, str]:
    try:
        return naming.resource_tags(project, env, component, extra)
    except naming.NamingError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"resource_name": resource_name, "resource_tags": resource_tags}
