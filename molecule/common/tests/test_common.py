"""The base every instance gets from the common role, observed in the converged container.

Expected values come from the role's defaults/main.yml (the scenario converges with them),
so a changed default changes the test with it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import run_playbook  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role common): local changes are overwritten"
SYSCTL_FILE = "/etc/sysctl.d/60-webcast-common.conf"
JOURNALD_DROPIN = "/etc/systemd/journald.conf.d/50-webcast.conf"
# The message journald logs when it opens a journal, with its limits as fields
# (SD_MESSAGE_JOURNAL_USAGE in systemd's sd-messages.h).
JOURNAL_USAGE_MESSAGE_ID = "ec387f577b844b8fa948f33cad9a75e6"
SIZE_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/common/defaults/main.yml").read_text())


@pytest.fixture(scope="module")
def apt_config(host) -> dict[str, list[str]]:
    """apt's merged configuration: every key with its values (lists have several)."""
    config: dict[str, list[str]] = {}
    for line in host.check_output("apt-config dump").splitlines():
        match = re.fullmatch(r'(\S+?)(?:::)? "(.*)";', line)
        if match:
            config.setdefault(match[1], []).append(match[2])
    return config


@pytest.fixture(scope="module")
def chrony_config(host) -> list[list[str]]:
    """The directives chronyd itself parses from its configuration (`chronyd -p`)."""
    return [line.split() for line in host.check_output("chronyd -p").splitlines()]


def size_in_bytes(size: str) -> int:
    return int(size[:-1]) * SIZE_UNITS[size[-1]]


def normalized(value: object) -> str:
    """A sysctl value as the kernel compares it: whitespace between fields is not significant."""
    return " ".join(str(value).split())


def test_managed_files_say_ansible_overwrites_them(host):
    files = [
        "/etc/chrony/chrony.conf",
        JOURNALD_DROPIN,
        "/etc/apt/apt.conf.d/20auto-upgrades",
        "/etc/apt/apt.conf.d/52webcast-unattended-upgrades",
        SYSCTL_FILE,
    ]
    first_lines = {}
    for path in files:
        content = host.file(path).content_string if host.file(path).exists else ""
        first_lines[path] = content.partition("\n")[0]
    wrong = {path: line for path, line in first_lines.items() if line != HEADER}
    assert not wrong, f"first lines without the header: {wrong}"


def test_base_packages_are_installed(host, defaults):
    missing = [name for name in defaults["common_packages"] if not host.package(name).is_installed]
    assert not missing, f"not installed: {missing}"


def test_chrony_prefers_the_amazon_time_sync_service(chrony_config, defaults):
    servers = [directive[1:] for directive in chrony_config if directive[0] == "server"]
    amazon = [s for s in servers if s[0] == defaults["common_chrony_server"]]
    assert len(amazon) == 1, f"server directives: {servers}"
    assert {"prefer", "iburst"} <= set(amazon[0]), f"server directive: {amazon[0]}"


def test_chrony_falls_back_to_the_configured_pool_only(chrony_config, defaults):
    pools = [directive[1] for directive in chrony_config if directive[0] == "pool"]
    servers = [directive[1] for directive in chrony_config if directive[0] == "server"]
    assert pools == [defaults["common_chrony_fallback_pool"]], f"pools: {pools}"
    assert servers == [defaults["common_chrony_server"]], f"servers: {servers}"


def test_chrony_steps_the_clock_only_in_its_first_updates(chrony_config, defaults):
    makestep = [directive[1:] for directive in chrony_config if directive[0] == "makestep"]
    wanted = [
        float(defaults["common_chrony_makestep_threshold_s"]),
        int(defaults["common_chrony_makestep_limit"]),
    ]
    found = [[float(threshold), int(limit)] for threshold, limit in makestep]
    assert found == [wanted], f"makestep directives: {makestep}"


def test_chrony_starts_at_boot_and_has_not_failed(host):
    # In a container chronyd is condition-skipped (no CAP_SYS_TIME): inactive, not failed.
    enabled = host.run("systemctl is-enabled chrony").stdout.strip()
    state = host.check_output("systemctl show -P ActiveState chrony")
    assert enabled == "enabled", f"chrony is {enabled} at boot"
    assert state != "failed", f"chrony is {state}"


def test_journald_reads_the_webcast_limits(host, defaults):
    # systemd-analyze shows journald.conf and its drop-ins in the order journald reads
    # them; the last assignment of a key wins.
    effective = {}
    for line in host.check_output("systemd-analyze cat-config systemd/journald.conf").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            effective[key.strip()] = value.strip()
    wanted = {
        "Storage": defaults["common_journald_storage"],
        "SystemMaxUse": defaults["common_journald_system_max_use"],
        "RuntimeMaxUse": defaults["common_journald_runtime_max_use"],
        "MaxRetentionSec": f"{defaults['common_journald_max_retention_days']}day",
        "RateLimitIntervalSec": f"{defaults['common_journald_rate_limit_interval_s']}s",
        "RateLimitBurst": str(defaults["common_journald_rate_limit_burst"]),
    }
    found = {key: effective.get(key) for key in wanted}
    assert found == wanted


def test_journald_keeps_at_most_the_configured_disk_use(host, defaults):
    # The running journald reports the limit it applies when it opens the system
    # journal: this holds only if the drop-in was read, i.e. journald was restarted.
    pid = host.check_output("systemctl show -P MainPID systemd-journald")
    records = host.check_output(
        f"journalctl -o json --no-pager _PID={pid} MESSAGE_ID={JOURNAL_USAGE_MESSAGE_ID}"
    )
    usage = [json.loads(line) for line in records.splitlines()]
    system = [u for u in usage if u.get("JOURNAL_NAME") == "System Journal"]
    assert system, f"journald (pid {pid}) reported no system journal: {usage}"
    found = (system[-1]["JOURNAL_PATH"].startswith("/var/log/journal/"), int(system[-1]["MAX_USE"]))
    wanted = (True, size_in_bytes(defaults["common_journald_system_max_use"]))
    assert found == wanted, f"journal at {system[-1]['JOURNAL_PATH']}, max {found[1]} bytes"


def test_apt_updates_lists_and_runs_unattended_upgrades_periodically(apt_config, defaults):
    days = str(defaults["common_unattended_upgrades_interval_days"])
    found = {
        key: apt_config.get(f"APT::Periodic::{key}") for key in ("Update-Package-Lists", "Unattended-Upgrade")
    }
    assert found == {"Update-Package-Lists": [days], "Unattended-Upgrade": [days]}


def test_unattended_upgrades_follow_debian_security_only(apt_config, defaults):
    origins = apt_config.get("Unattended-Upgrade::Origins-Pattern", [])
    # The list key itself is dumped once with an empty value.
    assert [o for o in origins if o] == defaults["common_unattended_upgrades_origins"]
    assert not [o for o in apt_config.get("Unattended-Upgrade::Allowed-Origins", []) if o]


def test_unattended_upgrades_do_not_reboot_on_their_own(apt_config, defaults):
    reboot = apt_config.get("Unattended-Upgrade::Automatic-Reboot")
    assert defaults["common_unattended_upgrades_reboot"] is False
    assert reboot == ["false"], f"Unattended-Upgrade::Automatic-Reboot is {reboot}"


def test_unattended_upgrade_would_install_from_the_security_archive_only(host, defaults):
    # A real run of unattended-upgrade, without installing: it reads the same
    # configuration as the daily timer and says what it would upgrade from where.
    result = host.run("timeout 300 unattended-upgrade --dry-run -d")
    assert result.rc == 0, f"rc {result.rc}: {result.stderr[-2000:]}"
    output = result.stdout + result.stderr
    codename = host.check_output(". /etc/os-release && echo $VERSION_CODENAME")
    wanted = [
        origin.replace("${distro_codename}", codename)
        for origin in defaults["common_unattended_upgrades_origins"]
    ]
    allowed = re.search(r"^Allowed origins are: (.*)$", output, re.MULTILINE)
    assert allowed, "unattended-upgrade printed no allowed origins"
    assert allowed[1].split(", ") == wanted
    candidates = re.findall(r"^Checking: (\S+) \((.*)\)$", output, re.MULTILINE)
    elsewhere = [name for name, origins in candidates if "label:'Debian-Security'" not in origins]
    assert not elsewhere, f"upgrade candidates from outside Debian security: {elsewhere}"


def test_apt_timers_that_run_the_upgrades_start_at_boot(host):
    timers = ("apt-daily.timer", "apt-daily-upgrade.timer")
    found = {timer: host.run(f"systemctl is-enabled {timer}").stdout.strip() for timer in timers}
    assert found == dict.fromkeys(timers, "enabled")


@pytest.fixture(scope="module")
def sysctl_file(host) -> dict[str, str]:
    settings = {}
    for line in host.file(SYSCTL_FILE).content_string.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith(("#", ";")):
            settings[key.strip()] = normalized(value)
    return settings


def test_sysctl_file_holds_the_configured_settings(sysctl_file, defaults):
    wanted = {key: normalized(value) for key, value in defaults["common_sysctl"].items()}
    assert sysctl_file == wanted


def test_every_sysctl_key_names_a_kernel_setting(host, sysctl_file):
    # A key that names nothing is skipped by systemd-sysctl at boot with a mere warning.
    # Some keys exist only in the host's initial network namespace (such as
    # net.core.netdev_max_backlog): those are looked up on the podman host, which runs
    # the same kernel as the container.
    paths = {key: "/proc/sys/" + key.replace(".", "/") for key in sysctl_file}
    unknown = [key for key, path in paths.items() if not host.file(path).exists and not Path(path).exists()]
    assert not unknown, f"no such kernel setting: {unknown}"


def test_sysctl_settings_are_in_effect_where_the_kernel_allows(host, sysctl_file):
    if host.run("test -w /proc/sys/net/core/somaxconn").rc != 0:
        pytest.skip("/proc/sys is read-only here (a container): systemd-sysctl applies the file at boot")
    found = {key: normalized(host.check_output(f"sysctl -n {shlex.quote(key)}")) for key in sysctl_file}
    assert found == sysctl_file


def test_check_mode_on_the_converged_host_reports_no_change():
    # Through Ansible, as an operator would run it: molecule passes its inventory and the
    # provisioner's environment (ANSIBLE_CONFIG, roles and collections paths) to the verifier.
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.skip("needs molecule's inventory: run it with `molecule verify -s common`")
    run = run_playbook(["--check", "--diff", "-i", str(Path(inventory).parent), "converge.yml"], SCENARIO)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host and set(run.changed_per_host) == {0}, (
        f"check mode reports changes on a converged host: {run.changed_tasks}"
    )
