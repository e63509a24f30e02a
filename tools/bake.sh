#!/usr/bin/env bash
# Bake the golden image with Packer (packer/), and print the manifest.
#   tools/bake.sh                local: the container image (podman) and its AMI in the emulator
#   tools/bake.sh --incremental  local, starting from the last golden image instead of the base
#   tools/bake.sh --force        local, even when an image of the same inputs exists
#   tools/bake.sh --aws          the AMI in AWS (credentials from the environment; needs
#                                WEBCAST_BUILD_CIDRS='["203.0.113.7/32"]': where Packer's SSH comes from)
# WEBCAST_GOLDEN_IMAGE names another local repository (default localhost/webcast-golden), so that
# an image under test never replaces the one `make up` runs.
# Locally, an image is rebuilt only when what it is made of changed (roles, bake playbook,
# templates, app): its inputs hash is a label of the image. The emulator forgets everything when it
# stops, so the AMI is registered again whenever the emulator does not have it.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
ENDPOINT="${WEBCAST_AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
IMAGE="${WEBCAST_GOLDEN_IMAGE:-localhost/webcast-golden}"
MANIFEST=".run/bake/manifest.json"

mode=local incremental="" force=""
for arg in "$@"; do
  case "$arg" in
    --aws) mode=aws ;;
    --incremental) incremental=yes ;;
    --force) force=yes ;;
    *) echo "unknown argument '$arg'; allowed: --aws --incremental --force" >&2; exit 2 ;;
  esac
done

mkdir -p .run/bake/bin
# Packer 1.6.6's docker builder drives the `docker` first on PATH; podman's Docker API socket fails
# at commit, podman's own CLI works (TOOLCHAIN.md).
ln -sfn "$(command -v podman)" .run/bake/bin/docker
export PATH="$ROOT/.run/bake/bin:$PATH"

# What the image is made of: the files git knows or would know (tracked or not ignored), so build
# output and caches (ignored) never make an image look out of date.
inputs="$(git ls-files -co --exclude-standard -- roles playbooks/bake.yml packer app | LC_ALL=C sort \
  | xargs sha256sum | sha256sum | cut -c1-16)"
git_sha="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z "$(git status --porcelain 2>/dev/null)" ]] || git_sha="$git_sha-dirty"
new_version="$(date -u +%Y.%m.%d.%H%M%S)"  # AMI names are second-precise (TOOLCHAIN.md)

app_artifacts() {  # the app's wheel and its dependencies' wheels, for an image build without an index
  rm -rf .run/bake/app && mkdir -p .run/bake/app .run/bake/wheelhouse
  app/build.sh "$ROOT/.run/bake/app" >/dev/null
  # async-timeout by name: redis needs it on the image's Python 3.11.2 (below 3.11.3), and a marker
  # evaluated on this host's newer Python would leave it out.
  pip download -q --disable-pip-version-check -d .run/bake/wheelhouse -r app/requirements.txt \
    gunicorn==27.0.1 async-timeout==5.0.1
}

packer_build() {  # packer_build SOURCE VERSION [extra -var...]
  local source="$1" version="$2"; shift 2
  packer build -only="$source" -var "version=$version" -var "git_sha=$git_sha" -var "inputs=$inputs" \
    -var "manifest=$MANIFEST" "$@" packer/
}

if [[ "$mode" == aws ]]; then
  [[ -n "${WEBCAST_BUILD_CIDRS:-}" ]] || {
    echo "WEBCAST_BUILD_CIDRS is not set: give the CIDRs Packer's SSH comes from, e.g. '[\"203.0.113.7/32\"]'" >&2
    exit 2
  }
  app_artifacts
  packer_build amazon-ebs.aws "$new_version" -var "build_cidrs=$WEBCAST_BUILD_CIDRS"
  python -m tools.bake_manifest --require-imdsv2 "$MANIFEST"
  exit 0
fi

label() { podman image inspect --format "{{ index .Labels \"$1\" }}" "$IMAGE:latest" 2>/dev/null || true; }
if [[ -z "$force" ]] && [[ "$(label webcast.inputs)" == "$inputs" ]]; then
  version="$(label org.opencontainers.image.version)"
  echo "golden image $IMAGE:$version is current (inputs $inputs): reusing it"
else
  version="$new_version"
  app_artifacts
  base=()
  if [[ -n "$incremental" ]] && podman image exists "$IMAGE:latest"; then
    base=(-var "base_image=$IMAGE:latest")
  fi
  packer_build docker.local "$version" -var "local_image=$IMAGE" "${base[@]}"
fi

python -m tools.bake_manifest --emulator "$ENDPOINT" --version "$version" "$MANIFEST" || {
  packer_build amazon-ebs.emulator "$version" -var "approved=true" -var "emulator_endpoint=$ENDPOINT"
  python -m tools.bake_manifest --emulator "$ENDPOINT" --version "$version" "$MANIFEST"
}
