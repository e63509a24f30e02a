#!/usr/bin/python
# Neither amazon.aws nor community.aws has a module for EFS access points, so this one exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: efs_access_point
short_description: Manage an EFS access point
version_added: 0.1.0
description:
  - Creates or deletes one access point of an EFS file system, found by its name (its C(Name) tag).
  - An access point forces the POSIX user of every request through it, and roots it in a directory
    that EFS creates with the given owner and permissions.
  - AWS cannot change an access point's user or root directory. When they differ from the request
    the module fails, naming each, and changes nothing. A new access point has a new id, which every
    client mounts by, so replacing one is a decision for its owner.
  - Tags are updated in place.
author:
  - Webcast platform engineering
options:
  file_system_id:
    description: The file system of the access point.
    type: str
    required: true
  name:
    description: The access point's name, kept as its C(Name) tag; unique within the file system.
    type: str
    required: true
  posix_user:
    description: The user and groups every request through the access point acts as.
    type: dict
    suboptions:
      uid: {description: The user id., type: int, required: true}
      gid: {description: The group id., type: int, required: true}
      secondary_gids: {description: Further group ids., type: list, elements: int}
  root_directory:
    description: The directory clients see as the root.
    type: dict
    suboptions:
      path: {description: The path within the file system., type: str, default: /}
      creation_info:
        description: Owner and permissions of the directory when EFS has to create it.
        type: dict
        suboptions:
          owner_uid: {description: Owner user id., type: int, required: true}
          owner_gid: {description: Owner group id., type: int, required: true}
          permissions: {description: Octal permissions such as V(0750)., type: str, required: true}
  state:
    description: Whether the access point should exist.
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
- name: The media directory, owned by the media server's user, for every client
  webcast.platform.efs_access_point:
    file_system_id: "{{ efs_id }}"
    name: webcast-staging-media
    posix_user: {uid: 2000, gid: 2000}
    root_directory:
      path: /media
      creation_info: {owner_uid: 2000, owner_gid: 2000, permissions: "0750"}
    tags:
      Component: efs
"""

RETURN = r"""
access_point:
  description: The access point as AWS describes it, keys in snake case, with its tags; empty when absent.
  returned: always
  type: dict
  contains:
    access_point_id: {description: The id clients mount with., type: str, sample: fsap-0123456789abcdef0}
    access_point_arn: {description: The ARN policies name., type: str}
    file_system_id: {description: The file system., type: str}
    posix_user: {description: The enforced user., type: dict}
    root_directory: {description: The root directory and its creation info., type: dict}
    life_cycle_state: {description: 'creating, available, deleting...', type: str}
    tags: {description: The tags., type: dict}
"""

from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    compare_aws_tags,
)
from ansible_collections.webcast.platform.plugins.module_utils.aws import (
    retrying_client,
    snake_result,
    wait_for,
)


def wanted_posix_user(params: dict[str, Any]) -> dict[str, Any] | None:
    user = params.get("posix_user")
    if not user:
        return None
    wanted = {"Uid": user["uid"], "Gid": user["gid"]}
    if user.get("secondary_gids"):
        wanted["SecondaryGids"] = user["secondary_gids"]
    return wanted


def wanted_root_directory(params: dict[str, Any]) -> dict[str, Any] | None:
    root = params.get("root_directory")
    if not root:
        return None
    wanted: dict[str, Any] = {"Path": root.get("path") or "/"}
    info = root.get("creation_info")
    if info:
        wanted["CreationInfo"] = {
            "OwnerUid": info["owner_uid"],
            "OwnerGid": info["owner_gid"],
            "Permissions": info["permissions"],
        }
    return wanted


def fixed_differences(existing: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """What AWS cannot change on the existing access point and the request asks to."""
    differ = []
    user = wanted_posix_user(params)
    if user is not None and {**{"SecondaryGids": []}, **existing.get("PosixUser", {})} != {
        **{"SecondaryGids": []},
        **user,
    }:
        differ.append(f"posix_user is {existing.get('PosixUser')}, requested {user}")
    root = wanted_root_directory(params)
    if root is not None and existing.get("RootDirectory", {"Path": "/"}) != root:
        differ.append(f"root_directory is {existing.get('RootDirectory')}, requested {root}")
    return differ


def tags_of(access_point: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in access_point.get("Tags") or []}


class AccessPoints:
    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.client = retrying_client(module, "efs")
        self.file_system_id = module.params["file_system_id"]
        self.name = module.params["name"]

    def _fail(self, error: Exception, doing: str) -> None:
        self.module.fail_json_aws(
            error, msg=f"Failed to {doing} access point {self.name} of {self.file_system_id}"
        )

    def find(self) -> dict[str, Any] | None:
        try:
            paginator = self.client.get_paginator("describe_access_points")
            found = paginator.paginate(FileSystemId=self.file_system_id).build_full_result()["AccessPoints"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "list the access points to find")
        named = [
            ap
            for ap in found
            if tags_of(ap).get("Name") == self.name and ap.get("LifeCycleState") != "deleted"
        ]
        return named[0] if named else None

    def create(self, tags: dict[str, str]) -> dict[str, Any]:
        request: dict[str, Any] = {
            # Idempotent retries: AWS returns the same access point for the same token.
            "ClientToken": self.name[:64],
            "FileSystemId": self.file_system_id,
            "Tags": ansible_dict_to_boto3_tag_list(tags),
        }
        user = wanted_posix_user(self.module.params)
        root = wanted_root_directory(self.module.params)
        if user:
            request["PosixUser"] = user
        if root:
            request["RootDirectory"] = root
        try:
            self.client.create_access_point(aws_retry=True, **request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "create")
        try:
            return wait_for(
                lambda: (lambda ap: ap if ap and ap.get("LifeCycleState") == "available" else None)(
                    self.find()
                ),
                what=f"access point {self.name} to be available",
                timeout_s=300,
                delay_s=5,
            )
        except TimeoutError as e:
            self.module.fail_json(msg=str(e))

    def retag(self, access_point_id: str, current: dict[str, str], wanted: dict[str, str]) -> None:
        to_add, to_remove = compare_aws_tags(current, wanted, purge_tags=True)
        try:
            if to_add:
                self.client.tag_resource(
                    aws_retry=True, ResourceId=access_point_id, Tags=ansible_dict_to_boto3_tag_list(to_add)
                )
            if to_remove:
                self.client.untag_resource(aws_retry=True, ResourceId=access_point_id, TagKeys=to_remove)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "tag")

    def delete(self, access_point_id: str) -> None:
        try:
            self.client.delete_access_point(aws_retry=True, AccessPointId=access_point_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, "delete")


def wanted_tags(existing: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    """The tags the access point should end with; its Name tag always, since it is found by it."""
    requested = params.get("tags")
    if requested is None:
        tags = dict(existing)
    elif params["purge_tags"]:
        tags = dict(requested)
    else:
        tags = {**existing, **requested}
    tags["Name"] = params["name"]
    return tags


def ensure_present(api: AccessPoints, module: AnsibleAWSModule) -> dict[str, Any]:
    existing = api.find()
    if existing is None:
        tags = wanted_tags({}, module.params)
        planned = {
            "FileSystemId": api.file_system_id,
            "PosixUser": wanted_posix_user(module.params),
            "RootDirectory": wanted_root_directory(module.params),
            "Tags": ansible_dict_to_boto3_tag_list(tags),
        }
        after = snake_result({k: v for k, v in planned.items() if v is not None})
        if not module.check_mode:
            after = snake_result(api.create(tags))
        return {"changed": True, "access_point": after, "diff": {"before": {}, "after": after}}

    before = snake_result(existing)
    fixed = fixed_differences(existing, module.params)
    if fixed:
        module.fail_json(
            msg=f"access point {api.name} ({existing['AccessPointId']}) cannot be changed: "
            + "; ".join(fixed)
            + ". Create an access point under a new name and move the clients to it.",
            access_point=before,
        )
    current_tags = tags_of(existing)
    tags = wanted_tags(current_tags, module.params)
    if tags == current_tags:
        return {"changed": False, "access_point": before, "diff": {"before": before, "after": before}}
    if not module.check_mode:
        api.retag(existing["AccessPointId"], current_tags, tags)
    after = dict(before, tags=tags)
    return {"changed": True, "access_point": after, "diff": {"before": before, "after": after}}


def ensure_absent(api: AccessPoints, module: AnsibleAWSModule) -> dict[str, Any]:
    existing = api.find()
    if existing is None:
        return {"changed": False, "access_point": {}}
    if not module.check_mode:
        api.delete(existing["AccessPointId"])
    return {"changed": True, "access_point": {}, "diff": {"before": snake_result(existing), "after": {}}}


def main() -> None:
    argument_spec = dict(
        file_system_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        posix_user=dict(
            type="dict",
            options=dict(
                uid=dict(type="int", required=True),
                gid=dict(type="int", required=True),
                secondary_gids=dict(type="list", elements="int"),
            ),
        ),
        root_directory=dict(
            type="dict",
            options=dict(
                path=dict(type="str", default="/"),
                creation_info=dict(
                    type="dict",
                    options=dict(
                        owner_uid=dict(type="int", required=True),
                        owner_gid=dict(type="int", required=True),
                        permissions=dict(type="str", required=True),
                    ),
                ),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    api = AccessPoints(module)
    if module.params["state"] == "present":
        outcome = ensure_present(api, module)
    else:
        outcome = ensure_absent(api, module)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
