"""/healthz: 200 only when every dependency is ok; each failing one named with its state."""

import json

import pytest


def health(client):
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_healthz_answers_200_when_every_dependency_is_ok(client):
    status, body = health(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert {name: check["state"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "redis": "ok",
        "media": "ok",
        "mta": "ok",
        "bootstrap": "absent",
    }


def failing_checks(body) -> dict:
    return {name: check for name, check in body["checks"].items() if check["state"] == "failing"}


def health_with(replace, **changes):
    from webcast_app import create_app

    return health(create_app(replace(**changes)).test_client())


def test_healthz_reports_the_database_failing_when_it_does_not_answer(replace):
    from conftest import free_port

    status, body = health_with(replace, db_port=free_port())
    assert status == 503
    assert list(failing_checks(body)) == ["database"], body
    assert "OperationalError" in body["checks"]["database"]["error"]


def test_healthz_reports_the_database_failing_on_a_wrong_password(replace):
    status, body = health_with(replace, db_password="wrong")
    assert status == 503
    assert list(failing_checks(body)) == ["database"], body


def test_healthz_reports_the_database_failing_while_migrations_are_pending(client, database):
    with database.cursor() as cursor:
        cursor.execute("DELETE FROM schema_migrations")
    status, body = health(client)
    assert status == 503
    assert list(failing_checks(body)) == ["database"], body
    assert "migrations pending: [1]" in body["checks"]["database"]["detail"]


def test_healthz_reports_redis_failing_when_it_does_not_answer(replace):
    from conftest import free_port

    status, body = health_with(replace, redis_port=free_port())
    assert status == 503
    assert list(failing_checks(body)) == ["redis"], body


def test_healthz_reports_redis_failing_without_the_auth_token(replace):
    status, body = health_with(replace, redis_token="")
    assert status == 503
    assert list(failing_checks(body)) == ["redis"], body
    assert "AuthenticationError" in body["checks"]["redis"]["error"]


def test_healthz_reports_the_media_mount_failing_when_it_is_missing(replace, tmp_path):
    status, body = health_with(replace, media_root=tmp_path / "not-mounted")
    assert status == 503
    assert list(failing_checks(body)) == ["media"], body
    assert "not a directory" in body["checks"]["media"]["detail"]


def test_healthz_reports_the_media_mount_failing_when_it_is_not_writable(replace, tmp_path):
    # Root writes through mode bits, so the mount is made unwritable the way a full or read-only
    # file system would be seen by the app: a path whose parent is a file.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, body = health_with(replace, media_root=blocker)
    assert status == 503
    assert list(failing_checks(body)) == ["media"], body


def test_healthz_reports_the_mta_failing_when_it_does_not_answer(replace):
    from conftest import free_port

    status, body = health_with(replace, smtp_port=free_port())
    assert status == 503
    assert list(failing_checks(body)) == ["mta"], body
    assert "ConnectionRefusedError" in body["checks"]["mta"]["error"]


def test_healthz_reports_the_mta_ok_with_its_noop_answer(client):
    _, body = health(client)
    assert body["checks"]["mta"]["answer"].startswith("250")


@pytest.mark.parametrize(
    ("content", "healthy"),
    [
        ({"state": "ok", "finished_at": "2026-11-26T06:00:00Z"}, True),
        ({"status": "ok"}, True),
        ({"state": "failed", "step": "mount /srv/media"}, False),
        ({"state": "running"}, False),
        ("not json", False),
        (["ok"], False),
    ],
)
def test_healthz_follows_the_bootstrap_status_file(client, config, content, healthy):
    text = content if isinstance(content, str) else json.dumps(content)
    config.bootstrap_status.write_text(text)
    status, body = health(client)
    expected = (200, "ok") if healthy else (503, "failing")
    assert (status, body["checks"]["bootstrap"]["state"]) == expected, body
    if not healthy:
        assert list(failing_checks(body)) == ["bootstrap"]


def test_healthz_reports_every_failing_dependency_at_once(replace, tmp_path):
    from conftest import free_port

    down = {"db_port": free_port(), "redis_port": free_port(), "smtp_port": free_port()}
    status, body = health_with(replace, media_root=tmp_path / "no", **down)
    assert status == 503
    assert sorted(failing_checks(body)) == ["database", "media", "mta", "redis"]


def test_healthz_is_never_cached(client):
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("dependency", "changes"),
    [
        ("database", {"db_tls": False}),
        ("database", {"db_tls_ca": "other"}),
        ("redis", {"redis_tls": False}),
        ("redis", {"redis_tls_ca": "other"}),
    ],
)
def test_healthz_reports_a_dependency_failing_without_verified_tls(replace, other_ca, dependency, changes):
    # The test servers accept TLS only, with a certificate of the test CA: no TLS, or TLS that does not
    # verify (another CA), must not connect.
    verifying = any(key.endswith("_ca") for key in changes)
    changes = {key: str(other_ca) if key.endswith("_ca") else value for key, value in changes.items()}
    status, body = health_with(replace, **changes)
    assert status == 503
    assert list(failing_checks(body)) == [dependency], body
    if verifying:
        assert "CERTIFICATE_VERIFY_FAILED" in body["checks"][dependency]["error"]
