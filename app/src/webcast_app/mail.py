"""Mail through the local MTA (on an instance: postfix on 127.0.0.1:25, relaying to SES)."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from .config import Config


def confirmation(config: Config, *, name: str, email: str, webcast: dict, event_url: str) -> EmailMessage:
    """The message that confirms a registration."""
    starts: datetime = webcast["starts_at"]
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = email
    message["Subject"] = f"Registration confirmed: {webcast['title']}"
    message["Message-ID"] = make_msgid(domain=config.mail_from.rpartition("@")[2] or None)
    message.set_content(
        f"Hello {name},\n\n"
        f'you are registered for "{webcast["title"]}".\n\n'
        f"It starts on {starts:%A %d %B %Y at %H:%M} UTC and lasts {webcast['duration_min']} minutes.\n"
        f"Watch it here: {event_url}\n\n"
        "You received this message because this address was registered for the webcast.\n"
    )
    return message


def send(config: Config, message: EmailMessage) -> None:
    """Hand the message to the MTA; raises OSError or smtplib.SMTPException when it is refused."""
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.check_timeout_s * 3) as smtp:
        smtp.send_message(message)


def noop(config: Config) -> str:
    """SMTP NOOP: the MTA's answer, or an exception when it does not answer 250."""
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.check_timeout_s) as smtp:
        code, text = smtp.noop()
        if code != 250:
            raise smtplib.SMTPResponseException(code, text)
        return f"{code} {text.decode(errors='replace')}"
