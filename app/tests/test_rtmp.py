"""The stream-key check nginx-rtmp's on_publish calls: issued keys publish, others are refused."""

import pytest

from webcast_app import store


@pytest.fixture
def key(database, add_webcast) -> str:
    return store.issue_key(database, add_webcast("keynote")["id"])


def publish(client, name: str, app: str = "live", method: str = "post"):
    # The form nginx-rtmp sends (notify_method post, its default).
    form = {"call": "publish", "app": app, "name": name, "type": "live", "addr": "203.0.113.7"}
    if method == "get":
        return client.get("/rtmp/on_publish", query_string=form)
    return client.post("/rtmp/on_publish", data=form)


def test_an_issued_key_may_publish_and_the_stream_is_renamed_to_the_slug(client, database, key):
    response = publish(client, key)
    assert 200 <= response.status_code < 400
    # nginx-rtmp: a 3xx allows the publisher and renames the stream to Location.
    assert (response.status_code, response.headers["Location"]) == (302, "keynote")
    assert store.webcast(database, "keynote")["live_since"] is not None


def test_the_check_also_answers_notify_method_get(client, key):
    assert publish(client, key, method="get").status_code == 302
    assert publish(client, "wk_unknown", method="get").status_code == 403


def test_an_unknown_key_is_refused(client, database, key):
    assert publish(client, "wk_" + "x" * 32).status_code == 403
    assert publish(client, key + "x").status_code == 403
    assert store.webcast(database, "keynote")["live_since"] is None


def test_an_empty_or_missing_key_is_refused(client, key):
    assert publish(client, "").status_code == 403
    assert client.post("/rtmp/on_publish", data={"app": "live"}).status_code == 403


def test_a_revoked_key_is_refused(client, database, key):
    assert publish(client, key).status_code == 302
    assert store.revoke_key(database, key) is True
    assert publish(client, key).status_code == 403
    assert store.revoke_key(database, key) is False


def test_revoking_one_key_leaves_the_webcasts_other_key_valid(client, database, key):
    second = store.issue_key(database, store.webcast(database, "keynote")["id"])
    store.revoke_key(database, key)
    assert publish(client, second).status_code == 302


def test_a_key_publishing_to_another_application_is_refused(client, key):
    assert publish(client, key, app="other").status_code == 403


def test_the_slug_is_not_a_key(client, key):
    assert publish(client, "keynote").status_code == 403


def test_only_the_keys_digest_is_stored(database, key):
    with database.cursor() as cursor:
        cursor.execute("SELECT key_sha256 FROM stream_keys")
        [row] = cursor.fetchall()
    assert key not in row["key_sha256"]
    assert len(row["key_sha256"]) == 64


def publish_done(client, name: str, app: str = "live"):
    # What nginx-rtmp's on_publish_done posts: the name the encoder published, the key.
    form = {"call": "publish_done", "app": app, "name": name, "addr": "203.0.113.7"}
    return client.post("/rtmp/on_publish_done", data=form)


def test_publish_done_with_the_key_ends_the_live_state(client, database, key):
    publish(client, key)
    assert publish_done(client, key).status_code == 204
    assert store.webcast(database, "keynote")["live_since"] is None


def test_publish_done_with_the_slug_alone_ends_nothing(client, database, key):
    # The slug is public: whoever knows it must not take the webcast off the air.
    publish(client, key)
    assert publish_done(client, "keynote").status_code == 403
    assert store.webcast(database, "keynote")["live_since"] is not None


def test_publish_done_with_an_unknown_key_or_application_ends_nothing(client, database, key):
    publish(client, key)
    assert publish_done(client, key + "x").status_code == 403
    assert publish_done(client, "").status_code == 403
    assert publish_done(client, key, app="other").status_code == 403
    assert store.webcast(database, "keynote")["live_since"] is not None


def test_a_live_webcast_shows_its_player_with_the_public_stream_name(client, key):
    publish(client, key)
    page = client.get("/webcasts/keynote").get_data(as_text=True)
    assert 'data-src="https://cdn.example.org/hls/keynote.m3u8"' in page
    assert key not in page
    assert "live" in client.get("/").get_data(as_text=True)
