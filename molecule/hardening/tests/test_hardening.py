"""The baseline the hardening role makes, observed in the converged containers.

Two containers: hostmedia-hardening with the defaults (SSH off) and hostmedia-hardening-keys with
hardening_ssh_mode keys_only. Expected values come from the role's defaults/main.yml.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import assert_check_mode_reports_no_change, run_playbook  # noqa: E402  (not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role hardening): local changes are overwritten"
KEYS_ONLY_HOST = "hostmedia-hardening-keys"
REPORT = "/var/lib/webcast/hardening-report.json"
# The rules a container can only write for the next boot of an instance.
DEFERRED_IN_CONTAINERS = {"auditd", "sysctl", "core_dumps", "kernel_modules"}


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/hardening/defaults/main.yml").read_text())


def is_keys_only(host) -> bool:
    return host.backend.get_hostname() == KEYS_ONLY_HOST


@pytest.fixture(scope="module")
def report(host) -> dict:
    return json.loads(host.file(REPORT).content_string)


def test_managed_files_say_ansible_overwrites_them(host):
    files = [
        "/etc/audit/rules.d/50-webcast.rules",
        "/etc/sysctl.d/61-webcast-hardening.conf",
        "/etc/sysctl.d/61-webcast-core-dumps.conf",
        "/etc/security/limits.d/50-webcast-core-dumps.conf",
        "/etc/systemd/system.conf.d/50-webcast-core-dumps.conf",
        "/etc/profile.d/50-webcast-umask.sh",
        "/etc/modprobe.d/50-webcast-hardening.conf",
    ]
    if is_keys_only(host):
        files.append("/etc/ssh/sshd_config.d/50-webcast-hardening.conf")
    # Every file's first line from one command (a podman exec each otherwise); a missing or empty
    # file has no line, and shows as missing.
    printed = host.check_output("awk 'FNR == 1 { print FILENAME \"\\t\" $0 }'" + " %s" * len(files), *files)
    first_lines = dict.fromkeys(files, "(missing or empty)") | dict(
        line.split("\t", 1) for line in printed.splitlines()
    )
    wrong = {path: line for path, line in first_lines.items() if line != HEADER}
    assert not wrong, f"first lines without the header: {wrong}"


def test_ssh_off_means_no_sshd_installed_running_or_startable(host):
    if is_keys_only(host):
        pytest.skip("this container keeps sshd (keys_only)")
    found = {
        "package": host.package("openssh-server").is_installed,
        "listening on 22": host.socket("tcp://0.0.0.0:22").is_listening,
        "ssh.service": host.run("systemctl is-enabled ssh.service").stdout.strip(),
        "ssh.socket": host.run("systemctl is-enabled ssh.socket").stdout.strip(),
        "host keys": host.run("ls /etc/ssh/ssh_host_*_key").rc == 0,
    }
    wanted = {
        "package": False,
        "listening on 22": False,
        "ssh.service": "masked",
        "ssh.socket": "masked",
        "host keys": False,
    }
    assert found == wanted


def test_ssh_keys_only_refuses_root_and_passwords(host):
    if not is_keys_only(host):
        pytest.skip("sshd is off in this container")
    effective = dict(
        line.split(" ", 1)
        for line in host.check_output("sshd -T -C user=root,host=x,addr=127.0.0.1").splitlines()
    )
    found = {
        key: effective.get(key)
        for key in (
            "permitrootlogin",
            "passwordauthentication",
            "kbdinteractiveauthentication",
            "pubkeyauthentication",
        )
    }
    wanted = {
        "permitrootlogin": "no",
        "passwordauthentication": "no",
        "kbdinteractiveauthentication": "no",
        "pubkeyauthentication": "yes",
    }
    assert found == wanted


def test_ssh_keys_only_offers_no_method_but_public_keys(host):
    if not is_keys_only(host):
        pytest.skip("sshd is off in this container")
    # A client without keys learns which methods the server would accept.
    result = host.run(
        "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
        " -o IdentityFile=/nonexistent -o ConnectTimeout=5 nobody@127.0.0.1 true"
    )
    assert "Permission denied (publickey)." in result.stderr, result.stderr


def test_audit_rules_watch_identity_sudoers_time_and_modules(host):
    rules = host.file("/etc/audit/rules.d/50-webcast.rules").content_string
    keys = set(re.findall(r"-k (\S+)", rules))
    watched = set(re.findall(r"^-w (\S+)", rules, re.MULTILINE))
    assert {"identity", "scope", "time-change", "kernel_modules", "logins", "session", "perm_mod"} <= keys
    assert {
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/gshadow",
        "/etc/sudoers",
        "/etc/sudoers.d",
    } <= watched


def test_audit_rules_are_locked_last(host, defaults):
    rules = [
        line
        for line in host.file("/etc/audit/rules.d/50-webcast.rules").content_string.splitlines()
        if line and not line.startswith("#")
    ]
    assert defaults["hardening_audit_immutable"] is True
    assert rules[-1] == "-e 2", f"last rule: {rules[-1]}"


def test_auditd_starts_at_boot_and_skips_containers_cleanly(host):
    enabled = host.run("systemctl is-enabled auditd").stdout.strip()
    state = host.check_output("systemctl show -P ActiveState auditd")
    condition = host.check_output("systemctl show -P ConditionResult auditd")
    assert (enabled, state, condition) == ("enabled", "inactive", "no")


def test_unneeded_packages_are_absent_and_units_masked(host, defaults):
    present = [p for p in defaults["hardening_removed_packages"] if host.package(p).is_installed]
    unmasked = {
        unit: state
        for unit in defaults["hardening_masked_units"]
        if (state := host.run(f"systemctl is-enabled {unit}").stdout.strip()) != "masked"
    }
    assert (present, unmasked) == ([], {})


def test_sensitive_files_have_safe_owners_and_modes(host):
    wanted = {
        "/etc/passwd": ("root", "root", 0o644),
        "/etc/group": ("root", "root", 0o644),
        "/etc/shadow": ("root", "shadow", 0o640),
        "/etc/gshadow": ("root", "shadow", 0o640),
        "/etc/cron.d": ("root", "root", 0o700),
        "/etc/cron.daily": ("root", "root", 0o700),
    }
    if is_keys_only(host):
        wanted["/etc/ssh/sshd_config"] = ("root", "root", 0o600)
    # One stat for every path (a podman exec each otherwise, three per path).
    found = {
        path: (user, group, int(mode, 8))
        for path, user, group, mode in (
            line.rsplit(" ", 3)
            for line in host.check_output(
                "stat -c '%%n %%U %%G %%a'" + " %s" * len(wanted), *wanted
            ).splitlines()
        )
    }
    assert found == wanted


def test_banners_warn_and_show_no_system_details(host, defaults):
    banner = defaults["hardening_banner"].strip()
    found = {
        path: host.file(path).content_string.strip() for path in ("/etc/issue", "/etc/issue.net", "/etc/motd")
    }
    assert found == dict.fromkeys(found, banner)
    assert not host.file("/etc/update-motd.d/10-uname").mode & 0o111, "10-uname still prints the kernel"


def test_sysctl_file_holds_the_configured_settings(host, defaults):
    settings = {}
    for line in host.file("/etc/sysctl.d/61-webcast-hardening.conf").content_string.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            settings[key.strip()] = value.strip()
    assert settings == {key: str(value) for key, value in defaults["hardening_sysctl"].items()}


def test_every_sysctl_key_names_a_kernel_setting(host, defaults):
    # As in the common role's test: host-only keys are looked up on the podman host's kernel.
    paths = {key: "/proc/sys/" + key.replace(".", "/") for key in defaults["hardening_sysctl"]}
    unknown = [key for key, path in paths.items() if not host.file(path).exists and not Path(path).exists()]
    assert not unknown, f"no such kernel setting: {unknown}"


def test_login_sessions_and_services_may_not_dump_core(host):
    hard_core = host.check_output("su -s /bin/sh -l nobody -c 'ulimit -H -c'")
    system = host.file("/etc/systemd/system.conf.d/50-webcast-core-dumps.conf").content_string
    assert hard_core == "0"
    assert "DefaultLimitCORE=0" in system.splitlines()
    assert "fs.suid_dumpable = 0" in host.file("/etc/sysctl.d/61-webcast-core-dumps.conf").content_string


def test_su_is_for_members_of_the_su_group_only(host, defaults):
    group = defaults["hardening_su_group"]
    active = [
        line.split()
        for line in host.file("/etc/pam.d/su").content_string.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    wheel = ["auth", "required", "pam_wheel.so", "use_uid", f"group={group}"]
    members = host.check_output(f"getent group {group}").split(":")[3]
    # Root's own su (pam_rootok) comes first; everyone else meets pam_wheel before any password.
    assert wheel in active, f"active lines: {active}"
    assert active.index(wheel) < active.index(["@include", "common-auth"])
    assert members == "", f"{group} has members: {members}"


def test_login_shells_get_the_strict_umask(host, defaults):
    umask = host.check_output("su -s /bin/bash -l nobody -c umask")
    assert int(umask, 8) == int(defaults["hardening_umask"], 8)
    assert re.search(
        rf"^UMASK\s+{defaults['hardening_umask']}$", host.file("/etc/login.defs").content_string, re.M
    )


def test_rare_kernel_modules_are_refused(host, defaults):
    lines = host.file("/etc/modprobe.d/50-webcast-hardening.conf").content_string.splitlines()
    missing = [
        m for m in defaults["hardening_disabled_kernel_modules"] if f"install {m} /bin/false" not in lines
    ]
    assert not missing, f"modules not refused: {missing}"


def test_report_says_each_rule_applied_or_deferred_with_a_reason(host, report, defaults):
    container = host.run("systemd-detect-virt --container").rc == 0
    statuses = {rule: entry["status"] for rule, entry in report["rules"].items()}
    wanted = {
        rule: ("deferred" if container and rule in DEFERRED_IN_CONTAINERS else "applied")
        for rule in defaults["hardening_rules"]
    }
    assert statuses == wanted
    unexplained = [r for r, e in report["rules"].items() if e["status"] == "deferred" and not e.get("reason")]
    assert not unexplained, f"deferred without a reason: {unexplained}"
    assert report["ssh_mode"] == ("keys_only" if is_keys_only(host) else "off")


def test_rules_turned_off_are_left_alone_and_reported_skipped(host, defaults):
    # Check mode with every rule off, on the converged host: the only change would be the
    # report, and its diff lists every rule as skipped with the variable that turned it off.
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.skip("needs molecule's inventory: run it with `molecule verify -s hardening`")
    if is_keys_only(host):
        pytest.skip("once is enough: checked on the container with the defaults")
    rules_off = json.dumps({"hardening_rules": dict.fromkeys(defaults["hardening_rules"], False)})
    run = run_playbook(
        [
            "--check",
            "--diff",
            "-i",
            str(Path(inventory).parent),
            "--limit",
            host.backend.get_hostname(),
            "-e",
            rules_off,
            "converge.yml",
        ],
        SCENARIO,
    )
    assert run.returncode == 0, run.tail()
    blocks = run.stdout.split("\nTASK [")[1:]
    changed = [block.partition("]")[0] for block in blocks if "\nchanged:" in block]
    skipped_in_diff = set(
        re.findall(r'^\+\s+"reason": "turned off by hardening_rules\.(\w+)"', run.stdout, re.M)
    )
    wanted = ["hardening : Ensure the report says what was applied, deferred and skipped"]
    assert (changed, run.changed_per_host) == (wanted, [1])
    assert skipped_in_diff == set(defaults["hardening_rules"])


def test_check_mode_on_the_converged_hosts_reports_no_change():
    # No `host` argument: one run on both containers (the defaults and keys_only), each with its own
    # recap line, where a run per container would start Ansible twice for the same proof.
    assert_check_mode_reports_no_change(SCENARIO)
