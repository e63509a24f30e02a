#!/usr/bin/python
# The security audit of one environment, read from what AWS reports rather than from the roles that
# built it, so drift and hand-made resources are found too. Security Hub would report most of these
# controls, but hours later, per account, and only where it is enabled; this runs in the pipeline.

from __future__ import annotations

DOCUMENTATION = r"""
module: webcast_security_audit
short_description: Audit one environment of the webcast platform against its security controls
version_added: 0.3.0
description:
  - Reads, without changing anything, one environment (O(project) and O(environment)) and the
    account it lives in, and reports every breach of the platform's security controls as a
    finding (control id, severity, resource, what was found, what is expected).
  - Controls are named after the AWS Foundational Security Best Practices (FSBP) controls where one
    exists (V(EC2.19), V(S3.5), V(RDS.3), ...); controls of the platform's own start with
    V(WEBCAST.). docs/security-audit.md lists them all.
  - Resources are found by their C(Project) and C(Environment) tags, or by names starting with
    C(<project>-<env>-) for resources made by hand without tags; everything in the environment's
    VPC belongs to it. Account-wide controls (EBS encryption by default, CloudTrail, GuardDuty,
    Security Hub, the password policy, S3 account public access block, alarms) read the account
    in the region.
  - A control whose service has nothing in the environment (no CloudFront distribution yet, no
    database) is reported as not applicable, with the reason, instead of passing silently.
  - A control listed in O(skip) is not evaluated; it is reported as skipped with its reason.
  - The module never fails because of findings, the caller decides (RV(failing)). It fails on an
    API error, naming what it was reading.
author:
  - Webcast platform engineering
options:
  project:
    description: The project, the first part of every name and the C(Project) tag.
    type: str
    required: true
  environment:
    description: The environment, the second part of every name and the C(Environment) tag.
    type: str
    required: true
    aliases: [env]
  rtmp_allowlist:
    description:
      - The IPv4/IPv6 CIDRs allowed to reach the RTMP ingest port (1935), such as the encoders of
        the production company. Any other source outside the VPC is a finding of V(WEBCAST.RTMP.1);
        a world-open 1935 is a finding of V(EC2.18) whatever this list holds.
    type: list
    elements: str
    default: []
  deletion_protection_required:
    description: Whether RDS instances must have deletion protection (V(RDS.8)); true for production.
    type: bool
    default: false
  allowed_ssl_policies:
    description: The ALB security policies accepted on HTTPS listeners (V(ELB.17)); all TLS 1.2 or newer.
    type: list
    elements: str
    default:
      - ELBSecurityPolicy-TLS13-1-2-2021-06
      - ELBSecurityPolicy-TLS13-1-2-Res-2021-06
      - ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06
      - ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06
      - ELBSecurityPolicy-TLS13-1-3-2021-06
      - ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04
      - ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04
      - ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04
      - ELBSecurityPolicy-TLS-1-2-2017-01
      - ELBSecurityPolicy-TLS-1-2-Ext-2018-06
      - ELBSecurityPolicy-FS-1-2-2019-08
      - ELBSecurityPolicy-FS-1-2-Res-2019-08
      - ELBSecurityPolicy-FS-1-2-Res-2020-10
  versioned_buckets:
    description: The bucket components (C(Component) tag or name suffix) that must have versioning (V(S3.14)).
    type: list
    elements: str
    default: [media, backups]
  logged_buckets:
    description: The bucket components that must have server access logging (V(S3.9)).
    type: list
    elements: str
    default: [media, backups]
  kms_buckets:
    description: The bucket components that must use SSE-KMS with a bucket key (V(WEBCAST.S3.1)).
    type: list
    elements: str
    default: [media, backups]
  trust_exempt_services:
    description:
      - Service principals that V(WEBCAST.IAM.2) does not ask for C(aws:SourceAccount)/C(aws:SourceArn),
        because AWS sets neither key when that service assumes the role, so the condition would
        deny the service the role.
      - C(ec2.amazonaws.com) by default. EC2 assumes an instance role to deliver an instance
        profile's credentials, not on behalf of another account's resource. AWS documents
        C(aws:SourceAccount) as present in the request context only when an AWS service principal
        calls on behalf of a resource (IAM User Guide, "AWS global condition context keys"), and
        documents neither key for instance profiles, where services that set them (CloudTrail,
        Config, Backup, RDS monitoring, EC2 Auto Scaling) say so in their "cross-service confused
        deputy prevention" pages. A C(StringEquals) on a key the request lacks denies, so the
        condition would stop credential delivery. The deputy cannot be confused across accounts
        either, as a role is attached to an instance only through an instance profile of the role's
        own account, by a principal allowed C(iam:PassRole) on it.
      - Any other service without either key is a V(medium) finding.
    type: list
    elements: str
    default: [ec2.amazonaws.com]
  secret_rotation_exempt:
    description:
      - Secrets that do not rotate by decision, each with the reason. V(SecretsManager.1) reports such
        a secret as a V(warning) (not counted in RV(failing)) instead of a V(medium) finding.
    type: list
    elements: dict
    default: []
    suboptions:
      secret:
        description: The secret's name under C(/<project>/<env>/), such as V(redis/auth-token).
        type: str
        required: true
      reason:
        description: Why it does not rotate (a decision record).
        type: str
        required: true
  skip:
    description: Controls not to evaluate, each with the reason, which the result repeats.
    type: list
    elements: dict
    default: []
    suboptions:
      control:
        description: The control id, such as V(CloudFront.6).
        type: str
        required: true
      reason:
        description: Why it is skipped (a ticket, a decision record).
        type: str
        required: true
notes:
  - Read-only; check mode changes nothing because nothing is ever changed.
  - Severities are V(critical), V(high), V(medium), V(low) and V(warning). Warnings are reported
    with the findings but not counted in RV(failing).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Audit the production environment
  webcast.platform.webcast_security_audit:
    project: webcast
    environment: production
    rtmp_allowlist: [198.51.100.0/24]
    deletion_protection_required: true
    skip:
      - control: CloudFront.1
        reason: the app answers / itself; a default root object would hide it (docs/decisions)
  register: audit

- name: Fail on any finding
  ansible.builtin.fail:
    msg: "{{ audit.failing }} security findings"
  when: audit.failing > 0
"""

RETURN = r"""
findings:
  description: Every finding, most severe first, then by control and resource.
  returned: always
  type: list
  elements: dict
  contains:
    control: {description: The control id., type: str, sample: EC2.19}
    title: {description: "What the control expects, in one line.", type: str}
    severity:
      description: V(critical), V(high), V(medium), V(low) or V(warning).
      type: str
      sample: critical
    resource: {description: "The resource (id, name or ARN).", type: str, sample: sg-0123456789abcdef0}
    found: {description: What was found., type: str, sample: tcp 22 open from 0.0.0.0/0}
    expected: {description: What the control expects instead., type: str}
counts:
  description: The number of findings per severity, and C(total).
  returned: always
  type: dict
  sample: {critical: 1, high: 2, medium: 0, low: 0, warning: 1, total: 4}
failing:
  description: The number of findings that should fail a pipeline (every severity but V(warning)).
  returned: always
  type: int
  sample: 3
passed:
  description: The controls evaluated without a finding.
  returned: always
  type: list
  elements: str
not_applicable:
  description: The controls with nothing to check in this environment, and why.
  returned: always
  type: list
  elements: dict
  contains:
    control: {description: The control id., type: str}
    title: {description: The control's title., type: str}
    reason: {description: Why there is nothing to check., type: str}
skipped:
  description: The controls skipped through O(skip), with the reason given.
  returned: always
  type: list
  elements: dict
  contains:
    control: {description: The control id., type: str}
    title: {description: The control's title., type: str}
    reason: {description: The reason given., type: str}
environment_found:
  description:
    - Whether the environment has a VPC. When it has none every control of its resources is not
      applicable and only the account's controls are evaluated; the module then warns, since a
      misspelt environment would otherwise pass.
  returned: always
  type: bool
controls:
  description: Every control the module knows, with its title and severity.
  returned: always
  type: list
  elements: dict
"""

import ipaddress
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code,
    paginated_query_with_retries,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.webcast.platform.plugins.module_utils.aws import (
    RETRY,
    batches,
    without_account_label,
)
from ansible_collections.webcast.platform.plugins.module_utils.naming import (
    NamingError,
    environment_filters,
    in_environment,
    name_prefix,
)

SEVERITIES = ("critical", "high", "medium", "low", "warning")
WORLD = ("0.0.0.0/0", "::/0")
SSH = 22
RDP = 3389
RTMP = 1935
ALB_WORLD_PORTS = {(80, 80), (443, 443)}
# CloudFront's viewer security policies, oldest first (the API's MinimumProtocolVersion values).
CLOUDFRONT_TLS = (
    "SSLv3",
    "TLSv1",
    "TLSv1_2016",
    "TLSv1.1_2016",
    "TLSv1.2_2018",
    "TLSv1.2_2019",
    "TLSv1.2_2021",
    "TLSv1.2_2025",
    "TLSv1.3_2025",
)
CLOUDFRONT_MIN_TLS = "TLSv1.2_2021"
# Condition keys that restrict a policy granting "*" to known callers (AWS's own test of "public").
RESTRICTING_KEYS = {
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceorgid",
}
CONFUSED_DEPUTY_KEYS = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
# AWS managed policies that grant administration: attached to an environment role, they are IAM.1.
ADMIN_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
PASSWORD_MIN_LENGTH = 14  # CIS 1.8
PASSWORD_REUSE = 24  # CIS 1.9


# --- findings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The module's parameters that controls read."""

    rtmp_allowlist: tuple[str, ...] = ()
    deletion_protection_required: bool = False
    allowed_ssl_policies: tuple[str, ...] = ()
    versioned_buckets: tuple[str, ...] = ("media", "backups")
    logged_buckets: tuple[str, ...] = ("media", "backups")
    trust_exempt_services: tuple[str, ...] = ("ec2.amazonaws.com",)
    kms_buckets: tuple[str, ...] = ("media", "backups")
    # (name under /<project>/<env>/, reason): secrets that do not rotate by decision (SecretsManager.1).
    secret_rotation_exempt: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NotApplicable:
    """What a control returns when its service has nothing in the environment."""

    reason: str


def finding(resource: str, found: str, expected: str, severity: str | None = None) -> dict[str, Any]:
    """A finding without its control: the audit adds the control's id, title and default severity."""
    result = {"resource": resource, "found": found, "expected": expected}
    if severity:
        result["severity"] = severity
    return result


def tags_of(resource: dict[str, Any], key: str = "Tags") -> dict[str, str]:
    return boto3_tag_list_to_ansible_dict(resource.get(key) or [])


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_document(document: Any) -> dict[str, Any]:
    """A policy as a dict: boto3 decodes most IAM documents, but some answers are URL-encoded JSON."""
    if isinstance(document, dict):
        return document
    if not document:
        return {}
    text = document if document.lstrip().startswith("{") else unquote(document)
    return json.loads(text)


def statements(document: Any) -> list[dict[str, Any]]:
    return as_list(policy_document(document).get("Statement"))


def condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key.lower() for block in (statement.get("Condition") or {}).values() for key in block}


# --- network ---------------------------------------------------------------------------------------


def covers_port(permission: dict[str, Any], port: int) -> bool:
    """Whether a security group permission lets TCP traffic to port through."""
    protocol = str(permission.get("IpProtocol"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    return permission.get("FromPort", 0) <= port <= permission.get("ToPort", 65535)


def port_text(permission: dict[str, Any]) -> str:
    protocol = str(permission.get("IpProtocol"))
    if protocol == "-1":
        return "all traffic"
    low, high = permission.get("FromPort"), permission.get("ToPort")
    ports = "all ports" if low in (None, -1) else (str(low) if low == high else f"{low}-{high}")
    return f"{protocol} {ports}"


def cidr_sources(permission: dict[str, Any]) -> list[str]:
    return [r["CidrIp"] for r in permission.get("IpRanges", [])] + [
        r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])
    ]


def all_sources(permission: dict[str, Any]) -> list[str]:
    return (
        cidr_sources(permission)
        + [p["PrefixListId"] for p in permission.get("PrefixListIds", [])]
        + [g["GroupId"] for g in permission.get("UserIdGroupPairs", []) if g.get("GroupId")]
    )


def group_label(group: dict[str, Any]) -> str:
    return f"{group['GroupId']} ({group.get('GroupName', '')})"


def world_open(groups: list[dict[str, Any]], alb_group_ids: set[str]) -> list[dict[str, Any]]:
    """Ingress from 0.0.0.0/0 or ::/0, except 80 and 443 on the load balancer's groups."""
    found = []
    for group in groups:
        for permission in group.get("IpPermissions", []):
            world = [c for c in cidr_sources(permission) if c in WORLD]
            if not world:
                continue
            ports = (permission.get("FromPort"), permission.get("ToPort"))
            if (
                group["GroupId"] in alb_group_ids
                and permission.get("IpProtocol") == "tcp"
                and ports in ALB_WORLD_PORTS
            ):
                continue
            for cidr in world:
                found.append(
                    finding(
                        group_label(group),
                        f"{port_text(permission)} open from {cidr}",
                        "only tcp 80 and 443 on the load balancer's group are open to the world; "
                        "RTMP 1935 only from the allowlist",
                    )
                )
    return found


def check_world_open(facts, opts: Options):
    groups = facts["security_groups"]
    if not groups:
        return NotApplicable("no security group in the environment")
    return world_open(groups, facts["alb_security_group_ids"])


def admin_port_open(groups: list[dict[str, Any]], port: int, name: str) -> list[dict[str, Any]]:
    found = []
    for group in groups:
        for permission in group.get("IpPermissions", []):
            if not covers_port(permission, port):
                continue
            for source in all_sources(permission):
                found.append(
                    finding(
                        group_label(group),
                        f"{name} ({port_text(permission)}) open from {source}",
                        f"no ingress to {name} at all: operators use SSM Session Manager",
                        severity="critical" if source in WORLD else "high",
                    )
                )
    return found


def check_ssh(facts, opts: Options):
    groups = facts["security_groups"]
    return admin_port_open(groups, SSH, "SSH") if groups else NotApplicable("no security group")


def check_rdp(facts, opts: Options):
    groups = facts["security_groups"]
    return admin_port_open(groups, RDP, "RDP") if groups else NotApplicable("no security group")


def within_any(cidr: str, networks: Iterable[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for other in networks:
        candidate = ipaddress.ip_network(other, strict=False)
        if net.version == candidate.version and net.subnet_of(candidate):
            return True
    return False


def rtmp_outside_allowlist(
    groups: list[dict[str, Any]], allowlist: Iterable[str], vpc_cidrs: Iterable[str]
) -> list[dict[str, Any]]:
    """RTMP ingress from a CIDR that is neither allowlisted nor inside the VPC (world-open is EC2.18's)."""
    allowed = list(allowlist)
    inside = list(vpc_cidrs)
    found = []
    for group in groups:
        for permission in group.get("IpPermissions", []):
            if not covers_port(permission, RTMP):
                continue
            for cidr in cidr_sources(permission):
                if cidr in WORLD or within_any(cidr, allowed) or within_any(cidr, inside):
                    continue
                found.append(
                    finding(
                        group_label(group),
                        f"RTMP ({port_text(permission)}) open from {cidr}, not in the allowlist",
                        f"1935 only from the RTMP allowlist ({', '.join(allowed) or 'empty'})",
                    )
                )
    return found


def check_rtmp(facts, opts: Options):
    groups = facts["security_groups"]
    if not groups:
        return NotApplicable("no security group")
    vpc_cidrs = [v["CidrBlock"] for v in facts["vpcs"]]
    return rtmp_outside_allowlist(groups, opts.rtmp_allowlist, vpc_cidrs)


def check_default_security_group(facts, opts: Options):
    vpc_ids = {v["VpcId"] for v in facts["vpcs"]}
    if not vpc_ids:
        return NotApplicable("no VPC in the environment")
    found = []
    for group in facts["security_groups"]:
        if group.get("GroupName") != "default" or group.get("VpcId") not in vpc_ids:
            continue
        for key, direction in (("IpPermissions", "inbound"), ("IpPermissionsEgress", "outbound")):
            rules = group.get(key, [])
            if rules:
                found.append(
                    finding(
                        group_label(group),
                        f"{len(rules)} {direction} rule(s): "
                        + "; ".join(f"{port_text(r)} {'/'.join(all_sources(r))}" for r in rules),
                        "the default security group has no rule (nothing may use it)",
                    )
                )
    return found


def nacl_allows_from_world(acl: dict[str, Any], port: int) -> str | None:
    """The world CIDR from which the ACL's inbound rules let TCP port through, if any.

    Rules apply in number order, first match wins; a narrower rule cannot stop "from anywhere", so
    only the rules whose CIDR is the world decide.
    """
    for world in WORLD:
        entries = sorted(
            (
                e
                for e in acl.get("Entries", [])
                if not e.get("Egress") and (e.get("CidrBlock") or e.get("Ipv6CidrBlock")) == world
            ),
            key=lambda e: e["RuleNumber"],
        )
        for entry in entries:
            protocol = str(entry.get("Protocol"))
            span = entry.get("PortRange") or {}
            if protocol == "-1" or (protocol == "6" and span.get("From", 0) <= port <= span.get("To", 65535)):
                if entry.get("RuleAction") == "allow":
                    return world
                break
    return None


def check_default_nacl(facts, opts: Options):
    acls = facts["default_network_acls"]
    if not acls:
        return NotApplicable("no VPC in the environment")
    found = []
    for acl in acls:
        for port, name in ((SSH, "SSH"), (RDP, "RDP")):
            world = nacl_allows_from_world(acl, port)
            if world:
                found.append(
                    finding(
                        acl["NetworkAclId"],
                        f"the default network ACL allows {name} (tcp {port}) from {world}",
                        f"a deny rule for tcp {port} from 0.0.0.0/0 and ::/0 before any allow",
                    )
                )
    return found


def check_subnet_public_ip(facts, opts: Options):
    subnets = facts["subnets"]
    if not subnets:
        return NotApplicable("no subnet in the environment")
    return [
        finding(
            subnet["SubnetId"],
            "MapPublicIpOnLaunch is true",
            "no subnet gives instances a public address (the ALB and NAT gateways have their own)",
        )
        for subnet in subnets
        if subnet.get("MapPublicIpOnLaunch")
    ]


# --- encryption at rest ----------------------------------------------------------------------------


def check_ebs_volumes(facts, opts: Options):
    volumes = facts["volumes"]
    if not volumes:
        return NotApplicable("no EBS volume in the environment")
    return [
        finding(v["VolumeId"], "the volume is not encrypted", "every EBS volume encrypted with KMS")
        for v in volumes
        if not v.get("Encrypted")
    ]


def check_ebs_default(facts, opts: Options):
    if facts["ebs_encryption_by_default"]:
        return []
    return [
        finding(
            "account (this region)",
            "EBS encryption by default is off",
            "EBS encryption by default on, so no new volume is ever plain",
        )
    ]


def check_rds_encrypted(facts, opts: Options):
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    return [
        finding(db["DBInstanceIdentifier"], "StorageEncrypted is false", "storage encrypted with KMS")
        for db in dbs
        if not db.get("StorageEncrypted")
    ]


def check_efs_encrypted(facts, opts: Options):
    file_systems = facts["file_systems"]
    if not file_systems:
        return NotApplicable("no EFS file system in the environment")
    return [
        finding(fs["FileSystemId"], "Encrypted is false", "the file system encrypted at rest with KMS")
        for fs in file_systems
        if not fs.get("Encrypted")
    ]


def check_cache_at_rest(facts, opts: Options):
    groups = facts["replication_groups"]
    if not groups:
        return NotApplicable("no ElastiCache replication group in the environment")
    return [
        finding(g["ReplicationGroupId"], "AtRestEncryptionEnabled is false", "encryption at rest on")
        for g in groups
        if not g.get("AtRestEncryptionEnabled")
    ]


def check_cache_in_transit(facts, opts: Options):
    groups = facts["replication_groups"]
    if not groups:
        return NotApplicable("no ElastiCache replication group in the environment")
    found = []
    for group in groups:
        if not group.get("TransitEncryptionEnabled"):
            what = "TransitEncryptionEnabled is false"
        elif group.get("TransitEncryptionMode") == "preferred":
            what = "TransitEncryptionMode is preferred (plain connections still accepted)"
        else:
            continue
        found.append(finding(group["ReplicationGroupId"], what, "TLS required for every connection"))
    return found


def check_s3_encryption(facts, opts: Options):
    buckets = facts["buckets"]
    if not buckets:
        return NotApplicable("no S3 bucket in the environment")
    return [
        finding(b["Name"], "no default encryption", "default encryption (SSE-KMS or SSE-S3)")
        for b in buckets
        if not b["encryption"]
    ]


def check_sns_encrypted(facts, opts: Options):
    topics = facts["topics"]
    if not topics:
        return NotApplicable("no SNS topic in the environment")
    return [
        finding(t["TopicArn"], "no KmsMasterKeyId", "the topic encrypted with a KMS key")
        for t in topics
        if not t["attributes"].get("KmsMasterKeyId")
    ]


def check_kms_rotation(facts, opts: Options):
    keys = facts["kms_keys"]
    if not keys:
        return NotApplicable("no enabled symmetric customer managed KMS key in the environment")
    return [
        finding(k["Arn"], "automatic key rotation is off", "yearly automatic rotation on")
        for k in keys
        if not k["rotation"]
    ]


# --- S3 --------------------------------------------------------------------------------------------

BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def block_gaps(configuration: dict[str, Any] | None) -> list[str]:
    return [key for key in BLOCK_KEYS if not (configuration or {}).get(key)]


def check_s3_account_block(facts, opts: Options):
    gaps = block_gaps(facts["account_public_access_block"])
    if not gaps:
        return []
    return [
        finding(
            f"account {facts['account_id']}",
            f"account public access block off: {', '.join(gaps)}",
            "all four settings of the account's S3 Block Public Access on",
        )
    ]


def check_s3_bucket_block(facts, opts: Options):
    buckets = facts["buckets"]
    if not buckets:
        return NotApplicable("no S3 bucket in the environment")
    found = []
    for bucket in buckets:
        gaps = block_gaps(bucket["public_access_block"])
        if gaps:
            found.append(
                finding(
                    bucket["Name"],
                    f"bucket public access block off: {', '.join(gaps)}",
                    "all four settings of the bucket's Block Public Access on",
                )
            )
    return found


def is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in as_list(principal.get("AWS"))
    return False


def public_statements(policy: Any) -> list[str]:
    """The Sids (or positions) of Allow statements granting "*" without a restricting condition."""
    public = []
    for index, statement in enumerate(statements(policy)):
        if statement.get("Effect") != "Allow" or not is_everyone(statement.get("Principal")):
            continue
        if condition_keys(statement) & RESTRICTING_KEYS:
            continue
        public.append(statement.get("Sid") or f"#{index}")
    return public


def check_s3_public_policy(facts, opts: Options):
    buckets = facts["buckets"]
    if not buckets:
        return NotApplicable("no S3 bucket in the environment")
    found = []
    for bucket in buckets:
        public = public_statements(bucket["policy"])
        if public:
            found.append(
                finding(
                    bucket["Name"],
                    f'the bucket policy grants "*" ({", ".join(public)})',
                    "access only for named principals or CloudFront with an aws:SourceArn condition",
                    severity="critical",
                )
            )
    return found


def denies_plain_http(policy: Any) -> bool:
    for statement in statements(policy):
        if statement.get("Effect") != "Deny":
            continue
        for operator, block in (statement.get("Condition") or {}).items():
            if not operator.lower().startswith("bool"):
                continue
            for key, value in block.items():
                if key.lower() == "aws:securetransport" and str(as_list(value)[0]).lower() == "false":
                    return True
    return False


def check_s3_tls(facts, opts: Options):
    buckets = facts["buckets"]
    if not buckets:
        return NotApplicable("no S3 bucket in the environment")
    return [
        finding(
            b["Name"],
            "no policy statement denies requests without TLS",
            'a Deny of s3:* with Condition Bool aws:SecureTransport "false"',
        )
        for b in buckets
        if not denies_plain_http(b["policy"])
    ]


def buckets_of(buckets: list[dict[str, Any]], components: Iterable[str]) -> list[dict[str, Any]]:
    wanted = set(components)
    return [b for b in buckets if b["component"] in wanted]


def check_s3_versioning(facts, opts: Options):
    buckets = buckets_of(facts["buckets"], opts.versioned_buckets)
    if not buckets:
        return NotApplicable(f"no bucket of the components {', '.join(opts.versioned_buckets)}")
    return [
        finding(b["Name"], f"versioning is {b['versioning'] or 'never enabled'}", "versioning Enabled")
        for b in buckets
        if b["versioning"] != "Enabled"
    ]


def check_s3_logging(facts, opts: Options):
    buckets = buckets_of(facts["buckets"], opts.logged_buckets)
    if not buckets:
        return NotApplicable(f"no bucket of the components {', '.join(opts.logged_buckets)}")
    return [
        finding(b["Name"], "server access logging is off", "server access logs to the logs bucket")
        for b in buckets
        if not b["logging"]
    ]


# --- IMDS ------------------------------------------------------------------------------------------


def allows_imdsv1(metadata: dict[str, Any] | None) -> bool:
    metadata = metadata or {}
    if metadata.get("HttpEndpoint") == "disabled":
        return False
    return metadata.get("HttpTokens") != "required"


def check_launch_template_imds(facts, opts: Options):
    templates = facts["launch_templates"]
    if not templates:
        return NotApplicable("no launch template in the environment")
    found = []
    for template in templates:
        for version in template["versions"]:
            metadata = version.get("LaunchTemplateData", {}).get("MetadataOptions")
            if allows_imdsv1(metadata):
                which = "/".join(version["which"])
                found.append(
                    finding(
                        f"{template['LaunchTemplateName']} v{version['VersionNumber']} ({which})",
                        f"HttpTokens is {(metadata or {}).get('HttpTokens') or 'unset (optional)'}",
                        "MetadataOptions.HttpTokens required (IMDSv2 only)",
                    )
                )
    return found


def check_instance_imds(facts, opts: Options):
    instances = facts["instances"]
    if not instances:
        return NotApplicable("no running instance in the environment")
    return [
        finding(
            i["InstanceId"],
            f"HttpTokens is {(i.get('MetadataOptions') or {}).get('HttpTokens') or 'unset'}",
            "HttpTokens required (IMDSv2 only)",
        )
        for i in instances
        if allows_imdsv1(i.get("MetadataOptions"))
    ]


# --- databases -------------------------------------------------------------------------------------


def check_rds_public(facts, opts: Options):
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    return [
        finding(db["DBInstanceIdentifier"], "PubliclyAccessible is true", "PubliclyAccessible false")
        for db in dbs
        if db.get("PubliclyAccessible")
    ]


def check_db_groups_world(facts, opts: Options):
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    groups = facts["db_security_groups"]
    found = []
    for db in dbs:
        for ref in db.get("VpcSecurityGroups", []):
            group = groups.get(ref["VpcSecurityGroupId"])
            for permission in (group or {}).get("IpPermissions", []):
                for cidr in cidr_sources(permission):
                    if cidr in WORLD:
                        found.append(
                            finding(
                                f"{db['DBInstanceIdentifier']} / {group_label(group)}",
                                f"{port_text(permission)} open from {cidr}",
                                "the database's groups accept only the app group",
                            )
                        )
    return found


def check_rds_iam_auth(facts, opts: Options):
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    return [
        finding(
            db["DBInstanceIdentifier"],
            "IAMDatabaseAuthenticationEnabled is false",
            "IAM database authentication on",
        )
        for db in dbs
        if not db.get("IAMDatabaseAuthenticationEnabled")
    ]


def check_rds_deletion_protection(facts, opts: Options):
    if not opts.deletion_protection_required:
        return NotApplicable("deletion protection is not required here (deletion_protection_required)")
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    return [
        finding(db["DBInstanceIdentifier"], "DeletionProtection is false", "DeletionProtection true")
        for db in dbs
        if not db.get("DeletionProtection")
    ]


def check_rds_backups(facts, opts: Options):
    dbs = facts["db_instances"]
    if not dbs:
        return NotApplicable("no RDS instance in the environment")
    return [
        finding(db["DBInstanceIdentifier"], "BackupRetentionPeriod is 0", "automated backups kept 1+ days")
        for db in dbs
        if not db.get("BackupRetentionPeriod")
    ]


# --- TLS -------------------------------------------------------------------------------------------


def listeners_of(facts, protocol: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (lb, listener)
        for lb in facts["load_balancers"]
        for listener in lb["listeners"]
        if listener.get("Protocol") == protocol
    ]


def redirects_to_https(listener: dict[str, Any]) -> bool:
    return any(
        action.get("Type") == "redirect" and (action.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
        for action in listener.get("DefaultActions", [])
    )


def check_alb_redirect(facts, opts: Options):
    if not facts["load_balancers"]:
        return NotApplicable("no application load balancer in the environment")
    return [
        finding(
            f"{lb['LoadBalancerName']} :{listener.get('Port')}",
            "the HTTP listener's default action does not redirect to HTTPS",
            "a redirect to HTTPS (HTTP_301)",
        )
        for lb, listener in listeners_of(facts, "HTTP")
        if not redirects_to_https(listener)
    ]


def check_alb_tls_policy(facts, opts: Options):
    if not facts["load_balancers"]:
        return NotApplicable("no application load balancer in the environment")
    allowed = set(opts.allowed_ssl_policies)
    return [
        finding(
            f"{lb['LoadBalancerName']} :{listener.get('Port')}",
            f"SslPolicy is {listener.get('SslPolicy') or 'unset'}",
            "a TLS 1.2+ policy: " + ", ".join(sorted(allowed)),
        )
        for lb, listener in listeners_of(facts, "HTTPS")
        if listener.get("SslPolicy") not in allowed
    ]


def cache_behaviors(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    behaviors = [("default", config.get("DefaultCacheBehavior") or {})]
    behaviors += [
        (b.get("PathPattern", "?"), b) for b in (config.get("CacheBehaviors") or {}).get("Items") or []
    ]
    return behaviors


def check_cloudfront_https(facts, opts: Options):
    distributions = facts["distributions"]
    if not distributions:
        return NotApplicable("no CloudFront distribution in the environment")
    return [
        finding(
            f"{d['Id']} {path}",
            "ViewerProtocolPolicy is allow-all",
            "redirect-to-https or https-only on every behaviour",
        )
        for d in distributions
        for path, behavior in cache_behaviors(d["config"])
        if behavior.get("ViewerProtocolPolicy") not in ("redirect-to-https", "https-only")
    ]


def viewer_tls_gap(config: dict[str, Any]) -> str | None:
    certificate = config.get("ViewerCertificate") or {}
    if certificate.get("CloudFrontDefaultCertificate"):
        return "the default *.cloudfront.net certificate (which accepts TLSv1)"
    version = certificate.get("MinimumProtocolVersion")
    if version not in CLOUDFRONT_TLS:
        return f"MinimumProtocolVersion is {version or 'unset'}"
    if CLOUDFRONT_TLS.index(version) < CLOUDFRONT_TLS.index(CLOUDFRONT_MIN_TLS):
        return f"MinimumProtocolVersion is {version}"
    return None


def check_cloudfront_tls(facts, opts: Options):
    distributions = facts["distributions"]
    if not distributions:
        return NotApplicable("no CloudFront distribution in the environment")
    found = []
    for d in distributions:
        gap = viewer_tls_gap(d["config"])
        if gap:
            found.append(
                finding(
                    d["Id"], gap, f"our certificate (SNI) with MinimumProtocolVersion {CLOUDFRONT_MIN_TLS}+"
                )
            )
    return found


def check_cloudfront_logging(facts, opts: Options):
    distributions = facts["distributions"]
    if not distributions:
        return NotApplicable("no CloudFront distribution in the environment")
    return [
        finding(d["Id"], "standard logging is off", "access logs to the logs bucket")
        for d in distributions
        if not (d["config"].get("Logging") or {}).get("Enabled")
    ]


def check_cloudfront_root_object(facts, opts: Options):
    distributions = facts["distributions"]
    if not distributions:
        return NotApplicable("no CloudFront distribution in the environment")
    return [
        finding(d["Id"], "no DefaultRootObject", "a DefaultRootObject, so / never lists an origin")
        for d in distributions
        if not d["config"].get("DefaultRootObject")
    ]


def check_cloudfront_waf(facts, opts: Options):
    distributions = facts["distributions"]
    if not distributions:
        return NotApplicable("no CloudFront distribution in the environment")
    return [
        finding(d["Id"], "no web ACL", "the environment's WAF web ACL associated")
        for d in distributions
        if not d["config"].get("WebACLId")
    ]


# --- IAM -------------------------------------------------------------------------------------------


def broad_actions(document: Any) -> tuple[list[str], list[str]]:
    """(full wildcard actions, service-wide wildcard actions on "*") of a policy's Allow statements."""
    full, service = [], []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in as_list(statement.get("Action"))]
        resources = as_list(statement.get("Resource"))
        full += [a for a in actions if a == "*"]
        if "*" in resources:
            service += [a for a in actions if a != "*" and a.endswith(":*")]
    return full, service


def role_policies(role: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"inline {name}", doc) for name, doc in role["inline"]] + [
        (f"policy {arn}", doc) for arn, doc in role["attached"]
    ]


def check_iam_full_admin(facts, opts: Options):
    roles = facts["roles"]
    if not roles:
        return NotApplicable("no IAM role of the environment")
    found = []
    for role in roles:
        for label, document in role_policies(role):
            full, _ = broad_actions(document)
            if full:
                found.append(
                    finding(role["RoleName"], f'{label} allows Action "*"', "only the actions the role needs")
                )
        for arn in role["aws_managed_admin"]:
            found.append(finding(role["RoleName"], f"{arn} is attached", "only the actions the role needs"))
    return found


def check_iam_service_wildcard(facts, opts: Options):
    roles = facts["roles"]
    if not roles:
        return NotApplicable("no IAM role of the environment")
    found = []
    for role in roles:
        for label, document in role_policies(role):
            _, service = broad_actions(document)
            if service:
                found.append(
                    finding(
                        role["RoleName"],
                        f'{label} allows {", ".join(sorted(set(service)))} on Resource "*"',
                        "named actions, or a service wildcard only on named resources",
                    )
                )
    return found


def unconditioned_services(trust: Any, exempt: Iterable[str] = ()) -> list[str]:
    """The service principals an Allow statement trusts without a confused-deputy condition."""
    services = []
    for statement in statements(trust):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        named = as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if named and not condition_keys(statement) & CONFUSED_DEPUTY_KEYS:
            services += [service for service in named if service not in exempt]
    return services


def check_iam_trust(facts, opts: Options):
    roles = facts["roles"]
    if not roles:
        return NotApplicable("no IAM role of the environment")
    found = []
    for role in roles:
        for service in unconditioned_services(role["AssumeRolePolicyDocument"], opts.trust_exempt_services):
            found.append(
                finding(
                    role["RoleName"],
                    f"trusts {service} without aws:SourceAccount or aws:SourceArn",
                    "a condition on aws:SourceAccount or aws:SourceArn (confused deputy)",
                )
            )
    return found


# --- account ---------------------------------------------------------------------------------------


def check_cloudtrail_multi_region(facts, opts: Options):
    trails = facts["trails"]
    if any(t.get("IsMultiRegionTrail") and t["logging"] for t in trails):
        return []
    return [
        finding(
            f"account {facts['account_id']}",
            f"no logging multi-region trail ({len(trails)} trail(s) seen)",
            "a multi-region trail that is logging",
        )
    ]


def check_cloudtrail_validation(facts, opts: Options):
    trails = [t for t in facts["trails"] if t.get("IsMultiRegionTrail") and t["logging"]]
    if not trails:
        return [
            finding(
                f"account {facts['account_id']}",
                "no logging multi-region trail to validate",
                "a multi-region trail with log file validation",
            )
        ]
    if any(t.get("LogFileValidationEnabled") for t in trails):
        return []
    return [
        finding(t["TrailARN"], "LogFileValidationEnabled is false", "log file validation on") for t in trails
    ]


def check_guardduty(facts, opts: Options):
    if facts["guardduty_enabled"]:
        return []
    return [finding("account (this region)", "no enabled GuardDuty detector", "GuardDuty enabled")]


def check_securityhub(facts, opts: Options):
    if facts["securityhub_enabled"]:
        return []
    return [finding("account (this region)", "Security Hub is not enabled", "Security Hub enabled")]


def check_password_length(facts, opts: Options):
    policy = facts["password_policy"]
    if policy is None:
        return [
            finding("account", "no IAM password policy", f"a password policy, length {PASSWORD_MIN_LENGTH}+")
        ]
    length = policy.get("MinimumPasswordLength", 0)
    if length >= PASSWORD_MIN_LENGTH:
        return []
    return [finding("account", f"MinimumPasswordLength is {length}", f"{PASSWORD_MIN_LENGTH} or more")]


def check_password_reuse(facts, opts: Options):
    policy = facts["password_policy"]
    if policy is None:
        return [finding("account", "no IAM password policy", f"a password policy, reuse {PASSWORD_REUSE}")]
    reuse = policy.get("PasswordReusePrevention", 0)
    if reuse >= PASSWORD_REUSE:
        return []
    return [finding("account", f"PasswordReusePrevention is {reuse}", f"{PASSWORD_REUSE}")]


def check_alarm_actions(facts, opts: Options):
    alarms = facts["alarms"]
    if not alarms:
        return NotApplicable("no CloudWatch alarm in the region")
    found = []
    for alarm in alarms:
        if not alarm.get("ActionsEnabled", True):
            found.append(finding(alarm["AlarmName"], "ActionsEnabled is false", "actions enabled"))
        elif not alarm.get("AlarmActions"):
            found.append(finding(alarm["AlarmName"], "no alarm action", "an action (the alarm topic)"))
    return found


# --- Secrets Manager and AWS Config -----------------------------------------------------------------

PRINCIPAL_ARN_CONDITIONS = {"arnnotlike", "arnnotequals", "stringnotlike", "stringnotequals"}


def denies_readers_but_named(policy: Any) -> bool:
    """Whether a Deny of GetSecretValue to everyone applies unless the principal's ARN is named."""
    for statement in statements(policy):
        actions = [a.lower() for a in as_list(statement.get("Action"))]
        reads = any(a in ("*", "secretsmanager:*", "secretsmanager:getsecretvalue") for a in actions)
        named = any(
            operator.lower() in PRINCIPAL_ARN_CONDITIONS and "aws:principalarn" in {k.lower() for k in block}
            for operator, block in (statement.get("Condition") or {}).items()
        )
        if statement.get("Effect") == "Deny" and is_everyone(statement.get("Principal")) and reads and named:
            return True
    return False


def check_secret_policies(facts, opts: Options):
    secrets = facts["secrets"]
    if not secrets:
        return NotApplicable("no secret of the environment")
    found = []
    for secret in secrets:
        if not secret["policy"]:
            found.append(finding(secret["Name"], "no resource policy", "a policy limiting who reads it"))
        elif not denies_readers_but_named(secret["policy"]):
            found.append(
                finding(
                    secret["Name"],
                    "the resource policy denies reading to nobody",
                    "GetSecretValue denied to every principal but its readers (aws:PrincipalArn)",
                )
            )
    return found


def check_secret_rotation(facts, opts: Options):
    """A secret that does not rotate is a finding; a warning only when exempt by a recorded reason."""
    secrets = facts["secrets"]
    if not secrets:
        return NotApplicable("no secret of the environment")
    found = []
    for s in secrets:
        if s.get("RotationEnabled"):
            continue
        reason = next((r for name, r in opts.secret_rotation_exempt if s["Name"].endswith("/" + name)), None)
        if reason is None:
            found.append(finding(s["Name"], "automatic rotation is off", "automatic rotation on"))
        else:
            found.append(
                finding(
                    s["Name"],
                    f"automatic rotation is off, by decision: {reason}",
                    "automatic rotation on, or a recorded reason not to",
                    severity="warning",
                )
            )
    return found


def check_config_recorder(facts, opts: Options):
    recorders = facts["config_recorders"]
    if not recorders:
        return [finding("account (this region)", "no AWS Config recorder", "a recorder of every resource")]
    found = []
    for recorder in recorders:
        group = recorder.get("recordingGroup") or {}
        if not recorder["recording"]:
            found.append(finding(recorder["name"], "the recorder is not recording", "recording"))
        if not group.get("allSupported"):
            found.append(finding(recorder["name"], "records only some resource types", "allSupported"))
    if not facts["config_delivery_channels"]:
        found.append(finding("account (this region)", "no delivery channel", "a delivery channel to S3"))
    return found


# --- the remaining controls ----------------------------------------------------------------
# Each reads the live environment; docs/security.md maps them to the roles that set them.

# The CIS monitoring items (FSBP CloudWatch.1-14 that the platform alarms on): control id, what the
# metric filter must watch, and an event name (or field) its pattern must name.
CIS_MONITORING = (
    ("CloudWatch.1", "root account use", '"Root"'),
    ("CloudWatch.2", "unauthorized API calls", "UnauthorizedOperation"),
    ("CloudWatch.3", "console sign-in without MFA", "MFAUsed"),
    ("CloudWatch.4", "IAM policy changes", "PutRolePolicy"),
    ("CloudWatch.5", "CloudTrail configuration changes", "StopLogging"),
    ("CloudWatch.7", "disabling or scheduled deletion of KMS keys", "ScheduleKeyDeletion"),
    ("CloudWatch.8", "S3 bucket policy changes", "PutBucketPolicy"),
    ("CloudWatch.10", "security group changes", "AuthorizeSecurityGroupIngress"),
    ("CloudWatch.11", "network ACL changes", "CreateNetworkAclEntry"),
    ("CloudWatch.12", "network gateway changes", "CreateInternetGateway"),
    ("CloudWatch.13", "route table changes", "CreateRoute"),
    ("CloudWatch.14", "VPC changes", "CreateVpc"),
)
# The interface endpoints private instances need without NAT (docs/security.md).
INTERFACE_ENDPOINTS = ("ssm", "ssmmessages", "ec2messages", "logs", "secretsmanager", "kms")
# RDS log exports the platform keeps (MySQL's general log stays off: it records every statement).
RDS_LOG_EXPORTS = ("error", "slowquery")
# Conditions that tie a service's use of a key or bucket to this account's own resources: the
# confused-deputy keys, and the encryption context KMS checks for CloudTrail and CloudWatch Logs.
SOURCE_CONDITION_PREFIXES = (
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "kms:encryptioncontext:aws:cloudtrail:arn",
    "kms:encryptioncontext:aws:logs:arn",
)


def check_trail_kms(facts, opts: Options):
    trails = [t for t in facts["trails"] if t.get("IsMultiRegionTrail") and t["logging"]]
    if not trails:
        return NotApplicable("no logging multi-region trail (CloudTrail.1 reports it)")
    if any(t.get("KmsKeyId") for t in trails):
        return []
    return [finding(t["TrailARN"], "no KmsKeyId", "the trail encrypted with a KMS key") for t in trails]


def check_trail_log_group(facts, opts: Options):
    trails = [t for t in facts["trails"] if t.get("IsMultiRegionTrail") and t["logging"]]
    if not trails:
        return NotApplicable("no logging multi-region trail (CloudTrail.1 reports it)")
    if any(t.get("CloudWatchLogsLogGroupArn") for t in trails):
        return []
    return [
        finding(t["TrailARN"], "no CloudWatchLogsLogGroupArn", "the trail delivered to a log group")
        for t in trails
    ]


def cis_monitoring_check(control_id: str, what: str, signature: str):
    """The check of one CIS monitoring item: a metric filter on the trail's log group whose pattern
    names `signature`, and an alarm on its metric with an action."""

    def check(facts, opts: Options):
        monitored = facts["trail_metric_filters"]
        if monitored is None:
            return NotApplicable("no logging multi-region trail delivers to a log group (CloudTrail.1, .5)")
        metrics = {
            (t["metricNamespace"], t["metricName"])
            for f in monitored
            if signature.lower() in f.get("filterPattern", "").lower()
            for t in f.get("metricTransformations", [])
        }
        if not metrics:
            return [
                finding("trail log group", f"no metric filter for {what}", f"a filter naming {signature}")
            ]
        alarmed = [
            a
            for a in facts["alarms"]
            if (a.get("Namespace"), a.get("MetricName")) in metrics and a.get("AlarmActions")
        ]
        if alarmed:
            return []
        names = ", ".join(f"{ns}/{name}" for ns, name in sorted(metrics))
        return [finding(names, f"no alarm with an action for {what}", "an alarm notifying the alarm topic")]

    check.__name__ = f"check_cis_{control_id.replace('.', '_').lower()}"
    return check


def check_access_analyzer(facts, opts: Options):
    if facts["access_analyzers"]:
        return []
    return [finding(f"account {facts['account_id']}", "no active analyzer", "an active IAM Access Analyzer")]


def check_interface_endpoints(facts, opts: Options):
    vpcs = facts["vpcs"]
    if not vpcs:
        return NotApplicable("no VPC in the environment")
    region = facts.client("ec2").meta.region_name
    found = []
    for vpc in vpcs:
        present = {
            e["ServiceName"].rsplit(".", 1)[-1]
            for e in facts["vpc_endpoints"]
            if e["VpcId"] == vpc["VpcId"]
            and e.get("VpcEndpointType") == "Interface"
            and e["ServiceName"].startswith(f"com.amazonaws.{region}.")
        }
        missing = [s for s in INTERFACE_ENDPOINTS if s not in present]
        if missing:
            found.append(
                finding(
                    vpc["VpcId"],
                    f"no interface endpoint for {', '.join(missing)}",
                    "; ".join(INTERFACE_ENDPOINTS),
                )
            )
    return found


def alb_attribute_check(key: str, wanted: str, default: str):
    """A control over one ALB attribute; `default` is AWS's value when the answer leaves it out."""

    def check(facts, opts: Options):
        albs = facts["load_balancers"]
        if not albs:
            return NotApplicable("no application load balancer in the environment")
        return [
            finding(lb["LoadBalancerName"], f"{key} is {lb['attributes'].get(key, default)}", wanted)
            for lb in albs
            if lb["attributes"].get(key, default) != wanted
        ]

    check.__name__ = f"check_alb_{key.replace('.', '_')}"
    return check


def rds_check(found_in: Callable[[dict[str, Any]], str | None], expected: str):
    """A control over each RDS instance: found_in returns what is wrong with one, or None."""

    def check(facts, opts: Options):
        dbs = facts["db_instances"]
        if not dbs:
            return NotApplicable("no RDS instance in the environment")
        found = []
        for db in dbs:
            wrong = found_in(db)
            if wrong:
                found.append(finding(db["DBInstanceIdentifier"], wrong, expected))
        return found

    return check


def missing_log_exports(db: dict[str, Any]) -> str | None:
    exported = set(db.get("EnabledCloudwatchLogsExports") or [])
    missing = [log for log in RDS_LOG_EXPORTS if log not in exported]
    return f"not exported: {', '.join(missing)}" if missing else None


def check_s3_bucket_keys(facts, opts: Options):
    buckets = buckets_of(facts["buckets"], opts.kms_buckets)
    if not buckets:
        return NotApplicable(f"no {'/'.join(opts.kms_buckets)} bucket in the environment")
    found = []
    for bucket in buckets:
        rules = (bucket["encryption"] or {}).get("Rules", [])
        kms = [
            r
            for r in rules
            if r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
            in ("aws:kms", "aws:kms:dsse")
        ]
        if not kms:
            found.append(finding(bucket["Name"], "not SSE-KMS by default", "SSE-KMS with a bucket key"))
        elif not any(r.get("BucketKeyEnabled") for r in kms):
            found.append(finding(bucket["Name"], "SSE-KMS without a bucket key", "BucketKeyEnabled true"))
    return found


def names_the_source(statement: dict[str, Any], account: str) -> bool:
    """Whether a statement that lets a service act ties it to this account's resources: a
    confused-deputy or encryption-context condition, or (for log delivery to S3) resources only under
    this account's AWSLogs/<account>/ prefix, which is how AWS scopes those deliveries."""
    if any(key.startswith(SOURCE_CONDITION_PREFIXES) for key in condition_keys(statement)):
        return True
    resources = as_list(statement.get("Resource"))
    return bool(resources) and all(f"/AWSLogs/{account}/" in str(r) for r in resources)


def unscoped_services(policy: Any, account: str) -> list[str]:
    services = []
    for statement in statements(policy):
        principal = statement.get("Principal")
        named = as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if statement.get("Effect") == "Allow" and named and not names_the_source(statement, account):
            services += named
    return services


def check_resource_policy_sources(facts, opts: Options):
    keys, buckets = facts["kms_keys"], facts["buckets"]
    if not keys and not buckets:
        return NotApplicable("no customer managed KMS key or S3 bucket in the environment")
    account = facts["account_id"]
    found = []
    for resource, policy in [(k["Arn"], k.get("policy")) for k in keys] + [
        (b["Name"], b["policy"]) for b in buckets
    ]:
        for service in unscoped_services(policy, account):
            found.append(
                finding(
                    resource,
                    f"allows {service} without aws:SourceAccount or aws:SourceArn",
                    "a condition naming this account or its resource (confused deputy)",
                )
            )
    return found


# --- the catalogue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    check: Callable[[Any, Options], Any]


CONTROLS = (
    Control("EC2.18", "Security groups open to the world only on authorized ports", "high", check_world_open),
    Control("EC2.13", "No security group allows SSH (22)", "high", check_ssh),
    Control("EC2.14", "No security group allows RDP (3389)", "high", check_rdp),
    Control("WEBCAST.RTMP.1", "RTMP ingest (1935) only from the allowlist", "high", check_rtmp),
    Control("EC2.2", "The VPC's default security group has no rule", "medium", check_default_security_group),
    Control(
        "EC2.21", "The default network ACL denies SSH and RDP from anywhere", "medium", check_default_nacl
    ),
    Control("EC2.15", "Subnets do not map public IPs on launch", "medium", check_subnet_public_ip),
    Control("EC2.3", "EBS volumes are encrypted", "high", check_ebs_volumes),
    Control("EC2.7", "EBS encryption by default is on", "medium", check_ebs_default),
    Control("RDS.3", "RDS instances are encrypted at rest", "high", check_rds_encrypted),
    Control("EFS.1", "EFS file systems are encrypted at rest", "high", check_efs_encrypted),
    Control(
        "ElastiCache.4", "ElastiCache replication groups are encrypted at rest", "high", check_cache_at_rest
    ),
    Control(
        "ElastiCache.5",
        "ElastiCache replication groups require TLS in transit",
        "high",
        check_cache_in_transit,
    ),
    Control("S3.4", "S3 buckets have default encryption", "high", check_s3_encryption),
    Control("SNS.1", "SNS topics are encrypted with KMS", "medium", check_sns_encrypted),
    Control("KMS.4", "Customer managed KMS keys rotate", "medium", check_kms_rotation),
    Control("S3.1", "The account's S3 Block Public Access is fully on", "high", check_s3_account_block),
    Control("S3.8", "S3 buckets block public access", "high", check_s3_bucket_block),
    Control("S3.2", "No bucket policy grants access to everyone", "critical", check_s3_public_policy),
    Control("S3.5", "S3 buckets deny requests without TLS", "medium", check_s3_tls),
    Control("S3.14", "Media and backup buckets are versioned", "medium", check_s3_versioning),
    Control("S3.9", "Media and backup buckets have server access logging", "low", check_s3_logging),
    Control("EC2.170", "Launch templates require IMDSv2", "high", check_launch_template_imds),
    Control("EC2.8", "Running instances require IMDSv2", "high", check_instance_imds),
    Control("RDS.2", "RDS instances are not publicly accessible", "critical", check_rds_public),
    Control(
        "WEBCAST.DB.1",
        "Database security groups are not open to the world",
        "critical",
        check_db_groups_world,
    ),
    Control("RDS.10", "RDS instances use IAM authentication", "medium", check_rds_iam_auth),
    Control("RDS.8", "RDS instances have deletion protection", "medium", check_rds_deletion_protection),
    Control("RDS.11", "RDS instances have automatic backups", "high", check_rds_backups),
    Control("ELB.1", "ALB HTTP listeners redirect to HTTPS", "medium", check_alb_redirect),
    Control("ELB.17", "ALB HTTPS listeners use a TLS 1.2+ policy", "high", check_alb_tls_policy),
    Control("CloudFront.3", "CloudFront requires HTTPS on every behaviour", "high", check_cloudfront_https),
    Control("WEBCAST.CF.1", "CloudFront viewers need TLSv1.2_2021 or newer", "high", check_cloudfront_tls),
    Control("CloudFront.5", "CloudFront distributions log", "low", check_cloudfront_logging),
    Control(
        "CloudFront.1",
        "CloudFront distributions have a default root object",
        "low",
        check_cloudfront_root_object,
    ),
    Control("CloudFront.6", "CloudFront distributions have a WAF web ACL", "medium", check_cloudfront_waf),
    Control("IAM.1", 'Environment roles allow no "*" action', "critical", check_iam_full_admin),
    Control("IAM.21", 'Environment roles allow no "service:*" on "*"', "high", check_iam_service_wildcard),
    Control(
        "WEBCAST.IAM.2", "Service trust policies name the source account or ARN", "medium", check_iam_trust
    ),
    Control("CloudTrail.1", "A multi-region trail is logging", "high", check_cloudtrail_multi_region),
    Control(
        "CloudTrail.4",
        "The multi-region trail validates its log files",
        "medium",
        check_cloudtrail_validation,
    ),
    Control("GuardDuty.1", "GuardDuty is enabled", "high", check_guardduty),
    Control("SecurityHub.1", "Security Hub is enabled", "medium", check_securityhub),
    Control("IAM.15", "The password policy requires 14+ characters", "medium", check_password_length),
    Control("IAM.16", "The password policy prevents reuse of the last 24", "low", check_password_reuse),
    Control("CloudWatch.15", "CloudWatch alarms have an action", "medium", check_alarm_actions),
    Control(
        "WEBCAST.SM.1",
        "Secrets deny reading to all but their readers and administrators",
        "high",
        check_secret_policies,
    ),
    Control("SecretsManager.1", "Secrets rotate automatically", "medium", check_secret_rotation),
    Control("Config.1", "AWS Config records every resource and delivers", "medium", check_config_recorder),
    Control("CloudTrail.2", "The multi-region trail is encrypted with KMS", "medium", check_trail_kms),
    Control(
        "CloudTrail.5", "The multi-region trail delivers to CloudWatch Logs", "low", check_trail_log_group
    ),
    *(
        Control(
            control_id,
            f"A metric filter and alarm watch {what}",
            "low",
            cis_monitoring_check(control_id, what, sig),
        )
        for control_id, what, sig in CIS_MONITORING
    ),
    Control("IAM.28", "IAM Access Analyzer is enabled", "high", check_access_analyzer),
    Control(
        "WEBCAST.VPC.1",
        "The VPC has interface endpoints for SSM, ssmmessages, ec2messages, logs, Secrets Manager, KMS",
        "medium",
        check_interface_endpoints,
    ),
    Control(
        "ELB.4",
        "ALBs drop invalid HTTP header fields",
        "medium",
        alb_attribute_check("routing.http.drop_invalid_header_fields.enabled", "true", "false"),
    ),
    Control(
        "ELB.12",
        "ALBs use the strictest desync mitigation mode",
        "medium",
        alb_attribute_check("routing.http.desync_mitigation_mode", "strictest", "defensive"),
    ),
    Control(
        "RDS.9",
        "RDS instances export their error and slow query logs",
        "medium",
        rds_check(missing_log_exports, "error and slowquery exported to CloudWatch Logs"),
    ),
    Control(
        "RDS.6",
        "RDS instances have enhanced monitoring",
        "low",
        rds_check(
            lambda db: None if db.get("MonitoringInterval") else "MonitoringInterval is 0",
            "MonitoringInterval above 0 with a monitoring role",
        ),
    ),
    Control(
        "RDS.13",
        "RDS instances upgrade minor versions automatically",
        "high",
        rds_check(
            lambda db: None if db.get("AutoMinorVersionUpgrade") else "AutoMinorVersionUpgrade is false",
            "AutoMinorVersionUpgrade true",
        ),
    ),
    Control(
        "RDS.17",
        "RDS instances copy their tags to snapshots",
        "low",
        rds_check(
            lambda db: None if db.get("CopyTagsToSnapshot") else "CopyTagsToSnapshot is false",
            "CopyTagsToSnapshot true",
        ),
    ),
    Control(
        "WEBCAST.S3.1",
        "The media and backups buckets use SSE-KMS with bucket keys",
        "medium",
        check_s3_bucket_keys,
    ),
    Control(
        "WEBCAST.POLICY.1",
        "Key and bucket policies let a service act only for this account's resources",
        "medium",
        check_resource_policy_sources,
    ),
)
CONTROL_IDS = tuple(c.id for c in CONTROLS)


def audit(facts: Any, opts: Options, skip: dict[str, str] | None = None) -> dict[str, Any]:
    """Every control over the facts: the findings, counts, and what passed, did not apply or was skipped."""
    skip = skip or {}
    findings: list[dict[str, Any]] = []
    passed, not_applicable, skipped = [], [], []
    for control in CONTROLS:
        if control.id in skip:
            skipped.append({"control": control.id, "title": control.title, "reason": skip[control.id]})
            continue
        result = control.check(facts, opts)
        if isinstance(result, NotApplicable):
            not_applicable.append({"control": control.id, "title": control.title, "reason": result.reason})
            continue
        if not result:
            passed.append(control.id)
        for found in result:
            findings.append(
                {
                    "control": control.id,
                    "title": control.title,
                    "severity": found.get("severity") or control.severity,
                    "resource": found["resource"],
                    "found": found["found"],
                    "expected": found["expected"],
                }
            )
    findings.sort(key=lambda f: (SEVERITIES.index(f["severity"]), f["control"], f["resource"]))
    counts = {severity: sum(f["severity"] == severity for f in findings) for severity in SEVERITIES}
    counts["total"] = len(findings)
    return {
        "findings": findings,
        "counts": counts,
        "failing": len(findings) - counts["warning"],
        "passed": passed,
        "not_applicable": not_applicable,
        "skipped": skipped,
        "controls": [{"control": c.id, "title": c.title, "severity": c.severity} for c in CONTROLS],
    }


# --- reading AWS -----------------------------------------------------------------------------------


class ReadError(Exception):
    """An API error while reading a fact; `what` says what was being read."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(what)
        self.what = what
        self.error = error


def call(client: Any, operation: str, **params: Any) -> Any:
    return RETRY(getattr(client, operation))(**params)


def paginate(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    return paginated_query_with_retries(client, operation, retry_decorator=RETRY, **params)


class Facts:
    """What the controls read, fetched from AWS on first use and kept.

    `client(service, region=None)` returns a boto3 client; the module passes its own connection,
    the tests plain boto3 clients of moto.
    """

    def __init__(self, client: Callable[..., Any], project: str, environment: str) -> None:
        self._client = client
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._cache: dict[str, Any] = {}
        self.project = project
        self.environment = environment
        self.prefix = name_prefix(project, environment)
        self.filters = environment_filters(project, environment)

    def client(self, service: str, region: str | None = None) -> Any:
        if (service, region) not in self._clients:
            self._clients[(service, region)] = (
                self._client(service, region) if region else self._client(service)
            )
        return self._clients[(service, region)]

    def owns(self, tags: dict[str, str], name: str = "") -> bool:
        return in_environment(tags, self.project, self.environment) or name.startswith(self.prefix)

    def __getitem__(self, key: str) -> Any:
        if key not in self._cache:
            read = getattr(self, f"read_{key}")
            try:
                self._cache[key] = read()
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                raise ReadError(key.replace("_", " "), e) from e
        return self._cache[key]

    # EC2 and the network

    def read_account_id(self) -> str:
        return call(self.client("sts"), "get_caller_identity")["Account"]

    def read_vpcs(self) -> list[dict[str, Any]]:
        return paginate(self.client("ec2"), "describe_vpcs", Filters=self.filters)["Vpcs"]

    def _in_vpcs(self) -> list[dict[str, Any]]:
        return [{"Name": "vpc-id", "Values": sorted(v["VpcId"] for v in self["vpcs"])}]

    def read_security_groups(self) -> list[dict[str, Any]]:
        ec2 = self.client("ec2")
        groups = {
            g["GroupId"]: g
            for g in paginate(ec2, "describe_security_groups", Filters=self.filters)["SecurityGroups"]
        }
        if self["vpcs"]:
            # Everything in the environment's VPC is the environment's, tagged or made by hand.
            for group in paginate(ec2, "describe_security_groups", Filters=self._in_vpcs())["SecurityGroups"]:
                groups[group["GroupId"]] = group
        return sorted(groups.values(), key=lambda g: g["GroupId"])

    def read_alb_security_group_ids(self) -> set[str]:
        ids = {g for lb in self["load_balancers"] for g in lb.get("SecurityGroups", [])}
        ids |= {g["GroupId"] for g in self["security_groups"] if g.get("GroupName") == f"{self.prefix}alb"}
        return ids

    def read_default_network_acls(self) -> list[dict[str, Any]]:
        if not self["vpcs"]:
            return []
        filters = [*self._in_vpcs(), {"Name": "default", "Values": ["true"]}]
        return paginate(self.client("ec2"), "describe_network_acls", Filters=filters)["NetworkAcls"]

    def read_subnets(self) -> list[dict[str, Any]]:
        if not self["vpcs"]:
            return []
        return paginate(self.client("ec2"), "describe_subnets", Filters=self._in_vpcs())["Subnets"]

    def read_instances(self) -> list[dict[str, Any]]:
        filters = [*self.filters, {"Name": "instance-state-name", "Values": ["pending", "running"]}]
        reservations = paginate(self.client("ec2"), "describe_instances", Filters=filters)["Reservations"]
        return [i for r in reservations for i in r["Instances"]]

    def read_volumes(self) -> list[dict[str, Any]]:
        ec2 = self.client("ec2")
        volumes = {
            v["VolumeId"]: v for v in paginate(ec2, "describe_volumes", Filters=self.filters)["Volumes"]
        }
        # Volumes of the environment's instances, whether or not the launch template tags them.
        for ids in batches([i["InstanceId"] for i in self["instances"]], 200):
            attached = [{"Name": "attachment.instance-id", "Values": ids}]
            volumes.update(
                {v["VolumeId"]: v for v in paginate(ec2, "describe_volumes", Filters=attached)["Volumes"]}
            )
        return sorted(volumes.values(), key=lambda v: v["VolumeId"])

    def read_ebs_encryption_by_default(self) -> bool:
        return call(self.client("ec2"), "get_ebs_encryption_by_default")["EbsEncryptionByDefault"]

    def read_launch_templates(self) -> list[dict[str, Any]]:
        ec2 = self.client("ec2")
        templates = [
            t
            for t in paginate(ec2, "describe_launch_templates")["LaunchTemplates"]
            if self.owns(tags_of(t), t["LaunchTemplateName"])
        ]
        for template in templates:
            versions: dict[int, dict[str, Any]] = {}
            for which in ("$Latest", "$Default"):
                for version in call(
                    ec2,
                    "describe_launch_template_versions",
                    LaunchTemplateId=template["LaunchTemplateId"],
                    Versions=[which],
                )["LaunchTemplateVersions"]:
                    entry = versions.setdefault(version["VersionNumber"], {**version, "which": []})
                    entry["which"].append(which.strip("$").lower())
            template["versions"] = [versions[n] for n in sorted(versions)]
        return sorted(templates, key=lambda t: t["LaunchTemplateName"])

    # Databases and storage

    def read_db_instances(self) -> list[dict[str, Any]]:
        dbs = paginate(self.client("rds"), "describe_db_instances")["DBInstances"]
        return [db for db in dbs if self.owns(tags_of(db, "TagList"), db["DBInstanceIdentifier"])]

    def read_db_security_groups(self) -> dict[str, dict[str, Any]]:
        ids = sorted(
            {g["VpcSecurityGroupId"] for db in self["db_instances"] for g in db.get("VpcSecurityGroups", [])}
        )
        if not ids:
            return {}
        groups = paginate(self.client("ec2"), "describe_security_groups", GroupIds=ids)["SecurityGroups"]
        return {g["GroupId"]: g for g in groups}

    def read_file_systems(self) -> list[dict[str, Any]]:
        file_systems = paginate(self.client("efs"), "describe_file_systems")["FileSystems"]
        return [fs for fs in file_systems if self.owns(tags_of(fs), fs.get("Name") or "")]

    def read_replication_groups(self) -> list[dict[str, Any]]:
        client = self.client("elasticache")
        ours = []
        for group in paginate(client, "describe_replication_groups")["ReplicationGroups"]:
            tags: dict[str, str] = {}
            if group.get("ARN") and not group["ReplicationGroupId"].startswith(self.prefix):
                tags = tags_of(call(client, "list_tags_for_resource", ResourceName=group["ARN"]), "TagList")
            if self.owns(tags, group["ReplicationGroupId"]):
                ours.append(group)
        return ours

    def read_buckets(self) -> list[dict[str, Any]]:
        s3 = self.client("s3")
        ours = []
        for bucket in call(s3, "list_buckets").get("Buckets", []):
            name = bucket["Name"]
            region = call(s3, "get_bucket_location", Bucket=name).get("LocationConstraint") or "us-east-1"
            # A bucket answers only in its own region; one account holds one environment, so the
            # other environments' buckets are few.
            local = self.client("s3", region)
            try:
                tags = tags_of(call(local, "get_bucket_tagging", Bucket=name), "TagSet")
            except is_boto3_error_code("NoSuchTagSet"):
                tags = {}
            if not self.owns(tags, name):
                continue
            ours.append(self._bucket_details(local, name, tags))
        return ours

    def _bucket_details(self, s3: Any, name: str, tags: dict[str, str]) -> dict[str, Any]:
        # The name says which bucket it is (<project>-<env>-media-<suffix>); the Component tag is the
        # tier (aws_s3 tags all three "storage"), so it decides only for buckets named otherwise.
        if name.startswith(self.prefix):
            component = name[len(self.prefix) :].split("-")[0]
        else:
            component = tags.get("Component", "")
        try:
            encryption = call(s3, "get_bucket_encryption", Bucket=name)["ServerSideEncryptionConfiguration"]
        except is_boto3_error_code("ServerSideEncryptionConfigurationNotFoundError"):
            encryption = None
        try:
            block = call(s3, "get_public_access_block", Bucket=name)["PublicAccessBlockConfiguration"]
        except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
            block = None
        try:
            policy = json.loads(call(s3, "get_bucket_policy", Bucket=name)["Policy"])
        except is_boto3_error_code("NoSuchBucketPolicy"):
            policy = {}
        return {
            "Name": name,
            "component": component,
            "encryption": encryption,
            "public_access_block": block,
            "policy": policy,
            "versioning": call(s3, "get_bucket_versioning", Bucket=name).get("Status"),
            "logging": call(s3, "get_bucket_logging", Bucket=name).get("LoggingEnabled"),
        }

    def read_account_public_access_block(self) -> dict[str, Any] | None:
        try:
            answer = call(self.client("s3control"), "get_public_access_block", AccountId=self["account_id"])
        except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
            return None
        return answer["PublicAccessBlockConfiguration"]

    def read_topics(self) -> list[dict[str, Any]]:
        sns = self.client("sns")
        ours = []
        for topic in paginate(sns, "list_topics")["Topics"]:
            arn = topic["TopicArn"]
            tags = tags_of(call(sns, "list_tags_for_resource", ResourceArn=arn))
            if self.owns(tags, arn.rsplit(":", 1)[-1]):
                attributes = call(sns, "get_topic_attributes", TopicArn=arn)["Attributes"]
                ours.append({"TopicArn": arn, "attributes": attributes})
        return ours

    def read_kms_keys(self) -> list[dict[str, Any]]:
        kms = self.client("kms")
        aliases: dict[str, list[str]] = {}
        for alias in paginate(kms, "list_aliases")["Aliases"]:
            if alias.get("TargetKeyId"):
                aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
        ours = []
        for key in paginate(kms, "list_keys")["Keys"]:
            meta = call(kms, "describe_key", KeyId=key["KeyId"])["KeyMetadata"]
            # Rotation applies to enabled symmetric keys whose material KMS made.
            if (
                meta.get("KeyManager") != "CUSTOMER"
                or meta.get("KeyState") != "Enabled"
                or meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT"
                or meta.get("Origin", "AWS_KMS") != "AWS_KMS"
            ):
                continue
            names = [a.removeprefix("alias/") for a in aliases.get(key["KeyId"], [])]
            # KMS spells its tags TagKey/TagValue.
            raw = call(kms, "list_resource_tags", KeyId=key["KeyId"]).get("Tags", [])
            tags = {t["TagKey"]: t["TagValue"] for t in raw}
            if not (self.owns(tags) or any(n.startswith(self.prefix) for n in names)):
                continue
            rotation = call(kms, "get_key_rotation_status", KeyId=key["KeyId"])["KeyRotationEnabled"]
            policy = json.loads(
                call(kms, "get_key_policy", KeyId=key["KeyId"], PolicyName="default")["Policy"]
            )
            ours.append({"KeyId": key["KeyId"], "Arn": meta["Arn"], "rotation": rotation, "policy": policy})
        return ours

    # Load balancing and the edge

    def read_load_balancers(self) -> list[dict[str, Any]]:
        elbv2 = self.client("elbv2")
        albs = [
            lb
            for lb in paginate(elbv2, "describe_load_balancers")["LoadBalancers"]
            if lb.get("Type") == "application"
        ]
        tags: dict[str, dict[str, str]] = {}
        for arns in batches([lb["LoadBalancerArn"] for lb in albs], 20):
            for description in call(elbv2, "describe_tags", ResourceArns=arns)["TagDescriptions"]:
                tags[description["ResourceArn"]] = tags_of(description)
        ours = [lb for lb in albs if self.owns(tags.get(lb["LoadBalancerArn"], {}), lb["LoadBalancerName"])]
        for lb in ours:
            lb["listeners"] = paginate(elbv2, "describe_listeners", LoadBalancerArn=lb["LoadBalancerArn"])[
                "Listeners"
            ]
            attributes = call(
                elbv2, "describe_load_balancer_attributes", LoadBalancerArn=lb["LoadBalancerArn"]
            )
            lb["attributes"] = {a["Key"]: a["Value"] for a in attributes["Attributes"]}
        return ours

    def read_distributions(self) -> list[dict[str, Any]]:
        cloudfront = self.client("cloudfront")
        items = paginate(cloudfront, "list_distributions").get("DistributionList", {}).get("Items", [])
        ours = []
        for distribution in items:
            answer = call(cloudfront, "list_tags_for_resource", Resource=distribution["ARN"])
            if not self.owns(tags_of(answer.get("Tags", {}), "Items")):
                continue
            config = call(cloudfront, "get_distribution_config", Id=distribution["Id"])["DistributionConfig"]
            ours.append({"Id": distribution["Id"], "ARN": distribution["ARN"], "config": config})
        return ours

    # IAM and the account

    def read_roles(self) -> list[dict[str, Any]]:
        iam = self.client("iam")
        ours = []
        for role in paginate(iam, "list_roles")["Roles"]:
            name = role["RoleName"]
            if not name.startswith(self.prefix):
                continue
            inline = [
                (policy, call(iam, "get_role_policy", RoleName=name, PolicyName=policy)["PolicyDocument"])
                for policy in paginate(iam, "list_role_policies", RoleName=name)["PolicyNames"]
            ]
            attached, admin = [], []
            for policy in paginate(iam, "list_attached_role_policies", RoleName=name)["AttachedPolicies"]:
                arn = policy["PolicyArn"]
                if arn.startswith("arn:aws:iam::aws:policy/"):
                    if arn.rsplit("/", 1)[-1] in ADMIN_MANAGED_POLICIES:
                        admin.append(arn)
                    continue
                version = call(iam, "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
                document = call(iam, "get_policy_version", PolicyArn=arn, VersionId=version)["PolicyVersion"]
                attached.append((arn, document["Document"]))
            ours.append(
                {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": role.get("AssumeRolePolicyDocument"),
                    "inline": inline,
                    "attached": attached,
                    "aws_managed_admin": admin,
                }
            )
        return ours

    def read_trails(self) -> list[dict[str, Any]]:
        cloudtrail = self.client("cloudtrail")
        trails = call(cloudtrail, "describe_trails", includeShadowTrails=True)["trailList"]
        for trail in trails:
            status = call(cloudtrail, "get_trail_status", Name=trail["TrailARN"])
            trail["logging"] = bool(status.get("IsLogging"))
        return trails

    def read_secrets(self) -> list[dict[str, Any]]:
        secretsmanager = self.client("secretsmanager")
        ours = []
        path = f"/{self.project}/{self.environment}/"
        for secret in paginate(secretsmanager, "list_secrets")["SecretList"]:
            if not (self.owns(tags_of(secret)) or secret["Name"].startswith(path)):
                continue
            policy = call(secretsmanager, "get_resource_policy", SecretId=secret["ARN"]).get("ResourcePolicy")
            ours.append({**secret, "policy": policy})
        return ours

    def read_config_recorders(self) -> list[dict[str, Any]]:
        config = self.client("config")
        recorders = call(config, "describe_configuration_recorders")["ConfigurationRecorders"]
        status = {
            s["name"]: s.get("recording", False)
            for s in call(config, "describe_configuration_recorder_status")["ConfigurationRecordersStatus"]
        }
        return [{**r, "recording": status.get(r["name"], False)} for r in recorders]

    def read_trail_metric_filters(self) -> list[dict[str, Any]] | None:
        """The metric filters of the log groups the logging multi-region trails deliver to; None
        when no such trail delivers to a log group."""
        groups = {
            t["CloudWatchLogsLogGroupArn"].split(":log-group:", 1)[1].split(":", 1)[0]
            for t in self["trails"]
            if t.get("IsMultiRegionTrail") and t["logging"] and t.get("CloudWatchLogsLogGroupArn")
        }
        if not groups:
            return None
        logs = self.client("logs")
        return [
            f
            for group in sorted(groups)
            for f in paginate(logs, "describe_metric_filters", logGroupName=group)["metricFilters"]
        ]

    def read_access_analyzers(self) -> list[dict[str, Any]]:
        analyzers = paginate(self.client("accessanalyzer"), "list_analyzers", type="ACCOUNT")["analyzers"]
        return [a for a in analyzers if a.get("status") == "ACTIVE"]

    def read_vpc_endpoints(self) -> list[dict[str, Any]]:
        if not self["vpcs"]:
            return []
        return paginate(self.client("ec2"), "describe_vpc_endpoints", Filters=self._in_vpcs())["VpcEndpoints"]

    def read_config_delivery_channels(self) -> list[dict[str, Any]]:
        return call(self.client("config"), "describe_delivery_channels")["DeliveryChannels"]

    def read_guardduty_enabled(self) -> bool:
        guardduty = self.client("guardduty")
        for detector_id in paginate(guardduty, "list_detectors")["DetectorIds"]:
            if call(guardduty, "get_detector", DetectorId=detector_id).get("Status") == "ENABLED":
                return True
        return False

    def read_securityhub_enabled(self) -> bool:
        try:
            call(self.client("securityhub"), "describe_hub")
        except is_boto3_error_code("InvalidAccessException"):
            return False
        return True

    def read_password_policy(self) -> dict[str, Any] | None:
        try:
            return call(self.client("iam"), "get_account_password_policy")["PasswordPolicy"]
        except is_boto3_error_code("NoSuchEntity"):
            return None

    def read_alarms(self) -> list[dict[str, Any]]:
        answer = paginate(
            self.client("cloudwatch"), "describe_alarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        return answer.get("MetricAlarms", []) + answer.get("CompositeAlarms", [])


def main() -> None:
    argument_spec = dict(
        project=dict(type="str", required=True),
        environment=dict(type="str", required=True, aliases=["env"]),
        rtmp_allowlist=dict(type="list", elements="str", default=[]),
        deletion_protection_required=dict(type="bool", default=False),
        allowed_ssl_policies=dict(
            type="list",
            elements="str",
            default=[
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
                "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
                "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
                "ELBSecurityPolicy-TLS-1-2-2017-01",
                "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
                "ELBSecurityPolicy-FS-1-2-2019-08",
                "ELBSecurityPolicy-FS-1-2-Res-2019-08",
                "ELBSecurityPolicy-FS-1-2-Res-2020-10",
            ],
        ),
        versioned_buckets=dict(type="list", elements="str", default=["media", "backups"]),
        logged_buckets=dict(type="list", elements="str", default=["media", "backups"]),
        kms_buckets=dict(type="list", elements="str", default=["media", "backups"]),
        trust_exempt_services=dict(type="list", elements="str", default=["ec2.amazonaws.com"]),
        skip=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(control=dict(type="str", required=True), reason=dict(type="str", required=True)),
        ),
        secret_rotation_exempt=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(secret=dict(type="str", required=True), reason=dict(type="str", required=True)),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    skip = {entry["control"]: entry["reason"] for entry in params["skip"]}
    unknown = sorted(set(skip) - set(CONTROL_IDS))
    if unknown:
        module.fail_json(
            msg=f"skip names unknown controls {', '.join(unknown)}; known: {', '.join(CONTROL_IDS)}"
        )
    blank = sorted(control for control, reason in skip.items() if not reason.strip())
    if blank:
        module.fail_json(msg=f"skip gives no reason for {', '.join(blank)}; every skip needs one")
    exempt = tuple((e["secret"].strip("/"), e["reason"].strip()) for e in params["secret_rotation_exempt"])
    blank = sorted(name for name, reason in exempt if not reason)
    if blank:
        module.fail_json(msg=f"secret_rotation_exempt gives no reason for {', '.join(blank)}; each needs one")
    for cidr in params["rtmp_allowlist"]:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            module.fail_json(msg=f"rtmp_allowlist holds '{cidr}', which is not a CIDR")

    opts = Options(
        rtmp_allowlist=tuple(params["rtmp_allowlist"]),
        deletion_protection_required=params["deletion_protection_required"],
        allowed_ssl_policies=tuple(params["allowed_ssl_policies"]),
        versioned_buckets=tuple(params["versioned_buckets"]),
        logged_buckets=tuple(params["logged_buckets"]),
        kms_buckets=tuple(params["kms_buckets"]),
        trust_exempt_services=tuple(params["trust_exempt_services"]),
        secret_rotation_exempt=exempt,
    )

    def client(service: str, region: str | None = None) -> Any:
        made = module.client(service, region=region) if region else module.client(service)
        if service == "s3control" and params.get("endpoint_url"):
            without_account_label(made)
        return made

    try:
        facts = Facts(client, params["project"], params["environment"])
    except NamingError as e:
        module.fail_json(msg=str(e))
    try:
        result = audit(facts, opts, skip)
    except ReadError as e:
        module.fail_json_aws(
            e.error, msg=f"Failed to read the {e.what} of {params['project']}-{params['environment']}"
        )
    found = bool(facts["vpcs"])
    if not found:
        module.warn(
            f"no VPC tagged Project={params['project']}, Environment={params['environment']}: only the "
            "account's controls were evaluated; is the environment's name right?"
        )
    module.exit_json(changed=False, environment_found=found, **result)


if __name__ == "__main__":
    main()
