"""The bootstrap unit, observed in the converged container against the emulator on the host.

The tests run in file order: first without any parameter (the unit must fail and say what is
missing), then with a secret that cannot be read, then with everything seeded (the unit writes
the files the services read). The emulator is the one tools/test.sh starts
(WEBCAST_AWS_ENDPOINT_URL); the container reaches it as 10.0.2.2 (docs/decisions).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import assert_check_mode_reports_no_change  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role bootstrap): local changes are overwritten"
PREFIX = "/webcast/bootstrap/"
REGION = "eu-west-1"
STATUS = "/run/webcast/bootstrap.json"
ENV_FILES = ("app.env", "media.env", "efs.env", "relay.env")
# Values a test can recognise anywhere they leak to.
DB_PASSWORD = "db-pass-$`\"'\\word"
REDIS_TOKEN = "redis-token-0123456789abcdef"
SMTP_PASSWORD = "smtp-pass-BAbcdefghijklmnop"
ROTATED_PASSWORD = "db-rotated-0123456789abcdef"
PASSWORD_FILE = "/run/webcast/db-password"
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


@pytest.fixture(scope="module")
def aws() -> dict:
    endpoint = os.environ.get("WEBCAST_AWS_ENDPOINT_URL")
    if not endpoint:
        pytest.fail("WEBCAST_AWS_ENDPOINT_URL is not set: run the scenario through tools/test.sh")
    kwargs = {
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return {"ssm": boto3.client("ssm", **kwargs), "secretsmanager": boto3.client("secretsmanager", **kwargs)}


def clear(aws) -> None:
    """No parameter under the prefix: what a new environment looks like before it is provisioned."""
    names = [
        p["Name"]
        for page in aws["ssm"].get_paginator("get_parameters_by_path").paginate(Path=PREFIX, Recursive=True)
        for p in page["Parameters"]
    ]
    for start in range(0, len(names), 10):
        aws["ssm"].delete_parameters(Names=names[start : start + 10])


def secret(aws, name: str, value: str) -> str:
    client = aws["secretsmanager"]
    try:
        return client.create_secret(Name=name, SecretString=value)["ARN"]
    except client.exceptions.ResourceExistsException:
        return (
            client.put_secret_value(SecretId=name, SecretString=value)["ARN"]
            and client.describe_secret(SecretId=name)["ARN"]
        )


def seed(aws, **overrides: str) -> dict[str, str]:
    values = {
        "db/endpoint": "webcast-bootstrap-db.abc.eu-west-1.rds.amazonaws.com",
        "db/port": "3306",
        "db/name": "webcast",
        "db/user": "webcast_app",
        "db/secret_arn": secret(
            aws, "webcast/bootstrap/db", json.dumps({"username": "admin", "password": DB_PASSWORD})
        ),
        "redis/endpoint": "master.webcast-bootstrap-redis.abc.euw1.cache.amazonaws.com",
        "redis/port": "6379",
        "redis/token_secret_arn": secret(aws, "webcast/bootstrap/redis", json.dumps({"token": REDIS_TOKEN})),
        "efs/file_system_id": "fs-0123456789abcdef0",
        "efs/access_point_id": "fsap-0123456789abcdef0",
        "s3/media_bucket": "webcast-bootstrap-media",
        "smtp/host": "email-smtp.eu-west-1.amazonaws.com",
        "smtp/port": "587",
        "smtp/credentials_secret_arn": secret(
            aws, "webcast/bootstrap/smtp", json.dumps({"username": "AKIASMTPUSER", "password": SMTP_PASSWORD})
        ),
        "urls/public": "https://bootstrap.webcast.test",
        "urls/cdn": "https://d111111abcdef8.cloudfront.net",
        "media/hls_fragment_s": "2",
        "env/region": REGION,
        **overrides,
    }
    for name, value in values.items():
        aws["ssm"].put_parameter(Name=PREFIX + name, Value=value, Type="String", Overwrite=True)
    return values


def start(host):
    """Start the unit as the boot does; the result and what it left."""
    host.run("systemctl reset-failed webcast-bootstrap.service")
    result = host.run("systemctl restart webcast-bootstrap.service")
    status = host.file(STATUS)
    return result, json.loads(status.content_string) if status.exists else None


def env_file(host, name: str) -> dict[str, str]:
    """An env file as systemd reads it: through a transient unit that prints its environment."""
    output = host.check_output(
        f"systemd-run --quiet --wait --pipe -p EnvironmentFile=/etc/webcast/{name} /usr/bin/env -0"
    )
    return dict(item.split("=", 1) for item in output.split("\0") if "=" in item)


def test_managed_files_say_ansible_overwrites_them(host):
    files = ["/etc/webcast/bootstrap.conf"] + [
        f"/etc/systemd/system/{unit}"
        for unit in ("webcast-bootstrap.service", "webcast-db-password.service", "webcast-db-password.timer")
    ]
    first_lines = {path: host.file(path).content_string.partition("\n")[0] for path in files}
    wrong = {path: line for path, line in first_lines.items() if line != HEADER}
    assert not wrong, f"first lines without the header: {wrong}"
    assert (
        "Managed by Ansible (role bootstrap)" in host.file("/usr/local/sbin/webcast-bootstrap").content_string
    )


@pytest.mark.parametrize("unit", ["webcast-bootstrap.service", "webcast-db-password.timer"])
def test_bootstrap_units_start_at_every_boot_and_pass_systemd_verify(host, unit):
    enabled = host.run(f"systemctl is-enabled {unit}").stdout.strip()
    verify = host.run(f"systemd-analyze verify /etc/systemd/system/{unit}")
    assert enabled == "enabled", f"{unit} is {enabled} at boot"
    assert verify.rc == 0 and not verify.stderr.strip(), verify.stderr


def test_units_that_need_the_configuration_start_after_the_bootstrap(host):
    wanted = {
        "postfix@-.service": "Requires",
        "webcast-efs-resolve.service": "Requires",
        "webcast-app.service": "Wants",
        "nginx.service": "Wants",
    }
    found = {}
    for unit in wanted:
        lines = host.file(
            f"/etc/systemd/system/{unit}.d/50-webcast-bootstrap.conf"
        ).content_string.splitlines()
        deps = {k for k, _, v in (line.partition("=") for line in lines) if v == "webcast-bootstrap.service"}
        found[unit] = (
            "Requires" if deps == {"Requires", "After"} else "Wants" if deps == {"Wants", "After"} else deps
        )
    assert found == wanted


def test_without_parameters_the_bootstrap_fails_naming_each_missing_one(host, aws):
    clear(aws)
    result, status = start(host)
    journal = host.check_output("journalctl -u webcast-bootstrap.service -o cat --no-pager -n 20")
    assert result.rc != 0, "the unit succeeded without any parameter"
    assert host.check_output("systemctl show -P ActiveState webcast-bootstrap.service") == "failed"
    assert status and status["status"] == "failed", f"status file: {status}"
    assert status["missing"] == [PREFIX + name for name in REQUIRED]
    unnamed = [name for name in REQUIRED if f"missing parameter {PREFIX}{name}" not in journal]
    assert not unnamed, f"the journal does not name {unnamed}: {journal[-1500:]}"
    written = [name for name in ENV_FILES if host.file(f"/etc/webcast/{name}").exists]
    assert not written, f"env files written by a failed bootstrap: {written}"


def test_without_project_env_and_metadata_the_bootstrap_says_what_it_could_not_find(host):
    # No instance metadata service in the container: 127.0.0.1:9 refuses at once.
    conf = (
        "[bootstrap]\nimds_endpoint = http://127.0.0.1:9\nimds_attempts = 1\nstatus_file = /tmp/status.json\n"
    )
    result = host.run(
        f"printf '{conf}' > /tmp/empty.conf && "
        "WEBCAST_BOOTSTRAP_CONF=/tmp/empty.conf /usr/local/sbin/webcast-bootstrap; "
        "rc=$?; cat /tmp/status.json; exit $rc"
    )
    assert result.rc == 1, f"rc {result.rc}"
    assert "region: not in /tmp/empty.conf and instance metadata at http://127.0.0.1:9" in result.stderr
    assert json.loads(result.stdout)["status"] == "failed"


def test_a_secret_that_cannot_be_read_fails_the_bootstrap_naming_it(host, aws):
    missing_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:webcast/bootstrap/nothing-AbCdEf"
    seed(aws, **{"redis/token_secret_arn": missing_arn})
    result, status = start(host)
    assert result.rc != 0
    assert status["missing"] == []
    assert [e for e in status["errors"] if missing_arn in e and "redis/token_secret_arn" in e], status[
        "errors"
    ]


def test_with_the_configuration_the_bootstrap_succeeds_and_reports_ok(host, aws):
    seed(aws)
    result, status = start(host)
    journal = host.check_output("journalctl -u webcast-bootstrap.service -o cat --no-pager -n 5")
    assert result.rc == 0, journal
    assert host.check_output("systemctl show -P ActiveState webcast-bootstrap.service") == "active"
    assert status["status"] == "ok" and status["missing"] == [] and status["errors"] == [], status


def test_env_files_hold_what_the_services_read(host):
    app, media, efs, relay = (env_file(host, name) for name in ENV_FILES)
    assert {
        k: app.get(k)
        for k in ("WEBCAST_DB_HOST", "WEBCAST_DB_PORT", "WEBCAST_DB_USER", "WEBCAST_DB_PASSWORD_FILE")
    } == {
        "WEBCAST_DB_HOST": "webcast-bootstrap-db.abc.eu-west-1.rds.amazonaws.com",
        "WEBCAST_DB_PORT": "3306",
        "WEBCAST_DB_USER": "webcast_app",
        "WEBCAST_DB_PASSWORD_FILE": PASSWORD_FILE,
    }
    assert "WEBCAST_DB_PASSWORD" not in app
    assert app["WEBCAST_REDIS_URL"].startswith(f"rediss://:{REDIS_TOKEN}@master.webcast-bootstrap-redis")
    assert (media["WEBCAST_MEDIA_BUCKET"], media["WEBCAST_HLS_FRAGMENT_S"]) == (
        "webcast-bootstrap-media",
        "2",
    )
    assert (efs["EFS_FILE_SYSTEM_ID"], efs["EFS_ACCESS_POINT_ID"], efs["EFS_DNS_NAME"]) == (
        "fs-0123456789abcdef0",
        "fsap-0123456789abcdef0",
        "fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com",
    )
    assert (relay["RELAY_HOST"], relay["RELAY_PORT"], relay["RELAY_SENDER_DOMAIN"]) == (
        "email-smtp.eu-west-1.amazonaws.com",
        "587",
        "bootstrap.webcast.test",
    )


def test_env_files_with_secrets_are_root_only_and_the_others_group_readable(host):
    found = {
        name: (host.file(f"/etc/webcast/{name}").mode, host.file(f"/etc/webcast/{name}").group)
        for name in ENV_FILES
    }
    assert found == {
        "app.env": (0o600, "root"),
        "media.env": (0o640, "webcast"),
        "efs.env": (0o640, "webcast"),
        "relay.env": (0o640, "webcast"),
    }


def test_the_database_password_is_on_tmpfs_readable_by_its_owner_only(host):
    password = host.file(PASSWORD_FILE)
    assert (password.mode, password.user) == (0o400, "daemon")
    assert password.content_string == DB_PASSWORD + "\n"
    assert host.check_output(f"findmnt -n -o FSTYPE --target {PASSWORD_FILE}") == "tmpfs"


def test_the_password_timer_is_enabled_and_the_refresh_follows_a_rotation(host, aws):
    # What RDS does at a rotation: a new version of its secret. The timer's unit, started now
    # rather than awaited, rewrites the file; started again, it leaves it as it is.
    secret(aws, "webcast/bootstrap/db", json.dumps({"username": "admin", "password": ROTATED_PASSWORD}))
    try:
        refreshed = host.run("systemctl start webcast-db-password.service")
        assert refreshed.rc == 0, host.check_output("journalctl -u webcast-db-password.service -o cat -n 5")
        assert host.file(PASSWORD_FILE).content_string == ROTATED_PASSWORD + "\n"
        assert (host.file(PASSWORD_FILE).mode, host.file(PASSWORD_FILE).user) == (0o400, "daemon")
        inode = host.check_output(f"stat -c %i {PASSWORD_FILE}")
        assert host.run("systemctl start webcast-db-password.service").rc == 0
        assert host.check_output(f"stat -c %i {PASSWORD_FILE}") == inode, (
            "an unchanged password was rewritten"
        )
        journal = host.check_output("journalctl -u webcast-db-password.service -o cat --no-pager")
        assert journal.count("the database password changed") == 1, journal
    finally:
        secret(aws, "webcast/bootstrap/db", json.dumps({"username": "admin", "password": DB_PASSWORD}))
        host.run("systemctl start webcast-db-password.service")


def test_sasl_map_holds_the_smtp_credentials_for_the_relay_host_root_only(host):
    sasl = host.file("/etc/postfix/sasl_passwd")
    assert (sasl.mode, sasl.user) == (0o600, "root")
    assert sasl.content_string == f"[email-smtp.eu-west-1.amazonaws.com]:587 AKIASMTPUSER:{SMTP_PASSWORD}\n"


def test_no_secret_reaches_the_status_file_or_the_journal(host):
    status = host.file(STATUS)
    journal = host.check_output(
        "journalctl -u webcast-bootstrap.service -u webcast-db-password.service -o cat --no-pager"
    )
    leaks = [
        s
        for s in (DB_PASSWORD, ROTATED_PASSWORD, REDIS_TOKEN, SMTP_PASSWORD)
        if s in status.content_string or s in journal
    ]
    assert status.mode == 0o644, f"status file mode {oct(status.mode)}"
    assert not leaks, "a secret reached the status file or the journal"


def test_check_mode_on_the_converged_host_reports_no_change():
    assert_check_mode_reports_no_change(SCENARIO)
