# The golden image as a container: the base image booted with systemd (as an instance boots), the
# bake playbook applied through the ansible provisioner, then committed. Packer 1.6.6's docker
# builder talks to the `docker` first on PATH: tools/bake.sh puts podman there (TOOLCHAIN.md).
source "docker" "local" {
  image  = var.base_image
  pull   = false
  commit = true
  # systemd as PID 1, so that roles enable and start units as they would on an instance.
  run_command = ["-d", "--systemd=always", "--network=slirp4netns", "{{ .Image }}", "/sbin/init"]
  changes = [
    "CMD [\"/sbin/init\"]",
    "STOPSIGNAL SIGRTMIN+3",
    "ENV container=podman",
    "LABEL org.opencontainers.image.version=${var.version}",
    "LABEL org.opencontainers.image.revision=${var.git_sha}",
    "LABEL webcast.inputs=${var.inputs}",
  ]
}
