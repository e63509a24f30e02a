#!/usr/bin/env bash
# Build the Debian 12 systemd base container image that local instances and molecule's host
# scenarios boot from. Built once with debootstrap and reused while it exists: pass --force to
# rebuild. Usage: tools/base-image.sh [--force]
set -euo pipefail

IMAGE="${WEBCAST_BASE_IMAGE:-localhost/webcast-base:bookworm}"
MIRROR="${WEBCAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What an instance needs before Ansible can manage it: systemd as PID 1, python3 (+apt bindings,
# so the apt module does not install them on every converge), sudo, and ssh for the Packer
# ansible provisioner.
PACKAGES="systemd,systemd-sysv,dbus,python3,python3-apt,sudo,openssh-server,iproute2,ca-certificates"

if [[ "${1:-}" != "--force" ]] && podman image exists "$IMAGE"; then
  echo "base image $IMAGE present: reusing it (tools/base-image.sh --force rebuilds)"
  exit 0
fi

rootfs="$(mktemp -d /var/tmp/webcast-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

echo "building $IMAGE from $MIRROR (debootstrap, about a minute)"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 || {
  tail -30 "$rootfs.log" >&2
  echo "debootstrap failed; full log in $rootfs.log" >&2
  exit 1
}
rm -f "$rootfs.log"

# An image must not carry a machine identity: systemd makes a fresh machine-id at first boot
# when the file is empty, and the hostname comes from the container runtime.
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
echo localhost >"$rootfs/etc/hostname"
# The security archive, so that the common role's unattended upgrades have something to follow.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SOURCES
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["/sbin/init"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change 'ENV container=podman' \
  --quiet --message "Debian 12 systemd base for webcast instances" \
  - "$IMAGE" >/dev/null
echo "built $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec))"
