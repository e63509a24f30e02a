"""The mail tier, as SES, Route 53, IAM and Secrets Manager report it after converge: aws_ses's promises."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote

import pytest
from conftest import ENV


@pytest.fixture(scope="module")
def domain() -> str:
    return f"{ENV}.webcast.test"


@pytest.fixture(scope="module")
def prefix(settings) -> str:
    return f"{settings['webcast_project']}-{ENV}-ses"


@pytest.fixture(scope="module")
def ses(aws):
    return aws("ses")


@pytest.fixture(scope="module")
def records(aws, domain) -> dict[tuple[str, str], list[str]]:
    route53 = aws("route53")
    zones = [z for z in route53.list_hosted_zones()["HostedZones"] if z["Name"] == f"{domain}."]
    assert len(zones) == 1, f"expected one hosted zone {domain}, found {zones}"
    sets = route53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]
    return {
        (s["Name"].rstrip("."), s["Type"]): [r["Value"] for r in s.get("ResourceRecords", [])] for s in sets
    }


@pytest.fixture(scope="module")
def credentials(aws, settings) -> dict:
    name = f"/{settings['webcast_project']}/{ENV}/smtp/credentials"
    return json.loads(aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def test_the_domain_is_an_ses_identity_with_easy_dkim(ses, domain):
    assert domain in ses.list_identities(IdentityType="Domain")["Identities"]
    dkim = ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]
    assert dkim["DkimEnabled"] is True
    assert len(dkim["DkimTokens"]) == 3


def test_each_dkim_token_has_its_cname_to_amazonses(ses, domain, records):
    tokens = ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]["DkimTokens"]
    for token in tokens:
        found = records.get((f"{token}._domainkey.{domain}", "CNAME"))
        assert found == [f"{token}.dkim.amazonses.com"], f"DKIM CNAME of {token}: {found}"


def test_mail_goes_out_from_mail_dot_domain_with_its_mx_and_spf(ses, domain, records, settings):
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=[domain])["MailFromDomainAttributes"]
    assert attributes[domain]["MailFromDomain"] == f"mail.{domain}"
    region = settings["webcast_aws_region"]
    assert records.get((f"mail.{domain}", "MX")) == [f"10 feedback-smtp.{region}.amazonses.com"]
    assert records.get((f"mail.{domain}", "TXT")) == ['"v=spf1 include:amazonses.com ~all"']


def test_dmarc_publishes_the_configured_policy(records, domain):
    found = records.get((f"_dmarc.{domain}", "TXT"))
    assert found == ['"v=DMARC1; p=quarantine"'], f"DMARC record: {found}"


def test_bounces_and_complaints_go_to_the_events_topic(ses, aws, prefix):
    described = ses.describe_configuration_set(
        ConfigurationSetName=prefix, ConfigurationSetAttributeNames=["eventDestinations"]
    )
    destinations = [d for d in described["EventDestinations"] if d]
    assert len(destinations) == 1, destinations
    assert sorted(destinations[0]["MatchingEventTypes"]) == ["bounce", "complaint"]
    topic_arn = destinations[0]["SNSDestination"]["TopicARN"]
    assert topic_arn.endswith(f":{prefix}-events")
    aws("sns").get_topic_attributes(TopicArn=topic_arn)  # the topic exists


def test_the_relay_user_may_only_send_raw_mail_from_the_domain(aws, prefix, domain):
    iam = aws("iam")
    user = f"{prefix}-smtp"
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == []
    names = iam.list_user_policies(UserName=user)["PolicyNames"]
    assert len(names) == 1, names
    document = iam.get_user_policy(UserName=user, PolicyName=names[0])["PolicyDocument"]
    policy = json.loads(unquote(document)) if isinstance(document, str) else document
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "ses:SendRawEmail"
    assert statement["Resource"].endswith(f":identity/{domain}")
    assert statement["Condition"] == {"StringLike": {"ses:FromAddress": f"*@{domain}"}}


def test_the_relay_has_exactly_one_access_key_the_stored_one(aws, prefix, credentials):
    keys = aws("iam").list_access_keys(UserName=f"{prefix}-smtp")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [credentials["username"]]


def test_the_stored_credentials_name_the_regional_smtp_endpoint_on_587(credentials, settings):
    assert sorted(credentials) == ["host", "password", "port", "username"]
    assert credentials["host"] == f"email-smtp.{settings['webcast_aws_region']}.amazonaws.com"
    assert credentials["port"] == 587


def test_the_stored_password_has_the_shape_of_an_ses_smtp_password(credentials):
    raw = base64.b64decode(credentials["password"], validate=True)
    assert raw[0] == 0x04 and len(raw) == 33, "not version 4 plus an HMAC-SHA256 signature"


def test_the_events_topic_is_encrypted_with_its_own_rotated_key(aws, prefix):
    topic_arn = next(
        t["TopicArn"]
        for t in aws("sns").list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{prefix}-events")
    )
    found = aws("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("KmsMasterKeyId")
    assert found == f"alias/{prefix}-events", f"the events topic's key: {found}"
    key = aws("kms").describe_key(KeyId=found)["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"
    assert aws("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_ses_may_use_the_events_key_only_for_this_accounts_configuration_set(aws, prefix, domain):
    kms = aws("kms")
    key_id = kms.describe_key(KeyId=f"alias/{prefix}-events")["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    ses = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert len(ses) == 1, f"statements for SES: {ses}"
    account = aws("sts").get_caller_identity()["Account"]
    condition = ses[0].get("Condition", {})
    assert condition.get("StringEquals", {}).get("aws:SourceAccount") == account, condition
    assert sorted(condition.get("ArnLike", {}).get("aws:SourceArn", [])) == sorted(
        [
            f"arn:aws:ses:{kms.meta.region_name}:{account}:configuration-set/{prefix}",
            f"arn:aws:ses:{kms.meta.region_name}:{account}:identity/{domain}",
        ]
    ), condition
    assert set(ses[0]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
