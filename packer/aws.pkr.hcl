# The golden AMI in AWS: Debian 12 (docs/decisions/0004), built in a private build instance that
# Packer reaches over SSH from the build host only, encrypted, IMDSv2 only, copied for recovery.
source "amazon-ebs" "aws" {
  region        = var.region
  instance_type = var.instance_type
  ami_name      = local.ami_name
  ami_regions   = var.ami_regions
  encrypt_boot  = true

  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      architecture        = "x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    # Debian's own account: never an image someone else published under the same name.
    owners      = ["136693071363"]
    most_recent = true
  }

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.root_volume_size_gb
    volume_type           = "gp3"
    throughput            = 125
    iops                  = 3000
    encrypted             = true
    delete_on_termination = true
  }

  ssh_username = "admin"
  # The temporary security group admits SSH only from build_cidrs: tools/bake.sh refuses an AWS
  # bake without them (Packer 1.6.6 would open it to 0.0.0.0/0, and has no option to use the
  # build host's own address).
  temporary_security_group_source_cidrs = var.build_cidrs

  # IMDSv2 only: Packer 1.6.6 knows neither `imds_support` nor `metadata_options`, so
  # tools/bake.sh sets the AMI's ImdsSupport to v2.0 after the build (ModifyImageAttribute), and
  # the launch template requires HttpTokens (roles/aws_compute). On current Packer, add
  # `imds_support = "v2.0"` here and drop that step.

  tags          = local.image_tags
  snapshot_tags = local.image_tags
  run_tags      = merge(local.image_tags, { Name = "packer-${local.ami_name}" })
}
