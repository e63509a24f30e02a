"""/healthz: each dependency checked, each with its state; ok only when every one is ok.

The load balancer takes an instance out of service on a 503, so every check has a short timeout and
a failing one never hides the others.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from . import db, mail, migrations
from .config import Config

OK = "ok"
FAILING = "failing"
ABSENT = "absent"


def check_database(config: Config) -> dict[str, Any]:
    connection = db.connect(config, timeout_s=config.check_timeout_s)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 AS one")
            cursor.fetchone()
        waiting = [migration.version for migration in migrations.pending(connection)]
    finally:
        connection.close()
    if waiting:
        return {"state": FAILING, "detail": f"migrations pending: {waiting}; run webcast-app migrate"}
    return {"state": OK}


def check_redis(config: Config, store: redis.Redis) -> dict[str, Any]:
    store.ping()
    return {"state": OK}


def check_media(config: Config) -> dict[str, Any]:
    root = config.media_root
    if not root.is_dir():
        return {"state": FAILING, "detail": f"{root} is not a directory (is the file system mounted?)"}
    # os.access answers from the mode bits; NFS (EFS) decides on the server, so write for real.
    with tempfile.NamedTemporaryFile(dir=root, prefix=".healthz-") as probe:
        probe.write(b"ok")
        probe.flush()
        os.fsync(probe.fileno())
    return {"state": OK, "path": str(root)}


def check_mta(config: Config) -> dict[str, Any]:
    return {"state": OK, "answer": mail.noop(config)}


def check_bootstrap(config: Config) -> dict[str, Any]:
    """The instance bootstrap's status file: ok when absent (not an instance) or when it says ok."""
    path = config.bootstrap_status
    if not path.exists():
        return {"state": ABSENT, "path": str(path)}
    status = json.loads(path.read_text(encoding="utf-8"))
    state = status.get("state", status.get("status")) if isinstance(status, dict) else None
    if state != OK:
        return {"state": FAILING, "detail": status}
    return {"state": OK, "detail": status}


def _run(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return check()
    except Exception as error:
        return {"state": FAILING, "error": f"{type(error).__name__}: {error}"}


def report(config: Config, store: redis.Redis) -> tuple[bool, dict[str, Any]]:
    """(healthy, body). The checks run concurrently: the answer takes the slowest one's time, which
    stays under the load balancer's health check timeout."""
    checks: dict[str, Callable[[], dict[str, Any]]] = {
        "database": lambda: check_database(config),
        "redis": lambda: check_redis(config, store),
        "media": lambda: check_media(config),
        "mta": lambda: check_mta(config),
        "bootstrap": lambda: check_bootstrap(config),
    }
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        futures = {name: pool.submit(_run, check) for name, check in checks.items()}
        results = {name: future.result() for name, future in futures.items()}
    healthy = all(result["state"] in (OK, ABSENT) for result in results.values())
    return healthy, {"status": OK if healthy else FAILING, "checks": results}
