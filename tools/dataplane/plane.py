"""The local data plane: golden-image instances beside stand-ins for EFS, RDS, ElastiCache and SES.

What runs (podman, slirp4netns networking, ports on 127.0.0.1 only; docs/decisions/0020):
- `<prefix>instance-a`, `-b`, ...: the golden image with systemd, booted as on EC2. The bootstrap
  reads the runtime configuration from the emulator (10.0.2.2 is the host's loopback inside).
- `<prefix>media`: one podman volume at /srv/media in every instance, standing for EFS.
- `<prefix>db`, `<prefix>redis`, `<prefix>smtp`: MariaDB, Redis and an SMTP sink (STARTTLS and
  AUTH required) from one image built from the base image (service.py).

The instances read their own environment, `/<project>/<env>-dataplane/`: the platform's runtime
parameters (`/<project>/<env>/`, written by site.yml) with the endpoints of the database, Redis, SMTP
and the public URLs replaced by the local services'. site.yml keeps its parameters, so its next run
still changes nothing. The secret ARNs are the platform's: the services take the same credentials.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tools import runtime_parameters

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SERVICE_IMAGE = "localhost/dataplane-services"
BASE_IMAGE = "localhost/webcast-base:bookworm"
# The host's loopback as a container sees it (slirp4netns allow_host_loopback).
HOST_FROM_CONTAINER = "10.0.2.2"
NETWORK = "slirp4netns:allow_host_loopback=true"
LABEL = "webcast.dataplane"
# What the platform must have written before the data plane can start (docs/runtime-config.md).
PLATFORM_PARAMETERS = ("db/name", "db/user", "db/secret_arn", "redis/token_secret_arn")
PLATFORM_PARAMETERS += ("smtp/credentials_secret_arn", "urls/public", "env/region")
BOOT_TIMEOUT_S = 300.0


class DataplaneError(RuntimeError):
    """Something the data plane needs is missing or did not start; the message says what."""


@dataclass
class Plan:
    """Names and ports of one data plane. The defaults are `make up`'s."""

    prefix: str = "dataplane-"
    project: str = "webcast"
    env: str = "local"
    endpoint: str = field(
        default_factory=lambda: os.environ.get("WEBCAST_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    )
    image: str = field(
        default_factory=lambda: os.environ.get("WEBCAST_GOLDEN_IMAGE", "localhost/webcast-golden")
    )
    http_ports: tuple[int, ...] = (8080,)
    rtmp_ports: tuple[int, ...] = (1935,)
    db_port: int = 18006
    redis_port: int = 18007
    smtp_port: int = 18008

    def __post_init__(self) -> None:
        if len(self.http_ports) != len(self.rtmp_ports) or not self.http_ports:
            raise DataplaneError(
                f"http ports {self.http_ports} and rtmp ports {self.rtmp_ports}: one of each per instance"
            )

    @property
    def instances(self) -> list[str]:
        return [f"{self.prefix}instance-{chr(ord('a') + i)}" for i in range(len(self.http_ports))]

    @property
    def volume(self) -> str:
        return f"{self.prefix}media"

    def service(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def platform_prefix(self) -> str:
        return f"/{self.project}/{self.env}/"

    @property
    def dataplane_env(self) -> str:
        return f"{self.env}-dataplane"

    @property
    def dataplane_prefix(self) -> str:
        return f"/{self.project}/{self.dataplane_env}/"

    @property
    def state_dir(self) -> Path:
        return ROOT / ".run" / "dataplane" / self.prefix.rstrip("-")

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.http_ports[0]}"


# `make up`'s data plane (its ports are the README's), and the molecule scenario `webcast`'s, which
# runs beside it on ports of its own.
PLANS = {
    "make-up": Plan(),
    "molecule": Plan(
        prefix="webcast-",
        env="molecule",
        http_ports=(18081, 18082),
        rtmp_ports=(18091, 18092),
        db_port=18016,
        redis_port=18017,
        smtp_port=18018,
    ),
}


def podman(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], input=stdin, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise DataplaneError(f"podman {args[0]} {args[1] if len(args) > 1 else ''}: {result.stderr.strip()}")
    return result


def aws_clients(plan: Plan, region: str):
    import boto3

    kwargs = {
        "endpoint_url": plan.endpoint,
        "region_name": region,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return boto3.client("ssm", **kwargs), boto3.client("secretsmanager", **kwargs)


def read_parameters(ssm, prefix: str) -> dict[str, str]:
    values = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True):
        for parameter in page["Parameters"]:
            values[parameter["Name"].removeprefix(prefix)] = parameter["Value"]
    return values


def secret_json(secretsmanager, arn: str) -> dict | str:
    text = secretsmanager.get_secret_value(SecretId=arn)["SecretString"]
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def platform_credentials(plan: Plan, region: str) -> tuple[dict[str, str], dict[str, dict]]:
    """The platform's runtime parameters, and the services' credentials from its secrets."""
    ssm, secretsmanager = aws_clients(plan, region)
    parameters = read_parameters(ssm, plan.platform_prefix)
    missing = [name for name in PLATFORM_PARAMETERS if not parameters.get(name)]
    if missing:
        raise DataplaneError(
            f"the environment {plan.env!r} has no runtime parameters {missing} under {plan.platform_prefix} "
            f"in the emulator at {plan.endpoint}: provision it first "
            f"(ansible-playbook -i inventories/local playbooks/site.yml -e webcast_env={plan.env})"
        )
    db = secret_json(secretsmanager, parameters["db/secret_arn"])
    redis = secret_json(secretsmanager, parameters["redis/token_secret_arn"])
    smtp = secret_json(secretsmanager, parameters["smtp/credentials_secret_arn"])
    token = (
        redis
        if isinstance(redis, str)
        else next(redis[k] for k in ("token", "auth_token", "password") if k in redis)
    )
    return parameters, {
        "db": {
            "database": parameters["db/name"],
            "username": parameters["db/user"],
            "password": db["password"],
        },
        "redis": {"token": token},
        "smtp": {"username": smtp["username"], "password": smtp["password"]},
    }


def dataplane_parameters(plan: Plan, platform: dict[str, str]) -> dict[str, str]:
    """The platform's parameters with the endpoints of the local services and URLs."""
    return {
        **platform,
        "env/name": plan.dataplane_env,
        "db/endpoint": HOST_FROM_CONTAINER,
        "db/port": str(plan.db_port),
        "redis/endpoint": HOST_FROM_CONTAINER,
        "redis/port": str(plan.redis_port),
        "smtp/host": HOST_FROM_CONTAINER,
        "smtp/port": str(plan.smtp_port),
        # Mail still comes from the environment's domain (the SES identity), not from 127.0.0.1.
        "smtp/sender_domain": platform.get("smtp/sender_domain")
        or urlsplit(platform["urls/public"]).hostname,
        "urls/public": plan.public_url,
        "urls/cdn": plan.public_url,
        # The local MariaDB and Redis speak plain TCP; the platform's RDS and ElastiCache TLS.
        "db/tls": "false",
        "redis/tls": "false",
    }


def write_parameters(plan: Plan, region: str, values: dict[str, str]) -> None:
    ssm, _ = aws_clients(plan, region)
    current = read_parameters(ssm, plan.dataplane_prefix)
    for name, value in values.items():
        if current.get(name) != value:
            ssm.put_parameter(Name=plan.dataplane_prefix + name, Value=value, Type="String", Overwrite=True)


# The services' packages, from Debian (there is no container registry here).
SERVICE_PACKAGES = ("mariadb-server", "redis-server", "python3-aiosmtpd", "openssl")


def ensure_service_image() -> str:
    """The services' image, built from the base image when its inputs changed (their hash is a label).

    Built as Packer builds the golden image: a container of the base image on slirp4netns installs
    the packages, then is committed. `podman build` cannot use slirp4netns here (podman 4.3's builder
    knows only the bridge and the host's network).
    """
    inputs = hashlib.sha256(" ".join(SERVICE_PACKAGES).encode())
    for name in ("service.py", "smtp_sink.py"):
        inputs.update((HERE / name).read_bytes())
    digest = inputs.hexdigest()[:16]
    found = podman(
        "image", "inspect", "--format", '{{ index .Labels "webcast.inputs" }}', SERVICE_IMAGE, check=False
    )
    if found.returncode == 0 and found.stdout.strip() == digest:
        return SERVICE_IMAGE
    print(f"building {SERVICE_IMAGE} (inputs {digest}) from {BASE_IMAGE}", flush=True)
    builder = "dataplane-services-build"
    podman(
        "run",
        "-d",
        "--replace",
        "--name",
        builder,
        "--network",
        "slirp4netns",
        BASE_IMAGE,
        "sleep",
        "infinity",
    )
    try:
        install = (
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -qy --no-install-recommends "
            + " ".join(SERVICE_PACKAGES)
            + " && apt-get clean && rm -rf /var/lib/apt/lists/* && mkdir -p /opt/dataplane"
        )
        result = podman("exec", builder, "sh", "-c", install, check=False)
        if result.returncode != 0:
            raise DataplaneError(f"installing {SERVICE_PACKAGES} failed: {result.stderr[-2000:]}")
        for name in ("service.py", "smtp_sink.py"):
            podman("cp", str(HERE / name), f"{builder}:/opt/dataplane/{name}")
        podman(
            "commit", "-q",
            "--change", f"LABEL webcast.inputs={digest}",
            # One service as PID 1, not systemd: it stops on SIGTERM.
            "--change", "STOPSIGNAL SIGTERM",
            "--change", 'ENTRYPOINT ["/usr/bin/python3", "/opt/dataplane/service.py"]',
            "--change", 'CMD ["db"]',
            builder, SERVICE_IMAGE,
        )  # fmt: skip
    finally:
        podman("rm", "-f", "-t", "0", builder, check=False)
    return SERVICE_IMAGE


def ensure_secret(name: str, value: dict) -> None:
    """A podman secret holding value, replaced: the value goes through stdin, never argv."""
    podman("secret", "rm", name, check=False)
    podman("secret", "create", name, "-", stdin=json.dumps(value))


def run_service(plan: Plan, image: str, name: str, host_port: int, port: int) -> None:
    container = plan.service(name)
    podman(
        "run", "-d", "--replace", "--name", container, "--label", f"{LABEL}={plan.prefix}",
        "--network", "slirp4netns", "-p", f"127.0.0.1:{host_port}:{port}",
        "--secret", container, "-e", f"DATAPLANE_SECRET=/run/secrets/{container}",
        image, name,
    )  # fmt: skip


def wait_for_banner(port: int, expect: bytes, what: str, timeout_s: float = 60.0) -> None:
    """Wait until a service speaks first on a published port (the port forwarder accepts earlier)."""
    deadline = time.monotonic() + timeout_s
    last = b""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.settimeout(2)
                last = conn.recv(64)
                if expect in last:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise DataplaneError(
        f"{what} on 127.0.0.1:{port} did not answer within {timeout_s:.0f} s (last: {last!r})"
    )


def wait_for_redis(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.settimeout(2)
                conn.sendall(b"PING\r\n")
                # Without the token: -NOAUTH says it is up and requires it.
                if conn.recv(64).startswith((b"-NOAUTH", b"+PONG")):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise DataplaneError(f"Redis on 127.0.0.1:{port} did not answer within {timeout_s:.0f} s")


def instance_files(plan: Plan, region: str) -> tuple[Path, Path]:
    """bootstrap.conf naming the data plane's environment and the emulator, and the credentials drop-in."""
    plan.state_dir.mkdir(parents=True, exist_ok=True)
    endpoint = urlsplit(plan.endpoint)
    conf = plan.state_dir / "bootstrap.conf"
    conf.write_text(
        "# Written by tools/dataplane: the instance's project, environment and region (on EC2 its tags\n"
        "# and metadata), and the emulator's endpoint as the container reaches it.\n"
        f"[bootstrap]\nproject = {plan.project}\nenv = {plan.dataplane_env}\nregion = {region}\n"
        f"endpoint_url = {endpoint.scheme}://{HOST_FROM_CONTAINER}:{endpoint.port}\n"
        "env_dir = /etc/webcast\nstatus_file = /run/webcast/bootstrap.json\ngroup = webcast\n"
        "sasl_map = /etc/postfix/sasl_passwd\n"
    )
    dropin = plan.state_dir / "90-emulator.conf"
    # The emulator takes any credentials; on EC2 boto3 takes the instance role's.
    dropin.write_text("[Service]\nEnvironment=AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n")
    return conf, dropin


def run_instance(plan: Plan, name: str, http_port: int, rtmp_port: int, conf: Path, dropin: Path) -> None:
    podman(
        "run", "-d", "--replace", "--name", name, "--hostname", name, "--label", f"{LABEL}={plan.prefix}",
        "--systemd=always", "--cap-add", "SYS_ADMIN", "--network", NETWORK,
        "-p", f"127.0.0.1:{http_port}:80", "-p", f"127.0.0.1:{rtmp_port}:1935",
        "-v", f"{plan.volume}:/srv/media",
        "-v", f"{conf}:/etc/webcast/bootstrap.conf:ro",
        *(
            arg
            for unit in runtime_parameters.AWS_UNITS
            for arg in ("-v", f"{dropin}:/etc/systemd/system/{unit}.d/90-emulator.conf:ro")
        ),
        f"{plan.image}:latest", "/sbin/init",
    )  # fmt: skip


def health(http_port: int) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        try:
            return error.code, json.loads(body)
        except json.JSONDecodeError:
            return error.code, body
    except (OSError, ValueError) as error:
        return 0, str(error)


def wait_healthy(http_port: int, name: str, timeout_s: float = BOOT_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    status, body = 0, ""
    while time.monotonic() < deadline:
        status, body = health(http_port)
        if status == 200:
            return
        time.sleep(1)
    raise DataplaneError(f"{name} is not healthy after {timeout_s:.0f} s: /healthz answered {status} {body}")


def app_command(instance: str, *args: str) -> str:
    """Run the app's CLI in an instance, with the environment the bootstrap wrote."""
    script = 'set -a; . /etc/webcast/app.env; set +a; exec /opt/webcast/venv/bin/webcast-app "$@"'
    result = podman("exec", instance, "sh", "-c", script, "webcast-app", *args, check=False)
    if result.returncode != 0:
        raise DataplaneError(f"webcast-app {args[0]} on {instance}: {result.stderr.strip()[-1000:]}")
    return result.stdout.strip()


def environment_region(plan: Plan, default: str = "eu-west-1") -> str:
    """The platform's region (its env/region parameter; SSM is regional, so asked in the default)."""
    ssm, _ = aws_clients(plan, default)
    try:
        return ssm.get_parameter(Name=plan.platform_prefix + "env/region")["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return default


def up(plan: Plan) -> None:
    if podman("image", "exists", f"{plan.image}:latest", check=False).returncode != 0:
        raise DataplaneError(f"no golden image {plan.image}:latest: bake it first (tools/bake.sh)")
    region = environment_region(plan)
    platform, credentials = platform_credentials(plan, region)
    image = ensure_service_image()
    for name, value in credentials.items():
        ensure_secret(plan.service(name), value)
    if podman("volume", "exists", plan.volume, check=False).returncode != 0:
        podman("volume", "create", "--label", f"{LABEL}={plan.prefix}", plan.volume)
    run_service(plan, image, "db", plan.db_port, 3306)
    run_service(plan, image, "redis", plan.redis_port, 6379)
    run_service(plan, image, "smtp", plan.smtp_port, 587)
    write_parameters(plan, region, dataplane_parameters(plan, platform))
    conf, dropin = instance_files(plan, region)
    wait_for_banner(plan.db_port, b"MariaDB", "MariaDB")
    wait_for_redis(plan.redis_port)
    wait_for_banner(plan.smtp_port, b"220", "the SMTP sink")
    for name, http_port, rtmp_port in zip(plan.instances, plan.http_ports, plan.rtmp_ports, strict=True):
        run_instance(plan, name, http_port, rtmp_port, conf, dropin)
    # EFS's access point makes every client user its one owner, so the app (health probe, uploads)
    # and nginx (HLS, recordings) both write. The volume's root, copied from the image (root, 0755)
    # when first mounted, gets the same effect from its mode (sticky, like /tmp).
    podman("exec", plan.instances[0], "chmod", "1777", "/srv/media")
    for name, http_port in zip(plan.instances, plan.http_ports, strict=True):
        wait_healthy(http_port, name)


def down(plan: Plan) -> list[str]:
    """Remove the plan's containers, volume and secrets (by their exact names); what was removed."""
    listed = podman("ps", "-a", "--filter", f"label={LABEL}={plan.prefix}", "--format", "{{.Names}}")
    containers = [name for name in listed.stdout.split() if name.startswith(plan.prefix)]
    removed = []
    if containers:
        podman("rm", "-f", "-t", "5", *containers)
        removed += containers
    if podman("volume", "exists", plan.volume, check=False).returncode == 0:
        podman("volume", "rm", "-f", plan.volume)
        removed.append(f"volume {plan.volume}")
    for name in ("db", "redis", "smtp"):
        if podman("secret", "rm", plan.service(name), check=False).returncode == 0:
            removed.append(f"secret {plan.service(name)}")
    return removed


def seed(plan: Plan, region: str = "eu-west-1") -> bool:
    """Runtime parameters and secrets for an environment the platform has not provisioned.

    For a test of the data plane run on its own: writes only when the environment has no runtime
    parameters, so it never replaces what site.yml wrote. True when it wrote them.
    """
    import secrets

    ssm, secretsmanager = aws_clients(plan, region)
    if read_parameters(ssm, plan.platform_prefix):
        return False

    runtime_parameters.seed(
        ssm,
        secretsmanager,
        plan.project,
        plan.env,
        region,
        {
            "db": {"username": f"{plan.project}_admin", "password": secrets.token_hex(16)},
            "redis": {"token": secrets.token_hex(16)},
            "smtp": {"username": "AKIA" + secrets.token_hex(8).upper(), "password": secrets.token_hex(20)},
        },
        secret_prefix=f"{plan.platform_prefix.strip('/')}/dataplane-seed",
        overwrite=False,
        db__endpoint=f"{plan.project}-{plan.env}-db.seed.{region}.rds.amazonaws.com",
        db__user=f"{plan.project}_admin",
        redis__endpoint=f"master.{plan.project}-{plan.env}-redis.seed.cache.amazonaws.com",
        # As aws_runtime_config publishes them; the data plane's own parameters turn TLS off.
        db__tls="true",
        redis__tls="true",
    )
    return True


def publish_instructions(plan: Plan, slug: str = "demo") -> str:
    """Schedule a webcast starting now, issue its stream key, and say how to publish and watch."""
    instance = plan.instances[0]
    starts_at = time.strftime("%Y-%m-%dT%H:%M", time.gmtime())
    app_command(instance, "add-webcast", slug, "--title", "Local test webcast", "--starts-at", starts_at,
                "--duration-min", "240")  # fmt: skip
    key = app_command(instance, "issue-key", slug).splitlines()[-1]
    ingest = f"rtmp://127.0.0.1:{plan.rtmp_ports[0]}/live"
    instances = "\n".join(
        f"  {name}: http://127.0.0.1:{http} (RTMP {rtmp})"
        for name, http, rtmp in zip(plan.instances, plan.http_ports, plan.rtmp_ports, strict=True)
    )
    return f"""
The local data plane runs beside the emulated cloud ({plan.endpoint}), environment {plan.env!r}
(the instances read {plan.dataplane_prefix} in its SSM Parameter Store):
{instances}
  app:          {plan.public_url}
  RTMP ingest:  {ingest}
  MariaDB 127.0.0.1:{plan.db_port}, Redis 127.0.0.1:{plan.redis_port}, SMTP sink 127.0.0.1:{plan.smtp_port}

Publish a test stream to the webcast {slug!r} (its stream key is shown once):
  ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \\
    -c:v libx264 -preset veryfast -tune zerolatency -g 60 -c:a aac -f flv {ingest}/{key}

Watch it: {plan.public_url}/webcasts/{slug}  (the playlist: {plan.public_url}/hls/{slug}.m3u8)
Mail the app sends, as the SMTP sink received it:
  podman exec {plan.service("smtp")} cat /var/spool/smtp-sink/messages.jsonl
"""
