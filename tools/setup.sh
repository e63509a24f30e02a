#!/usr/bin/env bash
# Install everything the project needs on a Debian 12 machine, as root. Idempotent: each step
# checks first and says whether it changed anything; a second run takes seconds.
#   1. Debian packages (packer, podman, runc, slirp4netns, debootstrap, ...)
#   2. podman's settings: one drop-in file, /etc/containers/containers.conf.d/50-webcast-platform.conf
#   3. the Python venv .venv from requirements.txt
#   4. .collections/, which makes this directory the webcast.platform collection
#   5. the Debian 12 systemd base container image (tools/base-image.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PACKAGES=(
  make git curl ca-certificates
  packer                                  # HashiCorp Packer 1.6.6, the newest reachable here
  podman runc slirp4netns containernetworking-plugins  # local instances
  debootstrap                             # the base image
  time                                    # GNU time: peak memory in the inventory benchmark and its test
  mariadb-server redis-server             # the app's tests start their own, on loopback ports
  ffmpeg                                  # the webcast scenario publishes a test stream; the benches make segments
  wrk                                     # make bench-webcast: HLS origin throughput
)
# The app's build fetches hls.js with npm: Debian's npm, unless a Node.js with npm is there already
# (NodeSource's nodejs carries its own npm and conflicts with Debian's).
command -v npm >/dev/null || PACKAGES+=(npm)
PODMAN_DROPIN=/etc/containers/containers.conf.d/50-webcast-platform.conf
PYTHON="${PYTHON:-python3}"

say() { printf '  %-22s %s\n' "$1" "$2"; }

if [[ $EUID -ne 0 ]]; then
  echo "make setup installs Debian packages and runs rootful podman: run it as root" >&2
  exit 1
fi
if ! grep -q '^VERSION_ID="12"' /etc/os-release; then
  echo "make setup expects Debian 12 (bookworm); this is $(. /etc/os-release; echo "$PRETTY_NAME")" >&2
  exit 1
fi

echo "setup:"

# 1. Debian packages: apt only runs when something is missing.
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  say packages "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say packages "present"
fi

# 2. podman: crun 1.8 refuses this kind of host's hybrid cgroups, so runc; and podman's default
#    nofile limit (1048576) is above the host's hard limit, which makes every container fail to
#    start, so the defaults are capped at the hard limits. Nothing else in the system is changed.
nofile="$(ulimit -Hn)"
nproc="$(ulimit -Hu)"
[[ "$nofile" == unlimited || "$nofile" -gt 1048576 ]] && nofile=1048576
[[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
wanted="# Written by the webcast platform's make setup (tools/setup.sh): see that file for why.
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]

[engine]
runtime = \"runc\"
"
if ! cmp -s "$PODMAN_DROPIN" <(printf '%s' "$wanted"); then
  mkdir -p "$(dirname "$PODMAN_DROPIN")"
  printf '%s' "$wanted" >"$PODMAN_DROPIN"
  say podman "wrote $PODMAN_DROPIN (runtime runc, nofile $nofile, nproc $nproc)"
else
  say podman "settings present in $PODMAN_DROPIN"
fi

# 3. The venv, reinstalled only when requirements.txt changes.
stamp=".venv/.requirements.sha256"
wanted_sum="$(cat requirements.txt app/requirements.txt app/requirements-test.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -x .venv/bin/python || "$(cat "$stamp" 2>/dev/null)" != "$wanted_sum" ]]; then
  say venv "installing requirements.txt into .venv (about a minute)"
  [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$wanted_sum" >"$stamp"
else
  say venv "up to date with requirements.txt"
fi

# 4. The project as the webcast.platform collection, for fully qualified plugin names.
link=".collections/ansible_collections/webcast/platform"
if [[ "$(readlink "$link" 2>/dev/null)" != "../../.." ]]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn ../../.. "$link"
  say collection "linked $link"
else
  say collection "linked"
fi

# 5. The base image of local instances.
say "base image" "$(tools/base-image.sh | tail -1)"
