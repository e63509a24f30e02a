"""Sessions live in Redis: any instance behind the load balancer sees them; the cookie holds an id only."""

from datetime import timedelta

from test_registration import register

from webcast_app import create_app
from webcast_app.sessions import COOKIE_NAME, KEY_PREFIX


def session_id(client) -> str:
    return client.get_cookie(COOKIE_NAME).value


def test_a_session_survives_across_requests_and_app_instances(config, client, redis_server, add_webcast):
    add_webcast("keynote")
    assert register(client).status_code == 303
    sid = session_id(client)

    # Another instance (another process, another server) with the same cookie: the same session.
    other = create_app(config).test_client()
    other.set_cookie(COOKIE_NAME, sid, domain="localhost")
    page = other.get("/webcasts/keynote").get_data(as_text=True)
    assert "You are registered as Ada Lovelace" in page

    stored = redis_server["client"].get(KEY_PREFIX + sid)
    assert '"registered": {"keynote": "Ada Lovelace"}' in stored
    assert 0 < redis_server["client"].ttl(KEY_PREFIX + sid) <= config.session_ttl_s


def test_a_session_is_gone_when_redis_forgets_it(client, redis_server, add_webcast):
    add_webcast("keynote")
    register(client)
    redis_server["client"].delete(KEY_PREFIX + session_id(client))
    assert "You are registered" not in client.get("/webcasts/keynote").get_data(as_text=True)


def test_the_session_cookie_is_an_opaque_id_with_safe_flags(client, add_webcast):
    add_webcast("keynote")
    response = client.get("/webcasts/keynote")
    cookie = response.headers["Set-Cookie"]
    sid = session_id(client)
    assert len(sid) >= 43  # 32 random bytes, URL-safe base64
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # WEBCAST_PUBLIC_URL is https
    assert response.headers["Cache-Control"] == "private, no-store"


def test_an_unknown_session_id_starts_a_new_session(client, add_webcast):
    add_webcast("keynote")
    client.set_cookie(COOKIE_NAME, "made-up", domain="localhost")
    assert client.get("/webcasts/keynote").status_code == 200
    assert session_id(client) != "made-up"


def test_pages_that_need_no_session_set_no_cookie(client, add_webcast):
    add_webcast("keynote")
    assert "Set-Cookie" not in client.get("/").headers
    assert "Set-Cookie" not in client.get("/schedule").headers


def test_sessions_expire_after_the_configured_time(replace, redis_server, add_webcast):
    add_webcast("keynote")
    client = create_app(replace(session_ttl_s=int(timedelta(minutes=5).total_seconds()))).test_client()
    client.get("/webcasts/keynote")
    assert 0 < redis_server["client"].ttl(KEY_PREFIX + session_id(client)) <= 300


def test_with_redis_down_pages_health_and_the_key_check_still_answer(replace, client, add_webcast, database):
    from conftest import free_port
    from test_rtmp import publish

    from webcast_app import store

    webcast = add_webcast("keynote")
    key = store.issue_key(database, webcast["id"])
    client.get("/webcasts/keynote")  # the visitor has a session cookie
    down = create_app(replace(redis_port=free_port())).test_client()
    down.set_cookie(COOKIE_NAME, session_id(client), domain="localhost")
    assert down.get("/").status_code == 200
    assert down.get("/webcasts/keynote").status_code == 200
    health = down.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["redis"]["state"] == "failing"
    assert publish(down, key).status_code == 302
