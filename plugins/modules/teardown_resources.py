#!/usr/bin/python
# Deleting an environment means, for each kind of resource, undoing what AWS made alongside it
# (rules, mount targets, versions, aliases, policies) and waiting for what the next deletion
# depends on. The AWS collections have a state=absent per module, each with its own idea of
# waiting and of check mode; this module deletes every kind the platform makes the same way, and
# reports, per resource, whether it was deleted, kept (and why) or already gone.

from __future__ import annotations

DOCUMENTATION = r"""
module: teardown_resources
short_description: Delete (or deliberately keep) the named resources of one environment
version_added: 0.3.0
description:
  - Each role's C(teardown) entry point lists what the role made, by name, in the order it must go;
    this module deletes them in that order, waiting where the next deletion depends on it (a
    distribution disabled and deployed before it is deleted, mount targets gone before the file
    system and the subnets, NAT gateways gone before their addresses and the VPC).
  - A resource that does not exist is not an error; a second run deletes nothing and reports
    C(changed=false).
  - A resource given O(resources[].keep) is never deleted; if it exists it is reported in RV(kept)
    with that reason. A bucket that still holds objects is kept unless O(resources[].purge) is set.
  - In check mode nothing is changed and RV(deleted) lists what a real run would delete.
author:
  - Webcast platform engineering
options:
  project:
    description: The project, the C(Project) tag of the resources found by tag (V(vpc), V(security_groups)).
    type: str
    required: true
  environment:
    description: The environment, their C(Environment) tag.
    type: str
    required: true
    aliases: [env]
  resources:
    description: What to delete, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      type:
        description:
          - The kind of resource. V(vpc) and V(security_groups) find theirs by the C(Project) and
            C(Environment) tags, and ignore O(resources[].name); V(vpc) also deletes everything in the
            VPC (flow logs, endpoints, NAT gateways and their addresses, internet gateways, subnets,
            route tables, network ACLs).
          - V(ssm_path), V(log_groups) and V(alarms) take a name prefix and delete everything under it.
        type: str
        required: true
        choices: [acm_certificate, alarms, autoscaling_group, backup_plan, backup_vault,
                  cloudfront_distribution, cloudfront_origin_access_control, cloudtrail, dashboard,
                  efs_file_system, elasticache_parameter_group, elasticache_replication_group,
                  elasticache_subnet_group, iam_instance_profile,
                  iam_role, iam_user, kms_alias, launch_template, load_balancer,
                  log_groups, rds_instance, rds_parameter_group, rds_subnet_group, route53_health_check,
                  route53_records, route53_zone, s3_bucket, secret, security_groups, ses_configuration_set,
                  ses_identity, sns_topic, ssm_path, target_group, vpc, wafv2_web_acl]
      name:
        description:
          - The resource's name (an alias of the distribution, the domain of a certificate, zone or
            identity, the C(Name) tag of a file system or health check, a KMS alias C(alias/...)).
        type: str
        default: ""
      keep:
        description: Keep it, for this reason; reported in RV(kept) when it exists.
        type: str
      purge:
        description: A V(s3_bucket) that holds objects is emptied (every version) and deleted, not kept.
        type: bool
        default: false
      final_snapshot:
        description:
          - A V(rds_instance) leaves a final snapshot with this identifier (a suffix C(-YYYYMMDDHHMM)
            is added so that a name is never reused); empty skips it.
        type: str
        default: ""
      recovery_window_days:
        description: A V(secret) can be restored for this many days (7 to 30); 0 deletes it at once.
        type: int
        default: 7
      pending_window_days:
        description: A V(kms_alias)'s key is deleted after this many days (7 to 30); the alias goes at once.
        type: int
        default: 7
      scope:
        description: A V(wafv2_web_acl)'s scope.
        type: str
        default: CLOUDFRONT
        choices: [CLOUDFRONT, REGIONAL]
  wait_timeout:
    description: Seconds to wait for one deletion that the next depends on.
    type: int
    default: 1800
notes:
  - Deletion protection on a load balancer or a database is turned off just before it is deleted;
    the guard against deleting production is the playbook's confirmation, before this module runs.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the database and its groups are gone, leaving a final snapshot
  webcast.platform.teardown_resources:
    project: webcast
    environment: staging
    resources:
      - {type: rds_instance, name: webcast-staging-db, final_snapshot: webcast-staging-db-final}
      - {type: rds_subnet_group, name: webcast-staging-db}
      - {type: secret, name: /webcast/staging/rds/master, keep: the final snapshot's master password}

- name: Ensure the network is gone
  webcast.platform.teardown_resources:
    project: webcast
    environment: staging
    resources:
      - {type: vpc}
"""

RETURN = r"""
deleted:
  description: What was deleted (in check mode, what would be), as C(<type> <name>), in order.
  type: list
  elements: str
  returned: always
  sample: ["rds_instance webcast-staging-db", "rds_subnet_group webcast-staging-db"]
kept:
  description: What exists and was kept on purpose, as C(<type> <name>) and the reason.
  type: list
  elements: str
  returned: always
  sample: ["rds_snapshot webcast-staging-db-final-202611261000: the final snapshot"]
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.webcast.platform.plugins.module_utils.aws import batches, retrying_client, wait_for


class Teardown:
    """One run: the module, its clients (made once each) and what was deleted and kept."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.check = module.check_mode
        self.timeout = module.params["wait_timeout"]
        self.deleted: list[str] = []
        self.kept: list[str] = []
        self.found: list[str] = []
        self._clients: dict[str, Any] = {}
        self.tags = {"Project": module.params["project"], "Environment": module.params["environment"]}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = retrying_client(self.module, service)
        return self._clients[service]

    def gone(self, what: str, delete: Callable[[], Any], effect: str = "") -> None:
        """Record `what` as deleted (with the deletion's `effect`, if any), and delete it unless in
        check mode; `keep` reports `what` alone."""
        if not self.check:
            delete()
        self.deleted.append(f"{what} ({effect})" if effect else what)
        self.found.append(what)

    def wait(self, check: Callable[[], Any], what: str, delay_s: float = 5.0) -> None:
        if not self.check:
            wait_for(check, what=what, timeout_s=self.timeout, delay_s=delay_s)

    def tag_filters(self) -> list[dict[str, Any]]:
        return [{"Name": f"tag:{k}", "Values": [v]} for k, v in self.tags.items()]


def missing(*codes: str):
    """An except clause's exception class for these error codes (the resource is not there)."""
    return is_boto3_error_code(list(codes))


# --- edge ---------------------------------------------------------------------------------------


def find_distribution(t: Teardown, alias: str) -> dict[str, Any] | None:
    cf = t.client("cloudfront")
    for page in cf.get_paginator("list_distributions").paginate():
        for item in page.get("DistributionList", {}).get("Items", []):
            if alias in item.get("Aliases", {}).get("Items", []):
                return item
    return None


def cloudfront_distribution(t: Teardown, res: dict[str, Any]) -> None:
    item = find_distribution(t, res["name"])
    if item is None:
        return
    cf = t.client("cloudfront")
    dist_id = item["Id"]

    def disable_then_delete() -> None:
        config = cf.get_distribution_config(Id=dist_id, aws_retry=True)
        etag = config["ETag"]
        if config["DistributionConfig"]["Enabled"]:
            wanted = {**config["DistributionConfig"], "Enabled": False}
            etag = cf.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=wanted)["ETag"]
        # CloudFront deletes only a disabled distribution whose last change is deployed (minutes).
        wait_for(
            lambda: cf.get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed",
            what=f"distribution {dist_id} to be deployed disabled",
            timeout_s=t.timeout,
            delay_s=15,
        )
        cf.delete_distribution(Id=dist_id, IfMatch=etag, aws_retry=True)

    t.gone(f"cloudfront_distribution {res['name']} ({dist_id})", disable_then_delete)


def cloudfront_origin_access_control(t: Teardown, res: dict[str, Any]) -> None:
    cf = t.client("cloudfront")
    items = cf.list_origin_access_controls().get("OriginAccessControlList", {}).get("Items", [])
    for item in items:
        if item["Name"] == res["name"]:
            etag = cf.get_origin_access_control(Id=item["Id"])["ETag"]
            t.gone(
                f"cloudfront_origin_access_control {res['name']}",
                lambda i=item["Id"], e=etag: cf.delete_origin_access_control(Id=i, IfMatch=e),
            )


def wafv2_web_acl(t: Teardown, res: dict[str, Any]) -> None:
    waf = t.client("wafv2")
    for acl in waf.list_web_acls(Scope=res["scope"], aws_retry=True).get("WebACLs", []):
        if acl["Name"] == res["name"]:
            t.gone(
                f"wafv2_web_acl {res['name']}",
                lambda a=acl: waf.delete_web_acl(
                    Name=a["Name"], Scope=res["scope"], Id=a["Id"], LockToken=a["LockToken"], aws_retry=True
                ),
            )


def route53_health_check(t: Teardown, res: dict[str, Any]) -> None:
    r53 = t.client("route53")
    checks = [c["Id"] for c in r53.list_health_checks(aws_retry=True).get("HealthChecks", [])]
    for batch in batches(checks, 10):
        tag_sets = r53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=batch)[
            "ResourceTagSets"
        ]
        for tag_set in tag_sets:
            tags = {tag["Key"]: tag["Value"] for tag in tag_set.get("Tags", [])}
            if tags.get("Name") == res["name"]:
                check_id = tag_set["ResourceId"]
                t.gone(
                    f"route53_health_check {res['name']} ({check_id})",
                    lambda c=check_id: r53.delete_health_check(HealthCheckId=c, aws_retry=True),
                )


def _public_zones(t: Teardown, apex: str) -> list[dict[str, Any]]:
    zones = t.client("route53").list_hosted_zones_by_name(DNSName=apex, aws_retry=True).get("HostedZones", [])
    return [z for z in zones if z["Name"] == apex and not z.get("Config", {}).get("PrivateZone")]


def _records(t: Teardown, zone_id: str, apex: str) -> list[dict[str, Any]]:
    """The zone's records but its own SOA and NS (a zone is deleted only with those left)."""
    paginator = t.client("route53").get_paginator("list_resource_record_sets")
    return [
        r
        for page in paginator.paginate(HostedZoneId=zone_id)
        for r in page["ResourceRecordSets"]
        if not (r["Name"] == apex and r["Type"] in ("SOA", "NS"))
    ]


def _delete_records(t: Teardown, zone_id: str, records: list[dict[str, Any]]) -> None:
    for batch in batches(records, 100):
        changes = [{"Action": "DELETE", "ResourceRecordSet": r} for r in batch]
        t.client("route53").change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Changes": changes}, aws_retry=True
        )


def route53_records(t: Teardown, res: dict[str, Any]) -> None:
    """Every record of the zone but its SOA and NS: none may point at what the teardown deletes
    (an alias to a deleted distribution or load balancer is a name someone else could claim)."""
    apex = res["name"].rstrip(".") + "."
    for zone in _public_zones(t, apex):
        records = _records(t, zone["Id"], apex)
        if records:
            t.gone(
                f"route53_records {apex} ({len(records)})",
                lambda z=zone["Id"], r=records: _delete_records(t, z, r),
            )


def route53_zone(t: Teardown, res: dict[str, Any]) -> None:
    apex = res["name"].rstrip(".") + "."
    r53 = t.client("route53")
    for zone in _public_zones(t, apex):

        def delete(zone_id: str = zone["Id"]) -> None:
            _delete_records(t, zone_id, _records(t, zone_id, apex))
            r53.delete_hosted_zone(Id=zone_id, aws_retry=True)

        t.gone(f"route53_zone {apex} ({zone['Id'].split('/')[-1]})", delete)


def acm_certificate(t: Teardown, res: dict[str, Any]) -> None:
    acm = t.client("acm")
    for page in acm.get_paginator("list_certificates").paginate():
        for cert in page["CertificateSummaryList"]:
            if cert["DomainName"] == res["name"]:
                arn = cert["CertificateArn"]
                t.gone(
                    f"acm_certificate {res['name']} ({arn.split('/')[-1]})",
                    lambda a=arn: acm.delete_certificate(CertificateArn=a, aws_retry=True),
                )


# --- compute and load balancing -----------------------------------------------------------------


def autoscaling_group(t: Teardown, res: dict[str, Any]) -> None:
    asg = t.client("autoscaling")

    def found() -> list[dict[str, Any]]:
        return asg.describe_auto_scaling_groups(AutoScalingGroupNames=[res["name"]], aws_retry=True)[
            "AutoScalingGroups"
        ]

    groups = found()
    if not groups:
        return

    def delete() -> None:
        if groups[0].get("Status") != "Delete in progress":
            # ForceDelete terminates the instances too; the group is gone once they are.
            asg.delete_auto_scaling_group(AutoScalingGroupName=res["name"], ForceDelete=True, aws_retry=True)
        wait_for(lambda: not found(), what=f"Auto Scaling group {res['name']} to go", timeout_s=t.timeout)

    t.gone(f"autoscaling_group {res['name']}", delete)


def launch_template(t: Teardown, res: dict[str, Any]) -> None:
    ec2 = t.client("ec2")
    try:
        ec2.describe_launch_templates(LaunchTemplateNames=[res["name"]], aws_retry=True)
    except missing("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound"):
        return
    t.gone(
        f"launch_template {res['name']}",
        lambda: ec2.delete_launch_template(LaunchTemplateName=res["name"], aws_retry=True),
    )


def load_balancer(t: Teardown, res: dict[str, Any]) -> None:
    elb = t.client("elbv2")

    def found() -> list[dict[str, Any]]:
        try:
            return elb.describe_load_balancers(Names=[res["name"]], aws_retry=True)["LoadBalancers"]
        except missing("LoadBalancerNotFound"):
            return []

    balancers = found()
    if not balancers:
        return
    arn = balancers[0]["LoadBalancerArn"]

    def delete() -> None:
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}],
            aws_retry=True,
        )
        elb.delete_load_balancer(LoadBalancerArn=arn, aws_retry=True)
        # Its network interfaces leave the subnets and security groups some seconds later.
        wait_for(lambda: not found(), what=f"load balancer {res['name']} to go", timeout_s=t.timeout)

    t.gone(f"load_balancer {res['name']}", delete)


def target_group(t: Teardown, res: dict[str, Any]) -> None:
    elb = t.client("elbv2")
    try:
        groups = elb.describe_target_groups(Names=[res["name"]], aws_retry=True)["TargetGroups"]
    except missing("TargetGroupNotFound"):
        return
    for group in groups:
        t.gone(
            f"target_group {res['name']}",
            lambda a=group["TargetGroupArn"]: elb.delete_target_group(TargetGroupArn=a, aws_retry=True),
        )


# --- data ---------------------------------------------------------------------------------------


def elasticache_replication_group(t: Teardown, res: dict[str, Any]) -> None:
    ec = t.client("elasticache")

    def found() -> list[dict[str, Any]]:
        try:
            return ec.describe_replication_groups(ReplicationGroupId=res["name"], aws_retry=True)[
                "ReplicationGroups"
            ]
        except missing("ReplicationGroupNotFoundFault"):
            return []

    groups = found()
    if not groups:
        return

    def delete() -> None:
        if groups[0].get("Status") != "deleting":
            ec.delete_replication_group(
                ReplicationGroupId=res["name"], RetainPrimaryCluster=False, aws_retry=True
            )
        # Its subnet and parameter groups are in use until the group is gone.
        wait_for(lambda: not found(), what=f"replication group {res['name']} to go", timeout_s=t.timeout)

    t.gone(f"elasticache_replication_group {res['name']}", delete)


def elasticache_subnet_group(t: Teardown, res: dict[str, Any]) -> None:
    ec = t.client("elasticache")
    try:
        ec.describe_cache_subnet_groups(CacheSubnetGroupName=res["name"], aws_retry=True)
    except missing("CacheSubnetGroupNotFoundFault"):
        return
    t.gone(
        f"elasticache_subnet_group {res['name']}",
        lambda: ec.delete_cache_subnet_group(CacheSubnetGroupName=res["name"], aws_retry=True),
    )


def elasticache_parameter_group(t: Teardown, res: dict[str, Any]) -> None:
    ec = t.client("elasticache")
    try:
        ec.describe_cache_parameter_groups(CacheParameterGroupName=res["name"], aws_retry=True)
    except missing("CacheParameterGroupNotFound"):
        return
    t.gone(
        f"elasticache_parameter_group {res['name']}",
        lambda: ec.delete_cache_parameter_group(CacheParameterGroupName=res["name"], aws_retry=True),
    )


def rds_instance(t: Teardown, res: dict[str, Any]) -> None:
    rds = t.client("rds")

    def found() -> list[dict[str, Any]]:
        try:
            return rds.describe_db_instances(DBInstanceIdentifier=res["name"], aws_retry=True)["DBInstances"]
        except missing("DBInstanceNotFound"):
            return []

    instances = found()
    if not instances:
        return
    snapshot = ""
    if res["final_snapshot"]:
        snapshot = f"{res['final_snapshot']}-{datetime.now(UTC):%Y%m%d%H%M}"

    def delete() -> None:
        if instances[0].get("DeletionProtection"):
            rds.modify_db_instance(
                DBInstanceIdentifier=res["name"],
                DeletionProtection=False,
                ApplyImmediately=True,
                aws_retry=True,
            )
        if instances[0].get("DBInstanceStatus") != "deleting":
            params: dict[str, Any] = {"SkipFinalSnapshot": True}
            if snapshot:
                params = {"SkipFinalSnapshot": False, "FinalDBSnapshotIdentifier": snapshot}
            # Automated backups are kept: they expire with the retention period and allow a
            # point-in-time restore until then.
            rds.delete_db_instance(
                DBInstanceIdentifier=res["name"], DeleteAutomatedBackups=False, aws_retry=True, **params
            )
        wait_for(
            lambda: not found(), what=f"DB instance {res['name']} to go", timeout_s=t.timeout, delay_s=15
        )

    t.gone(f"rds_instance {res['name']}", delete)
    if snapshot:
        t.kept.append(f"rds_snapshot {snapshot}: the final snapshot of {res['name']}")


def rds_subnet_group(t: Teardown, res: dict[str, Any]) -> None:
    rds = t.client("rds")
    try:
        rds.describe_db_subnet_groups(DBSubnetGroupName=res["name"], aws_retry=True)
    except missing("DBSubnetGroupNotFoundFault"):
        return
    t.gone(
        f"rds_subnet_group {res['name']}",
        lambda: rds.delete_db_subnet_group(DBSubnetGroupName=res["name"], aws_retry=True),
    )


def rds_parameter_group(t: Teardown, res: dict[str, Any]) -> None:
    rds = t.client("rds")
    try:
        rds.describe_db_parameter_groups(DBParameterGroupName=res["name"], aws_retry=True)
    except missing("DBParameterGroupNotFound"):
        return
    t.gone(
        f"rds_parameter_group {res['name']}",
        lambda: rds.delete_db_parameter_group(DBParameterGroupName=res["name"], aws_retry=True),
    )


def efs_file_system(t: Teardown, res: dict[str, Any]) -> None:
    efs = t.client("efs")
    systems = [
        fs
        for page in efs.get_paginator("describe_file_systems").paginate()
        for fs in page["FileSystems"]
        if fs.get("Name") == res["name"] or {"Key": "Name", "Value": res["name"]} in fs.get("Tags", [])
    ]
    for fs in systems:
        fs_id = fs["FileSystemId"]

        def delete(fs_id: str = fs_id) -> None:
            for point in efs.describe_access_points(FileSystemId=fs_id, aws_retry=True).get(
                "AccessPoints", []
            ):
                efs.delete_access_point(AccessPointId=point["AccessPointId"], aws_retry=True)
            targets = efs.describe_mount_targets(FileSystemId=fs_id, aws_retry=True)["MountTargets"]
            for target in targets:
                efs.delete_mount_target(MountTargetId=target["MountTargetId"], aws_retry=True)
            # The mount targets' network interfaces hold the subnets and the security group until
            # they are gone, and the file system cannot be deleted before.
            wait_for(
                lambda: not efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"],
                what=f"the mount targets of {fs_id} to go",
                timeout_s=t.timeout,
            )
            efs.delete_file_system(FileSystemId=fs_id, aws_retry=True)

        t.gone(f"efs_file_system {res['name']} ({fs_id})", delete)


def s3_bucket(t: Teardown, res: dict[str, Any]) -> None:
    s3 = t.client("s3")
    try:
        s3.head_bucket(Bucket=res["name"], aws_retry=True)
    except missing("404", "NoSuchBucket"):
        return
    listing = s3.list_object_versions(Bucket=res["name"], MaxKeys=1000, aws_retry=True)
    versions = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    if versions and not res["purge"]:
        more = "+" if listing.get("IsTruncated") else ""
        t.kept.append(f"s3_bucket {res['name']}: holds {len(versions)}{more} object versions")
        return

    def empty() -> None:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=res["name"]):
            objects = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for batch in batches(objects, 1000):
                s3.delete_objects(
                    Bucket=res["name"], Delete={"Objects": batch, "Quiet": True}, aws_retry=True
                )

    def delete() -> None:
        # The logs bucket keeps receiving while it is emptied (the access logs of the other buckets'
        # deletion, delivered late): empty it again until the delete goes through.
        for attempt in range(5):
            empty()
            try:
                s3.delete_bucket(Bucket=res["name"], aws_retry=True)
                return
            except is_boto3_error_code("BucketNotEmpty"):
                if attempt == 4:
                    raise

    more = "+" if listing.get("IsTruncated") else ""
    emptied = f" (emptied: {len(versions)}{more} versions)" if versions else ""
    t.gone(f"s3_bucket {res['name']}{emptied}", delete)


# --- secrets, parameters, keys, identity --------------------------------------------------------


def secret(t: Teardown, res: dict[str, Any]) -> None:
    sm = t.client("secretsmanager")
    try:
        found = sm.describe_secret(SecretId=res["name"], aws_retry=True)
    except missing("ResourceNotFoundException"):
        return
    if found.get("DeletedDate"):
        return  # already scheduled for deletion: restorable until then, and no longer in use
    days = res["recovery_window_days"]
    params = {"RecoveryWindowInDays": days} if days else {"ForceDeleteWithoutRecovery": True}
    t.gone(
        f"secret {res['name']}",
        lambda: sm.delete_secret(SecretId=res["name"], aws_retry=True, **params),
        f"restorable for {days} days" if days else "",
    )


def ssm_path(t: Teardown, res: dict[str, Any]) -> None:
    ssm = t.client("ssm")
    names = [
        p["Name"]
        for page in ssm.get_paginator("get_parameters_by_path").paginate(
            Path=res["name"].rstrip("/"), Recursive=True
        )
        for p in page["Parameters"]
    ]
    if names:
        t.gone(
            f"ssm_path {res['name']} ({len(names)} parameters)",
            lambda: [ssm.delete_parameters(Names=b, aws_retry=True) for b in batches(names, 10)],
        )


def kms_alias(t: Teardown, res: dict[str, Any]) -> None:
    kms = t.client("kms")
    try:
        key = kms.describe_key(KeyId=res["name"], aws_retry=True)["KeyMetadata"]
    except missing("NotFoundException"):
        return
    if key.get("KeyState") == "PendingDeletion":
        return
    days = res["pending_window_days"]

    def delete() -> None:
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=days, aws_retry=True)
        kms.delete_alias(AliasName=res["name"], aws_retry=True)

    t.gone(f"kms_alias {res['name']}", delete, f"its key deleted in {days} days")


def iam_role(t: Teardown, res: dict[str, Any]) -> None:
    iam = t.client("iam")
    try:
        iam.get_role(RoleName=res["name"], aws_retry=True)
    except missing("NoSuchEntity"):
        return

    def delete() -> None:
        for profile in iam.list_instance_profiles_for_role(RoleName=res["name"])["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(
                InstanceProfileName=profile["InstanceProfileName"], RoleName=res["name"], aws_retry=True
            )
        for policy in iam.list_attached_role_policies(RoleName=res["name"])["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=res["name"], PolicyArn=policy["PolicyArn"], aws_retry=True)
        for name in iam.list_role_policies(RoleName=res["name"])["PolicyNames"]:
            iam.delete_role_policy(RoleName=res["name"], PolicyName=name, aws_retry=True)
        iam.delete_role(RoleName=res["name"], aws_retry=True)

    t.gone(f"iam_role {res['name']}", delete)


def iam_instance_profile(t: Teardown, res: dict[str, Any]) -> None:
    iam = t.client("iam")
    try:
        profile = iam.get_instance_profile(InstanceProfileName=res["name"], aws_retry=True)["InstanceProfile"]
    except missing("NoSuchEntity"):
        return

    def delete() -> None:
        for role in profile.get("Roles", []):
            iam.remove_role_from_instance_profile(
                InstanceProfileName=res["name"], RoleName=role["RoleName"], aws_retry=True
            )
        iam.delete_instance_profile(InstanceProfileName=res["name"], aws_retry=True)

    t.gone(f"iam_instance_profile {res['name']}", delete)


def iam_user(t: Teardown, res: dict[str, Any]) -> None:
    iam = t.client("iam")
    try:
        iam.get_user(UserName=res["name"], aws_retry=True)
    except missing("NoSuchEntity"):
        return

    def delete() -> None:
        for key in iam.list_access_keys(UserName=res["name"])["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=res["name"], AccessKeyId=key["AccessKeyId"], aws_retry=True)
        for policy in iam.list_attached_user_policies(UserName=res["name"])["AttachedPolicies"]:
            iam.detach_user_policy(UserName=res["name"], PolicyArn=policy["PolicyArn"], aws_retry=True)
        for name in iam.list_user_policies(UserName=res["name"])["PolicyNames"]:
            iam.delete_user_policy(UserName=res["name"], PolicyName=name, aws_retry=True)
        iam.delete_user(UserName=res["name"], aws_retry=True)

    t.gone(f"iam_user {res['name']}", delete)


# --- mail, monitoring, backups, audit -----------------------------------------------------------


def ses_identity(t: Teardown, res: dict[str, Any]) -> None:
    ses = t.client("ses")
    if res["name"] in ses.list_identities(aws_retry=True)["Identities"]:
        t.gone(
            f"ses_identity {res['name']}", lambda: ses.delete_identity(Identity=res["name"], aws_retry=True)
        )


def ses_configuration_set(t: Teardown, res: dict[str, Any]) -> None:
    ses = t.client("ses")
    names = [c["Name"] for c in ses.list_configuration_sets(aws_retry=True).get("ConfigurationSets", [])]
    if res["name"] in names:
        t.gone(
            f"ses_configuration_set {res['name']}",
            lambda: ses.delete_configuration_set(ConfigurationSetName=res["name"], aws_retry=True),
        )


def sns_topic(t: Teardown, res: dict[str, Any]) -> None:
    sns = t.client("sns")
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            if topic["TopicArn"].split(":")[-1] == res["name"]:
                t.gone(
                    f"sns_topic {res['name']}",
                    lambda a=topic["TopicArn"]: sns.delete_topic(TopicArn=a, aws_retry=True),
                )


def alarms(t: Teardown, res: dict[str, Any]) -> None:
    cw = t.client("cloudwatch")
    names = [
        a["AlarmName"]
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=res["name"])
        for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
    ]
    if names:
        t.gone(
            f"alarms {res['name']}* ({len(names)})",
            lambda: [cw.delete_alarms(AlarmNames=b, aws_retry=True) for b in batches(names, 100)],
        )


def dashboard(t: Teardown, res: dict[str, Any]) -> None:
    cw = t.client("cloudwatch")
    entries = cw.list_dashboards(DashboardNamePrefix=res["name"], aws_retry=True).get("DashboardEntries", [])
    if any(e["DashboardName"] == res["name"] for e in entries):
        t.gone(
            f"dashboard {res['name']}",
            lambda: cw.delete_dashboards(DashboardNames=[res["name"]], aws_retry=True),
        )


def log_groups(t: Teardown, res: dict[str, Any]) -> None:
    logs = t.client("logs")
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=res["name"]):
        for group in page["logGroups"]:
            t.gone(
                f"log_group {group['logGroupName']}",
                lambda n=group["logGroupName"]: logs.delete_log_group(logGroupName=n, aws_retry=True),
            )


def backup_plan(t: Teardown, res: dict[str, Any]) -> None:
    backup = t.client("backup")
    for plan in backup.list_backup_plans(aws_retry=True).get("BackupPlansList", []):
        if plan["BackupPlanName"] != res["name"]:
            continue

        def delete(plan_id: str = plan["BackupPlanId"]) -> None:
            # A plan is deleted only without selections.
            for selection in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]:
                backup.delete_backup_selection(
                    BackupPlanId=plan_id, SelectionId=selection["SelectionId"], aws_retry=True
                )
            backup.delete_backup_plan(BackupPlanId=plan_id, aws_retry=True)

        t.gone(f"backup_plan {res['name']}", delete)


def backup_vault(t: Teardown, res: dict[str, Any]) -> None:
    # Only ever kept (its recovery points are what a teardown must not lose): the type exists so
    # that the summary says so.
    backup = t.client("backup")
    try:
        backup.describe_backup_vault(BackupVaultName=res["name"], aws_retry=True)
    except missing("ResourceNotFoundException", "AccessDeniedException"):
        return
    t.kept.append(f"backup_vault {res['name']}: {res['keep'] or 'the recovery points'}")


def cloudtrail(t: Teardown, res: dict[str, Any]) -> None:
    trail = t.client("cloudtrail")
    names = [x["Name"] for x in trail.list_trails(aws_retry=True).get("Trails", [])]
    if res["name"] in names:
        t.gone(f"cloudtrail {res['name']}", lambda: trail.delete_trail(Name=res["name"], aws_retry=True))


# --- network ------------------------------------------------------------------------------------


def security_groups(t: Teardown, res: dict[str, Any]) -> None:
    ec2 = t.client("ec2")
    groups = [
        g
        for g in ec2.describe_security_groups(Filters=t.tag_filters(), aws_retry=True)["SecurityGroups"]
        if g["GroupName"] != "default"
    ]
    if not groups:
        return

    def delete() -> None:
        # The groups name each other in their rules (alb -> app -> rds): no group can be deleted
        # while another's rule names it, so every rule goes first.
        for group in groups:
            if group.get("IpPermissions"):
                ec2.revoke_security_group_ingress(
                    GroupId=group["GroupId"], IpPermissions=group["IpPermissions"], aws_retry=True
                )
            if group.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(
                    GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"], aws_retry=True
                )
        for group in groups:
            ec2.delete_security_group(GroupId=group["GroupId"], aws_retry=True)

    t.gone(f"security_groups {', '.join(sorted(g['GroupName'] for g in groups))}", delete)


def vpc(t: Teardown, res: dict[str, Any]) -> None:
    ec2 = t.client("ec2")
    for found in ec2.describe_vpcs(Filters=t.tag_filters(), aws_retry=True)["Vpcs"]:
        vpc_id = found["VpcId"]
        name = next((x["Value"] for x in found.get("Tags", []) if x["Key"] == "Name"), vpc_id)
        t.gone(f"vpc {name} ({vpc_id}) and everything in it", lambda v=vpc_id: delete_vpc(t, ec2, v))


def delete_vpc(t: Teardown, ec2: Any, vpc_id: str) -> None:
    """Everything in the VPC, each kind before what it holds on to, then the VPC."""
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    if logs:
        ec2.delete_flow_logs(FlowLogIds=[f["FlowLogId"] for f in logs], aws_retry=True)
    endpoints = ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"]
    live_endpoints = [
        e["VpcEndpointId"] for e in endpoints if e["State"].lower() not in ("deleted", "deleting")
    ]
    if live_endpoints:
        ec2.delete_vpc_endpoints(VpcEndpointIds=live_endpoints, aws_retry=True)
    nats = [n for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"] if n["State"] != "deleted"]
    for nat in nats:
        ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"], aws_retry=True)

    def nats_gone() -> bool:
        states = [n["State"] for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]]
        return all(state in ("deleted", "failed") for state in states)

    wait_for(nats_gone, what=f"the NAT gateways of {vpc_id} to go", timeout_s=t.timeout, delay_s=10)
    # Their addresses are released only now: a NAT gateway holds its address until deleted.
    for nat in nats:
        for address in nat.get("NatGatewayAddresses", []):
            if address.get("AllocationId"):
                try:
                    ec2.release_address(AllocationId=address["AllocationId"], aws_retry=True)
                except missing("InvalidAllocationID.NotFound"):
                    pass
    for gateway in ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]:
        ec2.detach_internet_gateway(
            InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc_id, aws_retry=True
        )
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], aws_retry=True)
    for gateway in ec2.describe_egress_only_internet_gateways().get("EgressOnlyInternetGateways", []):
        if any(a.get("VpcId") == vpc_id for a in gateway.get("Attachments", [])):
            ec2.delete_egress_only_internet_gateway(
                EgressOnlyInternetGatewayId=gateway["EgressOnlyInternetGatewayId"], aws_retry=True
            )
    tables = ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
    for table in tables:
        for association in table.get("Associations", []):
            if not association.get("Main"):
                ec2.disassociate_route_table(
                    AssociationId=association["RouteTableAssociationId"], aws_retry=True
                )
    for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"], aws_retry=True)
    for table in tables:
        if not any(a.get("Main") for a in table.get("Associations", [])):
            ec2.delete_route_table(RouteTableId=table["RouteTableId"], aws_retry=True)
    for acl in ec2.describe_network_acls(Filters=in_vpc)["NetworkAcls"]:
        if not acl.get("IsDefault"):
            ec2.delete_network_acl(NetworkAclId=acl["NetworkAclId"], aws_retry=True)
    for group in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"], aws_retry=True)
    ec2.delete_vpc(VpcId=vpc_id, aws_retry=True)


HANDLERS: dict[str, Callable[[Teardown, dict[str, Any]], None]] = {
    f.__name__: f
    for f in (
        acm_certificate,
        alarms,
        autoscaling_group,
        backup_plan,
        backup_vault,
        cloudfront_distribution,
        cloudfront_origin_access_control,
        cloudtrail,
        dashboard,
        efs_file_system,
        elasticache_parameter_group,
        elasticache_replication_group,
        elasticache_subnet_group,
        iam_instance_profile,
        iam_role,
        iam_user,
        kms_alias,
        launch_template,
        load_balancer,
        log_groups,
        rds_instance,
        rds_parameter_group,
        rds_subnet_group,
        route53_health_check,
        route53_records,
        route53_zone,
        s3_bucket,
        secret,
        security_groups,
        ses_configuration_set,
        ses_identity,
        sns_topic,
        ssm_path,
        target_group,
        vpc,
        wafv2_web_acl,
    )
}


def keep(t: Teardown, res: dict[str, Any]) -> None:
    """Report a resource that is kept on purpose, if it exists: its handler, run in check mode."""
    probe = Teardown.__new__(Teardown)
    probe.__dict__.update(t.__dict__, check=True, deleted=[], kept=[], found=[])
    HANDLERS[res["type"]](probe, res)
    t.kept.extend(f"{what}: {res['keep']}" for what in probe.found)
    t.kept.extend(probe.kept)


def main() -> None:
    argument_spec = {
        "project": {"type": "str", "required": True},
        "environment": {"type": "str", "required": True, "aliases": ["env"]},
        "resources": {
            "type": "list",
            "elements": "dict",
            "required": True,
            "options": {
                "type": {"type": "str", "required": True, "choices": sorted(HANDLERS)},
                "name": {"type": "str", "default": ""},
                "keep": {"type": "str"},
                "purge": {"type": "bool", "default": False},
                "final_snapshot": {"type": "str", "default": ""},
                "recovery_window_days": {"type": "int", "default": 7},
                "pending_window_days": {"type": "int", "default": 7},
                "scope": {"type": "str", "default": "CLOUDFRONT", "choices": ["CLOUDFRONT", "REGIONAL"]},
            },
        },
        "wait_timeout": {"type": "int", "default": 1800},
    }
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    t = Teardown(module)
    for res in module.params["resources"]:
        what = f"{res['type']} {res['name']}".strip()
        try:
            if res["keep"] and res["type"] != "backup_vault":
                keep(t, res)
            else:
                HANDLERS[res["type"]](t, res)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg=f"Failed to delete {what}", deleted=t.deleted, kept=t.kept)
        except TimeoutError as e:
            module.fail_json(msg=f"Failed to delete {what}: {e}", deleted=t.deleted, kept=t.kept)
    module.exit_json(changed=bool(t.deleted), deleted=t.deleted, kept=t.kept)


if __name__ == "__main__":
    main()
