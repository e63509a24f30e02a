"""The media mount unit, observed in the converged container.

The kernel of this machine has no NFS client (nfs4 is not in /proc/filesystems, and there are no
modules to load), so nothing can really be mounted here: the tests check what systemd reads (the
unit, its options and dependencies, the resolved file system) and that a mount attempt goes to the
file system the runtime configuration names. Expected values come from the role's defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import assert_check_mode_reports_no_change  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role efs_client): local changes are overwritten"
UNIT = "srv-media.mount"
ENV_FILE = "/etc/webcast/efs.env"
FS_ID = "fs-0123456789abcdef0"
DNS_NAME = f"{FS_ID}.efs.eu-west-1.amazonaws.com"
# AWS's recommended options for EFS over NFS (the EFS user guide, "Mounting EFS file systems").
AWS_RECOMMENDED = {
    "nfsvers=4.1",
    "rsize=1048576",
    "wsize=1048576",
    "hard",
    "timeo=600",
    "retrans=2",
    "noresvport",
}


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/efs_client/defaults/main.yml").read_text())


def show(host, unit: str, prop: str) -> str:
    return host.check_output(f"systemctl show -P {prop} {unit}")


def as_at_boot(host) -> None:
    """Nothing resolved yet, as after a boot (/run is empty): the resolver stopped, no drop-in."""
    host.run(
        f"systemctl stop {UNIT} webcast-efs-resolve.service; rm -rf /run/systemd/system/{UNIT}.d; "
        "systemctl daemon-reload; systemctl reset-failed"
    )


def test_managed_files_say_ansible_overwrites_them(host):
    files = [
        f"/etc/systemd/system/{UNIT}",
        "/etc/systemd/system/webcast-efs-resolve.service",
        "/etc/systemd/system/webcast-app.service.d/50-webcast-efs.conf",
        "/etc/systemd/system/nginx.service.d/50-webcast-efs.conf",
    ]
    first_lines = {path: host.file(path).content_string.partition("\n")[0] for path in files}
    first_lines["efs-resolve"] = host.file("/usr/local/libexec/webcast/efs-resolve").content_string.split(
        "\n"
    )[1]
    wrong = {path: line for path, line in first_lines.items() if line != HEADER}
    assert not wrong, f"lines without the header: {wrong}"


def test_nfs_client_is_installed(host):
    assert host.package("nfs-common").is_installed
    assert host.file("/sbin/mount.nfs4").exists


def test_mount_unit_passes_systemd_verify_and_mounts_at_boot(host):
    verify = host.run(
        f"systemd-analyze verify /etc/systemd/system/{UNIT} /etc/systemd/system/webcast-efs-resolve.service"
    )
    enabled = host.run(f"systemctl is-enabled {UNIT}").stdout.strip()
    assert verify.rc == 0 and not verify.stderr.strip(), verify.stderr
    assert enabled == "enabled", f"{UNIT} is {enabled} at boot"
    assert "remote-fs.target" in show(host, UNIT, "WantedBy")


def test_mount_uses_nfs_4_1_with_the_options_aws_recommends(host):
    options = set(show(host, UNIT, "Options").split(","))
    assert show(host, UNIT, "Type") == "nfs4"
    assert options >= AWS_RECOMMENDED, f"missing: {AWS_RECOMMENDED - options}"
    assert "_netdev" in options


def test_attribute_cache_lets_another_instance_see_a_new_playlist_within_one_fragment(host, defaults):
    fragment_s = 2  # webcast_hls_fragment_s is unset in the scenario: the role's default
    options = show(host, UNIT, "Options").split(",")
    cache = [o for o in options if o.startswith(("actimeo=", "acregmax=", "acdirmax=", "noac"))]
    assert len(cache) == 1 and cache[0].startswith("actimeo="), f"attribute cache options: {cache}"
    seconds = int(cache[0].split("=")[1])
    assert seconds >= 1 and seconds * 2 <= fragment_s, f"actimeo={seconds} for a {fragment_s} s fragment"


def test_mount_waits_for_the_resolver_and_the_network(host):
    requires = show(host, UNIT, "Requires").split()
    after = show(host, UNIT, "After").split()
    assert "webcast-efs-resolve.service" in requires, requires
    assert {"webcast-efs-resolve.service", "network-online.target"} <= set(after), after


def test_without_runtime_configuration_the_resolver_fails_and_the_mount_does_not_start(host):
    host.run(f"rm -f {ENV_FILE}")
    as_at_boot(host)
    mount = host.run(f"systemctl start {UNIT}")
    journal = host.check_output("journalctl -u webcast-efs-resolve.service -o cat --no-pager -n 10")
    assert mount.rc != 0
    assert f"{ENV_FILE} is missing: the bootstrap has not written the runtime configuration" in journal
    assert show(host, UNIT, "What").startswith("unresolved.invalid:"), show(host, UNIT, "What")


def test_an_id_that_is_not_a_file_system_fails_the_resolver_naming_it(host):
    host.run(f"mkdir -p /etc/webcast && printf 'EFS_FILE_SYSTEM_ID=\"vol-1\"\\n' > {ENV_FILE}")
    as_at_boot(host)
    result = host.run("systemctl start webcast-efs-resolve.service")
    journal = host.check_output("journalctl -u webcast-efs-resolve.service -o cat --no-pager -n 5")
    assert result.rc != 0
    assert "EFS_FILE_SYSTEM_ID in /etc/webcast/efs.env is 'vol-1': not an EFS file system id" in journal


def test_the_mount_goes_to_the_file_system_the_runtime_configuration_names(host):
    # What the bootstrap writes (quoted as it quotes values).
    host.run(
        f'printf \'EFS_FILE_SYSTEM_ID="{FS_ID}"\\nEFS_ACCESS_POINT_ID="fsap-0123456789abcdef0"\\n'
        f'EFS_DNS_NAME="{DNS_NAME}"\\n\' > {ENV_FILE}'
    )
    as_at_boot(host)
    mount = host.run(f"systemctl start {UNIT}")
    what = show(host, UNIT, "What")
    journal = host.check_output(f"journalctl -u {UNIT} -o cat --no-pager -n 10")
    assert what == f"{DNS_NAME}:/"
    assert show(host, "webcast-efs-resolve.service", "ActiveState") == "active"
    # The name is not in DNS here (and no NFS client in the kernel): the attempt itself shows
    # mount.nfs4 was handed the resolved server.
    assert mount.rc != 0
    assert f"mount.nfs4: Failed to resolve server {DNS_NAME}" in journal, journal


def test_app_and_media_server_start_after_the_mount_and_not_without_it(host):
    # Stand-in units so systemd loads the role's drop-ins for them (not-found units get none).
    for unit in ("webcast-app.service", "nginx.service"):
        if (
            not host.file(f"/etc/systemd/system/{unit}").exists
            and not host.file(f"/lib/systemd/system/{unit}").exists
        ):
            host.run(f"printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/{unit}")
    host.run("systemctl daemon-reload")
    found = {unit: show(host, unit, "RequiresMountsFor") for unit in ("webcast-app.service", "nginx.service")}
    assert found == {"webcast-app.service": "/srv/media", "nginx.service": "/srv/media"}
    assert UNIT in show(host, "webcast-app.service", "Requires").split()
    assert UNIT in show(host, "webcast-app.service", "After").split()


def test_check_mode_on_the_converged_host_reports_no_change():
    assert_check_mode_reports_no_change(SCENARIO)
