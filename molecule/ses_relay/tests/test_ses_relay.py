"""The SES relay, observed in the converged container with an SMTP sink standing in for SES.

The sink (tools/dataplane/smtp_sink.py, installed by prepare.yml) requires STARTTLS and AUTH, like SES's SMTP
interface, and records each message with whether it came encrypted and who authenticated. The tests
write what the bootstrap writes at boot (relay.env and the SASL map) and run in file order: first
without them (postfix must not start), then with them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "molecule/resources"))
from playbook_run import assert_check_mode_reports_no_change  # noqa: E402  (molecule/resources is not a package)

SCENARIO = Path(__file__).resolve().parents[1]
HEADER = "# Managed by Ansible (role ses_relay): local changes are overwritten"
POSTFIX = "postfix@-.service"
SINK = "/opt/smtp-sink/smtp_sink.py"
MESSAGES = "/opt/smtp-sink/messages.jsonl"
LOGIN = "AKIAEXAMPLESMTPUSER"
PASSWORD = "BExampleSesSmtpPassword0123456789"
DOMAIN = "molecule.webcast.test"
SEND = """python3 - <<'EOT'
import smtplib
message = "From: {sender}\\r\\nTo: {rcpt}\\r\\nSubject: {subject}\\r\\n\\r\\nhello\\r\\n"
with smtplib.SMTP("127.0.0.1", 25) as smtp:
    smtp.sendmail("{sender}", ["{rcpt}"], message)
EOT"""


@pytest.fixture(scope="module")
def defaults() -> dict:
    return yaml.safe_load((ROOT / "roles/ses_relay/defaults/main.yml").read_text())


def restart_postfix(host):
    host.run(f"systemctl reset-failed {POSTFIX}")
    return host.run(f"systemctl restart {POSTFIX}")


def start_sink(host, *extra: str) -> None:
    host.run(f"systemctl stop smtp-sink.service; systemctl reset-failed smtp-sink.service; rm -f {MESSAGES}")
    host.check_output(
        f"systemd-run --unit=smtp-sink {SINK} --login {LOGIN} --password {PASSWORD} {' '.join(extra)}"
    )
    for _ in range(50):
        if host.run("ss -Hltn 'sport = :587' | grep -q 587").rc == 0:
            return
        time.sleep(0.1)
    pytest.fail("the SMTP sink did not start listening on 127.0.0.1:587")


def send(host, sender: str, rcpt: str, subject: str) -> None:
    host.check_output(SEND.format(sender=sender, rcpt=rcpt, subject=subject))


def received(host, subject: str, timeout_s: float = 20) -> dict | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if host.file(MESSAGES).exists:
            for line in host.file(MESSAGES).content_string.splitlines():
                record = json.loads(line)
                if f"Subject: {subject}\r\n" in record["content"]:
                    return record
        time.sleep(0.25)
    return None


def test_managed_files_say_ansible_overwrites_them(host):
    files = ["/etc/postfix/main.cf", f"/etc/systemd/system/{POSTFIX}.d/50-webcast-relay.conf"]
    first_lines = {path: host.file(path).content_string.partition("\n")[0] for path in files}
    first_lines["relay-configure"] = host.file(
        "/usr/local/libexec/webcast/relay-configure"
    ).content_string.split("\n")[1]
    wrong = {path: line for path, line in first_lines.items() if line != HEADER}
    assert not wrong, f"lines without the header: {wrong}"


def test_postfix_check_finds_nothing_wrong(host):
    result = host.run("postfix check")
    unknown = host.run("postconf -n 2>&1 >/dev/null")
    assert result.rc == 0 and not result.stderr.strip(), result.stderr
    assert not unknown.stdout.strip(), f"postconf warns: {unknown.stdout}"


def test_postfix_starts_at_boot(host):
    enabled = host.run("systemctl is-enabled postfix.service").stdout.strip()
    assert enabled == "enabled", f"postfix is {enabled} at boot"


def test_without_relay_env_postfix_does_not_start_and_says_why(host):
    host.run("rm -f /etc/webcast/relay.env /etc/postfix/sasl_passwd /etc/postfix/sasl_passwd.db")
    result = restart_postfix(host)
    journal = host.check_output(f"journalctl -u {POSTFIX} -o cat --no-pager -n 10")
    assert result.rc != 0
    assert (
        "/etc/webcast/relay.env is missing: the bootstrap has not written the runtime configuration"
        in journal
    )


def test_without_credentials_for_the_relay_host_postfix_does_not_start(host):
    host.run(
        'mkdir -p /etc/webcast && printf \'RELAY_HOST="127.0.0.1"\\nRELAY_PORT="587"\\n'
        f'RELAY_SENDER_DOMAIN="{DOMAIN}"\\n\' > /etc/webcast/relay.env'
    )
    host.run(
        "install -m 0600 /dev/null /etc/postfix/sasl_passwd && "
        "echo '[other]:587 a:b' > /etc/postfix/sasl_passwd"
    )
    result = restart_postfix(host)
    journal = host.check_output(f"journalctl -u {POSTFIX} -o cat --no-pager -n 10")
    assert result.rc != 0
    assert "/etc/postfix/sasl_passwd has no credentials for [127.0.0.1]:587" in journal


def test_with_the_runtime_configuration_postfix_starts(host):
    # As the bootstrap writes it (without postmap: the relay's start step hashes it).
    host.run(f"echo '[127.0.0.1]:587 {LOGIN}:{PASSWORD}' > /etc/postfix/sasl_passwd")
    result = restart_postfix(host)
    assert result.rc == 0, host.check_output(f"journalctl -u {POSTFIX} -o cat --no-pager -n 10")
    assert host.file("/etc/postfix/sasl_passwd.db").mode == 0o600


def test_postfix_listens_on_127_0_0_1_port_25_only(host):
    smtp = sorted(line.split()[3] for line in host.check_output("ss -Hltn 'sport = :25'").splitlines())
    assert smtp == ["127.0.0.1:25"], f"SMTP listeners: {smtp}"
    assert host.check_output("postconf -h inet_interfaces inet_protocols").split() == [
        "loopback-only",
        "ipv4",
    ]


def test_a_message_arrives_over_starttls_with_auth_from_the_verified_domain(host):
    start_sink(host)
    send(host, "app@web-1.internal", "viewer@example.com", "relayed")
    record = received(host, "relayed")
    assert record, "the message did not reach the SMTP sink: " + host.check_output("postqueue -p")
    found = {k: record[k] for k in ("mail_from", "rcpt_tos", "tls", "authenticated", "login")}
    assert found == {
        "mail_from": f"app@{DOMAIN}",
        "rcpt_tos": ["viewer@example.com"],
        "tls": True,
        "authenticated": True,
        "login": LOGIN,
    }
    assert f"\r\nFrom: app@{DOMAIN}\r\n" in record["content"], record["content"]


def test_unqualified_local_senders_are_rewritten_to_the_verified_domain(host):
    start_sink(host)
    send(host, "root", "viewer@example.com", "from-root")
    record = received(host, "from-root")
    assert record and record["mail_from"] == f"root@{DOMAIN}", record


def test_nothing_is_delivered_locally(host):
    # Mail to a local user leaves for the relay like any other; no mailbox gets it.
    start_sink(host)
    send(host, "app", "root@localhost", "to-root")
    record = received(host, "to-root")
    assert record and record["rcpt_tos"] == ["root@localhost"], record
    assert not host.file("/var/mail/root").exists


def test_without_starttls_nothing_is_sent_in_clear(host):
    start_sink(host, "--no-tls")
    send(host, "app", "viewer@example.com", "no-tls")
    assert received(host, "no-tls", timeout_s=5) is None, "a message was sent without TLS"
    queue = [json.loads(line) for line in host.check_output("postqueue -j").splitlines()]
    reasons = [r.get("delay_reason", "") for q in queue for r in q["recipients"]]
    assert any("TLS is required, but was not offered" in reason for reason in reasons), reasons
    host.run("postsuper -d ALL")


def test_queue_and_retry_follow_the_relay_settings(host, defaults):
    names = {
        "maximal_queue_lifetime": "ses_relay_maximal_queue_lifetime",
        "bounce_queue_lifetime": "ses_relay_bounce_queue_lifetime",
        "minimal_backoff_time": "ses_relay_minimal_backoff_time",
        "maximal_backoff_time": "ses_relay_maximal_backoff_time",
        "queue_run_delay": "ses_relay_queue_run_delay",
        "smtp_tls_security_level": "ses_relay_tls_security_level",
    }
    found = {p: host.check_output(f"postconf -h {p}") for p in names}
    assert found == {p: str(defaults[d]) for p, d in names.items()}


def test_check_mode_on_the_converged_host_reports_no_change():
    assert_check_mode_reports_no_change(SCENARIO)
