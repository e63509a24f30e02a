#!/usr/bin/python3
"""Delete live HLS files no playlist needs any more, from a directory every instance shares (EFS).

nginx-rtmp's own `hls_cleanup` is off (docs/decisions/0030): it deletes by its own idea of a stream's
files and cannot tell what another instance is still writing into the same directory. This deletes
by age and by use instead, the same on every instance:
- a segment (.ts) older than --max-age-s that no playlist in the directory lists;
- a playlist (.m3u8) not rewritten for --playlist-max-age-s (its stream ended long ago), and the
  leftovers of its atomic rewrite (.m3u8.bak, .m3u8.tmp) once as old.
A segment listed by any playlist stays, whatever its age, and a young one stays even when no playlist
lists it yet (the writer adds it to the playlist when it closes it).

    webcast-hls-prune.py DIRECTORY --max-age-s SECONDS --playlist-max-age-s SECONDS [--dry-run]

Managed by Ansible (role media_server): local changes are overwritten.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PLAYLIST_LEFTOVERS = (".m3u8.bak", ".m3u8.tmp")


def listed_segments(directory: Path, playlist_max_age_s: float, now: float) -> set[str]:
    """The segments the playlists that stay list (a playlist may vanish meanwhile)."""
    names: set[str] = set()
    for playlist in directory.glob("*.m3u8"):
        try:
            if now - playlist.stat().st_mtime > playlist_max_age_s:
                continue
            text = playlist.read_text(errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                names.add(line.rsplit("/", 1)[-1].split("?", 1)[0])
    return names


def stale(directory: Path, max_age_s: float, playlist_max_age_s: float, now: float) -> list[Path]:
    """The files to delete, oldest first."""
    listed = listed_segments(directory, playlist_max_age_s, now)
    found = []
    for entry in os.scandir(directory):
        if not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        name = entry.name
        if name.endswith(".ts"):
            old = age > max_age_s and name not in listed
        elif name.endswith(".m3u8") or name.endswith(PLAYLIST_LEFTOVERS):
            old = age > playlist_max_age_s
        else:
            old = False
        if old:
            found.append((age, Path(entry.path)))
    return [path for _, path in sorted(found, reverse=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--max-age-s", type=float, required=True)
    parser.add_argument("--playlist-max-age-s", type=float, required=True)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if args.max_age_s <= 0 or args.playlist_max_age_s < args.max_age_s:
        parser.error("--max-age-s must be positive and --playlist-max-age-s at least as long")
    if not args.directory.is_dir():
        # No media yet (the shared storage not mounted, or nothing ever published): nothing to do.
        return 0
    deleted = 0
    for path in stale(args.directory, args.max_age_s, args.playlist_max_age_s, time.time()):
        if args.dry_run:
            print(path)
            continue
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass  # another instance pruned it first
    if deleted:
        print(f"webcast-hls-prune: deleted {deleted} files from {args.directory}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
