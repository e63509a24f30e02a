"""Measure live HLS delivery: one instance's origin throughput, the CDN in front of it, viewers per instance.

    python tools/bench_webcast.py [--runs 5] [--duration 10] [--viewers 10,100,1000,10000,100000]

1. HLS origin throughput, in one run against a baseline. Two containers on the same CPU (the same
   --cpuset-cpus, so the same budget): one instance of the golden image (localhost/webcast-golden,
   nginx as the media_server role configured it), booted as on EC2 (systemd, the bootstrap unit
   reading its runtime parameters from an emulator of its own, the media mount), and Debian's nginx
   with its stock configuration and default site (a container of localhost/webcast-base with the
   `nginx` package installed into it). Both serve the same files from one host directory: a live
   playlist that is rewritten every fragment (as the RTMP module does) and a segment of 720p H.264
   made with ffmpeg. wrk (on another CPU when there is one) runs in each container's network
   namespace, on its loopback: podman's port forwarding would be measured otherwise. Each
   measurement runs --runs times, the two servers in alternating order; medians are printed.
2. The CDN: tools/cdn_simulation.py with the TTLs CloudFront applies, read from the roles
   (aws_cloudfront's defaults and behaviours, media_server's Cache-Control): origin requests per
   second as the viewers grow.
3. Viewers per instance without a CDN, from the measured throughput.

Bypassed on the instance, and why (nothing else is): the EC2 parts a container lacks. The bootstrap
reads project, environment, region and the emulator's endpoint from a bootstrap.conf put in the
container before it boots (the image reads them from the instance metadata, which a container has
not), with the emulator's dummy credentials in a drop-in (the instance role's on EC2). The drop-in
also allows AF_NETLINK to the bootstrap: postmap, which it runs for the mail relay's SASL map, lists
the network interfaces through netlink and fails without it. The media mount is a bind mount of the
host directory at /srv/media (EFS on an instance): the mount unit finds it mounted and the resolver
still runs. The app, which has no database here and would restart on the measured CPU, is stopped
once the instance has booted.

Debian's nginx is installed into a base container by the first run and kept as an image
(localhost/<prefix>stock-nginx:bookworm, labelled with the base image's id) for later runs.

Every container it starts is removed at the end, on failure and on Ctrl-C too; so is its emulator.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools.cdn_simulation import CdnModel, simulate  # noqa: E402  (run as a script, tools/ is not on the path)

GOLDEN_IMAGE = os.environ.get("WEBCAST_GOLDEN_IMAGE", "localhost/webcast-golden") + ":latest"
BASE_IMAGE = "localhost/webcast-base:bookworm"
PROJECT, ENV, REGION = "webcast", "bench", "eu-west-1"
STREAM = "bench"
# The RTMP module deletes segments older than twice the playlist's length and playlists older than
# it (hls_cleanup): the files are refreshed every fragment so that they stay, as a live stream's do.
WAIT_FOR_NGINX_S = 180


# --- settings, as the roles and the inventory define them -----------------------------------------


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def resolve(names: list[str], raw: dict) -> dict[str, object]:
    """Render the variables `names` (Jinja templates referring to each other) as Ansible would."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    done: dict[str, object] = {}

    def value(name: str, stack: tuple[str, ...] = ()) -> object:
        if name in done:
            return done[name]
        if name in stack or name not in raw:
            raise KeyError(f"cannot resolve {name!r} (needed by {' -> '.join(stack) or 'the bench'})")
        item = raw[name]
        if isinstance(item, str) and "{{" in item:
            refs = jinja2.meta.find_undeclared_variables(env.parse(item))
            context = {ref: value(ref, (*stack, name)) for ref in refs if ref in raw}
            item = env.from_string(item).render(context).strip()
        done[name] = item
        return item

    return {name: value(name) for name in names}


@dataclass(frozen=True)
class Settings:
    fragment_s: int
    playlist_length_s: int
    # What the media server sends: Cache-Control max-age of a live playlist and of a segment.
    origin_playlist_max_age_s: int
    origin_segment_max_age_s: int
    # CloudFront's TTL bounds for the two behaviours (/hls/*.m3u8 and /hls/*.ts).
    cdn_playlist_ttl: tuple[int, int, int]
    cdn_segment_ttl: tuple[int, int, int]

    @property
    def playlist_ttl_s(self) -> int:
        return cloudfront_ttl(self.origin_playlist_max_age_s, *self.cdn_playlist_ttl)

    @property
    def segment_ttl_s(self) -> int:
        return cloudfront_ttl(self.origin_segment_max_age_s, *self.cdn_segment_ttl)


def cloudfront_ttl(origin_max_age_s: int | None, min_ttl: int, default_ttl: int, max_ttl: int) -> int:
    """How long CloudFront caches an object: the origin's max-age within [min, max], else the default."""
    if origin_max_age_s is None:
        return default_ttl
    return max(min_ttl, min(max_ttl, origin_max_age_s))


def load_settings(root: Path = ROOT, inventory: str = "local") -> Settings:
    """The fragment and the TTLs, from the inventory and the roles' defaults and vars (not hard-coded)."""
    raw: dict = {}
    for path in (
        root / "roles/media_server/defaults/main.yml",
        root / "roles/media_server/vars/main.yml",
        root / "roles/aws_cloudfront/defaults/main.yml",
    ):
        raw.update(_load_yaml(path))
    group_vars = root / "inventories" / inventory / "group_vars/all"
    for path in sorted(group_vars.glob("*.yml")):
        raw.update({k: v for k, v in _load_yaml(path).items() if k.startswith("webcast_")})
    # aws_cloudfront's vars/main.yml sets each behaviour's bounds: the playlist's are
    # (min, playlist TTL, playlist TTL), a segment's (min, segment TTL, max).
    behaviours = _load_yaml(root / "roles/aws_cloudfront/vars/main.yml")
    for name in ("_aws_cloudfront_playlist_behavior", "_aws_cloudfront_segment_behavior"):
        if name not in behaviours:
            raise KeyError(f"roles/aws_cloudfront/vars/main.yml no longer defines {name}")
    v = resolve(
        [
            "media_server_hls_fragment_s",
            "media_server_hls_playlist_length_s",
            "_media_server_playlist_max_age_s",
            "media_server_segment_max_age_s",
            "aws_cloudfront_min_ttl_s",
            "aws_cloudfront_playlist_ttl_s",
            "aws_cloudfront_segment_ttl_s",
            "aws_cloudfront_max_ttl_s",
        ],
        raw,
    )
    n = {name: int(value) for name, value in v.items()}
    return Settings(
        fragment_s=n["media_server_hls_fragment_s"],
        playlist_length_s=n["media_server_hls_playlist_length_s"],
        origin_playlist_max_age_s=n["_media_server_playlist_max_age_s"],
        origin_segment_max_age_s=n["media_server_segment_max_age_s"],
        cdn_playlist_ttl=(
            n["aws_cloudfront_min_ttl_s"],
            n["aws_cloudfront_playlist_ttl_s"],
            n["aws_cloudfront_playlist_ttl_s"],
        ),
        cdn_segment_ttl=(
            n["aws_cloudfront_min_ttl_s"],
            n["aws_cloudfront_segment_ttl_s"],
            n["aws_cloudfront_max_ttl_s"],
        ),
    )


# --- wrk ------------------------------------------------------------------------------------------

_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    bytes_per_s: float
    # Requests served, and CPU seconds the server's container spent meanwhile (None: not measured).
    requests: int = 0
    cpu_s: float | None = None

    @property
    def requests_per_cpu_s(self) -> float | None:
        return self.requests / self.cpu_s if self.cpu_s else None

    @property
    def mb_per_s(self) -> float:
        return self.bytes_per_s / 1e6


def parse_wrk(output: str) -> WrkResult:
    """Requests and bytes per second from wrk's summary; an error if any answer was not 2xx/3xx."""
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise RuntimeError(f"wrk got {bad.group(1)} answers that were not 2xx or 3xx:\n{output}")
    errors = re.search(r"Socket errors: (.*)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", output)
    if not rate or not transfer:
        raise RuntimeError(f"no Requests/sec or Transfer/sec in wrk's output:\n{output}")
    if errors and re.search(r"(connect|read|write|timeout) [1-9]", errors.group(1)):
        print(f"    (wrk: socket errors {errors.group(1).strip()})")
    done = re.search(r"(\d+) requests in", output)
    return WrkResult(
        float(rate.group(1)),
        float(transfer.group(1)) * _UNITS[transfer.group(2)],
        requests=int(done.group(1)) if done else 0,
    )


# --- viewers per instance -------------------------------------------------------------------------


def viewers_per_instance(playlist_rps: float, segment_rps: float, fragment_s: float) -> float:
    """Viewers one instance serves without a CDN: each asks for a playlist and a segment per fragment.

    The instance's time per viewer-second is 1/fragment of a playlist request plus 1/fragment of a
    segment request, each at its measured rate.
    """
    return fragment_s / (1 / playlist_rps + 1 / segment_rps)


# --- the media: a real segment and a live playlist ------------------------------------------------


def make_segment(path: Path, fragment_s: int, bitrate_kbit: int) -> None:
    """One fragment of 720p30 H.264 (CBR, noise so the encoder spends the bitrate) and AAC, in MPEG-TS."""
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(fragment_s), "-vf", "noise=alls=12:allf=t",
            "-c:v", "libx264", "-preset", "veryfast", "-g", str(30 * fragment_s),
            "-b:v", f"{bitrate_kbit}k", "-minrate", f"{bitrate_kbit}k", "-maxrate", f"{bitrate_kbit}k",
            "-bufsize", f"{bitrate_kbit}k", "-x264-params", "nal-hrd=cbr",
            "-c:a", "aac", "-b:a", "128k", "-f", "mpegts", str(path),
        ],
        check=True,
    )  # fmt: skip


def playlist_text(sequence: int, count: int, fragment_s: int) -> str:
    """A live playlist as nginx-rtmp writes it: the last `count` segments from `sequence` on."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-MEDIA-SEQUENCE:{sequence}",
        f"#EXT-X-TARGETDURATION:{fragment_s}",
    ]
    for k in range(sequence, sequence + count):
        lines += [f"#EXTINF:{fragment_s:.3f},", f"{STREAM}-{k}.ts"]
    return "\n".join(lines) + "\n"


class LiveStream:
    """Keeps the playlist live: every fragment a new one replaces it (rename) and names one more segment.

    Every segment is a hard link to the one generated segment; their times are refreshed every
    fragment so that the RTMP module's cleanup keeps them.
    """

    def __init__(self, hls: Path, segment: Path, fragment_s: int, count: int) -> None:
        self.hls, self.segment, self.fragment_s, self.count = hls, segment, fragment_s, count
        self.sequence = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.advance()

    @property
    def target_segment(self) -> str:
        """The segment wrk fetches: one the first playlist lists, kept for the whole run."""
        return f"{STREAM}-{self.count}.ts"

    def advance(self) -> None:
        for k in range(self.sequence, self.sequence + self.count):
            link = self.hls / f"{STREAM}-{k}.ts"
            if not link.exists():
                os.link(self.segment, link)
        for ts in self.hls.glob("*.ts"):
            os.utime(ts)
        tmp = self.hls / f".{STREAM}.m3u8.tmp"
        tmp.write_text(playlist_text(self.sequence, self.count, self.fragment_s))
        os.replace(tmp, self.hls / f"{STREAM}.m3u8")
        self.sequence += 1

    def _run(self) -> None:
        while not self._stop.wait(self.fragment_s):
            self.advance()

    def __enter__(self) -> LiveStream:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- containers -----------------------------------------------------------------------------------


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


class Containers:
    """The containers this run created (only those), removed on exit whatever happened."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def create(self, name: str, args: list[str]) -> str:
        self.names.append(name)
        # A leftover of an interrupted run of ours, by its exact name.
        subprocess.run(["podman", "rm", "-f", "-t", "2", name], capture_output=True)
        run(["podman", "create", "--name", name, *args])
        return name

    def remove_all(self) -> None:
        for name in reversed(self.names):
            subprocess.run(["podman", "rm", "-f", "-t", "5", name], capture_output=True)
        self.names.clear()


def wait_for_nginx(name: str, timeout_s: float = WAIT_FOR_NGINX_S) -> None:
    deadline = time.monotonic() + timeout_s
    state = ""
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["podman", "exec", name, "systemctl", "is-active", "nginx"], capture_output=True, text=True
        ).stdout.strip()
        if state == "active":
            return
        if state == "failed":
            break
        time.sleep(1)
    journal = subprocess.run(
        ["podman", "exec", name, "journalctl", "-b", "-o", "cat", "--no-pager", "-n", "40",
         "-u", "webcast-bootstrap", "-u", "webcast-efs-resolve", "-u", "srv-media.mount", "-u", "nginx"],
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    raise RuntimeError(f"nginx in {name} is {state or 'not running'} after {timeout_s:.0f} s:\n{journal}")


def fetch_headers(name: str, path: str) -> tuple[int, dict[str, str]]:
    """The status and headers of a GET from inside the container (its loopback), with its own python3."""
    code = (
        "import json, urllib.request as u;"
        f"r = u.urlopen('http://127.0.0.1{path}');"
        "print(json.dumps([r.status, {k.lower(): v for k, v in r.getheaders()}]))"
    )
    status, headers = json.loads(run(["podman", "exec", name, "python3", "-c", code]).stdout)
    return status, headers


def seed_runtime_parameters(endpoint: str, fragment_s: int) -> None:
    """The parameters and secrets an environment's aws_runtime_config writes, for the bench environment."""
    import boto3

    from tools import runtime_parameters

    kwargs = {
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    # Throwaway values: nothing here is reachable, and the bench needs only nginx.
    runtime_parameters.seed(
        boto3.client("ssm", **kwargs),
        boto3.client("secretsmanager", **kwargs),
        PROJECT,
        ENV,
        REGION,
        {
            "db": {"username": "admin", "password": "bench-only"},
            "redis": {"token": "bench-only"},
            "smtp": {"username": "bench", "password": "bench-only"},
        },
        db__endpoint="db.bench.invalid",
        db__user="webcast_app",
        redis__endpoint="redis.bench.invalid",
        smtp__host="smtp.bench.invalid",
        urls__public="https://bench.webcast.test",
        urls__cdn="https://bench.webcast.test",
        media__hls_fragment_s=str(fragment_s),
    )


def start_instance(containers: Containers, name: str, media: Path, cpuset: str, port: int, work: Path) -> str:
    """One instance of the golden image, booted: bootstrap from the emulator, media at /srv/media."""
    from tools import runtime_parameters

    conf = work / "bootstrap.conf"
    conf.write_text(
        "[bootstrap]\n"
        f"project = {PROJECT}\nenv = {ENV}\nregion = {REGION}\n"
        # The container reaches the host's loopback as 10.0.2.2 (slirp4netns allow_host_loopback).
        f"endpoint_url = http://10.0.2.2:{port}\n"
        "env_dir = /etc/webcast\nstatus_file = /run/webcast/bootstrap.json\n"
        "group = webcast\nsasl_map = /etc/postfix/sasl_passwd\n"
    )
    dropin = work / "aws-units.d"
    dropin.mkdir(exist_ok=True)
    (dropin / "90-bench.conf").write_text(
        "[Service]\n"
        "Environment=AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n"
        "RestrictAddressFamilies=AF_NETLINK\n"
    )
    containers.create(
        name,
        [
            "--systemd=always",
            # The hardened units' sandboxing needs mount namespaces (docs/decisions/0007).
            "--cap-add", "SYS_ADMIN",
            "--network", "slirp4netns:allow_host_loopback=true",
            "--cpuset-cpus", cpuset,
            "-v", f"{media}:/srv/media",
            GOLDEN_IMAGE, "/sbin/init",
        ],
    )  # fmt: skip
    run(["podman", "cp", str(conf), f"{name}:/etc/webcast/bootstrap.conf"])
    for unit in runtime_parameters.AWS_UNITS:
        run(["podman", "cp", str(dropin), f"{name}:/etc/systemd/system/{unit}.d"])
    run(["podman", "start", name])
    wait_for_nginx(name)
    # The app has no database or Redis here: its unit would fail and restart on the CPU nginx is
    # measured on. On an instance it idles beside nginx; here it is stopped, after the boot.
    run(["podman", "exec", name, "systemctl", "stop", "webcast-app.service"])
    return name


def stock_nginx_image(prefix: str) -> str:
    """Where the base image with Debian's nginx installed is kept between runs (a cache, not a product)."""
    return f"localhost/{prefix}stock-nginx:bookworm"


def _image_label(image: str, label: str) -> str | None:
    found = subprocess.run(
        [
            "podman",
            "image",
            "inspect",
            "--format",
            f"{{{{index .Labels {label!r}}}}}".replace("'", '"'),
            image,
        ],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() if found.returncode == 0 else None


def start_stock_nginx(containers: Containers, name: str, hls: Path, cpuset: str, prefix: str) -> str:
    """Debian's nginx, its stock configuration and default site (root /var/www/html), the same files.

    The first run installs the package into a container of the base image (apt, from the Debian
    mirror) and keeps the result as an image, labelled with the base image's id; later runs start
    that image while the base image is the same.
    """
    base_id = run(["podman", "image", "inspect", "--format", "{{.Id}}", BASE_IMAGE]).stdout.strip()
    cached = stock_nginx_image(prefix)
    fresh = _image_label(cached, "webcast.base") != base_id
    args = ["--systemd=always", "--network", "slirp4netns", "--cpuset-cpus", cpuset]
    args += ["-v", f"{hls}:/var/www/html/hls:ro", BASE_IMAGE if fresh else cached, "/sbin/init"]
    containers.create(name, args)
    run(["podman", "start", name])
    if fresh:
        install = (
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
            " apt-get install -y -qq --no-install-recommends nginx && apt-get clean"
        )
        for attempt in range(3):
            done = subprocess.run(
                ["podman", "exec", name, "sh", "-c", install], capture_output=True, text=True
            )
            if done.returncode == 0:
                break
            if attempt == 2:
                raise RuntimeError(
                    f"installing nginx in {name} failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
                )
            time.sleep(5)
        run(["podman", "commit", "--quiet", "--change", f"LABEL webcast.base={base_id}", name, cached])
    wait_for_nginx(name)
    return name


def netns(name: str) -> str:
    pid = run(["podman", "inspect", "-f", "{{.State.Pid}}", name]).stdout.strip()
    return f"/proc/{pid}/ns/net"


def cpu_usage_file(name: str) -> Path | None:
    """The process list of nginx.service in the container (cgroup v1's systemd hierarchy, or v2).

    nginx's own processes, not the container's: the instance runs other services (the mail relay,
    the metrics forwarder) whose time is not serving HLS.
    """
    pid = run(["podman", "inspect", "-f", "{{.State.Pid}}", name]).stdout.strip()
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        # systemd in the container makes sub-groups; the container is the libpod-<id> group.
        parts = path.split("/")
        top = next((i for i, part in enumerate(parts) if part.startswith("libpod-")), len(parts) - 1)
        group = "/".join(parts[: top + 1]) + "/system.slice/nginx.service/cgroup.procs"
        for mount in ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
            if controllers in ("name=systemd", "") and Path(mount + group).exists():
                return Path(mount + group)
    return None


def cpu_seconds(procs: Path | None) -> float | None:
    """User and system CPU time of the processes listed, in seconds."""
    if procs is None:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in procs.read_text().split():
        try:
            # Fields 14 and 15 (utime, stime) after the command name in parentheses.
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def wrk(
    server: tuple[str, Path | None], url: str, args: argparse.Namespace, cpus: str | None, duration_s: int
) -> WrkResult:
    namespace, usage = server
    cmd = ["nsenter", f"--net={namespace}", "wrk", "-t", str(args.threads), "-c", str(args.connections)]
    cmd += ["-d", f"{duration_s}s", url]
    if cpus is not None:
        cmd = ["taskset", "-c", cpus, *cmd]
    before = cpu_seconds(usage)
    result = parse_wrk(run(cmd).stdout)
    after = cpu_seconds(usage)
    if before is None or after is None:
        return result
    return dataclasses.replace(result, cpu_s=after - before)


# --- the emulator ---------------------------------------------------------------------------------


def emulator_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config", timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def emulator(action: str, port: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.emulator", action, "--port", str(port)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# --- the three parts ------------------------------------------------------------------------------


def cpu_plan() -> tuple[str, str | None]:
    """(the servers' CPU, wrk's CPU or None): the servers on the last CPU, wrk on the first."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) == 1:
        return str(cpus[0]), None
    return str(cpus[-1]), str(cpus[0])


def measure_origin(
    args: argparse.Namespace, settings: Settings
) -> tuple[dict[str, dict[str, list[WrkResult]]], int]:
    """wrk against the instance and stock nginx, interleaved: every WrkResult per target and server, and the
    segment's size in bytes."""
    for tool in ("wrk", "ffmpeg", "nsenter", "taskset", "podman"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: run `make setup` (Debian packages wrk, ffmpeg)")
    for image, how in ((GOLDEN_IMAGE, "make bake"), (BASE_IMAGE, "make setup")):
        if subprocess.run(["podman", "image", "exists", image]).returncode != 0:
            sys.exit(f"the image {image} is not there: run `{how}` first")
    if emulator_answers(args.emulator_port):
        sys.exit(
            f"an emulator already answers on port {args.emulator_port}: the bench starts its own; "
            "choose a free one with --emulator-port"
        )
    server_cpu, wrk_cpu = cpu_plan()
    containers = Containers()
    work = Path(tempfile.mkdtemp(prefix="webcast-bench-"))
    started_emulator = False
    results: dict[str, dict[str, list[WrkResult]]] = {"playlist": {}, "segment": {}}
    try:
        media = work / "media"
        hls = media / "hls"
        hls.mkdir(parents=True)
        segment = work / "segment.ts"
        print(f"ffmpeg: a {settings.fragment_s} s segment of 720p30 H.264 at {args.bitrate_kbit} kbit/s ...")
        make_segment(segment, settings.fragment_s, args.bitrate_kbit)
        count = max(3, settings.playlist_length_s // settings.fragment_s)
        with LiveStream(hls, segment, settings.fragment_s, count) as stream:
            emulator("start", args.emulator_port)
            started_emulator = True
            seed_runtime_parameters(f"http://127.0.0.1:{args.emulator_port}", settings.fragment_s)
            print("Booting an instance of the golden image; Debian's nginx into a base container ...")
            instance = start_instance(
                containers, f"{args.name_prefix}instance", media, server_cpu, args.emulator_port, work
            )
            stock = start_stock_nginx(
                containers, f"{args.name_prefix}stock-nginx", hls, server_cpu, args.name_prefix
            )
            paths = {"playlist": f"/hls/{STREAM}.m3u8", "segment": f"/hls/{stream.target_segment}"}
            servers = {
                "instance": (netns(instance), cpu_usage_file(instance)),
                "stock nginx": (netns(stock), cpu_usage_file(stock)),
            }
            for path in paths.values():
                status, headers = fetch_headers(instance, path)
                print(f"  instance {path}: {status} {headers.get('content-type')}, "
                      f"Cache-Control: {headers.get('cache-control')}")  # fmt: skip
                status, headers = fetch_headers(stock, path)
                print(f"  stock    {path}: {status} {headers.get('content-type')}, "
                      f"Cache-Control: {headers.get('cache-control')}")  # fmt: skip
            size = segment.stat().st_size
            print(
                f"wrk: {args.threads} thread(s), {args.connections} connections, {args.duration:g} s a run, "
                f"{args.runs} runs; servers on CPU {server_cpu}, wrk on CPU {wrk_cpu or server_cpu}; "
                f"segment {size / 1e6:.2f} MB"
            )
            for target, path in paths.items():
                for ns in servers.values():  # warm up: page cache, descriptor cache, connections
                    wrk(ns, f"http://127.0.0.1{path}", args, wrk_cpu, 2)
                for run_index in range(args.runs):
                    order = list(servers.items())
                    if run_index % 2:
                        order.reverse()
                    for server, ns in order:
                        result = wrk(ns, f"http://127.0.0.1{path}", args, wrk_cpu, args.duration)
                        results[target].setdefault(server, []).append(result)
                        per_cpu = result.requests_per_cpu_s
                        print(f"  {target:8} {server:11} run {run_index + 1}: "
                              f"{result.requests_per_s:10.0f} req/s {result.mb_per_s:9.1f} MB/s"
                              + (f" {per_cpu:10.0f} req/CPU-s" if per_cpu else ""))  # fmt: skip
        return results, size
    finally:
        # A second Ctrl-C must not stop the clean-up half way.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        containers.remove_all()
        if started_emulator:
            emulator("stop", args.emulator_port)
        shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGINT, previous)


def print_origin(results: dict, size: int, settings: Settings, args: argparse.Namespace) -> None:
    print("\nHLS origin throughput (medians)")
    print(f"  {'':8} {'server':11} {'req/s':>10} {'MB/s':>9} {'req/CPU-s':>10}")
    medians: dict[str, dict[str, WrkResult]] = {}
    # Requests per CPU-second of the server's nginx.service: steadier than req/s when other work shares
    # the machine, since it does not count the time the server waited for a CPU.
    efficiency: dict[tuple[str, str], float | None] = {}
    for target in ("playlist", "segment"):
        for server, runs in results[target].items():
            m = WrkResult(
                statistics.median(r.requests_per_s for r in runs),
                statistics.median(r.bytes_per_s for r in runs),
            )
            per_cpu = [r.requests_per_cpu_s for r in runs if r.requests_per_cpu_s]
            efficiency[(target, server)] = statistics.median(per_cpu) if per_cpu else None
            medians.setdefault(target, {})[server] = m
            shown = f"{efficiency[(target, server)]:10.0f}" if per_cpu else f"{'-':>10}"
            print(f"  {target:8} {server:11} {m.requests_per_s:10.0f} {m.mb_per_s:9.1f} {shown}")
        ratio = medians[target]["instance"].requests_per_s / medians[target]["stock nginx"].requests_per_s
        mine, stock = efficiency[(target, "instance")], efficiency[(target, "stock nginx")]
        per_cpu_ratio = f", per CPU-second {mine / stock:.2f}" if mine and stock else ""
        print(f"  {target:8} instance / stock nginx: {ratio:.2f}{per_cpu_ratio}")
    instance, stock = medians["segment"]["instance"], medians["segment"]["stock nginx"]
    segment_ratio = instance.requests_per_s / stock.requests_per_s
    mine, theirs = efficiency[("segment", "instance")], efficiency[("segment", "stock nginx")]
    busy = {
        server: medians[t][server].requests_per_s / efficiency[(t, server)]
        for t in ("playlist", "segment")
        for server in ("instance", "stock nginx")
        if efficiency[(t, server)]
    }
    if busy and max(busy.values()) < 0.8:
        # Neither server used its CPU: wrk (or the machine's other work) set the pace, and req/s
        # says how fast the client was. Per CPU-second is then the servers' comparison.
        print(
            f"  the servers used at most {max(busy.values()):.0%} of their CPU: req/s is the client's pace;"
            "\n  compared per CPU-second (the throughput each would reach on the same CPU budget)"
        )
    if mine and theirs:
        verdict = "met" if mine >= theirs else "NOT met"
        print(
            f"  target (instance's segment throughput >= stock nginx's, same CPU budget): {verdict} "
            f"({mine / theirs:.2f} per CPU-second; {segment_ratio:.2f} in req/s)"
        )
    else:
        verdict = "met" if segment_ratio >= 1 else "NOT met"
        print(f"  target (instance's segment throughput >= stock nginx's): {verdict} ({segment_ratio:.2f})")

    fragment = settings.fragment_s
    bitrate = size * 8 / fragment / 1e6
    print("\nViewers per instance without a CDN")
    print(
        f"  assumptions: {fragment} s fragments, one {size / 1e6:.2f} MB segment per fragment "
        f"({bitrate:.2f} Mbit/s with MPEG-TS overhead: {args.bitrate_kbit} kbit/s video, 128 kbit/s audio),\n"
        f"  a viewer reloads the playlist every {fragment} s and fetches each segment once, one rendition,\n"
        f"  segments from the page cache (a live stream's are)"
    )
    measured = viewers_per_instance(
        medians["playlist"]["instance"].requests_per_s, instance.requests_per_s, fragment
    )
    print(f"  at the rates measured here (1 CPU of a shared machine, client-paced): {math.floor(measured):,}")
    pl_cpu, seg_cpu = efficiency[("playlist", "instance")], efficiency[("segment", "instance")]
    if pl_cpu and seg_cpu:
        per_cpu = viewers_per_instance(pl_cpu, seg_cpu, fragment)
        by_cpu = per_cpu * args.instance_vcpus
        by_network = args.instance_gbit * 1000 / bitrate
        binding = "network" if by_network < by_cpu else "CPU"
        print(
            f"  per CPU of nginx (from req/CPU-s): {math.floor(per_cpu):,} viewers "
            f"({per_cpu * bitrate / 1000:.1f} Gbit/s of segments)\n"
            f"  an instance with {args.instance_vcpus} vCPUs and {args.instance_gbit:g} Gbit/s sustained "
            f"network (--instance-vcpus, --instance-gbit): CPU allows {math.floor(by_cpu):,}, "
            f"the network {math.floor(by_network):,}"
        )
        print(f"  VIEWERS PER INSTANCE: {math.floor(min(by_cpu, by_network)):,} (bound by the {binding})")
    else:
        print(
            f"  VIEWERS PER INSTANCE: {math.floor(measured):,} (no CPU accounting here: the measured rates)"
        )


def print_cdn(args: argparse.Namespace, settings: Settings) -> None:
    model = CdnModel(
        fragment_s=settings.fragment_s,
        playlist_ttl_s=settings.playlist_ttl_s,
        segment_ttl_s=settings.segment_ttl_s,
        edges=args.edges,
        origin_latency_s=args.origin_latency_ms / 1000,
        collapsing=not args.no_collapsing,
    )
    print(
        f"\nCDN in front of the origin: {args.sim_duration:g} s simulated, {args.edges} edge locations, "
        f"origin round trip {args.origin_latency_ms:g} ms, "
        f"request collapsing {'on (as CloudFront)' if model.collapsing else 'off'}"
    )
    print(
        f"  TTLs: playlist {settings.playlist_ttl_s} s (media_server sends max-age="
        f"{settings.origin_playlist_max_age_s}; aws_cloudfront min/default/max {settings.cdn_playlist_ttl}), "
        f"segment {settings.segment_ttl_s} s (max-age={settings.origin_segment_max_age_s}; "
        f"bounds {settings.cdn_segment_ttl}); fragment {settings.fragment_s} s"
    )
    print(f"  {'viewers':>9} {'viewer req/s':>13} {'origin req/s':>13} {'playlist':>9} {'segment':>8} "
          f"{'peak/s':>7} {'hit ratio':>10}")  # fmt: skip
    rates = []
    started = time.monotonic()
    for viewers in args.viewers:
        r = simulate(viewers, args.sim_duration, model)
        rates.append(r.origin_per_s)
        print(
            f"  {viewers:>9,} {r.viewer_requests / r.duration_s:>13,.0f} {r.origin_per_s:>13.2f} "
            f"{r.origin_playlist / r.duration_s:>9.2f} {r.origin_segment / r.duration_s:>8.2f} "
            f"{r.peak_origin_per_s:>7} {r.hit_ratio:>10.4%}"
        )
    bound = model.bound_per_s()
    print(f"  steady-state bound: edges x (1/(playlist TTL + round trip) + 1/fragment) = {bound:.2f} req/s "
          f"(simulated in {time.monotonic() - started:.1f} s)")  # fmt: skip
    if len(rates) >= 2:
        growth = rates[-1] / rates[-2] - 1
        verdict = "met" if abs(growth) <= 0.05 and rates[-1] <= bound * 1.05 else "NOT met"
        print(f"  target (origin load independent of viewers): {verdict} "
              f"({args.viewers[-2]:,} -> {args.viewers[-1]:,} viewers: {growth:+.1%})")  # fmt: skip


def viewer_counts(text: str) -> list[int]:
    try:
        counts = [int(item.replace("_", "")) for item in text.split(",") if item.strip()]
    except ValueError:
        counts = []
    if not counts or any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError(
            f"{text!r}: allowed: whole numbers >= 1, separated by commas (10,100,1000)"
        )
    return counts


def positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r}: allowed: a number > 0")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=positive(int), default=5, help="wrk runs per server and file (default 5)"
    )
    parser.add_argument("--duration", type=positive(int), default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--viewers", type=viewer_counts, default=[10, 100, 1_000, 10_000, 100_000],
                        help="viewer counts to simulate (default 10,100,1000,10000,100000)")  # fmt: skip
    parser.add_argument("--sim-duration", type=positive(float), default=600,
                        help="simulated seconds of the live event (default 600)")  # fmt: skip
    parser.add_argument("--edges", type=positive(int), default=10, help="CDN edge locations (default 10)")
    parser.add_argument("--origin-latency-ms", type=float, default=50,
                        help="round trip from an edge to the origin, ms (default 50)")  # fmt: skip
    parser.add_argument(
        "--no-collapsing", action="store_true", help="simulate edges without request collapsing"
    )
    parser.add_argument("--threads", type=positive(int), default=1, help="wrk threads (default 1)")
    parser.add_argument("--connections", type=positive(int), default=32, help="wrk connections (default 32)")
    parser.add_argument("--bitrate-kbit", type=positive(int), default=3000,
                        help="video bitrate of the test segment (default 3000)")  # fmt: skip
    parser.add_argument("--emulator-port", type=int, default=4569,
                        help="port of the bench's own emulator (default 4569)")  # fmt: skip
    parser.add_argument("--name-prefix", default="webcast-bench-", help="prefix of the containers' names")
    parser.add_argument("--inventory", default="local", help="inventory whose webcast_hls_fragment_s applies")
    parser.add_argument("--instance-vcpus", type=positive(int), default=4,
                        help="the instance's vCPUs (default 4: c6i.xlarge)")  # fmt: skip
    parser.add_argument("--instance-gbit", type=positive(float), default=1.5625,
                        help="its baseline network, Gbit/s (default 1.5625: c6i.xlarge)")  # fmt: skip
    parser.add_argument("--skip-origin", action="store_true", help="only the CDN simulation (no containers)")
    args = parser.parse_args(argv)
    if args.origin_latency_ms < 0:
        parser.error(f"--origin-latency-ms {args.origin_latency_ms}: allowed: 0 or more")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", args.name_prefix):
        parser.error(f"--name-prefix {args.name_prefix!r}: allowed: lowercase letters, digits, _ . -")

    # SIGTERM cleans up as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings(ROOT, args.inventory)
    try:
        if not args.skip_origin:
            results, size = measure_origin(args, settings)
            print_origin(results, size, settings, args)
        print_cdn(args, settings)
    except KeyboardInterrupt:
        print("\ninterrupted: every container of this run is removed", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else ""
        print(f"bench failed: {exc}\n{detail or ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
