"""The webcast platform's app: webcasts, schedule, registration, recordings, transcripts, stream keys."""

from __future__ import annotations

import logging

from flask import Flask, g

from . import db, sessions
from .config import Config

__version__ = "0.1.0"


def create_app(config: Config | None = None) -> Flask:
    """The WSGI application. Nothing connects here: connections open when a request needs them."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.config["WEBCAST"] = config
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    # Static files (hls.js, the player) change only with a new wheel, that is a new image.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.extensions["webcast_redis"] = sessions.client(config)
    app.session_interface = sessions.RedisSessionInterface(
        app.extensions["webcast_redis"], config.session_ttl_s
    )

    from . import rtmp, web

    app.register_blueprint(web.blueprint)
    app.register_blueprint(rtmp.blueprint)

    @app.teardown_appcontext
    def give_back_database(_: BaseException | None) -> None:
        connection = g.pop("db", None)
        if connection is not None:
            db.give_back(config, connection)

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

    _log_to_stderr()
    return app


def _log_to_stderr() -> None:
    """The app's own log lines (refused stream keys, unsent mail) on stderr, which the service
    manager's journal keeps; once per process, however many apps it creates."""
    logger = logging.getLogger(__name__)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
