"""The one seed of an environment's runtime parameters (tools/runtime_parameters.py) and its three users.

Each tool that makes up an environment in the emulator (tools/local_instance.py, tools/dataplane,
tools/bench_webcast.py) seeds it through the same function, so that a parameter the bootstrap starts
to need reaches all three at once: proved by running the bootstrap program itself on what each seeded.
"""

from __future__ import annotations

import getpass
import importlib.util
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tools import bench_webcast, local_instance, runtime_parameters
from tools.dataplane import plane

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


@pytest.fixture
def aws_env(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield


def bootstrap_status(tmp_path: Path, monkeypatch, env: str) -> dict:
    """Run the bootstrap program in process on environment env; its status file."""
    spec = importlib.util.spec_from_file_location("webcast_bootstrap", runtime_parameters.BOOTSTRAP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conf = tmp_path / "bootstrap.conf"
    conf.write_text(
        f"[bootstrap]\nproject = webcast\nenv = {env}\nregion = {REGION}\nenv_dir = {tmp_path}/etc\n"
        f"status_file = {tmp_path}/bootstrap.json\ngroup = root\nsasl_map = {tmp_path}/sasl_passwd\n"
        f"db_password_file = {tmp_path}/db-password\ndb_password_owner = {getpass.getuser()}\n"
    )
    monkeypatch.setattr(module, "CONF_FILE", conf)
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    module.main()
    return json.loads((tmp_path / "bootstrap.json").read_text())


def test_the_seed_names_every_parameter_the_bootstrap_reads(aws_env):
    ssm, secrets = boto3.client("ssm", region_name=REGION), boto3.client("secretsmanager", region_name=REGION)
    kinds = {"db": {"password": "p"}, "redis": {"token": "t"}, "smtp": {"username": "u", "password": "p"}}
    written = runtime_parameters.seed(ssm, secrets, "webcast", "unit", REGION, kinds)
    wanted = set(runtime_parameters.bootstrap_names("REQUIRED")) | {"db/tls", "redis/tls"}
    assert wanted - set(written) == set()


def test_an_override_of_a_name_that_is_no_parameter_is_refused():
    with pytest.raises(KeyError, match="db/hostname"):
        runtime_parameters.values(
            "webcast", "unit", REGION, {"db": "a", "redis": "b", "smtp": "c"}, db__hostname="x"
        )


def test_local_instance_s_seed_boots_the_bootstrap(aws_env, tmp_path, monkeypatch):
    monkeypatch.setattr(
        local_instance, "aws", lambda service, endpoint: boto3.client(service, region_name=REGION)
    )
    local_instance.seed("unused", "local-unit", "db.example:3306", "redis.example:6379")
    status = bootstrap_status(tmp_path, monkeypatch, "local-unit")
    assert status["status"] == "ok", status
    assert 'WEBCAST_DB_HOST="db.example"' in (tmp_path / "etc/app.env").read_text()


def test_the_data_plane_s_seed_boots_the_bootstrap_with_tls_as_the_platform_publishes_it(
    aws_env, tmp_path, monkeypatch
):
    clients = (boto3.client("ssm", region_name=REGION), boto3.client("secretsmanager", region_name=REGION))
    monkeypatch.setattr(plane, "aws_clients", lambda plan, region: clients)
    assert plane.seed(plane.PLANS["molecule"], REGION) is True
    status = bootstrap_status(tmp_path, monkeypatch, "molecule")
    assert status["status"] == "ok", status
    assert 'WEBCAST_REDIS_URL="rediss://' in (tmp_path / "etc/app.env").read_text()


def test_the_bench_s_seed_boots_the_bootstrap(aws_env, tmp_path, monkeypatch):
    client = boto3.client

    def without_endpoint(service, **kwargs):
        kwargs.pop("endpoint_url", None)
        return client(service, **kwargs)

    monkeypatch.setattr(boto3, "client", without_endpoint)
    bench_webcast.seed_runtime_parameters("unused", 4)
    status = bootstrap_status(tmp_path, monkeypatch, bench_webcast.ENV)
    assert status["status"] == "ok", status
    assert 'WEBCAST_HLS_FRAGMENT_S="4"' in (tmp_path / "etc/app.env").read_text()


def test_the_data_plane_turns_tls_off_for_its_plain_mariadb_and_redis():
    platform = {"urls/public": "https://molecule.webcast.test", "db/tls": "true", "redis/tls": "true"}
    found = plane.dataplane_parameters(plane.PLANS["molecule"], platform)
    assert (found["db/tls"], found["redis/tls"]) == ("false", "false")
