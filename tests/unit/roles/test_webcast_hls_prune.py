"""The live HLS pruner (roles/media_server/files/webcast-hls-prune.py) on a directory of its own.

Two instances write into one shared directory (EFS): what one stops writing must not take what the
other is writing with it. The pruner deletes by age and by use, never a segment a playlist lists.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROGRAM = ROOT / "roles/media_server/files/webcast-hls-prune.py"
MAX_AGE_S = 60
PLAYLIST_MAX_AGE_S = 3600


@pytest.fixture(scope="module")
def prune():
    spec = importlib.util.spec_from_file_location("webcast_hls_prune", PROGRAM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(directory: Path, name: str, age_s: float, text: str = "") -> Path:
    path = directory / name
    path.write_text(text)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def playlist(*segments: str) -> str:
    return "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n" + "".join(f"#EXTINF:2.0,\n{s}\n" for s in segments)


def run(prune, directory: Path) -> set[str]:
    ages = [f"--max-age-s={MAX_AGE_S}", f"--playlist-max-age-s={PLAYLIST_MAX_AGE_S}"]
    assert prune.main([str(directory), *ages]) == 0
    return {p.name for p in directory.iterdir()}


def test_a_segment_another_instance_s_playlist_lists_stays_however_old(prune, tmp_path):
    # B writes the stream A stopped publishing: B's playlist still lists a segment A wrote long ago.
    write(tmp_path, "keynote.m3u8", 1, playlist("keynote-7.ts", "keynote-8.ts"))
    write(tmp_path, "keynote-7.ts", 10 * MAX_AGE_S)
    write(tmp_path, "keynote-8.ts", 1)
    assert run(prune, tmp_path) == {"keynote.m3u8", "keynote-7.ts", "keynote-8.ts"}


def test_a_young_segment_no_playlist_lists_yet_stays(prune, tmp_path):
    # The writer adds a segment to the playlist only once it closes it.
    write(tmp_path, "keynote.m3u8", 1, playlist("keynote-7.ts"))
    write(tmp_path, "keynote-8.ts", MAX_AGE_S / 2)
    assert "keynote-8.ts" in run(prune, tmp_path)


def test_an_old_segment_no_playlist_lists_is_deleted(prune, tmp_path):
    write(tmp_path, "keynote.m3u8", 1, playlist("keynote-9.ts"))
    write(tmp_path, "keynote-9.ts", 1)
    write(tmp_path, "keynote-3.ts", MAX_AGE_S + 5)
    assert run(prune, tmp_path) == {"keynote.m3u8", "keynote-9.ts"}


def test_the_playlist_of_a_stream_ended_long_ago_goes_with_its_segments(prune, tmp_path):
    write(tmp_path, "old.m3u8", PLAYLIST_MAX_AGE_S + 5, playlist("old-1.ts"))
    write(tmp_path, "old.m3u8.bak", PLAYLIST_MAX_AGE_S + 5)
    write(tmp_path, "old-1.ts", PLAYLIST_MAX_AGE_S + 5)
    assert run(prune, tmp_path) == set()  # the segment is no longer listed once its playlist is gone
    assert run(prune, tmp_path) == set()


def test_the_playlist_of_a_stream_that_just_ended_stays(prune, tmp_path):
    write(tmp_path, "keynote.m3u8", MAX_AGE_S * 2, playlist("keynote-1.ts"))
    write(tmp_path, "keynote-1.ts", MAX_AGE_S * 2)
    assert run(prune, tmp_path) == {"keynote.m3u8", "keynote-1.ts"}


def test_files_of_other_kinds_are_left_alone(prune, tmp_path):
    write(tmp_path, "notes.txt", PLAYLIST_MAX_AGE_S * 2)
    (tmp_path / "sub").mkdir()
    assert run(prune, tmp_path) == {"notes.txt", "sub"}


def test_a_missing_directory_is_nothing_to_do(prune, tmp_path):
    assert prune.main([str(tmp_path / "absent"), "--max-age-s=60", "--playlist-max-age-s=3600"]) == 0


def test_a_playlist_age_shorter_than_the_segment_age_is_refused(prune, tmp_path):
    with pytest.raises(SystemExit):
        prune.main([str(tmp_path), "--max-age-s=60", "--playlist-max-age-s=30"])
