"""A live webcast end to end on the local data plane: instances A and B of the golden image.

The data plane (tools/dataplane, plan "molecule") was started once by converge.yml; the tests run in
file order against it: a stream published to A, watched through B; a registration on B, its mail at
the sink; A killed mid-stream and published to again; the database password rotated under a running
app. ffmpeg on the host is the encoder.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from tools.dataplane.plane import (  # noqa: E402
    PLANS,
    app_command,
    aws_clients,
    environment_region,
    health,
    podman,
    wait_healthy,
)

PLAN = PLANS["molecule"]
A, B = PLAN.instances
HTTP = dict(zip(PLAN.instances, PLAN.http_ports, strict=True))
RTMP = dict(zip(PLAN.instances, PLAN.rtmp_ports, strict=True))
SLUG = "e2e-keynote"
FRAGMENT_S = 2
PLAYLIST = f"/hls/{SLUG}.m3u8"
SINK_MESSAGES = "/var/spool/smtp-sink/messages.jsonl"


def get(instance: str, path: str, opener=None) -> tuple[int, dict, bytes]:
    url = f"http://127.0.0.1:{HTTP[instance]}{path}"
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def media_sequence(playlist: bytes) -> tuple[int, list[str]]:
    """The playlist's EXT-X-MEDIA-SEQUENCE and its segment URIs."""
    text = playlist.decode()
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    segments = [line for line in text.splitlines() if line and not line.startswith("#")]
    return (int(found.group(1)) if found else -1), segments


def publish(instance: str, key: str, seconds: int | None = None) -> subprocess.Popen:
    """ffmpeg publishing a test pattern with a tone, a keyframe every fragment, in real time."""
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re"]
    command += ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(25 * FRAGMENT_S)]
    command += ["-c:a", "aac", "-b:a", "64k"]
    command += ["-t", str(seconds)] if seconds else []
    command += ["-f", "flv", f"rtmp://127.0.0.1:{RTMP[instance]}/live/{key}"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def media_dir() -> Path:
    """The shared volume on the host (rootful podman keeps it under its storage)."""
    mountpoint = podman("volume", "inspect", "--format", "{{.Mountpoint}}", PLAN.volume).stdout.strip()
    return Path(mountpoint)


def wait_for(what: str, probe, timeout_s: float):
    """Poll probe() until it returns something true; fail with its last answer."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {timeout_s:.0f} s (last: {last!r})")


def live_segments(min_count: int) -> list[str]:
    playlist = media_dir() / "hls" / f"{SLUG}.m3u8"
    if not playlist.exists():
        return []
    _, segments = media_sequence(playlist.read_bytes())
    return segments if len(segments) >= min_count else []


@pytest.fixture(scope="module")
def stream_key() -> str:
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is not installed on the host (Debian package ffmpeg; tools/setup.sh)")
    starts_at = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    app_command(
        A, "add-webcast", SLUG, "--title", "End to end", "--starts-at", starts_at, "--duration-min=60"
    )
    return app_command(A, "issue-key", SLUG).splitlines()[-1]


@pytest.fixture(scope="module")
def publisher(stream_key):
    process = publish(A, stream_key)
    yield process
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def smtp_login() -> str:
    """The SES SMTP user name the platform keeps in its secret (postfix authenticates with it)."""
    ssm, secretsmanager = aws_clients(PLAN, "eu-west-1")
    arn = ssm.get_parameter(Name=PLAN.dataplane_prefix + "smtp/credentials_secret_arn")["Parameter"]["Value"]
    return json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])["username"]


def test_both_instances_boot_healthy_from_the_data_plane_s_runtime_configuration():
    found = {name: health(HTTP[name]) for name in PLAN.instances}
    unhealthy = {name: answer for name, answer in found.items() if answer[0] != 200}
    assert not unhealthy, f"/healthz: {unhealthy}"
    status = json.loads(podman("exec", A, "cat", "/run/webcast/bootstrap.json").stdout)
    assert (status["status"], status["parameter_prefix"]) == ("ok", PLAN.dataplane_prefix), status


def test_a_wrong_stream_key_is_refused(stream_key):
    wrong = "not-" + stream_key
    process = publish(A, wrong, seconds=6)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("ffmpeg kept publishing with a wrong key for 30 s")
    written = [p.name for p in (media_dir() / "hls").glob("*") if wrong in p.name]
    assert process.returncode != 0, f"ffmpeg published with a wrong key (rc 0): {stderr[-500:]}"
    assert not written, f"HLS written for a refused key: {written}"


def test_hls_playlist_and_segments_appear_on_the_shared_volume(publisher):
    segments = wait_for("three segments in the live playlist on the volume", lambda: live_segments(3), 40)
    missing = [name for name in segments if not (media_dir() / "hls" / name).is_file()]
    assert not missing, f"segments in the playlist, not on the volume: {missing}"
    assert publisher.poll() is None, f"ffmpeg stopped: {publisher.stderr.read()[-500:]}"


def test_no_hls_file_name_holds_the_stream_key(stream_key):
    names = [p.name for p in (media_dir() / "hls").iterdir()]
    assert not [n for n in names if stream_key in n], "the stream key is in an HLS file name"
    assert f"{SLUG}.m3u8" in names, names


def test_b_serves_the_live_playlist_at_most_one_fragment_behind_a(publisher):
    lags = []
    for _ in range(5):
        _, _, from_a = get(A, PLAYLIST)
        _, _, from_b = get(B, PLAYLIST)
        (seq_a, segs_a), (seq_b, segs_b) = media_sequence(from_a), media_sequence(from_b)
        lags.append((seq_a + len(segs_a)) - (seq_b + len(segs_b)))
        time.sleep(FRAGMENT_S / 2)
    assert max(lags) <= 1, f"B's playlist behind A's by {lags} fragments"


def test_a_viewer_gets_the_playlist_and_segments_from_b_with_the_right_headers(publisher):
    status, headers, body = get(B, PLAYLIST)
    _, segments = media_sequence(body)
    assert status == 200 and segments, f"{PLAYLIST} from B: {status} {body[:200]!r}"
    found = {k: headers.get(k) for k in ("Content-Type", "Cache-Control", "Access-Control-Allow-Origin")}
    assert found == {
        "Content-Type": "application/vnd.apple.mpegurl",
        "Cache-Control": f"public, max-age={FRAGMENT_S // 2}",
        "Access-Control-Allow-Origin": "*",
    }
    status, headers, segment = get(B, f"/hls/{segments[-1]}")
    found = {k: headers.get(k) for k in ("Content-Type", "Cache-Control", "Access-Control-Allow-Origin")}
    assert status == 200, f"/hls/{segments[-1]} from B: {status}"
    assert found == {
        "Content-Type": "video/mp2t",
        "Cache-Control": "public, max-age=31536000, immutable",
        "Access-Control-Allow-Origin": "*",
    }
    # MPEG-TS: 188-byte packets, each starting with the sync byte 0x47.
    assert len(segment) % 188 == 0 and segment[0] == 0x47, f"not MPEG-TS: {len(segment)} bytes"


def test_a_registration_made_on_b_lands_in_mariadb():
    cookies = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    status, _, page = get(B, f"/webcasts/{SLUG}", cookies)
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page)
    assert status == 200 and csrf, f"event page on B: {status} {page[:300]!r}"
    form = {"csrf": csrf.group(1).decode(), "name": "Ada Viewer", "email": "ada@example.org"}
    data = urllib.parse.urlencode({**form, "organisation": "Analytical"}).encode()
    register = f"http://127.0.0.1:{HTTP[B]}/webcasts/{SLUG}/register"
    with cookies.open(register, data=data, timeout=10) as answer:
        assert answer.status == 200, answer.status  # after the 303 back to the event page
    query = (
        "SELECT r.name, r.email FROM registrations r JOIN webcasts w ON w.id = r.webcast_id "
        f"WHERE w.slug = '{SLUG}'"
    )
    rows = podman("exec", PLAN.service("db"), "mariadb", "-N", "-B", "webcast", "-e", query).stdout
    assert rows.strip().splitlines() == ["Ada Viewer\tada@example.org"], rows


def test_its_confirmation_reaches_the_sink_relayed_by_postfix_over_starttls_with_auth(smtp_login):
    def delivered():
        spool = podman("exec", PLAN.service("smtp"), "cat", SINK_MESSAGES, check=False)
        records = [json.loads(line) for line in spool.stdout.splitlines() if line.strip()]
        return [r for r in records if "ada@example.org" in r["rcpt_tos"]]

    # postfix's first delivery attempt is immediate; the queue is retried only after a minute.
    messages = wait_for("the confirmation at the SMTP sink", delivered, 30)
    message = messages[-1]
    assert (message["tls"], message["authenticated"], message["login"]) == (True, True, smtp_login), {
        k: message[k] for k in ("tls", "authenticated", "login")
    }
    # The relay's own Received header: postfix on B took the mail from the app and sent it on.
    relayed = re.search(rf"^Received: from .*\s+by {B}(\.\S+)? \(Postfix\)", message["content"], re.MULTILINE)
    assert relayed, message["content"][:800]
    assert SLUG in message["content"] or "End to end" in message["content"], message["content"][:800]


def test_when_a_is_killed_mid_stream_b_keeps_serving_what_was_written(publisher):
    _, _, before = get(B, PLAYLIST)
    _, segments = media_sequence(before)
    podman("kill", A)
    publisher.wait(timeout=30)
    time.sleep(FRAGMENT_S)
    status, _, _ = get(B, PLAYLIST)
    answers = {name: get(B, f"/hls/{name}")[0] for name in segments}
    assert status == 200, f"B's playlist after A was killed: {status}"
    assert set(answers.values()) == {200}, f"segments from B after A was killed: {answers}"


def test_publishing_again_to_a_restarted_resumes_the_stream(stream_key):
    restarted = time.time()
    podman("start", A)
    wait_healthy(HTTP[A], A)
    process = publish(A, stream_key)
    try:

        def new_segments():
            _, _, body = get(B, PLAYLIST)
            _, segments = media_sequence(body)
            hls = media_dir() / "hls"
            return [s for s in segments if (hls / s).exists() and (hls / s).stat().st_mtime > restarted]

        fresh = wait_for("segments written after the restart in B's playlist", new_segments, 40)
        answers = {name: get(B, f"/hls/{name}")[0] for name in fresh}
        assert set(answers.values()) == {200}, answers
        assert process.poll() is None, f"ffmpeg stopped: {process.stderr.read()[-500:]}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def live_since() -> str:
    query = f"SELECT IFNULL(live_since, 'ended') FROM webcasts WHERE slug = '{SLUG}'"
    return podman("exec", PLAN.service("db"), "mariadb", "-N", "-B", "webcast", "-e", query).stdout.strip()


def test_the_shared_volume_belongs_to_the_user_nginx_writes_media_as():
    www_data = 33  # Debian's fixed uid of www-data, the image's owner of the media root
    assert media_dir().stat().st_uid == www_data, media_dir().stat()


def test_when_the_encoder_stops_the_webcast_is_no_longer_live(stream_key):
    process = publish(A, stream_key, seconds=6)
    wait_for("the webcast live while the encoder publishes", lambda: live_since() not in ("", "ended"), 20)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr[-500:]
    wait_for("the webcast ended after the encoder stopped", lambda: live_since() == "ended", 15)


def set_db_password(user: str, password: str) -> None:
    """ALTER USER in the data plane's MariaDB, as RDS does at a rotation (through the socket, as root)."""
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    sql = f"ALTER USER '{user}'@'%' IDENTIFIED BY {quoted}"
    podman("exec", PLAN.service("db"), "mariadb", "-e", sql)


def test_a_rotated_database_password_is_taken_without_a_restart():
    # RDS rotates the master password every 7 days: the server's password first, then a new version
    # of its secret. The instance's timer rewrites the password file (started here rather than
    # awaited) and the app opens its next connection with it; the app's process stays the same.
    ssm, secretsmanager = aws_clients(PLAN, environment_region(PLAN))
    prefix = PLAN.dataplane_prefix
    arn = ssm.get_parameter(Name=prefix + "db/secret_arn")["Parameter"]["Value"]
    user = ssm.get_parameter(Name=prefix + "db/user")["Parameter"]["Value"]
    before = secretsmanager.get_secret_value(SecretId=arn)["SecretString"]
    rotated = json.dumps({**json.loads(before), "password": "rotated-" + secrets.token_hex(12)})

    def app_pid() -> str:
        return podman("exec", A, "systemctl", "show", "-P", "MainPID", "webcast-app.service").stdout.strip()

    def database_state() -> str:
        _, body = health(HTTP[A])
        return body["checks"]["database"]["state"] if isinstance(body, dict) else str(body)

    pid = app_pid()
    try:
        set_db_password(user, json.loads(rotated)["password"])
        # The file still holds the old password (the secret has not changed yet): refused.
        assert database_state() == "failing"
        secretsmanager.put_secret_value(SecretId=arn, SecretString=rotated)
        podman("exec", A, "systemctl", "start", "webcast-db-password.service")
        wait_for("the database check ok with the rotated password", lambda: database_state() == "ok", 10)
        assert app_pid() == pid, "the app was restarted"
        journal = podman("exec", A, "journalctl", "-u", "webcast-db-password.service", "-o", "cat").stdout
        assert "the database password changed" in journal
        assert json.loads(rotated)["password"] not in journal
    finally:
        set_db_password(user, json.loads(before)["password"])
        secretsmanager.put_secret_value(SecretId=arn, SecretString=before)
        for instance in PLAN.instances:
            podman("exec", instance, "systemctl", "start", "webcast-db-password.service", check=False)
    wait_healthy(HTTP[A], A, timeout_s=30)
