"""The stream-key check nginx-rtmp calls before it accepts a publisher (on_publish, on_publish_done).

nginx-rtmp sends the publish's `app` and `name` (the name is the encoder's stream key) as a form,
POST by default or GET with `notify_method get`. Its reading of the answer: 2xx allows, 3xx allows
and renames the stream to the Location header's value, anything else refuses. A valid key is
answered 302 to the webcast's slug, so HLS is written as `<slug>.m3u8` and the key, a publishing
credential, never appears in a URL that viewers see. Unknown or revoked keys, or another RTMP
application, get 403.

Only nginx on the instance calls these routes (127.0.0.1:8000); the HTTP front end must not proxy
/rtmp/ from outside.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from . import store
from .web import config, database

blueprint = Blueprint("rtmp", __name__, url_prefix="/rtmp")
log = logging.getLogger(__name__)


def _arguments() -> tuple[str, str, str]:
    values = request.values
    return values.get("app", ""), values.get("name", ""), values.get("addr", "")


def _checked(call: str) -> tuple[dict | None, Response | None]:
    """The webcast of the posted key, or the 403 that refuses the call (another application, or an
    unknown or revoked key)."""
    app, key, addr = _arguments()
    if app != config().rtmp_app:
        log.warning("%s refused: application %r from %s", call, app, addr)
        return None, Response("unknown application\n", status=403, mimetype="text/plain")
    webcast = store.webcast_for_key(database(), key) if key else None
    if webcast is None:
        log.warning("%s refused: unknown or revoked stream key from %s", call, addr)
        return None, Response("unknown or revoked stream key\n", status=403, mimetype="text/plain")
    log.info("%s accepted for %s from %s", call, webcast["slug"], addr)
    return webcast, None


@blueprint.route("/on_publish", methods=["GET", "POST"])
def on_publish() -> Response:
    webcast, refused = _checked("publish")
    if webcast is None:
        return refused
    store.set_live(database(), webcast["id"], True)
    response = Response(status=302, mimetype="text/plain")
    # Relative on purpose: nginx-rtmp takes the Location value as the new stream name.
    response.headers["Location"] = webcast["slug"]
    return response


@blueprint.route("/on_publish_done", methods=["GET", "POST"])
def on_publish_done() -> Response:
    """The publisher left: the webcast is no longer live.

    nginx-rtmp posts the name the encoder published (the key), not the one the 3xx gave the stream,
    and the key is checked as on_publish checks it: a slug or an unknown key ends nothing, so that
    nobody who merely knows a webcast's public name can take it off the air.
    """
    webcast, refused = _checked("publish_done")
    if webcast is None:
        return refused
    store.set_live(database(), webcast["id"], False)
    return Response(status=204)
