#!/usr/bin/python3
"""An SMTP server standing in for SES's SMTP interface: the relay's test, and the local data plane.

It requires STARTTLS before anything else and AUTH (PLAIN or LOGIN) with the one login and
password it is given, and appends each message it accepts to a JSON lines file with what the test
checks: the envelope, whether the session was encrypted, who authenticated. With --no-tls it offers
no STARTTLS (and then no AUTH), to show the relay refuses to send in clear.
"""

from __future__ import annotations

import argparse
import json
import signal
import ssl
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "login": login,
            "content": envelope.content.decode("utf8", errors="replace"),
        }
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")
        return "250 2.0.0 Ok: queued"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=587)
    parser.add_argument("--login", help="the one login accepted (or --credentials)")
    parser.add_argument("--password", help="its password (or --credentials)")
    parser.add_argument(
        "--credentials", type=Path, help="a JSON file with username and password (a secret kept out of argv)"
    )
    parser.add_argument("--messages", type=Path, default=Path("/opt/smtp-sink/messages.jsonl"))
    parser.add_argument("--cert", default="/opt/smtp-sink/cert.pem")
    parser.add_argument("--key", default="/opt/smtp-sink/key.pem")
    parser.add_argument("--no-tls", action="store_true")
    args = parser.parse_args()
    if args.credentials:
        document = json.loads(args.credentials.read_text())
        args.login, args.password = document["username"], document["password"]
    if not (args.login and args.password):
        parser.error("give --login and --password, or --credentials")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == args.login.encode()
            and auth_data.password == args.password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    tls = {}
    if not args.no_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        tls = {"tls_context": context, "require_starttls": True}
    controller = Controller(
        Recorder(args.messages),
        hostname=args.host,
        port=args.port,
        server_hostname="sink.test",
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=not args.no_tls,
        **tls,
    )
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
