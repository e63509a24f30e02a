"""The bootstrap program (roles/bootstrap/files/webcast-bootstrap.py) in process, against moto.

The molecule scenario `bootstrap` proves it as a unit in a container against the emulator; these
prove the parts a boot cannot show quickly: quoting that survives any secret, and each kind of
missing input named.
"""

from __future__ import annotations

import getpass
import importlib.util
import json
import subprocess
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[3]
PROGRAM = ROOT / "roles/bootstrap/files/webcast-bootstrap.py"
REGION = "eu-west-1"
PREFIX = "/webcast/unit/"


@pytest.fixture
def bootstrap(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("webcast_bootstrap", PROGRAM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conf = tmp_path / "bootstrap.conf"
    conf.write_text(
        "[bootstrap]\nproject = webcast\nenv = unit\nregion = eu-west-1\n"
        f"env_dir = {tmp_path}/etc\nstatus_file = {tmp_path}/run/bootstrap.json\ngroup = root\n"
        f"sasl_map = {tmp_path}/postfix/sasl_passwd\n"
        f"db_password_file = {tmp_path}/run/db-password\ndb_password_owner = {getpass.getuser()}\n"
    )
    monkeypatch.setattr(module, "CONF_FILE", conf)
    # No postfix on the machine running the unit tests needs to be assumed.
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    return module


def seed(values: dict[str, str]) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    for name, value in values.items():
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="String")


def full_configuration() -> dict[str, str]:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = {
        name: secrets.create_secret(Name=f"webcast/unit/{name}", SecretString=value)["ARN"]
        for name, value in {
            "db": json.dumps({"username": "admin", "password": 'p$a`s"s\\w'}),
            "redis": "plain-token",
            "smtp": json.dumps({"username": "AKIA", "password": "smtp-pass"}),
        }.items()
    }
    return {
        "db/endpoint": "db.example",
        "db/port": "3306",
        "db/name": "webcast",
        "db/user": "app",
        "db/secret_arn": arn["db"],
        "redis/endpoint": "redis.example",
        "redis/port": "6379",
        "redis/token_secret_arn": arn["redis"],
        "efs/file_system_id": "fs-0123",
        "efs/access_point_id": "fsap-0123",
        "s3/media_bucket": "media",
        "smtp/host": "email-smtp.eu-west-1.amazonaws.com",
        "smtp/port": "587",
        "smtp/credentials_secret_arn": arn["smtp"],
        "urls/public": "https://unit.webcast.test",
        "urls/cdn": "https://cdn.example",
        "media/hls_fragment_s": "2",
        "env/region": REGION,
    }


@pytest.mark.parametrize("value", ["plain", 'a"b', "a$b`c\\d", "a'b c", "$(reboot)", "x\\"])
def test_env_values_read_back_the_same_through_sh(bootstrap, value):
    line = bootstrap.env_line("V", value)
    echoed = subprocess.run(["sh", "-c", f'{line}printf %s "$V"'], capture_output=True, text=True, check=True)
    assert echoed.stdout == value


@mock_aws
def test_with_every_parameter_the_program_writes_the_env_files_and_reports_ok(bootstrap, tmp_path):
    seed(full_configuration())
    assert bootstrap.main() == 0
    status = json.loads((tmp_path / "run/bootstrap.json").read_text())
    app = (tmp_path / "etc/app.env").read_text()
    assert status["status"] == "ok", status
    # The password is in its own file, which the app reads at each new connection, not in app.env.
    assert f'WEBCAST_DB_PASSWORD_FILE="{tmp_path}/run/db-password"' in app
    assert "p$a" not in app and "p\\$a" not in app
    assert (tmp_path / "run/db-password").read_text() == 'p$a`s"s\\w\n'
    assert (tmp_path / "run/db-password").stat().st_mode & 0o777 == 0o400
    assert 'WEBCAST_REDIS_TOKEN="plain-token"' in app
    assert (tmp_path / "postfix/sasl_passwd").read_text() == (
        "[email-smtp.eu-west-1.amazonaws.com]:587 AKIA:smtp-pass\n"
    )
    assert (tmp_path / "etc/app.env").stat().st_mode & 0o777 == 0o600


@mock_aws
def test_every_env_file_names_the_project_env_and_region_the_cloudwatch_agent_reads(bootstrap, tmp_path):
    seed(full_configuration())
    assert bootstrap.main() == 0
    # roles/cloudwatch_agent renders its configuration from these three, in any of the env files.
    wanted = ('WEBCAST_PROJECT="webcast"', 'WEBCAST_ENV="unit"', f'WEBCAST_AWS_REGION="{REGION}"')
    lacking = {
        name: [line for line in wanted if line not in (tmp_path / "etc" / name).read_text()]
        for name in ("app.env", "media.env", "efs.env", "relay.env")
    }
    assert not any(lacking.values()), lacking


@mock_aws
def test_a_missing_parameter_is_named_and_nothing_is_written(bootstrap, tmp_path, capsys):
    values = full_configuration()
    del values["efs/file_system_id"]
    seed(values)
    assert bootstrap.main() == 1
    status = json.loads((tmp_path / "run/bootstrap.json").read_text())
    assert status["missing"] == [PREFIX + "efs/file_system_id"]
    assert f"missing parameter {PREFIX}efs/file_system_id" in capsys.readouterr().err
    assert not (tmp_path / "etc").exists()


@mock_aws
def test_a_secret_without_the_key_the_program_needs_is_named(bootstrap, tmp_path):
    values = full_configuration()
    secrets = boto3.client("secretsmanager", region_name=REGION)
    values["smtp/credentials_secret_arn"] = secrets.create_secret(
        Name="webcast/unit/bad", SecretString='{"user": "x"}'
    )["ARN"]
    seed(values)
    assert bootstrap.main() == 1
    errors = json.loads((tmp_path / "run/bootstrap.json").read_text())["errors"]
    name = "smtp/credentials_secret_arn"
    assert errors == [f"secret {values[name]} (from {PREFIX}{name}) has no username or smtp_username"]


@mock_aws
def test_without_tls_parameters_the_database_and_redis_are_reached_over_verified_tls(bootstrap, tmp_path):
    # RDS and ElastiCache with in-transit encryption: TLS unless the environment says otherwise.
    seed(full_configuration())
    assert bootstrap.main() == 0
    app = (tmp_path / "etc/app.env").read_text()
    wanted = (
        'WEBCAST_DB_TLS="true"',
        f'WEBCAST_DB_TLS_CA="{bootstrap.DB_TLS_CA}"',
        'WEBCAST_REDIS_TLS="true"',
        'WEBCAST_REDIS_URL="rediss://',
    )
    assert [line for line in wanted if line not in app] == [], app


@mock_aws
def test_tls_parameters_of_true_keep_tls_and_false_turn_it_off(bootstrap, tmp_path):
    seed({**full_configuration(), "db/tls": "false", "redis/tls": "false"})
    assert bootstrap.main() == 0
    app = (tmp_path / "etc/app.env").read_text()
    off = (
        'WEBCAST_DB_TLS="false"',
        'WEBCAST_DB_TLS_CA=""',
        'WEBCAST_REDIS_TLS="false"',
        'REDIS_URL="redis://',
    )
    assert [line for line in off if line not in app] == [], app


@mock_aws
def test_a_tls_parameter_neither_true_nor_false_is_named_and_nothing_is_written(bootstrap, tmp_path):
    seed({**full_configuration(), "redis/tls": "maybe"})
    assert bootstrap.main() == 1
    status = json.loads((tmp_path / "run/bootstrap.json").read_text())
    assert any("redis/tls" in error for error in status["errors"]), status
    assert not (tmp_path / "etc").exists()


@mock_aws
def test_the_refresh_rewrites_the_password_file_only_when_the_secret_changed(bootstrap, tmp_path, capsys):
    values = full_configuration()
    seed(values)
    assert bootstrap.main() == 0
    password_file = tmp_path / "run/db-password"
    before = password_file.stat().st_ino
    capsys.readouterr()

    assert bootstrap.refresh_db_password() == 0
    assert password_file.stat().st_ino == before, "an unchanged password must not be rewritten"
    assert capsys.readouterr().err == ""

    # What RDS does at a rotation: a new version of its secret.
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=values["db/secret_arn"],
        SecretString=json.dumps({"username": "admin", "password": "rotated"}),
    )
    assert bootstrap.refresh_db_password() == 0
    assert password_file.read_text() == "rotated\n"
    assert password_file.stat().st_mode & 0o777 == 0o400
    logged = capsys.readouterr().err
    assert "the database password changed" in logged and "rotated" not in logged


@mock_aws
def test_the_refresh_follows_db_secret_arn_to_another_secret(bootstrap, tmp_path):
    # A migration (decision 0033) points db/secret_arn at RDS's own secret: the running instance follows.
    seed(full_configuration())
    assert bootstrap.main() == 0
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="rds!db-unit", SecretString=json.dumps({"username": "admin", "password": "managed"})
    )["ARN"]
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PREFIX + "db/secret_arn", Value=arn, Type="String", Overwrite=True
    )
    assert bootstrap.refresh_db_password() == 0
    assert (tmp_path / "run/db-password").read_text() == "managed\n"


@mock_aws
def test_the_refresh_after_a_failed_boot_changes_nothing_and_says_why(bootstrap, tmp_path, capsys):
    values = full_configuration()
    del values["db/endpoint"]
    seed(values)
    assert bootstrap.main() == 1
    assert bootstrap.refresh_db_password() == 1
    assert "the bootstrap must succeed first" in capsys.readouterr().err
    assert not (tmp_path / "run/db-password").exists()


@mock_aws
def test_a_password_owner_that_does_not_exist_is_named_and_no_env_file_is_written(bootstrap, tmp_path):
    conf = bootstrap.CONF_FILE
    conf.write_text(
        conf.read_text().replace(
            f"db_password_owner = {getpass.getuser()}", "db_password_owner = nobody-here"
        )
    )
    seed(full_configuration())
    assert bootstrap.main() == 1
    errors = json.loads((tmp_path / "run/bootstrap.json").read_text())["errors"]
    assert len(errors) == 1 and "user 'nobody-here'" in errors[0], errors
    assert not (tmp_path / "etc/app.env").exists()
    assert not (tmp_path / "run/db-password").exists()
