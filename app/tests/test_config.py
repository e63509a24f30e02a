"""Settings from the environment (/etc/webcast/app.env on an instance)."""

from pathlib import Path

import pytest

from webcast_app.config import Config, ConfigError


def test_defaults_suit_an_instance_with_its_local_mta_and_media_mount():
    config = Config.from_env({})
    assert (config.smtp_host, config.smtp_port) == ("127.0.0.1", 25)
    assert config.media_root == Path("/srv/media")
    assert config.bootstrap_status == Path("/run/webcast/bootstrap.json")
    assert (config.db_tls, config.redis_tls) == (False, False)


def test_every_setting_is_read_from_its_variable():
    config = Config.from_env(
        {
            "WEBCAST_DB_HOST": "db.internal",
            "WEBCAST_DB_PORT": "3307",
            "WEBCAST_DB_NAME": "events",
            "WEBCAST_DB_USER": "app",
            "WEBCAST_DB_PASSWORD": "secret",
            "WEBCAST_DB_PASSWORD_FILE": "/run/webcast/db-password",
            "WEBCAST_DB_TLS": "true",
            "WEBCAST_REDIS_HOST": "cache.internal",
            "WEBCAST_REDIS_PORT": "6380",
            "WEBCAST_REDIS_TOKEN": "token",
            "WEBCAST_REDIS_TLS": "yes",
            "WEBCAST_SMTP_HOST": "mail.internal",
            "WEBCAST_SMTP_PORT": "587",
            "WEBCAST_MAIL_FROM": "events@example.org",
            "WEBCAST_MEDIA_ROOT": "/mnt/media",
            "WEBCAST_PUBLIC_URL": "https://webcast.example.org/",
            "WEBCAST_CDN_URL": "https://cdn.example.org",
            "WEBCAST_LIVE_PATH": "/hls/{stream}/index.m3u8",
        }
    )
    assert (config.db_host, config.db_port, config.db_name, config.db_user) == (
        "db.internal",
        3307,
        "events",
        "app",
    )
    assert (config.db_password, config.db_password_file, config.db_tls) == (
        "secret",
        "/run/webcast/db-password",
        True,
    )
    assert (config.redis_host, config.redis_port, config.redis_token, config.redis_tls) == (
        "cache.internal",
        6380,
        "token",
        True,
    )
    assert (config.smtp_host, config.smtp_port, config.mail_from) == (
        "mail.internal",
        587,
        "events@example.org",
    )
    assert config.media_root == Path("/mnt/media")
    assert config.public_url == "https://webcast.example.org"
    assert config.cdn_url == "https://cdn.example.org"
    assert config.live_path == "/hls/{stream}/index.m3u8"


def test_the_cdn_url_defaults_to_the_public_url():
    assert Config.from_env({"WEBCAST_PUBLIC_URL": "https://webcast.example.org"}).cdn_url == (
        "https://webcast.example.org"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WEBCAST_DB_PORT", "mysql"),
        ("WEBCAST_REDIS_TLS", "sometimes"),
        ("WEBCAST_PUBLIC_URL", "webcast.example.org"),
        ("WEBCAST_LIVE_PATH", "/hls/live.m3u8"),
    ],
)
def test_a_malformed_setting_is_refused_with_its_name(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Config.from_env({variable: value})
