"""A real MariaDB, Redis and SMTP server for the tests, each started once for the session.

MariaDB and Redis are the Debian packages' binaries (mariadb-server, redis-server), run as our own
processes in a temporary directory on free loopback ports, and stopped at the end. Like RDS and
ElastiCache with in-transit encryption, both accept only TLS, with a certificate of a test CA made
here, and require a password or token. The SMTP server is aiosmtpd in process; it keeps what it
receives.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymysql
import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from webcast_app import create_app, db, migrations, store
from webcast_app.config import Config

DB_PASSWORD = "test-db-password"
REDIS_TOKEN = "test-redis-token"
# Loopback port ranges the servers take a free port from.
MARIADB_PORTS = range(13306, 13400)
REDIS_PORTS = range(16379, 16400)


def free_port(ports: range | None = None) -> int:
    """A port nothing listens on: the first free one of `ports`, or one the kernel picks."""
    for port in ports or [0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in {ports}")


def wait_for(what: str, ready, process: subprocess.Popen, log: Path, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            ready()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout_s} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _binary(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"{name} is missing: install the Debian packages mariadb-server and redis-server")


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def certificate_authority(base: Path, name: str) -> dict[str, Path]:
    """A CA and a server certificate it signed for 127.0.0.1 (the name the clients check)."""
    paths = {
        kind: base / f"{name}-{kind}" for kind in ("ca.crt", "ca.key", "server.crt", "server.key", "csr")
    }
    # P-256 keys: RSA key generation would be most of the fixture's time.
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_out = ["-keyout", str(paths["ca.key"]), "-out", str(paths["ca.crt"])]
    server_out = ["-keyout", str(paths["server.key"]), "-out", str(paths["csr"])]
    _openssl("req", "-x509", *key, "-days", "2", "-subj", f"/CN={name} CA", *ca_out)
    _openssl("req", *key, "-subj", "/CN=127.0.0.1", *server_out)
    extensions = base / f"{name}-ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    signer = ["-CA", str(paths["ca.crt"]), "-CAkey", str(paths["ca.key"]), "-CAcreateserial"]
    request = ["-in", str(paths["csr"]), "-extfile", str(extensions)]
    _openssl("x509", "-req", "-days", "2", *request, *signer, "-out", str(paths["server.crt"]))
    return paths


@pytest.fixture(scope="session")
def tls(tmp_path_factory) -> dict[str, Path]:
    return certificate_authority(tmp_path_factory.mktemp("tls"), "test")


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory) -> Path:
    """A CA that signed none of the test servers' certificates."""
    return certificate_authority(tmp_path_factory.mktemp("other-tls"), "other")["ca.crt"]


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory, tls) -> Iterator[dict]:
    """A MariaDB server with a database `webcast` and a user `webcast` with a password."""
    # On tmpfs when there is one: creating the system tables is mostly waiting for the disk.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        base = Path(tempfile.mkdtemp(prefix="webcast-app-mariadb-", dir=shm))
    else:
        base = tmp_path_factory.mktemp("mariadb")
    datadir, socket_path, log = base / "data", base / "mariadb.sock", base / "mariadb.log"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            _binary("mariadb-install-db"),
            "--no-defaults",
            *as_root,
            f"--datadir={datadir}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port(MARIADB_PORTS)
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                _binary("mariadbd"),
                "--no-defaults",
                *as_root,
                f"--datadir={datadir}",
                f"--port={port}",
                "--bind-address=127.0.0.1",
                f"--socket={socket_path}",
                f"--pid-file={base / 'mariadb.pid'}",
                f"--log-error={log}",
                "--skip-name-resolve",
                "--skip-log-bin",
                f"--ssl-ca={tls['ca.crt']}",
                f"--ssl-cert={tls['server.crt']}",
                f"--ssl-key={tls['server.key']}",
                # Test data need no durability: small buffers, no flush per commit.
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-doublewrite=0",
                "--innodb-flush-method=nosync",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def as_admin() -> pymysql.connections.Connection:
        return pymysql.connect(unix_socket=str(socket_path), user="root", autocommit=True)

    try:
        wait_for("mariadbd", lambda: as_admin().close(), process, log)
        with as_admin() as admin, admin.cursor() as cursor:
            cursor.execute("CREATE USER 'webcast'@'127.0.0.1' IDENTIFIED BY %s REQUIRE SSL", (DB_PASSWORD,))
            cursor.execute("GRANT ALL ON *.* TO 'webcast'@'127.0.0.1'")
        yield {"port": port, "admin": as_admin}
    finally:
        stop(process)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory, tls) -> Iterator[dict]:
    """A Redis server that speaks TLS only and requires an auth token, as ElastiCache with in-transit
    encryption and AUTH does."""
    base = tmp_path_factory.mktemp("redis")
    port, log = free_port(REDIS_PORTS), base / "redis.log"
    process = subprocess.Popen(
        [
            _binary("redis-server"),
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--tls-cert-file",
            str(tls["server.crt"]),
            "--tls-key-file",
            str(tls["server.key"]),
            "--tls-ca-cert-file",
            str(tls["ca.crt"]),
            "--tls-auth-clients",
            "no",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(base),
            "--requirepass",
            REDIS_TOKEN,
            "--logfile",
            str(log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(
        port=port, password=REDIS_TOKEN, ssl=True, ssl_ca_certs=str(tls["ca.crt"]), decode_responses=True
    )
    try:
        wait_for("redis-server", client.ping, process, log)
        yield {"port": port, "client": client}
    finally:
        client.close()
        stop(process)


class Mailbox(Message):
    """Keeps every message the SMTP server receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[dict]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield {"port": controller.port, "mailbox": mailbox}
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    smtp_server["mailbox"].messages.clear()
    return smtp_server["mailbox"]


def new_database(mariadb, name: str) -> str:
    with mariadb["admin"]() as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    return name


@pytest.fixture(scope="session")
def base_config(mariadb, redis_server, smtp_server, tls) -> Config:
    """Settings pointing at the test servers, with the database `webcast` created and migrated."""
    config = Config(
        db_port=mariadb["port"],
        db_name=new_database(mariadb, "webcast"),
        db_password=DB_PASSWORD,
        db_tls=True,
        db_tls_ca=str(tls["ca.crt"]),
        redis_port=redis_server["port"],
        redis_token=REDIS_TOKEN,
        redis_tls=True,
        redis_tls_ca=str(tls["ca.crt"]),
        smtp_port=smtp_server["port"],
        mail_from="webcast@example.org",
        public_url="https://webcast.example.org",
        cdn_url="https://cdn.example.org",
        check_timeout_s=2,
    )
    connection = db.connect(config)
    try:
        migrations.migrate(connection)
    finally:
        connection.close()
    return config


@pytest.fixture
def config(base_config, redis_server, tmp_path) -> Config:
    """The test's settings: an empty, migrated database, an empty Redis, a media root of its own."""
    connection = db.connect(base_config)
    try:
        with connection.cursor() as cursor:
            # Emptying four small tables is ten times faster than creating the database again.
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in ("registrations", "stream_keys", "recordings", "webcasts"):
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        connection.commit()
        migrations.migrate(connection)
    finally:
        connection.close()
    redis_server["client"].flushdb()
    media = tmp_path / "media"
    media.mkdir()
    return dataclasses.replace(base_config, media_root=media, bootstrap_status=tmp_path / "bootstrap.json")


@pytest.fixture
def replace(config):
    """Settings like `config`, with some changed: replace(smtp_port=1)."""
    return lambda **changes: dataclasses.replace(config, **changes)


@pytest.fixture
def app(config):
    return create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def database(config):
    connection = db.connect(config)
    connection.autocommit(True)
    yield connection
    connection.close()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@pytest.fixture
def add_webcast(database):
    """add_webcast(slug, starts_in=timedelta(days=1), duration_min=60, title=...): the webcast's row."""

    def add(slug: str = "keynote", starts_in: timedelta = timedelta(days=1), duration_min: int = 60, **kw):
        store.add_webcast(
            database,
            slug=slug,
            title=kw.get("title", f"The {slug}"),
            starts_at=utcnow() + starts_in,
            duration_min=duration_min,
            description=kw.get("description", f"All about the {slug}."),
        )
        return store.webcast(database, slug)

    return add


def environment(config: Config) -> dict[str, str]:
    """The WEBCAST_* variables that give `config` to the app or the CLI in another process."""
    return {
        "WEBCAST_DB_PORT": str(config.db_port),
        "WEBCAST_DB_NAME": config.db_name,
        "WEBCAST_DB_PASSWORD": config.db_password,
        "WEBCAST_DB_TLS": "true",
        "WEBCAST_DB_TLS_CA": config.db_tls_ca,
        "WEBCAST_REDIS_PORT": str(config.redis_port),
        "WEBCAST_REDIS_TOKEN": config.redis_token,
        "WEBCAST_REDIS_TLS": "true",
        "WEBCAST_REDIS_TLS_CA": config.redis_tls_ca,
        "WEBCAST_SMTP_PORT": str(config.smtp_port),
        "WEBCAST_MAIL_FROM": config.mail_from,
        "WEBCAST_MEDIA_ROOT": str(config.media_root),
        "WEBCAST_BOOTSTRAP_STATUS": str(config.bootstrap_status),
        "WEBCAST_PUBLIC_URL": config.public_url,
        "WEBCAST_CDN_URL": config.cdn_url,
    }


@pytest.fixture
def cli_environment(config, monkeypatch) -> Config:
    """This process's environment set to `config`, for the CLI's main()."""
    for name, value in environment(config).items():
        monkeypatch.setenv(name, value)
    return config
