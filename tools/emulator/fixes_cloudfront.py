"""CloudFront: what GetDistribution/GetDistributionConfig return for the configuration they were given.

community.aws.cloudfront_distribution decides whether to update a distribution by comparing the
configuration it would send with the one CloudFront returns, key for key. AWS returns what it was
given (plus its documented defaults); moto returns empty strings and empty lists where AWS returns
nothing, drops what it does not model (OriginAccessControlId, S3OriginConfig) and always names
the viewer certificate's source "cloudfront". Each difference makes the module update the
distribution on every run, so a converged environment never reports ok.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any
from unittest import mock

from tools.emulator.fixes import Fix, _Together

# Optional strings of a cache behaviour that AWS leaves out when they were not set.
_OPTIONAL_BEHAVIOUR_STRINGS = (
    "cache_policy_id",
    "origin_request_policy_id",
    "response_headers_policy_id",
    "realtime_log_config_arn",
)


def _without_empty_strings(behaviour: Any) -> None:
    for attribute in _OPTIONAL_BEHAVIOUR_STRINGS:
        if not getattr(behaviour, attribute, None):
            setattr(behaviour, attribute, None)


def _without_empty_items(signers: Any) -> None:
    if not signers.items:
        signers.items = None


def _cloudfront_behaviour_unset_fields() -> AbstractContextManager:
    """AWS leaves out a cache behaviour's unset policies and the Items of an empty signer list.

    A behaviour configured with ForwardedValues (the legacy cache settings) has no CachePolicyId,
    OriginRequestPolicyId, ResponseHeadersPolicyId or RealtimeLogConfigArn in AWS's answer, and
    TrustedSigners/TrustedKeyGroups with Quantity 0 have no Items (CloudFront's XML has no empty
    list element, so botocore gives no key). moto answers "" for the policies and the log config
    and [] for the Items.
    """
    from moto.cloudfront import models

    default_init = models.DefaultCacheBehaviour.__init__
    behaviour_init = models.CacheBehaviour.__init__
    signers_init = models.TrustedSigners.__init__
    key_groups_init = models.TrustedKeyGroups.__init__

    def default_behaviour(self: Any, config: dict[str, Any]) -> None:
        default_init(self, config)
        _without_empty_strings(self)

    def behaviour(self: Any, config: dict[str, Any]) -> None:
        behaviour_init(self, config)
        _without_empty_strings(self)

    def signers(self: Any, config: dict[str, Any]) -> None:
        signers_init(self, config)
        _without_empty_items(self)

    def key_groups(self: Any, config: dict[str, Any]) -> None:
        key_groups_init(self, config)
        _without_empty_items(self)

    return _Together(
        mock.patch.object(models.DefaultCacheBehaviour, "__init__", default_behaviour),
        mock.patch.object(models.CacheBehaviour, "__init__", behaviour),
        mock.patch.object(models.TrustedSigners, "__init__", signers),
        mock.patch.object(models.TrustedKeyGroups, "__init__", key_groups),
    )


def _cloudfront_origin_access_control_on_origins() -> AbstractContextManager:
    """AWS returns an origin's OriginAccessControlId and S3OriginConfig as they were set.

    An S3 origin behind Origin Access Control is configured with S3OriginConfig
    {OriginAccessIdentity: ""} and OriginAccessControlId; AWS returns both. moto keeps neither (it
    reads the identity into an attribute it never returns), so a distribution's S3 origin loses its
    OAC in every answer, and the module puts it back on every run.
    """
    from moto.cloudfront import models

    origin_init = models.Origin.__init__

    def origin(self: Any, config: dict[str, Any]) -> None:
        origin_init(self, config)
        self.origin_access_control_id = config.get("OriginAccessControlId") or ""
        s3_origin_config = config.get("S3OriginConfig")
        self.s3_origin_config = (
            {"OriginAccessIdentity": s3_origin_config.get("OriginAccessIdentity") or ""}
            if s3_origin_config is not None
            else None
        )

    return mock.patch.object(models.Origin, "__init__", origin)


def _cloudfront_viewer_certificate_source() -> AbstractContextManager:
    """AWS names a viewer certificate's source after where it comes from: acm, iam or cloudfront.

    The deprecated CertificateSource that AWS still returns is "acm" for an ACMCertificateArn,
    "iam" for an IAMCertificateId, and "cloudfront" only for CloudFront's default certificate.
    moto answers "cloudfront" for every certificate.
    """
    from moto.cloudfront import models

    certificate_init = models.ViewerCertificate.__init__

    def certificate(self: Any, config: dict[str, Any]) -> None:
        certificate_init(self, config)
        if self.acm_certificate_arn:
            self.certificate_source = "acm"
        elif self.iam_certificate_id:
            self.certificate_source = "iam"

    return mock.patch.object(models.ViewerCertificate, "__init__", certificate)


FIXES: tuple[Fix, ...] = (
    Fix(
        name="cloudfront_behaviour_unset_fields",
        aws_behaviour="GetDistributionConfig leaves out a behaviour's unset policy ids and log config, "
        "and the Items of empty trusted signer and key group lists",
        patch=_cloudfront_behaviour_unset_fields,
    ),
    Fix(
        name="cloudfront_origin_access_control_on_origins",
        aws_behaviour="GetDistributionConfig returns an origin's OriginAccessControlId and S3OriginConfig",
        patch=_cloudfront_origin_access_control_on_origins,
    ),
    Fix(
        name="cloudfront_viewer_certificate_source",
        aws_behaviour="GetDistributionConfig names an ACM viewer certificate's CertificateSource 'acm'",
        patch=_cloudfront_viewer_certificate_source,
    ),
)
