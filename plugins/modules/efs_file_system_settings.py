#!/usr/bin/python
# community.aws.efs creates file systems, mount targets and lifecycle policies, but cannot set the
# elastic throughput mode, the backup policy or the file system (resource) policy; this module sets
# those on a file system that exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: efs_file_system_settings
short_description: Set the throughput mode, automatic backups and resource policy of an EFS file system
version_added: 0.1.0
description:
  - Converges three settings of an existing EFS file system that community.aws.efs does not manage,
    the throughput mode (including V(elastic)), the backup policy (automatic backups by AWS Backup) and
    the file system policy (the resource policy that NFS clients are authorised against).
  - A setting left unset is left alone. Each is changed with its own call; the diff shows them.
author:
  - Webcast platform engineering
options:
  file_system_id:
    description: The file system, such as V(fs-0123456789abcdef0).
    type: str
    required: true
  throughput_mode:
    description:
      - How throughput scales. V(elastic) follows the workload.
      - V(provisioned) needs O(provisioned_throughput_mibps).
    type: str
    choices: [bursting, provisioned, elastic]
  provisioned_throughput_mibps:
    description: The throughput to provision, in MiB/s, when O(throughput_mode=provisioned).
    type: float
  backup:
    description: Whether AWS Backup takes automatic daily backups of the file system.
    type: bool
  policy:
    description: The file system policy, a JSON document (as a dict or a string).
    type: json
  bypass_policy_lockout_safety_check:
    description: Whether AWS may accept a policy that locks out the caller from changing it again.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Elastic throughput, daily backups, and NFS clients only over TLS
  webcast.platform.efs_file_system_settings:
    file_system_id: "{{ efs.efs.file_system_id }}"
    throughput_mode: elastic
    backup: true
    policy: "{{ lookup('ansible.builtin.template', 'efs_policy.json.j2') }}"
"""

RETURN = r"""
settings:
  description: The three settings after the run (in check mode, as they would be).
  returned: always
  type: dict
  contains:
    throughput_mode: {description: The throughput mode., type: str, sample: elastic}
    provisioned_throughput_mibps: {description: Provisioned MiB/s, or null., type: float}
    backup: {description: Whether automatic backups are on., type: bool}
    policy: {description: The file system policy, or null when there is none., type: dict}
modified:
  description: The settings the run changed (or in check mode would change).
  returned: always
  type: list
  elements: str
  sample: [throughput_mode, backup]
"""

import json
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.webcast.platform.plugins.module_utils.aws import retrying_client


def as_policy(document: Any) -> dict[str, Any] | None:
    if document in (None, ""):
        return None
    return json.loads(document) if isinstance(document, str) else document


def changed_settings(current: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """The settings the parameters ask to change, in a fixed order."""
    changed = []
    mode = params.get("throughput_mode")
    if mode and (
        mode != current["throughput_mode"]
        or (
            mode == "provisioned"
            and params.get("provisioned_throughput_mibps") != current["provisioned_throughput_mibps"]
        )
    ):
        changed.append("throughput_mode")
    if params.get("backup") is not None and params["backup"] != current["backup"]:
        changed.append("backup")
    wanted_policy = as_policy(params.get("policy"))
    if wanted_policy is not None and (
        current["policy"] is None or compare_policies(current["policy"], wanted_policy)
    ):
        changed.append("policy")
    return changed


class FileSystem:
    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.client = retrying_client(module, "efs")
        self.file_system_id = module.params["file_system_id"]

    def _fail(self, error: Exception, doing: str) -> None:
        self.module.fail_json_aws(error, msg=f"Failed to {doing} of EFS file system {self.file_system_id}")

    def settings(self) -> dict[str, Any]:
        try:
            (found,) = self.client.describe_file_systems(aws_retry=True, FileSystemId=self.file_system_id)[
                "FileSystems"
            ]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, ValueError) as e:
            self._fail(e, "describe the throughput")
        return {
            "throughput_mode": found.get("ThroughputMode"),
            "provisioned_throughput_mibps": found.get("ProvisionedThroughputInMibps"),
            "backup": self._backup(),
            "policy": self._policy(),
        }

    def _backup(self) -> bool:
        try:
            status = self.client.describe_backup_policy(aws_retry=True, FileSystemId=self.file_system_id)
        except is_boto3_error_code("PolicyNotFound"):
            return False
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe the backup policy")
        return status["BackupPolicy"]["Status"] in ("ENABLED", "ENABLING")

    def _policy(self) -> dict[str, Any] | None:
        try:
            answer = self.client.describe_file_system_policy(aws_retry=True, FileSystemId=self.file_system_id)
        except is_boto3_error_code("PolicyNotFound"):
            return None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self._fail(e, "describe the file system policy")
        return as_policy(answer.get("Policy"))

    def apply(self, changed: list[str], params: dict[str, Any]) -> None:
        try:
            if "throughput_mode" in changed:
                request = {"FileSystemId": self.file_system_id, "ThroughputMode": params["throughput_mode"]}
                if params["throughput_mode"] == "provisioned":
                    request["ProvisionedThroughputInMibps"] = params["provisioned_throughput_mibps"]
                self.client.update_file_system(aws_retry=True, **request)
            if "backup" in changed:
                status = "ENABLED" if params["backup"] else "DISABLED"
                self.client.put_backup_policy(
                    aws_retry=True, FileSystemId=self.file_system_id, BackupPolicy={"Status": status}
                )
            if "policy" in changed:
                self.client.put_file_system_policy(
                    aws_retry=True,
                    FileSystemId=self.file_system_id,
                    Policy=json.dumps(as_policy(params["policy"])),
                    BypassPolicyLockoutSafetyCheck=params["bypass_policy_lockout_safety_check"],
                )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self._fail(e, f"change the {', '.join(changed)}")


def main() -> None:
    argument_spec = dict(
        file_system_id=dict(type="str", required=True),
        throughput_mode=dict(type="str", choices=["bursting", "provisioned", "elastic"]),
        provisioned_throughput_mibps=dict(type="float"),
        backup=dict(type="bool"),
        policy=dict(type="json"),
        bypass_policy_lockout_safety_check=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("throughput_mode", "provisioned", ["provisioned_throughput_mibps"])],
    )
    file_system = FileSystem(module)
    before = file_system.settings()
    changed = changed_settings(before, module.params)
    wanted = {
        "throughput_mode": module.params.get("throughput_mode"),
        "provisioned_throughput_mibps": module.params.get("provisioned_throughput_mibps"),
        "backup": module.params.get("backup"),
        "policy": as_policy(module.params.get("policy")),
    }
    if changed and not module.check_mode:
        file_system.apply(changed, module.params)
        after = file_system.settings()
    else:
        after = dict(before)
        for key in changed:
            after[key] = wanted[key]
            if key == "throughput_mode":
                after["provisioned_throughput_mibps"] = wanted["provisioned_throughput_mibps"]
    module.exit_json(
        changed=bool(changed), settings=after, modified=changed, diff={"before": before, "after": after}
    )


if __name__ == "__main__":
    main()
