#!/usr/bin/python3
"""One stand-in service of the local data plane, as a container's PID 1: db, redis or smtp.

    service.py db|redis|smtp

Its credentials are a JSON podman secret mounted at DATAPLANE_SECRET (the platform's own values,
read from Secrets Manager by `python -m tools.dataplane up`): never in argv or the environment,
where `podman inspect` and `ps` would show them.
- db: MariaDB on 3306 with the database and user of the environment (RDS's master user):
  {"database", "username", "password"}.
- redis: Redis on 6379 requiring the ElastiCache AUTH token: {"token"}.
- smtp: the SMTP sink on 587 (smtp_sink.py) requiring STARTTLS and AUTH with the SES SMTP
  credentials: {"username", "password"}; it appends each message to
  /var/spool/smtp-sink/messages.jsonl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SECRET = Path(os.environ.get("DATAPLANE_SECRET", "/run/secrets/dataplane"))
HERE = Path(__file__).resolve().parent


def sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def db(secret: dict) -> None:
    datadir = Path("/var/lib/mysql")
    if not (datadir / "mysql").is_dir():
        subprocess.run(
            ["mariadb-install-db", "--user=mysql", f"--datadir={datadir}", "--skip-test-db"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    Path("/run/mysqld").mkdir(exist_ok=True)
    os.chown("/run/mysqld", *_mysql_ids())
    database = "`" + secret["database"].replace("`", "``") + "`"
    user = f"{sql_string(secret['username'])}@'%'"
    password = sql_string(secret["password"])
    # The init file is on the container's tmpfs, readable by mysql alone.
    init = Path("/dev/shm/init.sql")
    init.touch(mode=0o600)
    os.chown(init, *_mysql_ids())
    init.write_text(
        f"CREATE DATABASE IF NOT EXISTS {database};\n"
        f"CREATE USER IF NOT EXISTS {user} IDENTIFIED BY {password};\n"
        f"ALTER USER {user} IDENTIFIED BY {password};\n"
        f"GRANT ALL PRIVILEGES ON {database}.* TO {user};\n"
    )
    os.execv(
        "/usr/sbin/mariadbd",
        [
            "mariadbd",
            "--user=mysql",
            f"--datadir={datadir}",
            "--bind-address=0.0.0.0",
            "--port=3306",
            "--skip-name-resolve",
            f"--init-file={init}",
        ],
    )


def _mysql_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("mysql")
    return entry.pw_uid, entry.pw_gid


def redis(secret: dict) -> None:
    token = secret["token"].replace("\\", "\\\\").replace('"', '\\"')
    config = f'port 6379\nbind 0.0.0.0\nprotected-mode no\nsave ""\nappendonly no\nrequirepass "{token}"\n'
    # The configuration (with the token) on stdin: `redis-server -` reads it from there.
    read, write = os.pipe()
    os.write(write, config.encode())
    os.close(write)
    os.dup2(read, 0)
    os.execv("/usr/bin/redis-server", ["redis-server", "-"])


def smtp(secret: dict) -> None:
    state = Path("/var/lib/smtp-sink")
    spool = Path("/var/spool/smtp-sink")
    state.mkdir(exist_ok=True)
    spool.mkdir(exist_ok=True)
    cert, key = state / "cert.pem", state / "key.pem"
    if not cert.exists():
        # Self-signed: the relay's TLS level (encrypt) requires TLS and checks no certificate, as
        # with SES's endpoint where it would check the public CA's.
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=smtp.dataplane.test",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    os.execv(
        "/usr/bin/python3",
        [
            "python3",
            str(HERE / "smtp_sink.py"),
            "--host",
            "0.0.0.0",
            "--port",
            "587",
            "--credentials",
            str(SECRET),
            "--cert",
            str(cert),
            "--key",
            str(key),
            "--messages",
            str(spool / "messages.jsonl"),
        ],
    )


SERVICES = {"db": db, "redis": redis, "smtp": smtp}


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit(f"usage: service.py {'|'.join(SERVICES)}")
    secret = json.loads(SECRET.read_text())
    SERVICES[sys.argv[1]](secret)


if __name__ == "__main__":
    main()
