"""The golden image as baked, and booted as instances (create.yml; tools/local_instance.py).

Three views, in file order:
- the image itself, its files read from `podman image mount` (nothing that ran since can hide a
  leak): no environment data, no secret, nothing of the build host;
- `image-golden`, booted in an environment whose runtime parameters are in the emulator: the
  bootstrap succeeds and the services run as on an instance;
- `image-golden-bare`, booted in an environment without any: the bootstrap fails, the journal names
  what is missing and the health path reports it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tools import runtime_parameters

IMAGE = (os.environ.get("WEBCAST_GOLDEN_IMAGE") or "localhost/webcast-golden") + ":latest"
PREFIX = "/webcast/image/"
BARE_PREFIX = "/webcast/image-bare/"
ENV_FILES = ("app.env", "media.env", "efs.env", "relay.env")


REQUIRED = runtime_parameters.bootstrap_names("REQUIRED")
# Where a secret or the build host's traces could hide; /usr and /lib hold what packages ship.
SEARCHED = ("etc", "root", "home", "opt", "srv", "var", "usr/local", "tmp")
PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")
AWS_KEY = re.compile(rb"\b(AKIA|ASIA)[A-Z0-9]{16}\b|aws_secret_access_key", re.IGNORECASE)


# --- the image as baked ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def baked() -> Iterator[Path]:
    """The image's root file system, read-only, as the bake left it."""
    mounted = subprocess.run(["podman", "image", "mount", IMAGE], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount {IMAGE}: {mounted.stderr.strip()} (run `make bake` first)")
    yield Path(mounted.stdout.strip())
    subprocess.run(["podman", "image", "unmount", IMAGE], capture_output=True)


def files_under(root: Path, *tops: str) -> Iterator[Path]:
    for top in tops:
        for path in (root / top).rglob("*"):
            if path.is_file() and not path.is_symlink():
                yield path


@pytest.fixture(scope="module")
def matches(baked) -> dict[str, list[str]]:
    """The files (under SEARCHED, below 1 MB) holding a private key or an AWS key: read once."""
    found: dict[str, list[str]] = {"private_key": [], "aws_key": []}
    for path in files_under(baked, *SEARCHED):
        if path.stat().st_size >= 1_000_000:
            continue
        text = path.read_bytes()
        for kind, pattern in (("private_key", PRIVATE_KEY), ("aws_key", AWS_KEY)):
            if pattern.search(text):
                found[kind].append("/" + str(path.relative_to(baked)))
    return found


def packaged_files(root: Path) -> set[str]:
    """Every path a Debian package of the image ships, from dpkg's lists."""
    shipped: set[str] = set()
    for listing in (root / "var/lib/dpkg/info").glob("*.list"):
        shipped.update(listing.read_text(errors="replace").split("\n"))
    return shipped


def test_baked_image_holds_no_environment_file_and_no_sasl_map(baked):
    found = [
        str(p.relative_to(baked))
        for p in [*(baked / "etc/webcast").glob("*.env"), *(baked / "etc/postfix").glob("sasl_passwd*")]
    ]
    assert not found, f"environment data baked into the image: {found}"


def test_baked_bootstrap_configuration_names_no_environment(baked):
    conf = dict(
        line.split(" = ", 1) if " = " in line else (line.rstrip(" ="), "")
        for line in (baked / "etc/webcast/bootstrap.conf").read_text().splitlines()
        if line and not line.startswith(("#", "["))
    )
    named = {key: conf.get(key) for key in ("project", "env", "region", "endpoint_url") if conf.get(key)}
    assert not named, f"bootstrap.conf fixes what each instance must find at boot: {named}"


def test_baked_image_holds_no_aws_credentials(baked, matches):
    credential_files = [
        str(p.relative_to(baked))
        for p in (*baked.glob("root/.aws/*"), *baked.glob("home/*/.aws/*"), baked / "etc/boto.cfg")
        if p.exists()
    ]
    keys = matches["aws_key"]
    assert not credential_files and not keys, f"AWS credentials: files {credential_files}, keys in {keys}"


def test_baked_image_holds_no_private_key_beyond_what_packages_ship(baked, matches):
    shipped = packaged_files(baked)
    made_here = [key for key in matches["private_key"] if key not in shipped]
    host_keys = [str(p.relative_to(baked)) for p in baked.glob("etc/ssh/ssh_host_*")]
    assert not made_here and not host_keys, f"private keys: {made_here}, SSH host keys: {host_keys}"


def test_baked_image_holds_no_git_repository(baked):
    found = [str(p.relative_to(baked)) for top in SEARCHED for p in (baked / top).rglob(".git")]
    assert not found, f".git in the image: {found}"


def test_baked_image_has_no_machine_identity(baked):
    machine_id = (baked / "etc/machine-id").read_bytes()
    dbus_id = baked / "var/lib/dbus/machine-id"
    own_dbus_id = dbus_id.exists() and not dbus_id.is_symlink() and dbus_id.read_bytes().strip()
    assert machine_id == b"" and not own_dbus_id, f"machine-id {machine_id!r}, dbus's {own_dbus_id!r}"


def test_baked_image_keeps_no_apt_cache(baked):
    cached = [
        str(p.relative_to(baked))
        for p in (*baked.glob("var/cache/apt/**/*.deb"), *baked.glob("var/cache/apt/*.bin"))
    ]
    assert not cached, f"apt's cache in the image: {cached}"


def test_baked_image_has_no_ssh_server_and_no_root_password(baked):
    sshd = [p for p in ("usr/sbin/sshd", "lib/systemd/system/ssh.service") if (baked / p).exists()]
    root = next(line for line in (baked / "etc/shadow").read_text().splitlines() if line.startswith("root:"))
    password = root.split(":")[1]
    assert not sshd, f"an SSH server is baked: {sshd}"
    assert password in ("*", "!") or password.startswith("!"), "root has a password that logs in"


# --- booted, with the environment's runtime configuration ------------------------------------


def test_baked_media_root_belongs_to_the_user_nginx_writes_media_as(baked):
    # Not only once an EFS access point maps every write to it: a volume mounted there takes this owner.
    www_data = 33  # Debian's fixed uid and gid of www-data
    found = {
        path: ((baked / path).stat().st_uid, (baked / path).stat().st_gid)
        for path in ("srv/media", "srv/media/hls", "srv/media/vod")
    }
    assert found == dict.fromkeys(found, (www_data, www_data)), found


@pytest.fixture(scope="module")
def golden(host):
    """image-golden once its boot is over (every start job done, whatever their results)."""
    state = host.run("timeout 120 systemctl is-system-running --wait").stdout.strip()
    assert state in ("running", "degraded"), f"image-golden: boot not over ({state})"
    return host


def curl_head(host, path: str) -> dict[str, str]:
    out = host.check_output(f"curl -sS -o /dev/null -D - http://127.0.0.1{path}")
    lines = out.splitlines()
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:]) if v}
    return {"status": lines[0].split()[1], **headers}


def test_bootstrap_succeeds_with_the_environments_configuration(golden):
    state = golden.check_output("systemctl show --property=ActiveState,Result webcast-bootstrap.service")
    status = json.loads(golden.file("/run/webcast/bootstrap.json").content_string)
    assert sorted(state.split()) == ["ActiveState=active", "Result=success"], state
    assert (status["status"], status["missing"], status["errors"]) == ("ok", [], []), status
    assert status["parameter_prefix"] == PREFIX


def test_bootstrap_writes_env_files_and_sasl_map_with_tight_modes(golden):
    found = {
        path: (golden.file(path).exists and oct(golden.file(path).mode), golden.file(path).group)
        for path in [*(f"/etc/webcast/{name}" for name in ENV_FILES), "/etc/postfix/sasl_passwd"]
    }
    assert found == {
        "/etc/webcast/app.env": ("0o600", "root"),
        "/etc/webcast/media.env": ("0o640", "webcast"),
        "/etc/webcast/efs.env": ("0o640", "webcast"),
        "/etc/webcast/relay.env": ("0o640", "webcast"),
        "/etc/postfix/sasl_passwd": ("0o600", "root"),
    }


def test_the_database_password_is_the_apps_alone_on_tmpfs_and_its_timer_runs(golden):
    path = "/run/webcast/db-password"
    password = golden.file(path)
    as_user = "setpriv --reuid={0} --regid={0} --clear-groups cat " + path
    assert (oct(password.mode), password.user) == ("0o400", "webcast-app")
    assert golden.run(as_user.format("webcast-app")).stdout.strip(), "the app's user cannot read it"
    assert golden.run(as_user.format("www-data")).rc != 0, "nginx's user can read the database password"
    assert golden.check_output(f"findmnt -n -o FSTYPE --target {path}") == "tmpfs"
    assert golden.check_output("systemctl is-active webcast-db-password.timer") == "active"


@pytest.mark.parametrize(
    "unit",
    [
        "nginx.service",
        "webcast-app.service",
        "postfix.service",
        "webcast-bootstrap.service",
        "webcast-db-password.timer",
        "srv-media.mount",
        "webcast-cloudwatch-agent-config.service",
    ],
)
def test_service_is_enabled_at_boot(golden, unit):
    enabled = golden.run(f"systemctl is-enabled {unit}").stdout.strip()
    assert enabled == "enabled", f"{unit} is {enabled!r}"


def test_services_run_once_configured(golden):
    units = ("nginx.service", "webcast-app.service", "postfix@-.service", "webcast-efs-resolve.service")
    states = dict(
        zip(units, golden.run(f"systemctl is-active {' '.join(units)}").stdout.split(), strict=False)
    )
    assert states == dict.fromkeys(units, "active"), states


def test_media_mount_points_at_the_environments_file_system(golden):
    drop_in_file = golden.file("/run/systemd/system/srv-media.mount.d/50-webcast-efs.conf")
    assert drop_in_file.exists, "webcast-efs-resolve wrote no drop-in for srv-media.mount"
    drop_in = drop_in_file.content_string
    assert "What=fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com:/" in drop_in, f"drop-in: {drop_in}"


def test_cloudwatch_agent_configuration_is_rendered_for_the_environment(golden):
    path = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
    assert golden.file(path).exists, f"{path} was not rendered at boot"
    config = json.loads(golden.file(path).content_string)
    groups = sorted(
        {item["log_group_name"] for item in config["logs"]["logs_collected"]["files"]["collect_list"]}
    )
    assert config["agent"]["region"] == "eu-west-1", config["agent"]
    assert groups and all(group.startswith(PREFIX) for group in groups), groups


def test_listening_ports_are_the_media_server_app_relay_and_status(golden):
    listening = {
        (m.group(1), m.group(2))
        for m in re.finditer(r"^LISTEN\s+\d+\s+\d+\s+(\S+):(\d+)\s", golden.check_output("ss -Hltn4"), re.M)
    }
    expected = {
        ("0.0.0.0", "80"),  # HTTP: HLS, recordings, the app
        ("0.0.0.0", "1935"),  # RTMP ingest
        ("127.0.0.1", "8000"),  # the app, behind nginx
        ("127.0.0.1", "8081"),  # nginx's stub_status
        ("127.0.0.1", "25"),  # the mail relay
    }
    public = {(a, p) for a, p in listening if not a.startswith("127.")}
    assert expected <= listening, f"missing: {sorted(expected - listening)}; listening: {sorted(listening)}"
    assert public == {e for e in expected if not e[0].startswith("127.")}, f"reachable from outside: {public}"


def test_nothing_listens_for_ssh(golden):
    ssh = golden.run("systemctl is-enabled ssh.service").stdout.strip()
    assert not golden.socket("tcp://0.0.0.0:22").is_listening
    assert ssh in ("masked", ""), f"ssh.service is {ssh!r}"


def test_nginx_configuration_is_valid(golden):
    result = golden.run("nginx -t")
    assert result.rc == 0, result.stderr


def test_nginx_leaves_shared_hls_to_the_pruner_timer(golden):
    conf = golden.file("/etc/nginx/nginx.conf").content_string
    timer = golden.run(
        "systemctl is-enabled webcast-hls-prune.timer; systemctl is-active webcast-hls-prune.timer"
    )
    assert re.findall(r"hls_cleanup \w+;", conf) == ["hls_cleanup off;"], re.findall(r"hls_cleanup.*", conf)
    assert timer.stdout.split() == ["enabled", "active"], timer.stdout


def test_the_pruner_deletes_old_unlisted_segments_and_keeps_listed_ones(golden):
    hls = "/srv/media/hls"
    golden.check_output(
        f"printf '#EXTM3U\\n#EXTINF:2.0,\\nprune-listed.ts\\n' > {hls}/prune.m3u8 && "
        f"for f in prune-listed prune-unlisted; do head -c 188 /dev/zero > {hls}/$f.ts; "
        f"touch -d '-10 min' {hls}/$f.ts; done && head -c 188 /dev/zero > {hls}/prune-young.ts && "
        f"chown www-data: {hls}/prune* && systemctl start webcast-hls-prune.service"
    )
    left = {
        name: golden.file(f"{hls}/{name}").exists
        for name in ("prune-listed.ts", "prune-unlisted.ts", "prune-young.ts")
    }
    assert left == {"prune-listed.ts": True, "prune-unlisted.ts": False, "prune-young.ts": True}, left


def test_nginx_tells_the_app_when_a_publisher_leaves(golden):
    conf = golden.file("/etc/nginx/nginx.conf").content_string
    assert "on_publish_done http://127.0.0.1:8000/rtmp/on_publish_done;" in conf, conf[:2000]


def test_the_stream_key_callbacks_are_not_served_from_outside(golden):
    answers = {
        path: golden.check_output(
            f"curl -sS -o /dev/null -w '%{{http_code}}' -X POST -d 'app=live&name=keynote' http://127.0.0.1{path}"
        )
        for path in ("/rtmp/on_publish", "/rtmp/on_publish_done")
    }
    assert answers == dict.fromkeys(answers, "404"), answers


@pytest.fixture(scope="module")
def hls(golden):
    """A live playlist and a segment under the media root, as the RTMP module writes them."""
    golden.check_output(
        "printf '#EXTM3U\\n#EXT-X-TARGETDURATION:2\\n#EXTINF:2.0,\\nseg0.ts\\n' "
        "> /srv/media/hls/test.m3u8 && "
        "head -c 1880 /dev/zero > /srv/media/hls/seg0.ts"
    )
    fragment_s = int(
        re.search(r"hls_fragment (\d+)s;", golden.file("/etc/nginx/nginx.conf").content_string)[1]
    )
    return {"fragment_s": fragment_s}


def test_playlist_is_served_as_hls_cached_about_half_a_fragment(golden, hls):
    headers = curl_head(golden, "/hls/test.m3u8")
    max_age = max(hls["fragment_s"] // 2, 1)
    assert headers["status"] == "200", headers
    assert headers["content-type"] == "application/vnd.apple.mpegurl", headers
    assert headers["cache-control"] == f"public, max-age={max_age}", headers
    assert headers["access-control-allow-origin"] == "*", headers


def test_segment_is_served_as_mpeg_ts_cached_long_and_immutable(golden, hls):
    headers = curl_head(golden, "/hls/seg0.ts")
    directives = [d.strip() for d in headers.get("cache-control", "").split(",")]
    max_age = int(next((d.split("=")[1] for d in directives if d.startswith("max-age=")), 0))
    assert headers["status"] == "200", headers
    assert headers["content-type"] == "video/mp2t", headers
    assert max_age >= 86400 and "immutable" in directives, headers


def test_health_path_reports_the_bootstrap_ok(golden):
    body = json.loads(golden.check_output("curl -sS http://127.0.0.1/healthz"))
    checks = body["checks"]
    # The database and Redis named in the parameters do not exist here; the rest must be ok.
    assert (checks["bootstrap"]["state"], checks["media"]["state"], checks["mta"]["state"]) == (
        "ok",
        "ok",
        "ok",
    ), checks


def test_no_secret_reaches_the_journal_or_the_status_file(golden):
    journal = golden.check_output("journalctl -o cat --no-pager")
    status = golden.file("/run/webcast/bootstrap.json").content_string
    secrets = ("local-db-password", "local-redis-token", "local-smtp-password")
    leaked = [s for s in secrets if s in journal or s in status]
    assert not leaked, f"secrets in the journal or the status file: {leaked}"


# --- booted without any runtime configuration ------------------------------------------------


@pytest.fixture(scope="module")
def bare():
    instance = testinfra.get_host("podman://image-golden-bare")
    state = instance.run("timeout 120 systemctl is-system-running --wait").stdout.strip()
    assert state in ("running", "degraded"), f"image-golden-bare: boot not over ({state})"
    return instance


def test_without_configuration_the_bootstrap_fails_and_writes_nothing(bare):
    state = bare.check_output("systemctl show -P ActiveState webcast-bootstrap.service")
    written = [name for name in ENV_FILES if bare.file(f"/etc/webcast/{name}").exists]
    assert state == "failed", f"webcast-bootstrap.service is {state} without any parameter"
    assert not written and not bare.file("/etc/postfix/sasl_passwd").exists, written


def test_without_configuration_the_journal_names_each_missing_parameter(bare):
    journal = bare.check_output("journalctl -u webcast-bootstrap.service -o cat --no-pager")
    unnamed = [name for name in REQUIRED if f"missing parameter {BARE_PREFIX}{name}" not in journal]
    assert not unnamed, f"the journal does not name {unnamed}: {journal[-1500:]}"


def test_without_configuration_the_health_path_reports_the_bootstrap_failing(bare):
    result = bare.run("curl -sS -w '\\n%{http_code}' http://127.0.0.1/healthz")
    body, _, code = result.stdout.rpartition("\n")
    bootstrap = json.loads(body)["checks"]["bootstrap"] if body.startswith("{") else {}
    assert code == "503", f"/healthz answered {code}: {body[:500]}"
    assert bootstrap.get("state") == "failing", bootstrap
    assert bootstrap["detail"]["missing"] == [BARE_PREFIX + name for name in REQUIRED], bootstrap
