"""The media server the media_server role makes, observed in the converged container.

A stand-in app (files/app_stub.py, started by prepare.yml) answers the stream-key check on
127.0.0.1:8000: 200 for VALID_KEY, 403 for any other. ffmpeg publishes test streams inside the
container. Expected values come from the role's defaults and the scenario's converge.yml.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import run_playbook  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role media_server): local changes are overwritten"
VALID_KEY = "valid-test-key"
MEDIA_ROOT = "/srv/media"
# A second of colour bars and a tone per keyframe, so that the RTMP module can cut at any
# whole second.
FFMPEG = (
    "ffmpeg -hide_banner -loglevel error -re"
    " -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440"
    " -c:v libx264 -preset ultrafast -g 25 -c:a aac -f flv"
)


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/media_server/defaults/main.yml").read_text())


@pytest.fixture(scope="module")
def fragment_s() -> int:
    # The scenario sets no webcast_hls_fragment_s: the role's fallback applies.
    return 2


def headers(host, url: str, *options: str) -> tuple[int, dict[str, str]]:
    """The status and headers (lower-cased names) of one request from inside the container."""
    out = host.check_output(f"curl -s -o /dev/null -D - {' '.join(options)} {url}")
    lines = out.replace("\r", "").splitlines()
    status = int(lines[0].split()[1])
    found = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            found[name.strip().lower()] = value.strip()
    return status, found


@pytest.fixture(scope="module")
def live_stream(host, fragment_s):
    """A stream published with the valid key for long enough to fill a playlist; yields its name."""
    host.run("systemctl stop hostmedia-publish; systemctl reset-failed hostmedia-publish")
    started = host.run(
        f"systemd-run --unit hostmedia-publish --collect {FFMPEG} -t 20 rtmp://127.0.0.1/live/{VALID_KEY}"
    )
    assert started.rc == 0, started.stderr
    playlist = f"{MEDIA_ROOT}/hls/{VALID_KEY}.m3u8"
    deadline = time.monotonic() + 10 * fragment_s
    while time.monotonic() < deadline:
        if host.file(playlist).exists and host.file(playlist).content_string.count(".ts") >= 2:
            break
        time.sleep(0.5)
    yield VALID_KEY
    host.run("systemctl stop hostmedia-publish")


def test_nginx_accepts_its_configuration(host):
    result = host.run("nginx -t")
    assert result.rc == 0, result.stderr


def test_nginx_configuration_says_ansible_overwrites_it(host):
    first = host.file("/etc/nginx/nginx.conf").content_string.partition("\n")[0]
    assert first == HEADER


def test_nginx_runs_and_starts_at_boot(host):
    found = (host.service("nginx").is_running, host.service("nginx").is_enabled)
    assert found == (True, True)


def test_nginx_listens_for_rtmp_and_http_everywhere_and_status_on_loopback_only(host, defaults):
    listening = set()
    for line in host.check_output("ss -Hltnp").splitlines():
        if "nginx" in line:
            listening.add(line.split()[3])
    wanted = {
        f"0.0.0.0:{defaults['media_server_rtmp_port']}",
        f"0.0.0.0:{defaults['media_server_http_port']}",
        f"127.0.0.1:{defaults['media_server_status_port']}",
    }
    assert listening == wanted


def test_stub_status_answers_on_loopback(host, defaults):
    page = host.check_output(f"curl -sf http://127.0.0.1:{defaults['media_server_status_port']}/nginx_status")
    assert page.startswith("Active connections:"), page


def test_stub_status_is_not_on_the_public_port(host):
    # The public server proxies /nginx_status to the app, which does not know it.
    status, _ = headers(host, "http://127.0.0.1/nginx_status")
    assert status == 404


def test_stub_status_is_unreachable_from_the_container_address(host, defaults):
    address = host.check_output("hostname -I").split()[0]
    result = host.run(f"curl -s -m 3 http://{address}:{defaults['media_server_status_port']}/nginx_status")
    # 7: connection refused, nothing listens there.
    assert result.rc == 7, f"curl rc {result.rc} from {address}: {result.stdout[:200]}"


def test_nginx_workers_may_write_the_live_and_on_demand_directories(host):
    found = {d: (host.file(d).user, host.file(d).mode) for d in (f"{MEDIA_ROOT}/hls", f"{MEDIA_ROOT}/vod")}
    assert found == {f"{MEDIA_ROOT}/hls": ("www-data", 0o755), f"{MEDIA_ROOT}/vod": ("www-data", 0o755)}


def test_publishing_without_a_valid_key_is_refused(host):
    result = host.run(f"timeout 30 {FFMPEG} -t 3 rtmp://127.0.0.1/live/not-a-key")
    found = (result.rc, host.file(f"{MEDIA_ROOT}/hls/not-a-key.m3u8").exists)
    assert found[0] not in (0, 124) and not found[1], f"ffmpeg rc {result.rc}, playlist exists: {found[1]}"


def test_publishing_with_a_valid_key_makes_an_hls_playlist_of_segments(host, live_stream, fragment_s):
    playlist = host.file(f"{MEDIA_ROOT}/hls/{live_stream}.m3u8").content_string
    segments = re.findall(r"^(\S+\.ts)$", playlist, re.MULTILINE)
    durations = [float(d) for d in re.findall(r"^#EXTINF:([0-9.]+),", playlist, re.MULTILINE)]
    assert len(segments) >= 2, playlist
    assert all(host.file(f"{MEDIA_ROOT}/hls/{s}").size > 0 for s in segments), playlist
    assert max(durations) <= fragment_s + 1, playlist


def test_playlist_is_served_as_mpegurl_cached_for_half_a_fragment(host, live_stream, fragment_s):
    status, found = headers(host, f"http://127.0.0.1/hls/{live_stream}.m3u8")
    wanted = (200, "application/vnd.apple.mpegurl", f"public, max-age={max(fragment_s // 2, 1)}")
    assert (status, found.get("content-type"), found.get("cache-control")) == wanted


def test_segments_are_served_as_mpeg_ts_cached_long_and_immutable(host, live_stream, defaults):
    playlist = host.file(f"{MEDIA_ROOT}/hls/{live_stream}.m3u8").content_string
    segment = re.findall(r"^(\S+\.ts)$", playlist, re.MULTILINE)[0]
    status, found = headers(host, f"http://127.0.0.1/hls/{segment}")
    wanted = (200, "video/mp2t", f"public, max-age={defaults['media_server_segment_max_age_s']}, immutable")
    assert (status, found.get("content-type"), found.get("cache-control")) == wanted


def test_segments_answer_byte_ranges_with_cors_headers(host, live_stream):
    playlist = host.file(f"{MEDIA_ROOT}/hls/{live_stream}.m3u8").content_string
    segment = re.findall(r"^(\S+\.ts)$", playlist, re.MULTILINE)[0]
    status, found = headers(
        host, f"http://127.0.0.1/hls/{segment}", "-H 'Origin: https://player.test'", "-H 'Range: bytes=0-187'"
    )
    wanted = (206, "bytes 0-187/", "*")
    assert (status, found.get("content-range", "")[:12], found.get("access-control-allow-origin")) == wanted


def test_players_preflight_is_answered_with_the_allowed_methods_and_range(host, live_stream):
    status, found = headers(
        host,
        f"http://127.0.0.1/hls/{live_stream}.m3u8",
        "-X OPTIONS",
        "-H 'Origin: https://player.test'",
        "-H 'Access-Control-Request-Method: GET'",
        "-H 'Access-Control-Request-Headers: Range'",
    )
    methods = {m.strip() for m in found.get("access-control-allow-methods", "").split(",")}
    found_tuple = (
        status,
        found.get("access-control-allow-origin"),
        methods,
        found.get("access-control-allow-headers"),
    )
    assert found_tuple == (204, "*", {"GET", "HEAD", "OPTIONS"}, "Range")


def test_live_stream_is_recorded_to_a_file_per_start_time(host, live_stream):
    names = host.check_output(f"ls {MEDIA_ROOT}/vod").split()
    mine = [n for n in names if re.fullmatch(rf"{live_stream}-\d{{8}}-\d{{6}}\.flv", n)]
    assert mine, f"recordings: {names}"
    assert host.file(f"{MEDIA_ROOT}/vod/{mine[-1]}").user == "www-data"


def test_recordings_are_served_with_cors_and_long_caching(host, live_stream, defaults):
    name = sorted(host.check_output(f"ls {MEDIA_ROOT}/vod").split())[-1]
    status, found = headers(host, f"http://127.0.0.1/vod/{name}")
    wanted = (200, "*", f"public, max-age={defaults['media_server_segment_max_age_s']}, immutable")
    assert (status, found.get("access-control-allow-origin"), found.get("cache-control")) == wanted


def test_every_other_path_is_the_apps_healthz_included(host):
    body = host.check_output("curl -s -m 5 http://127.0.0.1/healthz")
    assert body == "ok"


def test_access_log_lines_are_json_objects_with_status_and_timing(host):
    host.check_output("curl -s -o /dev/null http://127.0.0.1/healthz")
    last = host.file("/var/log/nginx/access.log").content_string.splitlines()[-1]
    record = json.loads(last)
    assert (record["uri"], record["status"], type(record["request_time"])) == ("/healthz", 200, float)


def test_check_mode_on_the_converged_host_reports_no_change():
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.skip("needs molecule's inventory: run it with `molecule verify -s media_server`")
    run = run_playbook(["--check", "--diff", "-i", str(Path(inventory).parent), "converge.yml"], SCENARIO)
    assert run.returncode == 0, run.tail()
    assert run.changed_per_host and set(run.changed_per_host) == {0}, (
        f"check mode reports changes on a converged host: {run.changed_tasks}"
    )
