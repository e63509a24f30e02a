"""What GetDistributionConfig tells community.aws.cloudfront_distribution about a distribution.

AWS returns the configuration it was given: no empty policy ids or empty Items lists, the origin's
OriginAccessControlId and S3OriginConfig, and CertificateSource "acm" for an ACM certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from ansible_collections.community.aws.plugins.modules import cloudfront_distribution
from emulator_helpers import fix, run_module
from moto import mock_aws
from moto.cloudfront import models

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000"
MEDIA = "webcast-test-media.s3.eu-west-1.amazonaws.com"
UNSET = ("CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId", "RealtimeLogConfigArn")
FIX_NAMES = (
    "cloudfront_behaviour_unset_fields",
    "cloudfront_origin_access_control_on_origins",
    "cloudfront_viewer_certificate_source",
)


class all_cloudfront_fixes(ExitStack):
    def __enter__(self) -> all_cloudfront_fixes:
        super().__enter__()
        for name in FIX_NAMES:
            self.enter_context(fix(name).patch())
        return self


@pytest.fixture
def cloudfront() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudfront", region_name="us-east-1")


def oac(cloudfront) -> str:
    return cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": "media",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]


def behaviour(**extra: Any) -> dict[str, Any]:
    return {
        "TargetOriginId": "media",
        "ViewerProtocolPolicy": "redirect-to-https",
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        "MinTTL": 0,
        "DefaultTTL": 86400,
        "MaxTTL": 31536000,
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        **extra,
    }


def created_config(cloudfront, oac_id: str) -> dict[str, Any]:
    """A distribution with an OAC'd S3 origin, a legacy cache behaviour and an ACM certificate; its config."""
    distribution_id = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "webcast-test",
            "Comment": "test",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "media",
                        "DomainName": MEDIA,
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                        "OriginAccessControlId": oac_id,
                    }
                ],
            },
            "DefaultCacheBehavior": behaviour(),
            "CacheBehaviors": {"Quantity": 1, "Items": [behaviour(PathPattern="/vod/*")]},
            "ViewerCertificate": {
                "ACMCertificateArn": CERTIFICATE,
                "SSLSupportMethod": "sni-only",
                "MinimumProtocolVersion": "TLSv1.2_2021",
            },
        }
    )["Distribution"]["Id"]
    return cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]


# --- what moto answers without the fixes -------------------------------------------------------


def test_without_the_fixes_moto_answers_empty_values_drops_the_oac_and_names_acm_cloudfront(cloudfront):
    config = created_config(cloudfront, oac(cloudfront))

    default = config["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == ""
    assert default["RealtimeLogConfigArn"] == ""
    assert default["TrustedSigners"]["Items"] == []
    assert config["CacheBehaviors"]["Items"][0]["OriginRequestPolicyId"] == ""
    origin = config["Origins"]["Items"][0]
    assert "OriginAccessControlId" not in origin
    assert "S3OriginConfig" not in origin
    assert config["ViewerCertificate"]["CertificateSource"] == "cloudfront"


# --- what each fix restores --------------------------------------------------------------------


def test_with_the_fix_unset_policies_and_empty_items_are_left_out_as_on_aws(cloudfront):
    with fix("cloudfront_behaviour_unset_fields").patch():
        config = created_config(cloudfront, oac(cloudfront))

    for each in (config["DefaultCacheBehavior"], config["CacheBehaviors"]["Items"][0]):
        for key in UNSET:
            assert key not in each, (key, each[key])
        assert each["TrustedSigners"] == {"Enabled": False, "Quantity": 0}
        assert each["TrustedKeyGroups"] == {"Enabled": False, "Quantity": 0}


def test_with_the_fix_a_set_cache_policy_is_still_returned(cloudfront):
    with fix("cloudfront_behaviour_unset_fields").patch():
        distribution_id = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": "policy",
                "Comment": "",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "media", "DomainName": MEDIA}]},
                "DefaultCacheBehavior": {
                    "TargetOriginId": "media",
                    "ViewerProtocolPolicy": "https-only",
                    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                },
            }
        )["Distribution"]["Id"]
        config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]

    assert config["DefaultCacheBehavior"]["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_with_the_fix_an_origin_keeps_its_origin_access_control(cloudfront):
    oac_id = oac(cloudfront)
    with fix("cloudfront_origin_access_control_on_origins").patch():
        origin = created_config(cloudfront, oac_id)["Origins"]["Items"][0]

    assert origin["OriginAccessControlId"] == oac_id
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_with_the_fix_an_acm_certificate_has_the_source_acm(cloudfront):
    with fix("cloudfront_viewer_certificate_source").patch():
        certificate = created_config(cloudfront, oac(cloudfront))["ViewerCertificate"]

    assert certificate["CertificateSource"] == "acm"
    assert certificate["ACMCertificateArn"] == CERTIFICATE


def test_the_cloudfront_fixes_are_reversible(cloudfront):
    patched = (models.DefaultCacheBehaviour, models.CacheBehaviour, models.Origin, models.ViewerCertificate)
    inits = {cls: cls.__init__ for cls in patched}
    with all_cloudfront_fixes():
        assert {cls: cls.__init__ for cls in inits} != inits
    assert {cls: cls.__init__ for cls in inits} == inits
    config = created_config(cloudfront, oac(cloudfront))
    assert config["ViewerCertificate"]["CertificateSource"] == "cloudfront"


# --- the collection module ---------------------------------------------------------------------


def module_args(oac_id: str) -> dict[str, Any]:
    """What aws_cloudfront asks of community.aws.cloudfront_distribution, reduced to one S3 origin."""
    static = {
        "target_origin_id": "media",
        "viewer_protocol_policy": "redirect-to-https",
        "compress": True,
        "min_ttl": 0,
        "default_ttl": 86400,
        "max_ttl": 31536000,
        "function_associations": {"quantity": 0},
        "trusted_key_groups": {"enabled": False, "quantity": 0},
        "allowed_methods": {"items": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]},
        "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}, "headers": []},
    }
    return {
        "region": "us-east-1",
        "state": "present",
        "caller_reference": "webcast-test",
        "comment": "test",
        "aliases": ["webcast.test"],
        "origins": [
            {
                "id": "media",
                "domain_name": MEDIA,
                "origin_path": "",
                "connection_attempts": 3,
                "connection_timeout": 10,
                "origin_shield": {"enabled": False},
                "s3_origin_config": {"origin_access_identity": ""},
                "origin_access_control_id": oac_id,
            }
        ],
        "default_cache_behavior": static,
        "cache_behaviors": [{**static, "path_pattern": "/vod/*"}],
        "viewer_certificate": {
            "cloudfront_default_certificate": False,
            "acm_certificate_arn": CERTIFICATE,
            "certificate": CERTIFICATE,
            "certificate_source": "acm",
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        },
    }


def test_without_the_fixes_the_module_updates_the_distribution_on_every_run(cloudfront, capsys):
    args = module_args(oac(cloudfront))
    assert run_module(capsys, cloudfront_distribution, **args)["changed"] is True
    assert run_module(capsys, cloudfront_distribution, **args)["changed"] is True


def test_with_the_fixes_the_module_reports_no_change_on_its_second_run(cloudfront, capsys):
    args = module_args(oac(cloudfront))
    with all_cloudfront_fixes():
        first = run_module(capsys, cloudfront_distribution, **args)
        second = run_module(capsys, cloudfront_distribution, **args)

    assert first["changed"] is True, first
    assert second["changed"] is False, second.get("diff")
    (origin,) = second["origins"]["items"]
    assert origin["origin_access_control_id"] == args["origins"][0]["origin_access_control_id"]


@pytest.mark.parametrize("left_out", FIX_NAMES)
def test_each_cloudfront_fix_is_needed_for_the_second_run(cloudfront, capsys, left_out):
    args = module_args(oac(cloudfront))
    with ExitStack() as stack:
        for name in FIX_NAMES:
            if name != left_out:
                stack.enter_context(fix(name).patch())
        run_module(capsys, cloudfront_distribution, **args)
        second = run_module(capsys, cloudfront_distribution, **args)

    assert second["changed"] is True, left_out
