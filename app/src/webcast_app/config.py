"""Settings, read once from the environment (on an instance: /etc/webcast/app.env, written at boot)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true or false")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected an integer") from None


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, default).strip().rstrip("/")
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name}={value!r}: expected an http(s) URL")
    return value


@dataclass(frozen=True)
class Config:
    db_host: str = "127.0.0.1"
    db_port: int = 3306
    db_name: str = "webcast"
    db_user: str = "webcast"
    db_password: str = ""
    # A file holding the password, read again for every new connection (RDS rotates the password;
    # the instance's webcast-db-password timer rewrites the file): wins over db_password when set.
    db_password_file: str = ""
    db_tls: bool = False
    db_tls_ca: str = ""
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_token: str = ""
    redis_tls: bool = False
    redis_tls_ca: str = ""
    redis_db: int = 0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    mail_from: str = "webcast@localhost"
    media_root: Path = Path("/srv/media")
    public_url: str = "http://localhost"
    cdn_url: str = "http://localhost"
    live_path: str = "/hls/{stream}.m3u8"
    rtmp_app: str = "live"
    bootstrap_status: Path = Path("/run/webcast/bootstrap.json")
    session_ttl_s: int = 86400
    check_timeout_s: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        get = env.get
        live_path = get("WEBCAST_LIVE_PATH", cls.live_path)
        if "{stream}" not in live_path or not live_path.startswith("/"):
            raise ConfigError(f"WEBCAST_LIVE_PATH={live_path!r}: expected a path with {{stream}}")
        return cls(
            db_host=get("WEBCAST_DB_HOST", cls.db_host),
            db_port=_int(env, "WEBCAST_DB_PORT", cls.db_port),
            db_name=get("WEBCAST_DB_NAME", cls.db_name),
            db_user=get("WEBCAST_DB_USER", cls.db_user),
            db_password=get("WEBCAST_DB_PASSWORD", cls.db_password),
            db_password_file=get("WEBCAST_DB_PASSWORD_FILE", cls.db_password_file),
            db_tls=_flag(env, "WEBCAST_DB_TLS", cls.db_tls),
            db_tls_ca=get("WEBCAST_DB_TLS_CA", cls.db_tls_ca),
            redis_host=get("WEBCAST_REDIS_HOST", cls.redis_host),
            redis_port=_int(env, "WEBCAST_REDIS_PORT", cls.redis_port),
            redis_token=get("WEBCAST_REDIS_TOKEN", cls.redis_token),
            redis_tls=_flag(env, "WEBCAST_REDIS_TLS", cls.redis_tls),
            redis_tls_ca=get("WEBCAST_REDIS_TLS_CA", cls.redis_tls_ca),
            redis_db=_int(env, "WEBCAST_REDIS_DB", cls.redis_db),
            smtp_host=get("WEBCAST_SMTP_HOST", cls.smtp_host),
            smtp_port=_int(env, "WEBCAST_SMTP_PORT", cls.smtp_port),
            mail_from=get("WEBCAST_MAIL_FROM", cls.mail_from),
            media_root=Path(get("WEBCAST_MEDIA_ROOT", str(cls.media_root))),
            public_url=_url(env, "WEBCAST_PUBLIC_URL", cls.public_url),
            cdn_url=_url(env, "WEBCAST_CDN_URL", get("WEBCAST_PUBLIC_URL", cls.cdn_url)),
            live_path=live_path,
            rtmp_app=get("WEBCAST_RTMP_APP", cls.rtmp_app),
            bootstrap_status=Path(get("WEBCAST_BOOTSTRAP_STATUS", str(cls.bootstrap_status))),
            session_ttl_s=_int(env, "WEBCAST_SESSION_TTL_S", cls.session_ttl_s),
            check_timeout_s=_int(env, "WEBCAST_CHECK_TIMEOUT_S", cls.check_timeout_s),
        )
