#!/usr/bin/env bash
# Build the app's wheel: dist/webcast_app-<version>-py3-none-any.whl, with hls.js inside it.
#   app/build.sh [OUTPUT_DIR]        (default: app/dist)
# hls.js comes from the npm registry at build time, pinned by version and checked against the
# pinned integrity (the registry's sha512), so the app serves the player itself: no third-party CDN
# at run time. The tarball is cached in app/.cache/ and checked again on every build.
set -euo pipefail

HLS_VERSION=1.7.4
HLS_INTEGRITY="sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg=="

APP="$(cd "$(dirname "$0")" && pwd)"
OUT="$(mkdir -p "${1:-$APP/dist}" && cd "${1:-$APP/dist}" && pwd)"
PYTHON="${PYTHON:-python3}"
CACHE="$APP/.cache/npm"
STATIC="$APP/src/webcast_app/static"
TARBALL="$CACHE/hls.js-$HLS_VERSION.tgz"

integrity() {  # integrity FILE: the npm-style sha512 of a file
  "$PYTHON" -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

mkdir -p "$CACHE"
if [[ ! -f "$TARBALL" ]] || [[ "$(integrity "$TARBALL")" != "$HLS_INTEGRITY" ]]; then
  rm -f "$TARBALL"
  (cd "$CACHE" && npm pack --silent "hls.js@$HLS_VERSION" >/dev/null)
fi
if [[ "$(integrity "$TARBALL")" != "$HLS_INTEGRITY" ]]; then
  echo "hls.js $HLS_VERSION: the tarball's integrity is $(integrity "$TARBALL"), expected $HLS_INTEGRITY" >&2
  exit 1
fi
tar -xzOf "$TARBALL" package/dist/hls.min.js >"$STATIC/hls.min.js"
tar -xzOf "$TARBALL" package/LICENSE >"$STATIC/hls.js.LICENSE.txt"

# The same sources give the same wheel: file times come from the last commit (flit_core reads it).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$APP" log -1 --format=%ct 2>/dev/null || echo 315532800)}"
# flit_core (pinned in pyproject.toml) takes every file of the package directory, so the wheel holds
# the templates, static files and migrations.
# With that flit_core installed (requirements-test.txt), the build needs no index: no isolation.
FLIT_CORE="$(sed -n 's/^requires = \["flit_core==\(.*\)"\]$/\1/p' "$APP/pyproject.toml")"
isolation=()
if [[ "$("$PYTHON" -c 'import flit_core; print(flit_core.__version__)' 2>/dev/null)" == "$FLIT_CORE" ]]; then
  isolation=(--no-build-isolation)
fi
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps "${isolation[@]}" --wheel-dir "$OUT" "$APP"

version="$("$PYTHON" -c 'import re, sys; print(re.search(r"^version = \"(.+)\"", open(sys.argv[1]).read(), re.M)[1])' "$APP/pyproject.toml")"
wheel="$OUT/webcast_app-$version-py3-none-any.whl"
"$PYTHON" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = {"webcast_app/static/hls.min.js", "webcast_app/migrations/0001_initial.sql", "webcast_app/templates/event.html"}
missing = wanted - names
if missing:
    sys.exit(f"{sys.argv[1]} lacks {sorted(missing)}")
PY
echo "$wheel"
