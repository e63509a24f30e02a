"""The local data plane's plans and the runtime parameters it gives its instances (tools/dataplane)."""

from __future__ import annotations

import pytest

from tools.dataplane.plane import PLANS, DataplaneError, Plan, dataplane_parameters

PLATFORM = {
    "env/name": "local",
    "env/region": "eu-west-1",
    "db/endpoint": "webcast-local-db.abc.eu-west-1.rds.amazonaws.com",
    "db/port": "3306",
    "db/secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/webcast/local/db/master-AbCdEf",
    "redis/endpoint": "master.webcast-local-redis.abc.euw1.cache.amazonaws.com",
    "smtp/host": "email-smtp.eu-west-1.amazonaws.com",
    "smtp/credentials_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:smtp-AbCdEf",
    "efs/file_system_id": "fs-0123456789abcdef0",
    "urls/public": "https://local.webcast.test",
    "urls/cdn": "https://local.webcast.test",
}


def test_the_instances_reach_the_local_services_through_the_host_loopback():
    plan = PLANS["make-up"]
    found = dataplane_parameters(plan, PLATFORM)
    wanted = {
        "db/endpoint": "10.0.2.2",
        "db/port": str(plan.db_port),
        "redis/endpoint": "10.0.2.2",
        "redis/port": str(plan.redis_port),
        "smtp/host": "10.0.2.2",
        "smtp/port": str(plan.smtp_port),
        "urls/public": "http://127.0.0.1:8080",
        "urls/cdn": "http://127.0.0.1:8080",
        "env/name": "local-dataplane",
    }
    assert {name: found[name] for name in wanted} == wanted


def test_secrets_and_the_rest_stay_the_platform_s_and_mail_keeps_its_domain():
    found = dataplane_parameters(PLANS["make-up"], PLATFORM)
    kept = ("db/secret_arn", "smtp/credentials_secret_arn", "efs/file_system_id", "env/region")
    assert {name: found[name] for name in kept} == {name: PLATFORM[name] for name in kept}
    assert found["smtp/sender_domain"] == "local.webcast.test"


def test_the_data_plane_reads_its_own_prefix_never_the_one_site_yml_writes():
    plan = PLANS["make-up"]
    assert (plan.platform_prefix, plan.dataplane_prefix) == ("/webcast/local/", "/webcast/local-dataplane/")


def test_make_up_serves_the_readme_s_ports_and_the_scenario_none_of_them():
    make_up, scenario = PLANS["make-up"], PLANS["molecule"]
    assert (make_up.http_ports, make_up.rtmp_ports, make_up.instances) == (
        (8080,),
        (1935,),
        ["dataplane-instance-a"],
    )

    def ports(plan: Plan) -> set[int]:
        return {*plan.http_ports, *plan.rtmp_ports, plan.db_port, plan.redis_port, plan.smtp_port}

    assert not ports(make_up) & ports(scenario)
    assert scenario.instances == ["webcast-instance-a", "webcast-instance-b"]


def test_a_plan_needs_one_http_and_one_rtmp_port_per_instance():
    with pytest.raises(DataplaneError, match="one of each per instance"):
        Plan(http_ports=(18081, 18082), rtmp_ports=(18091,))
