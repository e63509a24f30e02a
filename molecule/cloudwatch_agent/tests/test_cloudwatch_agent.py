"""The CloudWatch agent configuration the cloudwatch_agent role bakes, observed in the converged container.

The agent's package is not reachable here, so the scenario converges without it: these tests check
what the image holds (template, boot rendering, units, the nginx statsd feed), and render the
template the way the boot unit does, from environment files written by the test.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import run_playbook  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
TOOL = "/usr/bin/python3 /usr/local/lib/webcast/cloudwatch_agent_config.py"
TEMPLATE = "/etc/webcast/cloudwatch-agent.json.tmpl"
AGENT_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
ENV = {"WEBCAST_PROJECT": "webcast", "WEBCAST_ENV": "staging", "WEBCAST_AWS_REGION": "eu-central-1"}


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/cloudwatch_agent/defaults/main.yml").read_text())


@pytest.fixture(scope="module")
def rendered(host) -> dict:
    """The configuration rendered as the boot unit renders it, from environment files of a test."""
    env = "".join(f"{key}={value}\n" for key, value in ENV.items())
    host.check_output(
        f"rm -rf /tmp/cwtest && mkdir -p /tmp/cwtest/env && printf '{env}' > /tmp/cwtest/env/10-boot.env"
    )
    host.check_output(f"{TOOL} render {TEMPLATE} /tmp/cwtest/agent.json /tmp/cwtest/env")
    return json.loads(host.file("/tmp/cwtest/agent.json").content_string)


def test_the_image_holds_no_environment_data(host):
    template = host.file(TEMPLATE).content_string
    assert "${WEBCAST_ENV}" in template and "${WEBCAST_AWS_REGION}" in template
    found = (host.run("ls /etc/webcast/*.env").rc == 0, host.file(AGENT_CONFIG).exists)
    assert found == (False, False), "environment files or a rendered configuration are in the image"


def test_the_baked_template_fits_the_agents_keys(host):
    result = host.run(f"{TOOL} check {TEMPLATE}")
    assert result.rc == 0, result.stderr


def test_a_key_the_agent_does_not_know_is_refused(host):
    host.check_output(
        f"python3 -c \"import json,sys; t=open('{TEMPLATE}').read();"
        f' d=t.replace(\'\\"mem\\": {{\', \'\\"mem\\": {{\\"measurements\\": [], \', 1);'
        f" open('/tmp/typo.tmpl','w').write(d)\""
    )
    result = host.run(f"{TOOL} check /tmp/typo.tmpl")
    assert result.rc == 1 and "$.metrics.metrics_collected.mem.measurements" in result.stderr, result.stderr


def test_logs_go_to_the_nginx_app_and_postfix_groups_of_the_environment(rendered, defaults):
    entries = rendered["logs"]["logs_collected"]["files"]["collect_list"]
    found = {entry["file_path"]: entry["log_group_name"] for entry in entries}
    prefix = f"/{ENV['WEBCAST_PROJECT']}/{ENV['WEBCAST_ENV']}"
    wanted = {f["path"]: f"{prefix}/{f['group']}" for f in defaults["cloudwatch_agent_log_files"]}
    assert found == wanted
    assert {g.rsplit("/", 1)[1] for g in found.values()} == {"nginx", "app", "postfix"}


def test_log_streams_are_named_after_the_instance(rendered):
    streams = [e["log_stream_name"] for e in rendered["logs"]["logs_collected"]["files"]["collect_list"]]
    assert all(s.startswith("{instance_id}/") for s in streams), streams


def test_metrics_cover_memory_disk_and_nginx_in_the_environments_region(rendered, defaults):
    collected = rendered["metrics"]["metrics_collected"]
    found = {
        "region": rendered["agent"]["region"],
        "mem": "mem_used_percent" in collected["mem"]["measurement"],
        "disk": collected["disk"]["resources"],
        "nginx processes": collected["procstat"][0]["pid_file"],
        "statsd": collected["statsd"]["service_address"],
        "instance dimension": rendered["metrics"]["append_dimensions"]["InstanceId"],
    }
    wanted = {
        "region": ENV["WEBCAST_AWS_REGION"],
        "mem": True,
        "disk": defaults["cloudwatch_agent_disk_paths"],
        "nginx processes": defaults["cloudwatch_agent_nginx_pid_file"],
        "statsd": f"127.0.0.1:{defaults['cloudwatch_agent_statsd_port']}",
        "instance dimension": "${aws:InstanceId}",
    }
    assert found == wanted


def test_rendering_without_the_environment_fails_naming_what_is_missing(host):
    host.check_output(
        "rm -rf /tmp/cwempty && mkdir -p /tmp/cwempty && echo WEBCAST_PROJECT=webcast > /tmp/cwempty/a.env"
    )
    result = host.run(f"{TOOL} render {TEMPLATE} /tmp/cwempty/agent.json /tmp/cwempty")
    assert result.rc != 0 and "WEBCAST_ENV, WEBCAST_AWS_REGION" in result.stderr, result.stderr
    assert not host.file("/tmp/cwempty/agent.json").exists


def test_the_configuration_is_rendered_at_boot_before_the_agent_starts(host, defaults):
    unit = "webcast-cloudwatch-agent-config.service"
    enabled = host.run(f"systemctl is-enabled {unit}").stdout.strip()
    after = host.check_output(f"systemctl show -P After {unit}").split()
    before = host.check_output(f"systemctl show -P Before {unit}").split()
    dropin = host.file(
        "/etc/systemd/system/amazon-cloudwatch-agent.service.d/50-webcast-config.conf"
    ).content_string
    assert (enabled, defaults["cloudwatch_agent_env_unit"] in after) == ("enabled", True)
    assert "amazon-cloudwatch-agent.service" in before
    assert f"Requires={unit}" in dropin.splitlines()


def test_the_agent_is_not_installed_without_a_package(host, defaults):
    assert defaults["cloudwatch_agent_package"] == ""
    assert not host.package("amazon-cloudwatch-agent").is_installed


def test_nginx_status_feed_sends_connection_gauges_to_statsd(host):
    # A stand-in stub_status page and statsd listener on loopback, and one sample of the feed.
    program = r"""
import socket, subprocess, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
PAGE = (b"Active connections: 7 \nserver accepts handled requests\n 10 10 42 \n"
        b"Reading: 1 Writing: 2 Waiting: 4 \n")
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(PAGE)
    def log_message(self, *a): pass
web = HTTPServer(("127.0.0.1", 18081), H)
threading.Thread(target=web.serve_forever, daemon=True).start()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 18125)); udp.settimeout(10)
subprocess.run(["python3", "/usr/local/lib/webcast/nginx_status_statsd.py",
                "http://127.0.0.1:18081/nginx_status", "18125", "1", "--once"], check=True)
print(udp.recv(4096).decode())
"""
    host.check_output(f"cat > /tmp/feedtest.py <<'EOF'\n{program}\nEOF")
    lines = set(host.check_output("python3 /tmp/feedtest.py").splitlines())
    wanted = {
        "nginx.connections.active:7|g",
        "nginx.connections.reading:1|g",
        "nginx.connections.writing:2|g",
        "nginx.connections.waiting:4|g",
    }
    assert lines == wanted


def test_nginx_status_feed_starts_at_boot(host):
    assert host.run("systemctl is-enabled webcast-nginx-statsd.service").stdout.strip() == "enabled"


def test_check_mode_on_the_converged_host_reports_no_change():
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.skip("needs molecule's inventory: run it with `molecule verify -s cloudwatch_agent`")
    run = run_playbook(["--check", "--diff", "-i", str(Path(inventory).parent), "converge.yml"], SCENARIO)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host and set(run.changed_per_host) == {0}, (
        f"check mode reports changes on a converged host: {run.changed_tasks}"
    )
