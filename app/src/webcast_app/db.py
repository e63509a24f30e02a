"""MySQL connections (PyMySQL).

A request borrows its thread's connection, opened on first use and kept for the next request: with
TLS to RDS a new connection per request would cost a handshake more than most queries take. The
connection is pinged (and replaced if the database dropped it) before each request and rolled
back after it, so no transaction or snapshot outlives its request.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import threading

import pymysql
import pymysql.cursors

from .config import Config


def connect(config: Config, *, timeout_s: int | None = None) -> pymysql.connections.Connection:
    """A new connection with dict rows and autocommit off; TLS when WEBCAST_DB_TLS is set."""
    tls = _tls_context(config.db_tls_ca) if config.db_tls else None
    timeout = timeout_s or 10
    return pymysql.connect(
        host=config.db_host,
        port=config.db_port,
        user=config.db_user,
        password=password(config),
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


def password(config: Config) -> str:
    """The database password now: WEBCAST_DB_PASSWORD_FILE's content when set, read at every new
    connection so that a rotated password is used without a restart (open connections stay
    authenticated), else WEBCAST_DB_PASSWORD."""
    if not config.db_password_file:
        return config.db_password
    try:
        with open(config.db_password_file, encoding="utf-8") as handle:
            return handle.read().rstrip("\n")
    except OSError as exc:
        # A pymysql error, so that callers treat it as the database being unreachable.
        raise pymysql.err.OperationalError(
            f"the database password file {config.db_password_file} cannot be read: {exc.strerror}"
        ) from exc


@functools.cache
def _tls_context(cafile: str) -> ssl.SSLContext:
    """RDS presents a certificate of its own CA: WEBCAST_DB_TLS_CA names the bundle, else the system's
    trust store is used. The host name is always checked. Loaded once: reading a trust store costs
    more than a query."""
    return ssl.create_default_context(cafile=cafile or None)


_threads = threading.local()


def _key(config: Config) -> tuple:
    # Not the password: a connection opened before a rotation stays valid and is kept.
    return (config.db_host, config.db_port, config.db_name, config.db_user, config.db_tls)


def borrow(config: Config) -> pymysql.connections.Connection:
    """This thread's connection to the database `config` names, alive."""
    connections = _threads.__dict__.setdefault("connections", {})
    connection = connections.pop(_key(config), None)
    if connection is not None:
        try:
            connection.ping(reconnect=False)
        except pymysql.err.Error:
            _close(connection)
            connection = None
    connection = connection or connect(config)
    connections[_key(config)] = connection
    return connection


def give_back(config: Config, connection: pymysql.connections.Connection) -> None:
    """End the request's transaction; a connection that fails at that is closed and forgotten."""
    try:
        connection.rollback()
    except pymysql.err.Error:
        _threads.__dict__.get("connections", {}).pop(_key(config), None)
        _close(connection)


def _close(connection: pymysql.connections.Connection) -> None:
    with contextlib.suppress(pymysql.err.Error):
        connection.close()
