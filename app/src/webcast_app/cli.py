"""`webcast-app`: schema migrations, a health report, and what operators manage (webcasts, stream
keys, recordings). Settings come from the environment, as for the web app."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from datetime import UTC, datetime

from . import __version__, db, health, migrations, sessions, store
from .config import Config, ConfigError


def _migrate(config: Config, args: argparse.Namespace) -> int:
    with closing(db.connect(config)) as connection:
        if args.status:
            waiting = [migration.version for migration in migrations.pending(connection)]
            print(
                f"applied: {sorted(migrations.applied(connection)) or 'none'}; pending: {waiting or 'none'}"
            )
            return 1 if waiting else 0
        done = migrations.migrate(connection)
    for migration in done:
        print(f"applied {migration.version:04d}_{migration.name}")
    if not done:
        print("schema up to date: nothing to apply")
    return 0


def _check(config: Config, args: argparse.Namespace) -> int:
    healthy, body = health.report(config, sessions.client(config))
    print(json.dumps(body, indent=2, default=str))
    return 0 if healthy else 1


def _webcast_id(connection, slug: str) -> int:
    found = store.webcast(connection, slug)
    if found is None:
        raise SystemExit(f"no webcast with slug {slug!r}")
    return found["id"]


def _add_webcast(config: Config, args: argparse.Namespace) -> int:
    fields = {
        name: getattr(args, name) for name in ("slug", "title", "starts_at", "duration_min", "description")
    }
    with closing(db.connect(config)) as connection:
        store.add_webcast(connection, **fields)
    print(f"webcast {args.slug} scheduled for {args.starts_at:%Y-%m-%d %H:%M} UTC")
    return 0


def _issue_key(config: Config, args: argparse.Namespace) -> int:
    with closing(db.connect(config)) as connection:
        key = store.issue_key(connection, _webcast_id(connection, args.slug))
    # The only time the key is shown: only its digest is stored.
    print(key)
    return 0


def _revoke_key(config: Config, args: argparse.Namespace) -> int:
    with closing(db.connect(config)) as connection:
        revoked = store.revoke_key(connection, args.key)
    print("revoked" if revoked else "no active key matched")
    return 0 if revoked else 1


def _add_recording(config: Config, args: argparse.Namespace) -> int:
    with closing(db.connect(config)) as connection:
        recording_id = store.add_recording(
            connection,
            _webcast_id(connection, args.slug),
            title=args.title,
            vod_path=args.vod_path,
            transcript_path=args.transcript,
            transcript_lang=args.lang,
            duration_s=args.duration_s,
        )
    print(f"recording {recording_id} added to {args.slug}")
    return 0


def _utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="webcast-app", description=__doc__)
    top.add_argument("--version", action="version", version=f"webcast-app {__version__}")
    commands = top.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="apply pending schema migrations (idempotent)")
    migrate.add_argument(
        "--status", action="store_true", help="only list applied and pending; exit 1 if pending"
    )
    migrate.set_defaults(run=_migrate)

    check = commands.add_parser("check", help="the /healthz report on stdout; exit 1 unless all is ok")
    check.set_defaults(run=_check)

    webcast = commands.add_parser("add-webcast", help="schedule a webcast")
    webcast.add_argument("slug")
    webcast.add_argument("--title", required=True)
    webcast.add_argument(
        "--starts-at", type=_utc, required=True, help="ISO 8601; UTC unless an offset is given"
    )
    webcast.add_argument("--duration-min", type=int, required=True)
    webcast.add_argument("--description", default="")
    webcast.set_defaults(run=_add_webcast)

    issue = commands.add_parser("issue-key", help="issue a stream key for a webcast; printed once")
    issue.add_argument("slug")
    issue.set_defaults(run=_issue_key)

    revoke = commands.add_parser("revoke-key", help="revoke a stream key")
    revoke.add_argument("key")
    revoke.set_defaults(run=_revoke_key)

    recording = commands.add_parser("add-recording", help="publish a recording of a webcast")
    recording.add_argument("slug")
    recording.add_argument("--title", required=True)
    recording.add_argument("--vod-path", required=True, help="playlist path under the CDN's /vod/")
    recording.add_argument("--transcript", help="WebVTT file, relative to WEBCAST_MEDIA_ROOT")
    recording.add_argument("--lang", default="en", help="the transcript's language (BCP 47)")
    recording.add_argument("--duration-s", type=int)
    recording.set_defaults(run=_add_recording)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as error:
        print(f"webcast-app: {error}", file=sys.stderr)
        return 2
    return args.run(config, args)


if __name__ == "__main__":
    sys.exit(main())
