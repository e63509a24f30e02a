#!/usr/bin/python
# Neither amazon.aws nor community.aws manages CloudWatch dashboards, so this module does.

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_dashboard
short_description: A CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates or deletes a CloudWatch dashboard; its body is compared as JSON, so key order
    and spacing never cause an update.
author:
  - Webcast platform engineering
options:
  name:
    description: The dashboard's name.
    type: str
    required: true
  body:
    description: The dashboard body (widgets), as a dict.
    type: dict
  state:
    description: Whether the dashboard exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: One widget of ALB 5xx errors
  webcast.platform.cloudwatch_dashboard:
    name: webcast-production
    body:
      widgets:
        - type: metric
          properties:
            metrics: [[AWS/ApplicationELB, HTTPCode_ELB_5XX_Count, LoadBalancer, app/x/123]]
            region: eu-west-1
"""

RETURN = r"""
dashboard_name:
  description: The dashboard's name.
  returned: always
  type: str
body:
  description: The dashboard body after the run; empty after O(state=absent).
  returned: always
  type: dict
"""

import json
from typing import Any

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def current_body(client, module, name: str) -> dict[str, Any] | None:
    try:
        return json.loads(client.get_dashboard(DashboardName=name, aws_retry=True)["DashboardBody"])
    except client.exceptions.ResourceNotFound:
        return None
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the dashboard {name}")


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "body": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    name, state = module.params["name"], module.params["state"]
    client = retrying_client(module, "cloudwatch")
    before = current_body(client, module, name)
    after = module.params["body"] if state == "present" else None
    changed = before != after
    if changed and not module.check_mode:
        try:
            if after is None:
                client.delete_dashboards(DashboardNames=[name], aws_retry=True)
            else:
                client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(after), aws_retry=True)
        except (BotoCoreError, ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to write the dashboard {name}")
    module.exit_json(
        changed=changed,
        dashboard_name=name,
        body=after or {},
        diff={"before": before or {}, "after": after or {}},
    )


if __name__ == "__main__":
    main()
