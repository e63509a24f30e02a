#!/usr/bin/python
# community.aws.acm_certificate only imports certificates; neither collection requests one from
# ACM (RequestCertificate), so this module exists.

from __future__ import annotations

DOCUMENTATION = r"""
module: acm_certificate_request
short_description: Request an ACM certificate validated through DNS, and wait until it is issued
version_added: 0.1.0
description:
  - Requests a public certificate from AWS Certificate Manager for O(domain_name) and
    O(subject_alternative_names), validated through DNS, unless one for exactly those names is
    already there (issued or pending validation).
  - Returns the DNS records that validate it (one per distinct name; a wildcard shares its
    domain's record), so a later task can create them, for instance with amazon.aws.route53.
  - With O(wait=true), waits until ACM has issued the certificate, and fails if validation fails
    or times out.
  - Tags are updated in place. A certificate cannot change its names; other names mean another
    certificate.
author:
  - Webcast platform engineering
options:
  domain_name:
    description: The certificate's main name, such as V(example.com) or V(*.example.com).
    type: str
    required: true
  subject_alternative_names:
    description: Further names the certificate covers, such as V(*.example.com).
    type: list
    elements: str
    default: []
  key_algorithm:
    description: The key algorithm of a new certificate.
    type: str
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
    default: RSA_2048
  wait:
    description: Whether to wait until the certificate is issued.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait, for the validation records to appear and with O(wait=true) for the issue.
    type: int
    default: 900
  state:
    description:
      - Whether the certificate should exist.
      - V(absent) deletes every requested certificate for exactly those names.
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
- name: Request the certificate of the public names
  webcast.platform.acm_certificate_request:
    domain_name: example.com
    subject_alternative_names: ["*.example.com"]
    tags:
      Name: webcast-production-public
  register: certificate

- name: Create the records that validate it
  amazon.aws.route53:
    zone: example.com
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: "{{ item.value }}"
    ttl: 300
    overwrite: true
  loop: "{{ certificate.validation_records }}"

- name: Wait until ACM has issued it
  webcast.platform.acm_certificate_request:
    domain_name: example.com
    subject_alternative_names: ["*.example.com"]
    wait: true
"""

RETURN = r"""
certificate:
  description:
    - The certificate as ACM describes it, keys in snake case.
    - Empty after O(state=absent); in check mode without a certificate, what a request would ask for.
  returned: always
  type: dict
  contains:
    certificate_arn:
      description: The certificate's ARN.
      type: str
      sample: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000000
    domain_name: {description: The main name., type: str, sample: example.com}
    subject_alternative_names:
      description: Every name covered, the main one included.
      type: list
      elements: str
    status: {description: PENDING_VALIDATION, ISSUED, FAILED, ..., type: str, sample: ISSUED}
    tags: {description: The certificate's tags., type: dict}
validation_records:
  description: The DNS records that validate the certificate, one per distinct record.
  returned: when O(state=present) and the certificate exists
  type: list
  elements: dict
  contains:
    name: {description: The record name., type: str, sample: _3639ac514e785e898d2646601fa951d5.example.com.}
    type: {description: The record type., type: str, sample: CNAME}
    value: {description: The record value., type: str, sample: _98d2646601fa951d5.acm-validations.aws.}
"""

import hashlib
from typing import Any

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing dependency

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.webcast.platform.plugins.module_utils.aws import (
    retrying_client,
    snake_result,
    wait_for,
    wanted_tags,
)

# A certificate in one of these states is the one for its names; any other (FAILED, EXPIRED,
# REVOKED, VALIDATION_TIMED_OUT, INACTIVE) is history, and a new request replaces it.
LIVE_STATUSES = ("ISSUED", "PENDING_VALIDATION")
FAILED_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")


def wanted_names(params: dict[str, Any]) -> set[str]:
    """Every name the certificate must cover, the main one included (ACM lists it as a SAN too)."""
    return {params["domain_name"], *params["subject_alternative_names"]}


def validation_records(certificate: dict[str, Any]) -> list[dict[str, str]]:
    """The distinct DNS validation records of a certificate, in the order ACM lists its names."""
    records: list[dict[str, str]] = []
    for option in certificate.get("DomainValidationOptions", []):
        record = option.get("ResourceRecord")
        if not record:
            continue
        entry = {"name": record["Name"], "type": record["Type"], "value": record["Value"]}
        if entry not in records:
            records.append(entry)
    return records


def records_complete(certificate: dict[str, Any]) -> bool:
    """Whether ACM has published a validation record for every name (a few seconds after the request)."""
    options = certificate.get("DomainValidationOptions", [])
    return bool(options) and all(option.get("ResourceRecord") for option in options)


def pick(candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The certificate to keep among those for the same names: an issued one first, then the newest."""
    if not candidates:
        return None
    return sorted(
        candidates,
        key=lambda c: (c["Status"] == "ISSUED", str(c.get("CreatedAt", ""))),
        reverse=True,
    )[0]


def fail(module, error, msg: str):
    module.fail_json_aws(error, msg=msg)


def describe(client, module, arn: str) -> dict[str, Any]:
    try:
        certificate = client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
        tags = client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags", [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to describe certificate {arn}")
    certificate["Tags"] = tags
    return certificate


def find_certificates(client, module, names: set[str], statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """The requested (AMAZON_ISSUED) certificates for exactly these names, in these states."""
    found = []
    try:
        paginator = client.get_paginator("list_certificates")
        summaries = (
            paginator.paginate(CertificateStatuses=list(statuses))
            .build_full_result()
            .get("CertificateSummaryList", [])
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, "Failed to list the certificates")
    for summary in summaries:
        if summary.get("DomainName") != module.params["domain_name"]:
            continue
        certificate = describe(client, module, summary["CertificateArn"])
        if (
            certificate.get("Type") == "AMAZON_ISSUED"
            and set(certificate.get("SubjectAlternativeNames", [])) == names
        ):
            found.append(certificate)
    return found


def result_of(certificate: dict[str, Any] | None) -> dict[str, Any]:
    if not certificate:
        return {}
    keep = ("CertificateArn", "DomainName", "SubjectAlternativeNames", "Status", "Tags", "KeyAlgorithm")
    return snake_result({key: value for key, value in certificate.items() if key in keep})


def request(client, module, names: set[str], tags: dict[str, str]) -> str:
    params = module.params
    call = {
        "DomainName": params["domain_name"],
        "ValidationMethod": "DNS",
        "KeyAlgorithm": params["key_algorithm"],
        # The same token for the same names within an hour returns the same certificate, so a
        # retried or repeated call never requests a second one.
        "IdempotencyToken": hashlib.sha256(" ".join(sorted(names)).encode()).hexdigest()[:32],
    }
    sans = [name for name in params["subject_alternative_names"] if name != params["domain_name"]]
    if sans:
        call["SubjectAlternativeNames"] = sans
    if tags:
        call["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    try:
        return client.request_certificate(aws_retry=True, **call)["CertificateArn"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to request a certificate for {', '.join(sorted(names))}")


def ensure_tags(client, module, certificate: dict[str, Any]) -> bool:
    if module.params.get("tags") is None:
        return False
    current = boto3_tag_list_to_ansible_dict(certificate.get("Tags", []))
    to_add, to_remove = compare_aws_tags(current, module.params["tags"], module.params["purge_tags"])
    if not (to_add or to_remove):
        return False
    if module.check_mode:
        return True
    arn = certificate["CertificateArn"]
    try:
        if to_remove:
            client.remove_tags_from_certificate(
                aws_retry=True, CertificateArn=arn, Tags=[{"Key": key} for key in to_remove]
            )
        if to_add:
            client.add_tags_to_certificate(
                aws_retry=True, CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_add)
            )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        fail(module, e, f"Failed to tag certificate {arn}")
    return True


def wait_until(client, module, arn: str, ready, what: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        certificate = describe(client, module, arn)
        if certificate["Status"] in FAILED_STATUSES:
            module.fail_json(
                msg=f"Certificate {arn} is {certificate['Status']}: "
                f"{certificate.get('FailureReason', 'no reason given')}",
                certificate=result_of(certificate),
            )
        return certificate if ready(certificate) else None

    try:
        return wait_for(check, what=what, timeout_s=module.params["wait_timeout"], delay_s=5)
    except TimeoutError as e:
        module.fail_json(msg=str(e), certificate=result_of(describe(client, module, arn)))


def ensure_present(client, module) -> dict[str, Any]:
    names = wanted_names(module.params)
    existing = pick(find_certificates(client, module, names, LIVE_STATUSES))
    before = result_of(existing)

    if existing is None:
        tags = wanted_tags({}, module.params)
        if module.check_mode:
            after = {
                "domain_name": module.params["domain_name"],
                "subject_alternative_names": sorted(names),
                "status": "PENDING_VALIDATION",
                "tags": tags,
            }
            return {
                "changed": True,
                "certificate": after,
                "validation_records": [],
                "diff": {"before": {}, "after": after},
            }
        arn = request(client, module, names, tags)
        certificate = wait_until(client, module, arn, records_complete, f"the validation records of {arn}")
        changed = True
    else:
        certificate = existing
        changed = ensure_tags(client, module, existing)
        if changed and not module.check_mode:
            certificate = describe(client, module, existing["CertificateArn"])
        if not records_complete(certificate) and not module.check_mode:
            certificate = wait_until(
                client, module, certificate["CertificateArn"], records_complete, "the validation records"
            )

    if module.params["wait"] and certificate["Status"] != "ISSUED" and not module.check_mode:
        certificate = wait_until(
            client,
            module,
            certificate["CertificateArn"],
            lambda c: c["Status"] == "ISSUED",
            "the certificate's issue",
        )

    after = result_of(certificate)
    if module.check_mode:
        after["tags"] = wanted_tags(
            boto3_tag_list_to_ansible_dict(certificate.get("Tags", [])), module.params
        )
    return {
        "changed": changed,
        "certificate": after,
        "validation_records": validation_records(certificate),
        "diff": {"before": before, "after": after},
    }


def ensure_absent(client, module) -> dict[str, Any]:
    names = wanted_names(module.params)
    every_status = LIVE_STATUSES + FAILED_STATUSES
    found = find_certificates(client, module, names, every_status)
    if not found:
        return {"changed": False, "certificate": {}}
    if not module.check_mode:
        for certificate in found:
            try:
                client.delete_certificate(aws_retry=True, CertificateArn=certificate["CertificateArn"])
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                fail(module, e, f"Failed to delete certificate {certificate['CertificateArn']}")
    return {"changed": True, "certificate": {}, "diff": {"before": result_of(pick(found)), "after": {}}}


def main() -> None:
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        key_algorithm=dict(
            type="str", default="RSA_2048", choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"]
        ),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = retrying_client(module, "acm")
    if module.params["state"] == "present":
        result = ensure_present(client, module)
    else:
        result = ensure_absent(client, module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
