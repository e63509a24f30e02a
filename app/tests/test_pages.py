"""The pages: list, schedule, event page and player, recordings under the CDN's /vod/, transcripts."""

import re
from datetime import timedelta

import pytest

from webcast_app import store

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the keynote.\n"


@pytest.fixture
def recorded(database, config, add_webcast) -> dict:
    """A past webcast with one recording and its transcript on the media mount."""
    webcast = add_webcast("launch", starts_in=-timedelta(days=3), title="The launch")
    (config.media_root / "transcripts").mkdir()
    (config.media_root / "transcripts" / "launch.vtt").write_text(VTT)
    recording_id = store.add_recording(
        database,
        webcast["id"],
        title="The launch, in full",
        vod_path="launch/index.m3u8",
        transcript_path="transcripts/launch.vtt",
        transcript_lang="en",
        duration_s=3600,
    )
    return {"webcast": webcast, "recording_id": recording_id}


def test_the_list_shows_upcoming_and_past_webcasts_in_their_sections(client, add_webcast, recorded):
    add_webcast("keynote", title="The keynote")
    page = client.get("/").get_data(as_text=True)
    upcoming, past = page.split("<h1>Upcoming</h1>")[1].split("<h1>Past webcasts</h1>")
    assert "The keynote" in upcoming and "The launch" not in upcoming
    assert "The launch" in past and "1 recording" in past


def test_the_schedule_lists_webcasts_not_yet_ended_by_day(client, add_webcast, recorded):
    add_webcast("day-two", starts_in=timedelta(days=2), title="Day two")
    add_webcast("day-one", starts_in=timedelta(days=1), title="Day one")
    page = client.get("/schedule").get_data(as_text=True)
    assert page.index("Day one") < page.index("Day two")
    assert len(re.findall(r"<h2>", page)) == 2
    assert "The launch" not in page


def test_the_event_page_plays_the_live_stream_with_hls_js_served_by_the_app(client, add_webcast):
    add_webcast("now", starts_in=-timedelta(minutes=5))
    page = client.get("/webcasts/now").get_data(as_text=True)
    assert '<script src="/static/hls.min.js"></script>' in page
    assert '<script src="/static/player.js"></script>' in page
    assert 'data-src="https://cdn.example.org/hls/now.m3u8"' in page
    assert "//cdn.jsdelivr" not in page and "unpkg" not in page


def test_an_upcoming_event_page_has_no_player_yet(client, add_webcast):
    add_webcast("keynote")
    assert "<video" not in client.get("/webcasts/keynote").get_data(as_text=True)


def test_an_unknown_webcast_is_404(client):
    assert client.get("/webcasts/nothing").status_code == 404


def test_a_recording_plays_from_the_cdn_vod_path_with_its_transcript_as_captions(client, recorded):
    page = client.get(f"/webcasts/launch/recordings/{recorded['recording_id']}").get_data(as_text=True)
    assert 'data-src="https://cdn.example.org/vod/launch/index.m3u8"' in page
    assert f'src="/recordings/{recorded["recording_id"]}/transcript.vtt"' in page
    assert 'kind="captions"' in page and 'srclang="en"' in page


def test_a_recording_of_another_webcast_is_404(client, add_webcast, recorded):
    add_webcast("keynote")
    assert client.get(f"/webcasts/keynote/recordings/{recorded['recording_id']}").status_code == 404


def test_a_transcript_is_served_as_webvtt(client, recorded):
    response = client.get(f"/recordings/{recorded['recording_id']}/transcript.vtt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert response.get_data(as_text=True) == VTT


def test_a_missing_transcript_file_is_404(client, config, recorded):
    (config.media_root / "transcripts" / "launch.vtt").unlink()
    assert client.get(f"/recordings/{recorded['recording_id']}/transcript.vtt").status_code == 404


def test_a_transcript_path_cannot_leave_the_media_root(client, database, config, recorded):
    (config.media_root.parent / "secret.vtt").write_text("WEBVTT\n\nsecret")
    with database.cursor() as cursor:
        cursor.execute("UPDATE recordings SET transcript_path = '../secret.vtt'")
    assert client.get(f"/recordings/{recorded['recording_id']}/transcript.vtt").status_code == 404
    with pytest.raises(ValueError):
        store.add_recording(
            database,
            recorded["webcast"]["id"],
            title="x",
            vod_path="../x.m3u8",
            transcript_path=None,
            transcript_lang="en",
            duration_s=None,
        )


def test_pages_carry_a_content_security_policy_that_allows_the_cdn_only(client, add_webcast):
    add_webcast("keynote")
    policy = client.get("/webcasts/keynote").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "media-src 'self' blob: https://cdn.example.org" in policy
    assert "connect-src 'self' https://cdn.example.org" in policy


def test_the_player_script_is_served_by_the_app(client):
    response = client.get("/static/player.js")
    assert response.status_code == 200
    assert "Hls.isSupported()" in response.get_data(as_text=True)
    response.close()


def test_pages_for_everyone_are_briefly_cacheable_and_session_pages_never(client, add_webcast, recorded):
    add_webcast("keynote")
    for path in ("/", "/schedule", f"/webcasts/launch/recordings/{recorded['recording_id']}"):
        assert client.get(path).headers["Cache-Control"] == "public, max-age=30", path
    assert client.get("/webcasts/keynote").headers["Cache-Control"] == "private, no-store"
