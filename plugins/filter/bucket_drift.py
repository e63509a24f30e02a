"""How a bucket read with s3_bucket_info differs from what a role sets, for check mode to report drift."""

from __future__ import annotations

from typing import Any

DOCUMENTATION = r"""
name: bucket_drift
short_description: How a bucket differs from the settings a role gives it
description:
  - Compares one bucket of M(amazon.aws.s3_bucket_info) (read with the C(bucket_facts)
    C(public_access_block), C(bucket_encryption), C(bucket_versioning) and C(bucket_tagging)) with
    what the role sets, and returns one sentence per difference, empty when there is none.
  - M(amazon.aws.s3_bucket) has no check mode, so C(--check) skips it; a check-mode task can read
    the bucket and report it as changed when this list is not empty, naming what drifted.
  - Only the properties named in O(expected) are compared. The public access block must be fully on;
    tags are compared exactly (the role purges tags it does not set).
positional: expected
options:
  _input:
    description: One entry of the C(buckets) list that M(amazon.aws.s3_bucket_info) returns.
    type: dict
    required: true
  expected:
    description:
      - What the bucket must hold. Keys, each optional
      - C(encryption), the default encryption algorithm (C(AES256), C(aws:kms));
      - C(key_id), the KMS key of C(aws:kms) encryption (its ARN);
      - C(versioning), the versioning status (C(Enabled));
      - C(public_access_block), true when all four settings must be on;
      - C(tags), the exact tags.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Report a bucket that drifted (check mode only)
  ansible.builtin.debug:
    msg: "{{ bucket | webcast.platform.bucket_drift(wanted) }}"
  changed_when: bucket | webcast.platform.bucket_drift(wanted) | length > 0
  vars:
    wanted: {versioning: Enabled, public_access_block: true}
"""

RETURN = r"""
_value:
  description: One sentence per property that differs (what was found, what is wanted); empty when none.
  type: list
  elements: str
"""

_BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _default_rule(bucket: dict[str, Any]) -> dict[str, Any]:
    rules = (bucket.get("bucket_encryption") or {}).get("ServerSideEncryptionConfiguration", {}).get(
        "Rules"
    ) or [{}]
    return rules[0]


def bucket_drift(bucket: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    drift: list[str] = []
    default = _default_rule(bucket).get("ApplyServerSideEncryptionByDefault") or {}
    if "encryption" in expected and default.get("SSEAlgorithm") != expected["encryption"]:
        drift.append(f"encryption is {default.get('SSEAlgorithm') or 'off'}, not {expected['encryption']}")
    if expected.get("key_id") and default.get("KMSMasterKeyID") != expected["key_id"]:
        drift.append(f"encryption key is {default.get('KMSMasterKeyID') or 'none'}, not {expected['key_id']}")
    if "versioning" in expected:
        status = (bucket.get("bucket_versioning") or {}).get("Status") or "never enabled"
        if status != expected["versioning"]:
            drift.append(f"versioning is {status}, not {expected['versioning']}")
    if expected.get("public_access_block"):
        block = (bucket.get("public_access_block") or {}).get("PublicAccessBlockConfiguration") or {}
        off = [name for name in _BLOCK_SETTINGS if block.get(name) is not True]
        if off:
            drift.append(f"public access block is off for {', '.join(off)}")
    if "tags" in expected:
        found = {str(k): str(v) for k, v in (bucket.get("bucket_tagging") or {}).items()}
        wanted = {str(k): str(v) for k, v in expected["tags"].items()}
        if found != wanted:
            differing = sorted(k for k in found.keys() | wanted.keys() if found.get(k) != wanted.get(k))
            drift.append(f"tags differ: {', '.join(differing)}")
    return drift


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"bucket_drift": bucket_drift}
