#!/usr/bin/python
# Neither amazon.aws nor community.aws manages CloudFront Origin Access Control (only the legacy
# Origin Access Identity), so this one exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudfront_origin_access_control
short_description: Manage a CloudFront Origin Access Control
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudFront Origin Access Control (OAC), the way a distribution
    signs its requests to an origin (an S3 bucket, MediaStore, Lambda function URL or MediaPackage v2)
    so that the origin can refuse everyone else.
  - An OAC is identified by its O(name), which CloudFront keeps unique in the account.
  - The description, signing behaviour, signing protocol and origin type are updated in place.
  - CloudFront refuses to delete an OAC that a distribution still uses; the error says so.
author:
  - Webcast platform engineering
options:
  name:
    description: The OAC's name, unique in the account (at most 64 characters).
    type: str
    required: true
  description:
    description: A description of what the OAC is for (at most 256 characters).
    type: str
    default: ""
  origin_type:
    description: The kind of origin the OAC signs requests for.
    type: str
    choices: [s3, mediastore, lambda, mediapackagev2]
    default: s3
  signing_behavior:
    description:
      - V(always) signs every origin request (and replaces a viewer's Authorization header);
        V(no-override) signs only requests without one; V(never) signs nothing.
    type: str
    choices: [always, never, no-override]
    default: always
  signing_protocol:
    description: How requests are signed; AWS offers only Signature Version 4.
    type: str
    choices: [sigv4]
    default: sigv4
  state:
    description: Whether the OAC should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - CloudFront is a global service; the region only selects the endpoint.
"""

EXAMPLES = r"""
- name: Ensure CloudFront signs its requests to the media bucket
  webcast.platform.cloudfront_origin_access_control:
    name: webcast-staging-media
    description: CloudFront reads the media bucket of webcast-staging.
    origin_type: s3
    signing_behavior: always
  register: media_oac

- name: Remove the OAC once no distribution uses it
  webcast.platform.cloudfront_origin_access_control:
    name: webcast-staging-media
    state: absent
"""

RETURN = r"""
origin_access_control:
  description: The OAC, keys in snake case; empty after O(state=absent) or before creation in check mode.
  returned: always
  type: dict
  contains:
    id: {description: The OAC's id, which a distribution's origin names., type: str, sample: E2QWRUHAPOMQZL}
    name: {description: Its name., type: str, sample: webcast-staging-media}
    description: {description: Its description., type: str}
    origin_access_control_origin_type: {description: The origin type., type: str, sample: s3}
    signing_behavior: {description: When requests are signed., type: str, sample: always}
    signing_protocol: {description: How requests are signed., type: str, sample: sigv4}
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client

# The settings of an OAC, in the order the API's OriginAccessControlConfig lists them.
CONFIG_KEYS = ("Name", "Description", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType")


def wanted_config(params: dict[str, Any]) -> dict[str, str]:
    """The OriginAccessControlConfig that the parameters describe."""
    return {
        "Name": params["name"],
        "Description": params["description"] or "",
        "SigningProtocol": params["signing_protocol"],
        "SigningBehavior": params["signing_behavior"],
        "OriginAccessControlOriginType": params["origin_type"],
    }


def config_of(summary: dict[str, Any]) -> dict[str, str]:
    """The settings of an OAC as ListOriginAccessControls or GetOriginAccessControl describe it."""
    return {key: summary.get(key) or "" for key in CONFIG_KEYS}


def differences(existing: dict[str, Any], wanted: dict[str, str]) -> list[str]:
    """The settings in which an existing OAC differs from the wanted one."""
    current = config_of(existing)
    return [key for key in CONFIG_KEYS if current[key] != wanted[key]]


def describe(oac_id: str | None, config: dict[str, str] | None) -> dict[str, Any]:
    if config is None:
        return {}
    described = camel_dict_to_snake_dict(dict(config))
    if oac_id:
        described["id"] = oac_id
    return described


def find_by_name(client, module, name: str) -> dict[str, Any] | None:
    """The OAC summary (Id and its settings) with this name, or None."""
    try:
        paginator = client.get_paginator("list_origin_access_controls")
        for page in paginator.paginate():
            for item in page["OriginAccessControlList"].get("Items") or []:
                if item.get("Name") == name:
                    return item
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to list the origin access controls looking for {name}")
    return None


def etag_of(client, module, oac_id: str) -> str:
    try:
        return client.get_origin_access_control(aws_retry=True, Id=oac_id)["ETag"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read origin access control {oac_id}")


def ensure_present(client, module) -> dict[str, Any]:
    wanted = wanted_config(module.params)
    existing = find_by_name(client, module, wanted["Name"])
    before = describe(existing["Id"], config_of(existing)) if existing else {}

    if existing is None:
        if module.check_mode:
            after = describe(None, wanted)
            return {"changed": True, "origin_access_control": after, "diff": {"before": {}, "after": after}}
        try:
            created = client.create_origin_access_control(aws_retry=True, OriginAccessControlConfig=wanted)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to create origin access control {wanted['Name']}")
        after = describe(created["OriginAccessControl"]["Id"], wanted)
        return {"changed": True, "origin_access_control": after, "diff": {"before": {}, "after": after}}

    changes = differences(existing, wanted)
    after = describe(existing["Id"], wanted)
    if changes and not module.check_mode:
        try:
            client.update_origin_access_control(
                aws_retry=True,
                Id=existing["Id"],
                IfMatch=etag_of(client, module, existing["Id"]),
                OriginAccessControlConfig=wanted,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to update origin access control {wanted['Name']}")
    return {
        "changed": bool(changes),
        "origin_access_control": after,
        "updated": changes,
        "diff": {"before": before, "after": after},
    }


def ensure_absent(client, module) -> dict[str, Any]:
    existing = find_by_name(client, module, module.params["name"])
    if existing is None:
        return {"changed": False, "origin_access_control": {}}
    before = describe(existing["Id"], config_of(existing))
    if not module.check_mode:
        try:
            client.delete_origin_access_control(
                aws_retry=True, Id=existing["Id"], IfMatch=etag_of(client, module, existing["Id"])
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            name = module.params["name"]
            module.fail_json_aws(e, msg=f"Failed to delete origin access control {name} (still in use?)")
    return {"changed": True, "origin_access_control": {}, "diff": {"before": before, "after": {}}}


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        origin_type=dict(type="str", default="s3", choices=["s3", "mediastore", "lambda", "mediapackagev2"]),
        signing_behavior=dict(type="str", default="always", choices=["always", "never", "no-override"]),
        signing_protocol=dict(type="str", default="sigv4", choices=["sigv4"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if len(module.params["name"]) > 64:
        module.fail_json(msg=f"name '{module.params['name']}' is longer than CloudFront's 64 characters")

    client = retrying_client(module, "cloudfront")
    if module.params["state"] == "present":
        result = ensure_present(client, module)
    else:
        result = ensure_absent(client, module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
