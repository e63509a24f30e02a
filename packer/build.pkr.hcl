build {
  sources = ["source.docker.local", "source.amazon-ebs.aws", "source.amazon-ebs.emulator"]

  # The host roles, applied by playbooks/bake.yml. Only where there is a communicator: the
  # emulator source registers an AMI without an instance.
  provisioner "ansible" {
    only          = ["docker.local", "amazon-ebs.aws"]
    playbook_file = "${path.root}/../playbooks/bake.yml"
    user          = "root"
    # Packer's SSH proxy offers only ssh-rsa host keys, which OpenSSH 9 refuses by default; scp
    # through it fails, piped transfer works (TOOLCHAIN.md).
    extra_arguments = [
      "--extra-vars", "bake_version=${var.version} bake_git_sha=${var.git_sha} bake_source_type=${source.type}",
      "--ssh-extra-args", "-o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedKeyTypes=+ssh-rsa",
    ]
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${path.root}/../ansible.cfg",
      "ANSIBLE_ROLES_PATH=${path.root}/../roles",
      "ANSIBLE_SSH_TRANSFER_METHOD=piped",
      "ANSIBLE_HOST_KEY_CHECKING=False",
      "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
    ]
  }

  post-processor "docker-tag" {
    only       = ["docker.local"]
    repository = var.local_image
    tags       = [var.version, "latest"]
  }

  post-processor "manifest" {
    output     = var.manifest
    strip_path = true
    custom_data = {
      version = var.version
      git_sha = var.git_sha
    }
  }
}
