#!/usr/bin/python3
"""Write an instance's runtime configuration from SSM Parameter Store and Secrets Manager.

Run once at boot by webcast-bootstrap.service, before the app, the media server, the mail relay
and the EFS mount. Reads every parameter under /<project>/<env>/ and the secrets the *_secret_arn
parameters point to, then writes /etc/webcast/{app,media,efs,relay}.env, the postfix SASL map and
the database password file (/run/webcast/db-password, readable by the app's user only).
Region, project and env come from /etc/webcast/bootstrap.conf when set there, otherwise from the
instance metadata (IMDSv2: a session token first, then the region and the Project/Environment
instance tags). Credentials come from boto3's chain: the instance role on EC2.

When anything is missing it writes nothing but the status file, logs one line naming each missing
parameter or secret, and exits 1. The status file (/run/webcast/bootstrap.json) never holds a value:
only names, so the app's health path may report it.

With --db-password (webcast-db-password.timer, every 20 s) it only reads db/secret_arn and that
secret again, and rewrites the password file when the password changed: RDS rotates the master
password, and the app opens each new connection with the file's content, without a restart. It
takes the project, env and region from the status file of the boot's run, so it asks no metadata.

Managed by Ansible (role bootstrap): local changes are overwritten.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

CONF_FILE = Path(os.environ.get("WEBCAST_BOOTSTRAP_CONF", "/etc/webcast/bootstrap.conf"))

# The parameters the instance needs, under /<project>/<env>/ (docs/runtime-config.md).
REQUIRED = (
    "db/endpoint",
    "db/port",
    "db/name",
    "db/user",
    "db/secret_arn",
    "redis/endpoint",
    "redis/port",
    "redis/token_secret_arn",
    "efs/file_system_id",
    "efs/access_point_id",
    "s3/media_bucket",
    "smtp/host",
    "smtp/port",
    "smtp/credentials_secret_arn",
    "urls/public",
    "urls/cdn",
    "media/hls_fragment_s",
    "env/region",
)
# Optional: the domain mail is sent from (SES's verified identity), the host of urls/public if unset;
# whether the database and Redis are reached over TLS, true unless "false" (only the local data
# plane's plain MariaDB and Redis say so).
OPTIONAL = ("smtp/sender_domain", "db/tls", "redis/tls")
# The RDS CA bundle the app verifies the database's certificate against (bootstrap.conf db_tls_ca).
DB_TLS_CA = "/etc/ssl/certs/rds-global-bundle.pem"
# The database password: on tmpfs, owned by the app's user, mode 0400 (bootstrap.conf
# db_password_file and db_password_owner).
DB_PASSWORD_FILE = "/run/webcast/db-password"
DB_PASSWORD_OWNER = "webcast-app"
DB_SECRET_KEYS = (("password",),)


class Missing(Exception):
    """Something the instance needs is not there; the message names it."""


def log(message: str) -> None:
    # stderr goes to the journal under the unit's name; one line per fact keeps `journalctl` readable.
    print(message, file=sys.stderr, flush=True)


def read_conf(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        parser.read(path)
    section = parser["bootstrap"] if parser.has_section("bootstrap") else {}
    return {key: value.strip() for key, value in section.items() if value.strip()}


class Imds:
    """The instance metadata service, IMDSv2 only (a PUT for a session token, then GETs with it)."""

    def __init__(self, endpoint: str, timeout_s: float, attempts: int) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout_s = timeout_s
        self.attempts = attempts
        self._token: str | None = None

    def _request(self, request: urllib.request.Request) -> str:
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return response.read().decode()
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise Missing(f"instance metadata {request.full_url} is not there (404)") from exc
                error = exc
            except (urllib.error.URLError, OSError) as exc:
                error = exc
            # The metadata service can lag the network by a moment at boot.
            time.sleep(0.5 * 2**attempt)
        raise Missing(f"instance metadata at {self.endpoint} did not answer: {error}")

    def token(self) -> str:
        if self._token is None:
            request = urllib.request.Request(
                f"{self.endpoint}/latest/api/token",
                method="PUT",
                headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"},
            )
            self._token = self._request(request)
        return self._token

    def get(self, path: str) -> str:
        request = urllib.request.Request(
            f"{self.endpoint}/latest/meta-data/{path}",
            headers={"X-aws-ec2-metadata-token": self.token()},
        )
        return self._request(request).strip()


def identity(conf: dict[str, str]) -> dict[str, str]:
    """Region, project and env: from bootstrap.conf where set, else from the instance metadata."""
    imds = Imds(
        conf.get("imds_endpoint", "http://169.254.169.254"),
        float(conf.get("imds_timeout_s", "2")),
        int(conf.get("imds_attempts", "3")),
    )
    sources = {
        "region": "placement/region",
        # Instance tags are in the metadata only when the launch template allows it
        # (InstanceMetadataTags=enabled).
        "project": "tags/instance/Project",
        "env": "tags/instance/Environment",
    }
    found = {}
    for key, path in sources.items():
        if key in conf:
            found[key] = conf[key]
            continue
        try:
            found[key] = imds.get(path)
        except Missing as exc:
            raise Missing(f"{key}: not in {CONF_FILE} and {exc}") from exc
    for key in ("project", "env"):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", found[key]):
            raise Missing(f"{key} is {found[key]!r}: lowercase letters, digits and - only")
    return found


def clients(conf: dict[str, str], region: str):
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        connect_timeout=5,
        read_timeout=10,
        # Many instances start at once on a scale-out: back off on throttling.
        retries={"mode": "standard", "max_attempts": 8},
    )
    endpoint = conf.get("endpoint_url") or None
    session = boto3.session.Session()
    return (
        session.client("ssm", config=config, endpoint_url=endpoint),
        session.client("secretsmanager", config=config, endpoint_url=endpoint),
    )


def read_parameters(ssm, prefix: str) -> dict[str, str]:
    values = {}
    paginator = ssm.get_paginator("get_parameters_by_path")
    for page in paginator.paginate(Path=prefix, Recursive=True, WithDecryption=True):
        for parameter in page["Parameters"]:
            values[parameter["Name"].removeprefix(prefix)] = parameter["Value"]
    return values


def read_secret(secretsmanager, parameter: str, arn: str, keys: tuple[tuple[str, ...], ...]) -> list[str]:
    """The values of a secret: one per entry of keys, each the first of its alternatives present.

    A secret that is a plain string (not JSON) is the value of a single-key request.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = secretsmanager.get_secret_value(SecretId=arn)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise Missing(f"secret {arn} (from {parameter}) cannot be read: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = text
    if not isinstance(document, dict):
        if len(keys) == 1:
            return [str(document)]
        raise Missing(f"secret {arn} (from {parameter}) is not a JSON object")
    values = []
    for alternatives in keys:
        key = next((k for k in alternatives if document.get(k)), None)
        if key is None:
            raise Missing(f"secret {arn} (from {parameter}) has no {' or '.join(alternatives)}")
        values.append(str(document[key]))
    return values


def env_line(name: str, value: str) -> str:
    # Double quotes with \ " ` $ escaped: read the same by systemd's EnvironmentFile= and by sh.
    escaped = re.sub(r'([\\"`$])', r"\\\1", value)
    return f'{name}="{escaped}"\n'


def write_atomically(path: Path, text: str, mode: int, group: str | None, owner: str | None = None) -> None:
    """Replace path with text in one rename; owner (a user and its primary group) or root:group."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if owner:
        import pwd

        try:
            entry = pwd.getpwnam(owner)
        except KeyError:
            raise OSError(f"user {owner!r} (db_password_owner in {CONF_FILE}) does not exist") from None
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # The mode is set before any byte is written, so a secret is never readable by others.
        os.fchmod(fd, mode)
        if owner:
            os.fchown(fd, entry.pw_uid, entry.pw_gid)
        elif group:
            shutil.chown(temporary, user="root", group=group)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def tls_flag(p: dict[str, str], name: str) -> bool:
    """A */tls parameter: TLS unless it says false (absent, as from an older tier, means TLS)."""
    value = p.get(name, "true").strip().lower()
    if value not in ("true", "false"):
        raise Missing(f"parameter {name} is {value!r}: true or false")
    return value == "true"


def render(
    ident: dict[str, str],
    p: dict[str, str],
    secrets: dict[str, list[str]],
    db_tls_ca: str = DB_TLS_CA,
    db_password_file: str = DB_PASSWORD_FILE,
) -> dict[str, str]:
    """The contents of each env file, from the parameters and secrets."""
    redis_token = secrets["redis"][0]
    sender_domain = p.get("smtp/sender_domain") or urlsplit(p["urls/public"]).hostname or ""
    region = p["env/region"]
    db_tls, redis_tls = tls_flag(p, "db/tls"), tls_flag(p, "redis/tls")
    # WEBCAST_AWS_REGION: the name the CloudWatch agent's configuration reads (role cloudwatch_agent).
    common = {
        "WEBCAST_PROJECT": ident["project"],
        "WEBCAST_ENV": ident["env"],
        "WEBCAST_AWS_REGION": region,
        "AWS_REGION": region,
    }
    app = {
        **common,
        "AWS_DEFAULT_REGION": region,
        "WEBCAST_DB_HOST": p["db/endpoint"],
        "WEBCAST_DB_PORT": p["db/port"],
        "WEBCAST_DB_NAME": p["db/name"],
        "WEBCAST_DB_USER": p["db/user"],
        # Not the password itself: RDS rotates it, and the app reads the file at each new connection.
        "WEBCAST_DB_PASSWORD_FILE": db_password_file,
        # TLS with the server's certificate verified (RDS presents one of its own CA's).
        "WEBCAST_DB_TLS": str(db_tls).lower(),
        "WEBCAST_DB_TLS_CA": db_tls_ca if db_tls else "",
        "WEBCAST_REDIS_HOST": p["redis/endpoint"],
        "WEBCAST_REDIS_PORT": p["redis/port"],
        "WEBCAST_REDIS_TOKEN": redis_token,
        # ElastiCache with in-transit encryption (an AUTH token needs it): rediss://, verified
        # against the system's trust store (ElastiCache's certificates are publicly trusted).
        "WEBCAST_REDIS_TLS": str(redis_tls).lower(),
        "WEBCAST_REDIS_URL": (
            f"{'rediss' if redis_tls else 'redis'}://:{quote(redis_token, safe='')}"
            f"@{p['redis/endpoint']}:{p['redis/port']}/0"
        ),
        "WEBCAST_MEDIA_BUCKET": p["s3/media_bucket"],
        "WEBCAST_PUBLIC_URL": p["urls/public"],
        "WEBCAST_CDN_URL": p["urls/cdn"],
        "WEBCAST_HLS_FRAGMENT_S": p["media/hls_fragment_s"],
        # The app hands mail to the local relay (role ses_relay), which holds the SES credentials.
        "WEBCAST_SMTP_HOST": "127.0.0.1",
        "WEBCAST_SMTP_PORT": "25",
        "WEBCAST_MAIL_DOMAIN": sender_domain,
    }
    media = {
        **common,
        "WEBCAST_MEDIA_BUCKET": p["s3/media_bucket"],
        "WEBCAST_PUBLIC_URL": p["urls/public"],
        "WEBCAST_CDN_URL": p["urls/cdn"],
        "WEBCAST_HLS_FRAGMENT_S": p["media/hls_fragment_s"],
    }
    efs = {
        **common,
        "EFS_FILE_SYSTEM_ID": p["efs/file_system_id"],
        "EFS_ACCESS_POINT_ID": p["efs/access_point_id"],
        "EFS_DNS_NAME": f"{p['efs/file_system_id']}.efs.{region}.amazonaws.com",
    }
    relay = {
        **common,
        "RELAY_HOST": p["smtp/host"],
        "RELAY_PORT": p["smtp/port"],
        "RELAY_SENDER_DOMAIN": sender_domain,
    }
    return {
        name: "# Written at boot by webcast-bootstrap.service: do not edit.\n"
        + "".join(env_line(k, v) for k, v in values.items())
        for name, values in {"app.env": app, "media.env": media, "efs.env": efs, "relay.env": relay}.items()
    }


def write_status(path: Path, status: dict) -> None:
    status["time"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_atomically(path, json.dumps(status, indent=2, sort_keys=True) + "\n", 0o644, None)


def write_password(path: Path, password: str, owner: str) -> bool:
    """The database password file, rewritten only when the password changed; whether it was."""
    try:
        if path.read_text() == password + "\n":
            return False
    except FileNotFoundError:
        pass
    write_atomically(path, password + "\n", 0o400, None, owner)
    return True


def write_files(
    env_dir: Path,
    group: str,
    sasl_map: str,
    files: dict[str, str],
    parameters: dict,
    secrets: dict,
    password_file: tuple[Path, str],
) -> list[str]:
    """Put the password file, the env files and the SASL map in place; the paths written."""
    # First: a user that does not exist fails the run before any env file is replaced.
    write_password(password_file[0], secrets["db"][0], password_file[1])
    for name, text in files.items():
        # app.env holds the Redis token: root only (systemd reads
        # EnvironmentFile= as root before it drops privileges). The others hold no secret.
        secret = name == "app.env"
        write_atomically(env_dir / name, text, 0o600 if secret else 0o640, None if secret else group)
    written = [str(password_file[0])] + [str(env_dir / name) for name in files]
    if sasl_map:
        user, password = secrets["smtp"]
        line = f"[{parameters['smtp/host']}]:{parameters['smtp/port']} {user}:{password}\n"
        write_atomically(Path(sasl_map), line, 0o600, None)
        written.append(sasl_map)
        postmap = shutil.which("postmap")
        if postmap:
            subprocess.run([postmap, f"hash:{sasl_map}"], check=True)
            os.chmod(f"{sasl_map}.db", 0o600)
            written.append(f"{sasl_map}.db")
        else:
            log(f"webcast-bootstrap: postmap not found (no postfix here): {sasl_map} written, not hashed")
    return written


def main() -> int:
    conf = read_conf(CONF_FILE)
    env_dir = Path(conf.get("env_dir", "/etc/webcast"))
    status_file = Path(conf.get("status_file", "/run/webcast/bootstrap.json"))
    group = conf.get("group", "webcast")
    sasl_map = conf.get("sasl_map", "/etc/postfix/sasl_passwd")
    status: dict = {"status": "failed", "missing": [], "errors": []}
    try:
        ident = identity(conf)
        prefix = f"/{ident['project']}/{ident['env']}/"
        status.update(ident, parameter_prefix=prefix)
        ssm, secretsmanager = clients(conf, ident["region"])
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            parameters = read_parameters(ssm, prefix)
        except (ClientError, BotoCoreError) as exc:
            raise Missing(f"parameters under {prefix} cannot be read: {exc}") from exc
        status["missing"] = [prefix + name for name in REQUIRED if not parameters.get(name)]
        for name in ("db/tls", "redis/tls"):
            try:
                tls_flag(parameters, name)
            except Missing as exc:
                status["errors"].append(str(exc))
        secrets = {}
        wanted = {
            "db": ("db/secret_arn", DB_SECRET_KEYS),
            "redis": ("redis/token_secret_arn", (("token", "auth_token", "password"),)),
            "smtp": (
                "smtp/credentials_secret_arn",
                (("username", "smtp_username"), ("password", "smtp_password")),
            ),
        }
        for key, (parameter, keys) in wanted.items():
            if parameters.get(parameter):
                try:
                    secrets[key] = read_secret(
                        secretsmanager, prefix + parameter, parameters[parameter], keys
                    )
                except Missing as exc:
                    status["errors"].append(str(exc))
        if status["missing"] or status["errors"]:
            raise Missing(
                "; ".join([f"missing parameter {name}" for name in status["missing"]] + status["errors"])
            )
    except Missing as exc:
        if not status["missing"] and not status["errors"]:
            status["errors"].append(str(exc))
        write_status(status_file, status)
        log(f"webcast-bootstrap: FAILED, nothing written: {exc}")
        return 1

    try:
        password_file = Path(conf.get("db_password_file", DB_PASSWORD_FILE))
        files = render(ident, parameters, secrets, conf.get("db_tls_ca", DB_TLS_CA), str(password_file))
        owner = conf.get("db_password_owner", DB_PASSWORD_OWNER)
        written = write_files(env_dir, group, sasl_map, files, parameters, secrets, (password_file, owner))
    except (OSError, subprocess.CalledProcessError) as exc:
        status["errors"].append(f"cannot write the configuration: {exc}")
        write_status(status_file, status)
        log(f"webcast-bootstrap: FAILED while writing: {exc}")
        return 1
    status.update(status="ok", files=written, parameters=len(parameters))
    write_status(status_file, status)
    log(f"webcast-bootstrap: ok: {len(parameters)} parameters under {prefix}, wrote {', '.join(written)}")
    return 0


def refresh_db_password() -> int:
    """Re-read db/secret_arn and its secret; rewrite the password file when the password changed."""
    conf = read_conf(CONF_FILE)
    status_file = Path(conf.get("status_file", "/run/webcast/bootstrap.json"))
    password_file = Path(conf.get("db_password_file", DB_PASSWORD_FILE))
    try:
        try:
            status = json.loads(status_file.read_text())
        except (OSError, ValueError) as exc:
            raise Missing(f"no status of the boot's run in {status_file}: {exc}") from exc
        if status.get("status") != "ok":
            raise Missing(f"the boot's run failed ({status_file}): the bootstrap must succeed first")
        prefix = f"/{status['project']}/{status['env']}/"
        ssm, secretsmanager = clients(conf, status["region"])
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            arn = ssm.get_parameter(Name=prefix + "db/secret_arn")["Parameter"]["Value"]
        except (ClientError, BotoCoreError) as exc:
            raise Missing(f"parameter {prefix}db/secret_arn cannot be read: {exc}") from exc
        password = read_secret(secretsmanager, prefix + "db/secret_arn", arn, DB_SECRET_KEYS)[0]
        changed = write_password(password_file, password, conf.get("db_password_owner", DB_PASSWORD_OWNER))
    except (Missing, OSError) as exc:
        log(f"webcast-bootstrap: FAILED to refresh the database password, {password_file} unchanged: {exc}")
        return 1
    if changed:
        # Once a week (RDS's rotation) or after a migration: worth a line, the unchanged minutes are not.
        log(f"webcast-bootstrap: the database password changed: {password_file} rewritten from {arn}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] not in ([], ["--db-password"]):
        log(f"usage: {sys.argv[0]} [--db-password]: unknown arguments {sys.argv[1:]}")
        sys.exit(2)
    sys.exit(refresh_db_password() if sys.argv[1:] else main())
