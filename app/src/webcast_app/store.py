"""The queries: webcasts, stream keys, registrations and recordings. Every time is UTC."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import pymysql

Connection = pymysql.connections.Connection
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
KEY_PREFIX = "wk_"


def _one(connection: Connection, sql: str, args: tuple = ()) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchone()


def _all(connection: Connection, sql: str, args: tuple = ()) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def _with_end(row: dict | None) -> dict | None:
    if row is not None:
        row["ends_at"] = row["starts_at"] + timedelta(minutes=row["duration_min"])
    return row


# Webcasts


def add_webcast(
    connection: Connection, *, slug: str, title: str, starts_at: datetime, duration_min: int, description: str
) -> int:
    if not SLUG.match(slug):
        raise ValueError(f"slug {slug!r}: lower-case letters, digits and hyphens, at most 100")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO webcasts (slug, title, description, starts_at, duration_min) "
            "VALUES (%s, %s, %s, %s, %s)",
            (slug, title, description, starts_at, duration_min),
        )
        connection.commit()
        return cursor.lastrowid


def webcast(connection: Connection, slug: str) -> dict | None:
    return _with_end(_one(connection, "SELECT * FROM webcasts WHERE slug = %s", (slug,)))


def webcasts(connection: Connection) -> list[dict]:
    """Every webcast with its recording count, by start time."""
    rows = _all(
        connection,
        "SELECT w.*, COUNT(r.id) AS recording_count FROM webcasts w "
        "LEFT JOIN recordings r ON r.webcast_id = w.id GROUP BY w.id ORDER BY w.starts_at",
    )
    return [_with_end(row) for row in rows]


def upcoming(connection: Connection, now: datetime) -> list[dict]:
    """Webcasts not yet ended, by start time: the schedule."""
    rows = _all(
        connection,
        "SELECT * FROM webcasts "
        "WHERE starts_at + INTERVAL duration_min MINUTE > %s OR live_since IS NOT NULL "
        "ORDER BY starts_at",
        (now,),
    )
    return [_with_end(row) for row in rows]


def set_live(connection: Connection, webcast_id: int, live: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE webcasts SET live_since = IF(%s, COALESCE(live_since, UTC_TIMESTAMP()), NULL) "
            "WHERE id = %s",
            (live, webcast_id),
        )
    connection.commit()


# Stream keys: only their SHA-256 is stored; the key is shown once, when issued.


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(connection: Connection, webcast_id: int) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO stream_keys (webcast_id, key_sha256) VALUES (%s, %s)", (webcast_id, _digest(key))
        )
    connection.commit()
    return key


def revoke_key(connection: Connection, key: str) -> bool:
    """Revoke one key; False when no such key was active."""
    with connection.cursor() as cursor:
        count = cursor.execute(
            "UPDATE stream_keys SET revoked_at = UTC_TIMESTAMP() "
            "WHERE key_sha256 = %s AND revoked_at IS NULL",
            (_digest(key),),
        )
    connection.commit()
    return count == 1


def webcast_for_key(connection: Connection, key: str) -> dict | None:
    """The webcast an active (issued, not revoked) key publishes, or None."""
    return _with_end(
        _one(
            connection,
            "SELECT w.* FROM stream_keys k JOIN webcasts w ON w.id = k.webcast_id "
            "WHERE k.key_sha256 = %s AND k.revoked_at IS NULL",
            (_digest(key),),
        )
    )


# Registrations


def register(
    connection: Connection, webcast_id: int, *, name: str, email: str, organisation: str
) -> int | None:
    """The new registration's id, or None when this address is already registered for the webcast."""
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                "INSERT INTO registrations (webcast_id, name, email, organisation) VALUES (%s, %s, %s, %s)",
                (webcast_id, name, email, organisation),
            )
        except pymysql.err.IntegrityError:
            connection.rollback()
            return None
    connection.commit()
    return cursor.lastrowid


def confirmation_sent(connection: Connection, registration_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registrations SET confirmation_sent_at = UTC_TIMESTAMP() WHERE id = %s",
            (registration_id,),
        )
    connection.commit()


# Recordings


def add_recording(
    connection: Connection,
    webcast_id: int,
    *,
    title: str,
    vod_path: str,
    transcript_path: str | None,
    transcript_lang: str,
    duration_s: int | None,
) -> int:
    for value in (vod_path, transcript_path or ""):
        if value.startswith("/") or ".." in value.split("/"):
            raise ValueError(f"{value!r}: a relative path without '..'")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO recordings "
            "(webcast_id, title, vod_path, transcript_path, transcript_lang, duration_s) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (webcast_id, title, vod_path, transcript_path, transcript_lang, duration_s),
        )
    connection.commit()
    return cursor.lastrowid


def recordings(connection: Connection, webcast_id: int) -> list[dict]:
    return _all(
        connection, "SELECT * FROM recordings WHERE webcast_id = %s ORDER BY published_at, id", (webcast_id,)
    )


def recording(connection: Connection, recording_id: int) -> dict | None:
    return _one(connection, "SELECT * FROM recordings WHERE id = %s", (recording_id,))
