"""MySQL connections (PyMySQL): one per request, opened when the request first needs it."""

from __future__ import annotations

import ssl

import pymysql
import pymysql.cursors

from .config import Config


def connect(config: Config, *, timeout_s: int | None = None) -> pymysql.connections.Connection:
    """A new connection with dict rows and autocommit off; TLS when WEBCAST_DB_TLS is set."""
    tls = None
    if config.db_tls:
        # RDS presents a certificate of its own CA: WEBCAST_DB_TLS_CA names the bundle, else the
        # system's trust store is used. The host name is always checked.
        tls = ssl.create_default_context(cafile=config.db_tls_ca or None)
    timeout = timeout_s or 10
    return pymysql.connect(
        host=config.db_host,
        port=config.db_port,
        user=config.db_user,
        password=config.db_password,
        database=config.db_name,
        charset="utf8mb4",
        cursorclass=pymysql.cursors.DictCursor,
        autocommit=False,
        connect_timeout=timeout,
        read_timeout=max(timeout, 30),
        write_timeout=max(timeout, 30),
        ssl=tls,
        # PyMySQL otherwise tries TLS on its own, unverified ("preferred"): either TLS with the
        # certificate and name checked, or none (a database on the same host or in the tests).
        ssl_disabled=not config.db_tls,
    )
