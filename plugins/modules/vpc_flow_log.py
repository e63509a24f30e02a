#!/usr/bin/python
# Neither amazon.aws nor community.aws has a module for VPC flow logs, so this one exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_flow_log
short_description: Manage a VPC flow log
version_added: 0.1.0
description:
  - Creates, replaces or deletes one flow log of a VPC, subnet or network interface.
  - A flow log is identified by its resource and its destination (a CloudWatch Logs group or an
    S3 ARN). AWS cannot modify a flow log, so when the traffic type, aggregation interval or format
    of that flow log differ from the request it is replaced (deleted, then created), and the diff
    says so.
  - Tags are updated in place.
author:
  - Webcast platform engineering
options:
  resource_id:
    description: The VPC, subnet or network interface to log.
    type: str
    required: true
  resource_type:
    description: What O(resource_id) is.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  log_destination_type:
    description: Where the records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description: The CloudWatch Logs group; required when O(log_destination_type=cloud-watch-logs).
    type: str
  deliver_logs_permission_arn:
    description:
      - The IAM role that the flow logs service assumes to write to CloudWatch Logs.
      - Required when O(log_destination_type=cloud-watch-logs).
    type: str
  log_destination:
    description: The S3 bucket ARN (optionally with a prefix); required when O(log_destination_type=s3).
    type: str
  max_aggregation_interval:
    description: Seconds over which packets are aggregated into one record.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description: A custom record format; the AWS default format when omitted.
    type: str
  state:
    description: Whether the flow log should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log all traffic of the VPC to CloudWatch Logs
  webcast.platform.vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /webcast/staging/vpc-flow-logs
    deliver_logs_permission_arn: "{{ flow_logs_role_arn }}"
    max_aggregation_interval: 60
    tags:
      Name: webcast-staging-flow-logs

- name: Stop logging the VPC to that group
  webcast.platform.vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /webcast/staging/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log as AWS describes it, keys in snake case; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    flow_log_id: {description: The flow log id., type: str, sample: fl-0123456789abcdef0}
    resource_id: {description: The logged resource., type: str, sample: vpc-0123456789abcdef0}
    traffic_type: {description: The logged traffic., type: str, sample: ALL}
    log_destination_type: {description: The destination type., type: str, sample: cloud-watch-logs}
    log_group_name: {description: The CloudWatch Logs group., type: str, returned: for CloudWatch Logs}
    max_aggregation_interval: {description: Seconds per record., type: int, sample: 600}
    tags: {description: The flow log's tags., type: dict}
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.transformation import (
    ansible_dict_to_boto3_filter_list,
)
from ansible_collections.webcast.platform.plugins.module_utils.aws import (
    retrying_client,
    snake_result,
    wanted_tags,
)

# Settings AWS cannot change on an existing flow log: a difference means a replacement.
IMMUTABLE = ("TrafficType", "MaxAggregationInterval", "LogFormat", "DeliverLogsPermissionArn")


def wanted_flow_log(params: dict[str, Any]) -> dict[str, Any]:
    """The flow log that the parameters describe, in the API's own keys."""
    wanted = {
        "ResourceId": params["resource_id"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["log_destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if params["log_destination_type"] == "cloud-watch-logs":
        wanted["LogGroupName"] = params["log_group_name"]
        wanted["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    else:
        wanted["LogDestination"] = params["log_destination"]
    if params.get("log_format"):
        wanted["LogFormat"] = params["log_format"]
    return wanted


def same_destination(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if wanted["LogDestinationType"] == "cloud-watch-logs":
        return existing.get("LogGroupName") == wanted["LogGroupName"]
    return existing.get("LogDestination") == wanted["LogDestination"]


def needs_replacement(existing: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """The immutable settings in which existing differs from wanted."""
    return [key for key in IMMUTABLE if key in wanted and existing.get(key) != wanted[key]]


def find_flow_log(client, module, wanted: dict[str, Any]) -> dict[str, Any] | None:
    filters = ansible_dict_to_boto3_filter_list({"resource-id": wanted["ResourceId"]})
    try:
        found = client.describe_flow_logs(aws_retry=True, Filters=filters)["FlowLogs"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the flow logs of {wanted['ResourceId']}")
    matches = [flow_log for flow_log in found if same_destination(flow_log, wanted)]
    return matches[0] if matches else None


def describe(flow_log: dict[str, Any] | None) -> dict[str, Any]:
    return snake_result(flow_log)


def create(client, module, wanted: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    request = {key: value for key, value in wanted.items() if key != "ResourceId"}
    request["ResourceIds"] = [wanted["ResourceId"]]
    request["ResourceType"] = module.params["resource_type"]
    if tags:
        request["TagSpecifications"] = boto3_tag_specifications(tags, ["vpc-flow-log"])
    try:
        response = client.create_flow_logs(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to create a flow log for {wanted['ResourceId']}")
    if response.get("Unsuccessful"):
        module.fail_json(
            msg=f"AWS refused the flow log for {wanted['ResourceId']}",
            unsuccessful=camel_dict_to_snake_dict({"items": response["Unsuccessful"]})["items"],
        )
    return find_flow_log(client, module, wanted)


def delete(client, module, flow_log_id: str) -> None:
    try:
        client.delete_flow_logs(aws_retry=True, FlowLogIds=[flow_log_id])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to delete flow log {flow_log_id}")


def ensure_present(client, module) -> dict[str, Any]:
    wanted = wanted_flow_log(module.params)
    existing = find_flow_log(client, module, wanted)
    before = describe(existing)
    tags = wanted_tags(before.get("tags", {}), module.params)

    replace = needs_replacement(existing, wanted) if existing else []
    if existing is None or replace:
        # AWS cannot modify a flow log: create it, or replace it keeping the tags it should have.
        if module.check_mode:
            after = dict(describe({**(existing or {}), **wanted}), tags=tags)
            return {
                "changed": True,
                "flow_log": after,
                "replaced": replace,
                "diff": {"before": before, "after": after},
            }
        if existing:
            delete(client, module, existing["FlowLogId"])
        after = describe(create(client, module, wanted, tags))
        return {
            "changed": True,
            "flow_log": after,
            "replaced": replace,
            "diff": {"before": before, "after": after},
        }

    changed = False
    if module.params.get("tags") is not None:
        # Filter by id only: moto files flow logs under a different tag resource type than AWS.
        changed = ensure_ec2_tags(
            client,
            module,
            existing["FlowLogId"],
            tags=module.params["tags"],
            purge_tags=module.params["purge_tags"],
        )
    if changed and not module.check_mode:
        after = describe(find_flow_log(client, module, wanted))
    else:
        after = dict(before, tags=tags)
    return {"changed": changed, "flow_log": after, "replaced": [], "diff": {"before": before, "after": after}}


def ensure_absent(client, module) -> dict[str, Any]:
    wanted = wanted_flow_log(module.params)
    existing = find_flow_log(client, module, wanted)
    if existing is None:
        return {"changed": False, "flow_log": {}}
    if not module.check_mode:
        delete(client, module, existing["FlowLogId"])
    return {"changed": True, "flow_log": {}, "diff": {"before": describe(existing), "after": {}}}


def main() -> None:
    argument_spec = dict(
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "REJECT", "ALL"]),
        log_destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        log_destination=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        log_format=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            ("log_destination_type", "cloud-watch-logs", ["log_group_name"]),
            ("log_destination_type", "s3", ["log_destination"]),
        ],
    )
    if (
        module.params["state"] == "present"
        and module.params["log_destination_type"] == "cloud-watch-logs"
        and not module.params["deliver_logs_permission_arn"]
    ):
        module.fail_json(
            msg="deliver_logs_permission_arn is required to deliver flow logs to CloudWatch Logs"
        )

    client = retrying_client(module, "ec2")
    if module.params["state"] == "present":
        result = ensure_present(client, module)
    else:
        result = ensure_absent(client, module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
