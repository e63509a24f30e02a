"""The certificates, as AWS (the emulator) reports them after converge: the promises of aws_acm."""

from __future__ import annotations

import boto3
import pytest
from conftest import ENV, env_tags


@pytest.fixture(scope="module")
def domain(settings) -> str:
    # The local inventory's webcast_domain is "{{ webcast_env }}.webcast.test".
    return settings["webcast_domain"].replace("{{ webcast_env }}", ENV)


@pytest.fixture(scope="module")
def acm_in(aws, settings):
    """An ACM client of the emulator in a region."""
    endpoint = aws("acm").meta.endpoint_url

    def client(region: str):
        return boto3.client(
            "acm",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client


def certificates_for(acm, domain: str) -> list[dict]:
    summaries = acm.list_certificates()["CertificateSummaryList"]
    return [
        acm.describe_certificate(CertificateArn=s["CertificateArn"])["Certificate"]
        for s in summaries
        if s["DomainName"] == domain
    ]


@pytest.mark.parametrize("where", ["region", "us-east-1"])
def test_one_issued_certificate_covers_the_domain_and_its_subdomains(acm_in, settings, domain, where):
    region = settings["webcast_aws_region"] if where == "region" else "us-east-1"
    found = certificates_for(acm_in(region), domain)
    assert len(found) == 1, f"{len(found)} certificates for {domain} in {region}: a re-import on a later run?"
    certificate = found[0]
    assert certificate["Status"] == "ISSUED"
    assert sorted(certificate["SubjectAlternativeNames"]) == sorted([domain, f"*.{domain}"])


@pytest.mark.parametrize("where", ["region", "us-east-1"])
def test_the_certificate_carries_the_environment_s_tags(acm_in, settings, domain, where):
    region = settings["webcast_aws_region"] if where == "region" else "us-east-1"
    (certificate,) = certificates_for(acm_in(region), domain)
    tags = acm_in(region).list_tags_for_certificate(CertificateArn=certificate["CertificateArn"])["Tags"]
    name = f"{settings['webcast_project']}-{ENV}-certificate"
    assert {t["Key"]: t["Value"] for t in tags} == env_tags(settings, name, "certificate")


def test_the_local_certificate_is_imported_as_the_inventory_asks(acm_in, settings, domain):
    assert settings["aws_acm_mode"] == "import"
    (certificate,) = certificates_for(acm_in(settings["webcast_aws_region"]), domain)
    assert certificate["Type"] == "IMPORTED"
