"""The pages: webcasts, schedule, event page with its player and registration, recordings, transcripts."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import smtplib
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

import pymysql
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from . import __version__, db, health, mail, store
from .config import Config

blueprint = Blueprint("web", __name__)
log = logging.getLogger(__name__)
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z]{2,63}\Z")


def config() -> Config:
    return current_app.config["WEBCAST"]


def database() -> pymysql.connections.Connection:
    """This request's connection (db.borrow), given back when the request ends."""
    if "db" not in g:
        g.db = db.borrow(config())
    return g.db


def now() -> datetime:
    """The current time as the database stores it: UTC, naive."""
    return datetime.now(UTC).replace(tzinfo=None)


def live_url(webcast: dict) -> str:
    return config().cdn_url + config().live_path.format(stream=webcast["slug"])


def vod_url(recording: dict) -> str:
    return f"{config().cdn_url}/vod/{recording['vod_path']}"


def csrf_token() -> str:
    """The session's token for forms: a registration is only accepted from this site's own page."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def private(response: Response) -> Response:
    """Pages that depend on the visitor's session must never be cached by the CDN."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def shared(page: str) -> Response:
    """Pages the same for everyone: the CDN may keep them briefly (a webcast going live shows soon)."""
    response = Response(page)
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


@blueprint.app_context_processor
def helpers() -> dict:
    return {"live_url": live_url, "vod_url": vod_url, "version": __version__, "now": now}


@blueprint.get("/")
def index():
    rows = store.webcasts(database())
    current = now()
    return shared(
        render_template(
            "index.html",
            live=[w for w in rows if w["live_since"]],
            upcoming=[w for w in rows if not w["live_since"] and w["ends_at"] > current],
            past=[w for w in rows if not w["live_since"] and w["ends_at"] <= current],
        )
    )


@blueprint.get("/schedule")
def schedule():
    rows = store.upcoming(database(), now())
    days = [(day, list(items)) for day, items in groupby(rows, key=lambda w: w["starts_at"].date())]
    return shared(render_template("schedule.html", days=days))


@blueprint.get("/webcasts/<slug>")
def event(slug: str):
    webcast = store.webcast(database(), slug) or abort(404)
    registered = session.get("registered", {}).get(slug)
    notice = session.pop("notice", None)
    response = Response(
        render_template(
            "event.html",
            webcast=webcast,
            recordings=store.recordings(database(), webcast["id"]),
            registered=registered,
            notice=notice,
            csrf=csrf_token(),
            open_for_registration=webcast["ends_at"] > now(),
            form={},
            errors={},
        )
    )
    return private(response)


@blueprint.post("/webcasts/<slug>/register")
def register(slug: str):
    connection = database()
    webcast = store.webcast(connection, slug) or abort(404)
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "This form has expired: reload the page and try again.")
    form = {key: request.form.get(key, "").strip() for key in ("name", "email", "organisation")}
    errors = {}
    if not 1 <= len(form["name"]) <= 200:
        errors["name"] = "Please give your name (at most 200 characters)."
    if len(form["email"]) > 254 or not EMAIL.match(form["email"]):
        errors["email"] = "Please give a valid email address."
    if len(form["organisation"]) > 200:
        errors["organisation"] = "At most 200 characters."
    if webcast["ends_at"] <= now():
        errors["webcast"] = "This webcast has ended."
    if errors:
        page = render_template(
            "event.html",
            webcast=webcast,
            recordings=store.recordings(connection, webcast["id"]),
            registered=None,
            notice=None,
            csrf=csrf_token(),
            open_for_registration=webcast["ends_at"] > now(),
            form=form,
            errors=errors,
        )
        return private(Response(page, status=422))

    registration_id = store.register(connection, webcast["id"], **form)
    if registration_id is None:
        session["notice"] = f"{form['email']} is already registered for this webcast."
    else:
        event_url = config().public_url + url_for("web.event", slug=slug)
        message = mail.confirmation(
            config(), name=form["name"], email=form["email"], webcast=webcast, event_url=event_url
        )
        try:
            mail.send(config(), message)
        except (OSError, smtplib.SMTPException) as error:
            # The registration stands; the confirmation can be sent again from the table
            # (confirmation_sent_at is NULL), so the attendee is not asked to register twice.
            log.error("confirmation mail for registration %s not sent: %s", registration_id, error)
            session["notice"] = "You are registered. The confirmation email could not be sent yet."
        else:
            store.confirmation_sent(connection, registration_id)
            session["notice"] = f"You are registered. A confirmation was sent to {form['email']}."
    registered = dict(session.get("registered", {}))
    registered[slug] = form["name"]
    session["registered"] = registered
    return private(redirect(url_for("web.event", slug=slug), code=303))


@blueprint.get("/webcasts/<slug>/recordings/<int:recording_id>")
def recording(slug: str, recording_id: int):
    webcast = store.webcast(database(), slug) or abort(404)
    item = store.recording(database(), recording_id)
    if item is None or item["webcast_id"] != webcast["id"]:
        abort(404)
    return shared(render_template("recording.html", webcast=webcast, recording=item))


@blueprint.get("/recordings/<int:recording_id>/transcript.vtt")
def transcript(recording_id: int):
    item = store.recording(database(), recording_id)
    if item is None or not item["transcript_path"]:
        abort(404)
    root = config().media_root.resolve()
    path = (root / item["transcript_path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    response = send_file(Path(path), mimetype="text/vtt", max_age=300)
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    return response


@blueprint.get("/healthz")
def healthz():
    healthy, body = health.report(config(), current_app.extensions["webcast_redis"])
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
