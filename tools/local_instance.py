"""Boot an image as a local instance: a podman systemd container configured as an EC2 instance would be.

An instance learns its environment at boot: the bootstrap unit (role bootstrap) reads the project and
environment from the instance's tags and the region from the metadata service, and takes the instance
role's credentials. A container has none of these, so a read-only directory mounted at boot gives the
same facts: `bootstrap.conf` (project, env, region and the emulator's endpoint, reached from the
container through slirp4netns's host loopback, docs/decisions/0007) and a drop-in that points the
unit at it with the emulator's dummy credentials. Nothing of it enters the image. The media root is a
directory of the host mounted where EFS would be (this kernel has no NFS client).

Used by the molecule scenario `image` and by tools/bench_image.py; also a command:

    python -m tools.local_instance seed --env ENV [--db HOST:PORT] [--redis HOST:PORT]
    python -m tools.local_instance clear --env ENV
    python -m tools.local_instance run --name NAME --env ENV --dir DIR [--image IMAGE] [--publish]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

from tools import runtime_parameters

PROJECT = "webcast"
REGION = "eu-west-1"
# The golden image (tools/bake.sh's WEBCAST_GOLDEN_IMAGE names another repository).
GOLDEN = os.environ.get("WEBCAST_GOLDEN_IMAGE", "localhost/webcast-golden") + ":latest"
BASE = "localhost/webcast-base:bookworm"
# The container's view of the host's loopback (slirp4netns allow_host_loopback).
HOST_FROM_CONTAINER = "10.0.2.2"
DB_PASSWORD = "local-db-password"
REDIS_TOKEN = "local-redis-token"
SMTP_PASSWORD = "local-smtp-password"
CONF_DIR = "/etc/webcast-local"
DROP_INS = tuple(f"/etc/systemd/system/{unit}.d/90-local.conf" for unit in runtime_parameters.AWS_UNITS)
# Debian's fixed uid of www-data (nginx's workers write the live playlists and segments).
WWW_DATA_UID = 33


def endpoint_url() -> str:
    return os.environ.get("WEBCAST_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")


def in_container(url: str) -> str:
    """A URL of the host's loopback as the container reaches it."""
    return re.sub(r"//(127[.]0[.]0[.]1|localhost)\b", f"//{HOST_FROM_CONTAINER}", url)


def aws(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def seed(endpoint: str, env: str, db: str = "db.invalid:3306", redis: str = "redis.invalid:6379") -> dict:
    """Every runtime parameter the bootstrap reads, under /webcast/<env>/, with its secrets.

    db and redis are HOST:PORT as the instance reaches them (the database and Redis themselves are
    only needed for the app's health path to answer 200).
    """
    db_host, db_port = db.rsplit(":", 1)
    redis_host, redis_port = redis.rsplit(":", 1)
    return runtime_parameters.seed(
        aws("ssm", endpoint),
        aws("secretsmanager", endpoint),
        PROJECT,
        env,
        REGION,
        {
            "db": {"password": DB_PASSWORD},
            "redis": {"token": REDIS_TOKEN},
            "smtp": {"username": "AKIALOCALSMTP", "password": SMTP_PASSWORD},
        },
        db__endpoint=db_host,
        db__port=db_port,
        redis__endpoint=redis_host,
        redis__port=redis_port,
        urls__public=f"https://{env}.webcast.test",
        urls__cdn=f"https://cdn.{env}.webcast.test",
    )


def clear(endpoint: str, env: str) -> None:
    """No parameter under /webcast/<env>/: an environment not provisioned yet."""
    ssm = aws("ssm", endpoint)
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=f"/{PROJECT}/{env}/", Recursive=True)
    names = [parameter["Name"] for page in pages for parameter in page["Parameters"]]
    for start in range(0, len(names), 10):
        ssm.delete_parameters(Names=names[start : start + 10])


def write_config(directory: Path, env: str, endpoint: str) -> Path:
    """The instance's identity and the emulator, as files to mount: <directory>/config."""
    config = directory / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "bootstrap.conf").write_text(
        "# The local instance's identity (on EC2: its tags and the metadata service).\n"
        "[bootstrap]\n"
        f"project = {PROJECT}\nenv = {env}\nregion = {REGION}\n"
        f"endpoint_url = {in_container(endpoint)}\n"
        # Never asked (project, env and region are all set), and never the host's network.
        "imds_endpoint = http://127.0.0.1:9\nimds_attempts = 1\n"
    )
    (config / "90-local.conf").write_text(
        "# The local instance: its identity from a mounted file, the emulator's dummy credentials\n"
        "# (on EC2 the instance role's), and boto3 never asking the host network for metadata.\n"
        "[Service]\n"
        f"Environment=WEBCAST_BOOTSTRAP_CONF={CONF_DIR}/bootstrap.conf\n"
        "Environment=AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true\n"
    )
    media = directory / "media"
    for sub in ("", "hls", "vod"):
        (media / sub).mkdir(parents=True, exist_ok=True)
    # EFS's access point maps every user to one owner; locally the root is writable by all (sticky)
    # and the live and on-demand directories belong to nginx's workers, as the role makes them.
    media.chmod(0o1777)
    for sub in ("hls", "vod"):
        os.chown(media / sub, WWW_DATA_UID, WWW_DATA_UID)
    return config


def run_args(name: str, image: str, directory: Path, publish: bool = False) -> list[str]:
    """The podman command that boots image as a local instance configured from directory."""
    config = directory / "config"
    return [
        "podman", "run", "-d", "--name", name, "--hostname", name,
        "--systemd=always",
        # The units' sandboxing needs mount namespaces (docs/decisions/0007).
        "--cap-add=SYS_ADMIN",
        "--network=slirp4netns:allow_host_loopback=true",
        *(["-p", "127.0.0.1::80"] if publish else []),
        "-v", f"{config}:{CONF_DIR}:ro",
        *(arg for drop_in in DROP_INS for arg in ("-v", f"{config / '90-local.conf'}:{drop_in}:ro")),
        "-v", f"{directory / 'media'}:/srv/media",
        image, "/sbin/init",
    ]  # fmt: skip


def published_port(name: str) -> int:
    out = subprocess.run(["podman", "port", name, "80"], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[0].rsplit(":", 1)[1])


def is_healthy(name: str, port: int) -> tuple[bool, str]:
    """The one definition of healthy, for every image: systemd reports the bootstrap done and the app
    and nginx running, and the app's health path answers 200 through nginx.
    (Its checks: the database, Redis, the media root, the mail relay and the bootstrap's status.)"""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            code, body = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return False, f"/healthz {exc.code}: {exc.read().decode()[:600]}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"/healthz: {exc}"
    units = ("webcast-bootstrap.service", "webcast-app.service", "nginx.service")
    states = subprocess.run(
        ["podman", "exec", name, "systemctl", "is-active", *units], capture_output=True, text=True
    ).stdout.split()
    if code != 200 or states != ["active"] * len(units):
        return False, f"/healthz {code}, units {dict(zip(units, states, strict=False))}: {body[:300]}"
    return True, "healthy"


def wait_healthy(name: str, port: int, timeout_s: float) -> float:
    """Seconds until healthy (polled every 50 ms); exits naming the last state on timeout."""
    start = time.monotonic()
    last = ""
    while time.monotonic() - start < timeout_s:
        healthy, last = is_healthy(name, port)
        if healthy:
            return time.monotonic() - start
        time.sleep(0.05)
    sys.exit(f"{name} not healthy after {timeout_s:.0f} s: {last}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed", help="the runtime parameters of an environment, in the emulator")
    seed_parser.add_argument("--env", required=True)
    seed_parser.add_argument("--db", default="db.invalid:3306", help="HOST:PORT as the instance reaches it")
    seed_parser.add_argument("--redis", default="redis.invalid:6379", help="HOST:PORT, likewise")
    clear_parser = sub.add_parser("clear", help="no runtime parameter for an environment")
    clear_parser.add_argument("--env", required=True)
    run_parser = sub.add_parser("run", help="boot an image as a local instance of an environment")
    run_parser.add_argument("--name", required=True)
    run_parser.add_argument("--env", required=True)
    run_parser.add_argument("--dir", required=True, type=Path, help="where its config and media go")
    run_parser.add_argument("--image", default=GOLDEN)
    run_parser.add_argument("--publish", action="store_true", help="publish nginx on a loopback port")
    args = parser.parse_args()

    if args.command == "seed":
        seed(endpoint_url(), args.env, args.db, args.redis)
        return 0
    if args.command == "clear":
        clear(endpoint_url(), args.env)
        return 0
    if subprocess.run(["podman", "image", "exists", args.image]).returncode != 0:
        sys.exit(f"image {args.image} does not exist: run `make bake` (tools/bake.sh) to bake it")
    write_config(args.dir.resolve(), args.env, endpoint_url())
    return subprocess.run(run_args(args.name, args.image, args.dir.resolve(), args.publish)).returncode


if __name__ == "__main__":
    sys.exit(main())
