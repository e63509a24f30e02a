"""The app under gunicorn and systemd, observed in the converged container with the fixture wheel.

The fixture app (../fixture) answers /healthz from the bootstrap's status file and /whoami with the
user it runs as and WEBCAST_ENV from its environment. The tests write what the bootstrap writes at
boot (app.env, /run/webcast/bootstrap.json) and run in file order.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import assert_check_mode_reports_no_change  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role webcast_app): local changes are overwritten"
UNIT = "webcast-app.service"
GET = """python3 - <<'EOT'
import json, urllib.error, urllib.request
try:
    response = urllib.request.urlopen("http://127.0.0.1:8000{path}", timeout=5)
    print(json.dumps([response.status, json.load(response)]))
except urllib.error.HTTPError as error:
    print(json.dumps([error.code, json.load(error)]))
EOT"""


def get(host, path: str) -> tuple[int, dict]:
    status, body = json.loads(host.check_output(GET.format(path=path)))
    return status, body


def restart(host) -> None:
    host.run(f"systemctl reset-failed {UNIT}")
    result = host.run(f"systemctl restart {UNIT}")
    assert result.rc == 0, host.check_output(f"journalctl -u {UNIT} -o cat --no-pager -n 20")


def test_managed_files_say_ansible_overwrites_them(host):
    line = host.file(f"/etc/systemd/system/{UNIT}").content_string.partition("\n")[0]
    assert line == HEADER


def test_app_unit_passes_systemd_verify_and_starts_at_boot(host):
    verify = host.run(f"systemd-analyze verify /etc/systemd/system/{UNIT}")
    enabled = host.run(f"systemctl is-enabled {UNIT}").stdout.strip()
    assert verify.rc == 0 and not verify.stderr.strip(), verify.stderr
    assert enabled == "enabled", f"{UNIT} is {enabled} at boot"


def test_app_and_gunicorn_are_in_their_own_virtualenv(host):
    freeze = host.check_output("/opt/webcast/venv/bin/pip freeze --all").splitlines()
    installed = {line.split("==")[0].lower() for line in freeze if "==" in line}
    assert {"webcast-fixture-app", "gunicorn"} <= installed, freeze
    # Not in the system's Python: the virtualenv is the app's alone.
    assert host.run("python3 -c 'import webcast_fixture_app'").rc != 0


def test_app_code_is_not_writable_by_the_app_user(host):
    writable = host.run("runuser -u webcast-app -- find /opt/webcast -writable -print -quit").stdout.strip()
    assert not writable, f"the app user can write {writable}"


def test_without_the_bootstrap_status_the_health_path_says_unhealthy(host):
    host.run("rm -rf /run/webcast /etc/webcast/app.env")
    restart(host)
    status, body = get(host, "/healthz")
    assert status == 503 and "no status" in body["bootstrap"], body


def test_health_path_reports_what_the_bootstrap_found_missing(host):
    failed = {"status": "failed", "missing": ["/webcast/molecule/db/endpoint"], "errors": []}
    host.run(f"mkdir -p /run/webcast && echo '{json.dumps(failed)}' > /run/webcast/bootstrap.json")
    status, body = get(host, "/healthz")
    assert (status, body["bootstrap"]) == (503, ["/webcast/molecule/db/endpoint"])


def test_with_the_runtime_configuration_the_app_is_healthy_and_reads_app_env(host):
    host.run(
        "mkdir -p /etc/webcast && install -m 0600 /dev/null /etc/webcast/app.env && "
        "echo 'WEBCAST_ENV=\"molecule\"' > /etc/webcast/app.env && "
        'echo \'{"status": "ok", "missing": [], "errors": []}\' > /run/webcast/bootstrap.json'
    )
    restart(host)
    status, body = get(host, "/healthz")
    _, who = get(host, "/whoami")
    assert (status, body["status"]) == (200, "ok"), body
    assert who["env"] == "molecule", who


def test_app_runs_as_its_own_user_not_root(host):
    _, who = get(host, "/whoami")
    main_user = host.check_output(f"ps -o user= -p $(systemctl show -P MainPID {UNIT})")
    assert (who["user"], main_user) == ("webcast-app", "webcast-app")


def test_app_listens_on_127_0_0_1_port_8000_only(host):
    listeners = sorted(line.split()[3] for line in host.check_output("ss -Hltn 'sport = :8000'").splitlines())
    assert listeners == ["127.0.0.1:8000"], listeners


def test_app_unit_is_hardened(host):
    wanted = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
    }
    found = {key: host.check_output(f"systemctl show -P {key} {UNIT}") for key in wanted}
    assert found == wanted
    # systemd's own rating of the sandbox: 0 (locked down) to 10 (exposed); under 2 is "OK".
    summary = host.check_output(f"systemd-analyze security --no-pager {UNIT} | tail -1")
    score = float(summary.split("exposure level for")[1].split(":")[1].split()[0])
    assert score < 2.0, summary


def test_app_sees_the_system_read_only_but_its_runtime_directory(host):
    # The mounts of the service's own namespace, as the kernel reports them.
    pid = host.check_output(f"systemctl show -P MainPID {UNIT}")
    mounts = {}
    for line in host.file(f"/proc/{pid}/mountinfo").content_string.splitlines():
        fields = line.split()
        mounts[fields[4]] = fields[5].split(",")[0]
    found = {path: mounts.get(path) for path in ("/", "/run/webcast-app")}
    assert found == {"/": "ro", "/run/webcast-app": "rw"}, found


def test_access_log_goes_to_the_journal(host):
    get(host, "/healthz?from-the-test")
    time.sleep(0.5)
    journal = host.check_output(f"journalctl -u {UNIT} -o cat --no-pager -n 50")
    assert '"GET /healthz?from-the-test HTTP/1.1" 200' in journal, journal[-1000:]


def test_check_mode_on_the_converged_host_reports_no_change():
    assert_check_mode_reports_no_change(SCENARIO)
