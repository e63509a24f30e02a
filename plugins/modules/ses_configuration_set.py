#!/usr/bin/python
# Neither amazon.aws nor community.aws manages SES configuration sets, so this module does.

from __future__ import annotations

DOCUMENTATION = r"""
module: ses_configuration_set
short_description: An SES configuration set that sends its events to an SNS topic
version_added: 0.1.0
description:
  - Creates an SES configuration set with one event destination, an SNS topic, receiving the
    event types given (bounces and complaints, typically).
  - An existing event destination of the same name is updated when it differs.
author:
  - Webcast platform engineering
options:
  name:
    description: The configuration set's name.
    type: str
    required: true
  event_destination_name:
    description: The event destination's name.
    type: str
    default: sns
  topic_arn:
    description: The SNS topic the events are published to.
    type: str
    required: true
  event_types:
    description: The events published.
    type: list
    elements: str
    default: [bounce, complaint]
    choices: [send, reject, bounce, complaint, delivery, open, click, renderingFailure, deliveryDelay,
              subscription]
  enabled:
    description: Whether the destination receives events.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Publish bounces and complaints to the events topic
  webcast.platform.ses_configuration_set:
    name: webcast-production
    topic_arn: arn:aws:sns:eu-west-1:123456789012:webcast-production-ses-events
"""

RETURN = r"""
configuration_set:
  description: The configuration set's name.
  returned: always
  type: str
event_destination:
  description: The event destination as AWS describes it, keys in snake case.
  returned: always
  type: dict
  contains:
    name: {description: Its name., type: str, returned: always}
    enabled: {description: Whether it receives events., type: bool, returned: always}
    matching_event_types: {description: The events published., type: list, elements: str, returned: always}
    sns_destination: {description: "C({topic_arn: ...})", type: dict, returned: always}
"""

from typing import Any

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def wanted_destination(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": params["event_destination_name"],
        "Enabled": params["enabled"],
        "MatchingEventTypes": sorted(params["event_types"]),
        "SNSDestination": {"TopicARN": params["topic_arn"]},
    }


def comparable(destination: dict[str, Any] | None) -> dict[str, Any] | None:
    """A destination reduced to what this module sets, in a stable order."""
    if not destination:
        return None
    return {
        "Name": destination.get("Name"),
        "Enabled": destination.get("Enabled") in (True, "true"),
        "MatchingEventTypes": sorted(destination.get("MatchingEventTypes") or []),
        "SNSDestination": {"TopicARN": (destination.get("SNSDestination") or {}).get("TopicARN")},
    }


def find(client, module, name: str, destination_name: str) -> tuple[bool, dict[str, Any] | None]:
    """(whether the set exists, its destination of that name)."""
    try:
        described = client.describe_configuration_set(
            ConfigurationSetName=name, ConfigurationSetAttributeNames=["eventDestinations"], aws_retry=True
        )
    except client.exceptions.ConfigurationSetDoesNotExistException:
        return False, None
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the SES configuration set {name}")
    for destination in described.get("EventDestinations") or []:
        if destination and destination.get("Name") == destination_name:
            return True, comparable(destination)
    return True, None


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "event_destination_name": {"type": "str", "default": "sns"},
            "topic_arn": {"type": "str", "required": True},
            "event_types": {
                "type": "list",
                "elements": "str",
                "default": ["bounce", "complaint"],
                "choices": [
                    "send",
                    "reject",
                    "bounce",
                    "complaint",
                    "delivery",
                    "open",
                    "click",
                    "renderingFailure",
                    "deliveryDelay",
                    "subscription",
                ],
            },
            "enabled": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    name = module.params["name"]
    wanted = wanted_destination(module.params)
    client = retrying_client(module, "ses")
    exists, current = find(client, module, name, wanted["Name"])
    changed = not exists or current != wanted
    if changed and not module.check_mode:
        try:
            if not exists:
                client.create_configuration_set(ConfigurationSet={"Name": name}, aws_retry=True)
            if current is None:
                client.create_configuration_set_event_destination(
                    ConfigurationSetName=name, EventDestination=wanted, aws_retry=True
                )
            else:
                client.update_configuration_set_event_destination(
                    ConfigurationSetName=name, EventDestination=wanted, aws_retry=True
                )
        except (BotoCoreError, ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to converge the SES configuration set {name}")
    module.exit_json(
        changed=changed,
        configuration_set=name,
        event_destination=camel_dict_to_snake_dict(wanted),
        diff={
            "before": {"exists": exists, "event_destination": current},
            "after": {"exists": True, "event_destination": wanted},
        },
    )


if __name__ == "__main__":
    main()
