#!/usr/bin/python
# amazon.aws.rds_instance 10.x has no manage_master_user_password option, so this module sets the
# RDS-managed master password on an instance that rds_instance made, and schedules its rotation.

from __future__ import annotations

DOCUMENTATION = r"""
module: rds_master_user_secret
short_description: Let RDS manage and rotate a DB instance's master password in Secrets Manager
version_added: 0.1.0
description:
  - Turns on C(ManageMasterUserPassword) for an existing DB instance, with the secret encrypted by
    O(kms_key_id). RDS generates a new master password, keeps it in a secret it owns
    (C(rds!db-...), JSON with C(username) and C(password)) and rotates it.
  - An instance made with a password of its own switches to the managed one; from then on the old
    password no longer works. An instance already managed with another key is switched to O(kms_key_id).
  - Schedules the secret's rotation every O(rotation_days) days (Secrets Manager C(RotateSecret)
    with C(RotationRules) and C(RotateImmediately=false), which an RDS-managed secret allows
    without a rotation function), adds O(tags) to the secret, keeping the tags RDS set, and
    attaches O(resource_policy) when it differs from the secret's.
  - In check mode a missing instance (to be created by an earlier task) is reported as a change.
author:
  - Webcast platform engineering
options:
  db_instance_identifier:
    description: The DB instance.
    type: str
    required: true
  kms_key_id:
    description:
      - The KMS key (ARN, id or alias) that encrypts the secret; the account's C(aws/secretsmanager)
        key when omitted.
    type: str
  rotation_days:
    description: Days between automatic rotations of the master password.
    type: int
    default: 7
  tags:
    description: Tags the secret should carry besides those RDS set; never purged.
    type: dict
  resource_policy:
    description:
      - The secret's resource policy (JSON text or a dict); left as it is when omitted.
      - It must leave RDS and the principal running this module able to manage the secret.
    type: json
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let RDS manage the master password with our key, rotated weekly
  webcast.platform.rds_master_user_secret:
    db_instance_identifier: webcast-staging-db
    kms_key_id: "{{ secret_key_arn }}"
    rotation_days: 7
    tags:
      Project: webcast
      Environment: staging
  register: master_secret
"""

RETURN = r"""
secret_arn:
  description: The secret RDS keeps the master credentials in; empty in check mode before it exists.
  returned: always
  type: str
  sample: arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf
kms_key_id:
  description: The ARN of the KMS key that encrypts the secret.
  returned: always
  type: str
secret_status:
  description: RDS's status of the secret (creating, active, rotating, impaired).
  returned: always
  type: str
  sample: active
rotation_enabled:
  description: Whether Secrets Manager rotates the secret automatically.
  returned: always
  type: bool
rotation_days:
  description: Days between automatic rotations (0 when rotation is off).
  returned: always
  type: int
  sample: 7
resource_policy_changed:
  description: Whether the secret's resource policy was (or in check mode would be) replaced.
  returned: always
  type: bool
"""

import json
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def state_of(instance: dict[str, Any] | None, secret: dict[str, Any] | None) -> dict[str, Any]:
    """What the module manages, as the diff shows it: never a value of the secret."""
    managed = (instance or {}).get("MasterUserSecret") or {}
    secret = secret or {}
    rules = secret.get("RotationRules") or {}
    return {
        "manage_master_user_password": bool(managed),
        "secret_arn": managed.get("SecretArn", ""),
        "kms_key_id": managed.get("KmsKeyId", ""),
        "rotation_enabled": bool(secret.get("RotationEnabled")),
        "rotation_days": int(rules.get("AutomaticallyAfterDays", 0)) if secret.get("RotationEnabled") else 0,
        "tags": boto3_tag_list_to_ansible_dict(secret.get("Tags") or []),
    }


def missing_tags(existing: dict[str, str], wanted: dict[str, str] | None) -> dict[str, str]:
    """The wanted tags the secret lacks or holds with another value."""
    return {key: value for key, value in (wanted or {}).items() if existing.get(key) != value}


def needs_rotation_schedule(current: dict[str, Any], days: int) -> bool:
    return not current["rotation_enabled"] or current["rotation_days"] != days


def policy_differs(current: str | None, wanted: dict[str, Any] | None) -> bool:
    """Whether the secret's policy (JSON text or None) differs from the wanted one (False if none wanted)."""
    if wanted is None:
        return False
    if not current:
        return True
    return compare_policies(json.loads(current), wanted)


def fail(module, error, msg: str) -> None:
    module.fail_json_aws(error, msg=msg)


def describe_instance(rds, module, identifier: str) -> dict[str, Any] | None:
    try:
        return rds.describe_db_instances(aws_retry=True, DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to describe DB instance {identifier}")
    return None


def describe_secret(secretsmanager, module, arn: str) -> dict[str, Any] | None:
    if not arn:
        return None
    try:
        return secretsmanager.describe_secret(aws_retry=True, SecretId=arn)
    except secretsmanager.exceptions.ResourceNotFoundException:
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to describe secret {arn}")
    return None


def key_arn(kms, module, key_id: str | None) -> str:
    """The ARN of a key given by ARN, id or alias; empty for the account's default key."""
    if not key_id:
        return ""
    try:
        return kms.describe_key(aws_retry=True, KeyId=key_id)["KeyMetadata"]["Arn"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to describe KMS key {key_id}")
    return ""


def manage_password(rds, module, identifier: str, kms_key: str) -> None:
    request: dict[str, Any] = {
        "DBInstanceIdentifier": identifier,
        "ManageMasterUserPassword": True,
        # Applied at once either way (a password change is never deferred to the maintenance window).
        "ApplyImmediately": True,
    }
    if kms_key:
        request["MasterUserSecretKmsKeyId"] = kms_key
    try:
        rds.modify_db_instance(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to let RDS manage the master password of {identifier}")


def schedule_rotation(secretsmanager, module, arn: str, days: int) -> None:
    try:
        secretsmanager.rotate_secret(
            aws_retry=True,
            SecretId=arn,
            RotationRules={"AutomaticallyAfterDays": days},
            # Only the schedule: the password RDS just set is not replaced now.
            RotateImmediately=False,
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to schedule the rotation of {arn}")


def current_policy(secretsmanager, module, arn: str) -> str | None:
    if not arn:
        return None
    try:
        return secretsmanager.get_resource_policy(aws_retry=True, SecretId=arn).get("ResourcePolicy")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to read the resource policy of {arn}")
    return None


def put_policy(secretsmanager, module, arn: str, policy: dict[str, Any]) -> None:
    try:
        secretsmanager.put_resource_policy(
            aws_retry=True, SecretId=arn, ResourcePolicy=json.dumps(policy), BlockPublicPolicy=True
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to attach the resource policy of {arn}")


def tag_secret(secretsmanager, module, arn: str, tags: dict[str, str]) -> None:
    try:
        secretsmanager.tag_resource(aws_retry=True, SecretId=arn, Tags=ansible_dict_to_boto3_tag_list(tags))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to tag {arn}")


def ensure(module, rds, secretsmanager, kms) -> dict[str, Any]:
    params = module.params
    identifier = params["db_instance_identifier"]
    days = params["rotation_days"]
    instance = describe_instance(rds, module, identifier)
    if instance is None:
        if module.check_mode:
            # An earlier task would create it; the switch and the schedule would follow.
            after = {"manage_master_user_password": True, "rotation_enabled": True, "rotation_days": days}
            return result(True, {}, after, policy_changed=params["resource_policy"] is not None)
        module.fail_json(msg=f"DB instance {identifier} does not exist; create it first (rds_instance)")

    wanted_key = key_arn(kms, module, params["kms_key_id"])
    wanted_policy = json.loads(params["resource_policy"]) if params["resource_policy"] else None
    before = state_of(
        instance, describe_secret(secretsmanager, module, state_of(instance, None)["secret_arn"])
    )
    switch = not before["manage_master_user_password"] or bool(
        wanted_key and before["kms_key_id"] != wanted_key
    )
    if module.check_mode:
        after = dict(before, manage_master_user_password=True, rotation_enabled=True, rotation_days=days)
        if switch:
            after.update(secret_arn="", kms_key_id=wanted_key, tags={})
        after["tags"] = {**after["tags"], **(params["tags"] or {})}
        policy_change = policy_differs(
            None if switch else current_policy(secretsmanager, module, before["secret_arn"]), wanted_policy
        )
        changed = switch or after != before or policy_change
        return result(changed, before, after, policy_changed=policy_change)

    if switch:
        manage_password(rds, module, identifier, wanted_key)
        instance = describe_instance(rds, module, identifier)
    current = state_of(
        instance, describe_secret(secretsmanager, module, state_of(instance, None)["secret_arn"])
    )
    arn = current["secret_arn"]
    if not arn:
        module.fail_json(
            msg=f"RDS reports no master user secret for {identifier} after ManageMasterUserPassword"
        )
    if needs_rotation_schedule(current, days):
        schedule_rotation(secretsmanager, module, arn, days)
    tags = missing_tags(current["tags"], params["tags"])
    if tags:
        tag_secret(secretsmanager, module, arn, tags)
    policy_change = policy_differs(current_policy(secretsmanager, module, arn), wanted_policy)
    if policy_change:
        put_policy(secretsmanager, module, arn, wanted_policy)
    after = state_of(instance, describe_secret(secretsmanager, module, arn))
    return result(switch or after != before or policy_change, before, after, instance, policy_change)


def result(
    changed: bool,
    before: dict[str, Any],
    after: dict[str, Any],
    instance: dict[str, Any] | None = None,
    policy_changed: bool = False,
) -> dict[str, Any]:
    managed = (instance or {}).get("MasterUserSecret") or {}
    return {
        "changed": changed,
        "secret_arn": after.get("secret_arn", ""),
        "kms_key_id": after.get("kms_key_id", ""),
        "secret_status": managed.get("SecretStatus", ""),
        "rotation_enabled": after.get("rotation_enabled", False),
        "rotation_days": after.get("rotation_days", 0),
        "resource_policy_changed": policy_changed,
        "diff": {"before": before, "after": after},
    }


def main() -> None:
    argument_spec = dict(
        db_instance_identifier=dict(type="str", required=True),
        kms_key_id=dict(type="str"),
        rotation_days=dict(type="int", default=7),
        tags=dict(type="dict"),
        resource_policy=dict(type="json"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not 1 <= module.params["rotation_days"] <= 1000:
        module.fail_json(msg=f"rotation_days is {module.params['rotation_days']}; allowed: 1 to 1000")
    rds = retrying_client(module, "rds")
    secretsmanager = retrying_client(module, "secretsmanager")
    kms = retrying_client(module, "kms")
    module.exit_json(**ensure(module, rds, secretsmanager, kms))


if __name__ == "__main__":
    main()
