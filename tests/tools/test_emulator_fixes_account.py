"""The account baseline's emulator fixes: what moto answers without them, and with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from emulator_helpers import REGION, fix
from moto import mock_aws

FSBP = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def test_without_the_fix_the_default_ebs_key_cannot_be_read(aws):
    with pytest.raises(NotImplementedError, match="get_ebs_default_kms_key_id"):
        aws("ec2").get_ebs_default_kms_key_id()


def test_with_the_fix_the_default_ebs_key_is_the_aws_managed_one_until_another_is_chosen(aws):
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    with fix("ec2_get_ebs_default_kms_key_id").patch():
        managed = aws("ec2").get_ebs_default_kms_key_id()["KmsKeyId"]
        aws("ec2").modify_ebs_default_kms_key_id(KmsKeyId=key)
        chosen = aws("ec2").get_ebs_default_kms_key_id()["KmsKeyId"]
    assert aws("kms").describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"] == managed
    assert chosen == key


def test_without_the_fix_security_hub_has_no_standards_api(aws):
    aws("securityhub").enable_security_hub(EnableDefaultStandards=False)
    with pytest.raises(aws("securityhub").exceptions.ClientError, match="Not yet implemented"):
        aws("securityhub").get_enabled_standards()


def test_with_the_fix_standards_are_enabled_listed_and_disabled_once_subscribed(aws):
    hub = aws("securityhub")
    with fix("securityhub_standards").patch():
        with pytest.raises(hub.exceptions.InvalidAccessException):
            hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": FSBP}])
        hub.enable_security_hub(EnableDefaultStandards=False)
        hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": FSBP}])
        enabled = hub.get_enabled_standards()["StandardsSubscriptions"]
        hub.batch_disable_standards(StandardsSubscriptionArns=[enabled[0]["StandardsSubscriptionArn"]])
        after = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert [(s["StandardsArn"], s["StandardsStatus"]) for s in enabled] == [(FSBP, "READY")]
    assert after == []
