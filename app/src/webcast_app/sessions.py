"""Server-side sessions in Redis: every instance behind the load balancer sees the same sessions.

The cookie holds only a random session id (256 bits); the session's content is a JSON document under
`webcast:session:<id>` with a time to live, renewed on each request that changes it. No secret key is
needed: an id cannot be forged, only guessed, and there are 2**256 of them.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

import redis
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from werkzeug.datastructures import CallbackDict

from .config import Config

log = logging.getLogger(__name__)
KEY_PREFIX = "webcast:session:"
COOKIE_NAME = "webcast_session"


def client(config: Config) -> redis.Redis:
    """The Redis client: auth token and TLS when configured (ElastiCache in-transit encryption)."""
    return redis.Redis(
        host=config.redis_host,
        port=config.redis_port,
        db=config.redis_db,
        password=config.redis_token or None,
        ssl=config.redis_tls,
        ssl_cert_reqs="required",
        ssl_check_hostname=True,
        ssl_ca_certs=config.redis_tls_ca or None,
        socket_timeout=config.check_timeout_s,
        socket_connect_timeout=config.check_timeout_s,
        health_check_interval=30,
        # One retry, soon: enough for a dropped connection (an ElastiCache failover), short enough
        # that /healthz answers within the load balancer's timeout. (redis-py's default is ten.)
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
        decode_responses=True,
    )


class RedisSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None, new: bool = False):
        def on_update(_: CallbackDict) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.new = new
        self.modified = False


class RedisSessionInterface(SessionInterface):
    def __init__(self, store: redis.Redis, ttl_s: int):
        self.store = store
        self.ttl_s = ttl_s

    def open_session(self, app: Flask, request: Request) -> RedisSession:
        # Flask opens the session for every request, /healthz and /rtmp/ included: with Redis down,
        # those must still answer (503 and the key check), so a session that cannot be read is
        # an empty one, and the visitor's own session is back when Redis is.
        sid = request.cookies.get(COOKIE_NAME)
        if sid:
            try:
                raw = self.store.get(KEY_PREFIX + sid)
            except redis.RedisError as error:
                log.warning("session not read from Redis: %s", error)
                return RedisSession(sid=sid)
            if raw is not None:
                return RedisSession(json.loads(raw), sid=sid)
        return RedisSession(new=True)

    def save_session(self, app: Flask, session: RedisSession, response: Response) -> None:  # type: ignore[override]
        cookie = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "httponly": True,
            "secure": app.config["WEBCAST"].public_url.startswith("https://"),
            "samesite": "Lax",
        }
        if not session:
            if session.sid and session.modified:
                self.store.delete(KEY_PREFIX + session.sid)
                response.delete_cookie(COOKIE_NAME, **cookie)
            return
        if not session.modified and not session.new:
            return
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
        try:
            self.store.set(KEY_PREFIX + session.sid, json.dumps(dict(session)), ex=self.ttl_s)
        except redis.RedisError as error:
            log.warning("session not saved to Redis: %s", error)
            return
        response.set_cookie(COOKIE_NAME, session.sid, max_age=self.ttl_s, **cookie)
        response.vary.add("Cookie")
