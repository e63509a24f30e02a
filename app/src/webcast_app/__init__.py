"""The webcast platform's app: webcasts, schedule, registration, recordings, transcripts, stream keys."""

from __future__ import annotations

import logging

from flask import Flask, g

from . import sessions
from .config import Config

__version__ = "0.1.0"


def create_app(config: Config | None = None) -> Flask:
    """The WSGI application. Nothing connects here: connections open when a request needs them."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config["WEBCAST"] = config
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["webcast_redis"] = sessions.client(config)
    app.session_interface = sessions.RedisSessionInterface(
        app.extensions["webcast_redis"], config.session_ttl_s
    )

    from . import rtmp, web

    app.register_blueprint(web.blueprint)
    app.register_blueprint(rtmp.blueprint)

    @app.teardown_appcontext
    def close_database(_: BaseException | None) -> None:
        connection = g.pop("db", None)
        if connection is not None:
            connection.close()

    @app.after_request
    def security_headers(response):
        cdn = config.cdn_url
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"media-src 'self' blob: {cdn}; connect-src 'self' {cdn}; worker-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response

    logging.getLogger(__name__).setLevel(logging.INFO)
    return app
