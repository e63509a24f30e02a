"""The distribution, as CloudFront (the emulator) reports it: the promises of aws_cloudfront."""

from __future__ import annotations

import re

import pytest
from conftest import ENV, role_defaults

PROJECT_PREFIX = f"webcast-{ENV}"


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront", region="us-east-1")


@pytest.fixture(scope="module")
def wanted(settings) -> dict:
    merged = {**role_defaults("aws_cloudfront"), **settings}
    # The default playlist TTL is a template: about half a fragment, at least a second.
    merged["aws_cloudfront_playlist_ttl_s"] = max(1, int(settings["webcast_hls_fragment_s"]) // 2)
    return merged


@pytest.fixture(scope="module")
def distribution(cloudfront, domain) -> dict:
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    found = [d for d in items if domain in d["Aliases"].get("Items", [])]
    assert len(found) == 1, f"expected one distribution for {domain}, found {len(found)}"
    return cloudfront.get_distribution(Id=found[0]["Id"])["Distribution"]


@pytest.fixture(scope="module")
def config(distribution) -> dict:
    return distribution["DistributionConfig"]


@pytest.fixture(scope="module")
def origins(config) -> dict[str, dict]:
    return {origin["Id"]: origin for origin in config["Origins"]["Items"]}


@pytest.fixture(scope="module")
def behaviours(config) -> dict[str, dict]:
    found = {b["PathPattern"]: b for b in config["CacheBehaviors"].get("Items", [])}
    found["default"] = config["DefaultCacheBehavior"]
    return found


def test_the_distribution_answers_for_the_domain_and_www(config, domain):
    assert sorted(config["Aliases"]["Items"]) == sorted([domain, f"www.{domain}"]), config["Aliases"]
    assert config["Enabled"] is True


def test_the_alb_origin_is_reached_by_https_and_tls_1_2_only(origins, domain):
    alb = origins["alb"]
    assert alb["DomainName"] == f"origin.{domain}", alb["DomainName"]
    custom = alb["CustomOriginConfig"]
    assert custom["OriginProtocolPolicy"] == "https-only", custom
    assert custom["OriginSslProtocols"]["Items"] == ["TLSv1.2"], custom["OriginSslProtocols"]


def test_the_alb_origin_carries_the_secret_header_from_secrets_manager(aws, origins):
    headers = origins["alb"]["CustomHeaders"].get("Items", [])
    assert len(headers) == 1, f"expected one secret origin header, found {[h['HeaderName'] for h in headers]}"
    secrets = aws("secretsmanager")
    listed = secrets.list_secrets()["SecretList"]
    names = [s["Name"] for s in listed if s["Name"].startswith(f"/webcast/{ENV}/")]
    values = {secrets.get_secret_value(SecretId=name)["SecretString"] for name in names}
    assert headers[0]["HeaderValue"] in values, (
        f"the header {headers[0]['HeaderName']} holds no secret of /webcast/{ENV}/"
    )


def test_the_media_bucket_is_read_through_origin_access_control(cloudfront, origins):
    media = origins["media"]
    assert re.fullmatch(rf"{PROJECT_PREFIX}-media-\d{{12}}\.s3\..+", media["DomainName"]), media["DomainName"]
    assert media["S3OriginConfig"]["OriginAccessIdentity"] == "", "a legacy origin access identity is set"
    oac_id = media.get("OriginAccessControlId")
    assert oac_id, f"the media origin has no origin access control: {media}"
    oac = cloudfront.get_origin_access_control(Id=oac_id)["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    ), oac


def test_live_playlists_are_cached_about_half_a_fragment(behaviours, wanted):
    playlist = behaviours.get("/hls/*.m3u8")
    assert playlist, f"no behaviour for live playlists; found {sorted(behaviours)}"
    assert playlist["TargetOriginId"] == "alb"
    ttl = wanted["aws_cloudfront_playlist_ttl_s"]
    assert (playlist["MinTTL"], playlist["DefaultTTL"], playlist["MaxTTL"]) == (0, ttl, ttl), playlist


@pytest.mark.parametrize("path", ["/hls/*.ts", "/hls/*.m4s"])
def test_live_segments_are_cached_long_and_the_origin_may_say_otherwise(behaviours, wanted, path):
    segment = behaviours.get(path)
    assert segment, f"no behaviour for {path}; found {sorted(behaviours)}"
    assert segment["TargetOriginId"] == "alb"
    assert segment["MinTTL"] == 0, segment["MinTTL"]
    assert segment["DefaultTTL"] == wanted["aws_cloudfront_segment_ttl_s"], segment["DefaultTTL"]
    assert segment["MaxTTL"] == wanted["aws_cloudfront_max_ttl_s"], segment["MaxTTL"]


def test_on_demand_video_comes_from_the_media_bucket(behaviours):
    vod = behaviours.get("/vod/*")
    assert vod, f"no behaviour for /vod/*; found {sorted(behaviours)}"
    assert vod["TargetOriginId"] == "media"
    assert sorted(vod["AllowedMethods"]["Items"]) == ["GET", "HEAD"], vod["AllowedMethods"]


@pytest.mark.parametrize("path", ["/hls/*.m3u8", "/hls/*.ts", "/hls/*.m4s", "/vod/*"])
def test_media_is_shared_by_every_viewer_without_cookies_or_query_strings(behaviours, path):
    forwarded = behaviours[path]["ForwardedValues"]
    assert forwarded["Cookies"]["Forward"] == "none", forwarded
    assert forwarded["QueryString"] is False, forwarded


def test_the_app_is_not_cached_and_gets_cookies_query_strings_and_the_host(behaviours):
    app = behaviours["default"]
    assert app["TargetOriginId"] == "alb"
    assert (app["MinTTL"], app["DefaultTTL"], app["MaxTTL"]) == (0, 0, 0), app
    forwarded = app["ForwardedValues"]
    assert forwarded["Cookies"]["Forward"] == "all", forwarded["Cookies"]
    assert forwarded["QueryString"] is True
    assert "Host" in forwarded["Headers"].get("Items", []), forwarded["Headers"]
    assert sorted(app["AllowedMethods"]["Items"]) == sorted(
        ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    ), app["AllowedMethods"]


def test_every_behaviour_redirects_to_https_and_compresses(behaviours):
    for path, behaviour in behaviours.items():
        policy = behaviour["ViewerProtocolPolicy"]
        assert policy == "redirect-to-https", (path, policy)
        assert behaviour["Compress"] is True, path


def test_errors_are_cached_for_a_second(config, wanted):
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"].get("Items", [])}
    assert sorted(errors) == [404, 500, 502, 503, 504], sorted(errors)
    for code, response in errors.items():
        ttl = response["ErrorCachingMinTTL"]
        assert ttl == wanted["aws_cloudfront_error_caching_ttl_s"], (code, response)


def test_viewers_get_the_acm_certificate_by_sni_and_tls_1_2_2021(config, wanted):
    certificate = config["ViewerCertificate"]
    assert certificate["ACMCertificateArn"].startswith("arn:aws:acm:us-east-1:"), certificate
    assert certificate["SSLSupportMethod"] == "sni-only", certificate
    minimum = certificate["MinimumProtocolVersion"]
    assert minimum == wanted["aws_cloudfront_minimum_protocol_version"], certificate
    assert certificate.get("CloudFrontDefaultCertificate") is False, certificate


def test_http2_http3_ipv6_price_class_and_root_object(config, wanted):
    assert config["HttpVersion"] == "http2and3"
    assert config["IsIPV6Enabled"] is True
    assert config["PriceClass"] == wanted["aws_cloudfront_price_class"]
    assert config["DefaultRootObject"] == wanted["aws_cloudfront_default_root_object"]


def test_access_logs_go_to_the_logs_bucket(config, wanted):
    logging = config["Logging"]
    assert logging["Enabled"] is True, logging
    assert re.fullmatch(rf"{PROJECT_PREFIX}-logs-\d{{12}}\.s3\.amazonaws\.com", logging["Bucket"]), logging
    assert logging["Prefix"] == wanted["aws_cloudfront_log_prefix"], logging


def test_the_web_acl_guards_the_distribution(aws, config):
    acls = aws("wafv2", region="us-east-1").list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    arns = [acl["ARN"] for acl in acls if acl["Name"] == f"{PROJECT_PREFIX}-edge"]
    assert config["WebACLId"] in arns, f"WebACLId {config['WebACLId']!r} is not the environment's ACL {arns}"


def test_the_distribution_is_tagged_for_its_environment(cloudfront, distribution):
    listed = cloudfront.list_tags_for_resource(Resource=distribution["ARN"])["Tags"]["Items"]
    tags = {t["Key"]: t["Value"] for t in listed}
    found = (tags.get("Environment"), tags.get("Component"), tags.get("ManagedBy"))
    assert found == (ENV, "cdn", "ansible"), tags
