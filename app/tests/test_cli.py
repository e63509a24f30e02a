"""`webcast-app`: what operators run, from the environment like the app."""

import json

from test_rtmp import publish

from webcast_app import cli, store


def run(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def test_an_operator_schedules_a_webcast_and_its_key_publishes_until_revoked(cli_environment, client, capsys):
    code, out = run(
        capsys, "add-webcast", "keynote", "--title", "Keynote", "--starts-at", "2030-05-01T17:00+02:00",
        "--duration-min", "45",
    )  # fmt: skip
    assert (code, out) == (0, "webcast keynote scheduled for 2030-05-01 15:00 UTC\n")
    assert "Keynote" in client.get("/schedule").get_data(as_text=True)

    code, key = run(capsys, "issue-key", "keynote")
    key = key.strip()
    assert code == 0 and key.startswith("wk_")
    assert publish(client, key).status_code == 302

    assert run(capsys, "revoke-key", key) == (0, "revoked\n")
    assert publish(client, key).status_code == 403
    assert run(capsys, "revoke-key", key) == (1, "no active key matched\n")


def test_an_operator_publishes_a_recording_with_its_transcript(
    cli_environment, database, add_webcast, capsys
):
    webcast = add_webcast("launch")
    code, out = run(
        capsys, "add-recording", "launch", "--title", "In full", "--vod-path", "launch/index.m3u8",
        "--transcript", "transcripts/launch.vtt", "--lang", "fr",
    )  # fmt: skip
    assert code == 0 and out.startswith("recording ")
    [recording] = store.recordings(database, webcast["id"])
    assert (recording["vod_path"], recording["transcript_path"], recording["transcript_lang"]) == (
        "launch/index.m3u8",
        "transcripts/launch.vtt",
        "fr",
    )


def test_check_prints_the_health_report_and_its_verdict(cli_environment, capsys):
    code, out = run(capsys, "check")
    assert code == 0
    assert json.loads(out)["status"] == "ok"
    cli_environment.bootstrap_status.write_text('{"state": "failed"}')
    code, out = run(capsys, "check")
    assert code == 1
    assert json.loads(out)["checks"]["bootstrap"]["state"] == "failing"


def test_a_malformed_setting_is_named(monkeypatch, capsys):
    monkeypatch.setenv("WEBCAST_REDIS_TLS", "maybe")
    assert cli.main(["check"]) == 2
    assert "WEBCAST_REDIS_TLS='maybe': expected true or false" in capsys.readouterr().err
